/**
 * Writing side of a stream: packs messages with hop's headers and sends them in background
 * batches.
 *
 * @module
 */
import { DeliveryError, HopError, MessageTooLargeError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { type Header, packMessage } from "./pack.ts";
import type { StreamTarget } from "./_stream_target.ts";
import type { WriteOptions, WriteRawOptions } from "./stream_options.ts";
import { type BatchProducer, KafkaAdmin, type OutgoingRecord } from "../kafka/adapter.ts";

/** @internal Connection time budgets of a producer. */
export interface ConnectTimeouts {
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
