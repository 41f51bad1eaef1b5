/**
 * The Kafka wire protocol as this project speaks it: primitives (classic and flexible encodings),
 * frames and request headers, record batches (magic 2) with CRC-32C, and request/response codecs
 * for every API the broker implements, at the versions it advertises.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeRecordBatch, ProtocolReader, readRecordBatchHeader } from "./mod.ts";
 * const batch = encodeRecordBatch([{ key: null, value: new TextEncoder().encode("hi") }]);
 * assert.strictEqual(readRecordBatchHeader(batch).recordsCount, 1);
 * assert.strictEqual(new ProtocolReader(batch).int64(), 0n); // base offset
 * ```
 *
 * @module
 */

export * from "./api.ts";
export * from "./crc32c.ts";
export * from "./errors.ts";
export * from "./frames.ts";
export * from "./reader.ts";
export * from "./record_batch.ts";
export * from "./writer.ts";
export * from "./messages/api_versions.ts";
export * from "./messages/fetch.ts";
export * from "./messages/groups.ts";
export * from "./messages/init_producer_id.ts";
export * from "./messages/list_offsets.ts";
export * from "./messages/metadata.ts";
export * from "./messages/offsets.ts";
export * from "./messages/produce.ts";
export * from "./messages/sasl.ts";
export * from "./messages/topics.ts";
