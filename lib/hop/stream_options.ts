/**
 * The options and metadata shared by stream readers and writers.
 *
 * @module
 */
import type { Logger } from "./log.ts";
import type { Header, HeaderInput } from "./pack.ts";
import type { Auth } from "./auth.ts";
import type { KafkaError } from "./errors.ts";
import type { RetryPolicy } from "../kafka/retry_policy.ts";
import type { Clock } from "../clock.ts";
import type { StartPosition } from "./start_position.ts";

export type { StartPosition } from "./start_position.ts";

/**
 * Where a message came from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { openStream } from "./stream.ts";
 * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
 * await using producer = await openStream(`${broker.url}/t`, "w", { auth: false });
 * await producer.write({ alert_type: "new" }, { key: "S1" });
 * await producer.flush();
 * const options = { auth: false, startAt: "earliest", untilEos: true } as const;
 * await using consumer = await openStream(`${broker.url}/t`, "r", options);
 * const [{ metadata }] = await Array.fromAsync(consumer.read({ metadata: true }));
 * assert.deepEqual([metadata.topic, metadata.partition, metadata.offset], ["t", 0, 0]);
 * assert.equal(new TextDecoder().decode(metadata.key!), "S1");
 * assert.deepEqual(metadata.headers.map(([key]) => key), ["_id", "_format"]);
 * ```
 */
export interface Metadata {
  /** Topic of the message. */
  topic: string;
  /** Partition of the message. */
  partition: number;
  /** Offset of the message in its partition. */
  offset: number;
  /** Kafka timestamp, ms since the epoch. */
  timestamp: number;
  /** Kafka key, `null` when the message has none. */
  key: Uint8Array | null;
  /** Kafka headers (hop's `_id`, `_sender`, `_test`, `_format` among them). */
  headers: Header[];
}

/**
 * Options of {@linkcode openStream}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { openStream, type StreamOptions } from "./stream.ts";
 * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
 * await using producer = await openStream(`${broker.url}/t`, "w", { auth: false });
 * await producer.write({ n: 1 }, { test: true });
 * await producer.write({ n: 2 });
 * await producer.flush();
 * const options: StreamOptions = {
 *   auth: false, groupId: "g", startAt: "earliest", untilEos: true, ignoreTest: true,
 * };
 * await using consumer = await openStream(`${broker.url}/t`, "r", options);
 * assert.equal(consumer.groupId, "g");
 * assert.equal((await Array.fromAsync(consumer)).length, 1); // the test message is skipped
 * ```
 */
export interface StreamOptions {
  /**
   * `true` (default): load auth.toml and pick the credential for the URL's first broker (and its
   * username); an `Auth` is used as given; a list is picked from; `false`: no authentication.
   */
  auth?: boolean | Auth | Auth[];
  /**
   * Reading only. Where to start in partitions the group has no committed offset for (all
   * partitions with `resetOffsets`): see {@linkcode StartPosition}. Default `"latest"`. A
   * committed offset that retention has deleted counts as the oldest offset still held, whatever
   * this says, so that a group away for longer than the topic keeps records reads what is left.
   */
  startAt?: StartPosition;
  /**
   * Reading only. Apply `startAt` even where the group has committed offsets: once, at the first
   * assignment of each partition to this reader; from there the group's commits move on as usual.
   * Default `false`: committed offsets win.
   */
  resetOffsets?: boolean;
  /** End iteration once every assigned partition is read up to its end at assignment time. */
  untilEos?: boolean;
  /** Consumer group; default `<username>-<10 random [A-Z0-9]>` (just the 10 characters without auth). */
  groupId?: string;
  /** Skip messages with a `_test` header (they are still committed). Default `true`. */
  ignoreTest?: boolean;
  /**
   * Default `true`: a message is committed once the consumer asks for the next one, so one whose
   * loop body threw (or whose process died) is delivered again. `false`: only `markDone` commits.
   */
  autoCommit?: boolean;
  /** Aborting ends iteration and closes the stream. */
  signal?: AbortSignal;
  /** Where warnings (undecodable payloads, commit failures) and debug lines go. */
  logger?: Logger;
  /** Time budget for connecting, in ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Time budget for one Kafka request, in ms. Default 30000. */
  requestTimeoutMs?: number;
  /**
   * Reading only. How long, in ms, the broker may hold a fetch open while no new message is
   * there (Kafka's `fetch.max.wait.ms`, the fetch's long poll). A message that arrives meanwhile
   * is returned at once, so this adds no latency to alerts; a shorter wait means more fetches
   * while the topics are idle, a longer one fewer; `close()` waits for the fetch in flight.
   * Default 500, librdkafka's `fetch.wait.max.ms` (20 with `untilEos`, which has nothing to wait
   * for once caught up).
   */
  fetchMaxWaitMs?: number;
  /**
   * Reading only. Whether the consumer reconnects after a failure that waiting can fix (the
   * brokers went away, a request timed out, the group coordinator moved). Default `true`: it
   * reconnects with the `retry` back-off for as long as it runs. `false`, or a function returning
   * `false` for that error: iteration ends by throwing the error as a fatal
   * {@linkcode KafkaError}. Failures that waiting cannot fix (authentication, authorization, a
   * missing topic) always end iteration that way.
   */
  restartOnFailure?: boolean | ((error: KafkaError) => boolean);
  /**
   * Reading only. Called on every such failure with the error and whether the consumer
   * reconnects. Reconnections are logged either way.
   */
  onCrash?: (error: KafkaError, willRestart: boolean) => void;
  /** Reading only. Back-off between reconnections; each field defaults as in `DEFAULT_RETRY_POLICY`. */
  retry?: Partial<RetryPolicy>;
  /**
   * Reading only. The clock the reconnection back-off waits on; default the real one. A test
   * passes a `ManualClock` (from `@igwn/alert/broker`) and advances it instead of waiting.
   */
  clock?: Clock;
}

/**
 * Options of {@linkcode Producer.write}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { headerValue } from "./pack.ts";
 * import { openStream, type WriteOptions } from "./stream.ts";
 * await using broker = await startBroker({ port: 0, topics: ["a", "b"], logger: () => {} });
 * await using producer = await openStream(`${broker.url}/a,b`, "w", { auth: false });
 * const options: WriteOptions = { topic: "b", key: "S1", headers: { origin: "demo" } };
 * await producer.write({ alert_type: "new" }, options);
 * await producer.flush();
 * const read = { auth: false, startAt: "earliest", untilEos: true } as const;
 * await using consumer = await openStream(`${broker.url}/b`, "r", read);
 * const [{ metadata }] = await Array.fromAsync(consumer.readRaw());
 * assert.equal(new TextDecoder().decode(headerValue(metadata.headers, "origin")), "demo");
 * ```
 */
export interface WriteOptions {
  /** User headers (sent before hop's own). */
  headers?: HeaderInput;
  /** Kafka key. */
  key?: string | Uint8Array;
  /** Topic, needed when the URL names zero or several topics. */
  topic?: string;
  /** Mark as a test message (`_test: true`). */
  test?: boolean;
}

/**
 * Options of {@linkcode Producer.writeRaw}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { openStream, type WriteRawOptions } from "./stream.ts";
 * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
 * await using producer = await openStream(broker.url, "w", { auth: false });
 * const format = new TextEncoder().encode("blob");
 * const options: WriteRawOptions = { topic: "t", headers: [["_format", format]] };
 * await producer.writeRaw(new Uint8Array([1, 2, 3]), options);
 * await producer.flush();
 * const read = { auth: false, startAt: "earliest", untilEos: true } as const;
 * await using consumer = await openStream(`${broker.url}/t`, "r", read);
 * const [{ value, metadata }] = await Array.fromAsync(consumer.readRaw());
 * assert.deepEqual([...value!], [1, 2, 3]);
 * assert.deepEqual(metadata.headers.map(([key]) => key), ["_format"]);
 * ```
 */
export interface WriteRawOptions {
  /** Headers, sent as given. */
  headers?: Header[];
  /** Kafka key. */
  key?: string | Uint8Array;
  /** Topic, needed when the URL names zero or several topics. */
  topic?: string;
}
