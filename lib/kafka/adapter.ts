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
  type Producer as KafkaJsProducer,
  type SASLOptions,
} from "kafkajs";
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

function headersToKafkaJs(headers: Header[] | undefined): IHeaders | undefined {
  if (!headers?.length) return undefined;
  const result: Record<string, Buffer | Buffer[]> = {};
  for (const [key, value] of headers) {
    const buffer = toBuffer(value);
    const existing = result[key];
    if (existing === undefined) result[key] = buffer;
    else if (Array.isArray(existing)) existing.push(buffer);
    else result[key] = [existing, buffer];
  }
  return result;
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
      retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 },
    });
    const self = new GroupConsumer(consumer, context);
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (self.#closed) return;
      const assignment = Object.entries(event.payload.memberAssignment).map((
        [topic, partitions],
      ) => ({ topic, partitions: [...(partitions as number[])].sort((a, b) => a - b) }));
      options.onAssignment(assignment);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (self.#closed) return;
      options.onCrash(toHopError(event.payload.error, context), event.payload.restart);
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

/**
 * A producer that sends many records per request. Each {@linkcode BatchProducer.send} is one
 * Produce round trip per broker, acknowledged by all in-sync replicas (acks -1).
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
  #producer: KafkaJsProducer;
  #context: ErrorContext;

  private constructor(producer: KafkaJsProducer, context: ErrorContext) {
    this.#producer = producer;
    this.#context = context;
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
    const producer = client.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      idempotent: false,
      retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 },
    });
    await withDeadline(
      producer.connect(),
      client.connectTimeoutMs,
      () => connectTimeoutError(client),
      () => producer.disconnect(),
    ).catch((error) => {
      throw toHopError(error, client.context);
    });
    return new BatchProducer(producer, client.context);
  }

  /**
   * Sends records to their topics in one request and waits for the acknowledgement.
   *
   * @param topics records grouped by topic
   * @throws {KafkaError} (or a subclass) when the batch was not acknowledged
   */
  async send(topics: { topic: string; records: OutgoingRecord[] }[]): Promise<void> {
    try {
      await this.#producer.sendBatch({
        acks: -1,
        topicMessages: topics.map(({ topic, records }) => ({
          topic,
          messages: records.map((r) => ({
            value: r.value === null ? null : toBuffer(r.value),
            key: r.key == null ? null : typeof r.key === "string" ? r.key : toBuffer(r.key),
            headers: headersToKafkaJs(r.headers),
          })),
        })),
      });
    } catch (error) {
      throw toHopError(error, {
        ...this.#context,
        topics: topics.map((t) => t.topic),
      });
    }
  }

  /** Disconnects. */
  async close(): Promise<void> {
    await this.#producer.disconnect().catch(() => {});
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
