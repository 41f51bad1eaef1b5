/**
 * classifyKafkaError: one failure kind per client error, decided by error class name, Kafka error
 * code and retriable flag, with texts that name user, host, topic or group and never the password.
 */
import assert from "node:assert/strict";
import { test } from "./support/deadline.ts";
import {
  classifyKafkaError,
  type ErrorContext,
  failureKindOf,
  redact,
} from "../lib/kafka/classify.ts";
import {
  AuthenticationError,
  AuthorizationError,
  ConnectionError,
  type FailureKind,
  KafkaError,
  MessageTooLargeError,
} from "../lib/kafka/errors.ts";
import * as hopErrors from "../lib/hop/errors.ts";
import * as kafkaErrors from "../lib/kafka/errors.ts";

const PASSWORD = "s3cret-pw";
const CONTEXT: ErrorContext = {
  brokers: ["kafka.example.org:9092"],
  credential: { username: "alice", password: PASSWORD, mechanism: "SCRAM-SHA-512", tls: true },
  topics: ["t"],
  groupId: "g",
};

/** An error shaped like the ones kafkajs throws. */
function clientError(
  name: string,
  message: string,
  fields: { type?: string; retriable?: boolean; cause?: unknown } = {},
): Error {
  return Object.assign(new Error(message), { name, retriable: true, ...fields });
}

function protocolError(type: string, retriable: boolean): Error {
  return clientError("KafkaJSProtocolError", `broker said ${type}`, { type, retriable });
}

const CASES: [string, Error, FailureKind][] = [
  ["SASL failure", clientError("KafkaJSSASLAuthenticationError", "SASL bad"), "authentication"],
  ["topic ACL", protocolError("TOPIC_AUTHORIZATION_FAILED", false), "authorization"],
  ["group ACL", protocolError("GROUP_AUTHORIZATION_FAILED", false), "authorization"],
  ["missing topic", protocolError("UNKNOWN_TOPIC_OR_PARTITION", true), "unknown-topic"],
  ["too large", protocolError("MESSAGE_TOO_LARGE", false), "too-large"],
  ["rebalance", protocolError("REBALANCE_IN_PROGRESS", true), "rebalance"],
  ["old generation", protocolError("ILLEGAL_GENERATION", false), "rebalance"],
  ["unknown member", protocolError("UNKNOWN_MEMBER_ID", false), "rebalance"],
  ["fenced", protocolError("FENCED_INSTANCE_ID", false), "rebalance"],
  ["moved leader", protocolError("NOT_LEADER_FOR_PARTITION", true), "transient"],
  ["coordinator loading", protocolError("COORDINATOR_LOAD_IN_PROGRESS", true), "transient"],
  ["corrupt", protocolError("CORRUPT_MESSAGE", false), "bad-request"],
  ["refused", clientError("KafkaJSConnectionError", "Connection error: ECONNREFUSED"), "transient"],
  ["timeout", clientError("KafkaJSRequestTimeoutError", "Request timed out"), "transient"],
  [
    "not implemented",
    clientError("KafkaJSNotImplemented", "no", { retriable: false }),
    "bad-request",
  ],
  [
    "untrusted certificate",
    clientError(
      "KafkaJSConnectionError",
      "Connection error: invalid peer certificate: UnknownIssuer",
    ),
    "fatal",
  ],
  ["a bug", new TypeError("x is not a function"), "fatal"],
  [
    "retries exhausted around a moved leader",
    clientError("KafkaJSNumberOfRetriesExceeded", "moved", {
      retriable: false,
      cause: protocolError("NOT_LEADER_FOR_PARTITION", true),
    }),
    "transient",
  ],
];

for (const [what, error, kind] of CASES) {
  test(`classifyKafkaError: ${what} is ${kind}`, () => {
    assert.equal(failureKindOf(error), kind);
    const classified = classifyKafkaError(error, CONTEXT);
    assert.equal(classified.kind, kind);
    assert.equal(classified.retriable, kind === "transient" || kind === "rebalance");
    assert.ok(classified.message.includes("kafka.example.org:9092"), classified.message);
    assert.equal(classified.cause, error);
  });
}

test("classifyKafkaError texts name user, host, topic and group", () => {
  const auth = classifyKafkaError(
    clientError("KafkaJSSASLAuthenticationError", `SASL SCRAM failed for ${PASSWORD}`),
    CONTEXT,
  );
  assert.ok(auth instanceof AuthenticationError);
  assert.match(auth.message, /^authentication failed for user 'alice' at kafka\.example\.org:9092/);
  assert.ok(!auth.message.includes(PASSWORD), auth.message);

  const topic = classifyKafkaError(protocolError("TOPIC_AUTHORIZATION_FAILED", false), CONTEXT);
  assert.ok(topic instanceof AuthorizationError);
  assert.equal(
    topic.message,
    "user 'alice' is not authorized for topic 't' at kafka.example.org:9092",
  );

  const group = classifyKafkaError(protocolError("GROUP_AUTHORIZATION_FAILED", false), CONTEXT);
  assert.match(group.message, /user 'alice' is not authorized to use consumer group 'g'/);

  const missing = classifyKafkaError(protocolError("UNKNOWN_TOPIC_OR_PARTITION", true), CONTEXT);
  assert.equal(missing.message, "topic 't' does not exist at kafka.example.org:9092");
  assert.equal(missing.topic, "t");

  const large = classifyKafkaError(protocolError("MESSAGE_TOO_LARGE", false), CONTEXT);
  assert.ok(large instanceof MessageTooLargeError);

  const refused = classifyKafkaError(
    clientError("KafkaJSConnectionError", "Connection error: connect ECONNREFUSED"),
    { brokers: ["127.0.0.1:1"] },
  );
  assert.ok(refused instanceof ConnectionError);
  assert.match(refused.message, /^cannot connect to Kafka at 127\.0\.0\.1:1: /);

  const tls = classifyKafkaError(
    clientError("KafkaJSConnectionError", "Connection error: self-signed certificate"),
    CONTEXT,
  );
  assert.ok(tls instanceof ConnectionError);
  assert.match(tls.message, /^TLS connection to kafka\.example\.org:9092 failed/);
});

test("a short password is hidden where it stands alone, not inside other words", () => {
  const credential = { ...CONTEXT.credential!, password: "b" };
  const line = 'joining {"broker":"127.0.0.1:9092"} as alice with password b';
  assert.equal(
    redact(line, credential),
    'joining {"broker":"127.0.0.1:9092"} as alice with password ***',
  );
  const long = { ...credential, password: PASSWORD };
  assert.equal(redact(`x${PASSWORD}y`, long), "x***y");
});

test("a KafkaError passes through classifyKafkaError unchanged", () => {
  const error = new KafkaError("already classified", { kind: "unknown-topic" });
  assert.equal(classifyKafkaError(error, CONTEXT), error);
});

test("KafkaError kinds default from the class and the retriable flag", () => {
  assert.equal(new KafkaError("x").kind, "fatal");
  assert.equal(new KafkaError("x", { retriable: true }).kind, "transient");
  assert.equal(new ConnectionError("x", { retriable: true }).retriable, true);
  assert.equal(new AuthenticationError("x").kind, "authentication");
  assert.equal(new AuthorizationError("x").kind, "authorization");
  assert.equal(new MessageTooLargeError("x").kind, "too-large");
  assert.equal(new KafkaError("x", { kind: "rebalance" }).retriable, true);
});

test("lib/hop/errors.ts re-exports the moved classes as the same classes", () => {
  for (
    const name of [
      "HopError",
      "KafkaError",
      "ConnectionError",
      "AuthenticationError",
      "AuthorizationError",
      "MessageTooLargeError",
      "DeliveryError",
      "InvalidCredentialError",
    ] as const
  ) {
    assert.equal(hopErrors[name], kafkaErrors[name], name);
  }
});
