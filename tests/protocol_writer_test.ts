import assert from "node:assert/strict";
import { ProtocolWriter, RAW_REF_MIN } from "../lib/protocol/writer.ts";
import { concatBytes } from "./support/bytes.ts";
import { ProtocolReader } from "../lib/protocol/reader.ts";
import { encodeFetchResponse } from "../lib/protocol/messages/fetch.ts";
import { test } from "./support/deadline.ts";

test("rawRef() copies short byte strings and keeps long ones by reference", () => {
  const small = new Uint8Array(RAW_REF_MIN - 1).fill(1);
  const big = new Uint8Array(RAW_REF_MIN).fill(2);
  const w = new ProtocolWriter(8);
  w.int32(0).rawRef(small).int16(7).rawRef(big).rawRef(big).int8(9);
  assert.equal(w.length, 4 + small.length + 2 + 2 * big.length + 1);
  const chunks = w.finishChunks();
  assert.deepEqual(chunks.map((c) => c.length), [4 + small.length + 2, big.length, big.length, 1]);
  assert.equal(chunks[1], big, "not copied");
  assert.equal(chunks[2], big, "not copied");
  const whole = w.finish();
  assert.deepEqual(whole, concatBytes(chunks));
  const r = new ProtocolReader(whole);
  assert.equal(r.int32(), 0);
  assert.deepEqual(r.raw(small.length), small);
  assert.equal(r.int16(), 7);
  assert.deepEqual(r.raw(big.length), big);
  assert.deepEqual(r.raw(big.length), big);
  assert.equal(r.int8(), 9);
});

test("patchInt32() finds its place around bytes written by reference", () => {
  const big = new Uint8Array(RAW_REF_MIN).fill(3);
  const w = new ProtocolWriter();
  w.int32(0).rawRef(big).int32(0).rawRef(big).int32(0);
  w.patchInt32(0, 11);
  w.patchInt32(4 + big.length, 22);
  w.patchUint32(8 + 2 * big.length, 0xfffffffe);
  const r = new ProtocolReader(w.finish());
  assert.equal(r.int32(), 11);
  r.raw(big.length);
  assert.equal(r.int32(), 22);
  r.raw(big.length);
  assert.equal(r.uint32(), 0xfffffffe);
  assert.throws(() => w.patchInt32(6, 1), RangeError, "inside referenced bytes");
  assert.throws(() => w.patchInt32(2, 1), RangeError, "straddling referenced bytes");
});

test("finishChunks() of an empty or copy-only writer is one view", () => {
  assert.deepEqual(new ProtocolWriter().finishChunks(), [new Uint8Array(0)]);
  const w = new ProtocolWriter().int16(5);
  assert.deepEqual(w.finishChunks(), [new Uint8Array([0, 5])]);
  w.clear().int8(1);
  assert.deepEqual(w.finish(), new Uint8Array([1]));
});

test("a fetch response with large batches encodes the same in pieces and in one buffer", () => {
  const batches = [new Uint8Array(100).fill(4), new Uint8Array(RAW_REF_MIN * 2).fill(5)];
  const bytes = batches.reduce((n, b) => n + b.length, 0);
  const w = new ProtocolWriter(16);
  encodeFetchResponse(w, 11, [{
    name: "t",
    partitions: [{
      partition: 0,
      errorCode: 0,
      highWatermark: 2,
      logStartOffset: 0,
      batches,
      bytes,
    }],
  }]);
  const chunks = w.finishChunks();
  assert.ok(chunks.includes(batches[1]), "the large batch is not copied");
  const r = new ProtocolReader(concatBytes(chunks));
  assert.deepEqual([r.int32(), r.int16(), r.int32()], [0, 0, 0]);
  r.int32();
  assert.equal(r.string(), "t");
  r.int32();
  assert.deepEqual([r.int32(), r.int16()], [0, 0]);
  r.int64();
  r.int64();
  r.int64();
  r.int32();
  r.int32();
  const records = r.nullableBytes()!;
  assert.deepEqual(records, concatBytes(batches));
  assert.equal(r.remaining, 0);
});
