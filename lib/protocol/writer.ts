/**
 * Encoder for Kafka protocol primitives.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Smallest byte string {@linkcode ProtocolWriter.rawRef} keeps by reference; shorter ones are
 * copied, since a separate write costs more than copying them.
 */
export const RAW_REF_MIN = 16 * 1024;

interface External {
  /** Offset in the writer's own buffer at which the bytes belong. */
  readonly at: number;
  readonly bytes: Uint8Array;
}

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
  /** Bytes in #buf (those written by reference are not there). */
  #used = 0;
  #external: External[] = [];
  #externalBytes = 0;

  /** Number of bytes written so far. */
  get length(): number {
    return this.#used + this.#externalBytes;
  }

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
    const at = this.#used;
    if (at + n > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < at + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#buf.subarray(0, at));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    this.#used += n;
    return at;
  }

  /** Forgets everything written, keeping the buffer for reuse. */
  clear(): this {
    this.#used = 0;
    this.#external = [];
    this.#externalBytes = 0;
    return this;
  }

  /**
   * Makes room for `n` more bytes at once, so large responses are not copied while growing.
   *
   * @param n bytes about to be written
   * @returns this writer
   */
  reserve(n: number): this {
    const at = this.#ensure(n);
    this.#used = at;
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
  /**
   * Writes bytes without a length prefix, keeping byte strings of {@linkcode RAW_REF_MIN} or more
   * by reference: {@linkcode finishChunks} hands them out without copying them, so they must not
   * change until the chunks are written.
   */
  rawRef(v: Uint8Array): this {
    if (v.length < RAW_REF_MIN) return this.raw(v);
    this.#external.push({ at: this.#used, bytes: v });
    this.#externalBytes += v.length;
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
  /** Maps an offset of the written bytes to one in #buf (it must not fall in referenced bytes). */
  #own(at: number): number {
    let before = 0;
    for (const e of this.#external) {
      if (at + 4 <= e.at + before) break;
      if (at < e.at + before + e.bytes.length) {
        throw new RangeError(`cannot patch bytes at ${at}: they were written by reference`);
      }
      before += e.bytes.length;
    }
    return at - before;
  }
  /** Overwrites a 32-bit integer written earlier (for sizes known only at the end). */
  patchInt32(at: number, v: number): this {
    this.#view.setInt32(this.#own(at), v);
    return this;
  }
  /** Overwrites an unsigned 32-bit integer written earlier. */
  patchUint32(at: number, v: number): this {
    this.#view.setUint32(this.#own(at), v);
    return this;
  }
  /**
   * Returns the bytes written so far: a view of the internal buffer, or a copy joining it with
   * the bytes written by reference.
   */
  finish(): Uint8Array {
    if (this.#external.length === 0) return this.#buf.subarray(0, this.#used);
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.finishChunks()) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
  /**
   * Returns the bytes written so far as consecutive pieces, without copying: views of the internal
   * buffer between the byte strings written by reference, and those byte strings themselves.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { ProtocolWriter, RAW_REF_MIN } from "./writer.ts";
   * const big = new Uint8Array(RAW_REF_MIN);
   * const chunks = new ProtocolWriter().int32(big.length).rawRef(big).int8(1).finishChunks();
   * assert.deepStrictEqual(chunks.map((c) => c.length), [4, RAW_REF_MIN, 1]);
   * assert.strictEqual(chunks[1], big);
   * ```
   */
  finishChunks(): Uint8Array[] {
    const chunks: Uint8Array[] = [];
    let from = 0;
    for (const e of this.#external) {
      if (e.at > from) chunks.push(this.#buf.subarray(from, e.at));
      chunks.push(e.bytes);
      from = e.at;
    }
    if (this.#used > from || chunks.length === 0) chunks.push(this.#buf.subarray(from, this.#used));
    return chunks;
  }
}
