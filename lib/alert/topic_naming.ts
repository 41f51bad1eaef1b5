/**
 * How igwn-alert names Kafka topics: a GraceDB group (`gracedb`, `gracedb-playground`, ...) is
 * the prefix of every topic, joined with a dot (`gracedb.superevent`), and the broker address
 * comes from a `kafka://` server URL plus a port.
 *
 * @module
 */

import { readKafkaUrl, splitAddress } from "../hop/_kafka_url.ts";
import { redactUrl } from "../hop/url.ts";
import { DEFAULT_KAFKA_PORT } from "../kafka/client_config.ts";
import { isTopicName, MAX_TOPIC_NAME_LENGTH } from "../topic_name.ts";
import { describeType } from "./_validation.ts";

/**
 * Default GraceDB group, the Kafka topic prefix of production alerts.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { DEFAULT_GROUP, fullTopicName } from "./topic_naming.ts";
 * assert.strictEqual(fullTopicName(DEFAULT_GROUP, "superevent"), "gracedb.superevent");
 * ```
 */
export const DEFAULT_GROUP = "gracedb";
/**
 * Default broker URL (SCiMMA Hopskotch).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { DEFAULT_SERVER, resolveBroker } from "./topic_naming.ts";
 * assert.strictEqual(resolveBroker(DEFAULT_SERVER).broker, "kafka.scimma.org:9092");
 * ```
 */
export const DEFAULT_SERVER = "kafka://kafka.scimma.org/";
/**
 * Default broker port, used when neither the `port` option nor the server URL names one: Kafka's
 * 9092, the same constant the Kafka layer adds to addresses without a port.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { DEFAULT_PORT, resolveBroker } from "./topic_naming.ts";
 * assert.strictEqual(resolveBroker("kafka://localhost/").port, DEFAULT_PORT);
 * ```
 */
export const DEFAULT_PORT: number = DEFAULT_KAFKA_PORT;

/**
 * Kafka topic name of `topic` in `group`: `<group>.<topic>`.
 *
 * @param group GraceDB group (topic prefix), e.g. `gracedb-playground`.
 * @param topic unprefixed topic, e.g. `superevent`.
 * @returns the full Kafka topic name.
 * @throws {RangeError} when the group or topic is empty or the result breaks Kafka's topic-name
 *   rule (see `lib/topic_name.ts`): characters other than `A-Z a-z 0-9 . _ -`, or longer than
 *   249 characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { fullTopicName } from "./topic_naming.ts";
 * assert.strictEqual(fullTopicName("gracedb", "superevent"), "gracedb.superevent");
 * ```
 */
export function fullTopicName(group: string, topic: string): string {
  if (!group) throw new RangeError("group must not be empty");
  if (!topic) throw new RangeError(`topic name must not be empty (group '${group}')`);
  const full = `${group}.${topic}`;
  if (isTopicName(full)) return full;
  if (full.length > MAX_TOPIC_NAME_LENGTH) {
    throw new RangeError(`topic '${full}' is longer than ${MAX_TOPIC_NAME_LENGTH} characters`);
  }
  throw new RangeError(
    `topic '${full}' holds characters Kafka does not allow (only A-Z a-z 0-9 . _ -)`,
  );
}

/**
 * The unprefixed topic name: removes exactly `<group>.` from the start of `fullTopic`. Dots after
 * the prefix are kept (the Python client truncated at the second dot). A name outside the group
 * is returned unchanged.
 *
 * @param group GraceDB group whose prefix to remove.
 * @param fullTopic Kafka topic name.
 * @returns the topic name without the group prefix.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { stripGroupPrefix } from "./topic_naming.ts";
 * assert.strictEqual(stripGroupPrefix("gracedb", "gracedb.cbc_gstlal"), "cbc_gstlal");
 * assert.strictEqual(stripGroupPrefix("gracedb", "gracedb.a.b"), "a.b");
 * ```
 */
export function stripGroupPrefix(group: string, fullTopic: string): string {
  const prefix = `${group}.`;
  return fullTopic.startsWith(prefix) ? fullTopic.slice(prefix.length) : fullTopic;
}

/**
 * Whether `fullTopic` belongs to `group`, by exact prefix (group `test` does not own
 * `gracedb-test.superevent`, which the Python client's substring match accepted).
 *
 * @param group GraceDB group.
 * @param fullTopic Kafka topic name.
 * @returns true when the topic starts with `<group>.` and has a name after it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { isGroupTopic } from "./topic_naming.ts";
 * assert.ok(isGroupTopic("test", "test.superevent"));
 * assert.ok(!isGroupTopic("test", "gracedb-test.superevent"));
 * ```
 */
export function isGroupTopic(group: string, fullTopic: string): boolean {
  return fullTopic.length > group.length + 1 && fullTopic.startsWith(`${group}.`);
}

/**
 * A broker address resolved from a server URL and a port.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { type BrokerAddress, resolveBroker } from "./topic_naming.ts";
 * const address: BrokerAddress = resolveBroker("kafka://localhost:9093/");
 * assert.deepStrictEqual(address, {
 *   host: "localhost",
 *   port: 9093,
 *   broker: "localhost:9093",
 *   url: "kafka://localhost:9093",
 * });
 * ```
 */
export interface BrokerAddress {
  /** Host name or IP literal (IPv6 in brackets), without scheme or port. */
  host: string;
  /** TCP port. */
  port: number;
  /** `host:port`, the form credentials' `hostname` is matched against. */
  broker: string;
  /** `kafka://host:port`, without a path. */
  url: string;
}

/**
 * Resolves the broker from a `kafka://host[:port][/]` server URL, read by the same rules as
 * {@linkcode parseKafkaUrl} (scheme in any case, bracketed IPv6 literals, a username hint before
 * `@` is allowed and ignored, a password is refused). Port precedence: an explicit `port`
 * argument, then a port inside the URL, then {@linkcode DEFAULT_PORT} (9092).
 *
 * @param server server URL, e.g. `kafka://kafka.scimma.org/`.
 * @param port explicit port, or undefined to use the URL's port or the default.
 * @returns host, port, `host:port` and the base URL.
 * @throws {TypeError} when `server` is not a string.
 * @throws {RangeError} when the URL is not a valid `kafka://` URL (the reason is named), names a
 *   topic, lists several brokers, or a port is outside 1-65535.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { resolveBroker } from "./topic_naming.ts";
 * assert.strictEqual(resolveBroker("kafka://localhost:9093/").broker, "localhost:9093");
 * assert.strictEqual(resolveBroker("kafka://localhost:9093/", 1234).port, 1234);
 * assert.strictEqual(resolveBroker("kafka://kafka.scimma.org/").port, 9092);
 * assert.strictEqual(resolveBroker("KAFKA://[::1]/").broker, "[::1]:9092");
 * assert.throws(() => resolveBroker("http://h/"), /not a valid kafka:\/\/ URL: must start with/);
 * ```
 */
export function resolveBroker(server: string, port?: number): BrokerAddress {
  if (typeof server !== "string") {
    throw new TypeError(`"server" must be a string, not ${describeType(server)}`);
  }
  if (port !== undefined) checkPort(port, "port");
  const shown = redactUrl(server);
  const parsed = readKafkaUrl(server.trim(), true);
  if ("problem" in parsed) {
    throw new RangeError(
      `server '${shown}' is not a valid kafka:// URL: ${parsed.problem} (expected ` +
        `kafka://host[:port]/)`,
    );
  }
  if (parsed.topics.length) {
    throw new RangeError(
      `server '${shown}' names a topic; give the broker only (kafka://host[:port]/) and the ` +
        `group separately`,
    );
  }
  if (parsed.brokers.length > 1) {
    throw new RangeError(`server '${shown}' lists several brokers; only one is supported`);
  }
  const { host, port: urlPort } = splitAddress(parsed.brokers[0]);
  const resolvedPort = port ?? (urlPort === undefined ? DEFAULT_PORT : Number(urlPort));
  const broker = `${host}:${resolvedPort}`;
  return { host, port: resolvedPort, broker, url: `kafka://${broker}` };
}

/**
 * The hop URL that names `topics` of `group` on a broker:
 * `kafka://host:port/<group>.<t1>,<group>.<t2>`.
 *
 * @param broker broker from {@link resolveBroker}.
 * @param group GraceDB group.
 * @param topics unprefixed topic names (a single string is one topic).
 * @returns the URL for hop's `openStream`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { resolveBroker, topicsUrl } from "./topic_naming.ts";
 * const url = topicsUrl(resolveBroker("kafka://test.server", 1234), "test", ["topic1", "topic2"]);
 * assert.strictEqual(url, "kafka://test.server:1234/test.topic1,test.topic2");
 * ```
 */
export function topicsUrl(
  broker: BrokerAddress,
  group: string,
  topics: string | readonly string[],
): string {
  const list = typeof topics === "string" ? [topics] : topics;
  return `${broker.url}/${list.map((topic) => fullTopicName(group, topic)).join(",")}`;
}

function checkPort(port: number, what: string): void {
  if (typeof port !== "number") {
    throw new TypeError(`"${what}" must be a number, not ${describeType(port)}`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`${what} must be an integer from 1 to 65535, got ${port}`);
  }
}
