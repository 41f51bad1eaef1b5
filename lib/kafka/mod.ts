/**
 * The Kafka adapter: the only part of the library that talks to the Kafka client. It offers a
 * group consumer with explicit commits, a producer, an admin for metadata, one error
 * classification and one retry policy, in its own small types.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_RETRY_POLICY, withDefaultPort } from "./mod.ts";
 * assert.equal(withDefaultPort("kafka.example.org"), "kafka.example.org:9092");
 * assert.equal(DEFAULT_RETRY_POLICY.kafkaRetries, 5);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./errors.ts";
export * from "./retry_policy.ts";
export { classifyKafkaError, type ErrorContext, failureKindOf } from "./classify.ts";
export { DEFAULT_KAFKA_PORT, withDefaultPort } from "./client_config.ts";
export { type CompressionName, WRITABLE_COMPRESSIONS } from "./compression.ts";
export { KafkaAdmin } from "./admin.ts";
export { type BatchControl, GroupConsumer, type GroupConsumerOptions } from "./group_consumer.ts";
export { KafkaProducer, type KafkaProducerOptions, type SendFailure } from "./producer.ts";
