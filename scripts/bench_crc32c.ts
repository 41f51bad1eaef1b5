/**
 * CRC-32C micro benchmark: slicing-by-16 in JavaScript against the WebAssembly SIMD form (relaxed
 * and plain swizzle) and the public `crc32c()` that picks between them, on 1 KiB and 1 MiB inputs.
 * Prints GB/s of the main thread's CPU time (`/proc/thread-self/schedstat`), so other processes on
 * a shared machine do not lower the figures.
 *
 * Usage: deno run -A scripts/bench_crc32c.ts [--megabytes 256]
 *
 * @module
 */

import { crc32c } from "../lib/protocol/crc32c.ts";
import { slicing16, TABLES } from "../lib/protocol/_crc32c_slicing.ts";
import { type RawCrc, wasmCrc32c } from "../lib/protocol/_crc32c_wasm.ts";

const at = Deno.args.indexOf("--megabytes");
const total = Number(at >= 0 ? Deno.args[at + 1] : 256) * (1 << 20);

function cpuNs(): number {
  return Number(Deno.readTextFileSync("/proc/thread-self/schedstat").split(" ")[0]);
}

const table = TABLES.subarray(0, 256);
const forms: [string, RawCrc | undefined][] = [
  ["slicing-by-16 (JavaScript)", slicing16],
  ["WebAssembly SIMD, relaxed swizzle", wasmCrc32c(table, slicing16, true)],
  ["WebAssembly SIMD, swizzle", wasmCrc32c(table, slicing16, false)],
  ["crc32c()", (data, register) => ~crc32c(data, ~register >>> 0) >>> 0],
];

console.log("| form | 1 KiB GB/s | 1 MiB GB/s |\n|---|---|---|");
for (const [label, form] of forms) {
  if (!form) {
    console.log(`| ${label} | unavailable | unavailable |`);
    continue;
  }
  const rates: string[] = [];
  for (const size of [1024, 1 << 20]) {
    const data = Uint8Array.from({ length: size }, (_, i) => (i * 131 + 7) & 0xff);
    if (form(data, 0xffffffff) !== slicing16(data, 0xffffffff)) {
      throw new Error(`${label} disagrees with slicing-by-16 on ${size} bytes`);
    }
    const reps = Math.max(1, Math.round(total / size));
    for (let r = 0; r < reps / 4; r++) form(data, 0xffffffff); // warm up (optimising tiers)
    const started = cpuNs();
    for (let r = 0; r < reps; r++) form(data, 0xffffffff);
    const seconds = (cpuNs() - started) / 1e9;
    rates.push((reps * size / seconds / 1e9).toFixed(2));
  }
  console.log(`| ${label} | ${rates.join(" | ")} |`);
}
