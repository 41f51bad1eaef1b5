/**
 * The byte-level JSON check behind `hop subscribe -j` accepts exactly what a strict UTF-8 decode
 * and JSON.parse accept, and reports where the value starts and ends.
 */
import assert from "node:assert/strict";
import { JsonScan } from "../lib/cli/hop/_json_bytes.ts";
import { test } from "./support/deadline.ts";

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encode = (text: string) => new TextEncoder().encode(text);

function reference(bytes: Uint8Array): boolean {
  try {
    JSON.parse(strict.decode(bytes));
    return true;
  } catch {
    return false;
  }
}

function agree(scan: JsonScan, bytes: Uint8Array): void {
  const accepted = scan.scan(bytes);
  assert.equal(accepted, reference(bytes), `verdict on bytes [${bytes.join(",")}]`);
}

test("valid and invalid JSON texts, UTF-8 included, get JSON.parse's verdict", () => {
  const scan = new JsonScan();
  const texts = [
    '{"a": 1}',
    " [1, 2.5e-3, -0, true, false, null] ",
    '"é\\u00e9\\n"',
    "{}",
    "[]",
    "0",
    '{"a":{"b":[{"c":"d"}]}}',
    "-1.0E+2",
    '"\\/\\b\\f\\r\\t\\"\\\\"',
    '{"x": "\u{1F600}"}',
    "",
    " ",
    "{",
    "}",
    "[1,]",
    '{"a":1,}',
    "01",
    "1.",
    ".5",
    "1e",
    "-",
    "+1",
    "NaN",
    "Infinity",
    "tru",
    "nul",
    "truex",
    '"\\x"',
    '"\\u12"',
    '"\\u12G4"',
    '"a',
    "[1 2]",
    '{"a" 1}',
    "{1:2}",
    '"\t"',
    "[1]]",
    "1 2",
    '"\u007f"',
    "\ufeff{}",
  ];
  for (const text of texts) agree(scan, encode(text));
  // Malformed UTF-8 inside a string: lone continuation, overlong, surrogate, past U+10FFFF, cut.
  for (
    const inner of [
      [0x80],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
      [0xe2, 0x82, 0xac],
      [0xf0, 0x9f, 0x98, 0x80],
      [0xff],
    ]
  ) {
    agree(scan, new Uint8Array([0x22, ...inner, 0x22]));
    agree(scan, new Uint8Array([0x22, ...inner]));
  }
  assert.ok(scan.scan(encode(' \r\n{"a":\n1}\t')));
  assert.deepEqual([scan.start, scan.end, scan.lineBreaks], [3, 11, true]);
  assert.ok(scan.scan(encode('"x"')));
  assert.deepEqual([scan.start, scan.end, scan.lineBreaks], [0, 3, false]);
});

test("random byte strings from JSON's alphabet get JSON.parse's verdict", () => {
  const scan = new JsonScan();
  const alphabet = encode('{}[]:,"\\ \n0123456789-+.eEtrufalsn"ab/');
  const pieces = [...alphabet, 0xc3, 0xa9, 0x80, 0xed, 0x01];
  // A fixed linear congruential sequence: the same inputs on every run.
  let seed = 12345;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const shapes = ['{"k": [1, "v", {"w": null}]}', '[true, -1.5e3, "\\u0041"]', '"é"'];
  let accepted = 0;
  for (let round = 0; round < 20_000; round++) {
    let bytes: number[];
    if (round % 2) {
      bytes = Array.from({ length: 1 + next(12) }, () => pieces[next(pieces.length)]);
    } else {
      // A valid text with one byte changed, dropped or inserted.
      bytes = [...encode(shapes[next(shapes.length)])];
      const at = next(bytes.length + 1);
      const change = next(4);
      if (change === 0) bytes[at] = pieces[next(pieces.length)];
      else if (change === 1) bytes.splice(at, 1);
      else if (change === 2) bytes.splice(at, 0, pieces[next(pieces.length)]);
      else bytes = [...encode(" \t\r\n".slice(next(4))), ...bytes, ...encode("\n ".slice(next(3)))];
    }
    const input = new Uint8Array(bytes);
    agree(scan, input);
    if (reference(input)) accepted++;
  }
  assert.ok(accepted > 500, `only ${accepted} valid inputs were generated`);
});

test("nesting deeper than the scan follows is left to the decoder", () => {
  const scan = new JsonScan();
  assert.ok(scan.scan(encode("[".repeat(500) + "]".repeat(500))));
  assert.equal(scan.scan(encode("[".repeat(600) + "]".repeat(600))), false);
});
