/**
 * Cluster metadata for readers and tools: topic names, topic checks and partition watermarks.
 *
 * @module
 */
import type { Admin } from "kafkajs";
import { classifyKafkaError, type ErrorContext } from "./classify.ts";
import { connectTimeoutError, createKafkaClient, withDeadline } from "./client_config.ts";
import { KafkaError } from "./errors.ts";
import type { KafkaConnection, PartitionOffset, PartitionWatermarks } from "./types.ts";

/**
 * A connection for metadata: which topics exist, and where each partition begins and ends.
 *
 * @example
 * ```ts ignore
 * import { KafkaAdmin } from "./admin.ts";
 * const admin = await KafkaAdmin.connect({ brokers: ["127.0.0.1:9092"] });
 * console.log(await admin.listTopics());
 * await admin.close();
 * ```
 */
export class KafkaAdmin {
  #admin: Admin;
  #context: ErrorContext;

  private constructor(admin: Admin, context: ErrorContext) {
    this.#admin = admin;
    this.#context = context;
  }

  /**
   * Connects an admin client.
   *
   * @param connection brokers, credential, timeouts and retry policy
   * @returns the connected admin
   * @throws {ConnectionError | AuthenticationError} when connecting fails
   */
  static async connect(connection: KafkaConnection): Promise<KafkaAdmin> {
    const client = await createKafkaClient(connection, "reading metadata");
    const admin = client.kafka.admin();
    await withDeadline(
      admin.connect(),
      client.connectTimeoutMs,
      () => connectTimeoutError(client),
      () => admin.disconnect(),
    ).catch((error) => {
      throw classifyKafkaError(error, client.context);
    });
    return new KafkaAdmin(admin, client.context);
  }

  /** The context error messages are built from (brokers, credential). */
  get context(): ErrorContext {
    return this.#context;
  }

  /**
   * Names of every topic the credential may see, sorted.
   *
   * @returns topic names
   */
  async listTopics(): Promise<string[]> {
    try {
      return (await this.#admin.listTopics()).sort();
    } catch (error) {
      throw classifyKafkaError(error, { ...this.#context, action: "listing topics" });
    }
  }

  /**
   * Checks that each topic exists and may be described; throws the first problem found.
   *
   * @param topics topic names
   * @param action what the topics are needed for, named in messages (e.g. "reading")
   * @throws {KafkaError} of kind `"unknown-topic"` naming a missing topic,
   *   {@linkcode AuthorizationError} for a topic hidden from the credential
   */
  async requireTopics(topics: string[], action: string): Promise<void> {
    const visible = new Set(await this.listTopics());
    for (const topic of topics) {
      if (visible.has(topic)) continue;
      // Not listed: find out whether it is missing or hidden from this user.
      try {
        await this.#admin.fetchTopicMetadata({ topics: [topic] });
      } catch (error) {
        throw classifyKafkaError(error, { ...this.#context, topics: [topic], action });
      }
      throw new KafkaError(
        `topic '${topic}' does not exist at ${this.#context.brokers.join(",")}`,
        { code: "UNKNOWN_TOPIC_OR_PARTITION", kind: "unknown-topic", topic },
      );
    }
  }

  /**
   * Low and high watermarks of every partition of a topic.
   *
   * @param topic topic name
   * @returns one entry per partition, by partition number
   */
  async watermarks(topic: string): Promise<PartitionWatermarks[]> {
    try {
      const offsets = await this.#admin.fetchTopicOffsets(topic);
      return offsets
        .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
        .sort((a, b) => a.partition - b.partition);
    } catch (error) {
      throw classifyKafkaError(error, { ...this.#context, topics: [topic] });
    }
  }

  /**
   * Per partition, the offset of the first record whose timestamp is at or after `timestamp`
   * (Kafka's ListOffsets by time); the partition's end when no record is that recent.
   *
   * @param topic topic name
   * @param timestamp ms since the epoch
   * @returns one entry per partition, by partition number
   */
  async offsetsForTime(topic: string, timestamp: number): Promise<PartitionOffset[]> {
    try {
      const offsets = await this.#admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
      return offsets
        .map((o) => ({ topic, partition: o.partition, offset: Number(o.offset) }))
        .sort((a, b) => a.partition - b.partition);
    } catch (error) {
      throw classifyKafkaError(error, { ...this.#context, topics: [topic] });
    }
  }

  /**
   * Offsets a consumer group has committed; partitions without a commit are left out.
   *
   * @param groupId consumer group
   * @param topics topics to look at
   * @returns positions of the next record the group reads
   */
  async committedOffsets(groupId: string, topics: string[]): Promise<PartitionOffset[]> {
    try {
      const result = await this.#admin.fetchOffsets({ groupId, topics });
      const positions: PartitionOffset[] = [];
      for (const { topic, partitions } of result) {
        for (const { partition, offset } of partitions) {
          const value = Number(offset);
          if (value >= 0) positions.push({ topic, partition, offset: value });
        }
      }
      return positions;
    } catch (error) {
      throw classifyKafkaError(error, { ...this.#context, topics, groupId });
    }
  }

  /** Disconnects. Safe to call twice. */
  async close(): Promise<void> {
    await this.#admin.disconnect().catch(() => {});
  }
}
