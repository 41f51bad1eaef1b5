/**
 * The igwn-alert client: listen to and publish GraceDB alerts on a Hopskotch (Kafka) broker.
 *
 * @module
 */

import type { Auth } from "../hop/auth.ts";
import { type Logger, silentLogger } from "../hop/log.ts";
import type { Producer } from "../hop/stream.ts";
import type { TargetStreamOptions } from "../hop/_open_stream.ts";
import type { StreamTarget } from "../hop/_stream_target.ts";
import { resolveClientAuth } from "./_credentials.ts";
import { AlertListeners } from "./_alert_listener.ts";
import { resolveClientSettings } from "./_client_settings.ts";
import { checkString } from "./_validation.ts";
import type { ClientOptions, DeadLetterHandler } from "./client_options.ts";
import type { Alert, AlertHandler, ListenOptions } from "./listen_types.ts";
import type { ClientMetrics } from "./metrics.ts";
import { type AlertEncoding, encodeAlert } from "./payload.ts";
import {
  type BrokerAddress,
  fullTopicName,
  isGroupTopic,
  stripGroupPrefix,
} from "./topic_naming.ts";

/**
 * Client for the IGWN alert stream (GraceDB alerts on Hopskotch), compatible with the Python
 * `igwn_alert.client`.
 *
 * @example Listen to superevent alerts of the playground instance
 * ```ts ignore
 * import { Client } from "@igwn/alert";
 * await using client = new Client({ group: "gracedb-playground" });
 * for await (const alert of client.listen(["superevent"])) {
 *   console.log(alert.topic, alert.payload.uid, alert.payload.alert_type);
 * }
 * ```
 *
 * @example Callback form, persistent consumer group (resumes after a restart)
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { Client } from "./client.ts";
 * import type { AlertHandler } from "./listen_types.ts";
 * const topics = ["gracedb.superevent"];
 * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
 * const [first, second] = simulateLifecycles({ seed: 1, count: 1 })
 *   .filter((step) => step.topic === "gracedb.superevent").map((step) => step.alert);
 * await using client = new Client({
 *   server: broker.url, noAuth: true, consumerGroup: "my-pipeline", startAt: "earliest",
 * });
 * const seen: string[] = [];
 * const handler: AlertHandler = (_topic, payload) => {
 *   seen.push(payload.alert_type);
 *   client.stop();
 * };
 * await client.publish("superevent", first);
 * await client.listen(handler, "superevent");
 * await client.publish("superevent", second);
 * await client.listen(handler, "superevent"); // the group resumes after the committed alert
 * assert.deepEqual(seen, [first.alert_type, second.alert_type]);
 * ```
 */
export class Client implements AsyncDisposable {
  /** Broker URL as given (or the default). */
  readonly server: string;
  /** Resolved broker port. */
  readonly port: number;
  /** GraceDB group, the topic prefix. */
  readonly group: string;
  /** Kafka consumer group, or undefined for a generated one per listener. */
  readonly consumerGroup?: string;
  /** Accepted for compatibility; alerts are handed over one at a time. */
  readonly batchSize: number;
  /** How long a fetch may wait at the broker for new alerts, ms. */
  readonly batchTimeoutMs: number;
  /** Whether listeners reconnect after fatal errors. */
  readonly retryOnFatal: boolean;
  /** Reconnections allowed after consecutive fatal errors. */
  readonly listenRetries: number;
  /** Wait before a reconnection after a fatal error, ms. */
  readonly retryWaitMs: number;
  /** Extra attempts for a handler that throws. */
  readonly handlerRetries: number;
  /** Where alerts go once their handler retries are spent; undefined: `listen` rejects then. */
  readonly deadLetter?: string | DeadLetterHandler;
  /** Pretty-print JSON when formatting alerts. */
  readonly jsonppOn: boolean;
  /** Wire layout for published alerts. */
  readonly encoding: AlertEncoding;
  /** Broker address derived from server and port. */
  readonly broker: BrokerAddress;

  readonly #options: ClientOptions;
  readonly #logger: Logger;
  readonly #sessions = new Map<string, Producer>();
  readonly #listeners: AlertListeners;
  #auth?: Promise<Auth[] | false>;

  /**
   * Validates the options. Credentials are looked up on first use (files are read then).
   *
   * @param options client options; unknown names are refused.
   * @throws {TypeError} for an unknown option or a value of the wrong type (naming the option).
   * @throws {RangeError} for an out-of-range number or a malformed server URL.
   * @throws {Error} `You must provide both a username and a password for basic authentication.`
   */
  constructor(options: ClientOptions = {}) {
    const settings = resolveClientSettings(options);
    this.server = settings.server;
    this.port = settings.port;
    this.group = settings.group;
    if (settings.consumerGroup !== undefined) this.consumerGroup = settings.consumerGroup;
    this.batchSize = settings.batchSize;
    this.batchTimeoutMs = settings.batchTimeoutMs;
    this.retryOnFatal = settings.retryOnFatal;
    this.listenRetries = settings.listenRetries;
    this.retryWaitMs = settings.retryWaitMs;
    this.handlerRetries = settings.handlerRetries;
    if (settings.deadLetter !== undefined) this.deadLetter = settings.deadLetter;
    this.jsonppOn = settings.jsonppOn;
    this.encoding = settings.encoding;
    this.broker = settings.broker;
    this.#options = { ...options };
    this.#logger = options.logger ?? silentLogger;
    this.#listeners = new AlertListeners({
      ...settings,
      startAt: options.startAt,
      clock: options.clock,
      logger: this.#logger,
      credentials: () => this.credentials(),
      getTopics: () => this.getTopics(),
      target: (fullTopics) => this.#target(fullTopics),
      streamOptions: () => this.#streamOptions(),
    });
    options.signal?.addEventListener("abort", () => {
      this.stop();
      this.disconnect().catch(() => {});
    }, { once: true });
  }

  /**
   * The credentials this client uses (`false` = unauthenticated), looked up once: explicit
   * `auth`, `noAuth`, `username`+`password`, `authFile`, the default hop `auth.toml`, netrc,
   * else none with a warning. A broken default `auth.toml` is an error, not skipped.
   *
   * @returns the credential list handed to hop, or false.
   * @throws {AuthFileError} for an unreadable, unsafe or malformed credential file.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Auth } from "../hop/auth.ts";
   * import { Client } from "./client.ts";
   * assert.equal(await new Client({ noAuth: true }).credentials(), false);
   * const alice = new Auth({ username: "alice", password: "secret" });
   * assert.deepEqual(await new Client({ auth: alice }).credentials(), [alice]);
   * ```
   */
  credentials(): Promise<Auth[] | false> {
    this.#auth ??= resolveClientAuth(
      { ...this.#options, server: this.server },
      this.broker,
      this.#logger,
    );
    return this.#auth;
  }

  /**
   * Listens to `topics` (unprefixed names; default: every topic of the group the credential may
   * read). Returns an async iterable; an alert is committed when the loop asks for the next one,
   * so a loop body that throws (or a crash) leaves it uncommitted and it is delivered again to
   * the same consumer group. Outages and timeouts do not end iteration (the stream reconnects by
   * itself); fatal errors are handled as in the callback form.
   *
   * @param topics topic names without the group prefix.
   * @param options per-listener options.
   * @throws {KafkaError} from iteration on a fatal error (authentication, authorization, a
   *   missing topic), at once or, with `retryOnFatal`, once `listenRetries` reopenings failed.
   * @throws {AlertFilterError} at once, for a `filter` that cannot be used.
   * @returns the alerts as they arrive.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "../broker/mod.ts";
   * import { simulateLifecycles } from "../playground/mod.ts";
   * import { Client } from "./client.ts";
   * const topics = ["gracedb.superevent"];
   * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
   * await using client = new Client({ server: broker.url, noAuth: true, startAt: "earliest" });
   * const sent = simulateLifecycles({ seed: 1, count: 1 })
   *   .filter((step) => step.topic === "gracedb.superevent")
   *   .map((step) => step.alert).take(3).toArray();
   * for (const alert of sent) await client.publish("superevent", alert);
   * const received: string[] = [];
   * for await (const alert of client.listen(["superevent"])) {
   *   received.push(alert.payload.alert_type);
   *   if (received.length === sent.length) break;
   * }
   * assert.deepEqual(received, sent.map((alert) => alert.alert_type));
   * ```
   */
  listen(
    topics?: string | readonly string[],
    options?: ListenOptions,
  ): AsyncIterableIterator<Alert>;
  /**
   * Listens with a callback `(topic, payload, alert)`; resolves after {@link Client.stop} (or an
   * aborted signal). Outages and timeouts do not end it: the stream reconnects by itself. Each
   * alert is committed after the handler returns. A handler that throws is logged and called
   * again with the same alert (waits doubling from `retryWaitMs` up to
   * {@link MAX_HANDLER_RETRY_WAIT_MS}), by default until it succeeds; with a finite
   * `handlerRetries`, the alert then goes to `deadLetter` and is committed.
   *
   * @throws {KafkaError} (rejects) on a fatal error (authentication, authorization, a missing
   *   topic) at once, or with `retryOnFatal` once `listenRetries` reopenings in a row failed.
   * @throws {AlertFilterError} (rejects, before connecting) for a `filter` that cannot be used.
   * @throws {Error} (rejects) with the handler's error when a finite `handlerRetries` is spent
   *   and no `deadLetter` is set, or naming the sink when the dead letter could not be written;
   *   that alert stays uncommitted either way.
   *
   * @param callback receives the unprefixed topic, the decoded alert and the full record.
   * @param topics topic names without the group prefix.
   * @param options per-listener options.
   * @returns a promise that settles when listening ends.
   *
   * @example A handler that fails once gets the same alert again
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "../broker/mod.ts";
   * import { Client } from "./client.ts";
   * const topics = ["gracedb.superevent"];
   * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
   * await using client = new Client({
   *   server: broker.url, noAuth: true, startAt: "earliest", retryWaitMs: 1,
   * });
   * await client.publish("superevent", { uid: "S1", alert_type: "new" });
   * const attempts: string[] = [];
   * await client.listen((_topic, payload) => {
   *   attempts.push(payload.uid);
   *   if (attempts.length === 1) throw new Error("database busy");
   *   client.stop();
   * }, "superevent");
   * assert.deepEqual(attempts, ["S1", "S1"]);
   * ```
   */
  listen(
    callback: AlertHandler,
    topics?: string | readonly string[],
    options?: ListenOptions,
  ): Promise<void>;
  listen(
    first?: AlertHandler | string | readonly string[],
    second?: string | readonly string[] | ListenOptions,
    third?: ListenOptions,
  ): AsyncIterableIterator<Alert> | Promise<void> {
    if (typeof first === "function") {
      return this.#listeners.listenWith(
        first,
        second as string | readonly string[] | undefined,
        third ?? {},
      );
    }
    return this.#listeners.alerts(first, (second as ListenOptions | undefined) ?? {});
  }

  /**
   * The listeners' numbers so far: alerts received by topic and alert type, handler outcomes,
   * consumer lag, reconnections, the last alert's time. The CLI's `listen --metrics` serves the
   * same numbers to Prometheus.
   *
   * @returns a snapshot.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "../broker/mod.ts";
   * import { Client } from "./client.ts";
   * const topics = ["gracedb.superevent"];
   * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
   * await using client = new Client({ server: broker.url, noAuth: true, startAt: "earliest" });
   * await client.publish("superevent", { uid: "S1", alert_type: "new" });
   * await client.publish("superevent", { uid: "S1", alert_type: "update" });
   * let calls = 0;
   * await client.listen(() => {
   *   if (++calls === 1) throw new Error("busy"); // the first alert is handled twice
   *   if (calls === 3) client.stop();
   * }, "superevent", { filter: { alertType: ["new", "update"] } });
   * const metrics = client.metrics();
   * assert.deepEqual(metrics.received.map((r) => [r.alertType, r.count]), [["new", 1], ["update", 1]]);
   * assert.deepEqual(
   *   [metrics.handlerSuccesses, metrics.handlerFailures, metrics.handlerRetries],
   *   [2, 1, 1],
   * );
   * assert.ok(metrics.lastAlertTime! <= Date.now());
   * ```
   */
  metrics(): ClientMetrics {
    return this.#listeners.metrics();
  }

  /**
   * Ends every running listener at the next alert boundary. Safe from any callback, signal
   * handler or timer, and before `listen` starts: a stop requested while nothing listens makes
   * the next `listen` return at once.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Client } from "./client.ts";
   * const client = new Client({ noAuth: true });
   * client.stop(); // nothing listens yet: the next listen returns at once
   * let called = false;
   * await client.listen(() => void (called = true), "superevent");
   * assert.equal(called, false);
   * ```
   */
  stop(): void {
    this.#listeners.stop();
  }

  /**
   * Topics of `group` (default: the client's) that the credential may see, without the prefix.
   * Only exact `<group>.` prefixes count.
   *
   * @param group GraceDB group.
   * @returns unprefixed topic names, sorted.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "../broker/mod.ts";
   * import { Client } from "./client.ts";
   * const topics = ["gracedb.superevent", "gracedb.cbc_gstlal", "gracedb-test.superevent"];
   * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
   * await using client = new Client({ server: broker.url, noAuth: true });
   * assert.deepEqual(await client.getTopics(), ["cbc_gstlal", "superevent"]);
   * assert.deepEqual(await client.getTopics("gracedb-test"), ["superevent"]);
   * ```
   */
  async getTopics(group: string = this.group): Promise<string[]> {
    checkString("group", group);
    const { listTopicsAt } = await import("../hop/list_topics.ts");
    const names = await listTopicsAt(
      await this.#target([]),
      this.#options.connectTimeoutMs ?? 10_000,
    );
    return names.filter((name) => isGroupTopic(group, name))
      .map((name) => stripGroupPrefix(group, name))
      .sort();
  }

  /**
   * Opens a persistent producer for each topic, for {@link Client.publishToTopic}.
   *
   * @param topics unprefixed topic names.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "../broker/mod.ts";
   * import { Client } from "./client.ts";
   * const topics = ["gracedb-test.superevent"];
   * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
   * const options = { server: broker.url, group: "gracedb-test", noAuth: true } as const;
   * await using client = new Client({ ...options, startAt: "earliest" });
   * await client.connect(["superevent"]);
   * for (const uid of ["S1", "S2", "S3"]) await client.publishToTopic("superevent", { uid });
   * await client.flushByTopic("superevent");
   * const uids: string[] = [];
   * for await (const alert of client.listen("superevent")) {
   *   if (uids.push(alert.payload.uid) === 3) break;
   * }
   * assert.deepEqual(uids, ["S1", "S2", "S3"]);
   * ```
   */
  async connect(topics: string | readonly string[]): Promise<void> {
    const list = typeof topics === "string" ? [topics] : [...topics];
    for (const topic of list) {
      if (this.#sessions.has(topic)) continue;
      this.#sessions.set(topic, await this.#openProducer(topic));
    }
    this.#logger.info(`Connected to topics: ${list.join(", ")}`);
  }

  /**
   * Queues `alert` on a connected topic; resolves once queued (delivery is batched in the
   * background; {@link Client.flushByTopic} waits for acknowledgement and reports failures).
   *
   * @param topic an unprefixed topic given to {@link Client.connect}.
   * @param alert alert object, or its JSON text.
   * @param options `text: true` sends a string as it is, without checking that it is JSON.
   * @throws {Error} `No active sessions. Please connect before publishing to a topic.` or
   *   `Not connected to topic T. Please connect before publishing to a topic.`
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "../broker/mod.ts";
   * import { Client } from "./client.ts";
   * const topics = ["gracedb.superevent"];
   * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
   * await using client = new Client({ server: broker.url, noAuth: true });
   * await assert.rejects(client.publishToTopic("superevent", {}), /No active sessions/);
   * await client.connect("superevent");
   * await assert.rejects(client.publishToTopic("cbc_gstlal", {}), /Not connected to topic/);
   * await client.publishToTopic("superevent", '{"uid":"S1","alert_type":"new"}'); // JSON text
   * await client.disconnect();
   * ```
   */
  async publishToTopic(
    topic: string,
    alert: unknown,
    options: { text?: boolean } = {},
  ): Promise<void> {
    const producer = this.#session(topic);
    const value = options.text && typeof alert === "string"
      ? alert
      : encodeAlert(alert, this.encoding);
    await producer.write(value);
    this.#logger.debug(`Published alert to topic ${topic}`);
  }

  /**
   * Waits until every alert queued on `topic` is acknowledged by the broker.
   *
   * @param topic a connected unprefixed topic.
   * @throws {DeliveryError} when some alerts could not be delivered.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "../broker/mod.ts";
   * import { KafkaAdmin } from "../kafka/admin.ts";
   * import { Client } from "./client.ts";
   * const topics = ["gracedb.superevent"];
   * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
   * await using client = new Client({ server: broker.url, noAuth: true });
   * await client.connect("superevent");
   * await client.publishToTopic("superevent", { uid: "S1" }); // queued
   * await client.flushByTopic("superevent"); // stored by the broker
   * const admin = await KafkaAdmin.connect({ brokers: broker.addresses });
   * const [partition] = await admin.watermarks("gracedb.superevent").finally(() => admin.close());
   * assert.equal(partition.high, 1);
   * ```
   */
  async flushByTopic(topic: string): Promise<void> {
    await this.#session(topic).flush();
    this.#logger.info(`Flushed topic ${topic}`);
  }

  /**
   * Flushes and closes producers: the given topics, or all. Unlike the Python client, closing all
   * also forgets them, so a later `connect` opens fresh ones.
   *
   * @param topics unprefixed topics to disconnect; default all.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "../broker/mod.ts";
   * import { Client } from "./client.ts";
   * const topics = ["gracedb.superevent", "gracedb.cbc_gstlal"];
   * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
   * await using client = new Client({ server: broker.url, noAuth: true });
   * await client.connect(["superevent", "cbc_gstlal"]);
   * await client.disconnect("cbc_gstlal");
   * await assert.rejects(client.publishToTopic("cbc_gstlal", {}), /Not connected to topic/);
   * await client.publishToTopic("superevent", { uid: "S1" });
   * await client.disconnect(); // flushes, closes and forgets every producer
   * await assert.rejects(client.publishToTopic("superevent", {}), /No active sessions/);
   * ```
   */
  async disconnect(topics?: string | readonly string[]): Promise<void> {
    const list = topics === undefined
      ? [...this.#sessions.keys()]
      : typeof topics === "string"
      ? [topics]
      : [...topics];
    const failures: Error[] = [];
    for (const topic of list) {
      const producer = this.#sessions.get(topic);
      if (!producer) {
        this.#logger.warn(`Not currently connected to topic ${topic}`);
        continue;
      }
      this.#sessions.delete(topic);
      try {
        await producer.close();
      } catch (error) {
        failures.push(error as Error);
      }
    }
    if (failures.length) throw failures[0];
  }

  /**
   * Publishes one alert with a short-lived producer (connect, send, wait for acknowledgement,
   * close). For many alerts use {@link Client.connect} + {@link Client.publishToTopic}.
   *
   * @param topic unprefixed topic name.
   * @param alert alert object, or its JSON text (`null` when omitted, as in Python).
   *
   * @example The alert goes out as GraceDB sends it: its JSON text as a JSON string
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "../broker/mod.ts";
   * import { openStream } from "../hop/stream.ts";
   * import { Client } from "./client.ts";
   * import { encodeAlert } from "./payload.ts";
   * const topics = ["gracedb-test.superevent"];
   * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
   * const alert = { uid: "S1", alert_type: "new" };
   * const client = new Client({ server: broker.url, group: "gracedb-test", noAuth: true });
   * await client.publish("superevent", alert);
   * const read = { auth: false, startAt: "earliest", untilEos: true } as const;
   * await using stream = await openStream(`${broker.url}/gracedb-test.superevent`, "r", read);
   * const [{ value }] = await Array.fromAsync(stream.readRaw());
   * assert.equal(new TextDecoder().decode(value!), JSON.stringify(encodeAlert(alert)));
   * ```
   */
  async publish(topic: string, alert: unknown = null): Promise<void> {
    if (typeof topic !== "string") {
      throw new TypeError("publish() takes exactly one topic name (a string)");
    }
    const value = encodeAlert(alert, this.encoding);
    const producer = await this.#openProducer(topic);
    try {
      await producer.write(value);
      await producer.flush();
    } finally {
      await producer.close();
    }
  }

  /**
   * Deprecated in the Python client; subscriptions are now read permissions granted in SCiMMA
   * Auth. Warns and returns undefined.
   *
   * @returns undefined.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { stderrLogger } from "../hop/log.ts";
   * import { Client } from "./client.ts";
   * const warnings: string[] = [];
   * const logger = stderrLogger("warning", "igwn-alert", (line) => warnings.push(line));
   * assert.equal(new Client({ logger }).getSubscriptions(), undefined);
   * assert.match(warnings[0], /deprecated/);
   * ```
   */
  getSubscriptions(): undefined {
    this.#logger.warn("This feature is deprecated. Please refer to the client.listen() method");
    return undefined;
  }

  /**
   * Deprecated: pass topics to {@link Client.listen} and get read permission in SCiMMA Auth.
   * Warns and returns undefined.
   *
   * @param _topics ignored.
   * @returns undefined.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { stderrLogger } from "../hop/log.ts";
   * import { Client } from "./client.ts";
   * const warnings: string[] = [];
   * const logger = stderrLogger("warning", "igwn-alert", (line) => warnings.push(line));
   * assert.equal(new Client({ logger }).subscribe("superevent"), undefined);
   * assert.match(warnings[0], /deprecated/);
   * ```
   */
  subscribe(..._topics: string[]): undefined {
    this.#logger.warn(
      "This feature is deprecated. Please supply a list of topics to client.listen(), and " +
        "ensure you have permission to read from topics.",
    );
    return undefined;
  }

  /**
   * Deprecated; warns and returns undefined.
   *
   * @param _topics ignored.
   * @returns undefined.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { stderrLogger } from "../hop/log.ts";
   * import { Client } from "./client.ts";
   * const warnings: string[] = [];
   * const logger = stderrLogger("warning", "igwn-alert", (line) => warnings.push(line));
   * assert.equal(new Client({ logger }).unsubscribe("superevent"), undefined);
   * assert.match(warnings[0], /deprecated/);
   * ```
   */
  unsubscribe(..._topics: string[]): undefined {
    this.#logger.warn("This feature is deprecated.");
    return undefined;
  }

  /**
   * Deprecated; warns and returns undefined.
   *
   * @returns undefined.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { stderrLogger } from "../hop/log.ts";
   * import { Client } from "./client.ts";
   * const warnings: string[] = [];
   * const logger = stderrLogger("warning", "igwn-alert", (line) => warnings.push(line));
   * assert.equal(new Client({ logger }).delete(), undefined);
   * assert.match(warnings[0], /deprecated/);
   * ```
   */
  delete(): undefined {
    this.#logger.warn("This feature is deprecated.");
    return undefined;
  }

  /**
   * Stops listeners and closes every producer (flushing queued alerts).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "../broker/mod.ts";
   * import { Client } from "./client.ts";
   * const topics = ["gracedb.superevent"];
   * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
   * {
   *   await using client = new Client({ server: broker.url, noAuth: true });
   *   await client.connect("superevent");
   *   await client.publishToTopic("superevent", { uid: "S1" }); // queued
   * } // flushed and closed here
   * await using reader = new Client({ server: broker.url, noAuth: true, startAt: "earliest" });
   * for await (const alert of reader.listen("superevent")) {
   *   assert.equal(alert.payload.uid, "S1");
   *   break;
   * }
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#listeners.stopAll();
    await this.disconnect();
  }

  #session(topic: string): Producer {
    if (this.#sessions.size === 0) {
      throw new Error("No active sessions. Please connect before publishing to a topic.");
    }
    const producer = this.#sessions.get(topic);
    if (!producer) {
      throw new Error(
        `Not connected to topic ${topic}. Please connect before publishing to a topic.`,
      );
    }
    return producer;
  }

  async #openProducer(topic: string): Promise<Producer> {
    const { openStreamAt } = await import("../hop/_open_stream.ts");
    const target = await this.#target([fullTopicName(this.group, topic)]);
    return await openStreamAt(target, "w", this.#streamOptions());
  }

  /**
   * The broker, the given Kafka topics and the credential chosen for them from
   * {@link Client.credentials}, as the stream layer takes them: no URL is built and parsed again.
   */
  async #target(fullTopics: string[]): Promise<StreamTarget> {
    const { selectStreamTarget } = await import("../hop/_stream_target.ts");
    const place = { brokers: [this.broker.broker], topics: fullTopics };
    return await selectStreamTarget(place, await this.credentials(), this.#logger);
  }

  #streamOptions(): TargetStreamOptions {
    return {
      logger: this.#logger,
      connectTimeoutMs: this.#options.connectTimeoutMs ?? 10_000,
      requestTimeoutMs: this.#options.requestTimeoutMs ?? 30_000,
      clock: this.#options.clock,
    };
  }
}
