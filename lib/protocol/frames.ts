/**
 * Size-prefixed frames and request headers.
 *
 * @module
 */

import { ProtocolDecodeError } from "./errors.ts";
import type { ProtocolReader } from "./reader.ts";

/** Kafka's default `socket.request.max.bytes` (100 MiB). */
export const MAX_FRAME_SIZE = 100 * 1024 * 1024;
const INITIAL_FRAME_BUFFER = 1 << 20;

/**
 * A frame's size field is negative or above the allowed maximum.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { FrameSizeError } from "./frames.ts";
 * const e = new FrameSizeError(-5, 1024);
 * assert.strictEqual(e.message, "frame size -5 is outside 0..1024");
 * ```
 */
export class FrameSizeError extends ProtocolDecodeError {
  /**
   * Creates the error.
   *
   * @param size the size field that was read
   * @param max the largest size accepted
   */
  constructor(readonly size: number, max: number) {
    super(`frame size ${size} is outside 0..${max}`);
    this.name = "FrameSizeError";
  }
}

/**
 * Anything with Deno's `read(p)` contract (a `Deno.Conn`, a TLS connection).
 *
 * @example
 * ```ts
 * import type { ByteSource } from "./frames.ts";
 * const empty: ByteSource = { read: () => Promise.resolve(null) };
 * ```
 */
export interface ByteSource {
  /** Reads into `p`; resolves to the count read or null at end of stream. */
  read(p: Uint8Array): Promise<number | null>;
}

/**
 * Reads size-prefixed frames; each yielded frame is a fresh buffer (without the size field) that
 * the caller may keep.
 *
 * @param source connection to read
 * @param maxSize largest frame accepted
 * @returns the frames; ends at a clean end of stream
 * @throws {FrameSizeError} for a negative or oversized size field
 * @throws {ProtocolDecodeError} when the stream ends inside a frame
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { readFrames } from "./frames.ts";
 * const bytes = new Uint8Array([0, 0, 0, 1, 42]);
 * let done = false;
 * const source = { read: (p: Uint8Array) => {
 *   if (done) return Promise.resolve(null);
 *   done = true; p.set(bytes); return Promise.resolve(bytes.length);
 * } };
 * const frames = await Array.fromAsync(readFrames(source));
 * assert.deepStrictEqual(frames, [new Uint8Array([42])]);
 * ```
 */
export async function* readFrames(
  source: ByteSource,
  maxSize = MAX_FRAME_SIZE,
): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(64 * 1024);
  let start = 0;
  let end = 0;
  const fill = async (): Promise<boolean> => {
    if (start === end) start = end = 0;
    if (end === buf.length) {
      buf.copyWithin(0, start, end);
      end -= start;
      start = 0;
    }
    const n = await source.read(buf.subarray(end));
    if (n === null || n === 0) return false;
    end += n;
    return true;
  };
  for (;;) {
    while (end - start < 4) {
      if (!(await fill())) {
        if (end - start === 0) return;
        throw new ProtocolDecodeError(`stream ended inside a frame size field`);
      }
    }
    const size = (buf[start] << 24) | (buf[start + 1] << 16) | (buf[start + 2] << 8) |
      buf[start + 3];
    if (size < 0 || size > maxSize) throw new FrameSizeError(size, maxSize);
    start += 4;
    // Memory grows with the bytes that actually arrive, so a lying size field costs little.
    let frame = new Uint8Array(Math.min(size, INITIAL_FRAME_BUFFER));
    const have = Math.min(size, end - start);
    if (have > frame.length) frame = new Uint8Array(size);
    frame.set(buf.subarray(start, start + have));
    start += have;
    let filled = have;
    // Large frames are read straight into their own buffer rather than through the small one.
    while (filled < size) {
      if (filled === frame.length) {
        const grown = new Uint8Array(Math.min(size, frame.length * 2));
        grown.set(frame);
        frame = grown;
      }
      const n = await source.read(frame.subarray(filled));
      if (n === null || n === 0) {
        throw new ProtocolDecodeError(`stream ended after ${filled} of ${size} frame bytes`);
      }
      filled += n;
    }
    yield frame;
    if (start === end) start = end = 0;
    if (buf.length > 64 * 1024 && end === 0) buf = new Uint8Array(64 * 1024);
  }
}

/**
 * The fixed part of every request header (v1 and v2 share it).
 *
 * @example
 * ```ts
 * import type { RequestHeader } from "./frames.ts";
 * const h: RequestHeader = { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: "rdkafka" };
 * ```
 */
export interface RequestHeader {
  /** Which API. */
  apiKey: number;
  /** Which version of it. */
  apiVersion: number;
  /** Echoed in the response. */
  correlationId: number;
  /** Client-chosen name, nullable. */
  clientId: string | null;
}

/**
 * Reads a request header; with `flexible` the trailing tagged-field section (header v2) too.
 *
 * @param r reader positioned at the start of a frame
 * @param flexible whether the request version uses header v2
 * @returns the header fields
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { readRequestHeader } from "./frames.ts";
 * import { ProtocolReader } from "./reader.ts";
 * const r = new ProtocolReader(new Uint8Array([0, 18, 0, 0, 0, 0, 0, 7, 0xff, 0xff]));
 * assert.strictEqual(readRequestHeader(r, false).correlationId, 7);
 * ```
 */
export function readRequestHeader(r: ProtocolReader, flexible: boolean): RequestHeader {
  const header = {
    apiKey: r.int16(),
    apiVersion: r.int16(),
    correlationId: r.int32(),
    clientId: r.nullableString(),
  };
  if (flexible) r.taggedFields();
  return header;
}
