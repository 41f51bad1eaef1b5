/**
 * The byte-level JSON check behind `hop subscribe -j` accepts exactly what a strict UTF-8 decode
 * and JSON.parse accept, and reports where the value starts and ends.
 */
import assert from "node:assert/strict";
import { JsonScan, KERNEL_FROM } from "../lib/cli/hop/_json_bytes.ts";
import { plainRunKernel } from "../lib/cli/hop/_plain_run_wasm.ts";
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

test("the WebAssembly kernel stops at the first byte a JSON string must look at", () => {
  const kernel = plainRunKernel();
  if (kernel === undefined) throw new Error("this runtime has no WebAssembly SIMD");
  const needsLook = (byte: number) => byte < 0x20 || byte >= 0x80 || byte === 0x22 || byte === 0x5c;
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 2_000; round++) {
    const bytes = Uint8Array.from({ length: next(100) }, () => 0x20 + next(0x5f));
    // At most one byte to look at, anywhere, of any kind.
    if (bytes.length && next(4)) {
      bytes[next(bytes.length)] = [0x00, 0x1f, 0x22, 0x5c, 0x80, 0xff][next(6)];
    }
    const memory: Uint8Array = kernel.load(bytes);
    const at = next(bytes.length + 1);
    const got: number = kernel.plainEnd(at, bytes.length);
    let expected = at;
    while (bytes.length - expected >= 16) {
      const step = bytes.subarray(expected, expected + 16).findIndex(needsLook);
      if (step >= 0) {
        expected += step;
        break;
      }
      expected += 16;
    }
    assert.equal(got, expected, `plainEnd(${at}, ${bytes.length}) of [${bytes.join(",")}]`);
    assert.deepEqual(memory.subarray(0, bytes.length), bytes);
  }
});

test("payloads long enough for the kernel get JSON.parse's verdict at every step boundary", () => {
  const scan = new JsonScan();
  const specials = ["\\n", "\\u00e9", "\\x", "\\", '"', '\\t\\"', "é", "\u{1F600}"]
    .map(encode)
    .concat(
      [[0x00], [0x1f], [0x7f], [0x80], [0xc3], [0xed, 0xa0, 0x80], [0xff]].map((b) =>
        new Uint8Array(b)
      ),
    );
  let accepted = 0;
  for (let length = KERNEL_FROM - 20; length < KERNEL_FROM + 20; length += 3) {
    for (const special of specials) {
      for (
        const at of [
          0,
          1,
          14,
          15,
          16,
          17,
          31,
          32,
          length - 17,
          length - 16,
          length - 15,
          length - 1,
        ]
      ) {
        const before = encode('{"k": "' + "x".repeat(at));
        const after = encode("x".repeat(length - at) + '", "n": [1]}');
        const input = new Uint8Array([...before, ...special, ...after]);
        agree(scan, input);
        if (reference(input)) accepted++;
      }
    }
  }
  assert.ok(accepted > 1000, `only ${accepted} valid inputs`);
  // Larger than the module's first memory page, then small again.
  const large = encode(JSON.stringify({ text: "é".repeat(70_000) + "x".repeat(70_000), n: [1] }));
  assert.ok(scan.scan(large));
  assert.deepEqual([scan.start, scan.end], [0, large.length]);
  large[large.length - 10] = 0x01;
  agree(scan, large);
  agree(scan, encode(JSON.stringify({ text: "x".repeat(KERNEL_FROM) })));
});
