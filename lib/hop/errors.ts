/**
 * Error classes of the hop layer. Every message names what went wrong (file, line, field, topic,
 * user, host) and never contains a password.
 *
 * @module
 */

/**
 * Base class of every error raised by the hop layer, so callers can tell our errors from bugs.
 *
 * @example
 * ```ts
 * import { HopError, parseKafkaUrl } from "@igwn/alert";
 * try {
 *   parseKafkaUrl("http://example.org/topic");
 * } catch (error) {
 *   if (error instanceof HopError) console.error(error.message);
 * }
 * ```
 */
export class HopError extends Error {
  /**
   * Creates a HopError.
   *
   * @param message what went wrong, without any secret
   * @param options standard error options (`cause`)
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

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
 * A credential given on the command line or in code that is malformed (empty username, a
 * hostname that is not `host[:port]`, an unknown SASL mechanism, ...).
 *
 * @example
 * ```ts
 * import { Auth, InvalidCredentialError } from "@igwn/alert";
 * try {
 *   new Auth({ username: "", password: "p" });
 * } catch (error) {
 *   console.assert(error instanceof InvalidCredentialError);
 * }
 * ```
 */
export class InvalidCredentialError extends HopError {}

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

/** Options shared by {@linkcode KafkaError} and its subclasses. */
export interface KafkaErrorOptions extends ErrorOptions {
  /** Kafka error code name or number (e.g. `"TOPIC_AUTHORIZATION_FAILED"`, `29`). */
  code?: string | number;
  /** Retrying the same operation may succeed. */
  retriable?: boolean;
  /** The client cannot continue and must be recreated. */
  fatal?: boolean;
  /** Topic concerned, when there is one. */
  topic?: string;
}

/**
 * An error reported by Kafka or the Kafka client.
 *
 * @example
 * ```ts
 * import { KafkaError } from "@igwn/alert";
 * const error = new KafkaError("topic 't' does not exist", { code: "UNKNOWN_TOPIC_OR_PARTITION", retriable: true, topic: "t" });
 * console.log(error.code, error.retriable, error.fatal, error.topic);
 * ```
 */
export class KafkaError extends HopError {
  /** Kafka error code name or number, when known. */
  readonly code?: string | number;
  /** Retrying the same operation may succeed. */
  readonly retriable: boolean;
  /** The client cannot continue and must be recreated. */
  readonly fatal: boolean;
  /** Topic concerned, when there is one. */
  readonly topic?: string;

  /**
   * Creates a KafkaError.
   *
   * @param message the problem, naming topic/host where known
   * @param options code, retriable, fatal, topic and cause
   */
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retriable = options.retriable ?? false;
    this.fatal = options.fatal ?? false;
    this.topic = options.topic;
  }
}

/**
 * Messages that were queued by a producer could not all be delivered.
 *
 * @example
 * ```ts
 * import { DeliveryError } from "@igwn/alert";
 * const error = new DeliveryError(2, [new Error("broker down")]);
 * console.log(error.message); // "2 messages remain unsent, some data may have been lost!: broker down"
 * ```
 */
export class DeliveryError extends HopError {
  /**
   * Creates a DeliveryError.
   *
   * @param unsent number of messages not delivered
   * @param causes the distinct failures seen
   */
  constructor(readonly unsent: number, readonly causes: readonly Error[] = []) {
    const reasons = [...new Set(causes.map((cause) => cause.message))];
    super(
      `${unsent} message${unsent === 1 ? "" : "s"} remain${
        unsent === 1 ? "s" : ""
      } unsent, some data may have been lost!` + (reasons.length ? `: ${reasons.join("; ")}` : ""),
    );
  }
}

/**
 * A message larger than the topic's `max.message.bytes`.
 *
 * @example
 * ```ts
 * import { MessageTooLargeError } from "@igwn/alert";
 * const error = new MessageTooLargeError("message of 2000000 bytes exceeds the 1048588-byte limit of topic 't'", { topic: "t" });
 * console.log(error.topic);
 * ```
 */
export class MessageTooLargeError extends KafkaError {}

/**
 * The broker cannot be reached, or the TLS handshake failed.
 *
 * @example
 * ```ts
 * import { ConnectionError } from "@igwn/alert";
 * console.log(new ConnectionError("cannot connect to 127.0.0.1:1", { retriable: true }).message);
 * ```
 */
export class ConnectionError extends KafkaError {}

/**
 * SASL authentication failed (wrong username/password or mechanism). Names user and host.
 *
 * @example
 * ```ts
 * import { AuthenticationError } from "@igwn/alert";
 * console.log(new AuthenticationError("authentication failed for user 'alice' at example.org:9092").message);
 * ```
 */
export class AuthenticationError extends KafkaError {}

/**
 * The credential is not allowed to do this (ACL). Names the topic or group.
 *
 * @example
 * ```ts
 * import { AuthorizationError } from "@igwn/alert";
 * console.log(new AuthorizationError("not authorized to read topic 't'", { topic: "t" }).topic);
 * ```
 */
export class AuthorizationError extends KafkaError {}
