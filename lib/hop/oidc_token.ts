/**
 * OpenID Connect access tokens for SASL OAUTHBEARER, as hop gets them for credentials with a
 * `token_endpoint`: the OAuth2 client-credentials grant (RFC 6749 section 4.4) with the client id
 * and secret, the token kept until it nears its expiry and then fetched again.
 *
 * @module
 */
import { AuthenticationError, ConnectionError } from "../kafka/errors.ts";
import type { OAuthBearerToken } from "../kafka/types.ts";

/**
 * What a {@linkcode ClientCredentialsTokenSource} is built from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientCredentialsTokenSource, type TokenSourceInit } from "./oidc_token.ts";
 * const init: TokenSourceInit = {
 *   tokenEndpoint: "https://auth.example.org/oauth2/token",
 *   clientId: "my-client",
 *   clientSecret: "my-secret",
 * };
 * assert.equal(new ClientCredentialsTokenSource(init).tokenEndpoint, init.tokenEndpoint);
 * ```
 */
export interface TokenSourceInit {
  /** The token URL (`https://...`; `http://` is accepted for local test endpoints). */
  tokenEndpoint: string;
  /** OAuth2 client id (hop: the credential's username). */
  clientId: string;
  /** OAuth2 client secret (hop: the credential's password); never shown. */
  clientSecret: string;
  /** Space-separated scopes to ask for; none by default, as hop. */
  scope?: string;
  /**
   * Share of a token's lifetime after which a new one is fetched (default 0.8, as librdkafka).
   */
  refreshAt?: number;
  /** Called after every token fetched (for logs and tests). */
  onToken?: (event: TokenEvent) => void;
  /** The HTTP client (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Time budget of one token request, in ms (default 10000). */
  timeoutMs?: number;
}

/**
 * One token fetched: which endpoint and client, and how long the token is valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TokenEvent } from "./oidc_token.ts";
 * const event: TokenEvent = { tokenEndpoint: "https://x/token", clientId: "c", lifetimeMs: 3600_000, count: 1 };
 * assert.equal(event.count, 1);
 * ```
 */
export interface TokenEvent {
  /** The token URL. */
  tokenEndpoint: string;
  /** The client id. */
  clientId: string;
  /** Lifetime of the new token in ms. */
  lifetimeMs: number;
  /** How many tokens this source has fetched so far (1 for the first). */
  count: number;
}

const DEFAULT_LIFETIME_MS = 3600_000;

/**
 * Fetches OAuth2 access tokens with the client-credentials grant (client id and secret sent with
 * HTTP Basic authentication, as librdkafka and hop's adc do), keeps the current token and fetches a
 * new one once `refreshAt` of its lifetime has passed, or when it has expired. Concurrent callers
 * share one request. Errors name the endpoint, the client id and the HTTP status, never the secret.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientCredentialsTokenSource } from "./oidc_token.ts";
 * let requests = 0;
 * const source = new ClientCredentialsTokenSource({
 *   tokenEndpoint: "https://auth.example.org/token",
 *   clientId: "id",
 *   clientSecret: "secret",
 *   fetch: (_url, init) => {
 *     requests++;
 *     assert.equal(new Headers(init?.headers).get("authorization"), `Basic ${btoa("id:secret")}`);
 *     return Promise.resolve(Response.json({ access_token: "t1", token_type: "Bearer", expires_in: 60 }));
 *   },
 * });
 * assert.equal((await source.token()).value, "t1");
 * assert.equal((await source.token()).value, "t1"); // cached
 * assert.equal(requests, 1);
 * ```
 */
export class ClientCredentialsTokenSource {
  /** The token URL. */
  readonly tokenEndpoint: string;
  /** The client id. */
  readonly clientId: string;
  readonly #secret: string;
  readonly #init: TokenSourceInit;
  #current?: { token: OAuthBearerToken; refreshAfter: number };
  #pending?: Promise<OAuthBearerToken>;
  #count = 0;

  /**
   * Creates a token source; nothing is fetched until {@linkcode ClientCredentialsTokenSource.token}.
   *
   * @param init endpoint, client id and secret, options
   */
  constructor(init: TokenSourceInit) {
    this.tokenEndpoint = init.tokenEndpoint;
    this.clientId = init.clientId;
    this.#secret = init.clientSecret;
    this.#init = init;
  }

  /**
   * The current token, fetched when there is none yet or when it is due for renewal.
   *
   * @returns the bearer token and its expiry
   * @throws {AuthenticationError} when the endpoint refuses the client (HTTP 4xx)
   * @throws {ConnectionError} when the endpoint cannot be reached or fails (HTTP 5xx)
   */
  token(): Promise<OAuthBearerToken> {
    const current = this.#current;
    if (current && Date.now() < current.refreshAfter) return Promise.resolve(current.token);
    this.#pending ??= this.#fetch().finally(() => this.#pending = undefined);
    return this.#pending;
  }

  async #fetch(): Promise<OAuthBearerToken> {
    const where = `token endpoint ${this.tokenEndpoint}`;
    const who = `client '${this.clientId}'`;
    const body = new URLSearchParams({ grant_type: "client_credentials" });
    if (this.#init.scope) body.set("scope", this.#init.scope);
    // RFC 6749 section 2.3.1: id and secret are form-encoded before Basic encoding.
    const basic = btoa(
      String.fromCharCode(
        ...new TextEncoder().encode(`${formEncode(this.clientId)}:${formEncode(this.#secret)}`),
      ),
    );
    const started = Date.now();
    let response: Response;
    try {
      response = await (this.#init.fetch ?? fetch)(this.tokenEndpoint, {
        method: "POST",
        headers: {
          authorization: `Basic ${basic}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: body.toString(),
        signal: AbortSignal.timeout(this.#init.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new ConnectionError(
        `cannot reach the ${where} for ${who}: ${this.#redact((error as Error).message)}`,
        { kind: "transient" },
      );
    }
    const text = await response.text().catch(() => "");
    if (!response.ok) {
      const reason = oauthErrorOf(text);
      const status = `HTTP ${response.status}${
        response.statusText ? ` ${response.statusText}` : ""
      }`;
      const message = `the ${where} refused ${who}: ${status}${reason ? ` (${reason})` : ""}`;
      if (response.status >= 500 || response.status === 429) {
        throw new ConnectionError(this.#redact(message), { kind: "transient" });
      }
      throw new AuthenticationError(this.#redact(message), { fatal: true });
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AuthenticationError(`the ${where} answered ${who} with something other than JSON`, {
        fatal: true,
      });
    }
    const value = parsed?.access_token;
    if (typeof value !== "string" || value === "") {
      throw new AuthenticationError(`the ${where} answered ${who} without an access_token`, {
        fatal: true,
      });
    }
    const lifetimeMs = lifetimeOf(parsed.expires_in, value, started);
    const expiresAt = started + lifetimeMs;
    const token: OAuthBearerToken = { value, expiresAt };
    this.#current = {
      token,
      refreshAfter: started + lifetimeMs * (this.#init.refreshAt ?? 0.8),
    };
    this.#count++;
    this.#init.onToken?.({
      tokenEndpoint: this.tokenEndpoint,
      clientId: this.clientId,
      lifetimeMs,
      count: this.#count,
    });
    return token;
  }

  #redact(text: string): string {
    return text.split(this.#secret).join("***");
  }
}

function formEncode(text: string): string {
  return encodeURIComponent(text).replaceAll("%20", "+");
}

/** The OAuth2 error code of an error response (RFC 6749 section 5.2), when it has one. */
function oauthErrorOf(text: string): string | undefined {
  try {
    const error = JSON.parse(text)?.error;
    return typeof error === "string" && /^[\x20-\x7e]{1,64}$/.test(error) ? error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The shorter of `expires_in` and what the JWT's `exp` claim leaves (either may be missing; one
 * hour when both are). Counted from when the request was sent, so it errs on the short side.
 */
function lifetimeOf(expiresIn: unknown, token: string, started: number): number {
  const candidates: number[] = [];
  const seconds = typeof expiresIn === "string" ? Number(expiresIn) : expiresIn;
  if (typeof seconds === "number" && seconds > 0) candidates.push(seconds * 1000);
  const exp = jwtClaims(token)?.exp;
  if (typeof exp === "number" && exp * 1000 > started) candidates.push(exp * 1000 - started);
  return candidates.length ? Math.min(...candidates) : DEFAULT_LIFETIME_MS;
}

function jwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replaceAll("-", "+").replaceAll("_", "/");
    return JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")));
  } catch {
    return undefined;
  }
}
