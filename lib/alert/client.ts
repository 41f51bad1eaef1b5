/**
 * The igwn-alert client: listen to and publish GraceDB alerts on a Hopskotch (Kafka) broker.
 *
 * @module
 */

import type { Auth } from "../hop/auth.ts";
import { ConnectionError, KafkaError } from "../hop/errors.ts";
import { type Logger, silentLogger } from "../hop/log.ts";
import type { Consumer, Metadata, Producer, StartPosition, StreamOptions } from "../hop/stream.ts";
import { resolveClientAuth } from "./_credentials.ts";
import { checkBoolean, checkNumber, checkString } from "./_validation.ts";
import { type AlertEncoding, decodeAlertPayload, encodeAlert } from "./payload.ts";
import {
  type BrokerAddress,
  DEFAULT_GROUP,
  DEFAULT_SERVER,
  isGroupTopic,
  resolveBroker,
  stripGroupPrefix,
  topicsUrl,
} from "./topic_naming.ts";
import type { GraceDbAlert } from "./types.ts";
import { validateAlert } from "./types.ts";
import { sleep } from "../_sleep.ts";

/** Default number of reconnections after consecutive fatal errors when `retryOnFatal` is set. */
export const DEFAULT_LISTEN_RETRIES = 3;
/** Default wait before reconnecting after a fatal error, in milliseconds. */
export const DEFAULT_RETRY_WAIT_MS = 100;
/** Default number of extra attempts a failing handler gets for one alert before it is skipped. */
export const DEFAULT_HANDLER_RETRIES = 3;

/** Options of {@link Client}; every one is optional and has the Python client's default. */
export interface ClientOptions {
  /** SCiMMA credential username; requires `password`. */
  username?: string;
  /** SCiMMA credential password; requires `username`. Never logged or shown in errors. */
  password?: string;
  /** Credential(s) to use as given, bypassing every lookup; `false` = no authentication. */
  auth?: Auth | Auth[] | false;
  /** hop `auth.toml` to load instead of the default one. */
  authFile?: string;
  /** netrc file to consult (default `$NETRC`, else `~/.netrc`). */
  netrcFile?: string;
  /** Connect without SASL (plaintext, no credential). Default false. */
  noAuth?: boolean;
  /** Use TLS with the credential (default: as the credential says, SASL_SSL for most). */
  tls?: boolean;
  /** CA bundle (PEM file) to verify the broker's certificate. */
  caFile?: string;
  /** GraceDB group, the topic prefix. Default `"gracedb"`. */
  group?: string;
  /** Kafka consumer group id. Default: a generated one per listener (`<user>-<10 chars>`). */
  consumerGroup?: string;
  /** Broker URL `kafka://host[:port]/`. Default `kafka://kafka.scimma.org/`. */
  server?: string;
  /** Broker port; wins over a port inside `server`. Default: the server's port, else 9092. */
  port?: number;
  /** Accepted for compatibility; alerts are handed over one at a time as they arrive. */
  batchSize?: number;
  /** Accepted for compatibility (Python `batch_timeout`); alerts are not held back. */
  batchTimeoutMs?: number;
  /** Reconnect the listener after a fatal error (at most `listenRetries` times in a row). */
  retryOnFatal?: boolean;
  /** Reconnections allowed after consecutive fatal errors. Default 3. */
  listenRetries?: number;
  /** Wait before each reconnection after a fatal error, in ms. Default 100. */
  retryWaitMs?: number;
  /** Extra attempts for a handler that throws, before the alert is logged and skipped. Default 3. */
  handlerRetries?: number;
  /** Pretty-print JSON in `formatAlertMessage` output (the CLI `-j` flag). Default false. */
  jsonppOn?: boolean;
  /** Wire layout for published alerts (see {@link encodeAlert}). Default `"gracedb"`. */
  encoding?: AlertEncoding;
  /** Where a listener without committed offsets starts. Default `"latest"`. */
  startAt?: StartPosition;
  /** Give up connecting to the broker after this many ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Give up on one broker request after this many ms. Default 30000. */
  requestTimeoutMs?: number;
  /** Receives progress and warnings. Default: silent. */
  logger?: Logger;
  /** Aborting it stops every listener and closes producers. */
  signal?: AbortSignal;
}

const OPTION_NAMES = new Set<string>([
  "username",
  "password",
  "auth",
  "authFile",
  "netrcFile",
  "noAuth",
  "tls",
  "caFile",
  "group",
  "consumerGroup",
  "server",
  "port",
  "batchSize",
  "batchTimeoutMs",
  "retryOnFatal",
  "listenRetries",
  "retryWaitMs",
  "handlerRetries",
  "jsonppOn",
  "encoding",
  "startAt",
  "connectTimeoutMs",
  "requestTimeoutMs",
  "logger",
  "signal",
]);

/** One alert received by {@link Client.listen}. */
export interface Alert {
  /** Topic name without the group prefix, e.g. `superevent`. */
  topic: string;
  /** Kafka topic name, e.g. `gracedb.superevent`. */
  fullTopic: string;
  /**
   * The decoded alert object. When {@link Alert.problem} is set, this is whatever arrived (text or
   * another JSON value) and may not match the type.
   */
  payload: GraceDbAlert;
  /** Exactly what the Python client handed to callbacks (for GraceDB: the alert's JSON text). */
  raw: unknown;
  /** Why the payload is not a valid GraceDB alert, when it is not. */
  problem?: string;
  /** Kafka position, timestamp, key and headers. */
  metadata: Metadata;
}

/**
 * Handler for the callback form of {@link Client.listen}. It may be async; the alert is
 * committed only after it returns (or its promise resolves).
 */
export type AlertHandler = (topic: string, payload: GraceDbAlert, alert: Alert) => unknown;

/** Per-call options of {@link Client.listen}. */
export interface ListenOptions {
  /** Aborting it ends this listener (like {@link Client.stop}). */
  signal?: AbortSignal;
  /** Called each time the listener has its partitions assigned and is ready to receive. */
  onReady?: (topics: string[]) => void;
  /** Hand the Python client's value to callbacks instead of the decoded object. */
  raw?: boolean;
  /** Overrides the client's `startAt` for this listener. */
  startAt?: StartPosition;
}

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
 * ```ts ignore
 * import { Client } from "@igwn/alert";
 * const client = new Client({ consumerGroup: "my-pipeline" });
 * await client.listen((topic, payload) => {
 *   console.log(topic, payload.uid);
 * }, ["superevent", "cbc_gstlal"]);
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
  /** Accepted for compatibility. */
  readonly batchSize: number;
  /** Accepted for compatibility. */
  readonly batchTimeoutMs: number;
  /** Whether listeners reconnect after fatal errors. */
  readonly retryOnFatal: boolean;
  /** Reconnections allowed after consecutive fatal errors. */
  readonly listenRetries: number;
  /** Wait before a reconnection after a fatal error, ms. */
  readonly retryWaitMs: number;
  /** Extra attempts for a handler that throws. */
  readonly handlerRetries: number;
  /** Pretty-print JSON when formatting alerts. */
  readonly jsonppOn: boolean;
  /** Wire layout for published alerts. */
  readonly encoding: AlertEncoding;
  /** Broker address derived from server and port. */
  readonly broker: BrokerAddress;

  readonly #options: ClientOptions;
  readonly #logger: Logger;
  readonly #sessions = new Map<string, Producer>();
  readonly #consumers = new Set<Consumer>();
  readonly #stopControllers = new Set<AbortController>();
  #stopPending = false;
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
    if (options === null || typeof options !== "object") {
      throw new TypeError("Client options must be an object");
    }
    for (const name of Object.keys(options)) {
      if (!OPTION_NAMES.has(name)) throw new TypeError(`unknown Client option "${name}"`);
    }
    const o = options;
    if (Boolean(o.username) !== Boolean(o.password)) {
      throw new Error(
        "You must provide both a username and a password for basic authentication.",
      );
    }
    if (o.username !== undefined) checkString("username", o.username);
    if (o.password !== undefined) checkString("password", o.password);
    if (o.authFile !== undefined) checkString("authFile", o.authFile);
    if (o.netrcFile !== undefined) checkString("netrcFile", o.netrcFile);
    if (o.caFile !== undefined) checkString("caFile", o.caFile);
    if (o.noAuth !== undefined) checkBoolean("noAuth", o.noAuth);
    if (o.tls !== undefined) checkBoolean("tls", o.tls);
    this.server = o.server === undefined ? DEFAULT_SERVER : checkString("server", o.server);
    this.group = o.group === undefined ? DEFAULT_GROUP : checkString("group", o.group);
    if (!this.group) throw new RangeError(`"group" must not be empty`);
    if (/[^A-Za-z0-9._-]/.test(this.group)) {
      throw new RangeError(`"group" '${this.group}' holds characters Kafka does not allow`);
    }
    if (o.consumerGroup !== undefined) {
      this.consumerGroup = checkString("consumerGroup", o.consumerGroup);
      if (!this.consumerGroup) throw new RangeError(`"consumerGroup" must not be empty`);
    }
    this.broker = resolveBroker(this.server, o.port);
    this.port = this.broker.port;
    this.batchSize = o.batchSize === undefined
      ? 1
      : checkNumber("batchSize", o.batchSize, { min: 1, integer: true });
    this.batchTimeoutMs = o.batchTimeoutMs === undefined
      ? 200
      : checkNumber("batchTimeoutMs", o.batchTimeoutMs);
    this.retryOnFatal = o.retryOnFatal === undefined
      ? false
      : checkBoolean("retryOnFatal", o.retryOnFatal);
    this.listenRetries = o.listenRetries === undefined
      ? DEFAULT_LISTEN_RETRIES
      : checkNumber("listenRetries", o.listenRetries, { integer: true });
    this.retryWaitMs = o.retryWaitMs === undefined
      ? DEFAULT_RETRY_WAIT_MS
      : checkNumber("retryWaitMs", o.retryWaitMs);
    this.handlerRetries = o.handlerRetries === undefined
      ? DEFAULT_HANDLER_RETRIES
      : o.handlerRetries === Infinity
      ? Infinity
      : checkNumber("handlerRetries", o.handlerRetries, { integer: true });
    this.jsonppOn = o.jsonppOn === undefined ? false : checkBoolean("jsonppOn", o.jsonppOn);
    this.encoding = o.encoding ?? "gracedb";
    if (this.encoding !== "gracedb" && this.encoding !== "object") {
      throw new RangeError(`"encoding" must be "gracedb" or "object", got '${this.encoding}'`);
    }
    if (o.startAt !== undefined && o.startAt !== "earliest" && o.startAt !== "latest") {
      throw new RangeError(`"startAt" must be "earliest" or "latest", got '${o.startAt}'`);
    }
    if (o.connectTimeoutMs !== undefined) {
      checkNumber("connectTimeoutMs", o.connectTimeoutMs, { min: 1 });
    }
    if (o.requestTimeoutMs !== undefined) {
      checkNumber("requestTimeoutMs", o.requestTimeoutMs, { min: 1 });
    }
    if (o.auth !== undefined && o.auth !== false && typeof o.auth !== "object") {
      throw new TypeError(`"auth" must be an Auth, an array of Auth, or false`);
    }
    this.#options = { ...o };
    this.#logger = o.logger ?? silentLogger;
    o.signal?.addEventListener("abort", () => {
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
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * const auth = await new Client({ noAuth: true }).credentials();
   * console.assert(auth === false);
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
   * the same consumer group.
   *
   * @param topics topic names without the group prefix.
   * @param options per-listener options.
   * @returns the alerts as they arrive.
   *
   * @example
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * const client = new Client({ group: "gracedb-playground", consumerGroup: "me" });
   * for await (const alert of client.listen(["superevent"])) console.log(alert.payload.uid);
   * ```
   */
  listen(
    topics?: string | readonly string[],
    options?: ListenOptions,
  ): AsyncIterableIterator<Alert>;
  /**
   * Listens with a callback `(topic, payload, alert)`; resolves after {@link Client.stop} (or an
   * aborted signal) and rejects on a fatal error once retries are used up. Each alert is
   * committed after the handler returns. A handler that throws is logged and called again with
   * the same alert (back-off doubling from `retryWaitMs`, at most `handlerRetries` extra times);
   * after that the alert is logged with its offset and skipped, so one bad alert cannot stall
   * the stream. Set `handlerRetries: Infinity` to never skip.
   *
   * @param callback receives the unprefixed topic, the decoded alert and the full record.
   * @param topics topic names without the group prefix.
   * @param options per-listener options.
   * @returns a promise that settles when listening ends.
   *
   * @example
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * const client = new Client();
   * await client.listen((topic, payload) => console.log(topic, payload.alert_type), "superevent");
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
      return this.#listenWithCallback(
        first,
        second as string | readonly string[] | undefined,
        third ?? {},
      );
    }
    return this.#alerts(first, (second as ListenOptions | undefined) ?? {});
  }

  /**
   * Ends every running listener at the next alert boundary. Safe from any callback, signal
   * handler or timer, and before `listen` starts: a stop requested while nothing listens makes
   * the next `listen` return at once.
   *
   * @example
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * const client = new Client();
   * setTimeout(() => client.stop(), 60_000);
   * await client.listen((topic, payload) => console.log(topic, payload.uid));
   * ```
   */
  stop(): void {
    if (this.#stopControllers.size === 0) {
      this.#stopPending = true;
      return;
    }
    for (const controller of this.#stopControllers) controller.abort();
    for (const consumer of this.#consumers) consumer.stop();
  }

  /**
   * Topics of `group` (default: the client's) that the credential may see, without the prefix.
   * Only exact `<group>.` prefixes count.
   *
   * @param group GraceDB group.
   * @returns unprefixed topic names, sorted.
   *
   * @example
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * console.log(await new Client({ group: "gracedb-playground" }).getTopics());
   * ```
   */
  async getTopics(group: string = this.group): Promise<string[]> {
    checkString("group", group);
    const { listTopics } = await import("../hop/list_topics.ts");
    const auth = await this.credentials();
    const names = await listTopics(this.broker.url, {
      auth,
      timeoutMs: this.#options.connectTimeoutMs ?? 10_000,
    });
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
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * await using client = new Client({ group: "gracedb-test" });
   * await client.connect(["superevent"]);
   * await client.publishToTopic("superevent", { uid: "S1", alert_type: "new", data: {}, object: {} });
   * await client.flushByTopic("superevent");
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
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * const client = new Client();
   * await client.connect("superevent");
   * await client.publishToTopic("superevent", '{"uid":"S1","alert_type":"new"}');
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
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * const client = new Client();
   * await client.connect("superevent");
   * await client.publishToTopic("superevent", { uid: "S1" });
   * await client.flushByTopic("superevent");
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
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * const client = new Client();
   * await client.connect(["superevent", "cbc_gstlal"]);
   * await client.disconnect("cbc_gstlal");
   * await client.disconnect();
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
   * @example
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * const alert = JSON.parse(await Deno.readTextFile("superevent_new.json"));
   * await new Client({ group: "gracedb-test" }).publish("superevent", alert);
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
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * new Client().getSubscriptions(); // warns
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
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * new Client().subscribe("superevent"); // warns
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
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * new Client().unsubscribe("superevent"); // warns
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
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * new Client().delete(); // warns
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
   * ```ts ignore
   * import { Client } from "@igwn/alert";
   * {
   *   await using client = new Client();
   *   await client.connect("superevent");
   * } // flushed and closed here
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.stop();
    this.#stopPending = false;
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
    const { openStream } = await import("../hop/stream.ts");
    const url = topicsUrl(this.broker, this.group, topic);
    return await openStream(url, "w", await this.#streamOptions());
  }

  async #streamOptions(): Promise<StreamOptions> {
    return {
      auth: await this.credentials(),
      logger: this.#logger,
      connectTimeoutMs: this.#options.connectTimeoutMs ?? 10_000,
      requestTimeoutMs: this.#options.requestTimeoutMs ?? 30_000,
    };
  }

  async #listenWithCallback(
    callback: AlertHandler,
    topics: string | readonly string[] | undefined,
    options: ListenOptions,
  ): Promise<void> {
    const stopper = new AbortController();
    for await (const alert of this.#alerts(topics, options, stopper)) {
      // A stop during the handler's retries leaves the alert uncommitted: leaving the loop
      // ends the stream without committing it.
      if (!await this.#handle(callback, alert, options.raw ?? false, stopper.signal)) break;
    }
  }

  /** Runs the handler with retries; false when stopped before it succeeded or was skipped. */
  async #handle(
    callback: AlertHandler,
    alert: Alert,
    raw: boolean,
    stopped: AbortSignal,
  ): Promise<boolean> {
    const where =
      `${alert.fullTopic} partition ${alert.metadata.partition} offset ${alert.metadata.offset}`;
    for (let attempt = 0;; attempt++) {
      try {
        await callback(alert.topic, (raw ? alert.raw : alert.payload) as GraceDbAlert, alert);
        return true;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (attempt >= this.handlerRetries) {
          this.#logger.error(
            `handler failed for the alert at ${where} ${
              attempt + 1
            } times, skipping it: ${message}`,
          );
          return true;
        }
        if (stopped.aborted) {
          this.#logger.error(`handler failed for the alert at ${where}: ${message}; stopping`);
          return false;
        }
        const delay = Math.min(this.retryWaitMs * 2 ** attempt, 5_000);
        this.#logger.error(
          `handler failed for the alert at ${where}: ${message}; delivering it again in ${delay} ms`,
        );
        await sleep(delay, stopped);
        if (stopped.aborted) return false;
      }
    }
  }

  async *#alerts(
    requested: string | readonly string[] | undefined,
    options: ListenOptions,
    stopper = new AbortController(),
  ): AsyncGenerator<Alert> {
    this.#stopControllers.add(stopper);
    let current: Consumer | undefined;
    const onAbort = () => {
      stopper.abort();
      current?.stop();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (this.#stopPending || options.signal?.aborted) return;
      const explicit = typeof requested === "string" ? [requested] : [...(requested ?? [])];
      const topics = explicit.length ? explicit : await this.getTopics();
      if (topics.length === 0) {
        throw new KafkaError(
          `no topics of group '${this.group}' are visible to the credential on ${this.broker.broker}`,
        );
      }
      const url = topicsUrl(this.broker, this.group, topics);
      const fullTopics = topics.map((topic) => `${this.group}.${topic}`);
      this.#logger.info(
        explicit.length
          ? `Listening to ${topics.length} topics on ${this.broker.url}`
          : `Listening to all ${topics.length} available topics on ${this.broker.url}`,
      );
      const { openStream, randomGroupId } = await import("../hop/stream.ts");
      // One group for the whole listen() call, so that a reconnection resumes from what this
      // listener committed instead of starting over at the latest alert in a new group.
      const auth = await this.credentials();
      const groupId = this.consumerGroup ?? randomGroupId(auth ? auth[0]?.username : undefined);
      let fatalFailures = 0;
      let transientFailures = 0;
      while (!stopper.signal.aborted) {
        let consumer: Consumer | undefined;
        let streaming = false;
        try {
          // Only the opening is tied to stop(): once open, the consumer must stay usable until
          // the alert being handled is committed, so stop() ends it with consumer.stop().
          const opening = new AbortController();
          const abortOpening = () => opening.abort();
          stopper.signal.addEventListener("abort", abortOpening, { once: true });
          try {
            consumer = await openStream(url, "r", {
              ...(await this.#streamOptions()),
              groupId,
              // A crash (e.g. the broker stayed away past the Kafka client's retries) is what the
              // Python client calls a fatal error. The consumer may rejoin by itself while the
              // budget lasts; otherwise it ends iteration with the error, handled below.
              restartOnFailure: () => this.retryOnFatal && fatalFailures < this.listenRetries,
              onCrash: (error, willRestart) => {
                if (!willRestart) return;
                fatalFailures++;
                this.#logger.warn(
                  `fatal error from kafka: ${error.message} on attempt ${fatalFailures}; reconnecting`,
                );
              },
              startAt: options.startAt ?? this.#options.startAt ?? "latest",
              autoCommit: false,
              signal: opening.signal,
            });
          } finally {
            stopper.signal.removeEventListener("abort", abortOpening);
          }
          this.#consumers.add(consumer);
          current = consumer;
          if (stopper.signal.aborted) consumer.stop();
          const ready = consumer.ready;
          ready.then(() => {
            if (!stopper.signal.aborted) options.onReady?.(fullTopics);
          }, () => {});
          streaming = true;
          for await (const { message, metadata } of consumer.read({ metadata: true })) {
            fatalFailures = 0;
            transientFailures = 0;
            const alert = this.#toAlert(message, metadata);
            if (alert.problem) {
              this.#logger.warn(
                `alert at ${alert.fullTopic} offset ${metadata.offset}: ${alert.problem}`,
              );
            }
            yield alert;
            await consumer.markDone(metadata);
            this.#logger.debug(
              `committed ${metadata.topic} partition ${metadata.partition} offset ${
                metadata.offset + 1
              } for group ${groupId}`,
            );
            if (stopper.signal.aborted) break;
          }
          break;
        } catch (error) {
          if (stopper.signal.aborted) break;
          // Failing to open (unknown topic, refused credential) is never transient: retrying
          // the same request cannot help.
          if (streaming && isTransient(error) && transientFailures < 5) {
            const delay = Math.min(100 * 2 ** transientFailures++, 10_000);
            this.#logger.warn(
              `Non-fatal Kafka error: ${messageOf(error)}; reconnecting in ${delay} ms`,
            );
            await sleep(delay, stopper.signal);
            continue;
          }
          fatalFailures++;
          // Without retries the caller reports the error once; logging it here too would print
          // it twice.
          if (!this.retryOnFatal) throw error;
          if (fatalFailures > this.listenRetries) {
            this.#logger.error(
              `giving up after ${this.listenRetries} reconnection attempts: ${messageOf(error)}`,
            );
            throw error;
          }
          this.#logger.warn(
            `fatal error from kafka: ${messageOf(error)} on attempt ${fatalFailures}; ` +
              `reconnecting in ${this.retryWaitMs} ms`,
          );
          await sleep(this.retryWaitMs, stopper.signal);
        } finally {
          if (consumer) {
            this.#consumers.delete(consumer);
            current = undefined;
            await consumer.close().catch((error) =>
              this.#logger.debug(`closing the consumer failed: ${messageOf(error)}`)
            );
          }
        }
      }
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      this.#stopControllers.delete(stopper);
      if (this.#stopControllers.size === 0) this.#stopPending = false;
    }
  }

  #toAlert(message: unknown, metadata: Metadata): Alert {
    const raw = pythonValue(message);
    const decoded = decodeAlertPayload(raw);
    let problem = decoded.problem;
    if (!problem) {
      const problems = validateAlert(decoded.payload);
      if (problems.length) {
        problem = `not a valid GraceDB alert: ${problems.slice(0, 3).join("; ")}${
          problems.length > 3 ? ` (and ${problems.length - 3} more)` : ""
        }`;
      }
    }
    return {
      topic: stripGroupPrefix(this.group, metadata.topic),
      fullTopic: metadata.topic,
      payload: decoded.payload as GraceDbAlert,
      raw,
      ...(problem ? { problem } : {}),
      metadata,
    };
  }
}

/** The value the Python client passed on: JSON content as is, anything else as text/bytes. */
function pythonValue(message: unknown): unknown {
  const model = message as { format?: string; content?: unknown; serialize?: () => Uint8Array };
  if (model && model.format?.toLowerCase() === "json" && "content" in model) return model.content;
  if (model && typeof model.serialize === "function") {
    const bytes = model.serialize();
    try {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    } catch {
      return bytes;
    }
  }
  return message;
}

function isTransient(error: unknown): boolean {
  return error instanceof KafkaError && error.retriable && !error.fatal &&
    !(error instanceof ConnectionError);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
