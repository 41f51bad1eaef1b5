/**
 * Reading every partition of some topics without a consumer group, in Kafka's protocol directly:
 * the partitions' leaders from metadata, one Fetch per leader at a time, records decoded as views
 * of the answer. Made for reading a backlog to its end, where the Kafka client's own decoding is
 * most of the cost; it commits nothing.
 *
 * It is started and stopped like a {@linkcode GroupConsumer} (the same options and callbacks), so
 * a group session can run either. A moved leader, a partition without a leader and an offset
 * answered as out of range are handled here (fresh metadata, a short back-off, never a skip past
 * unread records); a lost connection ends the reader through `onCrash` as a transient failure.
 *
 * @module
 */
import { ApiKey, ErrorCode } from "../protocol/api.ts";
import {
  decodeFetchResponse,
  encodeFetchRequest,
  type FetchedPartition,
} from "../protocol/messages/fetch.ts";
import {
  decodeMetadataResponse,
  encodeMetadataRequest,
  type MetadataResponse,
} from "../protocol/messages/metadata.ts";
import { sleep } from "../_sleep.ts";
import { DEFAULT_REQUEST_TIMEOUT_MS, tlsTrust, withDefaultPort } from "./client_config.ts";
import type { ErrorContext } from "./classify.ts";
import { KafkaError } from "./errors.ts";
import type { BatchControl, GroupConsumerOptions, ReaderMember } from "./group_consumer.ts";
import { decodeFetchedRecords } from "./_record_decoding.ts";
import {
  isClassifiedCode,
  kafkaCodeError,
  kafkaErrorName,
  WireConnection,
  type WireConnectionOptions,
} from "./_wire_connection.ts";
import type { PartitionOffset } from "./types.ts";

/** Options of {@linkcode PartitionReader.start}: those of a group member, its group unused. */
export type PartitionReaderOptions = GroupConsumerOptions;

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const PARTITION_MAX_BYTES = 1 << 20;
const FETCH_MAX_BYTES = 10 << 20;
/** Read committed records only, as the Kafka client does by default. */
const READ_COMMITTED = 1;
/** Longest wait before asking again for a partition whose leader is unknown or moving. */
const LEADER_RETRY_MAX_MS = 1_000;
/**
 * Lookups in a row that may find a partition without a leader before the reader fails as a lost
 * connection (reported, then started again after the session's back-off).
 */
const LEADER_LOOKUPS_BEFORE_FAILURE = 10;

const partitionKey = (topic: string, partition: number) => `${partition}\u0000${topic}`;

/** `host:port` or `[v6]:port` as host and port. */
function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(":");
  return {
    host: address.slice(0, at).replace(/^\[|\]$/g, ""),
    port: Number(address.slice(at + 1)),
  };
}

interface Position {
  topic: string;
  partition: number;
  offset: number;
  /** Changed by each seek, so an answer to an older fetch is recognised as stale. */
  generation: number;
}

/** A reader of whole topics; see the module documentation. */
export class PartitionReader implements ReaderMember {
  readonly #options: PartitionReaderOptions;
  readonly #connection: WireConnectionOptions;
  readonly #context: ErrorContext;
  #positions = new Map<string, Position>();
  #leaders = new Map<string, number>();
  #brokers = new Map<number, { host: string; port: number }>();
  #connections = new Map<number, Promise<WireConnection>>();
  #closed = false;
  #wake?: () => void;
  #running?: Promise<void>;
  // Metadata lookups in a row that left a partition without a leader, and when the next may be.
  #leaderLookups = 0;
  #nextLookupAt = 0;
  // Partition answers that sent the reader back to the metadata, so far.
  #leaderErrors = 0;

  private constructor(
    options: PartitionReaderOptions,
    connection: WireConnectionOptions,
    context: ErrorContext,
  ) {
    this.#options = options;
    this.#connection = connection;
    this.#context = context;
  }

  /**
   * Connects, reads the topics' partitions and leaders, reports them through `onAssignment`
   * and starts fetching those that have a position.
   *
   * @param options connection, topics and callbacks
   * @returns the running reader
   * @throws {KafkaError} classified: a missing or forbidden topic, a failed authentication, an
   *   unreachable broker
   */
  static async start(options: PartitionReaderOptions): Promise<PartitionReader> {
    const credential = options.credential;
    const tls = credential ? await tlsTrust(credential) : undefined;
    const connection: WireConnectionOptions = {
      credential,
      caCerts: tls?.ca.length ? tls.ca : undefined,
      trust: tls?.trust,
      clientId: options.clientId ?? "igwn-alert",
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      // A fetch may be held for its wait time before it is answered.
      requestTimeoutMs: (options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) +
        (options.maxWaitTimeMs ?? 0),
      action: "reading",
    };
    const brokers = options.brokers.map(withDefaultPort);
    const context: ErrorContext = {
      brokers,
      credential,
      topics: options.topics,
      action: "reading",
      ...(tls ? { trust: tls.trust } : {}),
    };
    const self = new PartitionReader(options, connection, context);
    let metadata: MetadataResponse;
    try {
      metadata = await self.#refreshMetadata(true);
    } catch (error) {
      self.#closeConnections();
      throw error;
    }
    const assignment = options.topics.map((topic) => ({
      topic,
      partitions: (metadata.topics.find((t) => t.name === topic)?.partitions ?? [])
        .map((p) => p.partition)
        .sort((a, b) => a - b),
    }));
    options.onAssignment(assignment, self);
    self.#running = self.#run().catch((error) => {
      if (self.#closed) return;
      self.#closed = true;
      self.#closeConnections();
      options.onCrash(error instanceof KafkaError ? error : new KafkaError(String(error)));
    });
    return self;
  }

  /**
   * Makes the next fetch of a partition start at `offset`.
   *
   * @param position topic, partition and the offset of the next record to fetch
   */
  seek(position: PartitionOffset): void {
    const key = partitionKey(position.topic, position.partition);
    const generation = (this.#positions.get(key)?.generation ?? 0) + 1;
    this.#positions.set(key, { ...position, generation });
    this.#wake?.();
  }

  /**
   * Nothing to commit without a group: resolves at once.
   *
   * @param _positions ignored
   */
  commit(_positions: PartitionOffset[]): Promise<void> {
    return Promise.resolve();
  }

  /** Stops fetching and closes the connections. Safe to call twice, also after a crash. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    this.#closeConnections();
    await this.#running;
  }

  #closeConnections(): void {
    const connections = [...this.#connections.values()];
    this.#connections.clear();
    for (const connection of connections) connection.then((c) => c.close(), () => {});
  }

  #connect(node: number): Promise<WireConnection> {
    let connection = this.#connections.get(node);
    if (!connection) {
      const broker = this.#brokers.get(node)!;
      connection = WireConnection.open(broker.host, broker.port, this.#connection);
      connection.catch(() => this.#connections.delete(node));
      this.#connections.set(node, connection);
    }
    return connection;
  }

  // Any connected broker answers metadata; else the known brokers, or at the start the bootstrap
  // brokers, in turn. `pooled` says whether the connection is one of the reader's.
  async #metadataConnection(): Promise<{ connection: WireConnection; pooled: boolean }> {
    for (const [node, pending] of this.#connections) {
      const connection = await pending.catch(() => undefined);
      if (connection && !connection.failed) return { connection, pooled: true };
      this.#connections.delete(node);
    }
    let failure: unknown;
    const addresses = this.#brokers.size
      ? [...this.#brokers.values()]
      : this.#context.brokers.map(splitAddress);
    for (const { host, port } of addresses) {
      try {
        return {
          connection: await WireConnection.open(host, port, this.#connection),
          pooled: false,
        };
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  }

  // Looks up the topics' partitions and leaders; returns the answer.
  async #refreshMetadata(first: boolean): Promise<MetadataResponse> {
    const { connection, pooled } = await this.#metadataConnection();
    let answer;
    try {
      const version = connection.version(ApiKey.Metadata, 1, 8);
      answer = await connection.request(
        ApiKey.Metadata,
        version,
        (w) => encodeMetadataRequest(w, version, this.#options.topics),
        (r) => decodeMetadataResponse(r, version),
      );
    } catch (error) {
      if (!pooled) connection.close();
      throw error;
    }
    if (!pooled) {
      // Kept for the broker it reached when the cluster lists it (one connection instead of two).
      const { host, port } = connection.peer;
      const listed = [...answer.brokers].find(([node, b]) =>
        !this.#connections.has(node) && b.host === host && b.port === port
      );
      if (listed) this.#connections.set(listed[0], Promise.resolve(connection));
      else connection.close();
    }
    this.#brokers = answer.brokers;
    for (const topic of answer.topics) {
      if (topic.errorCode !== 0) {
        const error = kafkaCodeError(topic.errorCode, null, {
          ...this.#context,
          topics: [topic.name],
        });
        // A topic being created or a leader being elected passes; a missing or forbidden one
        // does not.
        if (!error.retriable || first) throw error;
        continue;
      }
      for (const p of topic.partitions) {
        const key = partitionKey(topic.name, p.partition);
        if (p.leader >= 0 && answer.brokers.has(p.leader)) this.#leaders.set(key, p.leader);
        else this.#leaders.set(key, -1);
      }
    }
    // Connections to brokers that left the cluster are closed.
    for (const [node, connection] of this.#connections) {
      if (!answer.brokers.has(node)) {
        this.#connections.delete(node);
        connection.then((c) => c.close(), () => {});
      }
    }
    return answer;
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      const byLeader = new Map<number, Position[]>();
      const leaderless: Position[] = [];
      for (const [key, position] of this.#positions) {
        const leader = this.#leaders.get(key);
        if (leader === undefined || leader < 0) {
          leaderless.push(position);
          continue;
        }
        let positions = byLeader.get(leader);
        if (!positions) byLeader.set(leader, positions = []);
        positions.push(position);
      }
      if (leaderless.length) {
        // Partitions whose leader is unknown or moving are looked up again after a back-off;
        // the others are read meanwhile.
        if (this.#leaderLookups >= LEADER_LOOKUPS_BEFORE_FAILURE) {
          const { topic, partition } = leaderless[0];
          throw new KafkaError(
            `${topic} partition ${partition} has had no leader at ${
              this.#context.brokers.join(",")
            } for ${this.#leaderLookups} lookups`,
            { kind: "transient", topic },
          );
        }
        if (!byLeader.size) await this.#sleepUntil(this.#nextLookupAt);
        if (this.#closed) return;
        if (Date.now() >= this.#nextLookupAt) {
          const { initialDelayMs } = this.#options.retry ?? { initialDelayMs: 100 };
          const delay = Math.min(LEADER_RETRY_MAX_MS, initialDelayMs * 2 ** this.#leaderLookups);
          this.#leaderLookups++;
          this.#nextLookupAt = Date.now() + delay;
          await this.#refreshMetadata(false);
          continue;
        }
      }
      if (!byLeader.size) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      const answers = await Promise.all(
        [...byLeader].map(([node, positions]) => this.#fetch(node, positions)),
      );
      const errorsBefore = this.#leaderErrors;
      for (const answer of answers) {
        for (const { position, partition } of answer) {
          if (this.#closed) return;
          await this.#handle(position, partition);
        }
      }
      // A round in which every partition with a leader was read clean ends the lookups in a row.
      if (!leaderless.length && this.#leaderErrors === errorsBefore) this.#leaderLookups = 0;
    }
  }

  // Waits until a time (ms since the epoch), or until the reader closes.
  async #sleepUntil(at: number): Promise<void> {
    const stop = new AbortController();
    this.#wake = () => this.#closed && stop.abort();
    await sleep(Math.max(0, at - Date.now()), stop.signal);
    this.#wake = undefined;
  }

  async #fetch(
    node: number,
    positions: Position[],
  ): Promise<{ position: Position; partition: FetchedPartition }[]> {
    const connection = await this.#connect(node);
    if (this.#closed) return [];
    const version = connection.version(ApiKey.Fetch, 4, 11);
    const byTopic = new Map<string, Position[]>();
    for (const position of positions) {
      let list = byTopic.get(position.topic);
      if (!list) byTopic.set(position.topic, list = []);
      list.push(position);
    }
    const request = {
      maxWaitMs: this.#options.maxWaitTimeMs ?? 250,
      minBytes: 1,
      maxBytes: this.#options.maxBytes ?? FETCH_MAX_BYTES,
      topics: [...byTopic].map(([name, list]) => ({
        name,
        partitions: list.map((p) => ({
          partition: p.partition,
          fetchOffset: p.offset,
          maxBytes: this.#options.maxBytesPerPartition ?? PARTITION_MAX_BYTES,
        })),
      })),
    };
    const answer = await connection.request(
      ApiKey.Fetch,
      version,
      (w) => encodeFetchRequest(w, version, request, READ_COMMITTED),
      (r) => decodeFetchResponse(r, version),
    );
    if (answer.errorCode !== 0) {
      // An error for the whole request: fatal ones end the reader, the others (a leader that
      // moved, say) send its partitions back to the metadata.
      if (isClassifiedCode(answer.errorCode)) {
        throw kafkaCodeError(answer.errorCode, null, this.#context);
      }
      this.#options.logger?.debug(
        `fetch from ${connection.address} answered ${kafkaErrorName(answer.errorCode)}; ` +
          `looking up the leaders again`,
      );
      for (const position of positions) {
        this.#leaders.set(partitionKey(position.topic, position.partition), -1);
      }
      this.#leaderErrors++;
      return [];
    }
    const out: { position: Position; partition: FetchedPartition }[] = [];
    for (const topic of answer.topics) {
      for (const partition of topic.partitions) {
        const position = positions.find((p) =>
          p.topic === topic.name && p.partition === partition.partition
        );
        // A snapshot: a seek meanwhile replaces the map entry, which the answer no longer matches.
        if (position) out.push({ position: { ...position }, partition });
      }
    }
    return out;
  }

  // Hands a partition's answer on, or marks its leader for another lookup.
  async #handle(asked: Position, answer: FetchedPartition): Promise<void> {
    const key = partitionKey(asked.topic, asked.partition);
    const current = this.#positions.get(key);
    if (!current || current.generation !== asked.generation) return;
    const { topic, partition } = asked;
    switch (answer.errorCode) {
      case ErrorCode.None:
        break;
      case ErrorCode.OffsetOutOfRange:
        // Retention deleted the records asked for: go on at the oldest one still held (the
        // reader sees the jump and says so). An offset past the end (a leader that is behind)
        // is asked for again.
        if (answer.logStartOffset > asked.offset) {
          this.#options.logger?.debug(
            `offset ${asked.offset} of ${topic} partition ${partition} is out of range; the log ` +
              `starts at ${answer.logStartOffset}`,
          );
          this.seek({ topic, partition, offset: answer.logStartOffset });
          return;
        }
        this.#leaders.set(key, -1);
        this.#leaderErrors++;
        return;
      case ErrorCode.TopicAuthorizationFailed:
        throw kafkaCodeError(answer.errorCode, null, { ...this.#context, topics: [topic] });
      default:
        this.#options.logger?.debug(
          `fetch of ${topic} partition ${partition} answered ${
            kafkaErrorName(answer.errorCode)
          }; ` +
            `looking up its leader again`,
        );
        this.#leaders.set(key, -1);
        this.#leaderErrors++;
        return;
    }
    if (!answer.records?.length) return;
    const { records, nextOffset, firstOffset } = await decodeFetchedRecords(
      topic,
      partition,
      answer.records,
      asked.offset,
      answer.abortedTransactions,
    );
    if (nextOffset === undefined || this.#closed) return;
    if (nextOffset > current.offset) current.offset = nextOffset;
    // Only transaction markers (or aborted records): the reader is told how far they reach.
    if (!records.length && nextOffset <= asked.offset) return;
    const control: BatchControl = {
      heartbeat: () => Promise.resolve(),
      isActive: () => !this.#closed && this.#positions.get(key)?.generation === asked.generation,
    };
    await this.#options.onBatch(
      { topic, partition, highWatermark: answer.highWatermark, records, firstOffset, nextOffset },
      control,
    );
  }
}
