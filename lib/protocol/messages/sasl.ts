/**
 * SaslHandshake (api key 17) v0-v1 and SaslAuthenticate (api key 36) v0-v1. Neither has a
 * throttle field.
 *
 * @module
 */

import type { ProtocolReader } from "../reader.ts";
import type { ProtocolWriter } from "../writer.ts";

/**
 * Decodes a SaslHandshake request body.
 *
 * @param r reader positioned after the request header
 * @returns the mechanism name as sent
 * @throws {ProtocolDecodeError} for truncated input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeSaslHandshakeRequest } from "./sasl.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const body = new ProtocolWriter().string("PLAIN").finish();
 * assert.strictEqual(decodeSaslHandshakeRequest(new ProtocolReader(body)), "PLAIN");
 * ```
 */
export function decodeSaslHandshakeRequest(r: ProtocolReader): string {
  return r.string();
}

/**
 * Encodes a SaslHandshake response; the enabled mechanisms are listed even with an error.
 *
 * @param w writer positioned after the response header
 * @param errorCode 0, 33 (unsupported mechanism) or 34 (illegal state)
 * @param mechanisms enabled mechanisms
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeSaslHandshakeResponse } from "./sasl.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * // UNSUPPORTED_SASL_MECHANISM (33), listing the mechanisms the broker has.
 * encodeSaslHandshakeResponse(w, 33, ["PLAIN", "SCRAM-SHA-512"]);
 * const r = new ProtocolReader(w.finish());
 * assert.strictEqual(r.int16(), 33);
 * assert.deepStrictEqual(r.array((r) => r.string()), ["PLAIN", "SCRAM-SHA-512"]);
 * ```
 */
export function encodeSaslHandshakeResponse(
  w: ProtocolWriter,
  errorCode: number,
  mechanisms: readonly string[],
): void {
  w.int16(errorCode).array(mechanisms, (w, m) => w.string(m));
}

/**
 * Decodes a SaslAuthenticate request body.
 *
 * @param r reader positioned after the request header
 * @returns the SASL token (a view of the request frame)
 * @throws {ProtocolDecodeError} for truncated input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeSaslAuthenticateRequest } from "./sasl.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const body = new ProtocolWriter().bytes(new Uint8Array([0, 117, 0, 112])).finish();
 * assert.strictEqual(decodeSaslAuthenticateRequest(new ProtocolReader(body)).length, 4);
 * ```
 */
export function decodeSaslAuthenticateRequest(r: ProtocolReader): Uint8Array {
  return r.bytes();
}

/**
 * Encodes a SaslAuthenticate response. The session lifetime (v1+) is always 0, so clients never
 * re-authenticate.
 *
 * @param w writer positioned after the response header
 * @param version request version (0-1)
 * @param answer error, message and the mechanism's response token
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeSaslAuthenticateResponse } from "./sasl.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeSaslAuthenticateResponse(w, 1, {
 *   errorCode: 58, errorMessage: "Authentication failed", token: new Uint8Array(0),
 * });
 * const r = new ProtocolReader(w.finish());
 * assert.deepStrictEqual(
 *   [r.int16(), r.nullableString(), r.bytes(), r.int64()],
 *   [58, "Authentication failed", new Uint8Array(0), 0n], // v1 adds the session lifetime
 * );
 * ```
 */
export function encodeSaslAuthenticateResponse(
  w: ProtocolWriter,
  version: number,
  answer: {
    errorCode: number;
    errorMessage: string | null;
    token: Uint8Array;
    sessionLifetimeMs?: number;
  },
): void {
  w.int16(answer.errorCode).string(answer.errorMessage).bytes(answer.token);
  if (version >= 1) w.int64(BigInt(Math.max(0, Math.floor(answer.sessionLifetimeMs ?? 0))));
}

/**
 * Decodes a SaslHandshake response (v0-1), as a client reads it.
 *
 * @param r reader positioned after the response header
 * @returns the error code and the mechanisms the broker enables
 * @throws {ProtocolDecodeError} for truncated input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeSaslHandshakeResponse, encodeSaslHandshakeResponse } from "./sasl.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeSaslHandshakeResponse(w, 33, ["PLAIN"]);
 * assert.deepStrictEqual(decodeSaslHandshakeResponse(new ProtocolReader(w.finish())), {
 *   errorCode: 33,
 *   mechanisms: ["PLAIN"],
 * });
 * ```
 */
export function decodeSaslHandshakeResponse(
  r: ProtocolReader,
): { errorCode: number; mechanisms: string[] } {
  return { errorCode: r.int16(), mechanisms: r.array((r) => r.string()) };
}

/**
 * Decodes a SaslAuthenticate response (v0-1), as a client reads it.
 *
 * @param r reader positioned after the response header
 * @param version request version (0-1)
 * @returns the error code and message, the mechanism's token, and (v1) the session lifetime
 * @throws {ProtocolDecodeError} for truncated input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeSaslAuthenticateResponse, encodeSaslAuthenticateResponse } from "./sasl.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * const token = new Uint8Array([1, 2]);
 * encodeSaslAuthenticateResponse(w, 1, { errorCode: 0, errorMessage: null, token });
 * assert.deepStrictEqual(decodeSaslAuthenticateResponse(new ProtocolReader(w.finish()), 1), {
 *   errorCode: 0,
 *   errorMessage: null,
 *   token,
 *   sessionLifetimeMs: 0,
 * });
 * ```
 */
export function decodeSaslAuthenticateResponse(
  r: ProtocolReader,
  version: number,
): {
  errorCode: number;
  errorMessage: string | null;
  token: Uint8Array;
  sessionLifetimeMs: number;
} {
  const errorCode = r.int16();
  const errorMessage = r.nullableString();
  const token = r.bytes();
  return { errorCode, errorMessage, token, sessionLifetimeMs: version >= 1 ? r.int64Number() : 0 };
}
