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
import type { Auth } from "./auth.ts";
import { DeliveryError, HopError, KafkaError, MessageTooLargeError } from "./errors.ts";
import type { Logger } from "./log.ts";
import type { MessageModel } from "./models/model.ts";
import {
  type Header,
  type HeaderInput,
  isTestMessage,
  packMessage,
  unpackMessage,
} from "./pack.ts";
import { resolveStreamTarget, type StreamTarget } from "./_stream_target.ts";
import {
  type BatchControl,
  BatchProducer,
  type FetchedBatch,
  type FetchedRecord,
  GroupConsumer,
  KafkaAdmin,
  type OutgoingRecord,
  type PartitionOffset,
  type TopicPartitions,
} from "../kafka/adapter.ts";

/** Where a consumer without committed offsets starts: the oldest stored message or new ones only. */
export type StartPosition = "earliest" | "latest";

/** Where a message came from. */
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

/** Options of {@linkcode openStream}. */
export interface StreamOptions {
  /**
   * `true` (default): load auth.toml and pick the credential for the URL's first broker (and its
   * username); an `Auth` is used as given; a list is picked from; `false`: no authentication.
   */
  auth?: boolean | Auth | Auth[];
  /** Where to start in partitions without committed offsets. Default `"latest"`. */
  startAt?: StartPosition;
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
   * Reading only. Whether the consumer rejoins its group after a crash the Kafka client could
   * recover from (the broker stayed unreachable past the client's retries, a request timed out).
   * Default `true`: rejoin, as often as needed. `false`, or a function returning `false` for that
   * error: iteration ends by throwing the error as a fatal {@linkcode KafkaError}. Crashes the
   * client cannot recover from (authorization, say) always end iteration that way.
   */
  restartOnFailure?: boolean | ((error: KafkaError) => boolean);
  /**
   * Reading only. Called on every consumer crash with the error and whether the consumer rejoins
   * by itself. When given, crashes are not logged; without it a rejoin is logged as a warning.
   */
  onCrash?: (error: KafkaError, willRestart: boolean) => void;
}

/** Options of {@linkcode Producer.write}. */
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

/** Options of {@linkcode Producer.writeRaw}. */
export interface WriteRawOptions {
  /** Headers, sent as given. */
  headers?: Header[];
  /** Kafka key. */
  key?: string | Uint8Array;
  /** Topic, needed when the URL names zero or several topics. */
  topic?: string;
}

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
 * import { randomGroupId } from "@igwn/alert";
 * console.log(randomGroupId("alice")); // e.g. alice-Q3ZK0W8N1B
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

const WAIT = Symbol("wait");

const partitionKey = (topic: string, partition: number) => `${partition}\u0000${topic}`;

// Buffered records at which a fetch waits for the reader, and the level that lets it go on.
const BUFFER_HIGH_WATER = 20_000;
const BUFFER_LOW_WATER = 5_000;
// Automatic commits are coalesced: at most one OffsetCommit per this many ms.
const AUTO_COMMIT_INTERVAL_MS = 100;

interface ConsumerSetup {
  target: StreamTarget;
  groupId: string;
  startAt: StartPosition;
  untilEos: boolean;
  ignoreTest: boolean;
  autoCommit: boolean;
  logger: Logger;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  restartOnFailure: boolean | ((error: KafkaError) => boolean);
  onCrash?: (error: KafkaError, willRestart: boolean) => void;
}

// Crash errors reach callers as KafkaError: the adapter maps every kafkajs error to one.
function asKafkaError(error: HopError, fatal: boolean): KafkaError {
  if (error instanceof KafkaError) {
    if (error.fatal || !fatal) return error;
    const SameClass = error.constructor as typeof KafkaError;
    return new SameClass(error.message, {
      code: error.code,
      retriable: error.retriable,
      fatal: true,
      topic: error.topic,
      cause: error.cause,
    });
  }
  return new KafkaError(error.message, { fatal, cause: error });
}

/**
 * Reads messages from the URL's topics as a member of a consumer group. Iterate it (or
 * {@linkcode Consumer.read} / {@linkcode Consumer.readRaw}); close it with `close()` or
 * `await using`. Made by {@linkcode openStream} with mode `"r"`.
 *
 * Delivery is at-least-once: with `autoCommit` a message is committed when the next one is asked
 * for; after `break` the last message is not committed (call `markDone` first if it was handled).
 * Several processes sharing a group id share the partitions, as Kafka consumer groups do.
 *
 * @example
 * ```ts ignore
 * import { openStream } from "@igwn/alert";
 * await using consumer = await openStream("kafka://127.0.0.1:9092/t", "r", { auth: false });
 * await consumer.ready;
 * for await (const { message, metadata } of consumer.read({ metadata: true })) {
 *   console.log(metadata.offset, message);
 * }
 * ```
 */
export class Consumer implements AsyncIterable<MessageModel>, AsyncDisposable {
  /** Resolves once partitions are assigned and start positions known (or the stream stopped). */
  readonly ready: Promise<void>;
  /** The consumer group in use. */
  readonly groupId: string;

  #setup: ConsumerSetup;
  #group?: GroupConsumer;
  // Reads committed offsets and watermarks after each assignment. Connected for the start and
  // closed once ready (a rebalance later connects it again), so an idle reader holds only the
  // consumer's own connections.
  #admin?: Promise<KafkaAdmin>;
  #adminUsers = 0;
  #adminRetired = false;
  #adminClosing: Promise<void> = Promise.resolve();
  #readyResolve!: () => void;
  #readyReject!: (error: Error) => void;
  #isReady = false;

  // Fetched records not yet handed out, oldest first.
  // Each chunk is one fetched batch of one partition, with that partition's map key.
  #chunks: { key: string; records: FetchedRecord[] }[] = [];
  #chunkIndex = 0;
  #buffered = 0;
  #dataWaiter?: () => void;
  #spaceWaiters: (() => void)[] = [];

  // Next offset to hand out per partition, and next offset expected from the fetcher.
  #positions = new Map<string, number>();
  #queuedNext = new Map<string, number>();
  #eosTargets = new Map<string, number>();
  #assigning = false;
  #assignmentRound = 0;

  #pendingCommits = new Map<string, PartitionOffset>();
  #commitInFlight?: Promise<void>;
  #commitTimer?: ReturnType<typeof setTimeout>;
  #heldForCommit?: FetchedRecord;
  #heldKey = "";
  // Partitions not yet read to their end-of-stream target; -1 until counted.
  #eosUnreached = -1;
  // Manual commits: the last delivered, not yet marked offset and skipped test messages after it.
  #outstanding = new Map<string, number>();
  #skippedThrough = new Map<string, number>();

  #stopped = false;
  #error?: HopError;
  #closing?: Promise<void>;
  #starting?: Promise<void>;

  /** @internal Use {@linkcode openStream}. */
  constructor(setup: ConsumerSetup) {
    this.#setup = setup;
    this.groupId = setup.groupId;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#readyResolve = resolve;
      this.#readyReject = reject;
    });
    // Nobody has to await `ready`; a failure is reported by iteration as well.
    this.ready.catch(() => {});
  }

  /** @internal Connects and joins the group; used by {@linkcode openStream}. */
  start(): Promise<void> {
    this.#starting ??= this.#connectAndJoin();
    return this.#starting;
  }

  #connectOptions() {
    const { target, logger } = this.#setup;
    return {
      brokers: target.brokers,
      auth: target.auth,
      logger,
      connectTimeoutMs: this.#setup.connectTimeoutMs,
      requestTimeoutMs: this.#setup.requestTimeoutMs,
    };
  }

  async #useAdmin<T>(use: (admin: KafkaAdmin) => Promise<T>): Promise<T> {
    if (this.#adminRetired) {
      throw new HopError(`the consumer of group ${this.groupId} is closed`);
    }
    this.#adminUsers++;
    try {
      if (!this.#admin) {
        const connecting = KafkaAdmin.connect(this.#connectOptions());
        // A failed connection is retried by the next use.
        connecting.catch(() => {
          if (this.#admin === connecting) this.#admin = undefined;
        });
        this.#admin = connecting;
      }
      return await use(await this.#admin);
    } finally {
      this.#adminUsers--;
    }
  }

  #closeAdmin(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    if (admin) {
      const closing = admin.then((connected) => connected.close(), () => {});
      this.#adminClosing = Promise.all([this.#adminClosing, closing]).then(() => {});
    }
    return this.#adminClosing;
  }

  async #connectAndJoin(): Promise<void> {
    const { target } = this.#setup;
    try {
      await this.#useAdmin((admin) => admin.requireTopics(target.topics, "reading"));
      if (this.#stopped) return;
      this.#group = await GroupConsumer.start({
        ...this.#connectOptions(),
        groupId: this.groupId,
        topics: target.topics,
        fromBeginning: this.#setup.startAt === "earliest",
        // A reader that stops at the end has nothing to wait for once caught up; a short long
        // poll lets close() return sooner.
        maxWaitTimeMs: this.#setup.untilEos ? 100 : 250,
        onBatch: (batch, control) => this.#onBatch(batch, control),
        onAssignment: (assignment) => this.#onAssignment(assignment),
        onCrash: (error, restarting) => this.#onCrash(error, restarting),
        restartOnFailure: (error) => this.#mayRestart(error),
      });
    } catch (error) {
      await this.#closeAdmin();
      throw error;
    }
    // Joining can fail for good (a denied group, say) before the first assignment: report it
    // from openStream() rather than from the first read.
    if (this.#error) {
      const error = this.#error;
      await this.#group.close();
      await this.#closeAdmin();
      throw error;
    }
  }

  #onAssignment(assignment: TopicPartitions[]): void {
    const round = ++this.#assignmentRound;
    this.#assigning = true;
    this.#positionAfterAssignment(assignment, round).catch((error) => {
      if (round !== this.#assignmentRound) return;
      this.#fail(error instanceof HopError ? error : new KafkaError(String(error)));
    });
  }

  async #positionAfterAssignment(assignment: TopicPartitions[], round: number): Promise<void> {
    // Commits made before the rebalance should be visible to whoever reads the partitions next.
    await this.#flushCommits().catch(() => {});
    const topics = assignment.map((a) => a.topic);
    const committed = new Map<string, number>();
    const marks = new Map<string, { low: number; high: number }>();
    if (topics.length) {
      await this.#useAdmin(async (admin) => {
        const [offsets, ...watermarks] = await Promise.all([
          admin.committedOffsets(this.groupId, topics),
          ...topics.map((topic) => admin.watermarks(topic)),
        ]);
        for (const c of offsets) committed.set(partitionKey(c.topic, c.partition), c.offset);
        topics.forEach((topic, i) => {
          for (const w of watermarks[i]) marks.set(partitionKey(topic, w.partition), w);
        });
      });
    }
    if (round !== this.#assignmentRound || this.#stopped) return;

    const positions = new Map<string, number>();
    const earliest = this.#setup.startAt === "earliest";
    for (const { topic, partitions } of assignment) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition);
        const mark = marks.get(key) ?? { low: 0, high: 0 };
        // A partition we kept through the rebalance continues where this reader is.
        const position = this.#positions.get(key) ?? committed.get(key) ??
          (earliest ? mark.low : mark.high);
        positions.set(key, position);
        if (this.#setup.untilEos && !this.#eosTargets.has(key)) {
          this.#eosTargets.set(key, mark.high);
        }
        try {
          this.#group?.seek({ topic, partition, offset: position });
        } catch {
          // the kafkajs consumer is restarting; the next assignment positions it again
        }
      }
    }
    for (const key of this.#eosTargets.keys()) {
      if (!positions.has(key)) this.#eosTargets.delete(key);
    }
    this.#positions = positions;
    this.#eosUnreached = -1;
    this.#queuedNext = new Map(positions);
    this.#chunks = [];
    this.#chunkIndex = 0;
    this.#buffered = 0;
    this.#assigning = false;
    this.#releaseSpace();
    this.#setup.logger.debug(
      `group ${this.groupId} assigned ${
        assignment.map((a) => `${a.topic}[${a.partitions.join(",")}]`).join(" ") || "nothing"
      }`,
    );
    if (!this.#isReady) {
      this.#isReady = true;
      this.#readyResolve();
    }
    this.#wake();
    if (this.#adminUsers === 0) {
      this.#closeAdmin().catch(() => {});
    }
  }

  async #onBatch(batch: FetchedBatch, control: BatchControl): Promise<void> {
    if (this.#stopped || this.#assigning || !control.isActive()) return;
    const key = partitionKey(batch.topic, batch.partition);
    const expected = this.#queuedNext.get(key);
    if (expected === undefined) return;
    let records = batch.records;
    if (records.length && records[0].offset < expected) {
      records = records.filter((r) => r.offset >= expected);
    }
    if (!records.length) return;
    this.#queuedNext.set(key, records[records.length - 1].offset + 1);
    this.#chunks.push({ key, records });
    this.#buffered += records.length;
    this.#wake();
    while (this.#buffered > BUFFER_HIGH_WATER && !this.#stopped && control.isActive()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1_000);
        this.#spaceWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      // Keeps the membership alive while the reader is slow; throws when a rebalance starts.
      if (!this.#stopped) await control.heartbeat();
    }
  }

  #mayRestart(error: HopError): boolean {
    // A stopped consumer has no use for a rejoin.
    if (this.#stopped) return false;
    const policy = this.#setup.restartOnFailure;
    return typeof policy === "function" ? policy(asKafkaError(error, false)) : policy;
  }

  #onCrash(error: HopError, restarting: boolean): void {
    const reported = asKafkaError(error, !restarting);
    const { onCrash } = this.#setup;
    if (onCrash) {
      try {
        onCrash(reported, restarting);
      } catch (hookError) {
        this.#setup.logger.warn(`onCrash of group ${this.groupId} threw: ${hookError}`);
      }
    } else if (restarting) {
      this.#setup.logger.warn(
        `Kafka consumer failed, rejoining group ${this.groupId}: ${error.message}`,
      );
    }
    if (!restarting) this.#fail(reported);
  }

  #fail(error: HopError): void {
    if (this.#error || this.#stopped) return;
    this.#error = error;
    if (!this.#isReady) this.#readyReject(error);
    this.#wake();
    this.#releaseSpace();
  }

  #wake(): void {
    const waiter = this.#dataWaiter;
    this.#dataWaiter = undefined;
    waiter?.();
  }

  #releaseSpace(): void {
    const waiters = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const waiter of waiters) waiter();
  }

  #endOfStreamReached(): boolean {
    if (!this.#setup.untilEos || !this.#isReady || this.#assigning) return false;
    // Counted once per assignment, then kept up to date by #take, instead of a walk over every
    // partition per message.
    if (this.#eosUnreached < 0) {
      this.#eosUnreached = 0;
      for (const [key, target] of this.#eosTargets) {
        if ((this.#positions.get(key) ?? 0) < target) this.#eosUnreached++;
      }
    }
    return this.#eosUnreached === 0;
  }

  #queueCommit(
    topic: string,
    partition: number,
    offset: number,
    now = false,
    key = partitionKey(topic, partition),
  ): void {
    const pending = this.#pendingCommits.get(key);
    // Updated in place: a commit request copies the positions when it is made.
    if (!pending) this.#pendingCommits.set(key, { topic, partition, offset });
    else if (pending.offset < offset) pending.offset = offset;
    if (now) return;
    this.#commitTimer ??= setTimeout(() => {
      this.#commitTimer = undefined;
      this.#flushCommits().catch((error) =>
        this.#setup.logger.warn(
          `could not commit offsets of group ${this.groupId}: ${error.message}`,
        )
      );
    }, AUTO_COMMIT_INTERVAL_MS);
  }

  async #flushCommits(): Promise<void> {
    if (this.#commitTimer !== undefined) {
      clearTimeout(this.#commitTimer);
      this.#commitTimer = undefined;
    }
    while (this.#commitInFlight || this.#pendingCommits.size) {
      if (this.#commitInFlight) {
        await this.#commitInFlight;
        continue;
      }
      const group = this.#group;
      const positions = [...this.#pendingCommits.values()].filter((p) =>
        this.#positions.has(partitionKey(p.topic, p.partition))
      );
      this.#pendingCommits.clear();
      if (!group || !positions.length) return;
      const commit = group.commit(positions).catch((error) => {
        // Kept for the next attempt (after a rejoin, or on close) unless a newer one replaced it.
        for (const p of positions) {
          const key = partitionKey(p.topic, p.partition);
          const newer = this.#pendingCommits.get(key);
          if (!newer || newer.offset < p.offset) this.#pendingCommits.set(key, p);
        }
        throw error;
      });
      const settled = commit.then(() => {}, () => {});
      this.#commitInFlight = settled;
      settled.finally(() => {
        if (this.#commitInFlight === settled) this.#commitInFlight = undefined;
      });
      await commit;
    }
  }

  // The record the reader gets next, undefined when iteration is over, or WAIT when nothing is
  // buffered yet. Synchronous so that a buffered record costs no extra promise turns.
  #take(): FetchedRecord | undefined | typeof WAIT {
    const { autoCommit, ignoreTest } = this.#setup;
    if (this.#heldForCommit) {
      const held = this.#heldForCommit;
      this.#heldForCommit = undefined;
      this.#queueCommit(held.topic, held.partition, held.offset + 1, false, this.#heldKey);
    }
    while (true) {
      if (this.#error) throw this.#error;
      if (this.#stopped) return undefined;
      if (this.#setup.untilEos && this.#endOfStreamReached()) return undefined;
      const chunk = this.#chunks[0];
      if (chunk === undefined) return WAIT;
      const { key, records } = chunk;
      const record = records[this.#chunkIndex++];
      if (this.#chunkIndex >= records.length) {
        this.#chunks.shift();
        this.#chunkIndex = 0;
      }
      if (--this.#buffered === BUFFER_LOW_WATER) this.#releaseSpace();
      const position = this.#positions.get(key);
      if (position === undefined || record.offset < position) continue;
      this.#positions.set(key, record.offset + 1);
      if (this.#eosUnreached > 0) {
        const target = this.#eosTargets.get(key);
        if (target !== undefined && position < target && record.offset + 1 >= target) {
          this.#eosUnreached--;
        }
      }
      if (ignoreTest && record.headers.length && isTestMessage(record.headers)) {
        if (autoCommit || !this.#outstanding.has(key)) {
          this.#queueCommit(record.topic, record.partition, record.offset + 1, false, key);
        } else {
          this.#skippedThrough.set(key, record.offset);
        }
        continue;
      }
      if (autoCommit) {
        this.#heldForCommit = record;
        this.#heldKey = key;
      } else {
        this.#outstanding.set(key, record.offset);
        this.#skippedThrough.delete(key);
      }
      return record;
    }
  }

  async #nextRecord(): Promise<FetchedRecord | undefined> {
    while (true) {
      const record = this.#take();
      if (record !== WAIT) return record;
      await new Promise<void>((resolve) => (this.#dataWaiter = resolve));
    }
  }

  #metadata(record: FetchedRecord): Metadata {
    return {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      key: record.key,
      headers: record.headers,
    };
  }

  #decode(record: FetchedRecord): MessageModel {
    const { message, warning } = unpackMessage(record.value, record.headers);
    if (warning) {
      this.#setup.logger.warn(
        `${warning} (topic ${record.topic}, partition ${record.partition}, offset ${record.offset})`,
      );
    }
    return message;
  }

  #iterate<T>(make: (record: FetchedRecord) => T): AsyncIterableIterator<T> {
    let finished = false;
    let waiting: Promise<IteratorResult<T>> | undefined;
    const end = (): IteratorResult<T> => {
      finished = true;
      return { done: true, value: undefined };
    };
    const step = (): Promise<IteratorResult<T>> => {
      if (finished) return Promise.resolve({ done: true, value: undefined });
      let record: FetchedRecord | undefined | typeof WAIT;
      try {
        record = this.#take();
      } catch (error) {
        finished = true;
        return Promise.reject(error);
      }
      if (record === undefined) return Promise.resolve(end());
      if (record !== WAIT) return Promise.resolve({ done: false, value: make(record) });
      const waited = this.#nextRecord().then(
        (next) => (next === undefined || finished ? end() : { done: false, value: make(next) }),
        (error) => {
          finished = true;
          throw error;
        },
      );
      waiting = waited;
      const settle = () => {
        if (waiting === waited) waiting = undefined;
      };
      waited.then(settle, settle);
      return waited;
    };
    return {
      // Calls that overlap a wait are served after it, in order.
      next: () => (waiting ? waiting.then(step, step) : step()),
      // Ending early leaves the last record uncommitted (it may not have been handled).
      return: () => Promise.resolve(end()),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /**
   * Messages decoded into models, or `{ message, metadata }` pairs with `{ metadata: true }`.
   *
   * @param options `{ metadata: true }` to get where each message came from
   * @returns an async iterator that ends on `stop()`, abort, `close()` or end of stream
   * @throws {KafkaError} (or a subclass) when the consumer fails for good
   * @example
   * ```ts ignore
   * for await (const message of consumer.read()) console.log(message.format);
   * ```
   */
  read(): AsyncIterableIterator<MessageModel>;
  /**
   * Messages with where they came from.
   *
   * @param options `{ metadata: true }`
   * @returns an async iterator of `{ message, metadata }`
   * @example
   * ```ts ignore
   * for await (const { message, metadata } of consumer.read({ metadata: true })) {
   *   console.log(metadata.topic, metadata.offset, message.format);
   * }
   * ```
   */
  read(options: { metadata: true }): AsyncIterableIterator<{
    message: MessageModel;
    metadata: Metadata;
  }>;
  /**
   * Messages decoded into models.
   *
   * @param options `{ metadata: false }` or nothing
   * @returns an async iterator of models
   * @example
   * ```ts ignore
   * for await (const message of consumer.read({ metadata: false })) console.log(message.format);
   * ```
   */
  read(options?: { metadata?: false }): AsyncIterableIterator<MessageModel>;
  read(
    options: { metadata?: boolean } = {},
  ): AsyncIterableIterator<MessageModel | { message: MessageModel; metadata: Metadata }> {
    return options.metadata
      ? this.#iterate((record) => ({
        message: this.#decode(record),
        metadata: this.#metadata(record),
      }))
      : this.#iterate((record) => this.#decode(record));
  }

  /**
   * Raw values with metadata, without decoding (test messages are still skipped unless asked).
   *
   * @returns an async iterator of `{ value, metadata }`
   */
  readRaw(): AsyncIterableIterator<{ value: Uint8Array | null; metadata: Metadata }> {
    return this.#iterate((record) => ({ value: record.value, metadata: this.#metadata(record) }));
  }

  /** Same as {@linkcode Consumer.read}. */
  [Symbol.asyncIterator](): AsyncIterator<MessageModel> {
    return this.read();
  }

  /**
   * Commits the message now (offset + 1, and any test messages skipped right after it).
   *
   * @param metadata the message's metadata
   * @throws {KafkaError} when the broker refuses the commit
   */
  async markDone(metadata: Metadata): Promise<void> {
    const key = partitionKey(metadata.topic, metadata.partition);
    let offset = metadata.offset + 1;
    if (this.#outstanding.get(key) === metadata.offset) {
      this.#outstanding.delete(key);
      const skipped = this.#skippedThrough.get(key);
      if (skipped !== undefined && skipped >= offset) offset = skipped + 1;
      this.#skippedThrough.delete(key);
    }
    if (
      this.#heldForCommit?.topic === metadata.topic &&
      this.#heldForCommit.partition === metadata.partition &&
      this.#heldForCommit.offset === metadata.offset
    ) {
      this.#heldForCommit = undefined;
    }
    this.#queueCommit(metadata.topic, metadata.partition, offset, true);
    await this.#flushCommits();
  }

  /** Ends iteration at the next message boundary; safe to call at any time, also before `ready`. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (!this.#isReady) {
      this.#isReady = true;
      this.#readyResolve();
    }
    this.#wake();
    this.#releaseSpace();
  }

  /** Stops, commits what is due, leaves the group and disconnects. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.stop();
      // Closing while still connecting: let the connection finish so nothing is left open.
      await this.#starting?.catch(() => {});
      // A rebalance handled from here on must not connect an admin that nobody would close.
      this.#adminRetired = true;
      await this.#flushCommits().catch((error) =>
        this.#setup.logger.warn(
          `could not commit offsets of group ${this.groupId} on close: ${error.message}`,
        )
      );
      await this.#group?.close();
      await this.#closeAdmin();
    })();
    return this.#closing;
  }

  /** Same as {@linkcode Consumer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

interface ConnectTimeouts {
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

interface QueuedRecord {
  topic: string;
  record: OutgoingRecord;
  size: number;
}

// Encoded size of a one-record batch, as the broker compares it with max.message.bytes.
function estimateRecordBytes(
  value: Uint8Array | null,
  key: Uint8Array | string | undefined,
  headers: Header[],
): number {
  let size = 61 + 24 + (value?.length ?? 0);
  if (typeof key === "string") size += key.length * 3;
  else if (key) size += key.length;
  for (const [name, bytes] of headers) size += name.length * 3 + bytes.length + 10;
  return size;
}

const DEFAULT_BATCH_BYTES = 1_000_000;
// Queued bytes above which write() waits for the background sender.
const MAX_QUEUED_BYTES = 16_000_000;
// Produce requests sent before the first of them is acknowledged.
const MAX_REQUESTS_IN_FLIGHT = 2;

/**
 * Writes messages to Kafka. `write` packs a message (hop's headers, `_sender` = credential user)
 * and queues it; queued messages go out in background batches; `flush` waits for them and reports
 * failures. Made by {@linkcode openStream} with mode `"w"`.
 *
 * @example
 * ```ts ignore
 * import { openStream } from "@igwn/alert";
 * await using producer = await openStream("kafka://127.0.0.1:9092/t", "w", { auth: false });
 * await producer.write({ alert_type: "new" });
 * await producer.flush();
 * ```
 */
export class Producer implements AsyncDisposable {
  #target: StreamTarget;
  #logger: Logger;
  #producer: BatchProducer;
  #connect: ConnectTimeouts;
  #admin?: Promise<KafkaAdmin>;
  #limits = new Map<string, Promise<number | undefined>>();
  #knownLimits = new Map<string, number | undefined>();
  #queue: QueuedRecord[] = [];
  #queueHead = 0;
  #queuedBytes = 0;
  #sending?: Promise<void>;
  #senderWaiter?: () => void;
  #spaceWaiters: (() => void)[] = [];
  #scheduled = false;
  #failed = 0;
  #causes: Error[] = [];
  #closing?: Promise<void>;

  /** @internal Use {@linkcode openStream}. */
  constructor(
    target: StreamTarget,
    producer: BatchProducer,
    logger: Logger,
    connect: ConnectTimeouts,
  ) {
    this.#target = target;
    this.#producer = producer;
    this.#logger = logger;
    this.#connect = connect;
  }

  #topicFor(topic: string | undefined): string {
    if (topic !== undefined) return topic;
    if (this.#target.topics.length === 1) return this.#target.topics[0];
    throw new HopError(
      "No topic specified for write: Either configure a topic when opening the Stream, or specify the topic argument to write()",
    );
  }

  #limitFor(topic: string): Promise<number | undefined> {
    let limit = this.#limits.get(topic);
    if (!limit) {
      if (!this.#admin) {
        const admin = KafkaAdmin.connect({
          brokers: this.#target.brokers,
          auth: this.#target.auth,
          logger: this.#logger,
          ...this.#connect,
        });
        // A failed connection is retried by the next lookup.
        admin.catch(() => {
          if (this.#admin === admin) this.#admin = undefined;
        });
        this.#admin = admin;
      }
      limit = this.#admin.then((admin) => admin.maxMessageBytes(topic)).then((bytes) => {
        if (bytes === undefined) {
          this.#logger.warn(
            `Authorization to describe configs of topic ${topic} failed; unable to determine maximum allowed message size.`,
          );
        }
        this.#knownLimits.set(topic, bytes);
        return bytes;
      });
      // A failed lookup is retried by the next write instead of being remembered.
      limit.catch(() => this.#limits.delete(topic));
      this.#limits.set(topic, limit);
    }
    return limit;
  }

  /**
   * Packs and queues a message. Resolves once queued; delivery problems surface in `flush`/`close`.
   *
   * @param message a model, a JSON value or bytes
   * @param options headers, key, topic, test flag
   * @throws {PackError} for values that cannot be packed
   * @throws {MessageTooLargeError} naming topic, size and limit for a message over `max.message.bytes`
   */
  write(message: unknown, options: WriteOptions = {}): Promise<void> {
    try {
      const { value, headers } = packMessage(message, {
        headers: options.headers,
        sender: this.#target.auth?.username,
        test: options.test,
      });
      return this.#enqueue(this.#topicFor(options.topic), value, headers, options.key);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Queues pre-packed bytes with the given headers (nothing added).
   *
   * @param value the Kafka value
   * @param options headers, key, topic
   * @throws {MessageTooLargeError} for a message over the topic's `max.message.bytes`
   */
  writeRaw(value: Uint8Array, options: WriteRawOptions = {}): Promise<void> {
    try {
      return this.#enqueue(
        this.#topicFor(options.topic),
        value,
        options.headers ?? [],
        options.key,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #enqueue(
    topic: string,
    value: Uint8Array,
    headers: Header[],
    key: string | Uint8Array | undefined,
  ): Promise<void> {
    if (this.#closing) {
      throw new HopError(`cannot write to topic '${topic}': the producer is closed`);
    }
    const size = estimateRecordBytes(value, key, headers);
    // Known limits are read without a promise turn: this runs once per message.
    const limit = this.#knownLimits.has(topic)
      ? this.#knownLimits.get(topic)
      : await this.#limitFor(topic);
    if (limit !== undefined && size > limit) {
      throw new MessageTooLargeError(
        `message of ${size} bytes is larger than the ${limit}-byte limit (max.message.bytes) of topic '${topic}'`,
        { topic, code: "MESSAGE_TOO_LARGE" },
      );
    }
    this.#queue.push({ topic, record: { value, key, headers }, size });
    this.#queuedBytes += size;
    if (this.#sending) {
      // A full request's worth may go out while another is unacknowledged.
      if (this.#queuedBytes >= DEFAULT_BATCH_BYTES) this.#wakeSender();
      // A writer far ahead of the broker waits, so memory stays bounded.
      while (this.#queuedBytes > MAX_QUEUED_BYTES && this.#sending) {
        await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
      }
    } else if (this.#queuedBytes >= DEFAULT_BATCH_BYTES) {
      // A full request's worth: start now instead of after the writer's burst.
      this.#startSending();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      setTimeout(() => this.#startSending(), 0);
    }
  }

  #startSending(): void {
    this.#scheduled = false;
    this.#sending ??= this.#sendQueued().finally(() => {
      this.#sending = undefined;
      this.#releaseSpace();
    });
  }

  #wakeSender(): void {
    const waiter = this.#senderWaiter;
    this.#senderWaiter = undefined;
    waiter?.();
  }

  #releaseSpace(): void {
    if (this.#queuedBytes > MAX_QUEUED_BYTES && this.#sending) return;
    const waiters = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const waiter of waiters) waiter();
  }

  // Sends while anything is queued, with up to MAX_REQUESTS_IN_FLIGHT requests unacknowledged so
  // that the broker stores one batch while the next is encoded and sent.
  async #sendQueued(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    while (true) {
      const queued = this.#queueHead < this.#queue.length;
      // A further request goes out only with a full batch's worth queued: a partial one waits
      // for an acknowledgement so that requests stay large.
      if (
        queued &&
        (inFlight.size === 0 ||
          (inFlight.size < MAX_REQUESTS_IN_FLIGHT && this.#queuedBytes >= DEFAULT_BATCH_BYTES))
      ) {
        const request: Promise<void> = this.#sendBatch(this.#takeBatch()).finally(() => {
          inFlight.delete(request);
          this.#wakeSender();
        });
        inFlight.add(request);
        this.#releaseSpace();
        continue;
      }
      if (inFlight.size === 0) return;
      await new Promise<void>((resolve) => (this.#senderWaiter = resolve));
    }
  }

  // Takes what one request carries: what is queued, up to the smallest batch limit of its topics.
  #takeBatch(): { topics: Map<string, OutgoingRecord[]>; count: number } {
    const queue = this.#queue;
    let cap = DEFAULT_BATCH_BYTES;
    let bytes = 0;
    let index = this.#queueHead;
    const topics = new Map<string, OutgoingRecord[]>();
    for (; index < queue.length; index++) {
      const item = queue[index];
      const limit = this.#knownLimits.get(item.topic);
      if (limit !== undefined) cap = Math.min(cap, limit);
      if (index > this.#queueHead && bytes + item.size > cap) break;
      bytes += item.size;
      let records = topics.get(item.topic);
      if (!records) topics.set(item.topic, records = []);
      records.push(item.record);
    }
    const count = index - this.#queueHead;
    if (index === queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    } else {
      this.#queueHead = index;
    }
    this.#queuedBytes -= bytes;
    return { topics, count };
  }

  async #sendBatch(
    { topics, count }: { topics: Map<string, OutgoingRecord[]>; count: number },
  ): Promise<void> {
    try {
      await this.#producer.send([...topics].map(([topic, records]) => ({ topic, records })));
    } catch (error) {
      this.#failed += count;
      this.#causes.push(error as Error);
      this.#logger.debug(`could not deliver ${count} messages: ${(error as Error).message}`);
    }
  }

  /**
   * Waits until every queued message is acknowledged by the broker.
   *
   * @throws {DeliveryError} counting the messages that could not be delivered, with the reasons
   */
  async flush(): Promise<void> {
    while (this.#queueHead < this.#queue.length || this.#sending || this.#scheduled) {
      if (!this.#sending) this.#startSending();
      await this.#sending;
    }
    if (this.#failed) {
      const error = new DeliveryError(this.#failed, this.#causes);
      this.#failed = 0;
      this.#causes = [];
      throw error;
    }
  }

  /** Flushes, then disconnects (also when the flush reports a {@linkcode DeliveryError}). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#logger.info("closing connection after queued messages send");
      try {
        await this.flush();
      } finally {
        await this.#producer.close();
        if (this.#admin) await (await this.#admin.catch(() => undefined))?.close();
      }
    })();
    return this.#closing;
  }

  /** Same as {@linkcode Producer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
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
 * ```ts ignore
 * import { openStream } from "@igwn/alert";
 * await using producer = await openStream("kafka://127.0.0.1:9092/t", "w", { auth: false });
 * await producer.write({ hello: "world" });
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
 * ```ts ignore
 * import { openStream } from "@igwn/alert";
 * await using producer = await openStream("kafka://127.0.0.1:9092/t", "w", { auth: false });
 * await producer.write({ hello: "world" });
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
    const producer = await BatchProducer.connect({
      brokers: target.brokers,
      auth: target.auth,
      logger,
      ...timeouts,
    });
    return new Producer(target, producer, logger, timeouts);
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
