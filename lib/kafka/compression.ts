/**
 * Compression codecs for the Kafka client: gzip is built in; snappy, lz4 and zstd are registered
 * here from pure JavaScript packages (`_codecs.ts`, loaded when a compressed batch is first met),
 * so record batches compressed by any producer can be read, also in a compiled binary. Writing uses gzip, snappy or lz4 on request; zstd can be read but not
 * written (no pure JavaScript zstd compressor is available).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { CompressionCodecs, CompressionTypes } from "kafkajs";
import { HopError } from "./errors.ts";

/** Compression a producer may use for the batches it writes. */
export type CompressionName = "none" | "gzip" | "snappy" | "lz4" | "zstd";

/** The compressions a producer can write (zstd can only be read). */
export const WRITABLE_COMPRESSIONS: readonly CompressionName[] = Object.freeze([
  "none",
  "gzip",
  "snappy",
  "lz4",
]);

interface Codec {
  compress(encoder: { buffer: Uint8Array }): Promise<Buffer>;
  decompress(buffer: Uint8Array): Promise<Buffer>;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

type Codecs = typeof import("./_codecs.ts");
let codecs: Promise<Codecs> | undefined;

/**
 * The snappy, lz4 and zstd implementations, loaded once, when a compressed batch is first met.
 *
 * @returns the `_codecs.ts` module
 */
export function loadCodecs(): Promise<Codecs> {
  return codecs ??= import("./_codecs.ts");
}

// --- registration --------------------------------------------------------------------------------

const snappyCodec: Codec = {
  compress: async (encoder) => asBuffer((await loadCodecs()).snappyCompress(encoder.buffer)),
  decompress: async (buffer) => asBuffer((await loadCodecs()).snappyDecompress(buffer)),
};

const lz4Codec: Codec = {
  compress: async (encoder) => asBuffer((await loadCodecs()).lz4Compress(encoder.buffer)),
  decompress: async (buffer) => asBuffer((await loadCodecs()).lz4Decompress(buffer)),
};

const zstdCodec: Codec = {
  compress: () => Promise.reject(zstdWriteError()),
  decompress: async (buffer) => asBuffer((await loadCodecs()).zstdDecompress(buffer)),
};

function zstdWriteError(): HopError {
  return new HopError(
    "zstd compression can be read but not written: no pure JavaScript zstd compressor is available; use gzip, snappy or lz4",
  );
}

let registered = false;

/**
 * Registers the snappy, lz4 and zstd codecs with the Kafka client (once; later calls do nothing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CompressionCodecs, CompressionTypes } from "kafkajs";
 * import { registerCompressionCodecs } from "./compression.ts";
 * registerCompressionCodecs();
 * assert.equal(typeof CompressionCodecs[CompressionTypes.LZ4]().decompress, "function");
 * ```
 */
export function registerCompressionCodecs(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.Snappy] = () => snappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = () => lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = () => zstdCodec;
}

/**
 * The Kafka client's compression type for a name; refuses zstd for writing.
 *
 * @param name `"none"`, `"gzip"`, `"snappy"` or `"lz4"`
 * @returns the client's compression type
 * @throws {HopError} for zstd or an unknown name
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CompressionTypes } from "kafkajs";
 * import { compressionType } from "./compression.ts";
 * assert.equal(compressionType("lz4"), CompressionTypes.LZ4);
 * assert.throws(() => compressionType("zstd"), /zstd compression can be read but not written/);
 * ```
 */
export function compressionType(name: CompressionName): CompressionTypes {
  switch (name) {
    case "none":
      return CompressionTypes.None;
    case "gzip":
      return CompressionTypes.GZIP;
    case "snappy":
      return CompressionTypes.Snappy;
    case "lz4":
      return CompressionTypes.LZ4;
    case "zstd":
      throw zstdWriteError();
    default:
      throw new HopError(
        `unknown compression '${name}': use one of ${WRITABLE_COMPRESSIONS.join(", ")}`,
      );
  }
}
