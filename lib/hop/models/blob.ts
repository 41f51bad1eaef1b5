/**
 * Raw bytes (`blob`) and any JSON value (`json`).
 *
 * @module
 */
import { parsePythonJson, pythonJsonBytes, pythonJsonStringify } from "../_python_json.ts";
import type { MessageModel } from "./model.ts";

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Opaque bytes, sent unchanged with `_format: blob`. A string is taken as its UTF-8 bytes (hop
 * stores the Python str and then fails to send it).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Blob } from "@igwn/alert";
 * const blob = new Blob("hello");
 * assert.deepStrictEqual([blob.content.length, blob.format], [5, "blob"]);
 * ```
 */
export class Blob implements MessageModel {
  /** Always `"blob"`. */
  readonly format = "blob";
  /** The bytes. */
  readonly content: Uint8Array;

  /**
   * Creates a Blob.
   *
   * @param content bytes, or text to send as UTF-8 */
  constructor(content: Uint8Array | string) {
    this.content = typeof content === "string" ? encoder.encode(content) : content;
  }

  /**
   * Builds a Blob from a message value.
   *
   * @param value message bytes
   * @returns the Blob
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { Blob } from "@igwn/alert";
   * assert.deepStrictEqual(Blob.load(new Uint8Array([1, 2])).content, new Uint8Array([1, 2]));
   * ```
   */
  static load(value: Uint8Array | string): Blob {
    return new Blob(value);
  }

  /** The content unchanged. */
  serialize(): Uint8Array {
    return this.content;
  }

  /** The content decoded as UTF-8 (invalid sequences become U+FFFD). */
  toString(): string {
    return new TextDecoder().decode(this.content);
  }
}

/**
 * Any JSON value, sent as JSON text written like Python's `json.dumps` (`", "` and `": "`
 * separators, non-ASCII as `\uXXXX`) with `_format: json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { JSONBlob } from "@igwn/alert";
 * const message = new JSONBlob({ superevent_id: "S240615dg", far: 1e-10 });
 * assert.strictEqual(
 *   new TextDecoder().decode(message.serialize()),
 *   '{"superevent_id": "S240615dg", "far": 1e-10}',
 * );
 * ```
 */
export class JSONBlob implements MessageModel {
  /** Always `"json"`. */
  readonly format = "json";

  /**
   * Creates a JSONBlob.
   *
   * @param content any JSON value */
  constructor(readonly content: unknown) {}

  /**
   * Parses JSON text or UTF-8 bytes; Python's bare `NaN`/`Infinity` tokens are accepted.
   *
   * @param input JSON text or bytes
   * @returns the JSONBlob
   * @throws {SyntaxError} for invalid JSON or UTF-8
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { JSONBlob } from "@igwn/alert";
   * assert.deepStrictEqual(JSONBlob.load('{"foo":"bar", "baz":5}').content, { foo: "bar", baz: 5 });
   * ```
   */
  static load(input: Uint8Array | string): JSONBlob {
    const text = typeof input === "string" ? input : strictUtf8.decode(input);
    return new JSONBlob(parsePythonJson(text));
  }

  /** Python-style JSON text as UTF-8 (a view that may share its `buffer` with other messages). */
  serialize(): Uint8Array {
    return pythonJsonBytes(this.content);
  }

  /** The same JSON text. */
  toString(): string {
    return pythonJsonStringify(this.content);
  }
}
