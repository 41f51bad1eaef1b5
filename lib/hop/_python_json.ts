// JSON text exactly as Python's json.dumps writes it with default arguments (", " and ": "
// separators, ensure_ascii, NaN/Infinity as bare tokens), so that bytes match hop peers; and
// JSON text read exactly as Python's json.loads reads it (loadsPython), so that a document can be
// written back as Python would, numbers included, with Python's error messages.

// JSON.stringify already writes what json.dumps writes for every code unit below U+007F (`\"`,
// `\\`, `\b` `\f` `\n` `\r` `\t`, other control characters as lowercase `\u00xx`), and writes
// lone surrogates as lowercase `\udxxx` as Python does. What remains is ensure_ascii: DEL and
// everything above it, one UTF-16 code unit at a time (so astral characters become surrogate-pair
// escapes, as in Python).
const NOT_ASCII = /[\u007f-\uffff]/;
const NOT_ASCII_ALL = /[\u007f-\uffff]/g;

function escapeCodeUnit(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** A JSON string literal with every character outside printable ASCII escaped as `\uXXXX`. */
export function pythonJsonString(text: string): string {
  const literal = JSON.stringify(text);
  return NOT_ASCII.test(literal) ? literal.replace(NOT_ASCII_ALL, escapeCodeUnit) : literal;
}

/**
 * How a JavaScript number is written: a safe integer as an integer (`1`, `-7`; JavaScript cannot
 * tell 1 from 1.0), `-0` and everything else as Python writes the same float
 * ({@linkcode pythonFloatRepr}: `0.5`, `1e-05`, `1e+16`, `9007199254740992.0`), NaN and the
 * infinities as `NaN`, `Infinity`, `-Infinity`.
 */
export function pythonFloat(value: number): string {
  if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
  return pythonFloatRepr(value);
}

/**
 * Python's `repr(float)`, which json.dumps writes: the shortest digits that read back as the same
 * double, positional between 1e-4 and 1e16 (with `.0` when integral), else `d.ddde±XX` with at
 * least two exponent digits.
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const magnitude = Math.abs(value);
  // Both languages write the same shortest digits positionally in this range.
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    const text = String(value);
    return Number.isInteger(value) ? text + ".0" : text;
  }
  const [mantissa, exponentText] = magnitude.toExponential().split("e");
  const exponent = Number(exponentText);
  const sign = value < 0 ? "-" : "";
  const exponentSign = exponent < 0 ? "-" : "+";
  return `${sign}${mantissa}e${exponentSign}${String(Math.abs(exponent)).padStart(2, "0")}`;
}

/**
 * An integer read from JSON text, kept as its digits: Python's int is exact at any size (`-0` is
 * the integer 0).
 */
export class PythonInt {
  /** Decimal digits with an optional leading `-`, as Python prints the int. */
  readonly digits: string;
  /** @param digits the number's text from the JSON document */
  constructor(digits: string) {
    this.digits = digits === "-0" ? "0" : digits;
  }
}

/** A number with a fraction or exponent read from JSON text: a Python float (a double). */
export class PythonFloat {
  /** The double the text denotes (Python and JavaScript both round correctly). */
  readonly value: number;
  /** @param value the double */
  constructor(value: number) {
    this.value = value;
  }
}

/**
 * A JSON object read as a Python dict: keys in order of first appearance (integer-like keys and
 * `__proto__` included), the last value of a repeated key wins.
 */
export class PythonDict {
  /** The members in order. */
  readonly entries: Map<string, PythonValue> = new Map();
}

/** A JSON value as Python's json.loads returns it, numbers with the information Python keeps. */
export type PythonValue =
  | null
  | boolean
  | string
  | PythonInt
  | PythonFloat
  | PythonDict
  | PythonValue[];

// JSON text as json.dumps writes it, except that non-ASCII characters are left as they are: the
// callers escape them in one pass over the whole text (they can only occur inside string
// literals), which is much cheaper than checking every string on its own. A module-level
// function with explicit state (not a closure per call) keeps V8's optimized code.
function writeUnescaped(
  item: unknown,
  inArray: boolean,
  indent: number | undefined,
  depth: number,
  stack: object[],
  converted: boolean,
): string | undefined {
  switch (typeof item) {
    case "string":
      return JSON.stringify(item);
    case "number":
      return pythonFloat(item);
    case "bigint":
      return item.toString();
    case "boolean":
      return item ? "true" : "false";
    case "undefined":
    case "function":
    case "symbol":
      return inArray ? "null" : undefined;
  }
  if (item === null) return "null";
  if (item instanceof PythonInt) return item.digits;
  if (item instanceof PythonFloat) return pythonFloatRepr(item.value);
  // Like JSON.stringify, toJSON() is applied once per value, not to its own result.
  if (!converted && typeof (item as { toJSON?: unknown }).toJSON === "function") {
    const replaced = (item as { toJSON: () => unknown }).toJSON();
    return writeUnescaped(replaced, inArray, indent, depth, stack, true);
  }
  const object = item as object;
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    throw new TypeError("byte arrays cannot be serialized to JSON");
  }
  if (stack.includes(object)) {
    throw new TypeError("circular structure cannot be serialized to JSON");
  }
  stack.push(object);
  const separator = indent === undefined ? ", " : ",";
  const inner = indent === undefined ? "" : "\n" + " ".repeat(indent * (depth + 1));
  let text = "";
  let count = 0;
  if (Array.isArray(object)) {
    // Holes are written as null, as JSON.stringify does.
    for (let index = 0; index < object.length; index++) {
      text += (count++ === 0 ? inner : separator + inner) +
        writeUnescaped(object[index], true, indent, depth + 1, stack, false);
    }
    text = count === 0 ? "[]" : `[${text}${closing(indent, depth)}]`;
  } else if (object instanceof PythonDict) {
    for (const [key, value] of object.entries) {
      text += (count++ === 0 ? inner : separator + inner) + JSON.stringify(key) + ": " +
        writeUnescaped(value, false, indent, depth + 1, stack, false);
    }
    text = count === 0 ? "{}" : `{${text}${closing(indent, depth)}}`;
  } else {
    const record = object as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      const encoded = writeUnescaped(record[key], false, indent, depth + 1, stack, false);
      if (encoded === undefined) continue;
      text += (count++ === 0 ? inner : separator + inner) + JSON.stringify(key) + ": " + encoded;
    }
    text = count === 0 ? "{}" : `{${text}${closing(indent, depth)}}`;
  }
  stack.pop();
  return text;
}

function closing(indent: number | undefined, depth: number): string {
  return indent === undefined ? "" : "\n" + " ".repeat(indent * depth);
}

function unescapedJson(value: unknown, indent: number | undefined): string {
  const text = writeUnescaped(value, false, indent, 0, [], false);
  if (text === undefined) throw new TypeError(`a value of type ${typeof value} is not JSON`);
  return text;
}

/**
 * Serializes like `json.dumps(value)`, or `json.dumps(value, indent=n)` when `indent` is given
 * (items end with "," and a new line; empty containers stay `[]`/`{}`). JavaScript numbers are
 * written by {@linkcode pythonFloat}, bigints as their digits, and values from
 * {@linkcode loadsPython} exactly as json.dumps writes what json.loads returned for the same text.
 * Follows JSON.stringify for JavaScript-only cases (`toJSON`, `undefined` members skipped,
 * `undefined` array items and holes as `null`).
 *
 * @throws {TypeError} for values JSON cannot hold (top-level undefined, functions, symbols,
 *   byte arrays, cycles)
 */
export function pythonJsonStringify(value: unknown, indent?: number): string {
  const text = unescapedJson(value, indent);
  return NOT_ASCII.test(text) ? text.replace(NOT_ASCII_ALL, escapeCodeUnit) : text;
}

const utf8 = new TextEncoder();

/**
 * The UTF-8 bytes of {@linkcode pythonJsonStringify}`(value)` (without indentation). Text that is
 * all ASCII encodes to as many bytes as it has characters, so escaping is needed only when the
 * lengths differ or DEL occurs.
 *
 * @throws {TypeError} as {@linkcode pythonJsonStringify}
 */
export function pythonJsonBytes(value: unknown): Uint8Array {
  const text = unescapedJson(value, undefined);
  const bytes = encodeIntoSlab(text);
  if (bytes.length === text.length && !text.includes("\x7f")) return bytes;
  return encodeIntoSlab(text.replace(NOT_ASCII_ALL, escapeCodeUnit));
}

// Small documents are encoded into a shared slab and handed out as views: one ArrayBuffer per
// 64 KB instead of one per message. A view keeps at most its slab alive.
const SLAB_BYTES = 65_536;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

function encodeIntoSlab(text: string): Uint8Array {
  const most = text.length * 3;
  if (most > SLAB_BYTES / 4) return utf8.encode(text);
  if (SLAB_BYTES - slabUsed < most) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const start = slabUsed;
  const { written } = utf8.encodeInto(text, slab.subarray(start));
  slabUsed = start + written;
  return slab.subarray(start, slabUsed);
}

const SPECIAL_MARK = "\u0000python-json:";
const SPECIALS: Record<string, number> = {
  NaN: NaN,
  Infinity: Infinity,
  "-Infinity": -Infinity,
};

/**
 * Parses JSON text, also accepting the bare `NaN`, `Infinity` and `-Infinity` tokens that Python's
 * json module writes by default (JSON.parse alone rejects them).
 *
 * @throws {SyntaxError} for text that is not JSON in either sense
 */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) throw error;
  }
  // Replace the tokens outside string literals by marked strings, then turn those back.
  let rewritten = "";
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      rewritten += char;
      if (char === "\\") rewritten += text[++index] ?? "";
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
      rewritten += char;
      continue;
    }
    const token = ["-Infinity", "Infinity", "NaN"].find((name) => text.startsWith(name, index));
    if (token !== undefined) {
      rewritten += JSON.stringify(SPECIAL_MARK + token);
      index += token.length - 1;
      continue;
    }
    rewritten += char;
  }
  return JSON.parse(
    rewritten,
    (_key, value) =>
      typeof value === "string" && value.startsWith(SPECIAL_MARK)
        ? SPECIALS[value.slice(SPECIAL_MARK.length)]
        : value,
  );
}

/**
 * A JSON text Python's json.loads rejects. The message is Python's, in one line:
 * `Expecting ',' delimiter: line 3 column 5 (char 21)`; positions count code points, as Python's
 * do.
 */
export class PythonJsonError extends SyntaxError {
  override name = "PythonJsonError";
  /** What is wrong, without the position (`Expecting value`). */
  readonly msg: string;
  /** Code points before the error. */
  readonly pos: number;
  /** 1-based line of the error. */
  readonly lineno: number;
  /** 1-based column of the error, in code points. */
  readonly colno: number;

  /**
   * @param msg what is wrong
   * @param text the document
   * @param index UTF-16 index of the error in `text`
   */
  constructor(msg: string, text: string, index: number) {
    const before = text.slice(0, index);
    const pos = codePoints(before);
    const lastNewline = before.lastIndexOf("\n");
    let lineno = 1;
    for (let at = before.indexOf("\n"); at !== -1; at = before.indexOf("\n", at + 1)) lineno++;
    const colno = lastNewline === -1 ? pos + 1 : codePoints(before.slice(lastNewline));
    super(`${msg}: line ${lineno} column ${colno} (char ${pos})`);
    this.msg = msg;
    this.pos = pos;
    this.lineno = lineno;
    this.colno = colno;
  }
}

/** Code points in `text` (a surrogate pair counts once, as in Python's str). */
function codePoints(text: string): number {
  let count = text.length;
  for (let index = 0; index < text.length - 1; index++) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        index++;
      }
    }
  }
  return count;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

function isWhitespace(unit: number): boolean {
  return unit === 0x20 || unit === 0x09 || unit === 0x0a || unit === 0x0d;
}

function isDigit(unit: number): boolean {
  return unit >= 0x30 && unit <= 0x39;
}

/** "Expecting value" at a position: what Python's scanner reports through StopIteration. */
class NoValue {
  constructor(readonly index: number) {}
}

// A reader following CPython's C scanner (Modules/_json.c) step by step, so that the same text
// gives the same value and the same error message at the same position.
class Scanner {
  constructor(readonly text: string) {}

  skip(index: number): number {
    const text = this.text;
    while (index < text.length && isWhitespace(text.charCodeAt(index))) index++;
    return index;
  }

  fail(msg: string, index: number): never {
    throw new PythonJsonError(msg, this.text, index);
  }

  /** Returns the value at `index` and the index after it. */
  value(index: number): [PythonValue, number] {
    const text = this.text;
    if (index >= text.length) throw new NoValue(index);
    switch (text[index]) {
      case '"':
        return this.string(index + 1);
      case "{":
        return this.object(index + 1);
      case "[":
        return this.array(index + 1);
      case "n":
        if (text.startsWith("null", index)) return [null, index + 4];
        break;
      case "t":
        if (text.startsWith("true", index)) return [true, index + 4];
        break;
      case "f":
        if (text.startsWith("false", index)) return [false, index + 5];
        break;
      case "N":
        if (text.startsWith("NaN", index)) return [new PythonFloat(NaN), index + 3];
        break;
      case "I":
        if (text.startsWith("Infinity", index)) return [new PythonFloat(Infinity), index + 8];
        break;
      case "-":
        if (text.startsWith("-Infinity", index)) return [new PythonFloat(-Infinity), index + 9];
        break;
    }
    return this.number(index);
  }

  number(start: number): [PythonValue, number] {
    const text = this.text;
    let index = start;
    if (text.charCodeAt(index) === 0x2d /* - */) index++;
    const first = text.charCodeAt(index);
    if (first >= 0x31 && first <= 0x39) {
      index++;
      while (isDigit(text.charCodeAt(index))) index++;
    } else if (first === 0x30) {
      index++;
    } else {
      throw new NoValue(start);
    }
    let isFloat = false;
    if (text.charCodeAt(index) === 0x2e /* . */ && isDigit(text.charCodeAt(index + 1))) {
      isFloat = true;
      index += 2;
      while (isDigit(text.charCodeAt(index))) index++;
    }
    const e = text.charCodeAt(index);
    if (e === 0x65 || e === 0x45) {
      const exponentStart = index;
      index++;
      const sign = text.charCodeAt(index);
      if ((sign === 0x2d || sign === 0x2b) && index + 1 < text.length) index++;
      while (isDigit(text.charCodeAt(index))) index++;
      if (isDigit(text.charCodeAt(index - 1))) isFloat = true;
      else index = exponentStart;
    }
    const literal = text.slice(start, index);
    return [isFloat ? new PythonFloat(Number(literal)) : new PythonInt(literal), index];
  }

  /** The string whose opening quote is just before `begin`. */
  string(begin: number): [string, number] {
    const text = this.text;
    let result = "";
    let index = begin;
    for (;;) {
      let next = index;
      let unit = 0;
      for (; next < text.length; next++) {
        unit = text.charCodeAt(next);
        if (unit === 0x22 || unit === 0x5c) break;
        if (unit <= 0x1f) this.fail("Invalid control character at", next);
      }
      if (next === text.length) this.fail("Unterminated string starting at", begin - 1);
      result += text.slice(index, next);
      if (unit === 0x22) return [result, next + 1];
      // A backslash.
      next++;
      if (next === text.length) this.fail("Unterminated string starting at", begin - 1);
      const escape = text[next];
      if (escape !== "u") {
        const replacement = SHORT_ESCAPES[escape];
        if (replacement === undefined) this.fail("Invalid \\escape", next - 1);
        result += replacement;
        index = next + 1;
        continue;
      }
      // \uXXXX: each escape decodes to one UTF-16 code unit; a pair of escapes for a surrogate
      // pair gives the same code units Python's joined character has.
      const end = next + 5;
      if (end >= text.length) this.fail("Invalid \\uXXXX escape", next);
      const hex = text.slice(next + 1, end);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("Invalid \\uXXXX escape", next);
      result += String.fromCharCode(parseInt(hex, 16));
      index = end;
    }
  }

  object(start: number): [PythonDict, number] {
    const text = this.text;
    const dict = new PythonDict();
    let index = this.skip(start);
    if (index < text.length && text[index] === "}") return [dict, index + 1];
    for (;;) {
      if (index >= text.length || text[index] !== '"') {
        this.fail("Expecting property name enclosed in double quotes", index);
      }
      const [key, afterKey] = this.string(index + 1);
      index = this.skip(afterKey);
      if (index >= text.length || text[index] !== ":") this.fail("Expecting ':' delimiter", index);
      index = this.skip(index + 1);
      const [value, afterValue] = this.value(index);
      dict.entries.set(key, value);
      index = this.skip(afterValue);
      if (index < text.length && text[index] === "}") return [dict, index + 1];
      if (index >= text.length || text[index] !== ",") this.fail("Expecting ',' delimiter", index);
      index = this.skip(index + 1);
    }
  }

  array(start: number): [PythonValue[], number] {
    const text = this.text;
    const items: PythonValue[] = [];
    let index = this.skip(start);
    if (index < text.length && text[index] === "]") return [items, index + 1];
    for (;;) {
      const [value, afterValue] = this.value(index);
      items.push(value);
      index = this.skip(afterValue);
      if (index < text.length && text[index] === "]") return [items, index + 1];
      if (index >= text.length || text[index] !== ",") this.fail("Expecting ',' delimiter", index);
      index = this.skip(index + 1);
    }
  }
}

/**
 * Reads JSON text as Python's `json.loads(text)` does: integers exact at any size
 * ({@linkcode PythonInt}), other numbers as doubles ({@linkcode PythonFloat}, `NaN` and
 * `Infinity` accepted), objects as ordered dicts ({@linkcode PythonDict}). Writing the result with
 * {@linkcode pythonJsonStringify} gives the bytes `json.dumps(json.loads(text))` gives.
 *
 * @throws {PythonJsonError} where json.loads fails, with its message, line and column
 */
export function loadsPython(text: string): PythonValue {
  const scanner = new Scanner(text);
  if (text.startsWith("\ufeff")) scanner.fail("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
  try {
    const [value, after] = scanner.value(scanner.skip(0));
    const end = scanner.skip(after);
    if (end !== text.length) scanner.fail("Extra data", end);
    return value;
  } catch (error) {
    if (error instanceof NoValue) scanner.fail("Expecting value", error.index);
    throw error;
  }
}
