/**
 * Signed JSON Web Tokens (RFC 7519) with RS256 or ES256, made and checked with WebCrypto: what the
 * broker's OAUTHBEARER listener accepts and what the local token endpoint issues.
 *
 * @module
 */

/**
 * The JWS algorithms supported: RSASSA-PKCS1-v1_5 and ECDSA P-256, both with SHA-256.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { JwtAlgorithm } from "./jwt.ts";
 * const algorithm: JwtAlgorithm = "ES256";
 * assert.equal(algorithm, "ES256");
 * ```
 */
export type JwtAlgorithm = "RS256" | "ES256";

/**
 * A key pair that signs tokens, with its public half as a JWK to give to the broker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey, type SigningKey } from "./jwt.ts";
 * const key: SigningKey = await generateSigningKey("RS256");
 * assert.equal(key.publicJwk.kty, "RSA");
 * ```
 */
export interface SigningKey {
  /** `RS256` or `ES256`. */
  algorithm: JwtAlgorithm;
  /** Key id written into each token's header. */
  keyId: string;
  /** The private key. */
  privateKey: CryptoKey;
  /** The public key as a JWK (with `alg` and `kid`). */
  publicJwk: JsonWebKey & { kid?: string };
}

/**
 * The claims the broker reads from a token.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { JwtClaims } from "./jwt.ts";
 * const claims: JwtClaims = { sub: "alice", exp: 2_000_000_000 };
 * assert.equal(claims.sub, "alice");
 * ```
 */
export interface JwtClaims {
  /** Subject: the principal. */
  sub?: string;
  /** Expiry, seconds since the epoch. */
  exp?: number;
  /** Issued at, seconds since the epoch. */
  iat?: number;
  /** Not before, seconds since the epoch. */
  nbf?: number;
  /** Issuer. */
  iss?: string;
  /** Audience(s). */
  aud?: string | string[];
  /** Other claims. */
  [claim: string]: unknown;
}

/**
 * Why a token was refused, in words fit for a SASL error message (never the token itself).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JwtError } from "./jwt.ts";
 * assert.equal(new JwtError("the token has expired").name, "JwtError");
 * ```
 */
export class JwtError extends Error {
  /**
   * Creates the error.
   *
   * @param message what is wrong with the token
   */
  constructor(message: string) {
    super(message);
    this.name = "JwtError";
  }
}

const PARAMS = {
  RS256: {
    generate: {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    sign: { name: "RSASSA-PKCS1-v1_5" },
  },
  ES256: {
    generate: { name: "ECDSA", namedCurve: "P-256" },
    import: { name: "ECDSA", namedCurve: "P-256" },
    sign: { name: "ECDSA", hash: "SHA-256" },
  },
} as const;

/**
 * Makes a new signing key pair.
 *
 * @param algorithm `ES256` (default) or `RS256`
 * @returns the key pair with its public JWK
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey } from "./jwt.ts";
 * const key = await generateSigningKey();
 * assert.deepEqual([key.algorithm, key.publicJwk.kty, key.publicJwk.crv], ["ES256", "EC", "P-256"]);
 * assert.equal("d" in key.publicJwk, false); // no private part
 * ```
 */
export async function generateSigningKey(algorithm: JwtAlgorithm = "ES256"): Promise<SigningKey> {
  const pair = await crypto.subtle.generateKey(PARAMS[algorithm].generate, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const keyId = base64url(crypto.getRandomValues(new Uint8Array(9)));
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  delete jwk.key_ops;
  delete jwk.ext;
  return {
    algorithm,
    keyId,
    privateKey: pair.privateKey,
    publicJwk: { ...jwk, alg: algorithm, use: "sig", kid: keyId },
  };
}

/**
 * Signs claims into a compact JWT.
 *
 * @param key the signing key
 * @param claims the payload
 * @returns `header.payload.signature`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey, signJwt, verifyJwt } from "./jwt.ts";
 * const key = await generateSigningKey("ES256");
 * const token = await signJwt(key, { sub: "alice", exp: Math.floor(Date.now() / 1000) + 60 });
 * assert.equal((await verifyJwt(token, key.publicJwk)).sub, "alice");
 * ```
 */
export async function signJwt(key: SigningKey, claims: JwtClaims): Promise<string> {
  const header = { alg: key.algorithm, typ: "JWT", kid: key.keyId };
  const input = `${base64url(utf8(JSON.stringify(header)))}.${
    base64url(utf8(JSON.stringify(claims)))
  }`;
  const signature = await crypto.subtle.sign(
    PARAMS[key.algorithm].sign,
    key.privateKey,
    utf8(input),
  );
  return `${input}.${base64url(new Uint8Array(signature))}`;
}

/** What {@linkcode verifyJwt} checks besides the signature. */
export interface JwtChecks {
  /** Required audience: the token's `aud` must be or contain it. */
  audience?: string;
  /** Required issuer. */
  issuer?: string;
  /** Tolerated clock difference in seconds (default 0). */
  clockSkewSeconds?: number;
  /** The current time in ms (default `Date.now()`). */
  now?: number;
}

/**
 * Checks a compact JWT: an RS256 or ES256 signature by `publicKey`, `exp` in the future (required),
 * `nbf` passed, a `sub`, and the audience and issuer when asked for.
 *
 * @param token the compact JWT
 * @param publicKey the issuer's public key, as a JWK or a WebCrypto key
 * @param checks audience, issuer, clock skew
 * @returns the claims
 * @throws {JwtError} naming what is wrong
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey, signJwt, verifyJwt } from "./jwt.ts";
 * const key = await generateSigningKey("RS256");
 * const exp = Math.floor(Date.now() / 1000) + 60;
 * const token = await signJwt(key, { sub: "alice", exp, aud: "kafka" });
 * assert.equal((await verifyJwt(token, key.publicJwk, { audience: "kafka" })).exp, exp);
 * await assert.rejects(verifyJwt(token, key.publicJwk, { audience: "other" }), /audience/);
 * const other = await generateSigningKey("RS256");
 * await assert.rejects(verifyJwt(token, other.publicJwk), /signature/);
 * ```
 */
export async function verifyJwt(
  token: string,
  publicKey: JsonWebKey | CryptoKey,
  checks: JwtChecks = {},
): Promise<JwtClaims & { sub: string; exp: number }> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("the token is not a signed JWT");
  const header = decodeJson(parts[0], "header");
  const claims = decodeJson(parts[1], "payload") as JwtClaims;
  const algorithm = header.alg;
  if (algorithm !== "RS256" && algorithm !== "ES256") {
    throw new JwtError(`the token's algorithm ${JSON.stringify(algorithm)} is not RS256 or ES256`);
  }
  const key = await importVerifyKey(publicKey, algorithm);
  const signature = fromBase64url(parts[2]);
  if (!signature) throw new JwtError("the token's signature is not base64url");
  const valid = await crypto.subtle.verify(
    PARAMS[algorithm].sign,
    key,
    signature,
    utf8(`${parts[0]}.${parts[1]}`),
  ).catch(() => false);
  if (!valid) throw new JwtError("the token's signature does not verify with the broker's key");
  const now = (checks.now ?? Date.now()) / 1000;
  const skew = checks.clockSkewSeconds ?? 0;
  if (typeof claims.exp !== "number") throw new JwtError("the token has no exp claim");
  if (claims.exp + skew <= now) throw new JwtError("the token has expired");
  if (typeof claims.nbf === "number" && claims.nbf - skew > now) {
    throw new JwtError("the token is not valid yet (nbf)");
  }
  if (typeof claims.sub !== "string" || claims.sub === "") {
    throw new JwtError("the token has no sub claim");
  }
  if (checks.audience !== undefined) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(checks.audience)) {
      throw new JwtError(`the token's audience does not include ${checks.audience}`);
    }
  }
  if (checks.issuer !== undefined && claims.iss !== checks.issuer) {
    throw new JwtError(`the token's issuer is not ${checks.issuer}`);
  }
  return claims as JwtClaims & { sub: string; exp: number };
}

async function importVerifyKey(
  key: JsonWebKey | CryptoKey,
  algorithm: JwtAlgorithm,
): Promise<CryptoKey> {
  if (key instanceof CryptoKey) {
    const expected = PARAMS[algorithm].import.name;
    if (key.algorithm.name !== expected) {
      throw new JwtError(`the token is signed with ${algorithm}, the broker's key is not`);
    }
    return key;
  }
  const expectedKty = algorithm === "RS256" ? "RSA" : "EC";
  if (key.kty !== expectedKty || (key.alg !== undefined && key.alg !== algorithm)) {
    throw new JwtError(`the token is signed with ${algorithm}, the broker's key is not`);
  }
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _ops, ...pub } = key;
  try {
    return await crypto.subtle.importKey("jwk", pub, PARAMS[algorithm].import, false, ["verify"]);
  } catch (error) {
    throw new JwtError(`the broker's public key cannot be used: ${(error as Error).message}`);
  }
}

const encoder = new TextEncoder();

function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(
      text.replaceAll("-", "+").replaceAll("_", "/").padEnd(Math.ceil(text.length / 4) * 4, "="),
    );
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  const bytes = fromBase64url(part);
  try {
    const value = bytes && JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value;
  } catch {
    // reported below
  }
  throw new JwtError(`the token's ${what} is not a base64url JSON object`);
}
