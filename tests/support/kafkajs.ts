/**
 * kafkajs clients for tests that talk to our broker through the Java-style client.
 *
 * @module
 */

import { type Consumer, type EachMessagePayload, Kafka, type KafkaConfig, logLevel } from "kafkajs";
import { withDeadline } from "./deadline.ts";

/**
 * Deno.test options for tests that use kafkajs (through the library or directly): Deno's op and
 * resource sanitizers stay on, so a timer or socket of our own left behind fails the test.
 *
 * @example
 * ```ts ignore
 * import { KAFKAJS_TEST } from "./kafkajs.ts";
 * Deno.test("kafkajs lists topics", KAFKAJS_TEST, async () => {});
 * ```
 */
export const KAFKAJS_TEST = { sanitizeOps: true, sanitizeResources: true };

/**
 * Deno.test options for the few tests where kafkajs itself leaves a timer behind, out of our
 * hands: its retrier (`kafkajs/src/retry/index.js`, `scheduleRetry`) arms the timer of the next
 * attempt and nothing cancels it when the attempt is abandoned (our connect deadline gave up on an
 * unreachable broker, or a client was closed while a request was being retried). Sanitizers are
 * off for those tests only.
 *
 * @example
 * ```ts ignore
 * import { KAFKAJS_RETRY_TIMER_TEST } from "./kafkajs.ts";
 * Deno.test("connecting to nothing gives up", KAFKAJS_RETRY_TIMER_TEST, async () => {});
 * ```
 */
export const KAFKAJS_RETRY_TIMER_TEST = { sanitizeOps: false, sanitizeResources: false };

/**
 * A kafkajs client for `brokers` that logs nothing, so that test output shows only our own lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../../lib/broker/mod.ts";
 * import { kafkajsClient } from "./kafkajs.ts";
 *
 * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
 * const admin = kafkajsClient(broker.addresses, { retry: { retries: 2 } }).admin();
 * await admin.connect();
 * assert.deepEqual(await admin.listTopics(), ["t"]);
 * await admin.disconnect();
 * ```
 */
export function kafkajsClient(
  brokers: string[],
  config: Omit<KafkaConfig, "brokers" | "logLevel"> = {},
): Kafka {
  // kafkajs 2 warns about its changed default partitioner whenever a producer is made.
  Deno.env.set("KAFKAJS_NO_PARTITIONER_WARNING", "1");
  return new Kafka({ brokers, logLevel: logLevel.NOTHING, ...config });
}

/**
 * Runs `consumer` until it has handed over `count` messages and resolves with them in arrival
 * order, each as `describe` writes it; rejects when the consumer fails to start, or after
 * `deadlineMs` naming how many messages arrived.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../../lib/broker/mod.ts";
 * import { firstMessages, kafkajsClient } from "./kafkajs.ts";
 *
 * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
 * const kafka = kafkajsClient(broker.addresses);
 * const producer = kafka.producer();
 * await producer.connect();
 * await producer.send({ topic: "t", messages: [{ value: "one" }, { value: "two" }] });
 * await producer.disconnect();
 * const consumer = kafka.consumer({ groupId: "g" });
 * await consumer.connect();
 * await consumer.subscribe({ topic: "t", fromBeginning: true });
 * const read = await firstMessages(consumer, 2, ({ message }) => `${message.value}`);
 * await consumer.disconnect();
 * assert.deepEqual(read, ["one", "two"]);
 * ```
 */
export function firstMessages(
  consumer: Consumer,
  count: number,
  describe: (payload: EachMessagePayload) => string,
  deadlineMs = 30_000,
): Promise<string[]> {
  const seen: string[] = [];
  const all = new Promise<string[]>((resolve, reject) => {
    consumer.run({
      eachMessage: (payload) => {
        seen.push(describe(payload));
        if (seen.length === count) resolve(seen);
        return Promise.resolve();
      },
    }).catch(reject);
  });
  return withDeadline(all, deadlineMs, `${count} messages from the kafkajs consumer`, {
    detail: () => `received ${seen.length}: ${seen.join(", ")}`,
  });
}
