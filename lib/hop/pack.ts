/**
 * Turning values into Kafka messages with hop's headers, and Kafka messages back into models.
 *
 * @module
 */
import { PackError } from "./errors.ts";
import { parsePythonJson, pythonJsonBytes } from "./_python_json.ts";
import { Blob, JSONBlob } from "./models/blob.ts";
import "./models/_builtins.ts";
import {
  isMessageModel,
  lookupLegacyModel,
  lookupModel,
  type MessageModel,
  registeredFormats,
} from "./models/model.ts";
import { shortAscii } from "./_ascii.ts";

/**
 * A Kafka header: key and raw value bytes. Order matters and duplicates are allowed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Header, headerValue } from "./pack.ts";
 * const bytes = new TextEncoder().encode("a");
 * const headers: Header[] = [["origin", bytes], ["origin", new TextEncoder().encode("b")]];
 * assert.equal(headerValue(headers, "origin"), bytes);
 * ```
 */
export type Header = [key: string, value: Uint8Array];

/**
 * Headers as accepted from callers: a list of pairs or a mapping; text values go out as UTF-8.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type HeaderInput, normalizeHeaders } from "./pack.ts";
 * const pairs: HeaderInput = [["origin", "test"]];
 * const mapping: HeaderInput = { origin: new TextEncoder().encode("test") };
 * assert.deepEqual(normalizeHeaders(pairs), normalizeHeaders(mapping));
 * ```
 */
export type HeaderInput =
  | readonly (readonly [string, string | Uint8Array])[]
  | Readonly<Record<string, string | Uint8Array>>;

/**
 * Options of {@linkcode packMessage}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTestMessage, packMessage, type PackOptions } from "./pack.ts";
 * const options: PackOptions = { headers: { origin: "test" }, sender: "alice", test: true };
 * const { headers } = packMessage({ alert_type: "new" }, options);
 * assert.deepEqual(headers.map(([key]) => key), ["origin", "_id", "_sender", "_test", "_format"]);
 * assert.equal(isTestMessage(headers), true);
 * ```
 */
export interface PackOptions {
  /** User headers; they come first, in the given order. */
  headers?: HeaderInput;
  /** Username of the credential used; adds `_sender` (hop adds it only when authenticated). */
  sender?: string;
  /** Adds `_test: true`, which hop readers skip by default. */
  test?: boolean;
}

/**
 * A packed message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type PackedMessage, packMessage } from "./pack.ts";
 * const packed: PackedMessage = packMessage([1, 2]);
 * assert.equal(new TextDecoder().decode(packed.value), "[1, 2]");
 * assert.deepEqual(packed.headers.map(([key]) => key), ["_id", "_format"]);
 * ```
 */
export interface PackedMessage {
  /** The Kafka message value. */
  value: Uint8Array;
  /** User headers, then `_id`, `_sender`, `_test`, `_format`. */
  headers: Header[];
}

/**
 * The result of {@linkcode unpackMessage}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Blob } from "./models/blob.ts";
 * import { type UnpackedMessage, unpackMessage } from "./pack.ts";
 * const result: UnpackedMessage = unpackMessage(new Uint8Array([0xff]), []);
 * assert.ok(result.message instanceof Blob);
 * assert.equal(typeof result.warning, "string");
 * ```
 */
export interface UnpackedMessage {
  /** The decoded model (a {@linkcode Blob} when nothing better applies). */
  message: MessageModel;
  /** Why the message was delivered as a Blob, when it was (for a log line). */
  warning?: string;
}

const encoder = new TextEncoder();
const TRUE = encoder.encode("true");

// `_sender` and `_format` values repeat on every message of a producer; their bytes are made once
// (a bounded cache, so unusual callers cannot grow it without limit).
const headerTextBytes = new Map<string, Uint8Array>();

function headerText(text: string): Uint8Array {
  let bytes = headerTextBytes.get(text);
  if (bytes === undefined) {
    bytes = encoder.encode(text);
    if (headerTextBytes.size < 256) headerTextBytes.set(text, bytes);
  }
  return bytes;
}

/**
 * Copies caller headers into our form without touching the caller's list (hop appends to it).
 *
 * @param headers list of pairs or mapping
 * @returns a new list
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { normalizeHeaders } from "@igwn/alert";
 * assert.deepStrictEqual(normalizeHeaders({ origin: "test" }), [
 *   ["origin", new TextEncoder().encode("test")],
 * ]);
 * ```
 */
export function normalizeHeaders(headers: HeaderInput | undefined): Header[] {
  if (headers === undefined) return [];
  const pairs = Array.isArray(headers)
    ? headers as readonly (readonly [string, string | Uint8Array])[]
    : Object.entries(headers as Record<string, string | Uint8Array>);
  return pairs.map(([key, value]) => {
    if (typeof key !== "string") throw new PackError("header keys must be strings");
    if (typeof value === "string") return [key, encoder.encode(value)];
    if (value instanceof Uint8Array) return [key, value];
    throw new PackError(`header '${key}' must be a string or Uint8Array`);
  });
}

/**
 * 16 random bytes laid out as an RFC 4122 version-4 UUID (the `_id` header): a view into a pool
 * of random bytes drawn 4 KB at a time.
 *
 * @returns the bytes
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatUuid, randomUuidBytes } from "@igwn/alert";
 * assert.match(formatUuid(randomUuidBytes()), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
 * ```
 */
export function randomUuidBytes(): Uint8Array {
  if (uuidPoolUsed === UUID_POOL_BYTES) {
    uuidPool = crypto.getRandomValues(new Uint8Array(UUID_POOL_BYTES));
    uuidPoolUsed = 0;
  }
  const bytes = uuidPool.subarray(uuidPoolUsed, uuidPoolUsed += 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return bytes;
}

// Random bytes are drawn 4 KB at a time: one call to the system's generator per 256 UUIDs.
const UUID_POOL_BYTES = 4_096;
let uuidPool = new Uint8Array(UUID_POOL_BYTES);
let uuidPoolUsed = UUID_POOL_BYTES;

/**
 * Formats 16 UUID bytes in the usual 8-4-4-4-12 hexadecimal form.
 *
 * @param bytes 16 bytes
 * @returns the text form
 * @throws {TypeError} when not 16 bytes
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatUuid } from "@igwn/alert";
 * assert.strictEqual(formatUuid(new Uint8Array(16)), "00000000-0000-0000-0000-000000000000");
 * ```
 */
export function formatUuid(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new TypeError(`a UUID has 16 bytes, not ${bytes.length}`);
  let text = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text += "-";
    text += HEX_BYTES[bytes[i]];
  }
  return text;
}

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "Object";
  return typeof value;
}

function encodeValue(message: unknown): { value: Uint8Array; format: string } {
  if (isMessageModel(message)) return { value: message.serialize(), format: message.format };
  // Checked before JSON: JavaScript would happily write a byte array as an object of indices.
  if (message instanceof Uint8Array) return { value: message, format: "blob" };
  if (message instanceof ArrayBuffer) return { value: new Uint8Array(message), format: "blob" };
  if (ArrayBuffer.isView(message)) {
    return {
      value: new Uint8Array(message.buffer, message.byteOffset, message.byteLength),
      format: "blob",
    };
  }
  try {
    return { value: pythonJsonBytes(message), format: "json" };
  } catch (error) {
    throw new PackError(
      `Unable to pack a message of type ${
        typeName(message)
      } which is not bytes and cannot be serialized to JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Encodes a value as hop does: a model by its own serialization and format name; bytes as `blob`;
 * anything else as Python-style JSON (`json`; a string is sent quoted). Headers are the user's
 * (first, in order), then `_id` (16 raw UUIDv4 bytes), `_sender` (when `sender` is given),
 * `_test`=`true` (when `test`), `_format`. The caller's header list is never modified. JSON values
 * and `_id` bytes are views into buffers shared with other messages (fewer allocations per
 * message): use `byteOffset`/`byteLength`, or `slice()`, before touching their `buffer`.
 *
 * @param message a model, bytes or a JSON value
 * @param options headers, sender, test flag
 * @returns value and headers
 * @throws {PackError} for values that are neither models, bytes nor JSON
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { packMessage } from "@igwn/alert";
 * const { value, headers } = packMessage({ alert_type: "new" }, { sender: "alice", test: true });
 * assert.strictEqual(new TextDecoder().decode(value), '{"alert_type": "new"}');
 * assert.deepStrictEqual(headers.map(([key]) => key), [ "_id", "_sender", "_test", "_format" ]);
 * ```
 */
export function packMessage(message: unknown, options: PackOptions = {}): PackedMessage {
  const headers = normalizeHeaders(options.headers);
  const { value, format } = encodeValue(message);
  headers.push(["_id", randomUuidBytes()]);
  if (options.sender !== undefined) headers.push(["_sender", headerText(options.sender)]);
  if (options.test) headers.push(["_test", TRUE]);
  headers.push(["_format", headerText(format)]);
  return { value, headers };
}

/**
 * The value of the first header named `key`, if any.
 *
 * @param headers message headers
 * @param key header name
 * @returns the value bytes or `undefined`
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { headerValue, packMessage } from "@igwn/alert";
 * const { headers } = packMessage(1);
 * assert.strictEqual(new TextDecoder().decode(headerValue(headers, "_format")), "json");
 * ```
 */
export function headerValue(
  headers: readonly (readonly [string, Uint8Array])[],
  key: string,
): Uint8Array | undefined {
  return headers.find(([name]) => name === key)?.[1];
}

/**
 * hop's test-message rule: a `_test` header, whatever its value, marks a test message.
 *
 * @param headers message headers
 * @returns true for test messages
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { isTestMessage, packMessage } from "@igwn/alert";
 * assert.strictEqual(isTestMessage(packMessage("x", { test: true }).headers), true);
 * ```
 */
export function isTestMessage(headers: readonly (readonly [string, Uint8Array])[]): boolean {
  for (let i = 0; i < headers.length; i++) if (headers[i][0] === "_test") return true;
  return false;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function asBlob(value: Uint8Array | null, warning: string): UnpackedMessage {
  return { message: new Blob(value ?? new Uint8Array()), warning };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function unpackLegacy(value: Uint8Array, decoded: unknown): UnpackedMessage {
  const envelope = decoded as { format?: unknown; content?: unknown };
  if (
    typeof decoded !== "object" || decoded === null || Array.isArray(decoded) ||
    !("format" in envelope) || !("content" in envelope)
  ) {
    return { message: new JSONBlob(decoded) };
  }
  // Before the _format header existed, "blob" was the label of JSON content.
  if (envelope.format === "blob") return { message: new JSONBlob(envelope.content) };
  const format = String(envelope.format);
  const fromContent = lookupLegacyModel(format);
  if (fromContent === undefined) {
    return asBlob(
      value,
      `Legacy message format ${format.toUpperCase()} not recognized; returning a Blob`,
    );
  }
  try {
    return { message: fromContent(envelope.content) };
  } catch (error) {
    return asBlob(
      value,
      `Could not decode legacy ${format} message (${errorText(error)}); returning a Blob`,
    );
  }
}

/**
 * Decodes a Kafka message as hop does, but never throws: the first `_format` header (any letter
 * case) picks the model; without one, a legacy `{"format", "content"}` JSON envelope, or any JSON
 * value as {@linkcode JSONBlob}. An unknown format, undecodable content, text that is not UTF-8 or
 * not JSON, and a null value all give a {@linkcode Blob} of the raw bytes plus a `warning`.
 *
 * @param value message value (`null` for a tombstone)
 * @param headers message headers
 * @returns the model and, when it fell back to a Blob, why
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { JSONBlob, packMessage, unpackMessage } from "@igwn/alert";
 * const { value, headers } = packMessage({ a: 1 });
 * const { message } = unpackMessage(value, headers);
 * assert.deepStrictEqual(message instanceof JSONBlob && message.content, { a: 1 });
 * ```
 */
export function unpackMessage(
  value: Uint8Array | null,
  headers: readonly (readonly [string, Uint8Array])[],
): UnpackedMessage {
  const formatHeader = headerValue(headers, "_format");
  if (formatHeader !== undefined) {
    let format: string | undefined = shortAscii(formatHeader, 32);
    if (format === undefined) {
      try {
        format = strictUtf8.decode(formatHeader);
      } catch {
        return asBlob(value, "Message format header is not UTF-8; returning a Blob");
      }
    }
    const decode = lookupModel(format);
    if (decode === undefined) {
      return asBlob(
        value,
        `Message format ${format.toUpperCase()} not recognized; returning a Blob ` +
          `(known formats: ${registeredFormats().map((name) => name.toUpperCase()).join(", ")})`,
      );
    }
    if (value === null) {
      return asBlob(value, `Message of format ${format} has no value; returning an empty Blob`);
    }
    try {
      return { message: decode(value) };
    } catch (error) {
      return asBlob(
        value,
        `Could not decode message of format ${format} (${errorText(error)}); returning a Blob`,
      );
    }
  }
  if (value === null) return asBlob(value, "Message has no value; returning an empty Blob");
  let decoded: unknown;
  try {
    decoded = parsePythonJson(strictUtf8.decode(value));
  } catch {
    return asBlob(value, "Unknown message format; returning a Blob");
  }
  return unpackLegacy(value, decoded);
}
