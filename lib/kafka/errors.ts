/**
 * Error classes shared by the Kafka adapter and the hop layer above it. Every message names what
 * went wrong (user, host, topic, group) and never contains a password. The hop layer re-exports
 * them under the same names.
 *
 * @module
 */

/**
 * Base class of every error raised by this library, so callers can tell our errors from bugs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HopError } from "./errors.ts";
 * const error = new HopError("something went wrong");
 * assert.deepEqual(error.name, "HopError");
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
 * A credential given on the command line or in code that is malformed or cannot be used (empty
 * username, an unknown SASL mechanism, an unreadable CA certificate file, ...).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HopError, InvalidCredentialError } from "./errors.ts";
 * assert.deepEqual(new InvalidCredentialError("empty username") instanceof HopError, true);
 * ```
 */
export class InvalidCredentialError extends HopError {}

/**
 * What kind of failure a {@linkcode KafkaError} is, which decides what a client does next:
 *
 * - `"transient"`: an outage, a timeout, a moved leader or coordinator; waiting may help.
 * - `"rebalance"`: the consumer group changed (a commit lost to it; the message comes again).
 * - `"authentication"`: wrong username, password or mechanism.
 * - `"authorization"`: the credential may not do this (ACL).
 * - `"unknown-topic"`: the topic does not exist.
 * - `"too-large"`: a message or batch over the broker's size limit.
 * - `"bad-request"`: the broker refused the request as malformed or unsupported.
 * - `"fatal"`: anything else that waiting cannot cure (an untrusted certificate, a bug).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type FailureKind, isRecoverable, KafkaError } from "./errors.ts";
 * const kinds: FailureKind[] = ["transient", "rebalance", "authorization", "fatal"];
 * const recoverable = kinds.map((kind) => isRecoverable(new KafkaError("failed", { kind })));
 * assert.deepEqual(recoverable, [true, true, false, false]);
 * ```
 */
export type FailureKind =
  | "transient"
  | "rebalance"
  | "authentication"
  | "authorization"
  | "unknown-topic"
  | "too-large"
  | "bad-request"
  | "fatal";

/**
 * Options shared by {@linkcode KafkaError} and its subclasses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KafkaError, type KafkaErrorOptions } from "./errors.ts";
 * const cause = new Error("socket closed");
 * const options: KafkaErrorOptions = { code: "REQUEST_TIMED_OUT", retriable: true, cause };
 * const error = new KafkaError("request timed out", options);
 * assert.deepEqual([error.kind, error.retriable], ["transient", true]);
 * assert.equal(error.code, "REQUEST_TIMED_OUT");
 * assert.equal(error.cause, cause);
 * ```
 */
export interface KafkaErrorOptions extends ErrorOptions {
  /** Kafka error code name or number (e.g. `"TOPIC_AUTHORIZATION_FAILED"`, `29`). */
  code?: string | number;
  /** What kind of failure this is; by default derived from `retriable` and the class. */
  kind?: FailureKind;
  /** Retrying the same operation may succeed; by default true for transient and rebalance. */
  retriable?: boolean;
  /** The client cannot continue and must be recreated. */
  fatal?: boolean;
  /** Topic concerned, when there is one. */
  topic?: string;
}

function isRetriableKind(kind: FailureKind): boolean {
  return kind === "transient" || kind === "rebalance";
}

/**
 * Whether waiting can make a failure pass: an outage, a timeout, a moved leader or coordinator,
 * a rebalance. Authentication, authorization, a missing topic, an oversized message, a malformed
 * request and fatal failures cannot.
 *
 * @param error a classified failure
 * @returns true for kinds `"transient"` and `"rebalance"`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isRecoverable, KafkaError } from "./errors.ts";
 * assert.equal(isRecoverable(new KafkaError("gone", { kind: "transient" })), true);
 * assert.equal(isRecoverable(new KafkaError("denied", { kind: "authorization" })), false);
 * ```
 */
export function isRecoverable(error: KafkaError): boolean {
  return isRetriableKind(error.kind);
}

/**
 * An error reported by Kafka or the Kafka client.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KafkaError } from "./errors.ts";
 * const error = new KafkaError("topic 't' does not exist", {
 *   code: "UNKNOWN_TOPIC_OR_PARTITION",
 *   kind: "unknown-topic",
 *   topic: "t",
 * });
 * assert.deepEqual([error.kind, error.retriable, error.topic], ["unknown-topic", false, "t"]);
 * ```
 */
export class KafkaError extends HopError {
  /** Kafka error code name or number, when known. */
  readonly code?: string | number;
  /** What kind of failure this is. */
  readonly kind: FailureKind;
  /** Retrying the same operation may succeed (true for transient and rebalance failures). */
  readonly retriable: boolean;
  /** The client cannot continue and must be recreated. */
  readonly fatal: boolean;
  /** Topic concerned, when there is one. */
  readonly topic?: string;

  /**
   * Creates a KafkaError.
   *
   * @param message the problem, naming topic/host where known
   * @param options code, kind, retriable, fatal, topic and cause
   */
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.kind = options.kind ?? defaultKind(new.target, options.retriable);
    this.retriable = options.kind !== undefined
      ? isRetriableKind(options.kind)
      : options.retriable ?? isRetriableKind(this.kind);
    this.fatal = options.fatal ?? false;
    this.topic = options.topic;
  }
}

/**
 * A message larger than the broker accepts for its topic (`max.message.bytes`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MessageTooLargeError } from "./errors.ts";
 * const error = new MessageTooLargeError("message of 2000000 bytes is too large for topic 't'", { topic: "t" });
 * assert.deepEqual([error.kind, error.topic], ["too-large", "t"]);
 * ```
 */
export class MessageTooLargeError extends KafkaError {}

/**
 * The broker cannot be reached, or the TLS handshake failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectionError } from "./errors.ts";
 * const error = new ConnectionError("cannot connect to 127.0.0.1:1", { retriable: true });
 * assert.deepEqual(error.kind, "transient");
 * ```
 */
export class ConnectionError extends KafkaError {}

/**
 * SASL authentication failed (wrong username/password or mechanism). Names user and host.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuthenticationError } from "./errors.ts";
 * const error = new AuthenticationError("authentication failed for user 'alice' at example.org:9092");
 * assert.deepEqual([error.kind, error.retriable], ["authentication", false]);
 * ```
 */
export class AuthenticationError extends KafkaError {}

/**
 * The credential is not allowed to do this (ACL). Names the topic or group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuthorizationError } from "./errors.ts";
 * const error = new AuthorizationError("not authorized to read topic 't'", { topic: "t" });
 * assert.deepEqual([error.kind, error.topic], ["authorization", "t"]);
 * ```
 */
export class AuthorizationError extends KafkaError {}

function defaultKind(type: typeof KafkaError, retriable: boolean | undefined): FailureKind {
  if (type === AuthenticationError || type.prototype instanceof AuthenticationError) {
    return "authentication";
  }
  if (type === AuthorizationError || type.prototype instanceof AuthorizationError) {
    return "authorization";
  }
  if (type === MessageTooLargeError || type.prototype instanceof MessageTooLargeError) {
    return "too-large";
  }
  return retriable ? "transient" : "fatal";
}

/**
 * Messages that were queued by a producer could not all be delivered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DeliveryError } from "./errors.ts";
 * const error = new DeliveryError(2, [new Error("broker down")]);
 * assert.deepEqual(error.message, "2 messages remain unsent, some data may have been lost!: broker down");
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
