/**
 * Fetch (api key 1), versions 4-11: request decoding and response encoding. Fetch sessions are not
 * supported: responses always carry session id 0 and every requested partition.
 *
 * @module
 */

import type { ProtocolReader } from "../reader.ts";
import { type ProtocolWriter, RAW_REF_MIN } from "../writer.ts";

/**
 * A decoded Fetch request.
 *
 * @example
 * ```ts
 * import type { FetchRequest } from "./fetch.ts";
 * const r: FetchRequest = { maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, topics: [] };
 * ```
 */
export interface FetchRequest {
  /** Longest time the broker may hold the request waiting for data. */
  maxWaitMs: number;
  /** Answer as soon as this many record bytes are available. */
  minBytes: number;
  /** Cap on the whole response (at least one batch is still returned). */
  maxBytes: number;
  /** Partitions to read and where to start. */
  topics: {
    name: string;
    partitions: { partition: number; fetchOffset: number; maxBytes: number }[];
  }[];
}

/**
 * Decodes a Fetch request body.
 *
 * @param r reader positioned after the request header
 * @param version request version (4-11)
 * @returns the request (fields the broker ignores are skipped)
 * @throws {ProtocolDecodeError} for truncated or malformed input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeFetchRequest } from "./fetch.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter().int32(-1).int32(100).int32(1).int32(1000).int8(0);
 * w.array([], () => {});
 * assert.strictEqual(decodeFetchRequest(new ProtocolReader(w.finish()), 4).maxWaitMs, 100);
 * ```
 */
export function decodeFetchRequest(r: ProtocolReader, version: number): FetchRequest {
  r.int32();
  const maxWaitMs = Math.max(0, r.int32());
  const minBytes = r.int32();
  const requestedMaxBytes = r.int32();
  r.int8();
  if (version >= 7) {
    r.int32();
    r.int32();
  }
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => {
      const partition = r.int32();
      if (version >= 9) r.int32();
      const fetchOffset = r.int64Number();
      if (version >= 5) r.int64();
      return { partition, fetchOffset, maxBytes: r.int32() };
    }),
  }));
  if (version >= 7) r.array((r) => (r.string(), r.array((r) => r.int32())));
  if (version >= 11) r.string();
  return {
    maxWaitMs,
    minBytes,
    maxBytes: requestedMaxBytes > 0 ? requestedMaxBytes : 0x7fffffff,
    topics,
  };
}

/**
 * One partition of a Fetch response.
 *
 * @example
 * ```ts
 * import type { FetchPartitionResponse } from "./fetch.ts";
 * const empty: FetchPartitionResponse = {
 *   partition: 0, errorCode: 0, highWatermark: 5, logStartOffset: 0, batches: [], bytes: 0,
 * };
 * ```
 */
export interface FetchPartitionResponse {
  /** Partition index. */
  partition: number;
  /** 0 or a Kafka error code. */
  errorCode: number;
  /** Next offset to be written (-1 on error). */
  highWatermark: number;
  /** First offset still stored (-1 on error). */
  logStartOffset: number;
  /** Whole record batches, written back to back. */
  batches: Uint8Array[];
  /** Total length of `batches`. */
  bytes: number;
}

/**
 * Encodes a Fetch response. The writer is sized for all batches first, so they are copied once.
 *
 * @param w writer positioned after the response header
 * @param version request version (4-11)
 * @param topics partitions per topic
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeFetchResponse } from "./fetch.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeFetchResponse(w, 11, [{ name: "t", partitions: [
 *   { partition: 0, errorCode: 0, highWatermark: 7, logStartOffset: 0, batches: [], bytes: 0 },
 * ] }]);
 * const r = new ProtocolReader(w.finish());
 * // Throttle time, error code and session id come first from v7.
 * assert.deepStrictEqual([r.int32(), r.int16(), r.int32()], [0, 0, 0]);
 * assert.deepStrictEqual([r.int32(), r.string()], [1, "t"]);
 * assert.deepStrictEqual([r.int32(), r.int32(), r.int16(), r.int64()], [1, 0, 0, 7n]);
 * ```
 */
export function encodeFetchResponse(
  w: ProtocolWriter,
  version: number,
  topics: { name: string; partitions: FetchPartitionResponse[] }[],
): void {
  let size = 64;
  for (const t of topics) {
    size += 64;
    for (const p of t.partitions) {
      size += 64;
      for (const b of p.batches) if (b.length < RAW_REF_MIN) size += b.length;
    }
  }
  w.reserve(size);
  if (version >= 1) w.int32(0);
  if (version >= 7) w.int16(0).int32(0);
  w.array(topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partition).int16(p.errorCode).int64(p.highWatermark);
      if (version >= 4) w.int64(p.highWatermark);
      if (version >= 5) w.int64(p.logStartOffset);
      if (version >= 4) w.int32(0);
      if (version >= 11) w.int32(-1);
      w.int32(p.bytes);
      // Large batches go out by reference (written straight from the log, not copied).
      for (const b of p.batches) w.rawRef(b);
    });
  });
}
