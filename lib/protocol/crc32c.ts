/**
 * CRC-32C (Castagnoli), the checksum of Kafka record batches (magic 2).
 *
 * Inputs of a 16 KiB block or more go through WebAssembly SIMD, sixteen lanes at once
 * (`_crc32c_wasm.ts`), at about twice the speed of the JavaScript form; shorter ones, the bytes
 * after the last whole block, and runtimes without WebAssembly SIMD use slicing-by-16 in
 * JavaScript (`_crc32c_slicing.ts`). `scripts/bench_crc32c.ts` measures both.
 *
 * @module
 */

import { BLOCK_SIZE, type RawCrc, wasmCrc32c } from "./_crc32c_wasm.ts";
import { slicing16, TABLES } from "./_crc32c_slicing.ts";

/**
 * The WebAssembly form, built on first use: relaxed SIMD where the runtime has it, plain SIMD
 * otherwise, else null (slicing-by-16 only).
 */
let wasm: RawCrc | null | undefined;

function large(): RawCrc | null {
  if (wasm === undefined) {
    const table = TABLES.subarray(0, 256);
    wasm = wasmCrc32c(table, slicing16, true) ?? wasmCrc32c(table, slicing16, false) ?? null;
  }
  return wasm;
}

/**
 * Computes the CRC-32C of `data` (optionally continuing from a previous `crc`).
 *
 * @param data bytes to checksum
 * @param crc running value returned by a previous call, for checksumming in pieces
 * @returns the unsigned 32-bit checksum
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { crc32c } from "./crc32c.ts";
 * assert.strictEqual(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
 * ```
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  const register = ~crc >>> 0;
  const simd = data.length >= BLOCK_SIZE ? large() : null;
  return ~(simd ?? slicing16)(data, register) >>> 0;
}
