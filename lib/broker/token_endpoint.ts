/**
 * A small OAuth2 token endpoint for the client-credentials grant (RFC 6749 section 4.4), issuing
 * signed JWTs that the broker's OAUTHBEARER listener accepts. It lets the OpenID Connect flow
 * (GCN Kafka, hop `token_endpoint` credentials) be tried and tested offline.
 *
 * @module
 */

import { generateSigningKey, type JwtAlgorithm, type SigningKey, signJwt } from "./jwt.ts";

/**
 * One OAuth2 client the endpoint knows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TokenClient } from "./token_endpoint.ts";
 * const client: TokenClient = { clientId: "pipeline", clientSecret: "s3cret", subject: "alice" };
 * assert.equal(client.subject, "alice");
 * ```
 */
export interface TokenClient {
  /** Client id (hop: the credential's username). */
  clientId: string;
  /** Client secret (hop: the credential's password). */
  clientSecret: string;
  /** The tokens' `sub` claim, i.e. the broker principal; default: the client id. */
  subject?: string;
}

/**
 * Options of {@linkcode startTokenEndpoint}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TokenEndpointOptions } from "./token_endpoint.ts";
 * const options: TokenEndpointOptions = { clients: [], audience: "kafka", lifetimeSeconds: 60 };
 * assert.equal(options.lifetimeSeconds, 60);
 * ```
 */
export interface TokenEndpointOptions {
  /** The clients that may get tokens. */
  clients: TokenClient[];
  /** Address to listen on (default "127.0.0.1"). */
  host?: string;
  /** Port (default 0: a free port). */
  port?: number;
  /** Signing algorithm of a generated key: `ES256` (default) or `RS256`. */
  algorithm?: JwtAlgorithm;
  /** A key to sign with instead of a new one. */
  signingKey?: SigningKey;
  /** The tokens' `aud` claim (default "kafka"). */
  audience?: string;
  /** The tokens' `iss` claim (default: the endpoint's own URL). */
  issuer?: string;
  /** Lifetime of the tokens issued, in seconds (default 3600); see `lifetimeSeconds` on the handle. */
  lifetimeSeconds?: number;
  /** Receives one line per request (default: none). */
  logger?: (line: string) => void;
}

/**
 * One token the endpoint issued, or one request it refused.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TokenRequestRecord } from "./token_endpoint.ts";
 * const record: TokenRequestRecord = { clientId: "c", status: 200, expiresAt: 1 };
 * assert.equal(record.status, 200);
 * ```
 */
export interface TokenRequestRecord {
  /** Client id as presented ("" when none). */
  clientId: string;
  /** HTTP status of the answer. */
  status: number;
  /** Expiry of the issued token in ms since the epoch (issued tokens only). */
  expiresAt?: number;
}

/**
 * A running token endpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startTokenEndpoint, type TokenEndpointHandle } from "./token_endpoint.ts";
 * await using endpoint: TokenEndpointHandle = await startTokenEndpoint({ clients: [] });
 * assert.match(endpoint.url, /^http:\/\/127\.0\.0\.1:\d+\/token$/);
 * ```
 */
export interface TokenEndpointHandle extends AsyncDisposable {
  /** The token URL, `http://HOST:PORT/token`. */
  readonly url: string;
  /** The public key to give the broker (`startBroker({ oauthBearer: { publicKey } })`). */
  readonly publicKey: JsonWebKey;
  /** The `aud` claim of the tokens. */
  readonly audience: string;
  /** The `iss` claim of the tokens. */
  readonly issuer: string;
  /** Lifetime of tokens issued from now on, in seconds; may be changed while running. */
  lifetimeSeconds: number;
  /** Every request answered so far, oldest first. */
  readonly requests: readonly TokenRequestRecord[];
  /**
   * Resolves once `count` tokens have been issued in total (to `clientId` when given).
   *
   * @param count how many tokens
   * @param clientId only count this client's tokens
   */
  waitForTokens(count: number, clientId?: string): Promise<void>;
  /** Stops the endpoint; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts a token endpoint: `POST /token` with `grant_type=client_credentials` and the client's id
 * and secret (HTTP Basic, or `client_id`/`client_secret` in the form) answers
 * `{access_token, token_type: "Bearer", expires_in}` with a JWT signed by its key; a wrong client
 * or secret gets 401 `invalid_client`. Discovery documents (`/.well-known/openid-configuration`,
 * `/jwks.json`) are served too.
 *
 * @param options clients, key, audience, lifetime
 * @returns the running endpoint
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifyJwt } from "./jwt.ts";
 * import { startTokenEndpoint } from "./token_endpoint.ts";
 * await using endpoint = await startTokenEndpoint({
 *   clients: [{ clientId: "pipeline", clientSecret: "s3cret" }],
 * });
 * const response = await fetch(endpoint.url, {
 *   method: "POST",
 *   headers: { authorization: `Basic ${btoa("pipeline:s3cret")}` },
 *   body: new URLSearchParams({ grant_type: "client_credentials" }),
 * });
 * const { access_token, expires_in } = await response.json();
 * assert.equal(expires_in, 3600);
 * const claims = await verifyJwt(access_token, endpoint.publicKey, { audience: "kafka" });
 * assert.equal(claims.sub, "pipeline");
 * const refused = await fetch(endpoint.url, {
 *   method: "POST",
 *   body: new URLSearchParams({ grant_type: "client_credentials", client_id: "pipeline", client_secret: "no" }),
 * });
 * assert.deepEqual([refused.status, (await refused.json()).error], [401, "invalid_client"]);
 * ```
 */
export async function startTokenEndpoint(
  options: TokenEndpointOptions,
): Promise<TokenEndpointHandle> {
  const key = options.signingKey ?? await generateSigningKey(options.algorithm ?? "ES256");
  const clients = new Map(options.clients.map((c) => [c.clientId, c]));
  const audience = options.audience ?? "kafka";
  const log = options.logger ?? (() => {});
  const requests: TokenRequestRecord[] = [];
  const waiters = new Set<() => void>();
  let lifetimeSeconds = options.lifetimeSeconds ?? 3600;
  let issuer = options.issuer ?? "";
  let url = "";

  const record = (entry: TokenRequestRecord) => {
    requests.push(entry);
    log(`token endpoint: ${entry.status} for client '${entry.clientId}'`);
    for (const wake of [...waiters]) wake();
  };
  const oauthError = (status: number, error: string, clientId: string) => {
    record({ clientId, status });
    const headers: HeadersInit = status === 401
      ? { "www-authenticate": 'Basic realm="token"', "cache-control": "no-store" }
      : { "cache-control": "no-store" };
    return Response.json({ error }, { status, headers });
  };

  const handler = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (request.method === "GET" && path === "/.well-known/openid-configuration") {
      return Response.json({
        issuer,
        token_endpoint: url,
        jwks_uri: url.replace(/\/token$/, "/jwks.json"),
        grant_types_supported: ["client_credentials"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      });
    }
    if (request.method === "GET" && path === "/jwks.json") {
      return Response.json({ keys: [key.publicJwk] });
    }
    if (path !== "/token") return new Response("not found\n", { status: 404 });
    if (request.method !== "POST") return new Response("use POST\n", { status: 405 });
    const form = new URLSearchParams(await request.text());
    let candidates: [string, string][] = [
      [form.get("client_id") ?? "", form.get("client_secret") ?? ""],
    ];
    const basic = /^Basic\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
    if (basic) {
      const decoded = decodeBasic(basic[1]);
      if (!decoded) return oauthError(401, "invalid_client", "");
      candidates = decoded;
    }
    const clientId = candidates[0][0];
    if (form.get("grant_type") !== "client_credentials") {
      return oauthError(400, "unsupported_grant_type", clientId);
    }
    const client = candidates.map(([id, secret]) => {
      const known = clients.get(id);
      return known && constantTimeEqual(known.clientSecret, secret) ? known : undefined;
    }).find((known) => known !== undefined);
    if (!client) return oauthError(401, "invalid_client", clientId);
    const now = Date.now();
    const iat = Math.floor(now / 1000);
    const lifetime = lifetimeSeconds;
    // `exp` is in whole seconds: rounded up, so that the token lasts at least `expires_in`.
    const claims = {
      iss: issuer,
      sub: client.subject ?? client.clientId,
      aud: audience,
      client_id: client.clientId,
      iat,
      exp: Math.ceil(now / 1000) + lifetime,
      ...(form.get("scope") ? { scope: form.get("scope") } : {}),
    };
    const token = await signJwt(key, claims);
    record({ clientId: client.clientId, status: 200, expiresAt: claims.exp * 1000 });
    return Response.json(
      { access_token: token, token_type: "Bearer", expires_in: lifetime },
      { headers: { "cache-control": "no-store" } },
    );
  };

  const ready = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    onListen: (addr) => ready.resolve(addr as Deno.NetAddr),
  }, handler);
  const addr = await ready.promise;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  url = `http://${host}:${addr.port}/token`;
  if (issuer === "") issuer = `http://${host}:${addr.port}`;
  let closed: Promise<void> | undefined;

  const handle: TokenEndpointHandle = {
    url,
    publicKey: key.publicJwk,
    audience,
    issuer,
    get lifetimeSeconds() {
      return lifetimeSeconds;
    },
    set lifetimeSeconds(value: number) {
      if (!(Number.isInteger(value) && value > 0)) {
        throw new RangeError(`lifetimeSeconds ${value}: expected a whole number of seconds > 0`);
      }
      lifetimeSeconds = value;
    },
    requests,
    waitForTokens(count: number, clientId?: string): Promise<void> {
      const reached = () =>
        requests.filter((r) =>
          r.status === 200 && (clientId === undefined || r.clientId === clientId)
        ).length >= count;
      if (reached()) return Promise.resolve();
      return new Promise((resolve) => {
        const wake = () => {
          if (!reached()) return;
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
      });
    },
    close(): Promise<void> {
      closed ??= server.shutdown();
      return closed;
    },
    [Symbol.asyncDispose]() {
      return handle.close();
    },
  };
  return handle;
}

/** The id and secret of a Basic header: as sent, and form-decoded (RFC 6749 section 2.3.1). */
function decodeBasic(encoded: string): [string, string][] | undefined {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)),
    );
    const colon = text.indexOf(":");
    if (colon < 0) return undefined;
    // RFC 6749 form-encodes both parts; some clients (librdkafka) send them verbatim.
    const decode = (part: string) => {
      try {
        return decodeURIComponent(part.replaceAll("+", " "));
      } catch {
        return part;
      }
    };
    const id = text.slice(0, colon);
    const secret = text.slice(colon + 1);
    return [[id, secret], [decode(id), decode(secret)]];
  } catch {
    return undefined;
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let difference = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) difference |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return difference === 0;
}
