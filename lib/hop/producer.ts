/**
 * Writing side of a stream: packs messages with hop's headers, queues them and sends them in
 * background batches, one batch at a time so that every partition stores them in write order.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { DeliveryError, HopError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { type Header, packMessage } from "./pack.ts";
import type { StreamTarget } from "./_stream_target.ts";
import type { WriteOptions, WriteRawOptions } from "./stream_options.ts";
import type { CompressionName } from "../kafka/compression.ts";
import { KafkaProducer, recordBytes } from "../kafka/producer.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "../kafka/retry_policy.ts";
import type { OutgoingRecord } from "../kafka/types.ts";

/** @internal How a producer connects and writes. */
export interface ProducerSettings {
  /** Time budget for connecting, in ms. */
  connectTimeoutMs?: number;
  /** Time budget for one request, in ms. */
  requestTimeoutMs?: number;
  /** Retry timing, including how long a message may take to be delivered; each field defaults. */
  retry?: Partial<RetryPolicy>;
  /** Compression of written batches. Default `"none"`. */
  compression?: CompressionName;
}

interface QueuedRecord {
  record: OutgoingRecord;
  size: number;
}

// Bytes of records per request (below the brokers' default limit of about 1 MB per batch).
const BATCH_BYTES = 1_000_000;
// Records per request: kafkajs groups a request's messages by partition in time quadratic in
// their number (thousands of small alerts made it a tenth of the publishing time).
const BATCH_RECORDS = 1_000;
// Queued bytes above which write() waits for the background sender.
const MAX_QUEUED_BYTES = 16_000_000;

/**
 * Writes messages to Kafka. `write` packs a message (hop's headers, `_sender` = credential user)
 * and queues it; queued messages go out in background batches; `flush` waits for them and reports
 * the messages that could not be delivered. Made by {@linkcode openStream} with mode `"w"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { openStream } from "./stream.ts";
 * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
 * await using producer = await openStream(`${broker.url}/t`, "w", { auth: false });
 * for (const n of [1, 2, 3]) await producer.write({ alert_type: "new", n });
 * await producer.flush();
 * const options = { auth: false, startAt: "earliest", untilEos: true } as const;
 * await using consumer = await openStream(`${broker.url}/t`, "r", options);
 * const offsets = await Array.fromAsync(consumer.readRaw(), ({ metadata }) => metadata.offset);
 * assert.deepEqual(offsets, [0, 1, 2]);
 * ```
 */
export class Producer implements AsyncDisposable {
  #target: StreamTarget;
  #logger: Logger;
  #producer: KafkaProducer;
  #queue: QueuedRecord[] = [];
  #queueHead = 0;
  #queuedBytes = 0;
  #sending?: Promise<void>;
  #spaceWaiters: (() => void)[] = [];
  #scheduled = false;
  #failed = 0;
  #causes: Error[] = [];
  #closing?: Promise<void>;

  /** @internal Use {@linkcode openStream}. */
  constructor(target: StreamTarget, producer: KafkaProducer, logger: Logger) {
    this.#target = target;
    this.#producer = producer;
    this.#logger = logger;
  }

  /**
   * @internal Connects a producer for a resolved target (used by {@linkcode openStream}).
   *
   * @param target brokers, topics and credential
   * @param logger where connection events go
   * @param settings time budgets, retry policy and compression
   * @returns the connected producer
   */
  static async connect(
    target: StreamTarget,
    logger: Logger,
    settings: ProducerSettings = {},
  ): Promise<Producer> {
    const producer = await KafkaProducer.connect({
      brokers: target.brokers,
      credential: target.credential,
      logger,
      connectTimeoutMs: settings.connectTimeoutMs,
      requestTimeoutMs: settings.requestTimeoutMs,
      retry: { ...DEFAULT_RETRY_POLICY, ...settings.retry },
      compression: settings.compression,
    });
    return new Producer(target, producer, logger);
  }

  #topicFor(topic: string | undefined): string {
    if (topic !== undefined) return topic;
    if (this.#target.topics.length === 1) return this.#target.topics[0];
    throw new HopError(
      "No topic specified for write: Either configure a topic when opening the Stream, or specify the topic argument to write()",
    );
  }

  /**
   * Packs and queues a message. Resolves once queued; delivery problems (a missing topic, a
   * message over the topic's size limit, a denied write) surface in `flush`/`close`.
   *
   * @param message a model, a JSON value or bytes
   * @param options headers, key, topic, test flag
   * @throws {PackError} for values that cannot be packed
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
    const record: OutgoingRecord = { topic, value, key, headers };
    const size = recordBytes(record);
    this.#queue.push({ record, size });
    this.#queuedBytes += size;
    if (this.#sending) {
      // A writer far ahead of the broker waits, so memory stays bounded.
      while (this.#queuedBytes > MAX_QUEUED_BYTES && this.#sending) {
        await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
      }
    } else if (this.#queuedBytes >= BATCH_BYTES) {
      // A full request's worth: start now instead of after the writer's burst.
      this.#startSending();
    } else if (!this.#scheduled) {
      // After the writer's synchronous burst and the I/O already waiting, so that a burst goes
      // out as one request; a zero-delay timer would wait a timer tick (about 2 ms) more.
      this.#scheduled = true;
      setImmediate(() => this.#startSending());
    }
  }

  #startSending(): void {
    this.#scheduled = false;
    this.#sending ??= this.#sendQueued().finally(() => {
      this.#sending = undefined;
      this.#releaseSpace();
      // A write that came in while the last batch was finishing.
      if (this.#queueHead < this.#queue.length && !this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#startSending());
      }
    });
  }

  #releaseSpace(): void {
    if (this.#queuedBytes > MAX_QUEUED_BYTES && this.#sending) return;
    const waiters = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const waiter of waiters) waiter();
  }

  // Sends batch after batch while anything is queued; the next batch waits for the previous
  // one's acknowledgement (or final failure), so records keep their order in every partition.
  async #sendQueued(): Promise<void> {
    while (this.#queueHead < this.#queue.length) {
      const batch = this.#takeBatch();
      this.#releaseSpace();
      const failures = await this.#producer.send(batch);
      for (const { records, error } of failures) {
        this.#failed += records.length;
        this.#causes.push(error);
        this.#logger.debug(`could not deliver ${records.length} messages: ${error.message}`);
      }
    }
  }

  // Takes what one request carries: the queued records up to the batch size.
  #takeBatch(): OutgoingRecord[] {
    const queue = this.#queue;
    let bytes = 0;
    let index = this.#queueHead;
    const records: OutgoingRecord[] = [];
    for (; index < queue.length; index++) {
      const item = queue[index];
      if (
        index > this.#queueHead &&
        (bytes + item.size > BATCH_BYTES || records.length >= BATCH_RECORDS)
      ) break;
      bytes += item.size;
      records.push(item.record);
    }
    if (index === queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    } else {
      this.#queueHead = index;
    }
    this.#queuedBytes -= bytes;
    return records;
  }

  /**
   * Waits until every queued message is acknowledged by the broker or has failed for good
   * (retriable failures are retried for the retry policy's `deliveryTimeoutMs`).
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
      }
    })();
    return this.#closing;
  }

  /** Same as {@linkcode Producer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
