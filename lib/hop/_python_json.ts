// JSON text exactly as Python's json.dumps writes it with default arguments (", " and ": "
// separators, ensure_ascii, NaN/Infinity as bare tokens), so that bytes match hop peers.

function escapeChar(char: string): string {
  switch (char) {
    case '"':
      return '\\"';
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    case "\b":
      return "\\b";
    case "\f":
      return "\\f";
    default:
      return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
  }
}

const NEEDS_ESCAPE = /[^\x20-\x7e]|["\\]/;
const ESCAPED = /[^\x20-\x7e]|["\\]/g;

/** A JSON string literal with every character outside printable ASCII escaped as `\uXXXX`. */
export function pythonJsonString(text: string): string {
  // Code units are handled one at a time, so astral characters become surrogate-pair escapes,
  // as in Python.
  return NEEDS_ESCAPE.test(text) ? `"${text.replace(ESCAPED, escapeChar)}"` : `"${text}"`;
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

/**
 * Serializes like `json.dumps(value)`, or `json.dumps(value, indent=n)` when `indent` is given
 * (items end with "," and a new line; empty containers stay `[]`/`{}`). Follows JSON.stringify for
 * JavaScript-only cases (`toJSON`, `undefined` members skipped, `undefined` array items as
 * `null`).
 *
 * @throws {TypeError} for values JSON cannot hold (top-level undefined, functions, symbols,
 *   byte arrays, cycles)
 */
export function pythonJsonStringify(value: unknown, indent?: number): string {
  const stack = new Set<object>();
  const join = (parts: string[], open: string, close: string, depth: number) => {
    if (parts.length === 0) return open + close;
    if (indent === undefined) return open + parts.join(", ") + close;
    const inner = "\n" + " ".repeat(indent * (depth + 1));
    return open + inner + parts.join("," + inner) + "\n" + " ".repeat(indent * depth) + close;
  };
  const write = (
    item: unknown,
    inArray: boolean,
    depth = 0,
    converted = false,
  ): string | undefined => {
    switch (typeof item) {
      case "string":
        return pythonJsonString(item);
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
      return write((item as { toJSON: () => unknown }).toJSON(), inArray, depth, true);
    }
    const object = item as object;
    if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
      throw new TypeError("byte arrays cannot be serialized to JSON");
    }
    if (stack.has(object)) throw new TypeError("circular structure cannot be serialized to JSON");
    stack.add(object);
    let text: string;
    if (Array.isArray(object)) {
      text = join(object.map((entry) => write(entry, true, depth + 1)!), "[", "]", depth);
    } else {
      const parts: string[] = [];
      for (const key of Object.keys(object)) {
        const encoded = write((object as Record<string, unknown>)[key], false, depth + 1);
        if (encoded !== undefined) parts.push(`${pythonJsonString(key)}: ${encoded}`);
      }
      text = join(parts, "{", "}", depth);
    }
    stack.delete(object);
    return text;
  };
  const text = write(value, false);
  if (text === undefined) throw new TypeError(`a value of type ${typeof value} is not JSON`);
  return text;
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
