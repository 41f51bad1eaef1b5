/**
 * The small types the Kafka adapter speaks: connections, credentials, records and positions.
 * Nothing here depends on the Kafka client library.
 *
 * @module
 */
import type { RetryPolicy } from "./retry_policy.ts";

/** SASL mechanisms a connection can use. */
export type KafkaSaslMechanism = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512" | "OAUTHBEARER";

/** An OAuth2 bearer token for SASL OAUTHBEARER. */
export interface OAuthBearerToken {
  /** The token as sent to the broker (a JWT for OpenID Connect). */
  value: string;
  /** When it expires, in ms since the epoch. */
  expiresAt: number;
}

/** Who connects: SASL username and password, and whether (and how) TLS is used. */
export interface KafkaCredential {
  /** SASL username (shown in error messages). */
  username: string;
  /** SASL password (never shown). */
  password: string;
  /** SASL mechanism. */
  mechanism: KafkaSaslMechanism;
  /** Connect over TLS. */
  tls: boolean;
  /** PEM file of the certificate authorities to trust instead of the system's. */
  caFile?: string;
  /**
   * For OAUTHBEARER: gives the current token, fetching a new one when it nears expiry. Called
   * for every (re-)authentication of every connection, so it must cache.
   */
  tokenProvider?: () => Promise<OAuthBearerToken>;
}

/** A record header: name and value, in wire order; names may repeat. */
export type KafkaHeader = [string, Uint8Array];

/** Receives the Kafka client's own log lines (hop's Logger fits). */
export interface KafkaLogger {
  /** Logs one line at debug level. */
  debug(line: string): void;
}

/** How to reach the brokers and as whom. */
export interface KafkaConnection {
  /** Broker addresses `host:port` (a missing port means 9092). */
  brokers: string[];
  /** Credential; none means PLAINTEXT without SASL. */
  credential?: KafkaCredential;
  /** Client id sent to the broker (shows in broker logs). Default `igwn-alert`. */
  clientId?: string;
  /** Receives the Kafka client's log lines at debug level. */
  logger?: KafkaLogger;
  /** Time budget for connecting (TCP, TLS, SASL) before giving up, in ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Time budget for one request, in ms. Default 30000. */
  requestTimeoutMs?: number;
  /** Retry timing. Default {@linkcode DEFAULT_RETRY_POLICY}. */
  retry?: RetryPolicy;
}

/** One record as fetched from a partition. */
export interface FetchedRecord {
  /** Topic of the record. */
  topic: string;
  /** Partition of the record. */
  partition: number;
  /** Offset in the partition. */
  offset: number;
  /** Timestamp in ms since the epoch. */
  timestamp: number;
  /** Record key, `null` when absent. */
  key: Uint8Array | null;
  /** Record value, `null` for a tombstone. */
  value: Uint8Array | null;
  /**
   * Headers: in wire order from a `PartitionReader`; grouped by name in order of first
   * appearance from a `GroupConsumer` (the Kafka client keeps them in a map).
   */
  headers: KafkaHeader[];
}

/** Records of one partition from one fetch. */
export interface FetchedBatch {
  /** Topic of the batch. */
  topic: string;
  /** Partition of the batch. */
  partition: number;
  /** The partition's high watermark when the broker answered. */
  highWatermark: number;
  /** The records, in offset order (none when the fetch held only transaction markers). */
  records: FetchedRecord[];
  /**
   * The offset of the first entry fetched, transaction markers and aborted records included
   * (at or before the first record's). Absent when not known.
   */
  firstOffset?: number;
  /**
   * The offset after the last entry fetched, transaction markers and aborted records included:
   * where the partition's reading goes on. Absent when not known.
   */
  nextOffset?: number;
}

/** A topic and some of its partitions. */
export interface TopicPartitions {
  /** Topic name. */
  topic: string;
  /** Partition numbers. */
  partitions: number[];
}

/** A position in a partition (the offset of the next record to read or commit). */
export interface PartitionOffset {
  /** Topic name. */
  topic: string;
  /** Partition number. */
  partition: number;
  /** Offset of the next record. */
  offset: number;
}

/** Low and high watermark of one partition. */
export interface PartitionWatermarks {
  /** Partition number. */
  partition: number;
  /** First offset still stored. */
  low: number;
  /** Offset the next record will get. */
  high: number;
}

/** A record to send. */
export interface OutgoingRecord {
  /** Topic to send it to. */
  topic: string;
  /** Encoded value. */
  value: Uint8Array | null;
  /** Optional key (records with the same key go to the same partition). */
  key?: Uint8Array | string | null;
  /** Headers; repeated names are kept, grouped by name in order of first appearance. */
  headers?: KafkaHeader[];
}
