/**
 * Reading side of a stream: a consumer-group member that hands out messages in order, commits
 * what was handled, and rides through outages, rebalances and moved leaders.
 *
 * @module
 */
import { type HopError, KafkaError } from "./errors.ts";
import type { Logger } from "./log.ts";
import type { MessageModel } from "./models/model.ts";
import { isTestMessage, unpackMessage } from "./pack.ts";
import type { StreamTarget } from "./_stream_target.ts";
import type { Metadata, StartPosition } from "./stream_options.ts";
import { KafkaAdmin } from "../kafka/admin.ts";
import { isRecoverable } from "../kafka/errors.ts";
import { backoffDelay } from "../kafka/retry_policy.ts";
import { sleep } from "../_sleep.ts";
import type { BatchControl } from "../kafka/group_consumer.ts";
import type { RetryPolicy } from "../kafka/retry_policy.ts";
import type { Clock } from "../clock.ts";
import type {
  FetchedBatch,
  FetchedRecord,
  KafkaConnection,
  PartitionOffset,
  PartitionWatermarks,
  TopicPartitions,
} from "../kafka/types.ts";
import { GroupSession } from "./_group_session.ts";
import { CommitQueue } from "./_commit_queue.ts";
import { assignmentStarts, needsStartOffsets, resolveStartOffsets } from "./_start_offsets.ts";
import { pullIterator, WAIT } from "./_pull_iterator.ts";

const partitionKey = (topic: string, partition: number) => `${partition}\u0000${topic}`;

// Buffered records at which a fetch waits for the reader, and the level that lets it go on.
const BUFFER_HIGH_WATER = 20_000;
const BUFFER_LOW_WATER = 5_000;

/** @internal What {@linkcode Consumer} is made from. */
export interface ConsumerSetup {
  target: StreamTarget;
  groupId: string;
  startAt: StartPosition;
  /** Apply `startAt` at the first assignment of each partition even over committed offsets. */
  resetOffsets: boolean;
  untilEos: boolean;
  /** Read every partition without joining the group (see `GroupSession`). */
  withoutGroup?: boolean;
  ignoreTest: boolean;
  autoCommit: boolean;
  logger: Logger;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  retry: RetryPolicy;
  /** The clock the reconnection back-off waits on. */
  clock?: Clock;
  restartOnFailure: boolean | ((error: KafkaError) => boolean);
  onCrash?: (error: KafkaError, willRestart: boolean) => void;
  /** Longest time the broker may hold a fetch while no data comes, in ms. */
  fetchMaxWaitMs?: number;
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
 * A lost connection, a rebalance or a moved partition leader does not end iteration: the
 * consumer reconnects with a capped, jittered back-off for as long as it runs, and continues
 * where the reader is. Only failures that waiting cannot fix (authentication, authorization, a
 * missing topic) end iteration by throwing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { openStream } from "./stream.ts";
 * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
 * {
 *   await using producer = await openStream(`${broker.url}/t`, "w", { auth: false });
 *   await producer.write({ n: 1 });
 *   await producer.flush();
 * }
 * await using consumer = await openStream(`${broker.url}/t`, "r", {
 *   auth: false,
 *   startAt: "earliest",
 *   untilEos: true,
 * });
 * for await (const { message, metadata } of consumer.read({ metadata: true })) {
 *   assert.equal(metadata.offset, 0);
 *   assert.equal(message.format, "json");
 * }
 * ```
 */
export class Consumer implements AsyncIterable<MessageModel>, AsyncDisposable {
  /** Resolves once partitions are assigned and start positions known (or the stream stopped). */
  readonly ready: Promise<void>;
  /** The consumer group in use. */
  readonly groupId: string;

  #setup: ConsumerSetup;
  #session: GroupSession;
  #commits: CommitQueue;
  #readyResolve!: () => void;
  #readyReject!: (error: Error) => void;
  #isReady = false;

  // Fetched records not yet handed out, oldest first.
  // Each chunk is one fetched batch of one partition, with that partition's map key.
  // A chunk whose fetch ended with transaction markers moves the position past them once its
  // records are handed out (`advanceTo`).
  #chunks: { key: string; records: FetchedRecord[]; advanceTo?: number }[] = [];
  #chunkIndex = 0;
  #buffered = 0;
  #dataWaiter?: () => void;
  #spaceWaiters: (() => void)[] = [];

  // Next offset to hand out per partition (absent: wherever the group starts it), and next offset
  // expected from the fetcher.
  #positions = new Map<string, number | undefined>();
  #queuedNext = new Map<string, number>();
  // High watermark per partition, from the last fetched batch.
  #highWatermarks = new Map<string, number>();
  // Per partition, the offset fetched again after the Kafka client skipped ahead of it.
  #refetchedAt = new Map<string, number>();
  #eosTargets = new Map<string, number>();
  #assigning = false;
  #assignmentSettled: Promise<void> = Promise.resolve();
  #settleAssignment = () => {};
  #assignmentRound = 0;
  // Start offsets worked out when the stream opened (positions other than earliest/latest, or a
  // reset), and the partitions this reader has been assigned at least once.
  #startOffsets = new Map<string, number>();
  #assignedBefore = new Set<string>();
  // The metadata connection opened to start, kept for positioning the first assignment when that
  // needs it (one connection instead of two); uses of an admin connection take turns.
  #startAdmin?: KafkaAdmin;
  #adminTurn: Promise<void> = Promise.resolve();
  // Watermarks by topic and the group's commits by partition, read when the stream opened, for
  // the first assignment.
  #openedWatermarks?: Map<string, PartitionWatermarks[]>;
  #openedCommits?: Map<string, number>;

  #heldForCommit?: FetchedRecord;
  #heldKey = "";
  // Partitions not yet read to their end-of-stream target; -1 until counted.
  #eosUnreached = -1;
  // Manual commits: the last delivered, not yet marked offset and skipped test messages after it.
  #outstanding = new Map<string, number>();
  #skippedThrough = new Map<string, number>();

  #stopped = false;
  #stopping = new AbortController();
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
    const { logger } = setup;
    this.#commits = new CommitQueue({
      commit: (positions) => this.#session.commit(positions),
      owns: (topic, partition) => this.#positions.has(partitionKey(topic, partition)),
      onFailure: (error, retrying) => {
        if (retrying) {
          logger.debug(`commit of group ${this.groupId} deferred: ${error.message}`);
        } else {
          logger.warn(`could not commit offsets of group ${this.groupId}: ${error.message}`);
        }
      },
    });
    this.#session = new GroupSession({
      consumer: {
        ...this.#connectOptions(),
        groupId: setup.groupId,
        topics: setup.target.topics,
        // Partitions the start offsets were not worked out for (created later) start at the
        // oldest message unless only new messages are asked for.
        fromBeginning: setup.startAt !== "latest",
        // An idle reader asks twice a second, as librdkafka does; one that stops at the end has
        // nothing to wait for once caught up, and a short long poll lets close() return sooner.
        maxWaitTimeMs: setup.fetchMaxWaitMs ?? (setup.untilEos ? 20 : 500),
        // Fetches keep the Kafka client's 1 MiB per partition, also for a backlog: larger ones
        // (8 MiB was tried) save round trips but decode into records that outlive the young
        // generation, and reading 100,000 messages took more CPU, not less.
        // A member killed without leaving holds its partitions until its session expires; a
        // short session lets a restarted reader resume within seconds. A broker whose minimum
        // is longer (6 s by Kafka's default) gets its minimum (see GroupSession).
        sessionTimeoutMs: 4_000,
        heartbeatIntervalMs: 1_000,
      },
      withoutGroup: setup.withoutGroup,
      retry: setup.retry,
      clock: setup.clock,
      logger,
      onBatch: (batch, control) => this.#onBatch(batch, control),
      onAssignment: (assignment) => this.#onAssignment(assignment),
      mayReconnect: (error) => this.#mayRetry(error),
      onFailure: (error, reconnecting) => setup.onCrash?.(error, reconnecting),
      onFatal: (error) => this.#fail(error),
    });
  }

  /** @internal Connects and joins the group; used by {@linkcode openStream}. */
  start(): Promise<void> {
    this.#starting ??= this.#connectAndJoin();
    return this.#starting;
  }

  #connectOptions(): KafkaConnection {
    const { target, logger, connectTimeoutMs, requestTimeoutMs, retry } = this.#setup;
    return {
      brokers: target.brokers,
      credential: target.credential,
      logger,
      connectTimeoutMs,
      requestTimeoutMs,
      retry,
    };
  }

  // Runs `use` with the start's metadata connection while it is kept, else with a new one that
  // is closed afterwards; one use at a time.
  #withAdmin<T>(use: (admin: KafkaAdmin) => Promise<T>): Promise<T> {
    const turn = this.#adminTurn.then(async () => {
      if (this.#startAdmin) return await use(this.#startAdmin);
      const admin = await KafkaAdmin.connect(this.#connectOptions());
      try {
        return await use(admin);
      } finally {
        await admin.close();
      }
    });
    this.#adminTurn = turn.then(() => {}, () => {});
    return turn;
  }

  // The group's commits for some topics; without a group nothing was ever committed.
  #committedOffsets(admin: KafkaAdmin, topics: string[]): Promise<PartitionOffset[]> {
    if (this.#setup.withoutGroup) return Promise.resolve([]);
    return admin.committedOffsets(this.groupId, topics);
  }

  // Closes the start's metadata connection once its last use is over.
  #releaseStartAdmin(): Promise<void> {
    const released = this.#adminTurn.then(async () => {
      const admin = this.#startAdmin;
      this.#startAdmin = undefined;
      await admin?.close();
    });
    this.#adminTurn = released;
    return released;
  }

  async #connectAndJoin(): Promise<void> {
    const { target, startAt, resetOffsets } = this.#setup;
    const admin = await KafkaAdmin.connect(this.#connectOptions());
    this.#startAdmin = admin;
    try {
      // A missing or forbidden topic is reported by name before joining.
      await admin.requireTopics(target.topics, "reading");
      const watermarks = new Map<string, PartitionWatermarks[]>();
      const bounds = await Promise.all(target.topics.map((topic) => admin.watermarks(topic)));
      target.topics.forEach((topic, i) => watermarks.set(topic, bounds[i]));
      this.#openedWatermarks = watermarks;
      // The group's commits as they are before it is joined: when one was deleted by retention,
      // the Kafka client's first fetch replaces it with its default position (committing that)
      // before the assignment reaches this reader.
      this.#openedCommits = new Map();
      for (const c of await this.#committedOffsets(admin, target.topics)) {
        this.#openedCommits.set(partitionKey(c.topic, c.partition), c.offset);
      }
      if (needsStartOffsets(startAt, resetOffsets)) {
        const offsets = await resolveStartOffsets(
          admin,
          target.topics,
          startAt,
          Date.now(),
          watermarks,
        );
        for (const { topic, partition, offset } of offsets) {
          this.#startOffsets.set(partitionKey(topic, partition), offset);
        }
      }
      if (this.#stopped) {
        await this.#releaseStartAdmin();
        return;
      }
      // The connection stays open: positioning the first assignment reads the group's commits
      // over it again.
      await this.#session.start();
    } catch (error) {
      await this.#releaseStartAdmin();
      throw error;
    }
    // Joining can fail for good (a denied group, say) before the first assignment: report it
    // from openStream() rather than from the first read.
    if (this.#error) {
      const error = this.#error;
      await this.#session.close();
      await this.#releaseStartAdmin();
      throw error;
    }
  }

  #onAssignment(assignment: TopicPartitions[]): void {
    const round = ++this.#assignmentRound;
    if (!this.#assigning) {
      this.#assignmentSettled = new Promise((resolve) => (this.#settleAssignment = resolve));
    }
    this.#assigning = true;
    this.#position(assignment, round, 0);
  }

  // Whether reading may go on after a failure that can pass by waiting (`restartOnFailure`).
  #mayRetry(error: KafkaError): boolean {
    if (this.#stopped) return false;
    const policy = this.#setup.restartOnFailure;
    return typeof policy === "function" ? policy(error) : policy;
  }

  // Positions an assignment; where to start could not be looked up (a leader's broker that is
  // down, say), tries again after the back-off, while fetched batches wait.
  #position(assignment: TopicPartitions[], round: number, attempt: number): void {
    this.#positionAfterAssignment(assignment, round).catch(async (error) => {
      if (round !== this.#assignmentRound) return;
      const failure = error instanceof KafkaError ? error : new KafkaError(String(error));
      if (!isRecoverable(failure) || !this.#mayRetry(failure)) return this.#fail(failure);
      const { retry, clock, logger } = this.#setup;
      const delay = backoffDelay(retry, attempt);
      const line = `could not look up where to start reading: ${failure.message}; trying again ` +
        `in ${(delay / 1000).toFixed(1)} s`;
      if (attempt === 0) logger.warn(line);
      else logger.debug(line);
      await sleep(delay, this.#stopping.signal, clock);
      if (round !== this.#assignmentRound || this.#stopped) return;
      this.#position(assignment, round, attempt + 1);
    });
  }

  // Partitions this reader keeps continue where the reader is; others start at the group's
  // committed offset, else at the start position. A committed offset that retention deleted
  // meanwhile becomes the oldest offset still held, whatever the start position: the records
  // after it were never read by the group. Reading to the end of the stream needs the end offsets.
  async #positionAfterAssignment(assignment: TopicPartitions[], round: number): Promise<void> {
    // Commits made before the rebalance should be visible to whoever reads the partitions next.
    await this.#commits.flush().catch(() => {});
    const { untilEos, startAt, resetOffsets, logger } = this.#setup;
    // Per partition: where the group left off, and the offsets the log holds.
    const committed = new Map<string, number>();
    const bounds = new Map<string, { low: number; high: number }>();
    const topics = assignment.filter((a) => a.partitions.length).map((a) => a.topic);
    // The first assignment uses the watermarks measured when the stream opened, and the commits
    // read then where they are later than what the group holds now.
    const opened = this.#openedWatermarks;
    const openedCommits = this.#openedCommits;
    this.#openedWatermarks = undefined;
    this.#openedCommits = undefined;
    try {
      await this.#withAdmin(async (admin) => {
        // One after the other: kafkajs' admin finds no connected broker for the group lookup
        // while a topic-metadata refresh replaces its connections, and then waits out a retry.
        const watermarks = await Promise.all(
          topics.map((topic) => opened?.get(topic) ?? admin.watermarks(topic)),
        );
        const offsets = await this.#committedOffsets(admin, topics);
        watermarks.forEach((partitions, i) => {
          for (const { partition, low, high } of partitions) {
            bounds.set(partitionKey(topics[i], partition), { low, high });
          }
        });
        for (const c of offsets) committed.set(partitionKey(c.topic, c.partition), c.offset);
      });
    } catch (error) {
      // Without them the positions come from the group's own join, unless this reader needs
      // them (the end of the stream, or a start worked out when it opened).
      if (untilEos || this.#startOffsets.size) throw error;
      logger.warn(
        `could not read the committed offsets of group ${this.groupId}: ${
          (error as Error).message
        }; its partitions start where the Kafka client puts them`,
      );
    } finally {
      // Later assignments (after a rebalance) open a connection of their own.
      void this.#releaseStartAdmin();
    }
    for (const [key, offset] of openedCommits ?? []) {
      const now = committed.get(key);
      if (now === undefined || now < offset) committed.set(key, offset);
    }
    const starts = new Map<string, number>();
    const ends = new Map<string, number>();
    for (const { topic, partitions } of assignment) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition);
        const bound = bounds.get(key);
        if (bound) ends.set(key, bound.high);
        const resolved = this.#startOffsets.get(key);
        const { start, deletedFrom } = assignmentStarts({
          committed: committed.get(key),
          ...bound,
          resolved,
          // A reset applies the first time this reader gets the partition.
          reset: resetOffsets && resolved !== undefined && !this.#assignedBefore.has(key),
        }, startAt);
        if (start !== undefined) starts.set(key, start);
        if (deletedFrom !== undefined && !this.#positions.has(key)) {
          logger.warn(
            `offsets ${deletedFrom} to ${start! - 1} of ${topic} partition ${partition} were ` +
              `deleted before group ${this.groupId} read them; starting at ${start}, ` +
              `the oldest offset still held`,
          );
        }
      }
    }
    if (round !== this.#assignmentRound || this.#stopped) return;

    const positions = new Map<string, number | undefined>();
    for (const { topic, partitions } of assignment) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition);
        const position = this.#positions.get(key) ?? starts.get(key);
        positions.set(key, position);
        this.#assignedBefore.add(key);
        if (position !== undefined) this.#session.seek({ topic, partition, offset: position });
        if (this.#setup.untilEos && !this.#eosTargets.has(key)) {
          this.#eosTargets.set(key, ends.get(key) ?? 0);
        }
      }
    }
    for (const key of this.#eosTargets.keys()) {
      if (!positions.has(key)) this.#eosTargets.delete(key);
    }
    this.#positions = positions;
    this.#eosUnreached = -1;
    this.#queuedNext = new Map();
    for (const [key, position] of positions) {
      if (position !== undefined) this.#queuedNext.set(key, position);
    }
    this.#chunks = [];
    this.#chunkIndex = 0;
    this.#buffered = 0;
    this.#assigning = false;
    this.#settleAssignment();
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
  }

  async #onBatch(batch: FetchedBatch, control: BatchControl): Promise<void> {
    // A batch fetched while the new assignment is being positioned waits for it: dropping it
    // would let the Kafka client move past records nobody read.
    while (this.#assigning && !this.#stopped && !this.#error) await this.#assignmentSettled;
    if (this.#stopped || !control.isActive()) return;
    const key = partitionKey(batch.topic, batch.partition);
    if (!this.#positions.has(key)) return;
    const expected = this.#queuedNext.get(key);
    let records = batch.records;
    if (expected !== undefined && records.length && records[0].offset < expected) {
      records = records.filter((r) => r.offset >= expected);
    }
    const through = batch.nextOffset;
    if (!records.length) {
      // Transaction markers (or aborted records) only: where the partition goes on, once what
      // is queued before is handed out. A reader to the end of the stream would otherwise wait
      // for offsets that no record will ever fill.
      const from = batch.firstOffset ?? through;
      if (
        expected !== undefined && through !== undefined && from !== undefined &&
        from <= expected && through > expected
      ) {
        this.#queuedNext.set(key, through);
        this.#chunks.push({ key, records: [], advanceTo: through });
        this.#wake();
      }
      return;
    }
    // Where the fetch's entries start: markers before the first record are no gap.
    const covered = Math.min(batch.firstOffset ?? records[0].offset, records[0].offset);
    if (expected !== undefined && covered > expected) {
      // The Kafka client moved past records nobody read: after an out-of-range answer it resets
      // to its default position, which is the end of the log when only new messages are asked
      // for. Fetch once more from where the reader is, or, when retention deleted that offset,
      // from the oldest one still held; if the log then still starts later (records deleted or
      // compacted away meanwhile), accept the gap and say so.
      const refetched = this.#refetchedAt.get(key) === expected;
      const low = refetched ? undefined : await this.#logStart(batch.topic, batch.partition);
      if (this.#stopped || !control.isActive() || !this.#positions.has(key)) return;
      // A batch that starts at the log start needs no second fetch: the offsets before it are gone.
      const atLogStart = low !== undefined && low >= records[0].offset;
      if (!refetched && !atLogStart) {
        const from = low !== undefined && low > expected ? low : expected;
        if (from > expected) {
          this.#setup.logger.warn(
            `offsets ${expected} to ${from - 1} of ${batch.topic} partition ${batch.partition} ` +
              `are no longer in the log; continuing at ${from}`,
          );
        }
        this.#setup.logger.debug(
          `fetch of ${batch.topic} partition ${batch.partition} jumped from offset ${expected} ` +
            `to ${records[0].offset}; fetching from ${from} again`,
        );
        this.#queuedNext.set(key, from);
        // Where the log starts could not be read: the next jump asks again rather than accepting
        // a gap nobody has confirmed.
        if (low === undefined) this.#refetchedAt.delete(key);
        else this.#refetchedAt.set(key, from);
        this.#session.seek({ topic: batch.topic, partition: batch.partition, offset: from });
        return;
      }
      this.#setup.logger.warn(
        `offsets ${expected} to ${records[0].offset - 1} of ${batch.topic} partition ` +
          `${batch.partition} are no longer in the log; continuing at ${records[0].offset}`,
      );
    }
    this.#refetchedAt.delete(key);
    const next = records[records.length - 1].offset + 1;
    const advanceTo = through !== undefined && through > next ? through : undefined;
    this.#session.noteData(Math.max(0, batch.highWatermark - records[0].offset));
    this.#highWatermarks.set(key, batch.highWatermark);
    this.#queuedNext.set(key, advanceTo ?? next);
    this.#chunks.push({ key, records, ...(advanceTo === undefined ? {} : { advanceTo }) });
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

  // The first offset a partition's log still holds; undefined when it cannot be read now.
  async #logStart(topic: string, partition: number): Promise<number | undefined> {
    try {
      const watermarks = await this.#withAdmin((admin) => admin.watermarks(topic));
      return watermarks.find((w) => w.partition === partition)?.low;
    } catch (error) {
      this.#setup.logger.debug(
        `could not read where ${topic} partition ${partition} starts: ${(error as Error).message}`,
      );
      return undefined;
    }
  }

  #fail(error: HopError): void {
    if (this.#error || this.#stopped) return;
    this.#error = error;
    if (!this.#isReady) this.#readyReject(error);
    this.#settleAssignment();
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

  // Moves a partition's position from `position` to `to`, counting the partitions read to their
  // end-of-stream target.
  #setPosition(key: string, position: number | undefined, to: number): void {
    this.#positions.set(key, to);
    if (this.#eosUnreached > 0) {
      const target = this.#eosTargets.get(key);
      if (target !== undefined && (position ?? 0) < target && to >= target) this.#eosUnreached--;
    }
  }

  // Moves a partition's position past entries that are not records (transaction markers).
  #advance(key: string, to: number): void {
    if (!this.#positions.has(key)) return;
    const position = this.#positions.get(key);
    if (position !== undefined && position >= to) return;
    this.#setPosition(key, position, to);
  }

  // The record the reader gets next, undefined when iteration is over, or WAIT when nothing is
  // buffered yet. Synchronous so that a buffered record costs no extra promise turns.
  #take(): FetchedRecord | undefined | typeof WAIT {
    const { ignoreTest, withoutGroup } = this.#setup;
    // Without a group there is nothing to commit.
    const autoCommit = this.#setup.autoCommit && !withoutGroup;
    if (this.#heldForCommit) {
      const held = this.#heldForCommit;
      this.#heldForCommit = undefined;
      this.#commits.add(held.topic, held.partition, held.offset + 1);
    }
    while (true) {
      if (this.#error) throw this.#error;
      if (this.#stopped) return undefined;
      if (this.#setup.untilEos && this.#endOfStreamReached()) return undefined;
      const chunk = this.#chunks[0];
      if (chunk === undefined) return WAIT;
      const { key, records } = chunk;
      if (this.#chunkIndex >= records.length) {
        // Handed out: transaction markers after its last record move the position past them.
        this.#chunks.shift();
        this.#chunkIndex = 0;
        if (chunk.advanceTo !== undefined) this.#advance(key, chunk.advanceTo);
        continue;
      }
      const record = records[this.#chunkIndex++];
      if (--this.#buffered === BUFFER_LOW_WATER) this.#releaseSpace();
      if (!this.#positions.has(key)) continue;
      const position = this.#positions.get(key);
      if (position !== undefined && record.offset < position) continue;
      this.#setPosition(key, position, record.offset + 1);
      if (ignoreTest && record.headers.length && isTestMessage(record.headers)) {
        if (withoutGroup) continue;
        if (autoCommit || !this.#outstanding.has(key)) {
          this.#commits.add(record.topic, record.partition, record.offset + 1);
        } else {
          this.#skippedThrough.set(key, record.offset);
        }
        continue;
      }
      if (autoCommit) {
        this.#heldForCommit = record;
        this.#heldKey = key;
      } else if (!withoutGroup) {
        this.#outstanding.set(key, record.offset);
        this.#skippedThrough.delete(key);
      }
      return record;
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

  // Ending early leaves the last record uncommitted (it may not have been handled).
  #iterate<T>(make: (record: FetchedRecord) => T): AsyncIterableIterator<T> {
    return pullIterator(
      () => this.#take(),
      () => new Promise<void>((resolve) => (this.#dataWaiter = resolve)),
      make,
    );
  }

  /**
   * Messages decoded into models, or `{ message, metadata }` pairs with `{ metadata: true }`.
   *
   * @param options `{ metadata: true }` to get where each message came from
   * @returns an async iterator that ends on `stop()`, abort, `close()` or end of stream
   * @throws {KafkaError} (or a subclass) when the consumer fails for good
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "../broker/mod.ts";
   * import { openStream } from "./stream.ts";
   * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
   * {
   *   await using producer = await openStream(`${broker.url}/t`, "w", { auth: false });
   *   await producer.write({ n: 1 });
   *   await producer.flush();
   * }
   * await using consumer = await openStream(`${broker.url}/t`, "r", {
   *   auth: false,
   *   startAt: "earliest",
   *   untilEos: true,
   * });
   * const formats = [];
   * for await (const message of consumer.read()) formats.push(message.format);
   * assert.deepEqual(formats, ["json"]);
   * ```
   */
  read(): AsyncIterableIterator<MessageModel>;
  /**
   * Messages with where they came from.
   *
   * @param options `{ metadata: true }`
   * @returns an async iterator of `{ message, metadata }`
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "../broker/mod.ts";
   * import { openStream } from "./stream.ts";
   * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
   * {
   *   await using producer = await openStream(`${broker.url}/t`, "w", { auth: false });
   *   await producer.write({ n: 1 });
   *   await producer.flush();
   * }
   * await using consumer = await openStream(`${broker.url}/t`, "r", {
   *   auth: false,
   *   startAt: "earliest",
   *   untilEos: true,
   * });
   * for await (const { message, metadata } of consumer.read({ metadata: true })) {
   *   assert.deepEqual([metadata.topic, metadata.offset, message.format], ["t", 0, "json"]);
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
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "../broker/mod.ts";
   * import { openStream } from "./stream.ts";
   * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
   * {
   *   await using producer = await openStream(`${broker.url}/t`, "w", { auth: false });
   *   await producer.write({ n: 1 });
   *   await producer.flush();
   * }
   * await using consumer = await openStream(`${broker.url}/t`, "r", {
   *   auth: false,
   *   startAt: "earliest",
   *   untilEos: true,
   * });
   * const messages = await Array.fromAsync(consumer.read({ metadata: false }));
   * assert.deepEqual(messages.map((m) => m.format), ["json"]);
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
   * Commits the message (offset + 1, and any test messages skipped right after it).
   *
   * @param metadata the message's metadata
   * @param options `wait: false` queues the commit for the next coalesced request instead of
   *   waiting for its round trip (it is still sent before `close()` returns)
   * @throws {KafkaError} when the group refuses the commit for good (authorization); a commit
   *   lost to a rebalance or an outage is kept and sent again, and if the partition moved to
   *   another member meanwhile, that member delivers the message again
   */
  async markDone(metadata: Metadata, options: { wait?: boolean } = {}): Promise<void> {
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
    const wait = options.wait ?? true;
    this.#commits.add(metadata.topic, metadata.partition, offset, !wait);
    if (wait) await this.#commits.flush();
  }

  /**
   * How the stream is doing: `lag`, the messages of the assigned partitions not yet handed out
   * (from the high watermarks of the last fetches); `reconnections`, the connection losses ridden
   * through so far; `connected`, whether the group membership is up now.
   *
   * @returns a snapshot.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "../broker/mod.ts";
   * import { openStream } from "./stream.ts";
   * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
   * {
   *   await using producer = await openStream(`${broker.url}/t`, "w", { auth: false });
   *   for (const n of [1, 2, 3]) await producer.write({ n });
   * }
   * await using consumer = await openStream(`${broker.url}/t`, "r", { auth: false, startAt: "earliest" });
   * for await (const _message of consumer.read()) {
   *   assert.deepEqual(consumer.health(), { lag: 2, reconnections: 0, connected: true });
   *   break;
   * }
   * ```
   */
  health(): { lag: number; reconnections: number; connected: boolean } {
    let lag = 0;
    for (const [key, position] of this.#positions) {
      const high = this.#highWatermarks.get(key);
      if (high !== undefined && position !== undefined) lag += Math.max(0, high - position);
    }
    return {
      lag,
      reconnections: this.#session.reconnections,
      connected: this.#session.connected,
    };
  }

  /** Ends iteration at the next message boundary; safe to call at any time, also before `ready`. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopping.abort();
    if (!this.#isReady) {
      this.#isReady = true;
      this.#readyResolve();
    }
    this.#settleAssignment();
    this.#wake();
    this.#releaseSpace();
  }

  /** Stops, commits what is due, leaves the group and disconnects. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.stop();
      // Closing while still connecting: let the connection finish so nothing is left open.
      await this.#starting?.catch(() => {});
      this.#commits.close();
      await this.#commits.flush().catch((error) =>
        this.#setup.logger.warn(
          `could not commit offsets of group ${this.groupId} on close: ${error.message}`,
        )
      );
      await this.#session.close();
      await this.#releaseStartAdmin();
    })();
    return this.#closing;
  }

  /** Same as {@linkcode Consumer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
