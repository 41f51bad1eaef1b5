// Checks that bytes are one standard JSON text in UTF-8 (RFC 8259, what JSON.parse accepts after
// a strict UTF-8 decode, but for a leading byte order mark), without decoding them into a string
// or building the value: `hop subscribe -j` copies such payloads into its lines as they are.
// Payloads of {@linkcode KERNEL_FROM} bytes or more are checked in a WebAssembly module's memory,
// where the runs of plain bytes inside strings are skipped sixteen at a time.

import { plainRunKernel } from "./_plain_run_wasm.ts";

const enum Byte {
  Tab = 0x09,
  LineFeed = 0x0a,
  Return = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Plus = 0x2b,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Zero = 0x30,
  Nine = 0x39,
  Colon = 0x3a,
  OpenBracket = 0x5b,
  Backslash = 0x5c,
  CloseBracket = 0x5d,
  LowerE = 0x65,
  UpperE = 0x45,
  LowerU = 0x75,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
}

// Bytes that stand for themselves inside a string: printable ASCII but '"' and '\'.
const PLAIN_IN_STRING = new Uint8Array(256).map((_, byte) =>
  byte >= 0x20 && byte < 0x80 && byte !== Byte.Quote && byte !== Byte.Backslash ? 1 : 0
);
// What may follow a backslash: " \ / b f n r t (u is handled apart).
const SIMPLE_ESCAPE = new Uint8Array(256).map((_, byte) =>
  '"\\/bfnrt'.includes(String.fromCharCode(byte)) ? 1 : 0
);
const HEX_DIGIT = new Uint8Array(256).map((_, byte) =>
  /[0-9a-fA-F]/.test(String.fromCharCode(byte)) ? 1 : 0
);
const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

const EMPTY = new Uint8Array();

// Deeper nesting is left to the full decoder.
const MAX_DEPTH = 512;

/** Payloads at least this long are copied into the kernel's memory first. */
export const KERNEL_FROM = 256;
const kernel = plainRunKernel();

const isDigit = (byte: number) => byte >= Byte.Zero && byte <= Byte.Nine;

/** Where the JSON text of some bytes starts and ends, once {@linkcode JsonScan.scan} accepted them. */
export class JsonScan {
  /** Index of the value's first byte (after leading white space). */
  start = 0;
  /** Index after the value's last byte (before trailing white space). */
  end = 0;
  /** Whether a line feed or carriage return occurs (only possible between tokens). */
  lineBreaks = false;
  #bytes: Uint8Array = EMPTY;
  // How many of #bytes are the input (the kernel's memory is larger).
  #n = 0;
  #plainEnd?: (at: number, end: number) => number;

  /**
   * Whether `bytes` are one JSON value in UTF-8, with optional white space around it.
   *
   * @param bytes the bytes to check
   * @returns true when valid; `start`, `end` and `lineBreaks` then describe them
   */
  scan(bytes: Uint8Array): boolean {
    const inKernel = kernel !== undefined && bytes.length >= KERNEL_FROM;
    this.#bytes = inKernel ? kernel.load(bytes) : bytes;
    this.#n = bytes.length;
    this.#plainEnd = inKernel ? kernel.plainEnd : undefined;
    this.lineBreaks = false;
    const start = this.#space(0);
    const end = this.#value(start, 0);
    const valid = end >= 0 && this.#space(end) === this.#n;
    this.#bytes = EMPTY;
    if (!valid) return false;
    this.start = start;
    this.end = end;
    return true;
  }

  #space(i: number): number {
    const bytes = this.#bytes;
    const n = this.#n;
    while (i < n) {
      const byte = bytes[i];
      if (byte === Byte.Space || byte === Byte.Tab) i++;
      else if (byte === Byte.LineFeed || byte === Byte.Return) {
        this.lineBreaks = true;
        i++;
      } else break;
    }
    return i;
  }

  // Index after the value that starts at i, or -1.
  #value(i: number, depth: number): number {
    const bytes = this.#bytes;
    const n = this.#n;
    if (i >= n) return -1;
    const byte = bytes[i];
    if (byte === Byte.Quote) return this.#string(i + 1);
    if (byte === Byte.OpenBrace || byte === Byte.OpenBracket) {
      if (depth >= MAX_DEPTH) return -1;
      const object = byte === Byte.OpenBrace;
      const close = object ? Byte.CloseBrace : Byte.CloseBracket;
      i = this.#space(i + 1);
      if (i < n && bytes[i] === close) return i + 1;
      while (true) {
        if (object) {
          if (i >= n || bytes[i] !== Byte.Quote) return -1;
          i = this.#space(this.#string(i + 1));
          if (i < 0 || i >= n || bytes[i] !== Byte.Colon) return -1;
          i = this.#space(i + 1);
        }
        i = this.#value(i, depth + 1);
        if (i < 0) return -1;
        i = this.#space(i);
        if (i >= n) return -1;
        if (bytes[i] === close) return i + 1;
        if (bytes[i] !== Byte.Comma) return -1;
        i = this.#space(i + 1);
      }
    }
    if (byte === Byte.Minus || isDigit(byte)) return this.#number(i);
    if (byte === TRUE[0]) return this.#literal(i, TRUE);
    if (byte === FALSE[0]) return this.#literal(i, FALSE);
    if (byte === NULL[0]) return this.#literal(i, NULL);
    return -1;
  }

  #literal(i: number, word: number[]): number {
    const bytes = this.#bytes;
    if (i + word.length > this.#n) return -1;
    for (let k = 0; k < word.length; k++) if (bytes[i + k] !== word[k]) return -1;
    return i + word.length;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  #number(i: number): number {
    const bytes = this.#bytes;
    const n = this.#n;
    if (bytes[i] === Byte.Minus) i++;
    if (i >= n || !isDigit(bytes[i])) return -1;
    if (bytes[i] === Byte.Zero) i++;
    else while (i < n && isDigit(bytes[i])) i++;
    if (i < n && bytes[i] === Byte.Dot) {
      i++;
      if (i >= n || !isDigit(bytes[i])) return -1;
      while (i < n && isDigit(bytes[i])) i++;
    }
    if (i < n && (bytes[i] === Byte.LowerE || bytes[i] === Byte.UpperE)) {
      i++;
      if (i < n && (bytes[i] === Byte.Plus || bytes[i] === Byte.Minus)) i++;
      if (i >= n || !isDigit(bytes[i])) return -1;
      while (i < n && isDigit(bytes[i])) i++;
    }
    return i;
  }

  // From after the opening quote to after the closing one, or -1.
  #string(i: number): number {
    const bytes = this.#bytes;
    const n = this.#n;
    const plainEnd = this.#plainEnd;
    while (i < n) {
      if (plainEnd !== undefined && n - i >= 16 && (i = plainEnd(i, n)) >= n) break;
      const byte = bytes[i];
      if (PLAIN_IN_STRING[byte]) {
        i++;
      } else if (byte === Byte.Quote) {
        return i + 1;
      } else if (byte === Byte.Backslash) {
        if (i + 1 >= n) return -1;
        const escaped = bytes[i + 1];
        if (SIMPLE_ESCAPE[escaped]) i += 2;
        else if (escaped === Byte.LowerU) {
          if (i + 6 > n) return -1;
          for (let k = i + 2; k < i + 6; k++) if (!HEX_DIGIT[bytes[k]]) return -1;
          i += 6;
        } else return -1;
      } else if (byte < 0x80) {
        return -1; // a control character
      } else {
        i = utf8Sequence(bytes, i, n);
        if (i < 0) return -1;
      }
    }
    return -1;
  }
}

const isContinuation = (byte: number) => (byte & 0xc0) === 0x80;

// Index after the multi-byte UTF-8 sequence that starts at i, or -1 when it is not one
// (overlong forms, surrogates and code points past U+10FFFF are not).
function utf8Sequence(bytes: Uint8Array, i: number, n: number): number {
  const lead = bytes[i];
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead === 0xe0) low = 0xa0;
    else if (lead === 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0) low = 0x90;
    else if (lead === 0xf4) high = 0x8f;
  } else return -1;
  if (i + length > n) return -1;
  const second = bytes[i + 1];
  if (second < low || second > high) return -1;
  for (let k = i + 2; k < i + length; k++) if (!isContinuation(bytes[k])) return -1;
  return i + length;
}
