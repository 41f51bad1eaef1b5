/**
 * Server side of SASL PLAIN and SCRAM-SHA-256/512 (RFC 5802, RFC 7677) as Kafka brokers speak
 * them. Passwords are turned into salted SCRAM credentials at start-up and not kept.
 *
 * @module
 */

import { ANONYMOUS_PRINCIPAL } from "./acl.ts";
import {
  constantTimeEqual,
  decodeBase64,
  digest,
  encodeBase64,
  hashLength,
  hmac,
  saltedPassword,
  SCRAM_NONCE,
  type ScramHash,
  xor,
} from "../_scram.ts";

/**
 * Mechanisms the broker offers, in the order SaslHandshake lists them.
 *
 * @example
 * ```ts
 * import { SASL_MECHANISMS } from "./sasl.ts";
 * console.log(SASL_MECHANISMS.includes("SCRAM-SHA-512")); // true
 * ```
 */
export const SASL_MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] as const;

/**
 * One of {@linkcode SASL_MECHANISMS}.
 *
 * @example
 * ```ts
 * import type { SaslMechanismName } from "./sasl.ts";
 * const mechanism: SaslMechanismName = "PLAIN";
 * ```
 */
export type SaslMechanismName = typeof SASL_MECHANISMS[number];

/** Kafka's minimum (and default) SCRAM iteration count. */
const MIN_ITERATIONS = 4096;

/**
 * Raised by {@linkcode UserStore.create} for an unusable user list or iteration count. Names the
 * user, never the password.
 *
 * @example
 * ```ts
 * import { UserStore, UserStoreError } from "./sasl.ts";
 * try {
 *   await UserStore.create([{ username: "", password: "x" }]);
 * } catch (error) {
 *   console.log(error instanceof UserStoreError); // true
 * }
 * ```
 */
export class UserStoreError extends Error {
  /**
   * Creates the error.
   *
   * @param message what is wrong, naming the user
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { UserStoreError } from "./sasl.ts";
   * const error = new UserStoreError('user "alice" is listed twice');
   * assert.equal(error.name, "UserStoreError");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "UserStoreError";
  }
}

/**
 * A failed SASL exchange. The message follows Kafka's wording, so clients show what a real broker
 * would; it never says whether the user exists and never contains a password.
 *
 * @example
 * ```ts
 * import { SaslAuthenticationError } from "./sasl.ts";
 * const error = new SaslAuthenticationError(
 *   "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512",
 * );
 * console.log(error.name); // "SaslAuthenticationError"
 * ```
 */
export class SaslAuthenticationError extends Error {
  /**
   * Creates the error.
   *
   * @param message Kafka-style text for the client's SaslAuthenticate response
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SaslAuthenticationError } from "./sasl.ts";
   * const error = new SaslAuthenticationError("Authentication failed: Invalid SCRAM client-first message");
   * assert.equal(error.message, "Authentication failed: Invalid SCRAM client-first message");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "SaslAuthenticationError";
  }
}

/** What Kafka keeps per user and mechanism; the password itself is not needed. */
interface ScramCredential {
  salt: Uint8Array<ArrayBuffer>;
  iterations: number;
  storedKey: Uint8Array<ArrayBuffer>;
  serverKey: Uint8Array<ArrayBuffer>;
}

interface UserCredentials {
  "SHA-256": ScramCredential;
  "SHA-512": ScramCredential;
}

interface StoreInternals {
  users: Map<string, UserCredentials>;
  iterations: number;
  /** Keys the stand-in salts of unknown users, so they look stable but reveal nothing. */
  decoySecret: Uint8Array<ArrayBuffer>;
}

const internals = new WeakMap<UserStore, StoreInternals>();

/**
 * The broker's users, held as salted SCRAM-SHA-256 and SCRAM-SHA-512 credentials (random salts,
 * at least 4096 PBKDF2 iterations). The plaintext passwords are not kept: PLAIN logins are checked
 * by deriving the SCRAM-SHA-256 key from the offered password.
 *
 * @example
 * ```ts
 * import { UserStore } from "./sasl.ts";
 * const users = await UserStore.create([{ username: "alice", password: "secret" }]);
 * console.log(users.enabled, users.usernames); // true ["alice"]
 * ```
 */
export class UserStore {
  /** True when at least one user exists, i.e. the listener requires SASL. */
  readonly enabled: boolean;
  /** User names in the order given. */
  readonly usernames: string[];

  private constructor(usernames: string[]) {
    this.usernames = usernames;
    this.enabled = usernames.length > 0;
  }

  /**
   * Derives credentials for every user.
   *
   * @param users names and plaintext passwords; the passwords are not retained
   * @param iterations PBKDF2 rounds, at least 4096 (the default)
   * @returns the store
   * @throws {UserStoreError} for an empty, duplicate or reserved ("ANONYMOUS") user name, or too
   * few iterations
   *
   * @example
   * ```ts
   * import { UserStore } from "./sasl.ts";
   * const none = await UserStore.create([]);
   * console.log(none.enabled); // false
   * ```
   */
  static async create(
    users: { username: string; password: string }[],
    iterations: number = MIN_ITERATIONS,
  ): Promise<UserStore> {
    if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS) {
      throw new UserStoreError(
        `SCRAM iterations must be an integer of at least ${MIN_ITERATIONS}, got ${iterations}`,
      );
    }
    const seen = new Set<string>();
    for (const { username } of users) {
      if (username === "") throw new UserStoreError("a user name is empty");
      if (username === ANONYMOUS_PRINCIPAL) {
        // Clients on listeners without SASL act as this principal, which may do everything.
        throw new UserStoreError(`user name "${username}" is reserved for unauthenticated clients`);
      }
      if (seen.has(username)) throw new UserStoreError(`user "${username}" is listed twice`);
      seen.add(username);
    }
    const entries = await Promise.all(
      users.map(async ({ username, password }) => {
        const credentials: UserCredentials = {
          "SHA-256": await deriveCredential("SHA-256", password, randomBytes(32), iterations),
          "SHA-512": await deriveCredential("SHA-512", password, randomBytes(32), iterations),
        };
        return [username, credentials] as const;
      }),
    );
    const store = new UserStore(users.map((u) => u.username));
    internals.set(store, {
      users: new Map(entries),
      iterations,
      decoySecret: randomBytes(32),
    });
    return store;
  }
}

/**
 * The outcome of one SASL token: either a challenge to send back, or success with the
 * authenticated principal (the user name) and, for tokens that expire, when the session ends.
 *
 * @example
 * ```ts
 * import type { SaslStep } from "./sasl.ts";
 * const step: SaslStep = { done: true, response: new Uint8Array(), principal: "alice" };
 * ```
 */
export type SaslStep =
  | { done: false; response: Uint8Array }
  | { done: true; response: Uint8Array; principal: string; expiresAt?: number };

/**
 * One connection's SASL exchange. Feed it each client token in turn; it throws
 * {@linkcode SaslAuthenticationError} when authentication fails, after which the connection must
 * be closed.
 *
 * @example
 * ```ts
 * import { startSasl, UserStore } from "./sasl.ts";
 * const users = await UserStore.create([{ username: "alice", password: "secret" }]);
 * const session = startSasl("PLAIN", users)!;
 * const step = await session.step(new TextEncoder().encode("\0alice\0secret"));
 * console.log(step.done && step.principal); // "alice"
 * ```
 */
export interface SaslSession {
  /**
   * Processes one client token.
   *
   * @param token the client's SASL bytes
   * @returns the broker's answer
   * @throws {SaslAuthenticationError} when authentication fails or the token is malformed
   */
  step(token: Uint8Array): Promise<SaslStep>;
}

/**
 * Starts the server side of a SASL exchange.
 *
 * @param mechanism the mechanism named in SaslHandshake (case-sensitive, as Kafka treats it)
 * @param users the broker's users
 * @returns a session, or undefined when the mechanism is not supported
 *
 * @example
 * ```ts
 * import { startSasl, UserStore } from "./sasl.ts";
 * const users = await UserStore.create([{ username: "alice", password: "secret" }]);
 * console.log(startSasl("GSSAPI", users)); // undefined
 * const scram = startSasl("SCRAM-SHA-512", users); // drive with scram.step(token)
 * ```
 */
export function startSasl(mechanism: string, users: UserStore): SaslSession | undefined {
  const store = internals.get(users);
  if (!store) return undefined;
  switch (mechanism) {
    case "PLAIN":
      return new PlainSession(store);
    case "SCRAM-SHA-256":
      return new ScramSession(store, "SHA-256", mechanism);
    case "SCRAM-SHA-512":
      return new ScramSession(store, "SHA-512", mechanism);
    default:
      return undefined;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function invalidCredentials(mechanism: string): SaslAuthenticationError {
  return new SaslAuthenticationError(
    `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`,
  );
}

function decodeUtf8(token: Uint8Array, what: string): string {
  try {
    return decoder.decode(token);
  } catch {
    throw new SaslAuthenticationError(`Authentication failed: ${what} is not valid UTF-8`);
  }
}

class PlainSession implements SaslSession {
  #store: StoreInternals;
  #finished = false;

  constructor(store: StoreInternals) {
    this.#store = store;
  }

  async step(token: Uint8Array): Promise<SaslStep> {
    if (this.#finished) {
      throw new SaslAuthenticationError("Authentication failed: PLAIN exchange already finished");
    }
    this.#finished = true;
    const parts = decodeUtf8(token, "SASL/PLAIN message").split("\0");
    if (parts.length !== 3) {
      throw new SaslAuthenticationError(
        "Invalid SASL/PLAIN response: expected 3 tokens, got " + parts.length,
      );
    }
    const [authzid, username, password] = parts;
    if (username === "") {
      throw new SaslAuthenticationError("Authentication failed: username not specified");
    }
    if (password === "") {
      throw new SaslAuthenticationError("Authentication failed: password not specified");
    }
    if (authzid !== "" && authzid !== username) {
      throw new SaslAuthenticationError(
        "Authentication failed: Client requested an authorization id that is different from username",
      );
    }
    const known = this.#store.users.get(username)?.["SHA-256"];
    // Unknown users cost the same derivation, so timing does not reveal who exists.
    const credential = known ??
      await decoyCredential(this.#store, "SHA-256", username);
    const salted = await saltedPassword(
      "SHA-256",
      password,
      credential.salt,
      credential.iterations,
    );
    const storedKey = await digest("SHA-256", await hmac("SHA-256", salted, "Client Key"));
    if (!constantTimeEqual(storedKey, credential.storedKey) || !known) {
      throw invalidCredentials("PLAIN");
    }
    return { done: true, response: new Uint8Array(0), principal: username };
  }
}

type ScramState =
  | { kind: "clientFirst" }
  | {
    kind: "clientFinal";
    username: string;
    known: boolean;
    credential: ScramCredential;
    gs2Header: string;
    clientFirstBare: string;
    serverFirst: string;
    nonce: string;
  }
  | { kind: "finished" };

class ScramSession implements SaslSession {
  #store: StoreInternals;
  #hash: ScramHash;
  #mechanism: string;
  #state: ScramState = { kind: "clientFirst" };

  constructor(store: StoreInternals, hash: ScramHash, mechanism: string) {
    this.#store = store;
    this.#hash = hash;
    this.#mechanism = mechanism;
  }

  async step(token: Uint8Array): Promise<SaslStep> {
    const state = this.#state;
    // Any failure ends the exchange: the connection is closed after it.
    this.#state = { kind: "finished" };
    switch (state.kind) {
      case "clientFirst":
        return await this.#clientFirst(decodeUtf8(token, "SCRAM client-first message"));
      case "clientFinal":
        return await this.#clientFinal(state, decodeUtf8(token, "SCRAM client-final message"));
      case "finished":
        throw new SaslAuthenticationError(
          `Authentication failed: ${this.#mechanism} exchange already finished`,
        );
    }
  }

  async #clientFirst(message: string): Promise<SaslStep> {
    const malformed = (why: string) =>
      new SaslAuthenticationError(
        `Authentication failed: Invalid SCRAM client-first message (${why})`,
      );
    const headerMatch = /^([ny]),(a=[^,]*)?,/.exec(message);
    if (!headerMatch) {
      throw malformed(
        message.startsWith("p=") ? "channel binding is not supported" : "missing or bad gs2 header",
      );
    }
    const gs2Header = headerMatch[0];
    const clientFirstBare = message.slice(gs2Header.length);
    const attributes = clientFirstBare.split(",");
    if (attributes[0]?.startsWith("m=")) throw malformed("mandatory extensions are not supported");
    if (!attributes[0]?.startsWith("n=")) throw malformed("user name must come first");
    if (!attributes[1]?.startsWith("r=")) throw malformed("nonce must follow the user name");
    const username = decodeSaslName(attributes[0].slice(2));
    if (username === undefined || username === "") throw malformed("bad user name encoding");
    const clientNonce = attributes[1].slice(2);
    if (!SCRAM_NONCE.test(clientNonce)) throw malformed("bad nonce");
    for (const extension of attributes.slice(2)) {
      if (!/^[A-Za-z][A-Za-z0-9]*=/.test(extension)) throw malformed("bad extension");
      if (extension.startsWith("tokenauth=") && extension !== "tokenauth=false") {
        throw malformed("delegation tokens are not supported");
      }
    }
    if (headerMatch[2] !== undefined) {
      const authzid = decodeSaslName(headerMatch[2].slice(2));
      if (authzid !== username) {
        throw new SaslAuthenticationError(
          "Authentication failed: Client requested an authorization id that is different from username",
        );
      }
    }
    const known = this.#store.users.get(username)?.[this.#hash];
    const credential = known ?? await decoyCredential(this.#store, this.#hash, username);
    const nonce = clientNonce + encodeBase64(randomBytes(24)).replaceAll("+", "-").replaceAll(
      "/",
      "_",
    );
    const serverFirst = `r=${nonce},s=${encodeBase64(credential.salt)},i=${credential.iterations}`;
    this.#state = {
      kind: "clientFinal",
      username,
      known: known !== undefined,
      credential,
      gs2Header,
      clientFirstBare,
      serverFirst,
      nonce,
    };
    return { done: false, response: encoder.encode(serverFirst) };
  }

  async #clientFinal(
    state: Extract<ScramState, { kind: "clientFinal" }>,
    message: string,
  ): Promise<SaslStep> {
    const malformed = (why: string) =>
      new SaslAuthenticationError(
        `Authentication failed: Invalid SCRAM client-final message (${why})`,
      );
    const proofAt = message.lastIndexOf(",p=");
    if (proofAt < 0) throw malformed("missing proof");
    // The AuthMessage uses the text exactly as received, which is what the client signed.
    const withoutProof = message.slice(0, proofAt);
    const attributes = withoutProof.split(",");
    if (!attributes[0].startsWith("c=")) throw malformed("channel binding must come first");
    if (!attributes[1]?.startsWith("r=")) throw malformed("nonce must follow channel binding");
    const binding = decodeBase64(attributes[0].slice(2));
    if (!binding || !constantTimeEqual(binding, encoder.encode(state.gs2Header))) {
      throw malformed("channel binding does not match the gs2 header");
    }
    // librdkafka before 2.6.1 repeats its own nonce in front of the server's; Kafka accepts any
    // nonce that ends with the server nonce for that reason.
    if (!attributes[1].slice(2).endsWith(state.nonce)) throw malformed("nonce mismatch");
    const proof = decodeBase64(message.slice(proofAt + 3));
    if (!proof || proof.length !== state.credential.storedKey.length) {
      throw malformed("bad proof");
    }
    const authMessage = `${state.clientFirstBare},${state.serverFirst},${withoutProof}`;
    const clientSignature = await hmac(this.#hash, state.credential.storedKey, authMessage);
    const clientKey = xor(proof, clientSignature);
    const storedKey = await digest(this.#hash, clientKey);
    if (!constantTimeEqual(storedKey, state.credential.storedKey) || !state.known) {
      throw invalidCredentials(this.#mechanism);
    }
    const serverSignature = await hmac(this.#hash, state.credential.serverKey, authMessage);
    return {
      done: true,
      response: encoder.encode(`v=${encodeBase64(serverSignature)}`),
      principal: state.username,
    };
  }
}

/** RFC 5802 saslname: "=2C" is ",", "=3D" is "="; any other "=" makes the name invalid. */
function decodeSaslName(text: string): string | undefined {
  if (/=(?!2C|3D)/.test(text)) return undefined;
  return text.replaceAll("=2C", ",").replaceAll("=3D", "=");
}

/**
 * A credential for a user that does not exist: a salt that stays the same for that name (so
 * repeated probes cannot spot a random one) and keys no password can match.
 */
async function decoyCredential(
  store: StoreInternals,
  hash: ScramHash,
  username: string,
): Promise<ScramCredential> {
  const salt = await hmac("SHA-256", store.decoySecret, `${hash}\0${username}`);
  return {
    salt,
    iterations: store.iterations,
    storedKey: randomBytes(hashLength(hash)),
    serverKey: randomBytes(hashLength(hash)),
  };
}

async function deriveCredential(
  hash: ScramHash,
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<ScramCredential> {
  const salted = await saltedPassword(hash, password, salt, iterations);
  return {
    salt,
    iterations,
    storedKey: await digest(hash, await hmac(hash, salted, "Client Key")),
    serverKey: await hmac(hash, salted, "Server Key"),
  };
}

function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}
