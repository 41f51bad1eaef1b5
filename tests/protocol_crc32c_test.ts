import assert from "node:assert/strict";
import { crc32c } from "../lib/protocol/crc32c.ts";
import { BLOCK_SIZE, WASM_INPUT_BLOCKS, wasmCrc32c } from "../lib/protocol/_crc32c_wasm.ts";
import { test } from "./support/deadline.ts";

/** Bit-at-a-time CRC-32C, straight from the definition. */
function bitwise(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

/** The byte-wise slicing-by-8 implementation the library used before slicing-by-16. */
const SLICING_8: Uint32Array[] = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    tables[0][n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[0][n];
    for (let t = 1; t < 8; t++) {
      c = tables[0][c & 0xff] ^ (c >>> 8);
      tables[t][n] = c >>> 0;
    }
  }
  return tables;
})();
function slicing8(data: Uint8Array, crc = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = SLICING_8;
  let c = ~crc >>> 0;
  let i = 0;
  const n = data.length;
  const end8 = n - (n % 8);
  for (; i < end8; i += 8) {
    const a = (c ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24))) >>>
      0;
    c = t7[a & 0xff] ^ t6[(a >>> 8) & 0xff] ^ t5[(a >>> 16) & 0xff] ^ t4[a >>> 24] ^
      t3[data[i + 4]] ^ t2[data[i + 5]] ^ t1[data[i + 6]] ^ t0[data[i + 7]];
  }
  for (; i < n; i++) c = t0[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** A small seeded generator (mulberry32), so a failure can be reproduced. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const text = new TextEncoder();

test("crc32c() gives the published check values", () => {
  // The Castagnoli check value (the CRC catalogue's "check" field for CRC-32/ISCSI).
  assert.equal(crc32c(text.encode("123456789")), 0xe3069283);
  // RFC 3720 (iSCSI), appendix B.4: 32 bytes of zeros, of 0xff, ascending and descending.
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  assert.equal(crc32c(text.encode("a")), 0xc1d04330);
});

test("crc32c() agrees with the bit-wise definition and slicing-by-8 on random buffers", () => {
  const next = random(20240601);
  const backing = new Uint8Array(4096 + 64);
  for (let i = 0; i < backing.length; i++) backing[i] = Math.floor(next() * 256);
  const lengths = [...Array.from({ length: 80 }, (_, i) => i), 127, 128, 129, 255, 256, 1000];
  for (let k = 0; k < 40; k++) lengths.push(Math.floor(next() * 4096));
  for (const length of lengths) {
    // Every alignment modulo 16, so the 32-bit loads of the main loop start anywhere.
    for (let offset = 0; offset < 17; offset++) {
      const data = backing.subarray(offset, offset + length);
      const expected = slicing8(data);
      assert.equal(crc32c(data), expected, `length ${length} at offset ${offset}`);
      if (length < 300) assert.equal(bitwise(data), expected, `bit-wise, length ${length}`);
    }
  }
});

test("crc32c() continues across pieces split anywhere", () => {
  const next = random(7);
  const data = Uint8Array.from({ length: 777 }, () => Math.floor(next() * 256));
  const whole = crc32c(data);
  for (let cut = 0; cut <= data.length; cut += 13) {
    assert.equal(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut))), whole, `cut ${cut}`);
  }
  // A running value from an unsigned previous result, as callers store it.
  assert.equal(crc32c(data.subarray(100), crc32c(data.subarray(0, 100)) >>> 0), whole);
});

test("crc32c() reads only its view of a larger buffer", () => {
  const backing = new Uint8Array(64).fill(0xaa);
  backing.set(text.encode("123456789"), 5);
  assert.equal(crc32c(backing.subarray(5, 14)), 0xe3069283);
  const padded = new Uint8Array(48).fill(0x55);
  padded.set(new Uint8Array(32), 8);
  assert.equal(crc32c(padded.subarray(8, 40)), 0x8a9136aa);
});

/** The byte-wise table, as the WebAssembly form takes it. */
const BYTE_TABLE = SLICING_8[0];
/** Slicing-by-8 over a raw (not inverted) register, as the WebAssembly form continues it. */
const rawSlicing8 = (data: Uint8Array, register: number) => ~slicing8(data, ~register >>> 0) >>> 0;

test("crc32c() over whole 16 KiB blocks (WebAssembly SIMD) agrees with slicing-by-8", () => {
  const next = random(3720);
  const backing = new Uint8Array(8 * BLOCK_SIZE + 64);
  for (let i = 0; i < backing.length; i++) backing[i] = Math.floor(next() * 256);
  // One block, one more byte, several blocks with a tail, and more blocks than fit in the
  // module's memory at once (which is copied in a piece at a time).
  const lengths = [BLOCK_SIZE - 1, BLOCK_SIZE, BLOCK_SIZE + 1, 3 * BLOCK_SIZE + 777];
  lengths.push(WASM_INPUT_BLOCKS * BLOCK_SIZE, 8 * BLOCK_SIZE + 5);
  for (const length of lengths) {
    for (const offset of [0, 1, 7, 16, 59]) {
      const data = backing.subarray(offset, offset + length);
      const expected = slicing8(data);
      assert.equal(crc32c(data), expected, `length ${length} at offset ${offset}`);
      assert.equal(crc32c(data, 0x12345678), slicing8(data, 0x12345678), `continued, ${length}`);
    }
  }
  // A large input of one repeated byte, where every lane sees the same bytes.
  assert.equal(crc32c(new Uint8Array(BLOCK_SIZE * 2)), slicing8(new Uint8Array(BLOCK_SIZE * 2)));
  assert.equal(
    crc32c(new Uint8Array(BLOCK_SIZE * 2).fill(0xff)),
    slicing8(new Uint8Array(BLOCK_SIZE * 2).fill(0xff)),
  );
});

test("both WebAssembly forms (relaxed and plain swizzle) agree with slicing-by-8", () => {
  const next = random(11);
  const data = Uint8Array.from({ length: 5 * BLOCK_SIZE + 123 }, () => Math.floor(next() * 256));
  for (const relaxed of [true, false]) {
    const simd = wasmCrc32c(BYTE_TABLE, rawSlicing8, relaxed);
    assert.ok(simd, `WebAssembly SIMD (relaxed: ${relaxed}) is available in Deno`);
    for (const register of [0xffffffff, 0, 0xdeadbeef]) {
      assert.equal(simd(data, register), rawSlicing8(data, register), `relaxed: ${relaxed}`);
    }
    // Exactly one block, so the first lane's register is what comes out of the join.
    const one = data.subarray(0, BLOCK_SIZE);
    assert.equal(simd(one, 0xffffffff), rawSlicing8(one, 0xffffffff));
  }
});
