/**
 * Options of the igwn-alert {@link Client} and their defaults, as the Python client names them.
 *
 * @module
 */

import type { Auth } from "../hop/auth.ts";
import type { Logger } from "../hop/log.ts";
import type { StartPosition } from "../hop/stream.ts";
import type { Clock } from "../clock.ts";
import type { AlertEncoding } from "./payload.ts";
import type { Alert } from "./listen_types.ts";

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
 * import { Client } from "./client.ts";
 * import type { ClientOptions } from "./client_options.ts";
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
