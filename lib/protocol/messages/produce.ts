/**
 * Produce (api key 0), versions 3-7: request decoding and response encoding.
 *
 * @module
 */

import type { ProtocolReader } from "../reader.ts";
import type { ProtocolWriter } from "../writer.ts";

/**
 * A decoded Produce request. `records` are views of the request frame (no copies).
 *
 * @example
 * ```ts
 * import type { ProduceRequest } from "./produce.ts";
 * const r: ProduceRequest = { transactionalId: null, acks: -1, timeoutMs: 1000, topics: [] };
 * ```
 */
export interface ProduceRequest {
  /** Null unless the producer is transactional. */
  transactionalId: string | null;
  /** 0, 1 or -1 (anything else is answered with INVALID_REQUIRED_ACKS). */
  acks: number;
  /** How long the client lets the broker wait for replication. */
  timeoutMs: number;
  /** Record batches per topic and partition. */
  topics: { name: string; partitions: { index: number; records: Uint8Array | null }[] }[];
}

/**
 * Decodes a Produce request body (v3-v7 share one layout).
 *
 * @param r reader positioned after the request header
 * @returns the request
 * @throws {ProtocolDecodeError} for truncated or malformed input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeProduceRequest } from "./produce.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const body = new ProtocolWriter().string(null).int16(1).int32(100).array([], () => {}).finish();
 * assert.strictEqual(decodeProduceRequest(new ProtocolReader(body)).acks, 1);
 * ```
 */
export function decodeProduceRequest(r: ProtocolReader): ProduceRequest {
  return {
    transactionalId: r.nullableString(),
    acks: r.int16(),
    timeoutMs: r.int32(),
    topics: r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ index: r.int32(), records: r.nullableBytes() })),
    })),
  };
}

/**
 * The outcome for one partition of a Produce request.
 *
 * @example
 * ```ts
 * import type { ProducePartitionResponse } from "./produce.ts";
 * const ok: ProducePartitionResponse = {
 *   index: 0, errorCode: 0, baseOffset: 42, logAppendTimeMs: -1, logStartOffset: 0,
 * };
 * ```
 */
export interface ProducePartitionResponse {
  /** Partition index. */
  index: number;
  /** 0 or a Kafka error code. */
  errorCode: number;
  /** Offset given to the batch's first record; -1 on error. */
  baseOffset: number;
  /** Broker time for LogAppendTime topics, else -1. */
  logAppendTimeMs: number;
  /** The partition's log start offset (v5+). */
  logStartOffset: number;
}

/**
 * Encodes a Produce response; throttle time (0) is the last field.
 *
 * @param w writer positioned after the response header
 * @param version request version (3-7)
 * @param topics outcomes per topic
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeProduceResponse } from "./produce.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeProduceResponse(w, 7, [{ name: "t", partitions: [
 *   { index: 0, errorCode: 0, baseOffset: 5, logAppendTimeMs: -1, logStartOffset: 0 },
 * ] }]);
 * const r = new ProtocolReader(w.finish());
 * assert.deepStrictEqual(
 *   r.array((r) => [r.string(), r.array((r) => [r.int32(), r.int16(), r.int64(), r.int64(), r.int64()])]),
 *   [["t", [[0, 0, 5n, -1n, 0n]]]],
 * );
 * assert.strictEqual(r.int32(), 0); // throttle time, last from v1
 * ```
 */
export function encodeProduceResponse(
  w: ProtocolWriter,
  version: number,
  topics: { name: string; partitions: ProducePartitionResponse[] }[],
): void {
  w.array(topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.index).int16(p.errorCode).int64(p.baseOffset);
      if (version >= 2) w.int64(p.logAppendTimeMs);
      if (version >= 5) w.int64(p.logStartOffset);
    });
  });
  w.int32(0);
}
