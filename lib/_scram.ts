/**
 * The cryptography and encodings SCRAM (RFC 5802, RFC 7677) needs on both sides of an
 * authentication: the salted password, HMAC and hash through WebCrypto, a constant-time compare
 * and strict base64. The broker's server side and the direct connection's client side use them.
 *
 * @module
 */

/** The hash of a SCRAM mechanism, as WebCrypto names it. */
export type ScramHash = "SHA-256" | "SHA-512";

/** Printable ASCII except ",", as RFC 5802 allows in nonces. */
export const SCRAM_NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

const encoder = new TextEncoder();

/**
 * Bytes of a hash's output.
 *
 * @param hash the hash
 * @returns 32 or 64
 */
export function hashLength(hash: ScramHash): number {
  return hash === "SHA-256" ? 32 : 64;
}

/**
 * SaltedPassword: PBKDF2 of the password with the salt and iteration count.
 *
 * @param hash the mechanism's hash
 * @param password the password (UTF-8)
 * @param salt the salt
 * @param iterations the iteration count
 * @returns the salted password
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saltedPassword } from "./_scram.ts";
 * const salted = await saltedPassword("SHA-256", "pencil", new Uint8Array(16), 4096);
 * assert.equal(salted.length, 32);
 * ```
 */
export async function saltedPassword(
  hash: ScramHash,
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash, salt, iterations },
    key,
    hashLength(hash) * 8,
  );
  return new Uint8Array(bits);
}

/**
 * HMAC of a text with a key.
 *
 * @param hash the mechanism's hash
 * @param key the key
 * @param data the text (UTF-8)
 * @returns the HMAC
 */
export async function hmac(
  hash: ScramHash,
  key: Uint8Array<ArrayBuffer>,
  data: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(data)));
}

/**
 * The hash of some bytes.
 *
 * @param hash the mechanism's hash
 * @param data the bytes
 * @returns the digest
 */
export async function digest(
  hash: ScramHash,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest(hash, data));
}

/**
 * Byte-wise exclusive or of two strings of bytes of the same length.
 *
 * @param a first
 * @param b second
 * @returns `a ^ b`
 */
export function xor(a: Uint8Array<ArrayBuffer>, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

/**
 * Whether two strings of bytes are equal, without an early exit, so the time taken does not tell
 * how many bytes matched.
 *
 * @param a first
 * @param b second
 * @returns true when equal
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

/**
 * Base64 of some bytes.
 *
 * @param bytes the bytes
 * @returns standard base64 with padding
 */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * Strict RFC 4648 base64 (no whitespace, correct padding).
 *
 * @param text the base64 text
 * @returns the bytes, or undefined when malformed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeBase64, encodeBase64 } from "./_scram.ts";
 * assert.deepEqual(decodeBase64(encodeBase64(new Uint8Array([1, 2, 250]))), new Uint8Array([1, 2, 250]));
 * assert.equal(decodeBase64("AQI"), undefined);
 * ```
 */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}
