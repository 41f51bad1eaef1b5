import assert from "node:assert/strict";
import { crc32c } from "../lib/protocol/crc32c.ts";
import { ProtocolReader } from "../lib/protocol/reader.ts";
import { ProtocolWriter } from "../lib/protocol/writer.ts";
import { ProtocolDecodeError } from "../lib/protocol/errors.ts";
import {
  decodeRecords,
  encodeRecordBatch,
  readRecordBatchHeader,
  splitRecordBatches,
  stampRecordBatch,
  verifyRecordBatchCrc,
} from "../lib/protocol/record_batch.ts";
import { test } from "./support/deadline.ts";

const text = new TextEncoder();

test("crc32c() matches the Castagnoli check value and continues across pieces", () => {
  const data = text.encode("123456789");
  assert.equal(crc32c(data), 0xe3069283);
  assert.equal(crc32c(data.subarray(4), crc32c(data.subarray(0, 4))), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test("ProtocolWriter and ProtocolReader round-trip every primitive", () => {
  const w = new ProtocolWriter(4);
  w.int8(-3).int16(-300).int32(-70000).uint32(0xfffffffe).int64(-(2n ** 40n)).bool(true);
  w.string("héllo").string(null).bytes(new Uint8Array([9, 8])).bytes(null);
  w.array([1, 2, 3], (w, n) => w.int32(n)).array(null, () => {});
  w.uvarint(300).varint(-1).varint(2 ** 40).compactString("ab").compactString(null);
  w.compactArray(["x"], (w, s) => w.compactString(s)).taggedFields();
  const r = new ProtocolReader(w.finish());
  assert.equal(r.int8(), -3);
  assert.equal(r.int16(), -300);
  assert.equal(r.int32(), -70000);
  assert.equal(r.uint32(), 0xfffffffe);
  assert.equal(r.int64(), -(2n ** 40n));
  assert.equal(r.bool(), true);
  assert.equal(r.string(), "héllo");
  assert.equal(r.nullableString(), null);
  assert.deepEqual([...r.bytes()], [9, 8]);
  assert.equal(r.nullableBytes(), null);
  assert.deepEqual(r.array((r) => r.int32()), [1, 2, 3]);
  assert.equal(r.nullableArray((r) => r.int32()), null);
  assert.equal(r.uvarint(), 300);
  assert.equal(r.varint(), -1);
  assert.equal(r.varlong(), 2 ** 40);
  assert.equal(r.compactString(), "ab");
  assert.equal(r.compactNullableString(), null);
  assert.deepEqual(r.compactArray((r) => r.compactString()), ["x"]);
  r.taggedFields();
  assert.equal(r.remaining, 0);
});

test("ProtocolWriter.reserve() makes room without writing anything", () => {
  const w = new ProtocolWriter(2).int8(7).reserve(1000).int16(0x0102);
  assert.deepEqual([...w.finish()], [7, 1, 2]);
});

test("ProtocolReader rejects truncated strings and absurd array counts", () => {
  assert.throws(() => new ProtocolReader(new Uint8Array([0, 5, 65])).string(), ProtocolDecodeError);
  assert.throws(
    () => new ProtocolReader(new Uint8Array([0x7f, 0, 0, 0])).array((r) => r.int8()),
    /array count/,
  );
  assert.throws(() => new ProtocolReader(new Uint8Array([0, 0])).int32(), /needs 4 bytes/);
  assert.throws(() =>
    new ProtocolReader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 1])).uvarint()
  );
});

test("encodeRecordBatch() output decodes back with keys, headers, nulls and offsets", () => {
  const batch = encodeRecordBatch([
    {
      key: text.encode("k1"),
      value: text.encode("v1"),
      headers: [{ key: "a", value: text.encode("1") }],
      timestamp: 1000,
    },
    {
      value: null,
      headers: [{ key: "a", value: null }, { key: "a", value: text.encode("2") }],
      timestamp: 1500,
    },
  ]);
  assert.ok(verifyRecordBatchCrc(batch));
  stampRecordBatch(batch, 7, 3);
  assert.ok(verifyRecordBatchCrc(batch), "stamping stays outside the CRC");
  const h = readRecordBatchHeader(batch);
  assert.equal(h.baseOffset, 7);
  assert.equal(h.partitionLeaderEpoch, 3);
  assert.equal(h.lastOffsetDelta, 1);
  assert.equal(h.maxTimestamp, 1500);
  const records = decodeRecords(batch);
  assert.equal(records.length, 2);
  assert.equal(records[0].offset, 7);
  assert.equal(new TextDecoder().decode(records[0].key!), "k1");
  assert.equal(new TextDecoder().decode(records[0].value!), "v1");
  assert.deepEqual(records[0].headers.map((h) => [h.key, [...h.value!]]), [["a", [49]]]);
  assert.equal(records[1].offset, 8);
  assert.equal(records[1].timestamp, 1500);
  assert.equal(records[1].key, null);
  assert.equal(records[1].value, null);
  assert.deepEqual(records[1].headers.map((h) => h.value && [...h.value]), [null, [50]]);
});

test("verifyRecordBatchCrc() detects a flipped record byte", () => {
  const batch = encodeRecordBatch([{ value: text.encode("payload") }]);
  batch[batch.length - 3] ^= 1;
  assert.equal(verifyRecordBatchCrc(batch), false);
});

test("splitRecordBatches() splits concatenated batches and rejects a cut-off tail", () => {
  const a = encodeRecordBatch([{ value: text.encode("a") }]);
  const b = encodeRecordBatch([{ value: text.encode("bb") }, { value: text.encode("c") }]);
  const both = new Uint8Array([...a, ...b]);
  const parts = splitRecordBatches(both);
  assert.deepEqual(parts.map((p) => p.length), [a.length, b.length]);
  assert.throws(() => splitRecordBatches(both.subarray(0, both.length - 1)), /claims/);
  assert.deepEqual(splitRecordBatches(new Uint8Array(0)), []);
});
