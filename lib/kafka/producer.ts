/**
 * Publishing on the Kafka client's own producer: acknowledged by all in-sync replicas, one
 * request at a time so each partition stores batches in order, retrying retriable failures for
 * the policy's `deliveryTimeoutMs`, and splitting a batch the broker finds too large.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import {
  type CompressionTypes,
  type IHeaders,
  type Message,
  Partitioners,
  type Producer as KafkaJsProducer,
} from "kafkajs";
import { sleep } from "../_sleep.ts";
import { classifyKafkaError, type ErrorContext } from "./classify.ts";
import {
  connectTimeoutError,
  createKafkaClient,
  kafkaJsRetry,
  withDeadline,
} from "./client_config.ts";
import { type CompressionName, compressionType } from "./compression.ts";
import { type KafkaError, MessageTooLargeError } from "./errors.ts";
import { backoffDelay, type RetryPolicy } from "./retry_policy.ts";
import type { KafkaConnection, KafkaHeader, OutgoingRecord } from "./types.ts";

/** Options of {@linkcode KafkaProducer.connect}. */
export interface KafkaProducerOptions extends KafkaConnection {
  /** Compression of written batches. Default `"none"`; `"zstd"` is refused (read-only). */
  compression?: CompressionName;
}

/** Records that could not be delivered, and why. */
export interface SendFailure {
  /** The records, in the order they were given. */
  records: OutgoingRecord[];
  /** Why they were not delivered. */
  error: KafkaError;
}

/** Acknowledgement by all in-sync replicas. */
const ACKS_ALL = -1;
// Bytes of a one-record batch besides key, value and headers (batch header, record framing).
const RECORD_OVERHEAD_BYTES = 61 + 20;

/**
 * The encoded size of a record in a batch of its own, as the broker compares it with its limit.
 *
 * @param record the record
 * @returns an estimate in bytes (never below the true size by more than a few bytes)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordBytes } from "./producer.ts";
 * assert.ok(recordBytes({ topic: "t", value: new Uint8Array(1000) }) > 1000);
 * ```
 */
export function recordBytes(record: OutgoingRecord): number {
  let size = RECORD_OVERHEAD_BYTES + (record.value?.length ?? 0);
  const key = record.key;
  if (typeof key === "string") size += Buffer.byteLength(key);
  else if (key) size += key.length;
  for (const [name, value] of record.headers ?? []) {
    size += Buffer.byteLength(name) + value.length + 10;
  }
  return size;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function kafkaJsHeaders(headers: KafkaHeader[] | undefined): IHeaders | undefined {
  if (!headers?.length) return undefined;
  const result: Record<string, Buffer | Buffer[]> = {};
  for (const [name, value] of headers) {
    const bytes = asBuffer(value);
    const seen = result[name];
    if (seen === undefined) result[name] = bytes;
    else if (Array.isArray(seen)) seen.push(bytes);
    else result[name] = [seen, bytes];
  }
  return result;
}

function kafkaJsMessage(record: OutgoingRecord): Message {
  const key = record.key;
  return {
    key: key == null ? null : typeof key === "string" ? key : asBuffer(key),
    value: record.value === null ? null : asBuffer(record.value),
    headers: kafkaJsHeaders(record.headers),
  };
}

function byTopic(records: OutgoingRecord[]): { topic: string; messages: Message[] }[] {
  const topics = new Map<string, Message[]>();
  for (const record of records) {
    let messages = topics.get(record.topic);
    if (!messages) topics.set(record.topic, messages = []);
    messages.push(kafkaJsMessage(record));
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * A connected producer. {@linkcode KafkaProducer.send} delivers records in order and reports
 * those it could not deliver; calls queue behind each other.
 *
 * Delivery is at least once: a request that timed out after the broker stored it is sent again,
 * and so is the rest of a request spanning several partitions when one of them was too large.
 * Headers with the same name are sent together, at the place of the first of them.
 *
 * @example
 * ```ts ignore
 * import { KafkaProducer } from "./producer.ts";
 * const producer = await KafkaProducer.connect({ brokers: ["127.0.0.1:9092"] });
 * const failures = await producer.send([{ topic: "t", value: new TextEncoder().encode("{}") }]);
 * console.log(failures.length); // 0
 * await producer.close();
 * ```
 */
export class KafkaProducer {
  #producer: KafkaJsProducer;
  #context: ErrorContext;
  #retry: RetryPolicy;
  #compression: CompressionTypes;
  #tail: Promise<unknown> = Promise.resolve();
  #closing = new AbortController();

  private constructor(
    producer: KafkaJsProducer,
    context: ErrorContext,
    retry: RetryPolicy,
    compression: CompressionTypes,
  ) {
    this.#producer = producer;
    this.#context = context;
    this.#retry = retry;
    this.#compression = compression;
  }

  /**
   * Connects a producer.
   *
   * @param options connection, retry policy and compression
   * @returns the connected producer
   * @throws {HopError} for a compression that cannot be written (zstd)
   * @throws {ConnectionError | AuthenticationError} when connecting fails
   */
  static async connect(options: KafkaProducerOptions): Promise<KafkaProducer> {
    const compression = compressionType(options.compression ?? "none");
    const client = await createKafkaClient(options, "writing");
    const producer = client.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      idempotent: false,
      // One request at a time per broker: a retried batch cannot be overtaken by the next.
      maxInFlightRequests: 1,
      retry: kafkaJsRetry(client.retry),
    });
    await withDeadline(
      producer.connect(),
      client.connectTimeoutMs,
      () => connectTimeoutError(client),
      () => producer.disconnect(),
    ).catch((error) => {
      throw classifyKafkaError(error, client.context);
    });
    return new KafkaProducer(producer, client.context, client.retry, compression);
  }

  /**
   * Sends records, in order, and waits for the acknowledgements. A retriable failure is retried
   * with back-off until the policy's `deliveryTimeoutMs`; a batch the broker finds too large is
   * split; a single record that is too large fails with a {@linkcode MessageTooLargeError}.
   *
   * @param records the records, in the order each partition should store them
   * @returns the records that were not delivered, with the reasons (empty when all were)
   */
  send(records: OutgoingRecord[]): Promise<SendFailure[]> {
    const sent = this.#tail.then(() => this.#deliver(records));
    this.#tail = sent.catch(() => {});
    return sent;
  }

  async #deliver(records: OutgoingRecord[]): Promise<SendFailure[]> {
    const deadline = Date.now() + this.#retry.deliveryTimeoutMs;
    const failures: SendFailure[] = [];
    const chunks = [records];
    while (chunks.length) {
      const chunk = chunks.shift()!;
      if (!chunk.length) continue;
      for (let attempt = 0;; attempt++) {
        const error = await this.#sendOnce(chunk);
        if (!error) break;
        if (error.kind === "too-large") {
          if (chunk.length > 1) {
            const half = Math.ceil(chunk.length / 2);
            chunks.unshift(chunk.slice(0, half), chunk.slice(half));
          } else {
            failures.push({ records: chunk, error: tooLarge(chunk[0], error) });
          }
          break;
        }
        const delay = backoffDelay(this.#retry, attempt);
        if (!error.retriable || this.#closing.signal.aborted || Date.now() + delay > deadline) {
          failures.push({ records: chunk, error });
          break;
        }
        await sleep(delay, this.#closing.signal);
      }
    }
    return failures;
  }

  async #sendOnce(records: OutgoingRecord[]): Promise<KafkaError | undefined> {
    const topicMessages = byTopic(records);
    try {
      await this.#producer.sendBatch({
        acks: ACKS_ALL,
        compression: this.#compression,
        topicMessages,
      });
      return undefined;
    } catch (error) {
      return classifyKafkaError(error, {
        ...this.#context,
        topics: topicMessages.map((t) => t.topic),
      });
    }
  }

  /** Stops retrying, waits for the send under way and disconnects. Safe to call twice. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#tail;
    await this.#producer.disconnect().catch(() => {});
  }
}

function tooLarge(record: OutgoingRecord, cause: KafkaError): MessageTooLargeError {
  return new MessageTooLargeError(
    `message of ${
      recordBytes(record)
    } bytes is larger than the broker accepts for topic '${record.topic}' (its max.message.bytes)`,
    { topic: record.topic, code: cause.code ?? "MESSAGE_TOO_LARGE", kind: "too-large", cause },
  );
}
