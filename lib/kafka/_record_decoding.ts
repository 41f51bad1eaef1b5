/**
 * Records of a Fetch answer's record batches, as a reader hands them out: offsets from where the
 * fetch started, compressed batches decompressed, control batches and (for committed reads) the
 * batches of aborted transactions left out. Keys, values and header values are views of the
 * answer, not copies.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { ProtocolDecodeError } from "../protocol/errors.ts";
import { Compression } from "../protocol/record_batch.ts";
import { loadCodecs } from "./compression.ts";
import type { FetchedRecord, KafkaHeader } from "./types.ts";

const BATCH_HEADER_BYTES = 61;
const LOG_OVERHEAD_BYTES = 12;
const ATTRIBUTE_CODEC = 7;
const ATTRIBUTE_LOG_APPEND_TIME = 8;
const ATTRIBUTE_TRANSACTIONAL = 16;
const ATTRIBUTE_CONTROL = 32;
const NO_HEADERS: KafkaHeader[] = [];

async function decompress(codec: number, bytes: Uint8Array): Promise<Uint8Array> {
  switch (codec) {
    case Compression.gzip:
      return new Uint8Array(gunzipSync(bytes));
    case Compression.snappy:
      return (await loadCodecs()).snappyDecompress(bytes);
    case Compression.lz4:
      return (await loadCodecs()).lz4Decompress(bytes);
    case Compression.zstd:
      return (await loadCodecs()).zstdDecompress(bytes);
    default:
      throw new ProtocolDecodeError(`record batch compression ${codec} is not known`);
  }
}

/** What {@linkcode decodeFetchedRecords} found. */
export interface DecodedRecords {
  /** The records at or after the fetch offset, in offset order. */
  records: FetchedRecord[];
  /** The offset after the last whole batch, or undefined when no whole batch came. */
  nextOffset: number | undefined;
  /**
   * The first offset at or after the fetch offset that the whole batches cover, transaction
   * markers included; undefined when they cover none.
   */
  firstOffset: number | undefined;
}

/** Reads the records of one batch body; `at` moves as it goes. */
class RecordCursor {
  at = 0;
  bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  varint(): number {
    const b = this.bytes;
    let at = this.at;
    if (at >= b.length) throw new ProtocolDecodeError("record ends inside a varint");
    let byte = b[at++];
    let value = byte & 0x7f;
    // Up to four bytes in integer arithmetic (all lengths and deltas of ordinary records).
    for (let shift = 7; byte >= 0x80 && shift < 28; shift += 7) {
      if (at >= b.length) throw new ProtocolDecodeError("record ends inside a varint");
      byte = b[at++];
      value |= (byte & 0x7f) << shift;
    }
    if (byte < 0x80) {
      this.at = at;
      return (value >>> 1) ^ -(value & 1);
    }
    // Longer ones (timestamp deltas of records far apart) in floating point.
    let wide = value;
    for (let shift = 28; byte >= 0x80; shift += 7) {
      if (at >= b.length) throw new ProtocolDecodeError("record ends inside a varint");
      if (shift > 63) throw new ProtocolDecodeError("varint longer than 10 bytes");
      byte = b[at++];
      wide += (byte & 0x7f) * 2 ** shift;
    }
    this.at = at;
    return wide % 2 === 1 ? -(wide + 1) / 2 : wide / 2;
  }

  // Header names repeat from record to record: the last few are kept with their bytes.
  #names: { bytes: Uint8Array; name: string }[] = [];

  name(length: number): string {
    const bytes = this.slice(length);
    for (const seen of this.#names) {
      if (seen.bytes.length !== length) continue;
      let same = true;
      for (let i = 0; i < length; i++) {
        if (seen.bytes[i] !== bytes[i]) {
          same = false;
          break;
        }
      }
      if (same) return seen.name;
    }
    const name = utf8.decode(bytes);
    if (this.#names.length < 16) this.#names.push({ bytes, name });
    return name;
  }

  slice(length: number): Uint8Array {
    const end = this.at + length;
    if (end > this.bytes.length) throw new ProtocolDecodeError("record field overruns its batch");
    const out = this.bytes.subarray(this.at, end);
    this.at = end;
    return out;
  }
}

const utf8 = new TextDecoder();

/**
 * Decodes the records of a Fetch answer's record batches.
 *
 * @param topic topic of the partition
 * @param partition partition number
 * @param records the batches back to back (the last may be cut short by the fetch size)
 * @param fromOffset the offset the fetch asked for (records before it are left out)
 * @param aborted aborted transactions in the answer, for committed reads; empty otherwise
 * @returns the records and the offset after the last whole batch
 * @throws {ProtocolDecodeError} for malformed batches or a record format other than v2
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFetchedRecords } from "./_record_decoding.ts";
 * import { encodeRecordBatch, stampRecordBatch } from "../protocol/record_batch.ts";
 * const batch = encodeRecordBatch([{ value: new Uint8Array([1]) }, { value: new Uint8Array([2]) }]);
 * stampRecordBatch(batch, 10, 0);
 * const decoded = await decodeFetchedRecords("t", 0, batch, 11, []);
 * assert.deepEqual(decoded.records.map((r) => [r.offset, r.value?.[0]]), [[11, 2]]);
 * assert.equal(decoded.nextOffset, 12);
 * ```
 */
export async function decodeFetchedRecords(
  topic: string,
  partition: number,
  records: Uint8Array,
  fromOffset: number,
  aborted: readonly { producerId: number; firstOffset: number }[],
): Promise<DecodedRecords> {
  const out: FetchedRecord[] = [];
  let nextOffset: number | undefined;
  let firstOffset: number | undefined;
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const pendingAborts = aborted.length
    ? [...aborted].sort((a, b) => a.firstOffset - b.firstOffset)
    : aborted;
  let abortIndex = 0;
  const abortedProducers = new Set<number>();
  const cursor = new RecordCursor(records);
  for (let at = 0; at + LOG_OVERHEAD_BYTES <= records.length;) {
    const baseOffset = Number(view.getBigInt64(at));
    const batchLength = view.getInt32(at + 8);
    const end = at + LOG_OVERHEAD_BYTES + batchLength;
    if (batchLength < 0) throw new ProtocolDecodeError(`record batch length ${batchLength}`);
    if (end > records.length) break; // cut short by the fetch size: fetched again next time
    const magic = view.getInt8(at + 16);
    if (magic !== 2) {
      throw new ProtocolDecodeError(
        `record batch at offset ${baseOffset} of ${topic} partition ${partition} uses message ` +
          `format v${magic}; only v2 can be read`,
      );
    }
    const attributes = view.getInt16(at + 21);
    const lastOffsetDelta = view.getInt32(at + 23);
    const baseTimestamp = Number(view.getBigInt64(at + 27));
    const maxTimestamp = Number(view.getBigInt64(at + 35));
    const producerId = Number(view.getBigInt64(at + 43));
    const count = view.getInt32(at + 57);
    const batchEnd = end;
    const batchStart = at;
    at = end;
    nextOffset = baseOffset + lastOffsetDelta + 1;
    if (nextOffset <= fromOffset) continue;
    firstOffset ??= Math.max(baseOffset, fromOffset);
    while (
      abortIndex < pendingAborts.length &&
      pendingAborts[abortIndex].firstOffset <= baseOffset + lastOffsetDelta
    ) {
      abortedProducers.add(pendingAborts[abortIndex++].producerId);
    }
    if (attributes & ATTRIBUTE_CONTROL) {
      // A transaction marker: an abort marker ends that producer's aborted transaction.
      if (abortedProducers.has(producerId)) abortedProducers.delete(producerId);
      continue;
    }
    if (attributes & ATTRIBUTE_TRANSACTIONAL && abortedProducers.has(producerId)) continue;
    let body = records.subarray(batchStart + BATCH_HEADER_BYTES, batchEnd);
    const codec = attributes & ATTRIBUTE_CODEC;
    if (codec !== Compression.none) body = await decompress(codec, body);
    const logAppendTime = (attributes & ATTRIBUTE_LOG_APPEND_TIME) !== 0;
    cursor.bytes = body;
    cursor.at = 0;
    for (let i = 0; i < count; i++) {
      const length = cursor.varint();
      const recordEnd = cursor.at + length;
      if (length < 0 || recordEnd > body.length) {
        throw new ProtocolDecodeError(
          `record ${i} of the batch at offset ${baseOffset} has length ${length}`,
        );
      }
      cursor.at++; // attributes
      const timestampDelta = cursor.varint();
      const offset = baseOffset + cursor.varint();
      const keyLength = cursor.varint();
      const key = keyLength < 0 ? null : cursor.slice(keyLength);
      const valueLength = cursor.varint();
      const value = valueLength < 0 ? null : cursor.slice(valueLength);
      const headerCount = cursor.varint();
      let headers = NO_HEADERS;
      if (headerCount > 0) {
        headers = new Array<KafkaHeader>(headerCount);
        for (let h = 0; h < headerCount; h++) {
          const name = cursor.name(Math.max(0, cursor.varint()));
          const valueLength = cursor.varint();
          headers[h] = [name, valueLength < 0 ? new Uint8Array(0) : cursor.slice(valueLength)];
        }
      }
      cursor.at = recordEnd;
      if (offset < fromOffset) continue;
      out.push({
        topic,
        partition,
        offset,
        timestamp: logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta,
        key,
        value,
        headers,
      });
    }
  }
  return { records: out, nextOffset, firstOffset };
}
