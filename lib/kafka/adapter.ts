/**
 * The one module that talks to kafkajs. It offers a small interface of our own (a group consumer
 * with manual commits, a batched producer, an admin for metadata, offsets and topic configs) and
 * turns kafkajs errors into the hop error classes, so that nothing else in the project depends on
 * kafkajs types, texts or quirks.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import process from "node:process";
import {
  type Admin,
  ConfigResourceTypes,
  type Consumer as KafkaJsConsumer,
  type IHeaders,
  Kafka,
  type KafkaConfig,
  logLevel as KafkaLogLevel,
  Partitioners,
  type SASLOptions,
} from "kafkajs";
// Deep imports (same locked package): the Produce request definition and kafkajs' retrier, so
// that pre-encoded record batches travel over kafkajs' own authenticated connections.
import kafkaJsRequests from "kafkajs/src/protocol/requests/index.js";
import createKafkaJsRetrier from "kafkajs/src/retry/index.js";
import { crc32c } from "../protocol/crc32c.ts";
import { registerCompressionCodecs } from "./compression.ts";
import { assertUsable, type Auth } from "../hop/auth.ts";
import {
  AuthenticationError,
  AuthorizationError,
  ConnectionError,
  HopError,
  InvalidCredentialError,
  KafkaError,
  MessageTooLargeError,
} from "../hop/errors.ts";
import type { Logger } from "../hop/log.ts";
import type { Header } from "../hop/pack.ts";

/** How to reach the brokers and as whom. */
export interface KafkaConnectOptions {
  /** Broker addresses `host:port` (a missing port means 9092). */
  brokers: string[];
  /** Credential; none means PLAINTEXT without SASL. */
  auth?: Auth;
  /** Client id sent to the broker (shows in broker logs). */
  clientId?: string;
  /** Receives kafkajs' own log lines at debug level. */
  logger?: Logger;
  /** Time budget for connecting (TCP, TLS, SASL) before giving up, in ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Time budget for one request, in ms. Default 30000. */
  requestTimeoutMs?: number;
}

/** One record as fetched from a partition. */
export interface FetchedRecord {
  /** Topic of the record. */
  topic: string;
  /** Partition of the record. */
  partition: number;
  /** Offset in the partition. */
  offset: number;
  /** Timestamp in ms since the epoch. */
  timestamp: number;
  /** Record key, `null` when absent. */
  key: Uint8Array | null;
  /** Record value, `null` for a tombstone. */
  value: Uint8Array | null;
  /** Headers in wire order (see {@linkcode GroupConsumer} for the one limit). */
  headers: Header[];
}

/** Records of one partition from one fetch. */
export interface FetchedBatch {
  /** Topic of the batch. */
  topic: string;
  /** Partition of the batch. */
  partition: number;
  /** The partition's high watermark when the broker answered. */
  highWatermark: number;
  /** The records, in offset order. */
  records: FetchedRecord[];
}

/** A topic and some of its partitions. */
export interface TopicPartitions {
  /** Topic name. */
  topic: string;
  /** Partition numbers. */
  partitions: number[];
}

/** A position in a partition (the offset of the next record to read or commit). */
export interface PartitionOffset {
  /** Topic name. */
  topic: string;
  /** Partition number. */
  partition: number;
  /** Offset of the next record. */
  offset: number;
}

/** Lets a batch handler keep the group membership alive and notice a stale batch. */
export interface BatchControl {
  /** Sends a heartbeat if one is due; throws when the group is rebalancing. */
  heartbeat(): Promise<void>;
  /** False once the consumer stops or the batch's partition has been re-positioned. */
  isActive(): boolean;
}

/** Options of {@linkcode GroupConsumer.start}. */
export interface GroupConsumerOptions extends KafkaConnectOptions {
  /** Consumer group whose committed offsets are used and updated. */
  groupId: string;
  /** Topics to read (the group spreads their partitions over its members). */
  topics: string[];
  /** Where to start in a partition without a committed offset after an out-of-range reset. */
  fromBeginning: boolean;
  /** Longest time the broker may hold an empty fetch, in ms. Default 500. */
  maxWaitTimeMs?: number;
  /** Called with each non-empty batch; the next fetch waits until it resolves. */
  onBatch(batch: FetchedBatch, control: BatchControl): Promise<void>;
  /** Called after each (re)join with this member's partitions; fetching goes on meanwhile. */
  onAssignment(assignment: TopicPartitions[]): void;
  /** Called when the consumer failed; `restarting` tells whether kafkajs will rejoin by itself. */
  onCrash(error: HopError, restarting: boolean): void;
  /**
   * Asked after a crash that kafkajs could recover from by rejoining: `false` keeps the consumer
   * stopped. Not asked for errors kafkajs never retries (those always stop it). Default: rejoin.
   */
  restartOnFailure?(error: HopError): boolean;
}

/** A record to send. */
export interface OutgoingRecord {
  /** Encoded value. */
  value: Uint8Array | null;
  /** Optional key. */
  key?: Uint8Array | string | null;
  /** Headers in order; repeated keys are kept. */
  headers?: Header[];
}

/** Default port of Kafka brokers when a URL names none. */
export const DEFAULT_KAFKA_PORT = 9092;

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Adds the default port to a broker address that has none (`host` -> `host:9092`).
 *
 * @param address `host`, `host:port` or `[v6]:port`
 * @returns the address with a port
 * @example
 * ```ts
 * import { withDefaultPort } from "./adapter.ts";
 * console.log(withDefaultPort("kafka.example.org")); // kafka.example.org:9092
 * ```
 */
export function withDefaultPort(address: string): string {
  return /:\d+$/.test(address) && !/^\[[^\]]*$/.test(address)
    ? address
    : `${address}:${DEFAULT_KAFKA_PORT}`;
}

// kafkajs' request queue calls setTimeout with a negative delay when it is not throttled, and
// Deno's timers report that as a TimeoutNegativeWarning on stderr; it is harmless noise.
let negativeTimeoutWarningFiltered = false;
function filterNegativeTimeoutWarning(): void {
  if (negativeTimeoutWarningFiltered) return;
  negativeTimeoutWarningFiltered = true;
  const emitWarning = process.emitWarning;
  process.emitWarning = function (warning: unknown, ...rest: unknown[]) {
    const name = warning instanceof Error ? warning.name : rest[0];
    if (name === "TimeoutNegativeWarning") return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
}

function saslFor(auth: Auth): SASLOptions {
  assertUsable(auth);
  const { username, password } = auth;
  switch (String(auth.mechanism).toUpperCase()) {
    case "PLAIN":
      return { mechanism: "plain", username, password };
    case "SCRAM-SHA-256":
      return { mechanism: "scram-sha-256", username, password };
    default:
      return { mechanism: "scram-sha-512", username, password };
  }
}

async function tlsFor(auth: Auth): Promise<KafkaConfig["ssl"]> {
  if (!auth.ssl) return undefined;
  if (!auth.sslCaLocation) return { rejectUnauthorized: true };
  let ca: string;
  try {
    ca = await Deno.readTextFile(auth.sslCaLocation);
  } catch (error) {
    throw new InvalidCredentialError(
      `cannot read the CA certificate file ${auth.sslCaLocation} of credential '${auth.username}': ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
  return { rejectUnauthorized: true, ca: [ca] };
}

/** What an error message may name: who, where, which topic or group. */
export interface ErrorContext {
  /** Broker addresses. */
  brokers: string[];
  /** Credential in use, if any (only its username is ever shown). */
  auth?: Auth;
  /** Topics concerned. */
  topics?: string[];
  /** Consumer group concerned. */
  groupId?: string;
  /** What was being done, e.g. "reading", "writing", "listing topics". */
  action?: string;
}

function rootCause(error: unknown): Error & Record<string, unknown> {
  let current = error as Error & Record<string, unknown>;
  for (let depth = 0; depth < 10; depth++) {
    const cause = current?.cause as (Error & Record<string, unknown>) | undefined;
    if (!cause || typeof cause !== "object") break;
    current = cause;
  }
  return current;
}

function redact(text: string, auth?: Auth): string {
  if (!auth?.password) return text;
  return text.split(auth.password).join("***");
}

function errorTopic(error: Record<string, unknown>, context: ErrorContext): string | undefined {
  if (typeof error.topic === "string") return error.topic;
  return context.topics?.length === 1 ? context.topics[0] : undefined;
}

function topicPhrase(topic: string | undefined, context: ErrorContext): string {
  if (topic !== undefined) return `topic '${topic}'`;
  if (context.topics?.length) return `topics ${context.topics.map((t) => `'${t}'`).join(", ")}`;
  return "the requested topics";
}

/**
 * Turns anything kafkajs throws into a hop error whose text names the user, the host and the
 * topic or group, and never the password. Hop errors pass through unchanged.
 *
 * @param error what was thrown
 * @param context who, where and what, for the message
 * @returns the matching {@linkcode HopError} subclass
 * @example
 * ```ts
 * import { toHopError } from "./adapter.ts";
 * const error = toHopError(new Error("boom"), { brokers: ["127.0.0.1:9092"] });
 * console.log(error.message);
 * ```
 */
export function toHopError(error: unknown, context: ErrorContext): HopError {
  if (error instanceof HopError) return error;
  const outer = error as Error & Record<string, unknown>;
  const cause = rootCause(error);
  const hosts = context.brokers.join(",");
  const user = context.auth ? `user '${context.auth.username}'` : "an anonymous client";
  const reason = redact(String(cause?.message ?? error), context.auth);
  const type = typeof cause.type === "string" ? cause.type : undefined;
  const retriable = cause.retriable === true;
  const options = { cause: error, code: type ?? (cause.code as string | undefined), retriable };

  if (cause.name === "KafkaJSSASLAuthenticationError" || /SASL/.test(reason)) {
    return new AuthenticationError(
      `authentication failed for ${user} at ${hosts}: ${reason}`,
      { ...options, retriable: false, fatal: true },
    );
  }
  if (type === "TOPIC_AUTHORIZATION_FAILED") {
    const topic = errorTopic(cause, context);
    return new AuthorizationError(
      `${user} is not authorized for ${topicPhrase(topic, context)}${
        context.action ? ` (${context.action})` : ""
      } at ${hosts}`,
      { ...options, topic, retriable: false },
    );
  }
  if (type === "GROUP_AUTHORIZATION_FAILED") {
    return new AuthorizationError(
      `${user} is not authorized to use consumer group '${context.groupId ?? "?"}' at ${hosts}`,
      { ...options, retriable: false },
    );
  }
  if (type === "CLUSTER_AUTHORIZATION_FAILED") {
    return new AuthorizationError(
      `${user} is not authorized for this cluster operation at ${hosts}`,
      { ...options, retriable: false },
    );
  }
  if (type === "UNKNOWN_TOPIC_OR_PARTITION") {
    const topic = errorTopic(cause, context);
    return new KafkaError(`${topicPhrase(topic, context)} does not exist at ${hosts}`, {
      ...options,
      topic,
    });
  }
  if (type === "MESSAGE_TOO_LARGE" || type === "RECORD_LIST_TOO_LARGE") {
    const topic = errorTopic(cause, context);
    return new MessageTooLargeError(
      `the broker at ${hosts} rejected a message batch for ${
        topicPhrase(topic, context)
      } as too large: ${reason}`,
      { ...options, topic },
    );
  }
  const name = String(cause.name ?? outer?.name ?? "");
  const tlsProblem =
    /certificate|self[- ]signed|SSL|TLS|handshake|UnknownIssuer|NotValidForName|CERT/i.test(
      reason,
    );
  if (tlsProblem) {
    return new ConnectionError(`TLS connection to ${hosts} failed: ${reason}`, {
      ...options,
      retriable: false,
    });
  }
  if (
    name === "KafkaJSConnectionError" || name === "KafkaJSConnectionClosedError" ||
    name === "KafkaJSNoBrokerAvailableError" || name === "KafkaJSBrokerNotFound" ||
    /ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|Connection (refused|timeout)|connect/i.test(
      reason,
    )
  ) {
    const hint = /closed connection/i.test(reason)
      ? context.auth?.ssl
        ? " (the broker closed the connection)"
        : " (the broker closed the connection; does it expect TLS or SASL credentials?)"
      : "";
    return new ConnectionError(`cannot connect to Kafka at ${hosts}: ${reason}${hint}`, {
      ...options,
      retriable: true,
    });
  }
  if (name === "KafkaJSRequestTimeoutError") {
    return new ConnectionError(`request to Kafka at ${hosts} timed out`, {
      ...options,
      retriable: true,
    });
  }
  const topic = errorTopic(cause, context);
  return new KafkaError(
    `Kafka error at ${hosts}${type ? ` (${type})` : ""}${
      context.action ? ` while ${context.action}` : ""
    }: ${reason}`,
    { ...options, topic },
  );
}

/** A kafkajs client made from our options, plus what error texts need. */
interface Client {
  kafka: Kafka;
  context: ErrorContext;
  connectTimeoutMs: number;
}

async function makeClient(options: KafkaConnectOptions, action: string): Promise<Client> {
  filterNegativeTimeoutWarning();
  registerCompressionCodecs();
  const brokers = options.brokers.map(withDefaultPort);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const logger = options.logger;
  const config: KafkaConfig = {
    clientId: options.clientId ?? "igwn-alert",
    brokers,
    connectionTimeout: Math.min(connectTimeoutMs, 5_000),
    authenticationTimeout: connectTimeoutMs,
    requestTimeout: requestTimeoutMs,
    // Short, bounded retries: a dead broker or a bad password should surface within seconds.
    retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 },
    logLevel: logger ? KafkaLogLevel.WARN : KafkaLogLevel.NOTHING,
    logCreator: () => ({ namespace, label, log }) => {
      if (!logger) return;
      const { message, timestamp: _t, logger: _l, stack: _s, ...extra } = log;
      const details = Object.keys(extra).length ? ` ${safeJson(extra)}` : "";
      logger.debug(
        redact(`kafkajs ${label} [${namespace}] ${message}${details}`, options.auth),
      );
    },
  };
  if (options.auth) {
    config.sasl = saslFor(options.auth);
    config.ssl = await tlsFor(options.auth);
  }
  return {
    kafka: new Kafka(config),
    context: { brokers, auth: options.auth, action },
    connectTimeoutMs,
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v));
  } catch {
    return "";
  }
}

function connectTimeoutError(client: Client): ConnectionError {
  const hint = client.context.auth?.ssl
    ? "check the address and port"
    : "check the address and port, and whether the broker expects TLS";
  return new ConnectionError(
    `timed out after ${client.connectTimeoutMs} ms connecting to Kafka at ${
      client.context.brokers.join(",")
    } (${hint})`,
    { retriable: true },
  );
}

/** Runs `work` but gives up after `ms`, calling `abandon` so no socket is left behind. */
async function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => HopError,
  abandon: () => Promise<unknown>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } catch (error) {
    work.catch(() => {});
    await abandon().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const EMPTY_HEADERS: Header[] = [];

function headersFromKafkaJs(headers: IHeaders | undefined): Header[] {
  if (!headers) return EMPTY_HEADERS;
  const result: Header[] = [];
  for (const key in headers) {
    const value = headers[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value) result.push([key, asBytes(item)]);
    } else {
      result.push([key, asBytes(value)]);
    }
  }
  return result;
}

function asBytes(value: Buffer | string): Uint8Array {
  return typeof value === "string" ? new TextEncoder().encode(value) : value;
}

/**
 * A member of a Kafka consumer group that hands whole fetched batches to a handler and commits
 * only the offsets it is told to. Positions can be set per partition after each assignment
 * ({@linkcode GroupConsumer.seek}).
 *
 * Header order: kafkajs keeps headers in a map, so headers come back grouped by key in order of
 * first appearance; repeated keys keep their relative order.
 *
 * @example
 * ```ts ignore
 * import { GroupConsumer } from "./adapter.ts";
 * const consumer = await GroupConsumer.start({
 *   brokers: ["127.0.0.1:9092"], groupId: "g", topics: ["t"], fromBeginning: true,
 *   onBatch: async (batch) => console.log(batch.records.length),
 *   onAssignment: () => {}, onCrash: (error) => console.error(error.message),
 * });
 * await consumer.close();
 * ```
 */
export class GroupConsumer {
  #consumer: KafkaJsConsumer;
  #context: ErrorContext;
  #closed = false;

  private constructor(consumer: KafkaJsConsumer, context: ErrorContext) {
    this.#consumer = consumer;
    this.#context = context;
  }

  /**
   * Connects, subscribes and starts the fetch loop. Resolves once connected; assignment is
   * reported later through `onAssignment`.
   *
   * @param options brokers, credential, group, topics and handlers
   * @returns the running consumer
   * @throws {ConnectionError | AuthenticationError | AuthorizationError} when connecting fails
   */
  static async start(options: GroupConsumerOptions): Promise<GroupConsumer> {
    const client = await makeClient(options, "reading");
    const context: ErrorContext = {
      ...client.context,
      topics: options.topics,
      groupId: options.groupId,
    };
    const consumer = client.kafka.consumer({
      groupId: options.groupId,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 250,
      minBytes: 1,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      allowAutoTopicCreation: false,
      retry: {
        initialRetryTime: 100,
        maxRetryTime: 2_000,
        retries: 5,
        // A throwing callback becomes a rejection, which kafkajs answers with a rejoin.
        restartOnFailure: (error: Error) =>
          Promise.resolve().then(() => options.restartOnFailure?.(crashError(error)) ?? true),
      },
    });
    const self = new GroupConsumer(consumer, context);
    // The same mapped error goes to restartOnFailure and to onCrash, so callers can match them.
    const mapped = new WeakMap<object, HopError>();
    const crashError = (error: unknown): HopError => {
      if (typeof error !== "object" || error === null) return toHopError(error, context);
      let hopError = mapped.get(error);
      if (!hopError) mapped.set(error, hopError = toHopError(error, context));
      return hopError;
    };
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (self.#closed) return;
      const assignment = Object.entries(event.payload.memberAssignment).map((
        [topic, partitions],
      ) => ({ topic, partitions: [...(partitions as number[])].sort((a, b) => a - b) }));
      options.onAssignment(assignment);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (self.#closed) return;
      options.onCrash(crashError(event.payload.error), event.payload.restart);
    });
    await withDeadline(
      consumer.connect(),
      client.connectTimeoutMs,
      () => connectTimeoutError(client),
      () => consumer.disconnect(),
    ).catch((error) => {
      throw toHopError(error, context);
    });
    try {
      await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
          const records = new Array<FetchedRecord>(batch.messages.length);
          const { topic, partition } = batch;
          for (let i = 0; i < batch.messages.length; i++) {
            const m = batch.messages[i];
            records[i] = {
              topic,
              partition,
              offset: Number(m.offset),
              timestamp: Number(m.timestamp),
              key: m.key ?? null,
              value: m.value ?? null,
              headers: headersFromKafkaJs(m.headers),
            };
          }
          await options.onBatch(
            { topic, partition, highWatermark: Number(batch.highWatermark), records },
            { heartbeat, isActive: () => !self.#closed && isRunning() && !isStale() },
          );
        },
      });
    } catch (error) {
      await consumer.disconnect().catch(() => {});
      throw toHopError(error, context);
    }
    return self;
  }

  /**
   * Makes the next fetch of a partition start at `offset` (applies to assigned partitions only).
   *
   * @param position topic, partition and the offset of the next record to fetch
   */
  seek(position: PartitionOffset): void {
    this.#consumer.seek({
      topic: position.topic,
      partition: position.partition,
      offset: String(position.offset),
    });
  }

  /**
   * Commits positions (offset of the next record to read) for the group.
   *
   * @param positions one entry per partition
   * @throws {KafkaError} when the broker refuses the commit
   */
  async commit(positions: PartitionOffset[]): Promise<void> {
    if (!positions.length) return;
    try {
      await this.#consumer.commitOffsets(
        positions.map(({ topic, partition, offset }) => ({
          topic,
          partition,
          offset: String(offset),
        })),
      );
    } catch (error) {
      throw toHopError(error, { ...this.#context, action: "committing offsets" });
    }
  }

  /** Leaves the group and closes the connections. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#consumer.disconnect().catch(() => {});
  }
}

// --- Produce requests with record batches encoded here -------------------------------------
//
// kafkajs spends most of a produce call encoding records (a Buffer per record and header). We
// encode each partition's records as one record batch (magic 2, uncompressed, CRC-32C) in a single
// buffer and hand kafkajs a Produce request whose encode() returns those bytes, on the broker
// connection kafkajs already authenticated, with kafkajs' metadata, leader lookup, retrier and
// response decoding. Only the per-record encoding is ours.

/** The parts of kafkajs' cluster (one per client) used to produce. */
interface KafkaJsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findTopicPartitionMetadata(topic: string): KafkaJsPartitionMetadata[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(options: { nodeId: string }): Promise<KafkaJsBroker>;
  removeBroker(options: { host: unknown; port: unknown }): void;
}

interface KafkaJsPartitionMetadata {
  partitionId: number;
  leader: number;
}

interface KafkaJsProtocol {
  request: { apiKey: number; apiVersion: number; encode: () => Promise<unknown> };
  response: unknown;
}

interface KafkaJsBroker {
  nodeId: number;
  lookupRequest(
    apiKey: number,
    definition: unknown,
  ): (options: Record<string, unknown>) => KafkaJsProtocol;
  connectionPool: { send(protocol: KafkaJsProtocol): Promise<unknown> };
  disconnect(): Promise<void>;
}

type KafkaJsRetrier = <T>(
  work: (bail: (error: Error) => void, retryCount: number, retryTime: number) => Promise<T>,
) => Promise<T>;

type KafkaJsPartitioner = (
  args: {
    topic: string;
    partitionMetadata: KafkaJsPartitionMetadata[];
    message: { key?: Buffer | string | null; value: Buffer | null };
  },
) => number;

const PRODUCE_API_KEY = 0;
const PRODUCE_TIMEOUT_MS = 30_000;
const ACKS_ALL = -1;
const STALE_METADATA = new Set([
  "UNKNOWN_TOPIC_OR_PARTITION",
  "LEADER_NOT_AVAILABLE",
  "NOT_LEADER_FOR_PARTITION",
]);

function privateMember<T>(owner: object, description: string): T | undefined {
  const holders = [owner, Object.getPrototypeOf(owner)];
  for (const holder of holders) {
    for (const symbol of Object.getOwnPropertySymbols(holder)) {
      if (symbol.description === description) {
        return (holder as Record<symbol, T>)[symbol];
      }
    }
  }
  return undefined;
}

// A cluster made by the Kafka client itself, so it carries the same brokers, TLS, SASL, timeouts
// and logger as the consumer and admin clients.
function createCluster(kafka: Kafka): KafkaJsCluster {
  const create = privateMember<(options: Record<string, unknown>) => KafkaJsCluster>(
    kafka,
    "private:Kafka:createCluster",
  );
  if (typeof create !== "function") {
    throw new HopError("this kafkajs version offers no cluster to produce with");
  }
  return create.call(kafka, { allowAutoTopicCreation: false, metadataMaxAge: 300_000 });
}

/** Sends a request on a kafkajs broker the way its own methods do (dropping a closed connection). */
async function sendOnBroker(broker: KafkaJsBroker, protocol: KafkaJsProtocol): Promise<unknown> {
  const send = privateMember<(protocol: KafkaJsProtocol) => Promise<unknown>>(
    broker,
    "private:Broker:sendRequest",
  );
  if (typeof send === "function") return await send.call(broker, protocol);
  try {
    return await broker.connectionPool.send(protocol);
  } catch (error) {
    if ((error as Error).name === "KafkaJSConnectionClosedError") await broker.disconnect();
    throw error;
  }
}

const textEncoder = new TextEncoder();
// Header names repeat on every message (_id, _sender, _format, ...).
const headerNameBytes = new Map<string, Uint8Array>();

function nameBytes(name: string): Uint8Array {
  let bytes = headerNameBytes.get(name);
  if (bytes === undefined) {
    bytes = textEncoder.encode(name);
    if (headerNameBytes.size < 1_024) headerNameBytes.set(name, bytes);
  }
  return bytes;
}

// Length of a zig-zag varint of a value >= -1.
function varintLength(value: number): number {
  let unsigned = value < 0 ? 1 : value * 2;
  let length = 1;
  while (unsigned >= 0x80) {
    unsigned = Math.floor(unsigned / 0x80);
    length++;
  }
  return length;
}

function writeVarint(buffer: Uint8Array, at: number, value: number): number {
  let unsigned = value < 0 ? 1 : value * 2;
  while (unsigned >= 0x80) {
    buffer[at++] = (unsigned & 0x7f) | 0x80;
    unsigned = Math.floor(unsigned / 0x80);
  }
  buffer[at++] = unsigned;
  return at;
}

function writeBytes(buffer: Uint8Array, at: number, bytes: Uint8Array | null): number {
  if (bytes === null) return writeVarint(buffer, at, -1);
  at = writeVarint(buffer, at, bytes.length);
  buffer.set(bytes, at);
  return at + bytes.length;
}

const BATCH_HEADER_BYTES = 61;
const BATCH_LENGTH_EXCLUDED = 12;
const BATCH_CRC_AT = 17;
const BATCH_CRC_FROM = 21;

/** One partition's records, laid out for a record batch. */
interface PartitionRecords {
  topic: string;
  partition: number;
  records: OutgoingRecord[];
}

interface SizedBatch {
  entry: PartitionRecords;
  keys: (Uint8Array | null)[];
  lengths: Int32Array;
  bytes: number;
}

function sizeBatch(entry: PartitionRecords): SizedBatch {
  const { records } = entry;
  const keys = new Array<Uint8Array | null>(records.length);
  const lengths = new Int32Array(records.length);
  let bytes = BATCH_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const key = record.key == null
      ? null
      : typeof record.key === "string"
      ? textEncoder.encode(record.key)
      : record.key;
    keys[i] = key;
    // attributes, timestamp delta (always 0), offset delta
    let length = 2 + varintLength(i);
    length += key === null ? 1 : varintLength(key.length) + key.length;
    const value = record.value;
    length += value === null ? 1 : varintLength(value.length) + value.length;
    const headers = record.headers;
    const headerCount = headers?.length ?? 0;
    length += varintLength(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const [name, headerValue] = headers![h];
      const nameLength = nameBytes(name).length;
      length += varintLength(nameLength) + nameLength;
      length += headerValue === null ? 1 : varintLength(headerValue.length) + headerValue.length;
    }
    lengths[i] = length;
    bytes += varintLength(length) + length;
  }
  return { entry, keys, lengths, bytes };
}

function writeBatch(sized: SizedBatch, out: Uint8Array, view: DataView, start: number): void {
  const { records } = sized.entry;
  const timestamp = BigInt(Date.now());
  view.setBigInt64(start, 0n); // base offset, assigned by the broker
  view.setInt32(start + 8, sized.bytes - BATCH_LENGTH_EXCLUDED);
  view.setInt32(start + 12, 0); // partition leader epoch
  view.setInt8(start + 16, 2); // magic
  view.setInt16(start + 21, 0); // attributes: no compression, create time
  view.setInt32(start + 23, records.length - 1); // last offset delta
  view.setBigInt64(start + 27, timestamp);
  view.setBigInt64(start + 35, timestamp);
  view.setBigInt64(start + 43, -1n); // no producer id
  view.setInt16(start + 51, -1);
  view.setInt32(start + 53, -1);
  view.setInt32(start + 57, records.length);
  let at = start + BATCH_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    at = writeVarint(out, at, sized.lengths[i]);
    out[at++] = 0; // attributes
    out[at++] = 0; // timestamp delta
    at = writeVarint(out, at, i);
    at = writeBytes(out, at, sized.keys[i]);
    at = writeBytes(out, at, record.value);
    const headers = record.headers;
    const headerCount = headers?.length ?? 0;
    at = writeVarint(out, at, headerCount);
    for (let h = 0; h < headerCount; h++) {
      const [name, headerValue] = headers![h];
      at = writeBytes(out, at, nameBytes(name));
      at = writeBytes(out, at, headerValue);
    }
  }
  view.setUint32(
    start + BATCH_CRC_AT,
    crc32c(out.subarray(start + BATCH_CRC_FROM, start + sized.bytes)),
  );
}

/**
 * Encodes the body of a Produce request (versions 3 to 8 share it): no transactional id, the
 * acks and timeout, then per topic and partition one uncompressed record batch.
 */
function encodeProduceBody(
  partitions: PartitionRecords[],
  acks: number,
  timeoutMs: number,
): Buffer {
  const byTopic = new Map<string, SizedBatch[]>();
  for (const entry of partitions) {
    let list = byTopic.get(entry.topic);
    if (!list) byTopic.set(entry.topic, list = []);
    list.push(sizeBatch(entry));
  }
  const topicNames = new Map<string, Uint8Array>();
  let size = 2 + 2 + 4 + 4;
  for (const [topic, batches] of byTopic) {
    const name = textEncoder.encode(topic);
    topicNames.set(topic, name);
    size += 2 + name.length + 4;
    for (const batch of batches) size += 4 + 4 + batch.bytes;
  }
  const out = Buffer.allocUnsafe(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setInt16(0, -1); // transactional id: null
  view.setInt16(2, acks);
  view.setInt32(4, timeoutMs);
  view.setInt32(8, byTopic.size);
  let at = 12;
  for (const [topic, batches] of byTopic) {
    const name = topicNames.get(topic)!;
    view.setInt16(at, name.length);
    out.set(name, at + 2);
    at += 2 + name.length;
    view.setInt32(at, batches.length);
    at += 4;
    for (const batch of batches) {
      view.setInt32(at, batch.entry.partition);
      view.setInt32(at + 4, batch.bytes);
      at += 8;
      writeBatch(batch, out, view, at);
      at += batch.bytes;
    }
  }
  return out;
}

/** What kafkajs' request framing accepts from `encode()`: an object with the bytes as Buffer. */
function asKafkaJsEncoder(bytes: Buffer): { buf: Buffer; readonly buffer: Buffer; size(): number } {
  return {
    buf: bytes,
    get buffer() {
      return bytes;
    },
    size: () => bytes.length,
  };
}

function metadataNotLoaded(topic: string): Error {
  return Object.assign(new Error(`no metadata for topic ${topic} yet`), {
    name: "KafkaJSMetadataNotLoaded",
    retriable: true,
    topic,
  });
}

/**
 * A producer that sends many records per request. Each {@linkcode BatchProducer.send} is one
 * Produce round trip per broker, acknowledged by all in-sync replicas (acks -1). Records are
 * encoded into record batches here and sent over kafkajs' connections; kafkajs keeps
 * connecting, authenticating, metadata, leader lookup and retries.
 *
 * @example
 * ```ts ignore
 * import { BatchProducer } from "./adapter.ts";
 * const producer = await BatchProducer.connect({ brokers: ["127.0.0.1:9092"] });
 * await producer.send([{ topic: "t", records: [{ value: new TextEncoder().encode("{}") }] }]);
 * await producer.close();
 * ```
 */
export class BatchProducer {
  #cluster: KafkaJsCluster;
  #context: ErrorContext;
  #retrier: KafkaJsRetrier;
  #partitioner: KafkaJsPartitioner;
  #logger?: Logger;
  #handedOver: Promise<void> = Promise.resolve();

  private constructor(cluster: KafkaJsCluster, context: ErrorContext, logger?: Logger) {
    this.#cluster = cluster;
    this.#context = context;
    this.#logger = logger;
    this.#retrier = createKafkaJsRetrier({
      initialRetryTime: 100,
      maxRetryTime: 2_000,
      retries: 5,
    }) as KafkaJsRetrier;
    this.#partitioner = Partitioners.DefaultPartitioner() as unknown as KafkaJsPartitioner;
  }

  /**
   * Connects a producer.
   *
   * @param options brokers and credential
   * @returns the connected producer
   * @throws {ConnectionError | AuthenticationError} when connecting fails
   */
  static async connect(options: KafkaConnectOptions): Promise<BatchProducer> {
    const client = await makeClient(options, "writing");
    const cluster = createCluster(client.kafka);
    await withDeadline(
      cluster.connect(),
      client.connectTimeoutMs,
      () => connectTimeoutError(client),
      () => cluster.disconnect(),
    ).catch((error) => {
      throw toHopError(error, client.context);
    });
    return new BatchProducer(cluster, client.context, options.logger);
  }

  /**
   * Sends records to their topics in one request per leader broker and waits for the
   * acknowledgements. Partitions are chosen as kafkajs' default partitioner does (murmur2 of the
   * key, round robin without one).
   *
   * @param topics records grouped by topic
   * @throws {KafkaError} (or a subclass) when the batch was not acknowledged
   */
  async send(topics: { topic: string; records: OutgoingRecord[] }[]): Promise<void> {
    const cluster = this.#cluster;
    const topicNames = topics.map((t) => t.topic);
    // Partitions are chosen once; a retry resends only what was not acknowledged.
    const assigned = new Map<string, Map<number, OutgoingRecord[]>>();
    // With several sends under way, requests must reach the connections in the order of the
    // send() calls so that each partition stores batches in write order: a send starts only once
    // the previous one has handed its requests over (or failed). The hand-over is the call of
    // encode(); kafkajs queues the request in the microtasks right after it, so one timer turn
    // later it is queued.
    const previous = this.#handedOver;
    let release!: () => void;
    this.#handedOver = new Promise<void>((resolve) => (release = resolve));
    let released = false;
    const handOver = () => {
      if (released) return;
      released = true;
      setTimeout(release, 0);
    };
    await previous;
    try {
      await this.#retrier(async (bail, retryCount, retryTime) => {
        await cluster.addMultipleTargetTopics(topicNames).catch((error) => {
          handOver();
          throw error;
        });
        try {
          await cluster.refreshMetadataIfNecessary();
          const perBroker = new Map<string, PartitionRecords[]>();
          for (const { topic, records } of topics) {
            let partitions = assigned.get(topic);
            if (!partitions) {
              partitions = this.#assignPartitions(topic, records);
              assigned.set(topic, partitions);
            }
            if (!partitions.size) continue;
            const leaders = cluster.findLeaderForPartitions(topic, [...partitions.keys()]);
            let led = 0;
            for (const [nodeId, ids] of Object.entries(leaders)) {
              let list = perBroker.get(nodeId);
              if (!list) perBroker.set(nodeId, list = []);
              for (const partition of ids) {
                list.push({ topic, partition, records: partitions.get(partition)! });
                led++;
              }
            }
            if (led < partitions.size) throw metadataNotLoaded(topic);
          }
          let encoding = perBroker.size;
          if (encoding === 0) handOver();
          const encoded = () => {
            if (--encoding === 0) handOver();
          };
          await Promise.all(
            [...perBroker].map(async ([nodeId, entries]) => {
              const broker = await cluster.findBroker({ nodeId });
              await this.#produce(broker, entries, encoded);
              for (const { topic, partition } of entries) assigned.get(topic)!.delete(partition);
            }),
          );
        } catch (error) {
          handOver();
          const e = error as
            & Error
            & { type?: string; retriable?: boolean }
            & Record<
              string,
              unknown
            >;
          if (e.name === "KafkaJSConnectionClosedError") {
            cluster.removeBroker({ host: e.host, port: e.port });
          }
          this.#logger?.debug(
            `kafkajs produce attempt ${retryCount + 1} failed (next in ${retryTime} ms): ${
              redact(e.message, this.#context.auth)
            }`,
          );
          if (!cluster.isConnected()) {
            await cluster.connect();
            await cluster.refreshMetadata();
            throw e;
          }
          if (
            STALE_METADATA.has(e.type ?? "") || e.name === "KafkaJSMetadataNotLoaded" ||
            e.name === "KafkaJSConnectionError" || e.name === "KafkaJSConnectionClosedError" ||
            (e.name === "KafkaJSProtocolError" && e.retriable)
          ) {
            await cluster.refreshMetadata();
            throw e;
          }
          if (e.retriable) throw e;
          bail(e);
        }
      });
    } catch (error) {
      throw toHopError(error, { ...this.#context, topics: topicNames });
    } finally {
      handOver();
    }
  }

  #assignPartitions(topic: string, records: OutgoingRecord[]): Map<number, OutgoingRecord[]> {
    const partitionMetadata = this.#cluster.findTopicPartitionMetadata(topic);
    if (!partitionMetadata.length) throw metadataNotLoaded(topic);
    const partitions = new Map<number, OutgoingRecord[]>();
    if (partitionMetadata.length === 1) {
      partitions.set(partitionMetadata[0].partitionId, records);
      return partitions;
    }
    for (const record of records) {
      const key = record.key == null
        ? null
        : typeof record.key === "string"
        ? record.key
        : toBuffer(record.key);
      const partition = this.#partitioner({
        topic,
        partitionMetadata,
        message: { key, value: null },
      });
      let list = partitions.get(partition);
      if (!list) partitions.set(partition, list = []);
      list.push(record);
    }
    return partitions;
  }

  async #produce(
    broker: KafkaJsBroker,
    entries: PartitionRecords[],
    onEncode: () => void,
  ): Promise<void> {
    const protocol = broker.lookupRequest(
      PRODUCE_API_KEY,
      (kafkaJsRequests as { requests: { Produce: unknown } }).requests.Produce,
    )({ acks: ACKS_ALL, timeout: PRODUCE_TIMEOUT_MS, compression: 0, topicData: [] });
    if (protocol.request.apiVersion < 3) {
      throw new KafkaError(
        `the broker at ${
          this.#context.brokers.join(",")
        } only accepts Produce v${protocol.request.apiVersion}; record batches need v3 or later`,
        { code: "UNSUPPORTED_VERSION" },
      );
    }
    const body = encodeProduceBody(entries, ACKS_ALL, PRODUCE_TIMEOUT_MS);
    protocol.request.encode = () => {
      onEncode();
      return Promise.resolve(asKafkaJsEncoder(body));
    };
    await sendOnBroker(broker, protocol);
  }

  /** Disconnects. */
  async close(): Promise<void> {
    await this.#cluster.disconnect().catch(() => {});
  }
}

/** Low and high watermark of one partition. */
export interface PartitionWatermarks {
  /** Partition number. */
  partition: number;
  /** First offset still stored. */
  low: number;
  /** Offset the next record will get. */
  high: number;
}

/**
 * Cluster metadata, offsets and topic configuration.
 *
 * @example
 * ```ts ignore
 * import { KafkaAdmin } from "./adapter.ts";
 * const admin = await KafkaAdmin.connect({ brokers: ["127.0.0.1:9092"] });
 * console.log(await admin.listTopics());
 * await admin.close();
 * ```
 */
export class KafkaAdmin {
  #admin: Admin;
  #context: ErrorContext;

  private constructor(admin: Admin, context: ErrorContext) {
    this.#admin = admin;
    this.#context = context;
  }

  /**
   * Connects an admin client.
   *
   * @param options brokers and credential
   * @returns the connected admin
   * @throws {ConnectionError | AuthenticationError} when connecting fails
   */
  static async connect(options: KafkaConnectOptions): Promise<KafkaAdmin> {
    const client = await makeClient(options, "reading metadata");
    const admin = client.kafka.admin({
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 2 },
    });
    await withDeadline(
      admin.connect(),
      client.connectTimeoutMs,
      () => connectTimeoutError(client),
      () => admin.disconnect(),
    ).catch((error) => {
      throw toHopError(error, client.context);
    });
    return new KafkaAdmin(admin, client.context);
  }

  /** The context error messages are built from (brokers, credential). */
  get context(): ErrorContext {
    return this.#context;
  }

  /**
   * Names of every topic the credential may see, sorted.
   *
   * @returns topic names
   */
  async listTopics(): Promise<string[]> {
    try {
      return (await this.#admin.listTopics()).sort();
    } catch (error) {
      throw toHopError(error, { ...this.#context, action: "listing topics" });
    }
  }

  /**
   * Checks that each topic exists and may be described; throws the first problem found.
   *
   * @param topics topic names
   * @throws {KafkaError} naming a missing topic, {@linkcode AuthorizationError} for a denied one
   */
  async requireTopics(topics: string[], action: string): Promise<void> {
    const visible = new Set(await this.listTopics());
    for (const topic of topics) {
      if (visible.has(topic)) continue;
      // Not listed: find out whether it is missing or hidden from this user.
      try {
        await this.#admin.fetchTopicMetadata({ topics: [topic] });
      } catch (error) {
        throw toHopError(error, { ...this.#context, topics: [topic], action });
      }
      throw new KafkaError(
        `topic '${topic}' does not exist at ${this.#context.brokers.join(",")}`,
        { code: "UNKNOWN_TOPIC_OR_PARTITION", topic },
      );
    }
  }

  /**
   * Low and high watermarks of every partition of a topic.
   *
   * @param topic topic name
   * @returns one entry per partition, by partition number
   */
  async watermarks(topic: string): Promise<PartitionWatermarks[]> {
    try {
      const offsets = await this.#admin.fetchTopicOffsets(topic);
      return offsets
        .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
        .sort((a, b) => a.partition - b.partition);
    } catch (error) {
      throw toHopError(error, { ...this.#context, topics: [topic] });
    }
  }

  /**
   * Offsets committed by a group (only partitions with a commit are returned).
   *
   * @param groupId consumer group
   * @param topics topics to look at
   * @returns positions of the next record to read
   */
  async committedOffsets(groupId: string, topics: string[]): Promise<PartitionOffset[]> {
    try {
      const result = await this.#admin.fetchOffsets({ groupId, topics });
      const positions: PartitionOffset[] = [];
      for (const { topic, partitions } of result) {
        for (const { partition, offset } of partitions) {
          const value = Number(offset);
          if (value >= 0) positions.push({ topic, partition, offset: value });
        }
      }
      return positions;
    } catch (error) {
      throw toHopError(error, { ...this.#context, topics, groupId });
    }
  }

  /**
   * The topic's `max.message.bytes`, or `undefined` when the credential may not describe it.
   *
   * @param topic topic name
   * @returns the limit in bytes, if known
   * @throws {KafkaError} for a missing topic or any other failure
   */
  async maxMessageBytes(topic: string): Promise<number | undefined> {
    try {
      const { resources } = await this.#admin.describeConfigs({
        includeSynonyms: false,
        resources: [{
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configNames: ["max.message.bytes"],
        }],
      });
      const entry = resources[0]?.configEntries.find((e) => e.configName === "max.message.bytes");
      const limit = Number(entry?.configValue);
      return Number.isFinite(limit) && limit > 0 ? limit : undefined;
    } catch (error) {
      const cause = rootCause(error);
      if (cause.type === "TOPIC_AUTHORIZATION_FAILED") return undefined;
      throw toHopError(error, {
        ...this.#context,
        topics: [topic],
        action: "looking up max.message.bytes",
      });
    }
  }

  /** Disconnects. */
  async close(): Promise<void> {
    await this.#admin.disconnect().catch(() => {});
  }
}
