/**
 * A consumer-group member that hands whole fetched batches to a handler and commits only what it
 * is told to. The Kafka client never restarts it by itself: after a crash `onCrash` is called
 * once and the member is stopped; the caller decides whether and when to start a new one.
 *
 * @module
 */
import type { Consumer as KafkaJsConsumer, IHeaders } from "kafkajs";
import { Buffer } from "node:buffer";
import { classifyKafkaError, type ErrorContext } from "./classify.ts";
import {
  connectTimeoutError,
  createKafkaClient,
  DEFAULT_REQUEST_TIMEOUT_MS,
  kafkaJsRetry,
  withDeadline,
} from "./client_config.ts";
import { KafkaError } from "./errors.ts";
import { StallWatchdog } from "./_stall_watchdog.ts";
import type {
  FetchedBatch,
  FetchedRecord,
  KafkaConnection,
  KafkaHeader,
  PartitionOffset,
  TopicPartitions,
} from "./types.ts";

/** Lets a batch handler keep the group membership alive and notice a stale batch. */
export interface BatchControl {
  /** Sends a heartbeat if one is due; throws when the group is rebalancing. */
  heartbeat(): Promise<void>;
  /** False once the consumer stops or the batch's partition has been re-positioned. */
  isActive(): boolean;
}

/** What a reader of assigned partitions can be asked to do, in a group or without one. */
export interface ReaderMember {
  /** Makes the next fetch of a partition start at the position's offset. */
  seek(position: PartitionOffset): void;
  /** Commits positions for the group (without a group: nothing). */
  commit(positions: PartitionOffset[]): Promise<void>;
  /** Stops reading and closes the connections. */
  close(): Promise<void>;
}

/** Options of {@linkcode GroupConsumer.start}. */
export interface GroupConsumerOptions extends KafkaConnection {
  /** Consumer group whose committed offsets are used and updated. */
  groupId: string;
  /** Topics to read (the group spreads their partitions over its members). */
  topics: string[];
  /** Where to start in a partition without a committed offset: the oldest record or new ones. */
  fromBeginning: boolean;
  /** Longest time the broker may hold an empty fetch, in ms. Default 250. */
  maxWaitTimeMs?: number;
  /** Most bytes one fetch may return. Default: the Kafka client's (10 MiB). */
  maxBytes?: number;
  /** Most bytes one fetch may return per partition. Default: the Kafka client's (1 MiB). */
  maxBytesPerPartition?: number;
  /** Time without heartbeats after which the group drops this member, in ms. Default 30000. */
  sessionTimeoutMs?: number;
  /** Time between heartbeats, in ms. Default 3000. */
  heartbeatIntervalMs?: number;
  /**
   * Time without a fetch or a heartbeat after which a joined member counts as stalled, in ms: it
   * is stopped and reported through `onCrash` as a transient failure. Default: twice the session
   * timeout, at least 10 s. A join (which may wait for other members) gets a minute more.
   */
  stallTimeoutMs?: number;
  /**
   * Longest wait for a commit, in ms; then it fails as a transient failure (and is sent again
   * later) rather than holding what waits for it. Default: the request time-out plus 5 s.
   */
  commitTimeoutMs?: number;
  /** Called with each non-empty batch; the next fetch of that partition waits until it resolves. */
  onBatch(batch: FetchedBatch, control: BatchControl): Promise<void>;
  /**
   * Called after each join with this member's partitions; fetching goes on meanwhile. The first
   * call comes before {@linkcode GroupConsumer.start} resolves: `member` is the consumer being
   * started, ready for {@linkcode GroupConsumer.seek}.
   */
  onAssignment(assignment: TopicPartitions[], member: ReaderMember): void;
  /** Called once when the member failed; it is stopped by then. */
  onCrash(error: KafkaError): void;
}

const EMPTY_HEADERS: KafkaHeader[] = [];

/** How much longer than a fetch a join may go without a sign of progress. */
const JOIN_STALL_EXTRA_MS = 60_000;
/** How long closing waits for the Kafka client to leave the group before abandoning it. */
const CLOSE_WAIT_MS = 10_000;

function asBytes(value: Buffer | string): Uint8Array {
  return typeof value === "string" ? Buffer.from(value) : value;
}

function headersFromKafkaJs(headers: IHeaders | undefined): KafkaHeader[] {
  if (!headers) return EMPTY_HEADERS;
  const result: KafkaHeader[] = [];
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

/**
 * A member of a Kafka consumer group. Positions can be set per partition after each assignment
 * ({@linkcode GroupConsumer.seek}); commits are explicit ({@linkcode GroupConsumer.commit}).
 *
 * Header order: the Kafka client keeps headers in a map, so headers come back grouped by name in
 * order of first appearance; repeated names keep their relative order.
 *
 * @example
 * ```ts ignore
 * import { GroupConsumer } from "./group_consumer.ts";
 * const consumer = await GroupConsumer.start({
 *   brokers: ["127.0.0.1:9092"], groupId: "g", topics: ["t"], fromBeginning: true,
 *   onBatch: async (batch) => console.log(batch.records.length),
 *   onAssignment: () => {}, onCrash: (error) => console.error(error.kind, error.message),
 * });
 * await consumer.close();
 * ```
 */
export class GroupConsumer implements ReaderMember {
  #consumer: KafkaJsConsumer;
  #context: ErrorContext;
  #closed = false;
  #watchdog?: StallWatchdog;
  #commitTimeoutMs: number;

  private constructor(consumer: KafkaJsConsumer, context: ErrorContext, commitTimeoutMs: number) {
    this.#consumer = consumer;
    this.#context = context;
    this.#commitTimeoutMs = commitTimeoutMs;
  }

  /**
   * Connects, subscribes and starts fetching. Resolves once connected; the assignment is
   * reported later through `onAssignment`.
   *
   * @param options connection, group, topics and handlers
   * @returns the running member
   * @throws {KafkaError} (classified) when connecting or subscribing fails
   */
  static async start(options: GroupConsumerOptions): Promise<GroupConsumer> {
    const client = await createKafkaClient(options, "reading");
    const context: ErrorContext = {
      ...client.context,
      topics: options.topics,
      groupId: options.groupId,
    };
    const consumer = client.kafka.consumer({
      groupId: options.groupId,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 250,
      minBytes: 1,
      ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
      ...(options.maxBytesPerPartition !== undefined
        ? { maxBytesPerPartition: options.maxBytesPerPartition }
        : {}),
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 3_000,
      allowAutoTopicCreation: false,
      // The client never rejoins by itself: the caller decides after onCrash.
      retry: { ...kafkaJsRetry(client.retry), restartOnFailure: () => Promise.resolve(false) },
    });
    const self = new GroupConsumer(
      consumer,
      context,
      options.commitTimeoutMs ?? (options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) + 5_000,
    );
    const fetchStallMs = options.stallTimeoutMs ??
      Math.max(10_000, 2 * (options.sessionTimeoutMs ?? 30_000));
    const joinStallMs = fetchStallMs + JOIN_STALL_EXTRA_MS;
    // kafkajs can wait for ever on a connection that is gone without failing: a member that
    // shows no progress for too long is stopped and reported as a lost connection.
    const { promise: stall, reject: stalled } = Promise.withResolvers<never>();
    stall.catch(() => {});
    const signsOfProgress = [
      consumer.events.FETCH_START,
      consumer.events.FETCH,
      consumer.events.HEARTBEAT,
      consumer.events.START_BATCH_PROCESS,
      consumer.events.END_BATCH_PROCESS,
    ] as const;
    for (const event of signsOfProgress) consumer.on(event, () => self.#watchdog?.alive());
    // A fetched batch of transaction markers only (or aborted records) is not handed to
    // eachBatch; the reader is told how far it reaches, so that it can see the end of the stream.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (self.#closed || payload.batchSize !== 0) return;
      const nextOffset = Number(payload.lastOffset) + 1;
      options.onBatch(
        {
          topic: payload.topic,
          partition: payload.partition,
          highWatermark: Number(payload.highWatermark),
          records: [],
          firstOffset: payload.firstOffset === null ? undefined : Number(payload.firstOffset),
          nextOffset,
        },
        { heartbeat: () => Promise.resolve(), isActive: () => !self.#closed },
      ).catch(() => {});
    });
    consumer.on(consumer.events.REBALANCING, () => {
      self.#watchdog?.alive();
      self.#watchdog?.setLimit(joinStallMs);
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      self.#watchdog?.alive();
      self.#watchdog?.setLimit(fetchStallMs);
      if (self.#closed) return;
      const assignment = Object.entries(event.payload.memberAssignment).map((
        [topic, partitions],
      ) => ({ topic, partitions: [...(partitions as number[])].sort((a, b) => a - b) }));
      options.onAssignment(assignment, self);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      self.#watchdog?.stop();
      if (self.#closed) return;
      self.#closed = true;
      options.onCrash(classifyKafkaError(event.payload.error, context));
    });
    await withDeadline(
      consumer.connect(),
      client.connectTimeoutMs,
      () => connectTimeoutError(client),
      () => consumer.disconnect(),
    ).catch((error) => {
      throw classifyKafkaError(error, context);
    });
    let running = false;
    self.#watchdog = new StallWatchdog(joinStallMs, (silentMs) => {
      const error = new KafkaError(
        `no answer from Kafka for ${(silentMs / 1000).toFixed(1)} s ${
          running ? "while reading" : "while joining the group"
        }; the Kafka client stopped without failing`,
        { kind: "transient" },
      );
      if (!running) stalled(error);
      else if (!self.#closed) {
        self.#closed = true;
        options.onCrash(error);
      }
    });
    try {
      await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning });
      const run = consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
          const { topic, partition, messages } = batch;
          const records = new Array<FetchedRecord>(messages.length);
          for (let i = 0; i < messages.length; i++) {
            const m = messages[i];
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
            {
              topic,
              partition,
              highWatermark: Number(batch.highWatermark),
              records,
              // The offsets the batch covers, transaction markers included.
              firstOffset: messages.length ? Number(batch.firstOffset()) : undefined,
              nextOffset: Number(batch.lastOffset()) + 1,
            },
            { heartbeat, isActive: () => !self.#closed && isRunning() && !isStale() },
          );
        },
      });
      run.catch(() => {}); // when the stall wins, the run's own failure comes later
      await Promise.race([run, stall]);
      running = true;
    } catch (error) {
      self.#closed = true;
      self.#watchdog.stop();
      await self.#disconnect();
      throw error instanceof KafkaError ? error : classifyKafkaError(error, context);
    }
    return self;
  }

  // Leaves the group and closes the connections; gives up on a Kafka client stuck for good.
  async #disconnect(): Promise<void> {
    const stuck = () => new KafkaError("the Kafka client did not leave the group in time");
    await withDeadline(this.#consumer.disconnect(), CLOSE_WAIT_MS, stuck, () => Promise.resolve())
      .catch(() => {});
  }

  /**
   * Makes the next fetch of a partition start at `offset` (assigned partitions only).
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
   * Commits positions (the offset of the next record to read) for the group.
   *
   * @param positions one entry per partition
   * @throws {KafkaError} classified: `"rebalance"` when the group changed meanwhile
   */
  async commit(positions: PartitionOffset[]): Promise<void> {
    if (!positions.length) return;
    const work = this.#consumer.commitOffsets(
      positions.map(({ topic, partition, offset }) => ({
        topic,
        partition,
        offset: String(offset),
      })),
    );
    // A Kafka client stuck on a lost connection would never settle the commit.
    const timeoutMs = this.#commitTimeoutMs;
    const unanswered = () =>
      new KafkaError(`no answer to a commit from Kafka for ${(timeoutMs / 1000).toFixed(1)} s`, {
        kind: "transient",
      });
    try {
      await withDeadline(work, timeoutMs, unanswered, () => Promise.resolve());
    } catch (error) {
      if (error instanceof KafkaError) throw error;
      throw classifyKafkaError(error, { ...this.#context, action: "committing offsets" });
    }
  }

  /** Leaves the group and closes the connections. Safe to call twice, also after a crash. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watchdog?.stop();
    await this.#disconnect();
  }
}
