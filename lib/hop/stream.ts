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
import { resolveStreamTarget } from "./_stream_target.ts";
import { openStreamAt } from "./_open_stream.ts";
import type { Consumer } from "./consumer.ts";
import type { Producer } from "./producer.ts";
import type { StreamOptions } from "./stream_options.ts";
import { redactUrl } from "./url.ts";

export { randomGroupId } from "./_open_stream.ts";
export { Consumer } from "./consumer.ts";
export { Producer } from "./producer.ts";
export { gpsToUnixMs, parseStartTime, StartPositionError } from "./start_position.ts";
export type {
  Metadata,
  StartPosition,
  StreamOptions,
  WriteOptions,
  WriteRawOptions,
} from "./stream_options.ts";

/**
 * Opens a stream on a Kafka URL: mode `"r"` gives a {@linkcode Consumer}, `"w"` a
 * {@linkcode Producer}. A URL may list several brokers (`kafka://a:9092,b:9092/topic`); the
 * credential is selected by the first. The URL is parsed here, once; the layers below (and the
 * `Client`, which never builds a URL) work on the parsed brokers, topics and chosen
 * credential.
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
  const { auth = true, ...rest } = options;
  const target = await resolveStreamTarget(url, auth, rest.logger);
  if (mode === "w") return await openStreamAt(target, "w", rest);
  if (!target.topics.length) {
    throw new HopError(`no topic to read: the URL '${redactUrl(url)}' names none`);
  }
  return await openStreamAt(target, "r", rest);
}
