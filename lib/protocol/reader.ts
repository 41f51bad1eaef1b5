/**
 * Decoder for Kafka protocol primitives (classic and flexible encodings).
 *
 * @module
 */

import { ProtocolDecodeError } from "./errors.ts";

const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Reads big-endian Kafka primitives from a byte array. Byte fields are returned as views of the
 * underlying buffer (no copy), so record batches can be stored exactly as received.
 *
 * Every method throws {@linkcode ProtocolDecodeError} when the input is truncated or a length is
 * negative where the protocol does not allow null.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ProtocolReader } from "./reader.ts";
 * const r = new ProtocolReader(new Uint8Array([0, 2, 0x68, 0x69]));
 * assert.strictEqual(r.string(), "hi");
 * ```
 */
export class ProtocolReader {
  /** Current read position in {@linkcode ProtocolReader.buffer}. */
  offset: number;
  readonly #view: DataView;

  /**
   * Starts reading `buffer` at `offset`.
   *
   * @param buffer bytes to decode
   * @param offset position of the first byte to read
   */
  constructor(readonly buffer: Uint8Array, offset = 0) {
    this.offset = offset;
    this.#view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  /** Bytes left after the current position. */
  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  #need(n: number, what: string): number {
    if (n < 0 || this.offset + n > this.buffer.length) {
      throw new ProtocolDecodeError(
        `${what} needs ${n} bytes but ${this.remaining} are left at offset ${this.offset}`,
      );
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  /** Reads a signed 8-bit integer. */
  int8(): number {
    return this.#view.getInt8(this.#need(1, "int8"));
  }
  /** Reads a signed big-endian 16-bit integer. */
  int16(): number {
    return this.#view.getInt16(this.#need(2, "int16"));
  }
  /** Reads a signed big-endian 32-bit integer. */
  int32(): number {
    return this.#view.getInt32(this.#need(4, "int32"));
  }
  /** Reads an unsigned big-endian 32-bit integer. */
  uint32(): number {
    return this.#view.getUint32(this.#need(4, "uint32"));
  }
  /** Reads a signed big-endian 64-bit integer. */
  int64(): bigint {
    return this.#view.getBigInt64(this.#need(8, "int64"));
  }
  /** Reads a signed 64-bit integer as a number (exact for offsets and timestamps below 2^53). */
  int64Number(): number {
    return Number(this.int64());
  }
  /** Reads a boolean (any non-zero byte is true). */
  bool(): boolean {
    return this.int8() !== 0;
  }

  /** Reads an i16-length string that must not be null. */
  string(): string {
    const s = this.nullableString();
    if (s === null) throw new ProtocolDecodeError(`null string at offset ${this.offset - 2}`);
    return s;
  }
  /** Reads an i16-length string; length -1 is null. */
  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    if (len < 0) throw new ProtocolDecodeError(`string length ${len} at offset ${this.offset - 2}`);
    const at = this.#need(len, "string");
    return decoder.decode(this.buffer.subarray(at, at + len));
  }
  /** Reads i32-length bytes that must not be null (a view, not a copy). */
  bytes(): Uint8Array {
    const b = this.nullableBytes();
    if (b === null) throw new ProtocolDecodeError(`null bytes at offset ${this.offset - 4}`);
    return b;
  }
  /** Reads i32-length bytes; length -1 is null (a view, not a copy). */
  nullableBytes(): Uint8Array | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < 0) throw new ProtocolDecodeError(`bytes length ${len} at offset ${this.offset - 4}`);
    const at = this.#need(len, "bytes");
    return this.buffer.subarray(at, at + len);
  }
  /** Reads raw bytes of a known length (a view, not a copy). */
  raw(length: number): Uint8Array {
    const at = this.#need(length, "raw bytes");
    return this.buffer.subarray(at, at + length);
  }

  /** Reads an i32-count array that must not be null. */
  array<T>(element: (r: ProtocolReader) => T): T[] {
    const a = this.nullableArray(element);
    if (a === null) throw new ProtocolDecodeError(`null array at offset ${this.offset - 4}`);
    return a;
  }
  /** Reads an i32-count array; count -1 is null. */
  nullableArray<T>(element: (r: ProtocolReader) => T): T[] | null {
    const count = this.int32();
    if (count === -1) return null;
    // Each element takes at least one byte, which bounds the count for hostile input.
    if (count < 0 || count > this.remaining) {
      throw new ProtocolDecodeError(`array count ${count} at offset ${this.offset - 4}`);
    }
    const out: T[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = element(this);
    return out;
  }

  /** Reads an unsigned varint (KIP-482 lengths and counts). */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.buffer[this.#need(1, "varint")];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 28) throw new ProtocolDecodeError(`varint too long at offset ${this.offset}`);
    }
  }
  /** Reads a zig-zag varint (record fields). */
  varint(): number {
    const n = this.uvarint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }
  /** Reads a zig-zag varlong (record timestamp deltas); exact up to 2^53. */
  varlong(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.buffer[this.#need(1, "varlong")];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 63) throw new ProtocolDecodeError(`varlong too long at offset ${this.offset}`);
    }
    return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
  }

  /** Reads a compact (flexible) nullable string. */
  compactNullableString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    const at = this.#need(n - 1, "compact string");
    return decoder.decode(this.buffer.subarray(at, at + n - 1));
  }
  /** Reads a compact (flexible) string that must not be null. */
  compactString(): string {
    const s = this.compactNullableString();
    if (s === null) throw new ProtocolDecodeError(`null compact string at offset ${this.offset}`);
    return s;
  }
  /** Reads a compact (flexible) array; null when encoded as 0. */
  compactArray<T>(element: (r: ProtocolReader) => T): T[] | null {
    const n = this.uvarint();
    if (n === 0) return null;
    if (n - 1 > this.remaining) throw new ProtocolDecodeError(`compact array count ${n - 1}`);
    const out: T[] = new Array(n - 1);
    for (let i = 0; i < n - 1; i++) out[i] = element(this);
    return out;
  }
  /** Skips a tagged-field section (unknown tags are ignored by their size). */
  taggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.#need(this.uvarint(), "tagged field");
    }
  }
}
