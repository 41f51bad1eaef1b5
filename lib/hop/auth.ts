/**
 * The {@linkcode Auth} credential value, hop's defaults (SASL_SSL + SCRAM-SHA-512) and the check
 * that a credential can actually be used for a connection.
 *
 * @module
 */
import { InvalidCredentialError, UnsupportedError } from "./errors.ts";

/**
 * SASL mechanisms hop knows, in the librdkafka spelling.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizeMechanism, type SaslMechanism } from "./auth.ts";
 * const mechanism: SaslMechanism = "SCRAM-SHA-256";
 * assert.equal(normalizeMechanism("scram_sha_256"), mechanism);
 * ```
 */
export type SaslMechanism = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512" | "OAUTHBEARER";

/**
 * Security protocols a stored credential can ask for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Auth, type SecurityProtocol } from "./auth.ts";
 * const protocol: SecurityProtocol = "SASL_PLAINTEXT";
 * const auth = new Auth({ username: "alice", password: "secret", protocol });
 * assert.equal(auth.protocol, "SASL_PLAINTEXT");
 * assert.equal(auth.ssl, false);
 * ```
 */
export type SecurityProtocol = "SASL_SSL" | "SASL_PLAINTEXT";

/**
 * The mechanisms hop accepts, in the order hop's enum lists them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SASL_MECHANISMS } from "./auth.ts";
 * assert.deepEqual(SASL_MECHANISMS, ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"]);
 * assert.ok(Object.isFrozen(SASL_MECHANISMS));
 * ```
 */
export const SASL_MECHANISMS: readonly SaslMechanism[] = Object.freeze([
  "PLAIN",
  "SCRAM-SHA-256",
  "SCRAM-SHA-512",
  "OAUTHBEARER",
]);

/**
 * The mechanisms a connection can use (OAUTHBEARER only with a token endpoint).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { USABLE_SASL_MECHANISMS } from "./auth.ts";
 * assert.equal(USABLE_SASL_MECHANISMS.includes("SCRAM-SHA-512"), true);
 * assert.equal(USABLE_SASL_MECHANISMS.includes("OAUTHBEARER"), true);
 * ```
 */
export const USABLE_SASL_MECHANISMS: readonly SaslMechanism[] = SASL_MECHANISMS;

/**
 * Returns the canonical librdkafka spelling of a known mechanism (hop accepts `_` for `-`; we also
 * accept any letter case), or `undefined` when the name is not one hop knows.
 *
 * @param name e.g. `scram_sha_256`
 * @returns e.g. `SCRAM-SHA-256`
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { normalizeMechanism } from "@igwn/alert";
 * assert.strictEqual(normalizeMechanism("SCRAM_SHA_256"), "SCRAM-SHA-256");
 * assert.strictEqual(normalizeMechanism("GSSAPI"), undefined);
 * ```
 */
export function normalizeMechanism(name: string): SaslMechanism | undefined {
  const canonical = name.trim().replaceAll("_", "-").toUpperCase();
  return SASL_MECHANISMS.find((mechanism) => mechanism === canonical);
}

/**
 * What {@linkcode Auth} is built from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Auth, type AuthInit } from "./auth.ts";
 * const init: AuthInit = { username: "alice", password: "secret", mechanism: "scram_sha_256" };
 * const auth = new Auth(init);
 * assert.equal(auth.mechanism, "SCRAM-SHA-256");
 * assert.equal(auth.hostname, "");
 * ```
 */
export interface AuthInit {
  /** SASL username (OIDC client id when `tokenEndpoint` is set). */
  username: string;
  /** SASL password (OIDC client secret when `tokenEndpoint` is set). */
  password: string;
  /** Broker `host` or `host:port` this credential is for; `""` (default) means any broker. */
  hostname?: string;
  /** SASL mechanism; default SCRAM-SHA-512, or OAUTHBEARER when `tokenEndpoint` is set. */
  mechanism?: SaslMechanism | string;
  /** TLS on (default) or off; ignored when `protocol` is given. */
  ssl?: boolean;
  /** Only `SASL_PLAINTEXT` turns TLS off (hop's rule); anything else means `SASL_SSL`. */
  protocol?: SecurityProtocol | string;
  /** PEM CA bundle used to verify the broker; default: the system trust store. */
  sslCaLocation?: string;
  /** OpenID Connect token URL: the client-credentials grant gets OAUTHBEARER tokens from it. */
  tokenEndpoint?: string;
}

const INSPECT = Symbol.for("Deno.customInspect");
const NODE_INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * An immutable Kafka credential. Same fields and defaults as hop's `Auth`: SASL_SSL with
 * SCRAM-SHA-512 unless told otherwise. The password is readable through `password` but never
 * shown by `toString()`, `JSON.stringify()`, `console.log()` or `Deno.inspect()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Auth } from "@igwn/alert";
 * const auth = new Auth({ username: "alice", password: "secret", hostname: "kafka.example.org" });
 * assert.deepStrictEqual([auth.mechanism, auth.protocol, auth.ssl], ["SCRAM-SHA-512", "SASL_SSL", true]);
 * assert.strictEqual(`${auth}`, "Auth(alice for kafka.example.org, SCRAM-SHA-512, SASL_SSL)");
 * ```
 */
export class Auth {
  /** SASL username (OIDC client id with a token endpoint). */
  readonly username: string;
  /** Broker `host[:port]` this credential is for; `""` means any broker. */
  readonly hostname: string;
  /** SASL mechanism in librdkafka spelling (`SCRAM-SHA-512`, ...). */
  readonly mechanism: SaslMechanism | string;
  /** `SASL_SSL` or `SASL_PLAINTEXT`. */
  readonly protocol: SecurityProtocol;
  /** Whether TLS is used (`protocol === "SASL_SSL"`). */
  readonly ssl: boolean;
  /** CA bundle path, when one was configured. */
  readonly sslCaLocation?: string;
  /** OpenID Connect token URL, when one was configured. */
  readonly tokenEndpoint?: string;
  readonly #password: string;

  /**
   * Creates a Auth.
   *
   * @param init fields; see {@linkcode AuthInit}
   * @throws {InvalidCredentialError} for an empty username or password, or a non-string field
   */
  constructor(init: AuthInit) {
    for (const key of ["username", "password"] as const) {
      if (typeof init[key] !== "string") {
        throw new InvalidCredentialError(`credential ${key} must be a string`);
      }
      if (init[key] === "") throw new InvalidCredentialError(`credential ${key} may not be empty`);
    }
    this.username = init.username;
    this.#password = init.password;
    this.hostname = init.hostname ?? "";
    this.tokenEndpoint = init.tokenEndpoint || undefined;
    const mechanism = init.mechanism ??
      (this.tokenEndpoint === undefined ? "SCRAM-SHA-512" : "OAUTHBEARER");
    // A name hop does not know is kept verbatim, like hop's programmatic `method`; assertUsable()
    // refuses it before any connection is attempted.
    this.mechanism = normalizeMechanism(mechanism) ?? mechanism;
    const ssl = init.protocol !== undefined ? init.protocol !== "SASL_PLAINTEXT" : init.ssl ?? true;
    this.ssl = ssl;
    this.protocol = ssl ? "SASL_SSL" : "SASL_PLAINTEXT";
    this.sslCaLocation = init.sslCaLocation || undefined;
    Object.freeze(this);
  }

  /** The SASL password (or OIDC client secret). */
  get password(): string {
    return this.#password;
  }

  /**
   * Whether both credentials have the same seven properties hop compares.
   *
   * @param other another credential
   * @returns true when equal
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { Auth } from "@igwn/alert";
   * const a = new Auth({ username: "u", password: "p" });
   * assert.strictEqual(a.equals(new Auth({ username: "u", password: "p" })), true);
   * ```
   */
  equals(other: Auth): boolean {
    return this.username === other.username && this.#password === other.password &&
      this.hostname === other.hostname && this.mechanism === other.mechanism &&
      this.protocol === other.protocol && this.sslCaLocation === other.sslCaLocation &&
      this.tokenEndpoint === other.tokenEndpoint;
  }

  /**
   * A copy with some fields changed.
   *
   * @param changes fields to replace
   * @returns the new credential
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { Auth } from "@igwn/alert";
   * const local = new Auth({ username: "u", password: "p" }).with({ ssl: false });
   * assert.strictEqual(local.protocol, "SASL_PLAINTEXT");
   * ```
   */
  with(changes: Partial<AuthInit>): Auth {
    const base: AuthInit = {
      username: this.username,
      password: this.#password,
      hostname: this.hostname,
      mechanism: this.mechanism,
      protocol: this.protocol,
      sslCaLocation: this.sslCaLocation,
      tokenEndpoint: this.tokenEndpoint,
    };
    if (changes.ssl !== undefined && changes.protocol === undefined) delete base.protocol;
    return new Auth({ ...base, ...changes });
  }

  /** `Auth(user for host, MECHANISM, PROTOCOL)`; never the password. */
  toString(): string {
    const where = this.hostname === "" ? "" : ` for ${this.hostname}`;
    return `Auth(${this.username}${where}, ${this.mechanism}, ${this.protocol})`;
  }

  /** Every field except the password, which shows as `"***"`. */
  toJSON(): Record<string, string> {
    const json: Record<string, string> = {
      username: this.username,
      password: "***",
      hostname: this.hostname,
      mechanism: this.mechanism,
      protocol: this.protocol,
    };
    if (this.sslCaLocation !== undefined) json.sslCaLocation = this.sslCaLocation;
    if (this.tokenEndpoint !== undefined) json.tokenEndpoint = this.tokenEndpoint;
    return json;
  }

  /** What `Deno.inspect()` and `console.log()` show: the same as `toString()`. */
  [INSPECT](): string {
    return this.toString();
  }

  /** What Node's `util.inspect()` shows: the same as `toString()`. */
  [NODE_INSPECT](): string {
    return this.toString();
  }
}

/**
 * Throws unless the credential can be used for a Kafka connection by this library: a known
 * mechanism, and OAUTHBEARER exactly when a `token_endpoint` (an `http(s)://` URL) is given.
 *
 * @param auth the credential chosen for a connection
 * @throws {UnsupportedError} naming the user, host and what is wrong
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertUsable, Auth } from "./auth.ts";
 * assert.doesNotThrow(() => assertUsable(new Auth({ username: "alice", password: "secret" })));
 * const oidc = new Auth({ username: "id", password: "secret", tokenEndpoint: "https://id.example/token" });
 * assert.doesNotThrow(() => assertUsable(oidc));
 * const bare = new Auth({ username: "alice", password: "secret", mechanism: "OAUTHBEARER" });
 * assert.throws(() => assertUsable(bare), { name: "UnsupportedError", message: /token_endpoint/ });
 * ```
 */
export function assertUsable(auth: Auth): void {
  const who = `credential '${auth.username}'${auth.hostname === "" ? "" : ` for ${auth.hostname}`}`;
  if (!(USABLE_SASL_MECHANISMS as readonly string[]).includes(auth.mechanism)) {
    throw new UnsupportedError(
      `${who} uses SASL mechanism '${auth.mechanism}', which is not supported ` +
        `(use ${USABLE_SASL_MECHANISMS.join(", ")})`,
    );
  }
  if (auth.mechanism === "OAUTHBEARER" && auth.tokenEndpoint === undefined) {
    throw new UnsupportedError(
      `${who} uses OAUTHBEARER without a token_endpoint; only OpenID Connect tokens from a ` +
        "token endpoint (client-credentials grant) are supported",
    );
  }
  if (auth.tokenEndpoint !== undefined) {
    if (auth.mechanism !== "OAUTHBEARER") {
      throw new UnsupportedError(
        `${who} has a token_endpoint but SASL mechanism '${auth.mechanism}'; ` +
          "OpenID Connect needs OAUTHBEARER (leave the mechanism out)",
      );
    }
    if (!/^https?:\/\/[^/?#\s]+/i.test(auth.tokenEndpoint)) {
      throw new UnsupportedError(
        `${who} has token_endpoint '${auth.tokenEndpoint}', which is not an http(s) URL`,
      );
    }
  }
}
