/**
 * kafkajs clients for tests that talk to our broker through the Java-style client.
 *
 * @module
 */

import { Kafka, type KafkaConfig, logLevel } from "kafkajs";

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
