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
 * import { InvalidUrlError, parseKafkaUrl } from "@igwn/alert";
 * try {
 *   parseKafkaUrl("kafka://a,b/t");
 * } catch (error) {
 *   console.assert(error instanceof InvalidUrlError);
 * }
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
 * import { AuthFileError, loadAuth } from "@igwn/alert";
 * try {
 *   await loadAuth("/nonexistent/auth.toml");
 * } catch (error) {
 *   if (error instanceof AuthFileError) console.error(error.path, error.message);
 * }
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
 * import { AuthFileNotFoundError, loadAuth } from "@igwn/alert";
 * const creds = await loadAuth("/nonexistent/auth.toml").catch((error) => {
 *   if (error instanceof AuthFileNotFoundError) return [];
 *   throw error;
 * });
 * console.log(creds.length);
 * ```
 */
export class AuthFileNotFoundError extends AuthFileError {}

/**
 * No stored credential fits the broker (and username) of a URL. The message says how to add one.
 *
 * @example
 * ```ts
 * import { NoCredentialError, selectCredential } from "@igwn/alert";
 * try {
 *   selectCredential([], "kafka.example.org");
 * } catch (error) {
 *   console.assert(error instanceof NoCredentialError);
 * }
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

/** One credential listed in an {@linkcode AmbiguousCredentialError}. */
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
 * import { AmbiguousCredentialError, Auth, selectCredential } from "@igwn/alert";
 * const creds = [new Auth({ username: "a", password: "x" }), new Auth({ username: "b", password: "y" })];
 * try {
 *   selectCredential(creds, "kafka.example.org");
 * } catch (error) {
 *   if (error instanceof AmbiguousCredentialError) console.log(error.matches.map((m) => m.username));
 * }
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
 * A feature hop has that this library does not implement yet (OpenID Connect credentials, an
 * unknown SASL mechanism, ...).
 *
 * @example
 * ```ts
 * import { assertUsable, Auth, UnsupportedError } from "@igwn/alert";
 * const oidc = new Auth({ username: "id", password: "secret", tokenEndpoint: "https://example.org/token" });
 * try {
 *   assertUsable(oidc);
 * } catch (error) {
 *   console.assert(error instanceof UnsupportedError);
 * }
 * ```
 */
export class UnsupportedError extends HopError {}

/**
 * A value that cannot be turned into a Kafka message (not a model, not JSON, not bytes).
 *
 * @example
 * ```ts
 * import { PackError, packMessage } from "@igwn/alert";
 * try {
 *   packMessage(undefined, {});
 * } catch (error) {
 *   console.assert(error instanceof PackError);
 * }
 * ```
 */
export class PackError extends HopError {}

/**
 * Message content that does not fit its declared format (malformed XML for a VOEvent, a circular
 * without header, an Avro container with a bad header, ...).
 *
 * @example
 * ```ts
 * import { MessageFormatError, VOEvent } from "@igwn/alert";
 * try {
 *   VOEvent.load("<not-closed>");
 * } catch (error) {
 *   console.assert(error instanceof MessageFormatError);
 * }
 * ```
 */
export class MessageFormatError extends HopError {}
