/**
 * Turning what arrives on an igwn-alert topic into the alert object, and back.
 *
 * GraceDB serializes each alert to JSON text and publishes that text as a string, which hop wraps
 * as a JSON string literal: a reader sees a string whose content is the alert's JSON. Producers
 * that send the object directly also exist. {@link decodeAlertPayload} accepts both (and the
 * extra layer the Python CLI's `send` added) and returns the object.
 *
 * @module
 */
import {
  loadsPython,
  parsePythonJson,
  pythonJsonStringify,
  type PythonValue,
} from "../hop/_python_json.ts";

/** How many JSON layers are peeled at most: GraceDB adds one, the Python `send` one more. */
const MAX_LAYERS = 3;

/**
 * Result of {@link decodeAlertPayload}.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeAlertPayload, type DecodedPayload } from "./payload.ts";
 * const decoded: DecodedPayload = decodeAlertPayload('{"uid":"S1"}');
 * assert.deepStrictEqual(decoded, { payload: { uid: "S1" } });
 * assert.ok(decodeAlertPayload("not json").problem);
 * ```
 */
export interface DecodedPayload {
  /** The alert: a parsed JSON value (normally an object), or the text when it is not JSON. */
  payload: unknown;
  /** Why the payload is not a JSON alert object, when it is not; shown as a warning. */
  problem?: string;
}

/**
 * Decodes the value the Python client would hand over (a JSON value, or text/bytes) into the alert
 * object, peeling JSON string layers. Never throws: text that is not JSON is passed on with a
 * `problem`, as the Python client passed it on with a warning; the problem names the error and
 * where it is as Python's json module does (`Payload is not valid json: Expecting ',' delimiter:
 * line 1 column 10 (char 9)`). Python's `NaN`, `Infinity` and `-Infinity` are accepted.
 *
 * @param raw the message value as hop decoded it (JSON content), or undecoded text or bytes.
 * @returns the payload and, for a payload that is not a JSON object, the reason.
 *
 * @example GraceDB's double encoding
 * ```ts
 * import assert from "node:assert";
 * import { decodeAlertPayload } from "./payload.ts";
 * const { payload } = decodeAlertPayload('{"uid":"S240615dg","alert_type":"new"}');
 * assert.strictEqual((payload as { uid: string }).uid, "S240615dg");
 * ```
 */
export function decodeAlertPayload(raw: unknown): DecodedPayload {
  let value: unknown = raw instanceof Uint8Array ? decodeText(raw) : raw;
  if (value === undefined) return { payload: value, problem: "Payload is empty" };
  if (value instanceof Uint8Array) {
    return { payload: value, problem: "Payload is binary data, not UTF-8 JSON" };
  }
  for (let layer = 0; layer < MAX_LAYERS && typeof value === "string"; layer++) {
    try {
      value = parseJson(value);
    } catch (error) {
      if (layer === 0) {
        return {
          payload: value,
          problem: `Payload is not valid json: ${(error as Error).message}`,
        };
      }
      break;
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return { payload: value, problem: `Payload is ${kind}, not a JSON object` };
  }
  return { payload: value };
}

/**
 * How {@link encodeAlert} lays an alert out on the wire: `gracedb` as the JSON text in a string,
 * as GraceDB does; `object` as the JSON object itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { type AlertEncoding, encodeAlert } from "./payload.ts";
 * const encodings: AlertEncoding[] = ["gracedb", "object"];
 * const values = encodings.map((encoding) => encodeAlert({ uid: "S1" }, encoding));
 * assert.deepStrictEqual(values, ['{"uid": "S1"}', { uid: "S1" }]);
 * ```
 */
export type AlertEncoding = "gracedb" | "object";

/**
 * The value to hand to hop's JSON model for publishing `alert`.
 *
 * - `"gracedb"` (default): the alert's JSON text, which hop sends as a JSON string literal — what
 *   GraceDB does, so Python listeners that parse the string again (GWCelery) keep working. An
 *   object is written as GraceDB's `json.dumps` writes it: `", "` and `": "` separators,
 *   characters outside ASCII as `\uXXXX` (surrogate pairs beyond the BMP), numbers as Python
 *   writes the same value. JavaScript has one number type, so a safe integer is written as an
 *   integer (`100`, never `100.0`) and any other number as Python writes that float (`0.1`,
 *   `1e-05`, `1e+16`, `-0.0`); integers beyond 2^53 need a bigint to stay exact. A string alert is
 *   taken as the text itself and must be valid JSON.
 * - `"object"`: the alert object itself, sent as plain JSON (hop writes it the same way).
 *
 * @param alert an alert object, or its JSON text.
 * @param encoding wire layout.
 * @returns a string (gracedb) or a JSON value (object).
 * @throws {SyntaxError} when a string alert is not valid JSON.
 * @throws {TypeError} when the alert cannot be serialized to JSON (e.g. `undefined`, a function).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeAlert } from "./payload.ts";
 * assert.strictEqual(encodeAlert({ uid: "S1", far: 1e-5 }), '{"uid": "S1", "far": 1e-05}');
 * assert.strictEqual((encodeAlert('{"uid":"S1"}', "object") as { uid: string }).uid, "S1");
 * ```
 */
export function encodeAlert(alert: unknown, encoding: AlertEncoding = "gracedb"): unknown {
  if (typeof alert === "string") {
    const parsed = parseJson(alert);
    return encoding === "gracedb" ? alert : parsed;
  }
  if (alert === undefined || typeof alert === "function" || typeof alert === "symbol") {
    throw new TypeError(`an alert must be JSON-serializable, got ${typeof alert}`);
  }
  const text = pythonJsonStringify(alert); // also fails for cycles and byte arrays
  return encoding === "gracedb" ? text : alert;
}

/**
 * The alert as the Python `igwn-alert listen` prints it: Python's `json.dumps` of what
 * `json.loads` makes of the payload (compact with `", "` and `": "`, or indented by four spaces
 * with `pretty`), peeling the same JSON string layers as {@link decodeAlertPayload}. When the
 * payload is JSON text, it is read as Python reads it, so numbers come out as Python writes them
 * (`1.0` stays `1.0`, `1E-5` becomes `1e-05`, integers keep every digit) and members keep their
 * order; a decoded value is written as {@link encodeAlert} writes it. Text that is not JSON is
 * returned as it is, bytes as UTF-8 text.
 *
 * @param raw the payload as the Python client handed it over (`Alert.raw`).
 * @param pretty indent by four spaces, as `json.dumps(payload, indent=4)`.
 * @returns the text, without a final newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { alertJsonText } from "./payload.ts";
 * const text = '{"uid":"S1","far":1E-5,"n":12345678901234567890,"t":1.0}';
 * assert.strictEqual(
 *   alertJsonText(text),
 *   '{"uid": "S1", "far": 1e-05, "n": 12345678901234567890, "t": 1.0}',
 * );
 * assert.strictEqual(alertJsonText({ uid: "S1" }, true), '{\n    "uid": "S1"\n}');
 * assert.strictEqual(alertJsonText("not json"), "not json");
 * ```
 */
export function alertJsonText(raw: unknown, pretty = false): string {
  const indent = pretty ? 4 : undefined;
  if (raw instanceof Uint8Array) {
    const text = decodeText(raw);
    return typeof text === "string" ? alertJsonText(text, pretty) : new TextDecoder().decode(raw);
  }
  if (typeof raw !== "string") return pythonJsonStringify(raw, indent);
  let value: PythonValue = raw;
  for (let layer = 0; layer < MAX_LAYERS && typeof value === "string"; layer++) {
    try {
      value = loadsPython(value);
    } catch {
      if (layer === 0) return raw;
      break;
    }
  }
  return pythonJsonStringify(value, indent);
}

/** JSON.parse, or Python's reading where it differs (NaN, Infinity), or Python's error. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    loadsPython(text); // throws naming the line and column where the text stops being JSON
    return parsePythonJson(text);
  }
}

function decodeText(bytes: Uint8Array): string | Uint8Array {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return bytes;
  }
}
