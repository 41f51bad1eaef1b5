/**
 * A small WebAssembly assembler: instructions by name into bytes, and the bytes of a module with
 * one exported function and one exported memory. The project's SIMD kernels (CRC-32C, the JSON
 * byte check of `hop subscribe -j`) are written with it, so that no binary blob is committed.
 *
 * @module
 */

/** Instruction and type bytes (WebAssembly core specification 2.0, section 5.4). */
export const Op = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  /** Block type: no result. */
  void: 0x40,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32Ctz: 0x68,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32: 0x7f,
  v128: 0x7b,
  /** The prefix of vector instructions. */
  simd: 0xfd,
} as const;

/** Vector instruction numbers (after the {@linkcode Op.simd} prefix). */
export const Simd = {
  load: 0x00,
  store: 0x0b,
  const: 0x0c,
  shuffle: 0x0d,
  swizzle: 0x0e,
  i8x16Splat: 0x0f,
  i8x16Eq: 0x23,
  i8x16LtS: 0x25,
  and: 0x4e,
  or: 0x50,
  xor: 0x51,
  anyTrue: 0x53,
  i8x16Bitmask: 0x64,
  i8x16ShrU: 0x6d,
  /** Relaxed SIMD (WebAssembly 3.0): a bare `pshufb` on x86, the same as swizzle below 16. */
  relaxedSwizzle: 0x100,
} as const;

/**
 * Appends instructions to one array of bytes (no intermediate arrays: this runs once, cold).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Op, WasmCode } from "./_wasm_code.ts";
 * assert.deepEqual(new WasmCode().get(1).i32(-1).op(Op.i32Add).bytes, [0x20, 1, 0x41, 0x7f, 0x6a]);
 * ```
 */
export class WasmCode {
  /** The bytes so far. */
  readonly bytes: number[] = [];
  /** Raw bytes. */
  op(...bytes: number[]): this {
    for (const b of bytes) this.bytes.push(b);
    return this;
  }
  /** Unsigned LEB128. */
  uleb(n: number): this {
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n !== 0) byte |= 0x80;
      this.bytes.push(byte);
    } while (n !== 0);
    return this;
  }
  /** `i32.const` with its signed LEB128 immediate. */
  i32(n: number): this {
    this.bytes.push(Op.i32Const);
    for (;;) {
      const byte = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
        this.bytes.push(byte);
        return this;
      }
      this.bytes.push(byte | 0x80);
    }
  }
  /** `local.get`. */
  get(local: number): this {
    return this.op(Op.localGet).uleb(local);
  }
  /** `local.set`. */
  set(local: number): this {
    return this.op(Op.localSet).uleb(local);
  }
  /** `local.tee`. */
  tee(local: number): this {
    return this.op(Op.localTee).uleb(local);
  }
  /** A vector instruction: the prefix, then its number (see {@linkcode Simd}). */
  simd(op: number): this {
    return this.op(Op.simd).uleb(op);
  }
  /** `v128.load` at the address on the stack plus a constant offset. */
  vload(offset: number): this {
    return this.simd(Simd.load).op(0).uleb(offset);
  }
  /** `v128.store` at the address below the value on the stack plus a constant offset. */
  vstore(offset: number): this {
    return this.simd(Simd.store).op(0).uleb(offset);
  }
  /** `v128.const` with all sixteen bytes `byte`. */
  vsplat(byte: number): this {
    return this.simd(Simd.const).op(...new Array(16).fill(byte & 0xff));
  }
  /** `v128.xor`. */
  xor(): this {
    return this.simd(Simd.xor);
  }
  /** A section: its id, its length, its content. */
  section(id: number, content: WasmCode): this {
    this.op(id).uleb(content.bytes.length);
    for (const b of content.bytes) this.bytes.push(b);
    return this;
  }
  /** A name: its length in UTF-8 bytes, then the bytes. */
  name(text: string): this {
    const bytes = new TextEncoder().encode(text);
    this.uleb(bytes.length);
    for (const b of bytes) this.bytes.push(b);
    return this;
  }
}

/** The one function of {@linkcode singleFunctionModule}. */
export interface WasmFunction {
  /** Export name. */
  name: string;
  /** Parameter types ({@linkcode Op.i32}, ...). */
  params: number[];
  /** Result types. */
  results: number[];
  /** Local declarations after the parameters: pairs of count and type. */
  locals: [count: number, type: number][];
  /** The instructions, ending with the function's `end`. */
  body: WasmCode;
}

/**
 * The bytes of a module with one function and one memory of `pages` 64 KiB pages (no maximum),
 * both exported (the memory as `memory`).
 *
 * @param fn the function
 * @param pages the memory's initial size
 * @returns the module's bytes
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Op, singleFunctionModule, WasmCode } from "./_wasm_code.ts";
 * const body = new WasmCode().get(0).get(1).op(Op.i32Add, Op.end);
 * const bytes = singleFunctionModule(
 *   { name: "add", params: [Op.i32, Op.i32], results: [Op.i32], locals: [], body },
 *   1,
 * );
 * const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
 * assert.equal((exports.add as (a: number, b: number) => number)(2, 3), 5);
 * ```
 */
export function singleFunctionModule(fn: WasmFunction, pages: number): Uint8Array<ArrayBuffer> {
  const code = new WasmCode().uleb(fn.locals.length);
  for (const [count, type] of fn.locals) code.uleb(count).op(type);
  code.op(...fn.body.bytes);
  const type = new WasmCode().op(1, 0x60).uleb(fn.params.length).op(...fn.params)
    .uleb(fn.results.length).op(...fn.results);
  const module = new WasmCode()
    .op(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00) // "\0asm", version 1
    .section(1, type) // type 0
    .section(3, new WasmCode().op(1, 0)) // function 0 has type 0
    .section(5, new WasmCode().op(1, 0x00).uleb(pages)) // one memory, no maximum
    .section(7, new WasmCode().op(2).name(fn.name).op(0x00, 0).name("memory").op(0x02, 0))
    .section(10, new WasmCode().op(1).uleb(code.bytes.length).op(...code.bytes)); // code
  return new Uint8Array(module.bytes);
}

/**
 * Compiles and instantiates a module's bytes (with no imports).
 *
 * @param bytes the module
 * @returns the instance, or undefined where the runtime has no WebAssembly or lacks a feature the
 *   module uses (SIMD, say), or has no memory for it
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { instantiate } from "./_wasm_code.ts";
 * assert.equal(instantiate(new Uint8Array([1, 2, 3])), undefined); // not a module
 * ```
 */
export function instantiate(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Instance | undefined {
  if (typeof WebAssembly !== "object") return undefined;
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(bytes));
  } catch {
    return undefined;
  }
}
