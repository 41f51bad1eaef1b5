/**
 * The options and metadata shared by stream readers and writers.
 *
 * @module
 */
import type { Logger } from "./log.ts";
import type { Header, HeaderInput } from "./pack.ts";
import type { Auth } from "./auth.ts";
import type { KafkaError } from "./errors.ts";
import type { RetryPolicy } from "../kafka/retry_policy.ts";

/** Where a consumer without committed offsets starts: the oldest stored message or new ones only. */
export type StartPosition = "earliest" | "latest";

/** Where a message came from. */
export interface Metadata {
  /** Topic of the message. */
  topic: string;
  /** Partition of the message. */
  partition: number;
  /** Offset of the message in its partition. */
  offset: number;
  /** Kafka timestamp, ms since the epoch. */
  timestamp: number;
  /** Kafka key, `null` when the message has none. */
  key: Uint8Array | null;
  /** Kafka headers (hop's `_id`, `_sender`, `_test`, `_format` among them). */
  headers: Header[];
}

/** Options of {@linkcode openStream}. */
export interface StreamOptions {
  /**
   * `true` (default): load auth.toml and pick the credential for the URL's first broker (and its
   * username); an `Auth` is used as given; a list is picked from; `false`: no authentication.
   */
  auth?: boolean | Auth | Auth[];
  /** Where to start in partitions without committed offsets. Default `"latest"`. */
  startAt?: StartPosition;
  /** End iteration once every assigned partition is read up to its end at assignment time. */
  untilEos?: boolean;
  /** Consumer group; default `<username>-<10 random [A-Z0-9]>` (just the 10 characters without auth). */
  groupId?: string;
  /** Skip messages with a `_test` header (they are still committed). Default `true`. */
  ignoreTest?: boolean;
  /**
   * Default `true`: a message is committed once the consumer asks for the next one, so one whose
   * loop body threw (or whose process died) is delivered again. `false`: only `markDone` commits.
   */
  autoCommit?: boolean;
  /** Aborting ends iteration and closes the stream. */
  signal?: AbortSignal;
  /** Where warnings (undecodable payloads, commit failures) and debug lines go. */
  logger?: Logger;
  /** Time budget for connecting, in ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Time budget for one Kafka request, in ms. Default 30000. */
  requestTimeoutMs?: number;
  /**
   * Reading only. Whether the consumer reconnects after a failure that waiting can fix (the
   * brokers went away, a request timed out, the group coordinator moved). Default `true`: it
   * reconnects with the `retry` back-off for as long as it runs. `false`, or a function returning
   * `false` for that error: iteration ends by throwing the error as a fatal
   * {@linkcode KafkaError}. Failures that waiting cannot fix (authentication, authorization, a
   * missing topic) always end iteration that way.
   */
  restartOnFailure?: boolean | ((error: KafkaError) => boolean);
  /**
   * Reading only. Called on every such failure with the error and whether the consumer
   * reconnects. Reconnections are logged either way.
   */
  onCrash?: (error: KafkaError, willRestart: boolean) => void;
  /** Reading only. Back-off between reconnections; each field defaults as in `DEFAULT_RETRY_POLICY`. */
  retry?: Partial<RetryPolicy>;
}

/** Options of {@linkcode Producer.write}. */
export interface WriteOptions {
  /** User headers (sent before hop's own). */
  headers?: HeaderInput;
  /** Kafka key. */
  key?: string | Uint8Array;
  /** Topic, needed when the URL names zero or several topics. */
  topic?: string;
  /** Mark as a test message (`_test: true`). */
  test?: boolean;
}

/** Options of {@linkcode Producer.writeRaw}. */
export interface WriteRawOptions {
  /** Headers, sent as given. */
  headers?: Header[];
  /** Kafka key. */
  key?: string | Uint8Array;
  /** Topic, needed when the URL names zero or several topics. */
  topic?: string;
}
