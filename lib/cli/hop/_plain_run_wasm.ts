// The inner loop of the JSON byte check (`_json_bytes.ts`) in WebAssembly SIMD: inside a JSON
// string, skip sixteen bytes at a time while none of them needs a look (a control character, a
// quote, a backslash, or a byte of a multi-byte UTF-8 sequence).

import { instantiate, Op, Simd, singleFunctionModule, WasmCode } from "../../_wasm_code.ts";

/** Bytes of one step. */
const STEP = 16;

// Locals of `plainEnd(at, end)`: the two parameters, then two vectors.
const AT = 0, END = 1, BYTES = 2, FOUND = 3;

/**
 * The module's bytes: `plainEnd(at, end)` returns the index of the first byte from `at` that is
 * below 0x20, at or above 0x80, `"` or `\`, or, when none is in the steps that fit before `end`,
 * the index where fewer than sixteen bytes are left; and `memory`.
 */
export function plainRunModuleBytes(): Uint8Array<ArrayBuffer> {
  const body = new WasmCode().op(Op.loop, Op.void);
  // Fewer than STEP bytes left: the caller goes on byte by byte.
  body.get(END).get(AT).op(Op.i32Sub).i32(STEP).op(Op.i32LtS, Op.if, Op.void);
  body.get(AT).op(Op.return, Op.end);
  // Signed, bytes from 0x80 are negative: one comparison finds them and the control characters.
  body.get(AT).vload(0).tee(BYTES).vsplat(0x20).simd(Simd.i8x16LtS);
  body.get(BYTES).vsplat(0x22).simd(Simd.i8x16Eq).simd(Simd.or);
  body.get(BYTES).vsplat(0x5c).simd(Simd.i8x16Eq).simd(Simd.or);
  body.tee(FOUND).simd(Simd.anyTrue).op(Op.if, Op.void);
  body.get(AT).get(FOUND).simd(Simd.i8x16Bitmask).op(Op.i32Ctz, Op.i32Add, Op.return, Op.end);
  body.get(AT).i32(STEP).op(Op.i32Add).set(AT);
  body.op(Op.br, 0, Op.end, Op.unreachable, Op.end);
  return singleFunctionModule({
    name: "plainEnd",
    params: [Op.i32, Op.i32],
    results: [Op.i32],
    locals: [[2, Op.v128]],
    body,
  }, 1);
}

/** Bytes copied into the module's memory and the function that scans them there. */
export interface PlainRunKernel {
  /**
   * Copies `bytes` to the start of the module's memory (growing it when needed).
   *
   * @returns a view of the whole memory, valid until the next call
   */
  load(bytes: Uint8Array): Uint8Array;
  /** See {@linkcode plainRunModuleBytes}; indices are into the loaded bytes. */
  plainEnd(at: number, end: number): number;
}

/**
 * Instantiates the module.
 *
 * @returns the kernel, or undefined where the runtime has no WebAssembly SIMD
 */
export function plainRunKernel(): PlainRunKernel | undefined {
  const instance = instantiate(plainRunModuleBytes());
  if (instance === undefined) return undefined;
  const memory = instance.exports.memory as WebAssembly.Memory;
  let view = new Uint8Array(memory.buffer);
  return {
    load(bytes) {
      if (bytes.length > view.length) {
        memory.grow(Math.ceil((bytes.length - view.length) / 65536));
        view = new Uint8Array(memory.buffer);
      }
      view.set(bytes);
      return view;
    },
    plainEnd: instance.exports.plainEnd as (at: number, end: number) => number,
  };
}
