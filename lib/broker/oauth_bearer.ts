/**
 * Server side of SASL OAUTHBEARER (RFC 7628) as Kafka brokers speak it: the client's single
 * message carries a bearer token, here a signed JWT checked offline against a key the broker is
 * given. The token's subject becomes the connection's principal; its expiry bounds the session
 * (KIP-368: the client re-authenticates before then, or the connection is closed).
 *
 * @module
 */

import { type JwtChecks, JwtError, verifyJwt } from "./jwt.ts";
import { SaslAuthenticationError, type SaslSession, type SaslStep } from "./sasl.ts";

/**
 * How the broker checks OAUTHBEARER tokens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey } from "./jwt.ts";
 * import type { OAuthBearerOptions } from "./oauth_bearer.ts";
 * const key = await generateSigningKey();
 * const options: OAuthBearerOptions = { publicKey: key.publicJwk, audience: "kafka" };
 * assert.equal(options.audience, "kafka");
 * ```
 */
export interface OAuthBearerOptions {
  /** The token issuer's public key (RS256 or ES256), as a JWK or a WebCrypto key. */
  publicKey: JsonWebKey | CryptoKey;
  /** Audience every token must name (its `aud` claim); not checked when omitted. */
  audience?: string;
  /** Issuer every token must name (its `iss` claim); not checked when omitted. */
  issuer?: string;
  /** Tolerated clock difference, in seconds (default 0). */
  clockSkewSeconds?: number;
}

const SEPARATOR = "\x01";

/**
 * Starts one connection's OAUTHBEARER exchange.
 *
 * @param options key, audience and issuer to check tokens against
 * @returns a session that accepts one client message
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey, signJwt } from "./jwt.ts";
 * import { startOAuthBearer } from "./oauth_bearer.ts";
 * const key = await generateSigningKey();
 * const exp = Math.floor(Date.now() / 1000) + 60;
 * const token = await signJwt(key, { sub: "alice", exp });
 * const session = startOAuthBearer({ publicKey: key.publicJwk });
 * const step = await session.step(new TextEncoder().encode(`n,,\x01auth=Bearer ${token}\x01\x01`));
 * assert.deepEqual(step.done && [step.principal, step.expiresAt], ["alice", exp * 1000]);
 * ```
 */
export function startOAuthBearer(options: OAuthBearerOptions): SaslSession {
  let finished = false;
  return {
    async step(token: Uint8Array): Promise<SaslStep> {
      if (finished) {
        throw new SaslAuthenticationError(
          "Authentication failed: OAUTHBEARER exchange already finished",
        );
      }
      finished = true;
      const bearer = bearerOf(token);
      const checks: JwtChecks = {
        audience: options.audience,
        issuer: options.issuer,
        clockSkewSeconds: options.clockSkewSeconds,
      };
      try {
        const claims = await verifyJwt(bearer.token, options.publicKey, checks);
        if (bearer.authzid !== "" && bearer.authzid !== claims.sub) {
          throw new JwtError("the authorization id differs from the token's subject");
        }
        return {
          done: true,
          response: new Uint8Array(0),
          principal: claims.sub,
          expiresAt: claims.exp * 1000,
        };
      } catch (error) {
        if (!(error instanceof JwtError)) throw error;
        throw new SaslAuthenticationError(
          `Authentication failed during authentication due to invalid credentials with SASL ` +
            `mechanism OAUTHBEARER: ${error.message}`,
        );
      }
    },
  };
}

/** Parses `gs2-header SOH auth=Bearer TOKEN SOH [key=value SOH]* SOH` (RFC 7628 section 3.1). */
function bearerOf(message: Uint8Array): { authzid: string; token: string } {
  const malformed = (why: string) =>
    new SaslAuthenticationError(`Authentication failed: Invalid OAUTHBEARER message (${why})`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(message);
  } catch {
    throw malformed("not UTF-8");
  }
  const header = /^n,(?:a=([^,]*))?,/.exec(text);
  if (!header) throw malformed("missing or bad gs2 header");
  const rest = text.slice(header[0].length);
  if (!rest.startsWith(SEPARATOR) || !rest.endsWith(SEPARATOR + SEPARATOR)) {
    throw malformed("bad framing");
  }
  const pairs = rest.slice(1, -2).split(SEPARATOR);
  const auth = pairs.find((pair) => pair.startsWith("auth="));
  const match = auth && /^auth=Bearer +([\x21-\x7e]+)$/i.exec(auth);
  if (!match) throw malformed("no bearer token");
  const authzid = (header[1] ?? "").replaceAll("=2C", ",").replaceAll("=3D", "=");
  return { authzid, token: match[1] };
}
