/**
 * Reading side of a stream: a consumer-group member that hands out messages in order and commits
 * what was handled.
 *
 * @module
 */
import { HopError, KafkaError } from "./errors.ts";
import type { Logger } from "./log.ts";
import type { MessageModel } from "./models/model.ts";
import { isTestMessage, unpackMessage } from "./pack.ts";
import type { StreamTarget } from "./_stream_target.ts";
import type { Metadata, StartPosition } from "./stream_options.ts";
import {
  type BatchControl,
  type FetchedBatch,
  type FetchedRecord,
  GroupConsumer,
  KafkaAdmin,
  type PartitionOffset,
  type TopicPartitions,
} from "../kafka/adapter.ts";

const WAIT = Symbol("wait");

const partitionKey = (topic: string, partition: number) => `${partition}\u0000${topic}`;

// Buffered records at which a fetch waits for the reader, and the level that lets it go on.
const BUFFER_HIGH_WATER = 20_000;
const BUFFER_LOW_WATER = 5_000;
// Automatic commits are coalesced: at most one OffsetCommit per this many ms.
const AUTO_COMMIT_INTERVAL_MS = 100;

/** @internal What {@linkcode Consumer} is made from. */
export interface ConsumerSetup {
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
