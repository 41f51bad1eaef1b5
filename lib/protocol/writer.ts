/**
 * Encoder for Kafka protocol primitives.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Appends big-endian Kafka primitives to a growing buffer.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ProtocolWriter } from "./writer.ts";
 * const w = new ProtocolWriter();
 * w.int16(0).string("hi");
 * assert.deepStrictEqual(w.finish(), new Uint8Array([0, 0, 0, 2, 0x68, 0x69]));
 * ```
 */
export class ProtocolWriter {
  #buf: Uint8Array;
  #view: DataView;
  /** Number of bytes written so far. */
  length = 0;

  /**
   * Creates an empty writer.
   *
   * @param capacity initial buffer size in bytes
   */
  constructor(capacity = 256) {
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  #ensure(n: number): number {
    const at = this.length;
    if (at + n > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < at + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#buf.subarray(0, at));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    this.length += n;
    return at;
  }

  /**
   * Makes room for `n` more bytes at once, so large responses are not copied while growing.
   *
   * @param n bytes about to be written
   * @returns this writer
   */
  reserve(n: number): this {
    const at = this.#ensure(n);
    this.length = at;
    return this;
  }

  /** Writes a signed 8-bit integer. */
  int8(v: number): this {
    const at = this.#ensure(1);
    this.#view.setInt8(at, v);
    return this;
  }
  /** Writes a signed big-endian 16-bit integer. */
  int16(v: number): this {
    const at = this.#ensure(2);
    this.#view.setInt16(at, v);
    return this;
  }
  /** Writes a signed big-endian 32-bit integer. */
  int32(v: number): this {
    const at = this.#ensure(4);
    this.#view.setInt32(at, v);
    return this;
  }
  /** Writes an unsigned big-endian 32-bit integer. */
  uint32(v: number): this {
    const at = this.#ensure(4);
    this.#view.setUint32(at, v);
    return this;
  }
  /** Writes a signed big-endian 64-bit integer. */
  int64(v: bigint | number): this {
    const at = this.#ensure(8);
    this.#view.setBigInt64(at, typeof v === "bigint" ? v : BigInt(v));
    return this;
  }
  /** Writes a boolean as one byte. */
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  /** Writes an i16-length string; null becomes length -1. */
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const bytes = encoder.encode(v);
    this.int16(bytes.length);
    return this.raw(bytes);
  }
  /** Writes i32-length bytes; null becomes length -1. */
  bytes(v: Uint8Array | null): this {
    if (v === null) return this.int32(-1);
    this.int32(v.length);
    return this.raw(v);
  }
  /** Writes bytes without a length prefix. */
  raw(v: Uint8Array): this {
    const at = this.#ensure(v.length);
    this.#buf.set(v, at);
    return this;
  }
  /** Writes an i32-count array; null becomes count -1. */
  array<T>(items: readonly T[] | null, element: (w: ProtocolWriter, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) element(this, item);
    return this;
  }
  /** Writes an unsigned varint. */
  uvarint(v: number): this {
    while (v >= 0x80) {
      const at = this.#ensure(1);
      this.#buf[at] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    const at = this.#ensure(1);
    this.#buf[at] = v;
    return this;
  }
  /** Writes a zig-zag varint or varlong (exact up to 2^53). */
  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  /** Writes a compact (flexible) nullable string. */
  compactString(v: string | null): this {
    if (v === null) return this.uvarint(0);
    const bytes = encoder.encode(v);
    this.uvarint(bytes.length + 1);
    return this.raw(bytes);
  }
  /** Writes a compact (flexible) array. */
  compactArray<T>(items: readonly T[] | null, element: (w: ProtocolWriter, item: T) => void): this {
    if (items === null) return this.uvarint(0);
    this.uvarint(items.length + 1);
    for (const item of items) element(this, item);
    return this;
  }
  /** Writes an empty tagged-field section. */
  taggedFields(): this {
    return this.uvarint(0);
  }
  /** Overwrites a 32-bit integer written earlier (for sizes known only at the end). */
  patchInt32(at: number, v: number): this {
    this.#view.setInt32(at, v);
    return this;
  }
  /** Overwrites an unsigned 32-bit integer written earlier. */
  patchUint32(at: number, v: number): this {
    this.#view.setUint32(at, v);
    return this;
  }
  /** Returns the bytes written so far (a view of the internal buffer). */
  finish(): Uint8Array {
    return this.#buf.subarray(0, this.length);
  }
}
