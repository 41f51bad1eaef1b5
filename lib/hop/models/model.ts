/**
 * The message model interface and the registry mapping `_format` names to decoders.
 *
 * @module
 */

/**
 * A message that knows its hop format name and its wire bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import type { MessageModel } from "@igwn/alert";
 * class Ping implements MessageModel {
 *   readonly format = "ping";
 *   serialize(): Uint8Array {
 *     return new TextEncoder().encode("ping");
 *   }
 * }
 * assert.strictEqual(new TextDecoder().decode(new Ping().serialize()), "ping");
 * ```
 */
export interface MessageModel {
  /** Lower-case format name sent in the `_format` header. */
  readonly format: string;
  /** The Kafka message value. */
  serialize(): Uint8Array;
  /** What a subscriber prints (hop's `bytes(model)`); defaults to `serialize()`. */
  toBytes?(): Uint8Array;
}

/**
 * Builds a model from a message value; may throw for malformed data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupModel, type ModelDecoder } from "./model.ts";
 * import "../pack.ts";
 * const decode: ModelDecoder | undefined = lookupModel("json");
 * const model = decode?.(new TextEncoder().encode('{"a": 1}'));
 * assert.equal(model?.format, "json");
 * ```
 */
export type ModelDecoder = (value: Uint8Array) => MessageModel;

/**
 * Builds a model from the `content` of a legacy `{"format", "content"}` JSON envelope.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type LegacyContentDecoder, lookupLegacyModel } from "./model.ts";
 * import "../pack.ts";
 * const fromContent: LegacyContentDecoder | undefined = lookupLegacyModel("json");
 * assert.equal(fromContent?.({ a: 1 }).format, "json");
 * ```
 */
export type LegacyContentDecoder = (content: unknown) => MessageModel;

interface RegistryEntry {
  decode: ModelDecoder;
  fromLegacyContent?: LegacyContentDecoder;
}

const registry = new Map<string, RegistryEntry>();

/**
 * Registers (or replaces) the decoder for a format name; lookups ignore letter case, as hop's do.
 *
 * @param format format name as sent in `_format` (e.g. `"ping"`)
 * @param decode builds the model from the message value
 * @param fromLegacyContent builds the model from a legacy JSON envelope's `content`, if the format
 *   ever travelled that way
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Blob, registerModel, unpackMessage } from "@igwn/alert";
 * registerModel("ping", (value) => new Blob(value));
 * const { message } = unpackMessage(new Uint8Array(), [["_format", new TextEncoder().encode("PING")]]);
 * assert.strictEqual(message instanceof Blob, true);
 * ```
 */
export function registerModel(
  format: string,
  decode: ModelDecoder,
  fromLegacyContent?: LegacyContentDecoder,
): void {
  if (format === "") throw new TypeError("a model format name may not be empty");
  registry.set(format.toLowerCase(), { decode, fromLegacyContent });
}

/**
 * The decoder registered for a format name (any letter case), if any.
 *
 * @param format format name
 * @returns the decoder or `undefined`
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { lookupModel } from "@igwn/alert";
 * assert.strictEqual(lookupModel("JSON") !== undefined, true);
 * ```
 */
export function lookupModel(format: string): ModelDecoder | undefined {
  return registry.get(format.toLowerCase())?.decode;
}

/**
 * The legacy-envelope decoder registered for a format name, if any.
 *
 * @param format format name
 * @returns the decoder or `undefined`
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { lookupLegacyModel } from "@igwn/alert";
 * assert.strictEqual(lookupLegacyModel("circular") !== undefined, true);
 * ```
 */
export function lookupLegacyModel(format: string): LegacyContentDecoder | undefined {
  return registry.get(format.toLowerCase())?.fromLegacyContent;
}

/**
 * Registered format names, lower-case, in registration order.
 *
 * @returns names such as `blob`, `json`, `voevent`
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { registeredFormats } from "@igwn/alert";
 * assert.strictEqual(registeredFormats().includes("voevent"), true);
 * ```
 */
export function registeredFormats(): string[] {
  return [...registry.keys()];
}

/**
 * What a subscriber prints for a message: the model's `toBytes()` if it has one (circulars print
 * as email-style text), else its wire bytes.
 *
 * @param message any model
 * @returns the bytes
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { JSONBlob, messageBytes } from "@igwn/alert";
 * assert.strictEqual(new TextDecoder().decode(messageBytes(new JSONBlob({ a: 1 }))), '{"a": 1}');
 * ```
 */
export function messageBytes(message: MessageModel): Uint8Array {
  return message.toBytes ? message.toBytes() : message.serialize();
}

/**
 * Whether a value looks like a message model (has a string `format` and a `serialize` method).
 *
 * @param value anything
 * @returns true for models
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Blob, isMessageModel } from "@igwn/alert";
 * assert.deepStrictEqual([isMessageModel(new Blob(new Uint8Array())), isMessageModel({})], [true, false]);
 * ```
 */
export function isMessageModel(value: unknown): value is MessageModel {
  return typeof value === "object" && value !== null &&
    typeof (value as MessageModel).format === "string" &&
    typeof (value as MessageModel).serialize === "function";
}
