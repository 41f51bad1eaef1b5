/**
 * The names of the former single-module adapter, for readers not yet moved to the split modules
 * ({@link ./group_consumer.ts}, {@link ./admin.ts}, {@link ./producer.ts}, {@link ./types.ts}).
 * Connections here take a credential in hop's shape (`auth`) and turn it into a
 * {@linkcode KafkaCredential}. New code imports the split modules directly.
 *
 * @module
 */
import type { Admin } from "kafkajs";
import { KafkaAdmin as Admin2 } from "./admin.ts";
import { classifyKafkaError } from "./classify.ts";
import { createKafkaClient } from "./client_config.ts";
import type { KafkaError } from "./errors.ts";
import {
  type BatchControl,
  GroupConsumer as Group,
  type GroupConsumerOptions as GroupOptions,
} from "./group_consumer.ts";
import type {
  FetchedBatch,
  FetchedRecord,
  KafkaConnection,
  KafkaCredential,
  KafkaSaslMechanism,
  PartitionOffset,
  PartitionWatermarks,
  TopicPartitions,
} from "./types.ts";

export type {
  BatchControl,
  FetchedBatch,
  FetchedRecord,
  PartitionOffset,
  PartitionWatermarks,
  TopicPartitions,
};
export { DEFAULT_KAFKA_PORT, withDefaultPort } from "./client_config.ts";

/** A credential in hop's shape (its `Auth` fits). */
export interface LegacyAuth {
  /** SASL username. */
  readonly username: string;
  /** SASL password. */
  readonly password: string;
  /** SASL mechanism. */
  readonly mechanism: string;
  /** Connect over TLS. */
  readonly ssl: boolean;
  /** CA certificate file. */
  readonly sslCaLocation?: string;
}

/** How to reach the brokers and as whom, with a credential in hop's shape. */
export interface KafkaConnectOptions extends Omit<KafkaConnection, "credential"> {
  /** Credential; none means PLAINTEXT without SASL. */
  auth?: LegacyAuth;
}

/** Options of {@linkcode GroupConsumer.start} with a credential in hop's shape. */
export interface GroupConsumerOptions
  extends KafkaConnectOptions, Omit<GroupOptions, keyof KafkaConnection | "onCrash"> {
  /** Called once when the member failed; it is stopped by then (`restarting` is always false). */
  onCrash(error: KafkaError, restarting: boolean): void;
  /** Ignored: the Kafka client never restarts a member by itself. */
  restartOnFailure?(error: KafkaError): boolean;
}

function connection(options: KafkaConnectOptions): KafkaConnection {
  const { auth, ...rest } = options;
  if (!auth) return rest;
  const credential: KafkaCredential = {
    username: auth.username,
    password: auth.password,
    mechanism: auth.mechanism as KafkaSaslMechanism,
    tls: auth.ssl,
    caFile: auth.sslCaLocation,
  };
  return { ...rest, credential };
}

/** A consumer-group member; see {@link ./group_consumer.ts}. */
export type GroupConsumer = Group;

/** Starts group members from options with a credential in hop's shape. */
export const GroupConsumer = {
  /**
   * Starts a member; see {@linkcode Group.start}.
   *
   * @param options connection, group, topics and handlers
   * @returns the running member
   */
  start(options: GroupConsumerOptions): Promise<Group> {
    const { restartOnFailure: _ignored, onCrash, ...rest } = options;
    return Group.start({
      ...rest,
      ...connection(rest),
      onCrash: (error) => onCrash(error, false),
    } as GroupOptions);
  },
};

/** Metadata, watermarks and a group's committed offsets; see {@link ./admin.ts}. */
export class KafkaAdmin {
  #admin: Admin2;
  #options: KafkaConnection;

  private constructor(admin: Admin2, options: KafkaConnection) {
    this.#admin = admin;
    this.#options = options;
  }

  /**
   * Connects an admin client.
   *
   * @param options brokers and credential in hop's shape
   * @returns the connected admin
   */
  static async connect(options: KafkaConnectOptions): Promise<KafkaAdmin> {
    const converted = connection(options);
    return new KafkaAdmin(await Admin2.connect(converted), converted);
  }

  /** @returns topic names the credential may see, sorted */
  listTopics(): Promise<string[]> {
    return this.#admin.listTopics();
  }

  /**
   * Checks that each topic exists and may be described.
   *
   * @param topics topic names
   * @param action what for, named in messages
   */
  requireTopics(topics: string[], action: string): Promise<void> {
    return this.#admin.requireTopics(topics, action);
  }

  /**
   * @param topic topic name
   * @returns low and high watermarks per partition
   */
  watermarks(topic: string): Promise<PartitionWatermarks[]> {
    return this.#admin.watermarks(topic);
  }

  /**
   * Offsets committed by a group (only partitions with a commit are returned).
   *
   * @param groupId consumer group
   * @param topics topics to look at
   * @returns positions of the next record to read
   */
  async committedOffsets(groupId: string, topics: string[]): Promise<PartitionOffset[]> {
    const client = await createKafkaClient(this.#options, "reading committed offsets");
    const admin: Admin = client.kafka.admin();
    try {
      await admin.connect();
      const result = await admin.fetchOffsets({ groupId, topics });
      const positions: PartitionOffset[] = [];
      for (const { topic, partitions } of result) {
        for (const { partition, offset } of partitions) {
          const value = Number(offset);
          if (value >= 0) positions.push({ topic, partition, offset: value });
        }
      }
      return positions;
    } catch (error) {
      throw classifyKafkaError(error, { ...client.context, topics, groupId });
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /** Disconnects. */
  close(): Promise<void> {
    return this.#admin.close();
  }
}
