/**
 * Kafka record batches (magic 2): header access, CRC-32C verification, record decoding and
 * encoding. The broker keeps batches as received and only rewrites the two fields that sit outside
 * the CRC (base offset and partition leader epoch).
 *
 * @module
 */

import { gunzipSync } from "node:zlib";
import { crc32c } from "./crc32c.ts";
import { ProtocolDecodeError } from "./errors.ts";
import { ProtocolReader } from "./reader.ts";
import { ProtocolWriter } from "./writer.ts";

/** Size in bytes of a record batch header, up to the first record. */
export const RECORD_BATCH_HEADER_SIZE = 61;
/** Bytes before and including the batch_length field, which batch_length does not count. */
export const RECORD_BATCH_LOG_OVERHEAD = 12;
const CRC_START = 21;

/** Compression codecs of attribute bits 0-2. */
export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

/**
 * Fixed-position fields of a record batch header.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import {
 *   encodeRecordBatch,
 *   readRecordBatchHeader,
 *   type RecordBatchHeader,
 * } from "./record_batch.ts";
 *
 * const batch = encodeRecordBatch([{ value: null }, { value: null }], { producerId: 7 });
 * const h: RecordBatchHeader = readRecordBatchHeader(batch);
 * assert.strictEqual(h.recordsCount, 2);
 * assert.strictEqual(h.producerId, 7);
 * ```
 */
export interface RecordBatchHeader {
  /** Offset of the first record (assigned by the broker). */
  baseOffset: number;
  /** Bytes after the batch_length field. */
  batchLength: number;
  /** Leader epoch stamped by the broker. */
  partitionLeaderEpoch: number;
  /** Format version; only 2 is supported. */
  magic: number;
  /** CRC-32C stored in the batch. */
  crc: number;
  /** Compression, timestamp type, transactional and control flags. */
  attributes: number;
  /** Offset of the last record relative to baseOffset. */
  lastOffsetDelta: number;
  /** Timestamp of the first record. */
  baseTimestamp: number;
  /** Largest timestamp in the batch. */
  maxTimestamp: number;
  /** Idempotent producer id, -1 when none. */
  producerId: number;
  /** Idempotent producer epoch. */
  producerEpoch: number;
  /** Sequence number of the first record for idempotent producers. */
  baseSequence: number;
  /** Number of records in the batch. */
  recordsCount: number;
}

/**
 * Reads the fixed header of the record batch at the start of `batch`.
 *
 * @param batch bytes starting at a batch's base_offset field
 * @returns the decoded header
 * @throws {ProtocolDecodeError} when fewer than 61 bytes are given
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeRecordBatch, readRecordBatchHeader } from "./record_batch.ts";
 * const batch = encodeRecordBatch([{ value: new Uint8Array([1]) }]);
 * assert.strictEqual(readRecordBatchHeader(batch).recordsCount, 1);
 * ```
 */
export function readRecordBatchHeader(batch: Uint8Array): RecordBatchHeader {
  if (batch.length < RECORD_BATCH_HEADER_SIZE) {
    throw new ProtocolDecodeError(
      `record batch of ${batch.length} bytes is shorter than its header`,
    );
  }
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  return {
    baseOffset: Number(v.getBigInt64(0)),
    batchLength: v.getInt32(8),
    partitionLeaderEpoch: v.getInt32(12),
    magic: v.getInt8(16),
    crc: v.getUint32(17),
    attributes: v.getInt16(21),
    lastOffsetDelta: v.getInt32(23),
    baseTimestamp: Number(v.getBigInt64(27)),
    maxTimestamp: Number(v.getBigInt64(35)),
    producerId: Number(v.getBigInt64(43)),
    producerEpoch: v.getInt16(51),
    baseSequence: v.getInt32(53),
    recordsCount: v.getInt32(57),
  };
}

/**
 * Splits the `records` field of a Produce request or a stored log into whole batches (views, no
 * copies).
 *
 * @param records concatenated record batches
 * @returns one view per batch
 * @throws {ProtocolDecodeError} when a batch length is impossible or the last batch is cut short
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeRecordBatch, splitRecordBatches } from "./record_batch.ts";
 * const one = encodeRecordBatch([{ value: null }]);
 * const two = new Uint8Array([...one, ...one]);
 * assert.strictEqual(splitRecordBatches(two).length, 2);
 * ```
 */
export function splitRecordBatches(records: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const v = new DataView(records.buffer, records.byteOffset, records.byteLength);
  let at = 0;
  while (at < records.length) {
    if (records.length - at < RECORD_BATCH_LOG_OVERHEAD) {
      throw new ProtocolDecodeError(`truncated record batch at byte ${at}`);
    }
    const len = v.getInt32(at + 8);
    const total = len + RECORD_BATCH_LOG_OVERHEAD;
    if (len < RECORD_BATCH_HEADER_SIZE - RECORD_BATCH_LOG_OVERHEAD || at + total > records.length) {
      throw new ProtocolDecodeError(`record batch at byte ${at} claims ${len} bytes`);
    }
    out.push(records.subarray(at, at + total));
    at += total;
  }
  return out;
}

/**
 * Checks the CRC-32C stored in a batch against its content.
 *
 * @param batch one whole record batch
 * @returns true when the checksum matches
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeRecordBatch, verifyRecordBatchCrc } from "./record_batch.ts";
 * assert.strictEqual(verifyRecordBatchCrc(encodeRecordBatch([{ value: null }])), true);
 * ```
 */
export function verifyRecordBatchCrc(batch: Uint8Array): boolean {
  if (batch.length < RECORD_BATCH_HEADER_SIZE) return false;
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  return v.getUint32(17) === crc32c(batch.subarray(CRC_START));
}

/**
 * Overwrites the base offset and partition leader epoch of a stored batch in place. Both fields
 * are outside the CRC, so the checksum stays valid.
 *
 * @param batch one whole record batch (modified in place)
 * @param baseOffset offset assigned to its first record
 * @param leaderEpoch epoch the broker reports in Metadata
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeRecordBatch, readRecordBatchHeader, stampRecordBatch } from "./record_batch.ts";
 * const batch = encodeRecordBatch([{ value: null }]);
 * stampRecordBatch(batch, 42, 0);
 * assert.strictEqual(readRecordBatchHeader(batch).baseOffset, 42);
 * ```
 */
export function stampRecordBatch(batch: Uint8Array, baseOffset: number, leaderEpoch: number): void {
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  v.setBigInt64(0, BigInt(baseOffset));
  v.setInt32(12, leaderEpoch);
}

/**
 * One record header: a UTF-8 key and a nullable byte value.
 *
 * @example
 * ```ts
 * import type { RecordHeader } from "./record_batch.ts";
 * const h: RecordHeader = { key: "format", value: new TextEncoder().encode("json") };
 * ```
 */
export interface RecordHeader {
  /** Header name. */
  key: string;
  /** Header value; null is allowed by the protocol. */
  value: Uint8Array | null;
}

/**
 * A record as decoded from (or encoded into) a batch.
 *
 * @example
 * ```ts
 * import type { KafkaRecord } from "./record_batch.ts";
 * const r: KafkaRecord = { offset: 0, timestamp: 0, key: null, value: null, headers: [] };
 * ```
 */
export interface KafkaRecord {
  /** Absolute offset (base offset + offset delta). */
  offset: number;
  /** Record timestamp in milliseconds (the batch max timestamp for LogAppendTime). */
  timestamp: number;
  /** Key bytes, or null. */
  key: Uint8Array | null;
  /** Value bytes, or null for a tombstone. */
  value: Uint8Array | null;
  /** Headers in order, duplicates kept. */
  headers: RecordHeader[];
}

/**
 * Decodes every record of a batch. Uncompressed and gzip batches are supported; other codecs
 * throw.
 *
 * @param batch one whole record batch
 * @returns the records with absolute offsets
 * @throws {ProtocolDecodeError} for malformed records or unsupported compression
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeRecords, encodeRecordBatch } from "./record_batch.ts";
 * const batch = encodeRecordBatch([{ key: new Uint8Array([1]), value: new Uint8Array([2]) }]);
 * assert.deepStrictEqual(decodeRecords(batch)[0].key, new Uint8Array([1]));
 * ```
 */
export function decodeRecords(batch: Uint8Array): KafkaRecord[] {
  const h = readRecordBatchHeader(batch);
  if (h.magic !== 2) throw new ProtocolDecodeError(`record batch magic ${h.magic} is not 2`);
  let body = batch.subarray(RECORD_BATCH_HEADER_SIZE, RECORD_BATCH_LOG_OVERHEAD + h.batchLength);
  const codec = h.attributes & 7;
  if (codec === Compression.gzip) body = new Uint8Array(gunzipSync(body));
  else if (codec !== Compression.none) {
    throw new ProtocolDecodeError(`record batch compression ${codec} cannot be decoded here`);
  }
  const logAppendTime = (h.attributes & 8) !== 0;
  const r = new ProtocolReader(body);
  const out: KafkaRecord[] = [];
  const text = new TextDecoder();
  for (let i = 0; i < h.recordsCount; i++) {
    const length = r.varint();
    const end = r.offset + length;
    if (length < 0 || end > body.length) {
      throw new ProtocolDecodeError(`record ${i} length ${length}`);
    }
    r.int8();
    const timestampDelta = r.varlong();
    const offsetDelta = r.varint();
    const keyLen = r.varint();
    const key = keyLen < 0 ? null : r.raw(keyLen);
    const valueLen = r.varint();
    const value = valueLen < 0 ? null : r.raw(valueLen);
    const headerCount = r.varint();
    if (headerCount < 0 || headerCount > r.remaining) {
      throw new ProtocolDecodeError(`record ${i} header count ${headerCount}`);
    }
    const headers: RecordHeader[] = [];
    for (let j = 0; j < headerCount; j++) {
      const kLen = r.varint();
      if (kLen < 0) throw new ProtocolDecodeError(`record ${i} header ${j} has a null key`);
      const hKey = text.decode(r.raw(kLen));
      const vLen = r.varint();
      headers.push({ key: hKey, value: vLen < 0 ? null : r.raw(vLen) });
    }
    r.offset = end;
    out.push({
      offset: h.baseOffset + offsetDelta,
      timestamp: logAppendTime ? h.maxTimestamp : h.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
  }
  return out;
}

/**
 * Input for {@linkcode encodeRecordBatch}.
 *
 * @example
 * ```ts
 * import type { RecordInput } from "./record_batch.ts";
 * const r: RecordInput = { value: new Uint8Array([1]), headers: [{ key: "a", value: null }] };
 * ```
 */
export interface RecordInput {
  /** Key bytes; omitted or null for no key. */
  key?: Uint8Array | null;
  /** Value bytes; null for a tombstone. */
  value: Uint8Array | null;
  /** Headers in order. */
  headers?: RecordHeader[];
  /** Timestamp in ms; defaults to the batch timestamp. */
  timestamp?: number;
}

/**
 * Encodes records as one uncompressed record batch with a valid CRC-32C.
 *
 * @param records records in offset order
 * @param options base offset, default timestamp and idempotent producer fields
 * @returns the batch bytes
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeRecords, encodeRecordBatch, verifyRecordBatchCrc } from "./record_batch.ts";
 * const batch = encodeRecordBatch([{ value: new TextEncoder().encode("hello") }]);
 * assert.ok(verifyRecordBatchCrc(batch));
 * const [record] = decodeRecords(batch);
 * assert.strictEqual(new TextDecoder().decode(record.value!), "hello");
 * ```
 */
export function encodeRecordBatch(
  records: RecordInput[],
  options: {
    baseOffset?: number;
    timestamp?: number;
    producerId?: number;
    producerEpoch?: number;
    baseSequence?: number;
  } = {},
): Uint8Array {
  const now = options.timestamp ?? Date.now();
  const baseTimestamp = records[0]?.timestamp ?? now;
  let maxTimestamp = baseTimestamp;
  const body = new ProtocolWriter(256);
  const rec = new ProtocolWriter(128);
  const text = new TextEncoder();
  records.forEach((r, i) => {
    const ts = r.timestamp ?? now;
    if (ts > maxTimestamp) maxTimestamp = ts;
    rec.clear();
    rec.int8(0).varint(ts - baseTimestamp).varint(i);
    if (r.key == null) rec.varint(-1);
    else rec.varint(r.key.length).raw(r.key);
    if (r.value === null) rec.varint(-1);
    else rec.varint(r.value.length).raw(r.value);
    const headers = r.headers ?? [];
    rec.varint(headers.length);
    for (const h of headers) {
      const k = text.encode(h.key);
      rec.varint(k.length).raw(k);
      if (h.value === null) rec.varint(-1);
      else rec.varint(h.value.length).raw(h.value);
    }
    const bytes = rec.finish();
    body.varint(bytes.length).raw(bytes);
  });
  const recordBytes = body.finish();
  const w = new ProtocolWriter(RECORD_BATCH_HEADER_SIZE + recordBytes.length);
  w.int64(options.baseOffset ?? 0)
    .int32(RECORD_BATCH_HEADER_SIZE - RECORD_BATCH_LOG_OVERHEAD + recordBytes.length)
    .int32(0)
    .int8(2)
    .uint32(0)
    .int16(0)
    .int32(Math.max(records.length - 1, 0))
    .int64(baseTimestamp)
    .int64(maxTimestamp)
    .int64(options.producerId ?? -1)
    .int16(options.producerEpoch ?? -1)
    .int32(options.baseSequence ?? -1)
    .int32(records.length)
    .raw(recordBytes);
  const out = w.finish().slice();
  new DataView(out.buffer).setUint32(17, crc32c(out.subarray(CRC_START)));
  return out;
}
