/**
 * The igwn-alert client: listen to and publish GraceDB alerts on a Hopskotch (Kafka) broker.
 *
 * @module
 */

import type { Auth } from "../hop/auth.ts";
import { KafkaError } from "../hop/errors.ts";
import { type Logger, silentLogger } from "../hop/log.ts";
import type { Consumer, Metadata, Producer, StartPosition } from "../hop/stream.ts";
import { parseStartTime } from "../hop/start_position.ts";
import { checkStartPosition } from "../hop/_start_offsets.ts";
import type { TargetStreamOptions } from "../hop/_open_stream.ts";
import type { StreamTarget } from "../hop/_stream_target.ts";
import { resolveClientAuth } from "./_credentials.ts";
import { isRecoverable } from "../kafka/errors.ts";
import { backoffDelay, DEFAULT_RETRY_POLICY } from "../kafka/retry_policy.ts";
import { alertPlace, appendDeadLetter, errorMessage } from "./_dead_letter.ts";
import { checkBoolean, checkNumber, checkString, describeType } from "./_validation.ts";
import { type AlertEncoding, decodeAlertPayload, encodeAlert } from "./payload.ts";
import {
  type BrokerAddress,
  DEFAULT_GROUP,
  DEFAULT_SERVER,
  fullTopicName,
  isGroupTopic,
  resolveBroker,
  stripGroupPrefix,
} from "./topic_naming.ts";
import { type AlertFilter, matchAlert } from "./filter.ts";
import { OrderedCommits } from "./_ordered_commits.ts";
import type { ClientMetrics } from "./metrics.ts";
import { MetricsCounters } from "./_metrics_counters.ts";
import type { GraceDbAlert } from "./types.ts";
import { checkAlert } from "./types.ts";
import { sleep } from "../_sleep.ts";
import type { Clock } from "../clock.ts";
import { hasTopicNameCharactersOnly } from "../topic_name.ts";

/**
 * Default number of reconnections after consecutive fatal errors when `retryOnFatal` is set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Client, DEFAULT_LISTEN_RETRIES } from "@igwn/alert";
 * assert.equal(new Client().listenRetries, DEFAULT_LISTEN_RETRIES);
 * ```
 */
export const DEFAULT_LISTEN_RETRIES = 3;
/**
 * Default wait before reconnecting after a fatal error, in milliseconds; also the first wait
 * before a failed handler is called again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Client, DEFAULT_RETRY_WAIT_MS } from "@igwn/alert";
 * assert.equal(new Client().retryWaitMs, DEFAULT_RETRY_WAIT_MS);
 * ```
 */
export const DEFAULT_RETRY_WAIT_MS = 100;
/**
 * Default number of extra attempts a failing handler gets for one alert: no limit, so an alert
 * waits, uncommitted, until its handler succeeds (a downstream outage loses nothing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Client, DEFAULT_HANDLER_RETRIES } from "@igwn/alert";
 * assert.equal(DEFAULT_HANDLER_RETRIES, Infinity);
 * assert.equal(new Client().handlerRetries, Infinity);
 * ```
 */
export const DEFAULT_HANDLER_RETRIES: number = Infinity;
/**
 * Longest wait between two attempts of a failing handler, in milliseconds. The waits start at
 * `retryWaitMs` and double up to this.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAX_HANDLER_RETRY_WAIT_MS } from "@igwn/alert";
 * assert.equal(MAX_HANDLER_RETRY_WAIT_MS, 30_000);
 * ```
 */
export const MAX_HANDLER_RETRY_WAIT_MS = 30_000;

/**
 * Default of the `batchTimeoutMs` option: how long a listener's fetch may wait at the broker for
 * new alerts, in milliseconds. It is librdkafka's `fetch.wait.max.ms`, the broker-side wait the
 * Python client's fetches use; Python's `batch_timeout` (0.2 s) only bounds a local wait there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Client, DEFAULT_BATCH_TIMEOUT_MS } from "@igwn/alert";
 * assert.equal(DEFAULT_BATCH_TIMEOUT_MS, 500);
 * assert.equal(new Client().batchTimeoutMs, DEFAULT_BATCH_TIMEOUT_MS);
 * ```
 */
export const DEFAULT_BATCH_TIMEOUT_MS = 500;

/**
 * Receives an alert whose handler failed `handlerRetries + 1` times, with the last error. The
 * alert is committed after it returns (or its promise resolves); if it throws, the alert stays
 * uncommitted and `listen` rejects.
 *
 * @example Keep failed alerts in memory, e.g. for a test
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Alert, Client, type DeadLetterHandler } from "@igwn/alert";
 * const failed: Alert[] = [];
 * const keep: DeadLetterHandler = (alert) => void failed.push(alert);
 * const client = new Client({ handlerRetries: 5, deadLetter: keep });
 * assert.equal(client.deadLetter, keep);
 * ```
 */
export type DeadLetterHandler = (alert: Alert, error: unknown) => void | Promise<void>;

/**
 * Options of {@link Client}; every one is optional and has the Python client's default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Client, type ClientOptions } from "./client.ts";
 * const options: ClientOptions = { server: "kafka://127.0.0.1:9093/", group: "gracedb-test" };
 * const client = new Client({ ...options, noAuth: true, handlerRetries: 2 });
 * assert.deepEqual([client.port, client.group, client.handlerRetries], [9093, "gracedb-test", 2]);
 * assert.throws(() => new Client({ colour: "red" } as ClientOptions), /unknown Client option/);
 * assert.throws(() => new Client({ username: "alice" }), /both a username and a password/);
 * ```
 */
export interface ClientOptions {
  /** SCiMMA credential username; requires `password`. */
  username?: string;
  /** SCiMMA credential password; requires `username`. Never logged or shown in errors. */
  password?: string;
  /**
   * OpenID Connect token URL: `username` and `password` are then an OAuth2 client id and secret
   * (e.g. NASA GCN's), exchanged there for OAUTHBEARER tokens (client-credentials grant).
   */
  tokenEndpoint?: string;
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
  /**
   * Accepted for compatibility (Python `batch_size`, default 1), an integer >= 1; it changes
   * nothing: alerts are handed over one at a time as they arrive, whatever the value, so none
   * waits for others to fill a batch.
   */
  batchSize?: number;
  /**
   * Python `batch_timeout`, in ms: how long a fetch may wait at the broker for new alerts (the
   * consumer's long poll, Kafka's `fetch.max.wait.ms`). An alert that arrives meanwhile is
   * handed over at once, so this adds no latency; it sets how often an idle listener asks again
   * (`0`: without pause, which keeps the broker busy) and how long `close()` may wait for the
   * fetch in flight. Default 500, librdkafka's `fetch.wait.max.ms`: the broker-side wait of the
   * Python client, whose `batch_timeout` (0.2 s) only bounds a local wait.
   */
  batchTimeoutMs?: number;
  /**
   * Reopen the listener after a fatal error (authentication, authorization, a missing topic), at
   * most `listenRetries` times in a row. Outages and timeouts are not fatal: the listener rides
   * through them whatever this says.
   */
  retryOnFatal?: boolean;
  /** Reopenings allowed after consecutive fatal errors. Default 3. */
  listenRetries?: number;
  /**
   * Wait before each reopening after a fatal error, and before a failed handler's first retry,
   * in ms. Default 100.
   */
  retryWaitMs?: number;
  /**
   * Extra attempts for a handler that throws, waiting `retryWaitMs`, doubling up to 30 s. Default
   * `Infinity`: the alert stays uncommitted until the handler succeeds. Once a finite number is
   * spent, the alert goes to `deadLetter` and is committed; without `deadLetter`, `listen` rejects
   * with the handler's error and the alert stays uncommitted (`0`: as the Python client does).
   */
  handlerRetries?: number;
  /**
   * Where an alert goes once its `handlerRetries` are spent: a file path, to which one NDJSON line
   * is appended per alert (topic, partition, offset, timestamp, uid, error, payload), or a
   * function. Needs a finite `handlerRetries`.
   */
  deadLetter?: string | DeadLetterHandler;
  /** Pretty-print JSON in `formatAlertMessage` output (the CLI `-j` flag). Default false. */
  jsonppOn?: boolean;
  /** Wire layout for published alerts (see {@link encodeAlert}). Default `"gracedb"`. */
  encoding?: AlertEncoding;
  /** Where a listener starts in partitions without committed offsets (see {@linkcode StartPosition}). Default `"latest"`. */
  startAt?: StartPosition;
  /** Give up connecting to the broker after this many ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Give up on one broker request after this many ms. Default 30000. */
  requestTimeoutMs?: number;
  /** Receives progress and warnings. Default: silent. */
  logger?: Logger;
  /** Aborting it stops every listener and closes producers. */
  signal?: AbortSignal;
  /**
   * The clock that handler retries, reopenings and the reader's reconnections wait on. Default
   * the real one; a test passes a `ManualClock` and advances it instead of waiting.
   */
  clock?: Clock;
}

const OPTION_NAMES = new Set<string>([
  "username",
  "password",
  "tokenEndpoint",
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
  "deadLetter",
  "jsonppOn",
  "encoding",
  "startAt",
  "connectTimeoutMs",
  "requestTimeoutMs",
  "logger",
  "signal",
  "clock",
]);

/**
 * One alert received by {@link Client.listen}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { type Alert, Client } from "./client.ts";
 * import { encodeAlert } from "./payload.ts";
 * const topics = ["gracedb.superevent"];
 * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
 * await using client = new Client({ server: broker.url, noAuth: true, startAt: "earliest" });
 * const steps = simulateLifecycles({ seed: 1, count: 1 });
 * const { alert } = steps.find((step) => step.topic === "gracedb.superevent")!;
 * await client.publish("superevent", alert);
 * for await (const received of client.listen("superevent")) {
 *   const first: Alert = received;
 *   assert.deepEqual([first.topic, first.fullTopic], ["superevent", "gracedb.superevent"]);
 *   assert.deepEqual([first.payload, first.problem], [alert, undefined]);
 *   assert.equal(first.raw, encodeAlert(alert)); // what the Python client hands over
 *   assert.equal(first.metadata.offset, 0);
 *   break;
 * }
 * ```
 */
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
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { type AlertHandler, Client } from "./client.ts";
 * const topics = ["gracedb.superevent"];
 * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
 * await using client = new Client({ server: broker.url, noAuth: true, startAt: "earliest" });
 * const steps = simulateLifecycles({ seed: 1, count: 1 });
 * const { alert } = steps.find((step) => step.topic === "gracedb.superevent")!;
 * await client.publish("superevent", alert);
 * const seen: string[] = [];
 * const handler: AlertHandler = (topic, payload) => {
 *   seen.push(`${topic} ${payload.alert_type}`);
 *   client.stop(); // listen() resolves once this alert is committed
 * };
 * await client.listen(handler, "superevent");
 * assert.deepEqual(seen, ["superevent new"]);
 * ```
 */
export type AlertHandler = (topic: string, payload: GraceDbAlert, alert: Alert) => unknown;

/**
 * Per-call options of {@link Client.listen}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { Client, type ListenOptions } from "./client.ts";
 * import { encodeAlert } from "./payload.ts";
 * const topics = ["gracedb.superevent"];
 * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
 * await using client = new Client({ server: broker.url, noAuth: true }); // starts at "latest"
 * const steps = simulateLifecycles({ seed: 1, count: 1 });
 * const { alert } = steps.find((step) => step.topic === "gracedb.superevent")!;
 * await client.publish("superevent", alert);
 * const ready: string[][] = [];
 * const payloads: unknown[] = [];
 * const options: ListenOptions = { startAt: "earliest", raw: true, onReady: (t) => ready.push(t) };
 * await client.listen((_topic, payload) => {
 *   payloads.push(payload); // with `raw`, the JSON text the Python client would get
 *   client.stop();
 * }, "superevent", options);
 * assert.deepEqual(ready, [["gracedb.superevent"]]);
 * assert.deepEqual(payloads, [encodeAlert(alert)]);
 * ```
 */
export interface ListenOptions {
  /** Aborting it ends this listener (like {@link Client.stop}). */
  signal?: AbortSignal;
  /** Called each time the listener has its partitions assigned and is ready to receive. */
  onReady?: (topics: string[]) => void;
  /** Hand the Python client's value to callbacks instead of the decoded object. */
  raw?: boolean;
  /**
   * Overrides the client's `startAt` for this listener: `"earliest"`, `"latest"`, `{ offset }`,
   * `{ since }` (a relative time counts from the call to `listen`) or `{ last: N }`.
   */
  startAt?: StartPosition;
  /**
   * Apply `startAt` even where the consumer group has committed offsets (see
   * {@linkcode StartPosition}); only when the listener first opens, not when it reopens.
   */
  resetOffsets?: boolean;
  /**
   * Hand over only the alerts that satisfy this: criteria (see {@link AlertFilter}, checked when
   * `listen` is called, before connecting) or a function of the alert. The others are committed
   * without being handed over, so a restarted listener does not see them again.
   */
  filter?: AlertFilter | ((alert: Alert) => boolean);
  /**
   * Callback form only: how many alerts the handler may work on at once. Default 1. Alerts with
   * the same {@link ListenOptions.orderKey} are still handled one after the other, in order, and
   * an alert is committed only once every alert before it on its partition has been handled.
   */
  concurrency?: number;
  /**
   * With `concurrency`: alerts with the same key are handled in order. Default: the superevent
   * the alert is about (its `superevent_id`, an event's `superevent`, else its `uid`).
   */
  orderKey?: (alert: Alert) => string;
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
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { type AlertHandler, Client } from "./client.ts";
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
  readonly #consumers = new Set<Consumer>();
  readonly #stopControllers = new Set<AbortController>();
  /** Values newer than this version (a label, VOEvent type...) already logged once. */
  readonly #unknownSeen = new Set<string>();
  readonly #counters = new MetricsCounters();
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
    if (o.tokenEndpoint !== undefined) checkString("tokenEndpoint", o.tokenEndpoint);
    if (o.authFile !== undefined) checkString("authFile", o.authFile);
    if (o.netrcFile !== undefined) checkString("netrcFile", o.netrcFile);
    if (o.caFile !== undefined) checkString("caFile", o.caFile);
    if (o.noAuth !== undefined) checkBoolean("noAuth", o.noAuth);
    if (o.tls !== undefined) checkBoolean("tls", o.tls);
    this.server = o.server === undefined ? DEFAULT_SERVER : checkString("server", o.server);
    this.group = o.group === undefined ? DEFAULT_GROUP : checkString("group", o.group);
    if (!this.group) throw new RangeError(`"group" must not be empty`);
    if (!hasTopicNameCharactersOnly(this.group)) {
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
      ? DEFAULT_BATCH_TIMEOUT_MS
      : checkNumber("batchTimeoutMs", o.batchTimeoutMs);
    if (!Number.isFinite(this.batchTimeoutMs)) {
      throw new RangeError(
        `"batchTimeoutMs" must be a finite number >= 0, got ${o.batchTimeoutMs}`,
      );
    }
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
    if (o.deadLetter !== undefined) {
      if (typeof o.deadLetter !== "function" && typeof o.deadLetter !== "string") {
        throw new TypeError(
          `"deadLetter" must be a file path or a function, not ${describeType(o.deadLetter)}`,
        );
      }
      if (o.deadLetter === "") throw new RangeError(`"deadLetter" must not be an empty path`);
      if (this.handlerRetries === Infinity) {
        throw new RangeError(
          `"deadLetter" is used only once "handlerRetries" are spent: give a finite "handlerRetries"`,
        );
      }
      this.deadLetter = o.deadLetter;
    }
    this.jsonppOn = o.jsonppOn === undefined ? false : checkBoolean("jsonppOn", o.jsonppOn);
    this.encoding = o.encoding ?? "gracedb";
    if (this.encoding !== "gracedb" && this.encoding !== "object") {
      throw new RangeError(`"encoding" must be "gracedb" or "object", got '${this.encoding}'`);
    }
    if (o.startAt !== undefined) checkStartPosition(o.startAt);
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
      let accept: (alert: Alert) => boolean;
      try {
        accept = alertPredicate(third?.filter);
      } catch (error) {
        return Promise.reject(error);
      }
      return this.#listenWithCallback(
        first,
        second as string | readonly string[] | undefined,
        third ?? {},
        accept,
      );
    }
    const options = (second as ListenOptions | undefined) ?? {};
    return this.#alerts(first, options, alertPredicate(options.filter));
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
    const counters = this.#counters;
    let lag = 0;
    let reconnections = counters.reconnections;
    let connected = this.#consumers.size > 0;
    for (const consumer of this.#consumers) {
      const health = consumer.health();
      lag += health.lag;
      reconnections += health.reconnections;
      connected &&= health.connected;
    }
    return {
      received: counters.received(),
      filteredOut: counters.filteredOut,
      handlerSuccesses: counters.handlerSuccesses,
      handlerFailures: counters.handlerFailures,
      handlerRetries: counters.handlerRetries,
      deadLetters: counters.deadLetters,
      consumerLag: lag,
      reconnections,
      ...(counters.lastAlertTime !== undefined ? { lastAlertTime: counters.lastAlertTime } : {}),
      ready: counters.readyListeners > 0,
      connected,
    };
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

  async #listenWithCallback(
    callback: AlertHandler,
    topics: string | readonly string[] | undefined,
    options: ListenOptions,
    accept: (alert: Alert) => boolean,
  ): Promise<void> {
    const stopper = new AbortController();
    const concurrency = options.concurrency ?? 1;
    if (concurrency !== 1) {
      checkNumber("concurrency", concurrency, { min: 1, integer: true });
      return await this.#listenConcurrently(callback, topics, options, accept, stopper);
    }
    for await (const alert of this.#alerts(topics, options, accept, stopper)) {
      // A stop during the handler's retries leaves the alert uncommitted: leaving the loop
      // ends the stream without committing it. So does an error thrown from here.
      if (!await this.#handle(callback, alert, options.raw ?? false, stopper.signal)) break;
    }
  }

  /**
   * The callback form with `concurrency` > 1: up to that many handlers run at once, one at a time
   * per order key; commits follow {@link OrderedCommits}. A stop or a failure lets the running
   * handlers finish (or give up) before the consumer closes, so their alerts are committed.
   */
  async #listenConcurrently(
    callback: AlertHandler,
    topics: string | readonly string[] | undefined,
    options: ListenOptions,
    accept: (alert: Alert) => boolean,
    stopper: AbortController,
  ): Promise<void> {
    const limit = options.concurrency!;
    const keyOf = options.orderKey ?? supereventKey;
    const running = new Set<Promise<void>>();
    const chains = new Map<string, Promise<void>>();
    let failure: { error: unknown } | undefined;
    const drain = async () => {
      while (running.size) await Promise.all(running);
    };
    const manual: ManualCommits = { commits: new OrderedCommits(), drain };
    for await (const alert of this.#alerts(topics, options, accept, stopper, manual)) {
      manual.commits.handedOut(alert.metadata);
      const key = keyOf(alert);
      const task: Promise<void> = (chains.get(key) ?? Promise.resolve()).then(async () => {
        if (failure || stopper.signal.aborted) return;
        if (await this.#handle(callback, alert, options.raw ?? false, stopper.signal)) {
          await manual.done?.(alert.metadata);
        }
      }).catch((error) => {
        failure ??= { error };
        stopper.abort();
      }).finally(() => {
        running.delete(task);
        if (chains.get(key) === task) chains.delete(key);
      });
      chains.set(key, task);
      running.add(task);
      while (running.size >= limit && !failure) await Promise.race(running);
      if (failure || stopper.signal.aborted) break;
    }
    await drain();
    if (failure) throw failure.error;
  }

  /**
   * Runs the handler until it succeeds, with back-off; once `handlerRetries` are spent, hands the
   * alert to the dead-letter sink. True when the alert may be committed, false when stopped first.
   */
  async #handle(
    callback: AlertHandler,
    alert: Alert,
    raw: boolean,
    stopped: AbortSignal,
  ): Promise<boolean> {
    const counters = this.#counters;
    for (let attempt = 0;; attempt++) {
      if (attempt > 0) counters.handlerRetries++;
      try {
        await callback(alert.topic, (raw ? alert.raw : alert.payload) as GraceDbAlert, alert);
        counters.handlerSuccesses++;
        return true;
      } catch (error) {
        counters.handlerFailures++;
        if (attempt >= this.handlerRetries) {
          await this.#deadLetter(alert, error, attempt + 1);
          return true;
        }
        const failed = `handler failed for the alert at ${alertPlace(alert)}: ${
          errorMessage(error)
        }`;
        if (stopped.aborted) {
          this.#logger.error(`${failed}; stopping with the alert uncommitted`);
          return false;
        }
        const delay = handlerRetryDelay(this.retryWaitMs, attempt);
        this.#logger.error(`${failed}; delivering it again in ${delay} ms`);
        await sleep(delay, stopped, this.#options.clock);
        if (stopped.aborted) return false;
      }
    }
  }

  /** Hands an alert whose handler retries are spent to `deadLetter`; throws when it cannot. */
  async #deadLetter(alert: Alert, error: unknown, attempts: number): Promise<void> {
    const failed = `handler failed ${attempts} times for the alert at ${alertPlace(alert)}: ${
      errorMessage(error)
    }`;
    const sink = this.deadLetter;
    if (sink === undefined) {
      this.#logger.error(
        `${failed}; no deadLetter is set, so listening stops with the alert uncommitted`,
      );
      throw error;
    }
    const into = typeof sink === "string"
      ? `the dead-letter file ${sink}`
      : "the deadLetter function";
    try {
      if (typeof sink === "string") await appendDeadLetter(sink, alert, error);
      else await sink(alert, error);
      this.#counters.deadLetters++;
    } catch (sinkError) {
      const failure = new Error(
        `could not hand the alert at ${alertPlace(alert)} to ${into}, so it stays uncommitted: ${
          errorMessage(sinkError)
        }`,
        { cause: sinkError },
      );
      this.#logger.error(`${failed}; ${failure.message}`);
      throw failure;
    }
    this.#logger.error(`${failed}; handed to ${into}, committing it`);
  }

  async *#alerts(
    requested: string | readonly string[] | undefined,
    options: ListenOptions,
    accept: (alert: Alert) => boolean,
    stopper = new AbortController(),
    manual?: ManualCommits,
  ): AsyncGenerator<Alert> {
    this.#stopControllers.add(stopper);
    let current: Consumer | undefined;
    const onAbort = () => {
      stopper.abort();
      current?.stop();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (manual) stopper.signal.addEventListener("abort", () => current?.stop(), { once: true });
    try {
      if (this.#stopPending || options.signal?.aborted) return;
      const explicit = typeof requested === "string" ? [requested] : [...(requested ?? [])];
      const topics = explicit.length ? explicit : await this.getTopics();
      if (topics.length === 0) {
        throw new KafkaError(
          `no topics of group '${this.group}' are visible to the credential on ${this.broker.broker}`,
        );
      }
      const fullTopics = topics.map((topic) => fullTopicName(this.group, topic));
      this.#logger.info(
        explicit.length
          ? `Listening to ${topics.length} topics on ${this.broker.url}`
          : `Listening to all ${topics.length} available topics on ${this.broker.url}`,
      );
      const { openStreamAt, randomGroupId } = await import("../hop/_open_stream.ts");
      // One group for the whole listen() call, so that a reopened stream resumes from what this
      // listener committed instead of starting over at the latest alert in a new group.
      const auth = await this.credentials();
      const groupId = this.consumerGroup ?? randomGroupId(auth ? auth[0]?.username : undefined);
      // The only count of fatal errors: consecutive ones, reset by every alert received.
      let fatalFailures = 0;
      let reopenAttempt = 0;
      let opened = false;
      // A relative start time counts from now, also for a stream reopened later.
      let startAt = options.startAt ?? this.#options.startAt ?? "latest";
      if (typeof startAt === "object" && "since" in startAt) {
        startAt = { since: new Date(parseStartTime(startAt.since)) };
      }
      let readyCleanup: (() => void) | undefined;
      while (!stopper.signal.aborted) {
        let consumer: Consumer | undefined;
        try {
          // Only the opening is tied to stop(): once open, the consumer must stay usable until
          // the alert being handled is committed, so stop() ends it with consumer.stop().
          const opening = new AbortController();
          const abortOpening = () => opening.abort();
          stopper.signal.addEventListener("abort", abortOpening, { once: true });
          try {
            // The consumer rides through outages, timeouts and rebalances by itself (its
            // default restartOnFailure), so only failures that waiting cannot fix end it.
            consumer = await openStreamAt(await this.#target(fullTopics), "r", {
              ...this.#streamOptions(),
              fetchMaxWaitMs: this.batchTimeoutMs,
              groupId,
              startAt,
              resetOffsets: !opened && (options.resetOffsets ?? false),
              autoCommit: false,
              signal: opening.signal,
            });
          } finally {
            stopper.signal.removeEventListener("abort", abortOpening);
          }
          opened = true;
          reopenAttempt = 0;
          this.#consumers.add(consumer);
          current = consumer;
          if (stopper.signal.aborted) consumer.stop();
          const open = consumer;
          if (manual) {
            // Every handler of the previous consumer finished (drained before it closed).
            const commits = manual.commits = new OrderedCommits();
            manual.done = async (metadata) => {
              const through = commits.finished(metadata);
              if (through && current === open) await open.markDone(through, { wait: false });
            };
          }
          let counted = false;
          consumer.ready.then(() => {
            if (stopper.signal.aborted || current !== open) return;
            counted = true;
            this.#counters.readyListeners++;
            options.onReady?.(fullTopics);
          }, () => {});
          readyCleanup = () => {
            if (counted) this.#counters.readyListeners--;
            counted = false;
          };
          for await (const { message, metadata } of consumer.read({ metadata: true })) {
            fatalFailures = 0;
            const alert = this.#toAlert(message, metadata);
            this.#counters.receive(alert.topic, alert.payload);
            if (alert.problem) {
              this.#logger.warn(
                `alert at ${alert.fullTopic} offset ${metadata.offset}: ${alert.problem}`,
              );
            }
            if (accept(alert)) {
              yield alert;
              // Committed by the handler's task, once it and every alert before it finished.
              if (manual) continue;
            } else {
              this.#counters.filteredOut++;
              this.#logger.debug(`alert at ${alertPlace(alert)} does not match the filter`);
              if (manual) {
                manual.commits.handedOut(metadata);
                await manual.done?.(metadata);
                continue;
              }
            }
            // Queued for the next coalesced commit (sent at most 100 ms later, and by close()):
            // no round trip per alert. A commit lost to an outage or a rebalance is sent again,
            // and the consumer resumes where the reader is, so nothing is skipped meanwhile.
            await consumer.markDone(metadata, { wait: false });
            this.#logger.debug(
              `commit of ${metadata.topic} partition ${metadata.partition} offset ${
                metadata.offset + 1
              } queued for group ${groupId}`,
            );
            if (stopper.signal.aborted) break;
          }
          break;
        } catch (error) {
          if (stopper.signal.aborted) break;
          if (isRecoverableError(error) && (opened || this.retryOnFatal)) {
            // Only opening fails like this (an open consumer rides through such failures): the
            // broker is away or slow. Not fatal, so not counted; a first opening without
            // retryOnFatal fails at once instead, to report a wrong address.
            const delay = backoffDelay(DEFAULT_RETRY_POLICY, reopenAttempt++);
            this.#logger.warn(
              `could not open the stream: ${errorMessage(error)}; trying again in ${
                (delay / 1000).toFixed(1)
              } s`,
            );
            this.#counters.reconnections++;
            await sleep(delay, stopper.signal, this.#options.clock);
            continue;
          }
          // Without retries the caller reports the error once; logging it here too would print
          // it twice.
          if (!this.retryOnFatal) throw error;
          if (++fatalFailures > this.listenRetries) {
            this.#logger.error(
              `giving up after ${this.listenRetries} reconnection attempts: ${errorMessage(error)}`,
            );
            throw error;
          }
          this.#logger.warn(
            `fatal error from kafka: ${errorMessage(error)} on attempt ${fatalFailures}; ` +
              `reconnecting in ${this.retryWaitMs} ms`,
          );
          this.#counters.reconnections++;
          await sleep(this.retryWaitMs, stopper.signal, this.#options.clock);
        } finally {
          // Running handlers finish first, so that their alerts are committed by this consumer.
          if (manual) await manual.drain();
          readyCleanup?.();
          readyCleanup = undefined;
          if (consumer) {
            // Its reconnections stay counted once it is gone.
            this.#counters.reconnections += consumer.health().reconnections;
            this.#consumers.delete(consumer);
            current = undefined;
            await consumer.close().catch((error) =>
              this.#logger.debug(`closing the consumer failed: ${errorMessage(error)}`)
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
      const { problems, unknown } = checkAlert(decoded.payload);
      // GraceDB adds labels, VOEvent types and alert types over time: such an alert is valid.
      // Each new value is mentioned once, at debug level, never as a warning per alert.
      const fresh = unknown.filter(({ kind, value }) => {
        const key = `${kind} ${JSON.stringify(value)}`;
        if (this.#unknownSeen.has(key)) return false;
        if (this.#unknownSeen.size >= MAX_UNKNOWN_VALUES_REMEMBERED) this.#unknownSeen.clear();
        this.#unknownSeen.add(key);
        return true;
      });
      if (fresh.length) {
        this.#logger.debug(
          `alert at ${metadata.topic} offset ${metadata.offset} has values this version does ` +
            `not know (accepted): ${
              fresh.map(({ kind, value, path }) => `${kind} ${JSON.stringify(value)} at ${path}`)
                .join(", ")
            }`,
        );
      }
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

/** Bounds the memory of values already mentioned, should a producer send endless new ones. */
const MAX_UNKNOWN_VALUES_REMEMBERED = 1000;
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

/** How the concurrent callback form takes over commits from the alert stream. */
interface ManualCommits {
  commits: OrderedCommits;
  /** Waits until no handler runs. */
  drain(): Promise<void>;
  /** Set by the stream for each consumer it opens: the alert finished, commit what may be. */
  done?: (metadata: Metadata) => Promise<void>;
}

/** The superevent an alert is about: the default order key of concurrent handlers. */
function supereventKey(alert: Alert): string {
  const payload = alert.payload as unknown as {
    uid?: unknown;
    object?: { superevent_id?: unknown; superevent?: unknown };
  } | null;
  const object = payload?.object;
  for (const id of [object?.superevent_id, object?.superevent, payload?.uid]) {
    if (typeof id === "string" && id) return id;
  }
  return `${alert.fullTopic}\0${alert.metadata.partition}`;
}

/** The listener's filter as one predicate; criteria are checked here, before connecting. */
function alertPredicate(filter: ListenOptions["filter"]): (alert: Alert) => boolean {
  if (filter === undefined) return () => true;
  // A function that throws ends the listener with the alert uncommitted, as a handler would.
  if (typeof filter === "function") return (alert) => Boolean(filter(alert));
  const matches = matchAlert(filter);
  return (alert) => matches(alert.payload, alert.topic);
}

/** Whether waiting can make the failure pass (an outage, a timeout), as the consumer judges it. */
function isRecoverableError(error: unknown): boolean {
  return error instanceof KafkaError && isRecoverable(error);
}

/** Wait before a failed handler's next attempt: `retryWaitMs` doubling, capped. */
function handlerRetryDelay(retryWaitMs: number, attempt: number): number {
  return Math.min(Math.max(retryWaitMs, 1) * 2 ** Math.min(attempt, 30), MAX_HANDLER_RETRY_WAIT_MS);
}
