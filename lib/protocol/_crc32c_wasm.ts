/**
 * CRC-32C over sixteen lanes at once with WebAssembly SIMD, assembled here from named
 * instructions (no binary blob): one exported function over one exported memory.
 *
 * A block of `16 * LANE` bytes is cut into sixteen consecutive lanes of {@linkcode LANE} bytes;
 * lane `j`'s running CRC register lives in byte `j` of four vectors (one vector per register byte,
 * "planes"). Each step loads 16 bytes of every lane, transposes that 16 x 16 byte square with four
 * rounds of byte interleaving, and then advances all sixteen registers by one byte sixteen times.
 * The byte step `c = T[(c ^ b) & 0xff] ^ (c >>> 8)` works on planes: `T` is linear, so
 * `T[x] = T[x & 15] ^ T[x & 0xf0]`, and each register byte of those two 16-entry tables is one
 * `i8x16.swizzle`. The caller joins the sixteen lane registers into one (shifting each over the
 * lanes after it), which is why lanes start from zero except the first.
 *
 * Memory layout (two 64 KiB pages):
 * - bytes 0..127: eight 16-byte tables, register byte `k` of `T[n]` at `32 * k + n` and of
 *   `T[n << 4]` at `32 * k + 16 + n`, written by the caller;
 * - bytes {@linkcode WASM_STATE_AT}..+63: the four planes of the lane registers, read and written
 *   by `lanes(at)`;
 * - bytes 256..511: the sixteen transposed columns of the current step, so that one copy of the
 *   byte step (in a loop) serves them all and the function stays small to compile;
 * - bytes {@linkcode WASM_INPUT_AT}.. up to {@linkcode WASM_INPUT_BLOCKS} blocks: the input.
 *
 * @module
 */

import { instantiate, Op, Simd, singleFunctionModule, WasmCode } from "../_wasm_code.ts";

/** Bytes of one lane; a block is sixteen lanes. */
export const LANE = 1024;
/** Bytes of one block. */
export const BLOCK_SIZE = 16 * LANE;
/** Where the four planes of the lane registers are. */
export const WASM_STATE_AT = 128;
/** Where the sixteen transposed columns of a step are kept (256 bytes). */
const COLUMNS_AT = 256;
/** Where the input bytes start in the module's memory. */
export const WASM_INPUT_AT = 1024;
/** How many blocks of input fit in the memory at once. */
export const WASM_INPUT_BLOCKS = 7;
const PAGES = 2;

/** Byte interleaving of two vectors' low halves, then of their high halves. */
const INTERLEAVE_LOW = Array.from({ length: 16 }, (_, i) => (i >> 1) + (i & 1) * 16);
const INTERLEAVE_HIGH = INTERLEAVE_LOW.map((lane) => lane + 8);

// Locals of `lanes(at)`: the parameter, the end address, the column address, then vectors.
const AT = 0, END_AT = 1, COLUMN_AT = 2;
const PLANE = 3; // 4 planes of the lane registers
const TABLE = PLANE + 4; // 8 tables: byte k of T[n] at TABLE + 2k, of T[n << 4] at TABLE + 2k + 1
const ROW = TABLE + 8; // 16 vectors: the loaded rows, then the transposed columns
const SPARE = ROW + 16; // 16 vectors for the transposition rounds
const X = SPARE + 16, LOW = X + 1, HIGH = X + 2, MASK = X + 3;
const VECTOR_LOCALS = MASK + 1 - PLANE;

/** One byte step of all sixteen registers, with the input bytes at `COLUMN_AT`. */
function byteStep(code: WasmCode, swizzle: number): void {
  code.get(PLANE).get(COLUMN_AT).vload(0).xor().set(X);
  code.get(X).get(MASK).simd(Simd.and).set(LOW);
  code.get(X).i32(4).simd(Simd.i8x16ShrU).set(HIGH);
  // New plane k = T-byte k of x, xor old plane k + 1 (the register shifted right by a byte).
  for (let k = 0; k < 4; k++) {
    code.get(TABLE + 2 * k).get(LOW).simd(swizzle);
    code.get(TABLE + 2 * k + 1).get(HIGH).simd(swizzle).xor();
    if (k < 3) code.get(PLANE + k + 1).xor();
    code.set(PLANE + k);
  }
}

function lanesBody(code: WasmCode, swizzle: number): void {
  code.get(AT).i32(LANE).op(Op.i32Add).set(END_AT);
  for (let k = 0; k < 4; k++) code.i32(0).vload(WASM_STATE_AT + 16 * k).set(PLANE + k);
  for (let t = 0; t < 8; t++) code.i32(0).vload(16 * t).set(TABLE + t);
  code.vsplat(0x0f).set(MASK);

  // while (at < end) { ... at += 16 }
  code.op(Op.block, Op.void, Op.loop, Op.void);
  code.get(AT).get(END_AT).op(Op.i32GeU, Op.brIf, 1);
  // Row j: the next 16 bytes of lane j.
  for (let j = 0; j < 16; j++) code.get(AT).vload(j * LANE).set(ROW + j);
  // Four rounds of interleaving rows i and i + 8 transpose the square: column t is byte t of
  // every lane.
  let from = ROW, to = SPARE;
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 8; i++) {
      code.get(from + i).get(from + i + 8).simd(Simd.shuffle).op(...INTERLEAVE_LOW);
      code.set(to + 2 * i);
      code.get(from + i).get(from + i + 8).simd(Simd.shuffle).op(...INTERLEAVE_HIGH);
      code.set(to + 2 * i + 1);
    }
    [from, to] = [to, from];
  }
  // The columns go to memory, so that one copy of the byte step serves all sixteen.
  for (let t = 0; t < 16; t++) code.i32(0).get(from + t).vstore(COLUMNS_AT + 16 * t);
  code.i32(COLUMNS_AT).set(COLUMN_AT);
  code.op(Op.loop, Op.void);
  byteStep(code, swizzle);
  code.get(COLUMN_AT).i32(16).op(Op.i32Add).tee(COLUMN_AT);
  code.i32(COLUMNS_AT + 256).op(Op.i32LtU, Op.brIf, 0, Op.end);
  code.get(AT).i32(16).op(Op.i32Add).set(AT);
  code.op(Op.br, 0, Op.end, Op.end);

  for (let k = 0; k < 4; k++) code.i32(0).get(PLANE + k).vstore(WASM_STATE_AT + 16 * k);
  code.op(Op.end);
}

/**
 * The module's bytes: `lanes(at: i32)` and `memory`.
 *
 * @param relaxed whether to use `i8x16.relaxed_swizzle` (faster; the indices are always below 16,
 *   where it equals `i8x16.swizzle`)
 */
export function crc32cModuleBytes(relaxed: boolean): Uint8Array<ArrayBuffer> {
  const body = new WasmCode();
  lanesBody(body, relaxed ? Simd.relaxedSwizzle : Simd.swizzle);
  return singleFunctionModule({
    name: "lanes",
    params: [Op.i32],
    results: [],
    locals: [[2, Op.i32], [VECTOR_LOCALS, Op.v128]],
    body,
  }, PAGES);
}

/** Continues a raw (not inverted) CRC-32C register over `data`; returns the new register. */
export type RawCrc = (data: Uint8Array, register: number) => number;

/**
 * The whole blocks of an input go through the module, the rest through `tail`.
 *
 * @param table the byte-wise CRC-32C table (`table[n]`: the register after byte `n` from zero)
 * @param tail the function for inputs shorter than a block and for what follows the last block
 * @param relaxed whether to use relaxed SIMD
 * @returns the combined function, or undefined where the runtime lacks (relaxed) SIMD
 */
export function wasmCrc32c(table: Uint32Array, tail: RawCrc, relaxed: boolean): RawCrc | undefined {
  const instance = instantiate(crc32cModuleBytes(relaxed));
  if (instance === undefined) return undefined;
  const lanes = instance.exports.lanes as (at: number) => void;
  const memory = new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer);
  for (let k = 0; k < 4; k++) {
    for (let n = 0; n < 16; n++) {
      memory[32 * k + n] = table[n] >>> (8 * k);
      memory[32 * k + 16 + n] = table[n << 4] >>> (8 * k);
    }
  }
  // The register after LANE zero bytes, as four byte-indexed tables. The map is linear: `basis`
  // holds the images of the 32 single bits, first over one zero byte, then squared (the map over
  // 2, 4, ... LANE bytes is the previous one applied twice); a table entry is the xor of the images
  // of its bits.
  const apply = (basis: Uint32Array, v: number) => {
    let out = 0;
    for (let bit = 0; v !== 0; bit++, v >>>= 1) if (v & 1) out ^= basis[bit];
    return out >>> 0;
  };
  let basis = Uint32Array.from({ length: 32 }, (_, bit) => {
    const c = 2 ** bit;
    return (table[c & 0xff] ^ (c >>> 8)) >>> 0;
  });
  for (let bytes = 1; bytes < LANE; bytes *= 2) {
    const previous = basis;
    basis = previous.map((image) => apply(previous, image));
  }
  const shift = new Uint32Array(4 * 256);
  for (let bit = 0; bit < 32; bit++) {
    const k = bit >> 3, low = 1 << (bit & 7);
    for (let n = low; n < 2 * low; n++) shift[k * 256 + n] = shift[k * 256 + n - low] ^ basis[bit];
  }
  const state = WASM_STATE_AT;
  return (data, register) => {
    const blocks = Math.floor(data.length / BLOCK_SIZE);
    let c = register;
    let done = 0;
    for (let b = 0; b < blocks;) {
      const count = Math.min(WASM_INPUT_BLOCKS, blocks - b);
      memory.set(data.subarray(done, done + count * BLOCK_SIZE), WASM_INPUT_AT);
      for (let k = 0; k < count; k++) {
        // Lane 0 continues the register; the others start from zero.
        memory.fill(0, state, state + 64);
        memory[state] = c;
        memory[state + 16] = c >>> 8;
        memory[state + 32] = c >>> 16;
        memory[state + 48] = c >>> 24;
        lanes(WASM_INPUT_AT + k * BLOCK_SIZE);
        // Horner's rule: shift what came before over the next lane, then add that lane.
        c = 0;
        for (let j = 0; j < 16; j++) {
          const lane = memory[state + j] | (memory[state + 16 + j] << 8) |
            (memory[state + 32 + j] << 16) | (memory[state + 48 + j] << 24);
          c = j === 0 ? lane : shift[c & 0xff] ^ shift[0x100 | ((c >>> 8) & 0xff)] ^
            shift[0x200 | ((c >>> 16) & 0xff)] ^ shift[0x300 | (c >>> 24)] ^ lane;
        }
      }
      b += count;
      done += count * BLOCK_SIZE;
    }
    return tail(data.subarray(done), c >>> 0);
  };
}
