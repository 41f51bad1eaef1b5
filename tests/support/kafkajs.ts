/**
 * kafkajs clients for tests that talk to our broker through the Java-style client.
 *
 * @module
 */

import { type Consumer, type EachMessagePayload, Kafka, type KafkaConfig, logLevel } from "kafkajs";

/**
 * Deno.test options for tests that use kafkajs: its clients keep timers and sockets that Deno's
 * sanitizers would report although every test disconnects what it connected.
 *
 * @example
 * ```ts
 * Deno.test("kafkajs lists topics", KAFKAJS_TEST, async () => {});
 * ```
 */
export const KAFKAJS_TEST = { sanitizeOps: false, sanitizeResources: false };

/**
 * A kafkajs client for `brokers` that logs nothing, so that test output shows only our own lines.
 *
 * @example
 * ```ts
 * const admin = kafkajsClient(["127.0.0.1:9092"], { retry: { retries: 2 } }).admin();
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
 * order, each as `describe` writes it; rejects when the consumer fails to start.
 *
 * @example
 * ```ts
 * const [first] = await firstMessages(consumer, 1, ({ message }) => `${message.value}`);
 * ```
 */
export function firstMessages(
  consumer: Consumer,
  count: number,
  describe: (payload: EachMessagePayload) => string,
): Promise<string[]> {
  const seen: string[] = [];
  return new Promise((resolve, reject) => {
    consumer.run({
      eachMessage: (payload) => {
        seen.push(describe(payload));
        if (seen.length === count) resolve(seen);
        return Promise.resolve();
      },
    }).catch(reject);
  });
}
