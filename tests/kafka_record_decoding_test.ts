/**
 * Decoding the record batches of a Fetch answer for the direct reader: offsets, timestamps,
 * keys, values and headers as written; batches cut short, control batches and aborted
 * transactions; compression is covered by stream_compression_test.ts (batches written by kcat).
 */
import assert from "node:assert/strict";
import { decodeFetchedRecords } from "../lib/kafka/_record_decoding.ts";
import { encodeRecordBatch, stampRecordBatch } from "../lib/protocol/record_batch.ts";
import { ProtocolDecodeError } from "../lib/protocol/errors.ts";
import { test } from "./support/deadline.ts";
import { concatBytes } from "./support/bytes.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array | null) => b === null ? null : new TextDecoder().decode(b);

const ATTRIBUTE_LOG_APPEND_TIME = 8;
const ATTRIBUTE_TRANSACTIONAL = 16;
const ATTRIBUTE_CONTROL = 32;

/** A batch at `baseOffset` with the given attribute bits set (CRC not recomputed: not checked). */
function batch(
  values: (string | null)[],
  baseOffset: number,
  options: { attributes?: number; producerId?: number; timestamp?: number } = {},
): Uint8Array {
  const out = encodeRecordBatch(values.map((v) => ({ value: v === null ? null : bytes(v) })), {
    producerId: options.producerId,
    timestamp: options.timestamp ?? 1_700_000_000_000,
  });
  stampRecordBatch(out, baseOffset, 0);
  new DataView(out.buffer, out.byteOffset).setInt16(21, options.attributes ?? 0);
  return out;
}

/** Batches back to back, as a Fetch answer holds them. */
function join(...batches: Uint8Array[]): Uint8Array {
  return concatBytes(batches);
}

test("keys, values, headers (in wire order, repeated names kept) and timestamps as written", async () => {
  const base = 1_700_000_000_000;
  const written = encodeRecordBatch([
    {
      key: bytes("k"),
      value: bytes("v0"),
      headers: [
        { key: "_id", value: bytes("a") },
        { key: "x", value: bytes("1") },
        { key: "_id", value: bytes("b") },
        { key: "nul", value: null },
      ],
      timestamp: base,
    },
    // A tombstone far later (a timestamp delta of more than four varint bytes) and no key.
    { value: null, timestamp: base + 2 ** 40 },
    // Earlier than the batch's first record: a negative delta.
    { key: new Uint8Array(0), value: bytes("v2"), timestamp: base - 5 },
  ]);
  stampRecordBatch(written, 100, 0);
  const { records, nextOffset } = await decodeFetchedRecords("t", 3, written, 100, []);
  assert.equal(nextOffset, 103);
  assert.deepEqual(
    records.map((r) => [r.topic, r.partition, r.offset, r.timestamp, text(r.key), text(r.value)]),
    [
      ["t", 3, 100, base, "k", "v0"],
      ["t", 3, 101, base + 2 ** 40, null, null],
      ["t", 3, 102, base - 5, "", "v2"],
    ],
  );
  assert.deepEqual(
    records[0].headers.map(([name, value]) => [name, text(value)]),
    [["_id", "a"], ["x", "1"], ["_id", "b"], ["nul", ""]],
  );
  assert.deepEqual(records[1].headers, []);
});

test("header names repeated over many records and batches are decoded each time right", async () => {
  const make = (base: number, names: string[]) => {
    const out = encodeRecordBatch(
      Array.from({ length: 40 }, (_, i) => ({
        value: bytes(`${base + i}`),
        headers: names.map((name, h) => ({ key: name, value: bytes(`${h}`) })),
      })),
    );
    stampRecordBatch(out, base, 0);
    return out;
  };
  // Names of the same length that differ in one byte, and more names than are remembered.
  const first = ["_id", "_ix", "aaaa", "aaab"];
  const second = Array.from({ length: 20 }, (_, i) => `name${String(i).padStart(2, "0")}`);
  const { records } = await decodeFetchedRecords(
    "t",
    0,
    join(make(0, first), make(40, second)),
    0,
    [],
  );
  assert.equal(records.length, 80);
  for (const record of records) {
    const names = record.offset < 40 ? first : second;
    assert.deepEqual(record.headers.map(([name]) => name), names, `offset ${record.offset}`);
  }
});

test("records before the fetch offset are left out; a batch cut short waits for the next fetch", async () => {
  const whole = join(batch(["a", "b", "c"], 10), batch(["d", "e"], 13));
  const cut = join(whole, batch(["f"], 15).subarray(0, 30));
  const { records, nextOffset, firstOffset } = await decodeFetchedRecords("t", 0, cut, 11, []);
  assert.equal(firstOffset, 11);
  assert.deepEqual(records.map((r) => [r.offset, text(r.value)]), [
    [11, "b"],
    [12, "c"],
    [13, "d"],
    [14, "e"],
  ]);
  assert.equal(nextOffset, 15);
  // Only a cut batch: nothing, and no position to move to.
  const none = await decodeFetchedRecords("t", 0, batch(["f"], 15).subarray(0, -1), 15, []);
  assert.deepEqual([none.records.length, none.nextOffset], [0, undefined]);
  // A batch wholly before the fetch offset moves the position but gives nothing.
  const before = await decodeFetchedRecords("t", 0, batch(["a", "b"], 0), 2, []);
  assert.deepEqual([before.records.length, before.nextOffset], [0, 2]);
});

test("the log-append time of a batch replaces the records' own timestamps", async () => {
  const written = encodeRecordBatch([
    { value: bytes("a"), timestamp: 1_000 },
    { value: bytes("b"), timestamp: 3_000 },
  ]);
  new DataView(written.buffer).setInt16(21, ATTRIBUTE_LOG_APPEND_TIME);
  const { records } = await decodeFetchedRecords("t", 0, written, 0, []);
  assert.deepEqual(records.map((r) => r.timestamp), [3_000, 3_000]);
});

test("control batches and the batches of aborted transactions are skipped, committed ones kept", async () => {
  const P = 7;
  const Q = 8;
  const answer = join(
    batch(["plain"], 0),
    // Producer P's first transaction is aborted: its batch, then its abort marker.
    batch(["aborted-1", "aborted-2"], 1, { attributes: ATTRIBUTE_TRANSACTIONAL, producerId: P }),
    // Producer Q's transaction at the same time is committed.
    batch(["committed"], 3, { attributes: ATTRIBUTE_TRANSACTIONAL, producerId: Q }),
    batch([null], 4, { attributes: ATTRIBUTE_TRANSACTIONAL | ATTRIBUTE_CONTROL, producerId: P }),
    batch([null], 5, { attributes: ATTRIBUTE_TRANSACTIONAL | ATTRIBUTE_CONTROL, producerId: Q }),
    // P's next transaction is committed.
    batch(["later"], 6, { attributes: ATTRIBUTE_TRANSACTIONAL, producerId: P }),
    batch([null], 7, { attributes: ATTRIBUTE_TRANSACTIONAL | ATTRIBUTE_CONTROL, producerId: P }),
  );
  const { records, nextOffset } = await decodeFetchedRecords("t", 0, answer, 0, [
    { producerId: P, firstOffset: 1 },
  ]);
  assert.deepEqual(records.map((r) => [r.offset, text(r.value)]), [
    [0, "plain"],
    [3, "committed"],
    [6, "later"],
  ]);
  assert.equal(nextOffset, 8);
  // A fetch that holds only a marker says which offsets it covers.
  const onlyMarker = await decodeFetchedRecords(
    "t",
    0,
    batch([null], 7, { attributes: ATTRIBUTE_TRANSACTIONAL | ATTRIBUTE_CONTROL, producerId: P }),
    7,
    [],
  );
  assert.deepEqual(
    [onlyMarker.records.length, onlyMarker.firstOffset, onlyMarker.nextOffset],
    [0, 7, 8],
  );
  // Read uncommitted (no aborted list): only the markers are left out.
  const all = await decodeFetchedRecords("t", 0, answer, 0, []);
  assert.deepEqual(all.records.map((r) => r.offset), [0, 1, 2, 3, 6]);
});

test("a batch in an older message format is refused naming its offset, topic and partition", async () => {
  const old = batch(["a"], 42);
  old[16] = 1;
  await assert.rejects(
    decodeFetchedRecords("alerts", 2, old, 0, []),
    (error: unknown) =>
      error instanceof ProtocolDecodeError &&
      error.message ===
        "record batch at offset 42 of alerts partition 2 uses message format v1; only v2 can be read",
  );
});

test("a record whose length overruns its batch is refused", async () => {
  const written = batch(["abc"], 0);
  // The first record's length varint sits right after the 61-byte batch header.
  written[61] = 0x7e; // 63, zig-zag: far past the end
  await assert.rejects(decodeFetchedRecords("t", 0, written, 0, []), ProtocolDecodeError);
});
