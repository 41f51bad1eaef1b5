/**
 * Turns whatever the Kafka client throws into one {@linkcode KafkaError} (or subclass) with a
 * {@linkcode FailureKind}, decided once, here, from the client's error class name, the Kafka error
 * code and its retriable flag. Messages name the user, the host and the topic or group, and never
 * the password.
 *
 * @module
 */
import {
  AuthenticationError,
  AuthorizationError,
  ConnectionError,
  type FailureKind,
  HopError,
  KafkaError,
  type KafkaErrorOptions,
  MessageTooLargeError,
} from "./errors.ts";
import type { KafkaCredential } from "./types.ts";

/** What an error message may name: who, where, which topic or group. */
export interface ErrorContext {
  /** Broker addresses. */
  brokers: string[];
  /** Credential in use, if any (only its username is ever shown). */
  credential?: KafkaCredential;
  /** Topics concerned. */
  topics?: string[];
  /** Consumer group concerned. */
  groupId?: string;
  /** What was being done, e.g. "reading", "writing", "listing topics". */
  action?: string;
  /** The CA set TLS connections trust, as named in messages (see `trust_store.ts`). */
  trust?: string;
}

/** Kafka error codes of a consumer group that changed under a member. */
const REBALANCE_CODES = new Set([
  "REBALANCE_IN_PROGRESS",
  "ILLEGAL_GENERATION",
  "UNKNOWN_MEMBER_ID",
  "FENCED_INSTANCE_ID",
]);
const AUTHENTICATION_CODES = new Set([
  "SASL_AUTHENTICATION_FAILED",
  "ILLEGAL_SASL_STATE",
  "UNSUPPORTED_SASL_MECHANISM",
]);
const AUTHORIZATION_CODES = new Set([
  "TOPIC_AUTHORIZATION_FAILED",
  "GROUP_AUTHORIZATION_FAILED",
  "CLUSTER_AUTHORIZATION_FAILED",
  "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
  "DELEGATION_TOKEN_AUTHORIZATION_FAILED",
]);
const TOO_LARGE_CODES = new Set(["MESSAGE_TOO_LARGE", "RECORD_LIST_TOO_LARGE"]);
const BAD_REQUEST_CODES = new Set([
  "CORRUPT_MESSAGE",
  "INVALID_TOPIC_EXCEPTION",
  "INVALID_REQUIRED_ACKS",
  "INVALID_REQUEST",
  "INVALID_RECORD",
  "INVALID_TIMESTAMP",
  "INVALID_CONFIG",
  "INVALID_PARTITIONS",
  "INVALID_REPLICATION_FACTOR",
  "INVALID_COMMIT_OFFSET_SIZE",
  "INVALID_SESSION_TIMEOUT",
  "INVALID_GROUP_ID",
  "INCONSISTENT_GROUP_PROTOCOL",
  "UNSUPPORTED_VERSION",
  "UNSUPPORTED_FOR_MESSAGE_FORMAT",
  "UNSUPPORTED_COMPRESSION_TYPE",
  "POLICY_VIOLATION",
]);
/** Client errors that mean the broker could not be reached or answered too late. */
const UNREACHABLE_NAMES = new Set([
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSNoBrokerAvailableError",
  "KafkaJSBrokerNotFound",
]);
/** Client errors that pass by retrying (stale metadata, a coordinator that moved, a lock). */
const TRANSIENT_NAMES = new Set([
  "KafkaJSRequestTimeoutError",
  "KafkaJSMetadataNotLoaded",
  "KafkaJSTopicMetadataNotLoaded",
  "KafkaJSStaleTopicMetadataAssignment",
  "KafkaJSGroupCoordinatorNotFound",
  "KafkaJSLockTimeout",
  "KafkaJSTimeout",
]);
const BAD_REQUEST_NAMES = new Set([
  "KafkaJSNotImplemented",
  "KafkaJSServerDoesNotSupportApiKey",
  "KafkaJSUnsupportedMagicByteInMessageSet",
]);

type ClientError = Error & {
  type?: unknown;
  code?: unknown;
  retriable?: unknown;
  topic?: unknown;
  cause?: unknown;
};

/** The innermost error: the client wraps the failure of the last retry in retry errors. */
function rootCause(error: unknown): ClientError {
  let current = error as ClientError;
  for (let depth = 0; depth < 10; depth++) {
    const cause = current?.cause as ClientError | undefined;
    if (!cause || typeof cause !== "object") break;
    current = cause;
  }
  return current ?? new Error(String(error));
}

/**
 * Whether an error text is about the TLS certificate or handshake. TLS failures carry no code in
 * the Kafka client, so this is the one place where the text decides.
 *
 * @param text an error message
 * @returns true for certificate and handshake problems
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTlsCertificateText } from "./classify.ts";
 * assert.equal(isTlsCertificateText("invalid peer certificate: UnknownIssuer"), true);
 * assert.equal(isTlsCertificateText("Connection refused"), false);
 * ```
 */
export function isTlsCertificateText(text: string): boolean {
  return /certificate|self[- ]signed|UnknownIssuer|NotValidForName|CERT_|handshake/i.test(text);
}

/**
 * Whether an error text says that the peer hung up during the TLS handshake or answered it with
 * something that is not TLS, as a listener without TLS does.
 *
 * @param text an error message
 * @returns true when the peer looks like a plaintext listener
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPlaintextPeerText } from "./classify.ts";
 * assert.equal(
 *   isPlaintextPeerText(
 *     "Client network socket disconnected before secure TLS connection was established",
 *   ),
 *   true,
 * );
 * assert.equal(isPlaintextPeerText("Connection refused"), false);
 * ```
 */
export function isPlaintextPeerText(text: string): boolean {
  return /before secure TLS connection was established|wrong version number|InvalidContentType|corrupt message/i
    .test(text);
}

/**
 * Replaces the credential's password by `***`: everywhere when it is 8 characters or longer, and
 * where it stands on its own (no letter or digit on either side) when shorter, so that a short
 * password does not mangle every word it happens to be part of.
 *
 * @param text any text
 * @param credential the credential in use
 * @returns the text without the password
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redact } from "./classify.ts";
 * const credential = { username: "u", password: "pw", mechanism: "PLAIN" as const, tls: false };
 * assert.equal(redact("bad pw", credential), "bad ***");
 * assert.equal(redact("upward", credential), "upward");
 * const long = { ...credential, password: "correct-horse" };
 * assert.equal(redact("xcorrect-horsex", long), "x***x");
 * ```
 */
export function redact(text: string, credential?: KafkaCredential): string {
  const password = credential?.password;
  if (!password) return text;
  if (password.length >= 8) return text.split(password).join("***");
  const alone = new RegExp(
    `(?<![\\p{L}\\p{N}])${RegExp.escape(password)}(?![\\p{L}\\p{N}])`,
    "gu",
  );
  return text.replace(alone, "***");
}

/**
 * The kind of a client error, from its class name, Kafka error code and retriable flag.
 *
 * @param error what the Kafka client threw (or its root cause)
 * @returns the failure kind
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failureKindOf } from "./classify.ts";
 * const error = Object.assign(new Error("x"), { name: "KafkaJSProtocolError", type: "REBALANCE_IN_PROGRESS", retriable: true });
 * assert.equal(failureKindOf(error), "rebalance");
 * ```
 */
export function failureKindOf(error: unknown): FailureKind {
  if (error instanceof KafkaError) return error.kind;
  const cause = rootCause(error);
  const name = String(cause.name ?? "");
  const type = typeof cause.type === "string" ? cause.type : "";
  if (name === "KafkaJSSASLAuthenticationError" || AUTHENTICATION_CODES.has(type)) {
    return "authentication";
  }
  if (AUTHORIZATION_CODES.has(type)) return "authorization";
  if (type === "UNKNOWN_TOPIC_OR_PARTITION") return "unknown-topic";
  if (TOO_LARGE_CODES.has(type)) return "too-large";
  if (REBALANCE_CODES.has(type)) return "rebalance";
  if (BAD_REQUEST_CODES.has(type) || BAD_REQUEST_NAMES.has(name)) return "bad-request";
  if (isTlsCertificateText(String(cause.message ?? ""))) return "fatal";
  if (UNREACHABLE_NAMES.has(name) || TRANSIENT_NAMES.has(name)) return "transient";
  if (name.startsWith("KafkaJS") && cause.retriable === true) return "transient";
  return "fatal";
}

function topicOf(cause: ClientError, context: ErrorContext): string | undefined {
  if (typeof cause.topic === "string") return cause.topic;
  return context.topics?.length === 1 ? context.topics[0] : undefined;
}

function topicPhrase(topic: string | undefined, context: ErrorContext): string {
  if (topic !== undefined) return `topic '${topic}'`;
  if (context.topics?.length) return `topics ${context.topics.map((t) => `'${t}'`).join(", ")}`;
  return "the requested topics";
}

/**
 * The error for a connection that could not be made or was lost: a TLS handshake the peer cut
 * short, an untrusted certificate (naming the trusted CA set), or an unreachable broker.
 *
 * @param reason the failure's text, without secrets
 * @param context who, where and what, for the message
 * @param closed whether the peer closed the connection
 * @param options code, kind and cause of the error made
 * @returns the error, or undefined when the text says nothing about TLS and `kind` is not
 *   transient
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectionFailure } from "./classify.ts";
 * const error = connectionFailure("Connection refused (os error 111)", {
 *   brokers: ["k:9092"],
 * }, false, { kind: "transient" });
 * assert.equal(error?.message, "cannot connect to Kafka at k:9092: Connection refused (os error 111)");
 * assert.equal(error?.kind, "transient");
 * ```
 */
export function connectionFailure(
  reason: string,
  context: ErrorContext,
  closed: boolean,
  options: KafkaErrorOptions,
): KafkaError | undefined {
  const hosts = context.brokers.join(",");
  const credential = context.credential;
  if (credential?.tls && isPlaintextPeerText(reason)) {
    return new ConnectionError(
      `TLS connection to ${hosts} failed: the connection closed during the TLS handshake, as ` +
        `it does when the broker goes down or does not speak TLS (for a SASL_PLAINTEXT ` +
        `listener, use --no-tls)`,
      options,
    );
  }
  if (isTlsCertificateText(reason)) {
    const advice = context.trust
      ? ` (trusted: ${context.trust}; name the CA that signed the broker's certificate with ` +
        `--ca-file or the credential's ssl_ca_location)`
      : "";
    return new ConnectionError(`TLS connection to ${hosts} failed: ${reason}${advice}`, options);
  }
  if (options.kind !== "transient") return undefined;
  const hint = closed
    ? credential?.tls
      ? " (the broker closed the connection)"
      : " (the broker closed the connection; does it expect TLS or SASL credentials?)"
    : "";
  return new ConnectionError(`cannot connect to Kafka at ${hosts}: ${reason}${hint}`, options);
}

/**
 * Turns anything the Kafka client throws into a {@linkcode KafkaError} whose kind is decided by
 * {@linkcode failureKindOf} and whose text names the user, the host and the topic or group,
 * never the password. A {@linkcode KafkaError} passes through unchanged.
 *
 * @param error what was thrown
 * @param context who, where and what, for the message
 * @returns the matching error
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyKafkaError } from "./classify.ts";
 * import { AuthorizationError } from "./errors.ts";
 * const denied = Object.assign(new Error("Not authorized to access topics"), {
 *   name: "KafkaJSProtocolError", type: "TOPIC_AUTHORIZATION_FAILED", retriable: false,
 * });
 * const error = classifyKafkaError(denied, { brokers: ["k:9092"], topics: ["t"] });
 * assert.ok(error instanceof AuthorizationError);
 * assert.equal(error.message, "an anonymous client is not authorized for topic 't' at k:9092");
 * ```
 */
export function classifyKafkaError(error: unknown, context: ErrorContext): KafkaError {
  if (error instanceof KafkaError) return error;
  if (error instanceof HopError) {
    return new KafkaError(error.message, { cause: error, kind: "fatal" });
  }
  const cause = rootCause(error);
  const kind = failureKindOf(cause);
  const hosts = context.brokers.join(",");
  const credential = context.credential;
  const user = credential ? `user '${credential.username}'` : "an anonymous client";
  const reason = redact(String(cause.message ?? error), credential);
  const type = typeof cause.type === "string" ? cause.type : undefined;
  const code = type ?? (typeof cause.code === "string" ? cause.code : undefined);
  const topic = topicOf(cause, context);
  const options = { cause: error, code, kind, topic };
  const during = context.action ? ` (${context.action})` : "";
  switch (kind) {
    case "authentication":
      return new AuthenticationError(
        `authentication failed for ${user} at ${hosts}: ${reason}`,
        { ...options, fatal: true },
      );
    case "authorization":
      if (type === "GROUP_AUTHORIZATION_FAILED") {
        return new AuthorizationError(
          `${user} is not authorized to use consumer group '${context.groupId ?? "?"}' at ${hosts}`,
          options,
        );
      }
      if (type === "TOPIC_AUTHORIZATION_FAILED") {
        return new AuthorizationError(
          `${user} is not authorized for ${topicPhrase(topic, context)}${during} at ${hosts}`,
          options,
        );
      }
      return new AuthorizationError(
        `${user} is not authorized for this operation${during} at ${hosts}`,
        options,
      );
    case "unknown-topic":
      return new KafkaError(`${topicPhrase(topic, context)} does not exist at ${hosts}`, options);
    case "too-large":
      return new MessageTooLargeError(
        `the broker at ${hosts} rejected a message batch for ${
          topicPhrase(topic, context)
        } as too large: ${reason}`,
        options,
      );
  }
  const name = String(cause.name ?? "");
  if (UNREACHABLE_NAMES.has(name) || isTlsCertificateText(reason) || isPlaintextPeerText(reason)) {
    const closed = name === "KafkaJSConnectionClosedError" || /closed/i.test(reason);
    const failure = connectionFailure(reason, context, closed, options);
    if (failure) return failure;
  }
  if (name === "KafkaJSRequestTimeoutError") {
    return new ConnectionError(`request to Kafka at ${hosts} timed out`, options);
  }
  return new KafkaError(
    `Kafka error at ${hosts}${type ? ` (${type})` : ""}${
      context.action ? ` while ${context.action}` : ""
    }: ${reason}`,
    options,
  );
}
