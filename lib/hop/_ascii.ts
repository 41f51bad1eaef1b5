/**
 * Short ASCII words (hop's format names and header values) as text, without a call into the
 * runtime's decoder for each message.
 *
 * @module
 */

/**
 * The bytes as text when they are at most `limit` ASCII bytes, else undefined (the caller then
 * decodes them in full).
 *
 * @param bytes the bytes
 * @param limit the longest input handled here
 * @returns the text, or undefined
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shortAscii } from "./_ascii.ts";
 * assert.equal(shortAscii(new TextEncoder().encode("json"), 32), "json");
 * assert.equal(shortAscii(new TextEncoder().encode("café"), 32), undefined);
 * ```
 */
export function shortAscii(bytes: Uint8Array, limit: number): string | undefined {
  if (bytes.length > limit) return undefined;
  let text = "";
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte >= 0x80) return undefined;
    text += String.fromCharCode(byte);
  }
  return text;
}
