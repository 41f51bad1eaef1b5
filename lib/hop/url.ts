/**
 * Kafka URLs in hop's form `kafka://[user@]host[:port][/topic[,topic...]]`.
 *
 * @module
 */
import { InvalidUrlError } from "./errors.ts";
import { readKafkaUrl, splitAddress } from "./_kafka_url.ts";

/**
 * The parts of a Kafka URL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatKafkaUrl, type KafkaUrl, parseKafkaUrl } from "./url.ts";
 * const url: KafkaUrl = { username: "alice", brokers: ["kafka.example.org:9092"], topics: ["a"] };
 * assert.equal(formatKafkaUrl(url), "kafka://alice@kafka.example.org:9092/a");
 * assert.deepEqual(parseKafkaUrl(formatKafkaUrl(url)), url);
 * ```
 */
export interface KafkaUrl {
  /** Credential username hint from the userinfo part (never a group id). */
  username?: string;
  /**
   * Broker addresses exactly as written (`host`, `host:port`, `[::1]:9092`); one unless parsed
   * with `multipleBrokers`.
   */
  brokers: string[];
  /** Topic names; empty when the URL has no path. */
  topics: string[];
}

/**
 * Options of {@linkcode parseKafkaUrl}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseKafkaUrl, type ParseKafkaUrlOptions } from "./url.ts";
 * const options: ParseKafkaUrlOptions = { multipleBrokers: true };
 * assert.deepEqual(parseKafkaUrl("kafka://a:1,b:2/t", options).brokers, ["a:1", "b:2"]);
 * assert.throws(() => parseKafkaUrl("kafka://a:9092,b:9092/t"), /Multiple broker/);
 * ```
 */
export interface ParseKafkaUrlOptions {
  /**
   * Accept several comma-separated brokers (`kafka://a:9092,b:9092/topic`), each checked like a
   * single one. Default `false`: like hop, such a URL is refused.
   */
  multipleBrokers?: boolean;
}

/**
 * A broker address split into host and optional port.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type HostPort, splitHostPort } from "./url.ts";
 * const expected: HostPort = { host: "kafka.example.org", port: "9092" };
 * assert.deepEqual(splitHostPort("kafka.example.org:9092"), expected);
 * assert.deepEqual(splitHostPort("kafka.example.org"), { host: "kafka.example.org" });
 * ```
 */
export interface HostPort {
  /** Host name, IPv4 address or bracketed IPv6 literal (`[::1]`); `""` when unparseable. */
  host: string;
  /** Port digits, when given. */
  port?: string;
}

/**
 * Splits `host[:port]` the way hop's credential matching does: host is a bracketed IPv6 literal or
 * a colon-free string, port is digits. Anything else gives host `""` and no port.
 *
 * @param address broker address such as `kafka.example.org:9092` or `[::1]:9092`
 * @returns host and optional port
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { splitHostPort } from "@igwn/alert";
 * assert.deepStrictEqual(splitHostPort("[::1]:9092"), { host: "[::1]", port: "9092" });
 * ```
 */
export function splitHostPort(address: string): HostPort {
  return splitAddress(address);
}

/**
 * Replaces a `user:password@` userinfo by `user:***@` so that a URL can go into messages and logs.
 *
 * @param url any URL text
 * @returns the same URL without the password
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { redactUrl } from "@igwn/alert";
 * assert.strictEqual(redactUrl("kafka://alice:secret@h/t"), "kafka://alice:***@h/t");
 * ```
 */
export function redactUrl(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^@/?#]*):[^@/?#]*@/, "$1$2:***@");
}

/**
 * Parses a Kafka URL with hop's rules (scheme `kafka`, case-insensitive; userinfo before the first
 * `@` is a credential username; one broker; topics after the path's leading slashes, split on `,`;
 * no default port is added) and rejects what hop lets through silently: a password in the
 * userinfo, an empty or malformed broker, empty topic names, names that break Kafka's topic-name
 * rule (see `lib/topic_name.ts`; `/` for one), and query strings or fragments. The client's
 * `resolveBroker` reads server URLs with the same rules. Several brokers are refused, as hop
 * does, unless `options.multipleBrokers` is set; then each is checked like a single broker.
 *
 * @param url e.g. `kafka://alice@kafka.example.org:9092/topic1,topic2`
 * @param options `{ multipleBrokers: true }` to accept `host1:port,host2:port`
 * @returns username hint, brokers and topics
 * @throws {InvalidUrlError} naming the problem and the URL (with any password removed)
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseKafkaUrl } from "@igwn/alert";
 * const { username, brokers, topics } = parseKafkaUrl("kafka://alice@kafka.example.org/a,b");
 * assert.deepStrictEqual([username, brokers, topics], ["alice", ["kafka.example.org"], ["a", "b"]]);
 * const several = parseKafkaUrl("kafka://a:9092,b:9092/t", { multipleBrokers: true });
 * assert.deepStrictEqual(several.brokers, [ "a:9092", "b:9092" ]);
 * ```
 */
export function parseKafkaUrl(url: string, options: ParseKafkaUrlOptions = {}): KafkaUrl {
  const parsed = readKafkaUrl(url, options.multipleBrokers ?? false);
  if ("problem" in parsed) {
    const shown = redactUrl(url);
    throw new InvalidUrlError(`invalid kafka URL '${shown}': ${parsed.problem}`, shown);
  }
  return parsed;
}

/**
 * Builds `kafka://[user@]broker/topics` back from its parts.
 *
 * @param parts username hint, broker(s) and topics
 * @returns the URL text
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatKafkaUrl } from "@igwn/alert";
 * assert.strictEqual(
 *   formatKafkaUrl({ username: "alice", brokers: ["h:9092"], topics: ["a", "b"] }),
 *   "kafka://alice@h:9092/a,b",
 * );
 * ```
 */
export function formatKafkaUrl(parts: KafkaUrl): string {
  const user = parts.username === undefined ? "" : `${parts.username}@`;
  return `kafka://${user}${parts.brokers.join(",")}/${parts.topics.join(",")}`;
}
