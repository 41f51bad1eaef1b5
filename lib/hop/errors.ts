/**
 * Error classes of the hop layer. Every message names what went wrong (file, line, field, topic,
 * user, host) and never contains a password.
 *
 * @module
 */
import { HopError } from "../kafka/errors.ts";

export {
  AuthenticationError,
  AuthorizationError,
  ConnectionError,
  DeliveryError,
  type FailureKind,
  HopError,
  InvalidCredentialError,
  KafkaError,
  type KafkaErrorOptions,
  MessageTooLargeError,
} from "../kafka/errors.ts";

/**
 * A Kafka URL that does not follow `kafka://[user@]host[:port]/topic[,topic...]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InvalidUrlError } from "./errors.ts";
 * import { parseKafkaUrl } from "./url.ts";
 * assert.throws(() => parseKafkaUrl("kafka://alice:secret@h/t"), (error) => {
 *   assert.ok(error instanceof InvalidUrlError);
 *   assert.equal(error.url, "kafka://alice:***@h/t");
 *   return true;
 * });
 * ```
 */
export class InvalidUrlError extends HopError {
  /**
   * Creates a InvalidUrlError.
   *
   * @param message the problem, naming the URL (with any password removed)
   * @param url the offending URL, with any password replaced by `***`
   */
  constructor(message: string, readonly url: string) {
    super(message);
  }
}

/**
 * A credential file (auth.toml, config.toml, netrc, CSV) that cannot be used. `path` names the
 * file and `line`, when known, the 1-based line of the problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuthFileError } from "./errors.ts";
 * import { parseNetrc } from "./netrc.ts";
 * assert.throws(() => parseNetrc('machine h login "oops', "/home/alice/.netrc"), (error) => {
 *   assert.ok(error instanceof AuthFileError);
 *   assert.deepEqual([error.path, error.line], ["/home/alice/.netrc", 1]);
 *   return true;
 * });
 * ```
 */
export class AuthFileError extends HopError {
  /**
   * Creates a AuthFileError.
   *
   * @param message the problem; should already name the file
   * @param path the file
   * @param line 1-based line of the problem, when known
   * @param options standard error options (`cause`)
   */
  constructor(
    message: string,
    readonly path: string,
    readonly line?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The credential file does not exist. A subclass of {@linkcode AuthFileError} so that
 * `hop auth add` style code can treat a missing file as "no credentials yet".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuthFileError, AuthFileNotFoundError } from "./errors.ts";
 * import { loadAuth } from "./auth_file.ts";
 * const error = await loadAuth("/nonexistent/auth.toml").catch((error) => error);
 * assert.ok(error instanceof AuthFileNotFoundError);
 * assert.ok(error instanceof AuthFileError);
 * assert.equal(error.path, "/nonexistent/auth.toml");
 * ```
 */
export class AuthFileNotFoundError extends AuthFileError {}

/**
 * No stored credential fits the broker (and username) of a URL. The message says how to add one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NoCredentialError } from "./errors.ts";
 * import { selectCredential } from "./select_credential.ts";
 * assert.throws(() => selectCredential([], "kafka.example.org"), (error) => {
 *   assert.ok(error instanceof NoCredentialError);
 *   assert.equal(error.hostname, "kafka.example.org");
 *   return true;
 * });
 * ```
 */
export class NoCredentialError extends HopError {
  /**
   * Creates a NoCredentialError.
   *
   * @param message the full text, including advice on adding a credential
   * @param hostname the broker that needed a credential
   * @param username the username the URL asked for, if any
   */
  constructor(message: string, readonly hostname: string, readonly username?: string) {
    super(message);
  }
}

/**
 * One credential listed in an {@linkcode AmbiguousCredentialError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CredentialSummary } from "./errors.ts";
 * import { describeCredential } from "./select_credential.ts";
 * const summary: CredentialSummary = { username: "alice", hostname: "kafka.example.org" };
 * assert.match(describeCredential(summary), /alice/);
 * ```
 */
export interface CredentialSummary {
  /** The credential's username. */
  username: string;
  /** The credential's hostname, `""` when it applies to any host. */
  hostname: string;
}

/**
 * Several stored credentials fit the broker equally well. The message lists them (usernames and
 * hosts only) and says how to pick one by putting its username in the URL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Auth } from "./auth.ts";
 * import { AmbiguousCredentialError } from "./errors.ts";
 * import { selectCredential } from "./select_credential.ts";
 * const creds = [new Auth({ username: "a", password: "x" }), new Auth({ username: "b", password: "y" })];
 * assert.throws(() => selectCredential(creds, "kafka.example.org"), (error) => {
 *   assert.ok(error instanceof AmbiguousCredentialError);
 *   assert.deepEqual(error.matches.map((match) => match.username), ["a", "b"]);
 *   return true;
 * });
 * ```
 */
export class AmbiguousCredentialError extends HopError {
  /**
   * Creates a AmbiguousCredentialError.
   *
   * @param message the full text
   * @param hostname the broker
   * @param matches the credentials that matched
   * @param username the username the URL asked for, if any
   */
  constructor(
    message: string,
    readonly hostname: string,
    readonly matches: readonly CredentialSummary[],
    readonly username?: string,
  ) {
    super(message);
  }
}

/**
 * A credential this library cannot use (an unknown SASL mechanism, OAUTHBEARER without a token
 * endpoint, ...).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertUsable, Auth } from "./auth.ts";
 * import { UnsupportedError } from "./errors.ts";
 * const bare = new Auth({ username: "id", password: "secret", mechanism: "OAUTHBEARER" });
 * assert.throws(() => assertUsable(bare), UnsupportedError);
 * ```
 */
export class UnsupportedError extends HopError {}

/**
 * A value that cannot be turned into a Kafka message (not a model, not JSON, not bytes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PackError } from "./errors.ts";
 * import { packMessage } from "./pack.ts";
 * assert.throws(() => packMessage(undefined, {}), PackError);
 * ```
 */
export class PackError extends HopError {}

/**
 * Message content that does not fit its declared format (malformed XML for a VOEvent, a circular
 * without header, an Avro container with a bad header, ...).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MessageFormatError } from "./errors.ts";
 * import { VOEvent } from "./models/voevent.ts";
 * assert.throws(() => VOEvent.load("<not-closed>"), MessageFormatError);
 * ```
 */
export class MessageFormatError extends HopError {}
