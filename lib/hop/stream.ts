/**
 * Streams: read messages from Kafka topics as an async iterable, write them in background batches.
 * The behaviour follows hop-client's `Stream`/`Consumer`/`Producer` (hop-facts section 6) with
 * at-least-once commits, bounded connection time and errors that name user, host and topic.
 *
 * @example Read alerts until the end of the topic
 * ```ts ignore
 * import { openStream } from "@igwn/alert";
 * await using consumer = await openStream("kafka://kafka.example.org/igwn.gwalert", "r", {
 *   startAt: "earliest",
 *   untilEos: true,
 * });
 * for await (const message of consumer) console.log(message);
 * ```
 *
 * @module
 */
import { HopError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { resolveStreamTarget } from "./_stream_target.ts";
import { Consumer } from "./consumer.ts";
import { Producer } from "./producer.ts";
import type { StreamOptions } from "./stream_options.ts";
import { DEFAULT_RETRY_POLICY } from "../kafka/retry_policy.ts";

export { Consumer } from "./consumer.ts";
export { Producer } from "./producer.ts";
export type {
  Metadata,
  StartPosition,
  StreamOptions,
  WriteOptions,
  WriteRawOptions,
} from "./stream_options.ts";

const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const GROUP_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/**
 * hop's random consumer group: `<username>-` followed by 10 characters from `A-Z0-9` drawn with a
 * cryptographic RNG (rejection sampling keeps every character equally likely).
 *
 * @param username credential username; without one the id is just the 10 characters
 * @returns the group id
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomGroupId } from "./stream.ts";
 * assert.match(randomGroupId("alice"), /^alice-[A-Z0-9]{10}$/); // e.g. alice-Q3ZK0W8N1B
 * assert.match(randomGroupId(), /^[A-Z0-9]{10}$/);
 * assert.notEqual(randomGroupId("alice"), randomGroupId("alice"));
 * ```
 */
export function randomGroupId(username?: string): string {
  let suffix = "";
  const bytes = new Uint8Array(16);
  while (suffix.length < 10) {
    crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      if (byte < 252 && suffix.length < 10) suffix += GROUP_ID_ALPHABET[byte % 36];
    }
  }
  return username ? `${username}-${suffix}` : suffix;
}

/**
 * Opens a stream on a Kafka URL: mode `"r"` gives a {@linkcode Consumer}, `"w"` a
 * {@linkcode Producer}. A URL may list several brokers (`kafka://a:9092,b:9092/topic`); the
 * credential is selected by the first.
 *
 * @param url `kafka://[user@]host[:port][,host[:port]...]/topic[,topic...]`
 * @param mode `"r"` to read, `"w"` to write
 * @param options credential, start position, group, commit mode, signal, logger, timeouts
 * @returns the consumer or producer, connected
 * @throws {InvalidUrlError | NoCredentialError | ConnectionError | AuthenticationError | AuthorizationError | KafkaError}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { JSONBlob } from "./models/blob.ts";
 * import { openStream } from "./stream.ts";
 * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
 * await using producer = await openStream(`${broker.url}/t`, "w", { auth: false });
 * await producer.write({ hello: "world" });
 * await producer.flush();
 * const options = { auth: false, startAt: "earliest", untilEos: true } as const;
 * await using consumer = await openStream(`${broker.url}/t`, "r", options);
 * const [message] = await Array.fromAsync(consumer);
 * assert.ok(message instanceof JSONBlob);
 * assert.deepEqual(message.content, { hello: "world" });
 * ```
 */
export function openStream(url: string, mode: "r", options?: StreamOptions): Promise<Consumer>;
/**
 * Opens a stream for writing: see the `"r"` overload for URL and options.
 *
 * @param url `kafka://[user@]host[:port][,host[:port]...][/topic[,topic...]]`
 * @param mode `"w"`
 * @param options credential, logger, timeouts
 * @returns the connected {@linkcode Producer}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { openStream } from "./stream.ts";
 * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
 * await using producer = await openStream(broker.url, "w", { auth: false }); // no topic in the URL
 * await assert.rejects(producer.write({ hello: "world" }), /No topic specified/);
 * await producer.write({ hello: "world" }, { topic: "t" });
 * await producer.flush();
 * const options = { auth: false, startAt: "earliest", untilEos: true } as const;
 * await using consumer = await openStream(`${broker.url}/t`, "r", options);
 * assert.equal((await Array.fromAsync(consumer)).length, 1);
 * ```
 */
export function openStream(url: string, mode: "w", options?: StreamOptions): Promise<Producer>;
export async function openStream(
  url: string,
  mode: "r" | "w",
  options: StreamOptions = {},
): Promise<Consumer | Producer> {
  if (mode !== "r" && mode !== "w") throw new HopError("mode must be either 'w' or 'r'");
  const logger = options.logger ?? quietLogger;
  const target = await resolveStreamTarget(url, options.auth ?? true);
  const timeouts = {
    connectTimeoutMs: options.connectTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
  };
  if (mode === "w") {
    if (options.groupId !== undefined) {
      logger.warn("group ID has no effect when opening a stream in write mode");
    }
    return await Producer.connect(target, logger, { ...timeouts, retry: options.retry });
  }
  if (!target.topics.length) {
    throw new HopError(`no topic to read: the URL '${url}' names none`);
  }
  let groupId = options.groupId;
  if (groupId === undefined) {
    groupId = randomGroupId(target.auth?.username);
    logger.info(`group ID not specified, generating a random group ID: ${groupId}`);
  }
  const consumer = new Consumer({
    target,
    groupId,
    startAt: options.startAt ?? "latest",
    untilEos: options.untilEos ?? false,
    ignoreTest: options.ignoreTest ?? true,
    autoCommit: options.autoCommit ?? true,
    logger,
    ...timeouts,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    restartOnFailure: options.restartOnFailure ?? true,
    onCrash: options.onCrash,
  });
  const signal = options.signal;
  if (signal?.aborted) {
    consumer.stop();
    return consumer;
  }
  const onAbort = () => void consumer.close();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await consumer.start();
  } catch (error) {
    signal?.removeEventListener("abort", onAbort);
    throw error;
  }
  return consumer;
}
