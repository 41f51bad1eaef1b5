/**
 * Topics and partitions of the single-node cluster, with their configs, optionally persisted
 * under `<dataDir>/topics/<name>/`.
 *
 * @module
 */

import { type MemoryAccount, PartitionLog } from "./_partition_log.ts";
import { topicNameProblem } from "../topic_name.ts";

/** Default `max.message.bytes`, as in Kafka. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1048588;

/**
 * `retention.bytes` of a partition in memory when neither the topic nor the broker options set
 * one (256 MiB), so that a broker left running (an endless playground) stays bounded.
 */
export const DEFAULT_MEMORY_RETENTION_BYTES = 256 * 1024 * 1024;

/**
 * Bytes all in-memory partitions without a `retention.bytes` of their own may hold together when
 * the broker options set no `memoryBudgetBytes` (512 MiB); beyond it the oldest batches of the
 * whole broker are deleted first.
 */
export const DEFAULT_MEMORY_BUDGET_BYTES = 512 * 1024 * 1024;

/** How often the broker deletes batches past `retention.ms` (on its clock), in ms. */
export const RETENTION_CHECK_INTERVAL_MS = 30_000;

/** Largest partition count accepted, to keep a hostile request from exhausting memory. */
export const MAX_PARTITIONS = 1000;

/** Topic configs the broker knows, with their defaults. */
export const TOPIC_CONFIG_DEFAULTS: Readonly<Record<string, string>> = {
  "cleanup.policy": "delete",
  "compression.type": "producer",
  "max.message.bytes": String(DEFAULT_MAX_MESSAGE_BYTES),
  "message.timestamp.type": "CreateTime",
  "min.insync.replicas": "1",
  "retention.bytes": "-1",
  "retention.ms": "604800000",
  "segment.bytes": "1073741824",
};

const NUMERIC_CONFIGS = new Set([
  "max.message.bytes",
  "min.insync.replicas",
  "retention.bytes",
  "retention.ms",
  "segment.bytes",
]);

export { topicNameProblem };

/** Why a topic config entry is not allowed, or undefined when it is fine. */
export function topicConfigProblem(name: string, value: string | null): string | undefined {
  if (!(name in TOPIC_CONFIG_DEFAULTS)) return `unknown topic config "${name}"`;
  if (value === null) return undefined;
  if (NUMERIC_CONFIGS.has(name) && !/^-?\d+$/.test(value)) {
    return `topic config ${name}=${value} is not an integer`;
  }
  if (name === "message.timestamp.type" && value !== "CreateTime" && value !== "LogAppendTime") {
    return `topic config message.timestamp.type=${value} is neither CreateTime nor LogAppendTime`;
  }
  return undefined;
}

/**
 * The broker-wide limit on the bytes held in memory by the partitions of topics that do not set
 * their own `retention.bytes`: while their total exceeds it, the oldest batch among all of them
 * (in the order the broker stored them) is deleted, as long as the rest still hold at least
 * `limitBytes` (the rule of `retention.bytes`, so the total stays below the limit plus one batch).
 * Each deletion advances its partition's log start offset, exactly as retention does.
 */
export class MemoryBudget {
  /** Shared with every in-memory partition log of the broker. */
  readonly account: MemoryAccount = { bytes: 0, sequence: 0 };

  /**
   * @param limitBytes the limit; negative means none
   * @param topics the broker's topics, looked at when the limit is exceeded
   */
  constructor(readonly limitBytes: number, readonly topics: ReadonlyMap<string, Topic>) {}

  /**
   * Deletes the oldest batches across the partitions under the budget until it holds.
   *
   * @returns how many batches were deleted
   */
  enforce(): number {
    const limit = this.limitBytes;
    // Every in-memory byte counted, including those of topics outside the budget: when even
    // that fits, there is nothing to look at.
    if (limit < 0 || this.account.bytes <= limit) return 0;
    const logs: PartitionLog[] = [];
    let total = 0;
    for (const topic of this.topics.values()) {
      // A topic's own retention.bytes wins over the budget (-1 there keeps everything).
      if (topic.config.has("retention.bytes")) continue;
      for (const log of topic.partitions) {
        if (log.path || log.bytes === 0) continue;
        logs.push(log);
        total += log.bytes;
      }
    }
    let deleted = 0;
    while (total > limit) {
      let oldest: PartitionLog | undefined;
      let sequence = Infinity;
      for (const log of logs) {
        const s = log.oldestSequence;
        if (s < sequence) {
          sequence = s;
          oldest = log;
        }
      }
      if (!oldest || total - oldest.oldestBytes < limit) break;
      total -= oldest.deleteOldest();
      deleted++;
    }
    return deleted;
  }
}

/** A topic: its partition logs and config overrides. */
export class Topic {
  constructor(
    readonly name: string,
    readonly partitions: PartitionLog[],
    readonly config: Map<string, string>,
    readonly defaults: Readonly<Record<string, string>> = TOPIC_CONFIG_DEFAULTS,
    readonly budget?: MemoryBudget,
  ) {}

  /** The topic's value of a numeric config, or the broker's default. */
  #number(name: string): number {
    return Number(this.config.get(name) ?? this.defaults[name]);
  }

  /** `retention.ms`; negative means no limit. */
  get retentionMs(): number {
    return this.#number("retention.ms");
  }

  /** `retention.bytes` per partition; negative means no limit. */
  get retentionBytes(): number {
    return this.#number("retention.bytes");
  }

  /**
   * Deletes batches past the topic's own retention limits from one partition (or all of them).
   *
   * @returns how many batches were deleted
   */
  enforceOwnRetention(now: number, partition?: number): number {
    const limits = { now, retentionMs: this.retentionMs, retentionBytes: this.retentionBytes };
    if (partition !== undefined) return this.partitions[partition].enforceRetention(limits);
    let deleted = 0;
    for (const log of this.partitions) deleted += log.enforceRetention(limits);
    return deleted;
  }

  /**
   * {@linkcode Topic.enforceOwnRetention}, then, when the broker's memory budget is exceeded, the
   * oldest batches of the whole broker.
   *
   * @returns how many batches were deleted
   */
  enforceRetention(now: number, partition?: number): number {
    return this.enforceOwnRetention(now, partition) + (this.budget?.enforce() ?? 0);
  }

  get maxMessageBytes(): number {
    return Number(this.config.get("max.message.bytes") ?? DEFAULT_MAX_MESSAGE_BYTES);
  }

  get logAppendTime(): boolean {
    return this.config.get("message.timestamp.type") === "LogAppendTime";
  }
}

/** Every topic of the broker; the only place topics are created, loaded or deleted. */
export class Cluster {
  readonly topics = new Map<string, Topic>();
  readonly #creating = new Map<string, Promise<Topic>>();
  readonly #dataDir?: string;
  readonly #log: (line: string) => void;
  /**
   * Topic config defaults of this broker: Kafka's, except `retention.bytes` in memory (the
   * `retentionBytes` option, or {@linkcode DEFAULT_MEMORY_RETENTION_BYTES}).
   */
  readonly defaults: Readonly<Record<string, string>>;
  /**
   * The limit on what in-memory partitions hold together (the `memoryBudgetBytes` option, or
   * {@linkcode DEFAULT_MEMORY_BUDGET_BYTES}); undefined with a data directory.
   */
  readonly budget?: MemoryBudget;

  constructor(
    options: {
      dataDir?: string;
      log: (line: string) => void;
      retentionBytes?: number;
      memoryBudgetBytes?: number;
    },
  ) {
    this.#dataDir = options.dataDir;
    this.#log = options.log;
    const retentionBytes = options.retentionBytes ??
      (options.dataDir ? -1 : DEFAULT_MEMORY_RETENTION_BYTES);
    this.defaults = { ...TOPIC_CONFIG_DEFAULTS, "retention.bytes": String(retentionBytes) };
    if (!options.dataDir) {
      this.budget = new MemoryBudget(
        options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES,
        this.topics,
      );
    }
  }

  /** Whether retention deletes anything (only in memory: segment files are append-only). */
  get retains(): boolean {
    return this.#dataDir === undefined;
  }

  /**
   * Deletes batches past the retention limits from every partition, and the oldest ones beyond
   * the memory budget.
   *
   * @returns how many batches were deleted
   */
  enforceRetention(now: number): number {
    let deleted = 0;
    for (const topic of this.topics.values()) deleted += topic.enforceOwnRetention(now);
    // The budget once, over what every topic's own limits left.
    return deleted + (this.budget?.enforce() ?? 0);
  }

  #topicDir(name: string): string | undefined {
    return this.#dataDir ? `${this.#dataDir}/topics/${name}` : undefined;
  }

  /** Loads persisted topics (and their logs) from the data directory. */
  async load(): Promise<void> {
    if (!this.#dataDir) return;
    const root = `${this.#dataDir}/topics`;
    await Deno.mkdir(root, { recursive: true });
    for await (const entry of Deno.readDir(root)) {
      if (!entry.isDirectory || topicNameProblem(entry.name)) continue;
      const dir = `${root}/${entry.name}`;
      let meta: { partitions: number; config: Record<string, string> };
      try {
        meta = JSON.parse(await Deno.readTextFile(`${dir}/topic.json`));
      } catch (e) {
        this.#log(
          `skipping topic directory ${dir}: topic.json unreadable (${(e as Error).message})`,
        );
        continue;
      }
      const logs: PartitionLog[] = [];
      for (let p = 0; p < meta.partitions; p++) {
        const log = new PartitionLog(`${dir}/${p}.log`);
        const note = await log.open();
        if (note) this.#log(`recovered ${entry.name}-${p}: ${note}`);
        logs.push(log);
      }
      this.topics.set(
        entry.name,
        new Topic(entry.name, logs, new Map(Object.entries(meta.config)), this.defaults),
      );
    }
  }

  /** Creates a topic; the caller has validated name, partitions and configs. */
  createTopic(name: string, partitions: number, config: Record<string, string>): Promise<Topic> {
    const existing = this.topics.get(name);
    if (existing) return Promise.resolve(existing);
    let pending = this.#creating.get(name);
    if (!pending) {
      pending = this.#create(name, partitions, config).finally(() => this.#creating.delete(name));
      this.#creating.set(name, pending);
    }
    return pending;
  }

  /** True while a topic is being created (so a second create reports it as existing). */
  isCreating(name: string): boolean {
    return this.#creating.has(name);
  }

  async #create(name: string, partitions: number, config: Record<string, string>): Promise<Topic> {
    const dir = this.#topicDir(name);
    const logs: PartitionLog[] = [];
    if (dir) {
      await Deno.mkdir(dir, { recursive: true });
      const tmp = `${dir}/topic.json.tmp`;
      await Deno.writeTextFile(tmp, JSON.stringify({ partitions, config }));
      await Deno.rename(tmp, `${dir}/topic.json`);
    }
    for (let p = 0; p < partitions; p++) {
      const log = new PartitionLog(dir ? `${dir}/${p}.log` : undefined, this.budget?.account);
      await log.open();
      logs.push(log);
    }
    const topic = new Topic(
      name,
      logs,
      new Map(Object.entries(config)),
      this.defaults,
      this.budget,
    );
    this.topics.set(name, topic);
    return topic;
  }

  /** Removes a topic and its files. */
  async deleteTopic(name: string): Promise<void> {
    const topic = this.topics.get(name);
    if (!topic) return;
    this.topics.delete(name);
    for (const log of topic.partitions) await log.close();
    const dir = this.#topicDir(name);
    if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }

  async close(): Promise<void> {
    for (const topic of this.topics.values()) {
      for (const log of topic.partitions) await log.close();
    }
  }
}
