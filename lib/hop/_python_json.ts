// JSON text exactly as Python's json.dumps writes it with default arguments (", " and ": "
// separators, ensure_ascii, NaN/Infinity as bare tokens), so that bytes match hop peers.

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

/** Python's float repr for non-integral values: shortest digits, exponent form below 1e-4. */
export function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  // JavaScript cannot tell 1 from 1.0: integral values are written as JSON.stringify does, which
  // CPython reads and writes back unchanged (digits below 1e21, exponent form above).
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  // Both languages write plain decimals in this range with the same shortest digits.
  if (magnitude >= 1e-4 && magnitude < 1e16) return String(value);
  const [mantissa, exponentText] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) return String(value);
  const sign = exponent < 0 ? "-" : "+";
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
}

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
 * (items end with "," and a new line; empty containers stay `[]`/`{}`). Follows JSON.stringify for
 * JavaScript-only cases (`toJSON`, `undefined` members skipped, `undefined` array items and holes
 * as `null`).
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
