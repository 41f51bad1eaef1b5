/**
 * The snappy, lz4 and zstd codecs as Kafka frames them, from pure JavaScript packages: loaded by
 * `compression.ts` only when a compressed batch is first read or written.
 *
 * @module
 */
import * as snappy from "snappyjs";
import * as lz4 from "lz4js";
import xxh32 from "lz4js/xxh32.js";
import { decompress as zstdDecompressRaw } from "fzstd";
import { HopError } from "./errors.ts";

// --- snappy: Java clients frame chunks (xerial), librdkafka may send one raw block -------------

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const XERIAL_HEADER_BYTES = 16;
const XERIAL_CHUNK_BYTES = 32 * 1024;

function hasXerialHeader(bytes: Uint8Array): boolean {
  if (bytes.length < XERIAL_HEADER_BYTES) return false;
  return XERIAL_MAGIC.every((byte, i) => bytes[i] === byte);
}

/**
 * Decompresses a Kafka snappy payload: xerial-framed chunks or one raw snappy block.
 *
 * @param bytes the compressed records
 * @returns the records
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { snappyCompress, snappyDecompress } from "./_codecs.ts";
 * const text = new TextEncoder().encode("hello hello hello hello");
 * assert.deepEqual(snappyDecompress(snappyCompress(text)), text);
 * ```
 */
export function snappyDecompress(bytes: Uint8Array): Uint8Array {
  if (!hasXerialHeader(bytes)) return snappy.uncompress(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let at = XERIAL_HEADER_BYTES; at < bytes.length;) {
    const length = view.getInt32(at);
    at += 4;
    if (length < 0 || at + length > bytes.length) {
      throw new HopError(`snappy chunk of ${length} bytes overruns the ${bytes.length}-byte batch`);
    }
    const chunk = snappy.uncompress(bytes.subarray(at, at + length));
    chunks.push(chunk);
    total += chunk.length;
    at += length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * Compresses records as Java Kafka clients do: xerial framing of 32 KiB snappy chunks.
 *
 * @param bytes the records
 * @returns the compressed payload
 */
export function snappyCompress(bytes: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = XERIAL_HEADER_BYTES;
  for (let at = 0; at < bytes.length; at += XERIAL_CHUNK_BYTES) {
    const chunk = snappy.compress(bytes.subarray(at, at + XERIAL_CHUNK_BYTES));
    chunks.push(chunk);
    total += 4 + chunk.length;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(XERIAL_MAGIC, 0);
  view.setInt32(8, 1); // version
  view.setInt32(12, 1); // minimum compatible version
  let offset = XERIAL_HEADER_BYTES;
  for (const chunk of chunks) {
    view.setInt32(offset, chunk.length);
    out.set(chunk, offset + 4);
    offset += 4 + chunk.length;
  }
  return out;
}

// --- lz4: the LZ4 frame format ------------------------------------------------------------------

const LZ4_MAGIC = 0x184d2204;
const LZ4_BLOCK_SIZES: Record<number, number> = {
  4: 64 * 1024,
  5: 256 * 1024,
  6: 1024 * 1024,
  7: 4 * 1024 * 1024,
};
const LZ4_WRITE_BLOCK_ID = 4; // 64 KiB blocks, as Java clients write
const LZ4_UNCOMPRESSED_BIT = 0x80000000;

/**
 * Decompresses an LZ4 frame (independent or linked blocks; checksums are skipped, the record
 * batch's CRC covers the compressed bytes).
 *
 * @param bytes one LZ4 frame
 * @returns the decompressed bytes
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lz4Compress, lz4Decompress } from "./_codecs.ts";
 * const text = new TextEncoder().encode("abcabcabcabcabcabcabcabcabc".repeat(100));
 * assert.deepEqual(lz4Decompress(lz4Compress(text)), text);
 * ```
 */
export function lz4Decompress(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 7 || view.getUint32(0, true) !== LZ4_MAGIC) {
    throw new HopError("lz4 batch does not start with an LZ4 frame");
  }
  const flags = bytes[4];
  if ((flags & 0xc0) !== 0x40) throw new HopError(`lz4 frame version ${flags >> 6} is unknown`);
  const blockChecksums = (flags & 0x10) !== 0;
  const blockMax = LZ4_BLOCK_SIZES[(bytes[5] >> 4) & 7];
  if (blockMax === undefined) throw new HopError("lz4 frame names an unknown block size");
  let at = 6 + ((flags & 0x08) ? 8 : 0) + ((flags & 0x01) ? 4 : 0) + 1;
  let out = new Uint8Array(Math.max(blockMax, bytes.length * 4));
  let length = 0;
  while (true) {
    if (at + 4 > bytes.length) throw new HopError("lz4 frame ends without an end mark");
    const header = view.getUint32(at, true);
    at += 4;
    if (header === 0) break;
    const size = header & 0x7fffffff;
    if (at + size > bytes.length) throw new HopError("lz4 block overruns its frame");
    if (length + blockMax > out.length) {
      const grown = new Uint8Array(Math.max(out.length * 2, length + blockMax));
      grown.set(out.subarray(0, length));
      out = grown;
    }
    if (header & LZ4_UNCOMPRESSED_BIT) {
      out.set(bytes.subarray(at, at + size), length);
      length += size;
    } else {
      length = lz4.decompressBlock(bytes, out, at, size, length);
    }
    at += size + (blockChecksums ? 4 : 0);
  }
  return out.subarray(0, length);
}

/**
 * Compresses bytes into one LZ4 frame of independent 64 KiB blocks, as Java clients write.
 *
 * @param bytes the records
 * @returns the LZ4 frame
 */
export function lz4Compress(bytes: Uint8Array): Uint8Array {
  const blockMax = LZ4_BLOCK_SIZES[LZ4_WRITE_BLOCK_ID];
  const blocks = Math.ceil(bytes.length / blockMax);
  const out = new Uint8Array(7 + blocks * (4 + lz4.compressBound(blockMax)) + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, LZ4_MAGIC, true);
  out[4] = 0x60; // version 01, independent blocks, no checksums, no content size
  out[5] = LZ4_WRITE_BLOCK_ID << 4;
  out[6] = (xxh32.hash(0, out, 4, 2) >>> 8) & 0xff;
  let at = 7;
  const scratch = new Uint8Array(lz4.compressBound(blockMax));
  const table = new Uint32Array(1 << 16);
  for (let from = 0; from < bytes.length; from += blockMax) {
    const size = Math.min(blockMax, bytes.length - from);
    table.fill(0); // independent blocks: no match reaches into an earlier block
    const packed = endWithLiterals(
      lz4.compressBlock(bytes, scratch, from, size, table),
      scratch,
      bytes.subarray(from, from + size),
    );
    if (packed === 0 || packed >= size) {
      view.setUint32(at, (LZ4_UNCOMPRESSED_BIT | size) >>> 0, true);
      out.set(bytes.subarray(from, from + size), at + 4);
      at += 4 + size;
    } else {
      view.setUint32(at, packed, true);
      out.set(scratch.subarray(0, packed), at + 4);
      at += 4 + packed;
    }
  }
  view.setUint32(at, 0, true);
  return out.subarray(0, at + 4);
}

// The LZ4 block format ends every block with at least 5 literals, and its last match starts at
// least 12 bytes before the end; the block compressor used here can place a final match later.
const LZ4_LAST_LITERALS = 5;
const LZ4_MATCH_LIMIT = 12;

/**
 * Rewrites the tail of a compressed block so that it meets the end-of-block rules: the first
 * sequence whose match starts too close to the end, and everything after it, become literals.
 *
 * @returns the new compressed length in `out`, or 0 when the block is best stored uncompressed
 */
function endWithLiterals(packed: number, out: Uint8Array, block: Uint8Array): number {
  if (packed === 0) return 0;
  let at = 0;
  let produced = 0;
  while (at < packed) {
    const sequenceAt = at;
    const sequenceOut = produced;
    const token = out[at++];
    let literals = token >> 4;
    if (literals === 15) {
      let more: number;
      do literals += more = out[at++]; while (more === 255);
    }
    at += literals;
    produced += literals;
    if (at >= packed) return packed; // the final literals: the rules hold
    at += 2; // match offset
    let match = (token & 15) + 4;
    if ((token & 15) === 15) {
      let more: number;
      do match += more = out[at++]; while (more === 255);
    }
    if (
      produced > block.length - LZ4_MATCH_LIMIT ||
      produced + match > block.length - LZ4_LAST_LITERALS
    ) {
      return writeLiterals(out, sequenceAt, block.subarray(sequenceOut));
    }
    produced += match;
  }
  return packed;
}

/** Writes one literals-only sequence at `at`; returns where it ends. */
function writeLiterals(out: Uint8Array, at: number, literals: Uint8Array): number {
  const length = literals.length;
  if (at + 1 + Math.ceil(length / 255) + length > out.length) return 0;
  out[at++] = Math.min(length, 15) << 4;
  if (length >= 15) {
    let rest = length - 15;
    for (; rest >= 255; rest -= 255) out[at++] = 255;
    out[at++] = rest;
  }
  out.set(literals, at);
  return at + length;
}

/**
 * Decompresses a zstd frame.
 *
 * @param bytes the compressed records
 * @returns the records
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { zstdDecompress } from "./_codecs.ts";
 * // A zstd frame holding "hi" (raw block).
 * const frame = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x02, 0x11, 0x00, 0x00, 0x68, 0x69]);
 * assert.equal(new TextDecoder().decode(zstdDecompress(frame)), "hi");
 * ```
 */
export function zstdDecompress(bytes: Uint8Array): Uint8Array {
  return zstdDecompressRaw(bytes);
}
