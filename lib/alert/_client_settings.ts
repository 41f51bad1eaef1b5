/**
 * Validation of {@link ClientOptions}: every option checked once, when the client is made, with
 * an error naming the option.
 *
 * @module
 */

import { checkStartPosition } from "../hop/_start_offsets.ts";
import { hasTopicNameCharactersOnly } from "../topic_name.ts";
import { checkBoolean, checkNumber, checkString, describeType } from "./_validation.ts";
import {
  type ClientOptions,
  type DeadLetterHandler,
  DEFAULT_BATCH_TIMEOUT_MS,
  DEFAULT_HANDLER_RETRIES,
  DEFAULT_LISTEN_RETRIES,
  DEFAULT_RETRY_WAIT_MS,
} from "./client_options.ts";
import type { AlertEncoding } from "./payload.ts";
import {
  type BrokerAddress,
  DEFAULT_GROUP,
  DEFAULT_SERVER,
  resolveBroker,
} from "./topic_naming.ts";

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

/** The client's settings with every default filled in (the `Client`'s public fields). */
export interface ClientSettings {
  server: string;
  port: number;
  group: string;
  consumerGroup?: string;
  batchSize: number;
  batchTimeoutMs: number;
  retryOnFatal: boolean;
  listenRetries: number;
  retryWaitMs: number;
  handlerRetries: number;
  deadLetter?: string | DeadLetterHandler;
  jsonppOn: boolean;
  encoding: AlertEncoding;
  broker: BrokerAddress;
}

/**
 * Checks every option and fills in the defaults.
 *
 * @throws {TypeError} for an unknown option or a value of the wrong type (naming the option).
 * @throws {RangeError} for an out-of-range number or a malformed server URL.
 * @throws {Error} `You must provide both a username and a password for basic authentication.`
 */
export function resolveClientSettings(options: ClientOptions): ClientSettings {
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
  const server = o.server === undefined ? DEFAULT_SERVER : checkString("server", o.server);
  const group = o.group === undefined ? DEFAULT_GROUP : checkString("group", o.group);
  if (!group) throw new RangeError(`"group" must not be empty`);
  if (!hasTopicNameCharactersOnly(group)) {
    throw new RangeError(`"group" '${group}' holds characters Kafka does not allow`);
  }
  let consumerGroup: string | undefined;
  if (o.consumerGroup !== undefined) {
    consumerGroup = checkString("consumerGroup", o.consumerGroup);
    if (!consumerGroup) throw new RangeError(`"consumerGroup" must not be empty`);
  }
  const broker = resolveBroker(server, o.port);
  const batchSize = o.batchSize === undefined
    ? 1
    : checkNumber("batchSize", o.batchSize, { min: 1, integer: true });
  const batchTimeoutMs = o.batchTimeoutMs === undefined
    ? DEFAULT_BATCH_TIMEOUT_MS
    : checkNumber("batchTimeoutMs", o.batchTimeoutMs);
  if (!Number.isFinite(batchTimeoutMs)) {
    throw new RangeError(
      `"batchTimeoutMs" must be a finite number >= 0, got ${o.batchTimeoutMs}`,
    );
  }
  const retryOnFatal = o.retryOnFatal === undefined
    ? false
    : checkBoolean("retryOnFatal", o.retryOnFatal);
  const listenRetries = o.listenRetries === undefined
    ? DEFAULT_LISTEN_RETRIES
    : checkNumber("listenRetries", o.listenRetries, { integer: true });
  const retryWaitMs = o.retryWaitMs === undefined
    ? DEFAULT_RETRY_WAIT_MS
    : checkNumber("retryWaitMs", o.retryWaitMs);
  const handlerRetries = o.handlerRetries === undefined
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
    if (handlerRetries === Infinity) {
      throw new RangeError(
        `"deadLetter" is used only once "handlerRetries" are spent: give a finite "handlerRetries"`,
      );
    }
  }
  const jsonppOn = o.jsonppOn === undefined ? false : checkBoolean("jsonppOn", o.jsonppOn);
  const encoding = o.encoding ?? "gracedb";
  if (encoding !== "gracedb" && encoding !== "object") {
    throw new RangeError(`"encoding" must be "gracedb" or "object", got '${encoding}'`);
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
  return {
    server,
    port: broker.port,
    group,
    ...(consumerGroup !== undefined ? { consumerGroup } : {}),
    batchSize,
    batchTimeoutMs,
    retryOnFatal,
    listenRetries,
    retryWaitMs,
    handlerRetries,
    ...(o.deadLetter !== undefined ? { deadLetter: o.deadLetter } : {}),
    jsonppOn,
    encoding,
    broker,
  };
}
