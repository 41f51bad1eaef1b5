/**
 * A minimal Kafka protocol client for tests that need exact bytes: it sends one request with a
 * hand-written body and returns a reader over the response body.
 *
 * @module
 */

import { ProtocolReader } from "../../lib/protocol/reader.ts";
import { ProtocolWriter } from "../../lib/protocol/writer.ts";
import { withDeadline } from "./deadline.ts";

/**
 * One TCP connection speaking raw Kafka frames.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../../lib/broker/mod.ts";
 * import { RawKafkaConnection } from "./raw_client.ts";
 *
 * await using broker = await startBroker({ port: 0, logger: () => {} });
 * await using c = await RawKafkaConnection.connect(broker.port);
 * const answer = await c.request(18, 0, () => {}); // ApiVersions v0
 * assert.ok(answer);
 * assert.equal(answer.r.int16(), 0); // no error
 * ```
 */
export class RawKafkaConnection implements AsyncDisposable {
  #correlation = 0;
  #pending = new Uint8Array(0);

  private constructor(readonly conn: Deno.Conn) {}

  /** Opens a connection to 127.0.0.1:port. */
  static async connect(port: number): Promise<RawKafkaConnection> {
    return new RawKafkaConnection(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Writes raw bytes. */
  async writeRaw(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
  }

  /** Encodes a request frame (header v1 unless `flexibleHeader`). */
  frame(
    apiKey: number,
    version: number,
    body: (w: ProtocolWriter) => void,
    flexibleHeader = false,
  ): Uint8Array {
    const w = new ProtocolWriter();
    w.int32(0).int16(apiKey).int16(version).int32(this.#correlation++).string("raw-test");
    if (flexibleHeader) w.taggedFields();
    body(w);
    const out = w.finish();
    w.patchInt32(0, out.length - 4);
    return out.slice();
  }

  /** Reads one response frame; null when the broker closed the connection. */
  async readFrame(): Promise<Uint8Array | null> {
    const need = async (n: number): Promise<boolean> => {
      while (this.#pending.length < n) {
        const buf = new Uint8Array(65536);
        const got = await this.conn.read(buf).catch(() => null);
        if (got === null) return false;
        const next = new Uint8Array(this.#pending.length + got);
        next.set(this.#pending);
        next.set(buf.subarray(0, got), this.#pending.length);
        this.#pending = next;
      }
      return true;
    };
    if (!(await need(4))) return null;
    const size = new DataView(this.#pending.buffer).getInt32(0);
    if (!(await need(4 + size))) return null;
    const frame = this.#pending.slice(4, 4 + size);
    this.#pending = this.#pending.slice(4 + size);
    return frame;
  }

  /**
   * Sends a request and returns a reader positioned after the correlation id of the response,
   * plus that correlation id; null when the connection was closed instead. Fails with a
   * DeadlineError naming the API key and version when no answer came within `deadlineMs`.
   */
  async request(
    apiKey: number,
    version: number,
    body: (w: ProtocolWriter) => void,
    flexibleHeader = false,
    deadlineMs = 10_000,
  ): Promise<{ correlationId: number; r: ProtocolReader } | null> {
    await this.writeRaw(this.frame(apiKey, version, body, flexibleHeader));
    const frame = await withDeadline(
      this.readFrame(),
      deadlineMs,
      `the answer to API key ${apiKey} v${version}`,
    );
    if (!frame) return null;
    const r = new ProtocolReader(frame);
    return { correlationId: r.int32(), r };
  }

  /** Closes the socket (idempotent). */
  close(): void {
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  /** Closes the socket. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
