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

/** Isolation level of a Fetch: 0 reads uncommitted records, 1 only committed ones. */
export type IsolationLevel = 0 | 1;

/**
 * Encodes a Fetch request body (versions 4-11), as a client sends it: no fetch session (every
 * partition is named in every request), no leader epoch, no rack.
 *
 * @param w writer positioned after the request header
 * @param version request version (4-11)
 * @param request what to fetch
 * @param isolationLevel 1 to read committed records only (transactions that were aborted are
 *   left out by the reader, with the answer's list of them)
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeFetchRequest, encodeFetchRequest } from "./fetch.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const request = {
 *   maxWaitMs: 20, minBytes: 1, maxBytes: 1 << 20,
 *   topics: [{ name: "t", partitions: [{ partition: 2, fetchOffset: 7, maxBytes: 1000 }] }],
 * };
 * const w = new ProtocolWriter();
 * encodeFetchRequest(w, 11, request, 1);
 * assert.deepStrictEqual(decodeFetchRequest(new ProtocolReader(w.finish()), 11), request);
 * ```
 */
export function encodeFetchRequest(
  w: ProtocolWriter,
  version: number,
  request: FetchRequest,
  isolationLevel: IsolationLevel,
): void {
  w.int32(-1).int32(request.maxWaitMs).int32(request.minBytes).int32(request.maxBytes);
  w.int8(isolationLevel);
  // Session id 0 and epoch -1: a full fetch without a session.
  if (version >= 7) w.int32(0).int32(-1);
  w.array(request.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partition);
      if (version >= 9) w.int32(-1);
      w.int64(p.fetchOffset);
      if (version >= 5) w.int64(-1);
      w.int32(p.maxBytes);
    });
  });
  if (version >= 7) w.array([], () => {});
  if (version >= 11) w.string("");
}

/**
 * One partition of a decoded Fetch response, as a client reads it.
 *
 * @example
 * ```ts
 * import type { FetchedPartition } from "./fetch.ts";
 * const p: FetchedPartition = {
 *   partition: 0, errorCode: 0, highWatermark: 5, lastStableOffset: 5, logStartOffset: 0,
 *   abortedTransactions: [], records: null,
 * };
 * ```
 */
export interface FetchedPartition {
  /** Partition index. */
  partition: number;
  /** 0 or a Kafka error code. */
  errorCode: number;
  /** Next offset to be written (-1 on error). */
  highWatermark: number;
  /** End of what committed transactions cover (-1 when unknown). */
  lastStableOffset: number;
  /** First offset still stored (-1 when unknown). */
  logStartOffset: number;
  /** Aborted transactions in the range returned, for readers of committed records. */
  abortedTransactions: { producerId: number; firstOffset: number }[];
  /** Record batches back to back (the last may be cut short), a view of the answer; or null. */
  records: Uint8Array | null;
}

/**
 * Decodes a Fetch response body (versions 4-11), as a client reads it.
 *
 * @param r reader positioned after the response header
 * @param version request version (4-11)
 * @returns the top-level error code and each topic's partitions
 * @throws {ProtocolDecodeError} for truncated input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeFetchResponse, encodeFetchResponse } from "./fetch.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * const batch = new Uint8Array([1, 2, 3]);
 * encodeFetchResponse(w, 11, [{ name: "t", partitions: [
 *   { partition: 0, errorCode: 0, highWatermark: 7, logStartOffset: 2, batches: [batch], bytes: 3 },
 * ] }]);
 * const answer = decodeFetchResponse(new ProtocolReader(w.finish()), 11);
 * assert.strictEqual(answer.errorCode, 0);
 * assert.deepStrictEqual(answer.topics[0].partitions[0], {
 *   partition: 0, errorCode: 0, highWatermark: 7, lastStableOffset: 7, logStartOffset: 2,
 *   abortedTransactions: [], records: batch,
 * });
 * ```
 */
export function decodeFetchResponse(
  r: ProtocolReader,
  version: number,
): { errorCode: number; topics: { name: string; partitions: FetchedPartition[] }[] } {
  r.int32();
  let errorCode = 0;
  if (version >= 7) {
    errorCode = r.int16();
    r.int32();
  }
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r): FetchedPartition => {
      const partition = r.int32();
      const errorCode = r.int16();
      const highWatermark = r.int64Number();
      const lastStableOffset = r.int64Number();
      const logStartOffset = version >= 5 ? r.int64Number() : -1;
      const abortedTransactions = r.nullableArray((r) => ({
        producerId: r.int64Number(),
        firstOffset: r.int64Number(),
      })) ?? [];
      if (version >= 11) r.int32();
      const records = r.nullableBytes();
      return {
        partition,
        errorCode,
        highWatermark,
        lastStableOffset,
        logStartOffset,
        abortedTransactions,
        records,
      };
    }),
  }));
  return { errorCode, topics };
}
