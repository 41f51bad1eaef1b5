/**
 * What `hop subscribe` writes per message: hop's delimiter rules, and `-j` lines whether the
 * payload is copied (standard one-line JSON) or decoded (anything else).
 */
import assert from "node:assert/strict";
import {
  hopOutput,
  jsonLine,
  jsonLineRaw,
  parseDelimiter,
  StdoutBuffer,
  writeJsonLineRaw,
} from "../lib/cli/hop/_subscribe_output.ts";
import { Blob, JSONBlob } from "../lib/hop/models/blob.ts";
import { packMessage, unpackMessage } from "../lib/hop/pack.ts";
import type { Metadata } from "../lib/hop/stream_options.ts";
import { test } from "./support/deadline.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (parts: Uint8Array[]) => parts.map((p) => new TextDecoder().decode(p)).join("");

test("the delimiter takes hop's backslash escapes and keeps other characters", () => {
  assert.deepEqual([...parseDelimiter("\\n")], [0x0a]);
  assert.deepEqual([...parseDelimiter("\\t|\\x00|\\\\")], [0x09, 0x7c, 0x00, 0x7c, 0x5c]);
  assert.equal(new TextDecoder().decode(parseDelimiter("\\u00e9—")), "é—");
  assert.deepEqual([...parseDelimiter("")], []);
  assert.throws(() => parseDelimiter("\\x4"), /delimiter '\\x4': \\x needs 2 hexadecimal digits/);
});

test("hop's output: the payload, then the delimiter unless it already ends with it", () => {
  const newline = parseDelimiter("\\n");
  assert.equal(decode(hopOutput(new Blob(encode("a")), newline)), "a\n");
  assert.equal(decode(hopOutput(new Blob(encode("a\n")), newline)), "a\n");
  assert.equal(decode(hopOutput(new JSONBlob({ a: 1 }), parseDelimiter("--"))), '{"a": 1}--');
  assert.equal(decode(hopOutput(new Blob(encode("a")), parseDelimiter(""))), "a");
});

function metadataOf(headers: Metadata["headers"]): Metadata {
  return { topic: "t", partition: 1, offset: 7, timestamp: 1000, key: null, headers };
}

test("-j lines: JSON copied when standard and on one line, decoded otherwise, same fields", () => {
  const { value, headers } = packMessage({ a: 1, s: "é" }, { sender: "alice" });
  const metadata = metadataOf(headers);
  const undecoded = () => assert.fail("a standard JSON payload is not decoded");
  const copied = jsonLineRaw(value, metadata, undecoded);
  assert.ok(copied.endsWith("}\n") && !copied.slice(0, -1).includes("\n"));
  const line = JSON.parse(copied);
  assert.deepEqual(line, JSON.parse(jsonLine(unpackMessage(value, headers).message, metadata)));
  assert.deepEqual(
    [line.topic, line.partition, line.offset, line.timestamp, line.key, line.format],
    ["t", 1, 7, 1000, null, "json"],
  );
  assert.deepEqual(line.message, { a: 1, s: "é" });
  assert.deepEqual(line.headers.map(([name]: string[]) => name), ["_id", "_sender", "_format"]);
  assert.equal(line.headers[1][1], "alice");

  // Python's NaN goes through the decoder; a payload over several lines is copied with its line
  // breaks (which JSON has only between tokens) as spaces. The line stays one either way.
  const jsonHeaders: Metadata["headers"] = [["_format", encode("json")]];
  for (const [payload, decodes] of [['{"x": NaN}', 1], ['{\n  "x": 1\r\n}', 0]] as const) {
    let decoded = 0;
    const text = jsonLineRaw(encode(payload), metadataOf(jsonHeaders), () => {
      decoded++;
      return unpackMessage(encode(payload), jsonHeaders).message;
    });
    assert.equal(decoded, decodes, payload);
    assert.equal(text.split("\n").length, 2, payload);
    assert.ok(!text.includes("\r"), payload);
    const line = JSON.parse(text);
    assert.equal(line.format, "json");
    if (!decodes) assert.deepEqual(line.message, { x: 1 });
  }
  // Bytes that are not UTF-8 come as base64.
  const blob = JSON.parse(jsonLine(new Blob(new Uint8Array([0xff, 0])), metadataOf([])));
  assert.deepEqual(blob.message, { base64: "/wA=" });
});

test("-j lines written as bytes are the same as the text lines", () => {
  const written: Uint8Array[] = [];
  const out = new StdoutBuffer(() => {}, (bytes) => {
    written.push(bytes.slice());
    return bytes.length;
  });
  const { value, headers } = packMessage({ a: [1, "é"] }, { sender: "bob" });
  const cases: [Uint8Array | null, Metadata][] = [
    [value, metadataOf(headers)],
    [value, { ...metadataOf(headers), offset: 1234567890123, timestamp: -1, key: encode("k") }],
    // Integers around the 10^8 split, the largest safe ones, and one past them.
    ...[
      [99_999_999, 100_000_000],
      [100_000_005, -1_000_000_007],
      [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER],
      [2 ** 53, 1e21],
    ].map(([offset, timestamp]): [Uint8Array, Metadata] => [
      value,
      { ...metadataOf(headers), offset, timestamp },
    ]),
    // A header value that needs escaping or is not UTF-8, a key that is not, an _id that is
    // not 16 bytes, a topic that needs escaping.
    [encode(' {"x":\n[]} '), {
      topic: 'a"b',
      partition: 0,
      offset: 0,
      timestamp: 5,
      key: new Uint8Array([0xff]),
      headers: [["_format", encode("JSON")], ["q", encode('say "hi"')], [
        "b",
        new Uint8Array([0xfe]),
      ], [
        "_id",
        encode("short"),
      ]],
    }],
    // Not JSON: decoded.
    [encode("plain"), metadataOf([["_format", encode("blob")]])],
    [null, metadataOf([])],
  ];
  let expected = "";
  for (const [payload, metadata] of cases) {
    const decode = () => unpackMessage(payload, metadata.headers).message;
    expected += jsonLineRaw(payload, metadata, decode);
    writeJsonLineRaw(out, payload, metadata, decode);
  }
  out.flush();
  assert.equal(decode(written), expected);
  assert.equal(expected.split("\n").length, cases.length + 1);
});
