/**
 * Committed consumer-group offsets, kept in memory and optionally persisted to an append-only
 * JSON-lines log so that they survive a broker restart (or `kill -9`).
 *
 * @module
 */

/**
 * Name of the offsets log inside a broker's data directory. Kafka reserves topic names starting
 * with "__", so it cannot clash with a topic's files.
 *
 * @example
 * ```ts
 * import { OFFSETS_FILE_NAME } from "./offset_store.ts";
 * console.log(`/var/lib/broker/${OFFSETS_FILE_NAME}`);
 * ```
 */
export const OFFSETS_FILE_NAME = "__consumer_offsets.jsonl";

/**
 * Raised when the offsets log cannot be read or written. Names the file and, for a corrupt
 * record, the line.
 *
 * @example
 * ```ts
 * import { OffsetStoreError } from "./offset_store.ts";
 * const error = new OffsetStoreError("/data/__consumer_offsets.jsonl:3: record is not JSON");
 * console.log(error.message);
 * ```
 */
export class OffsetStoreError extends Error {
  /**
   * Creates the error.
   *
   * @param message what went wrong, naming the file
   * @param options standard error options (`cause`)
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { OffsetStoreError } from "./offset_store.ts";
   * const error = new OffsetStoreError("cannot write /data/__consumer_offsets.jsonl: disk full");
   * assert.equal(error.name, "OffsetStoreError");
   * ```
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "OffsetStoreError";
  }
}

/**
 * One committed offset as returned by {@linkcode OffsetStore.committed}.
 *
 * @example
 * ```ts
 * import type { CommittedOffset } from "./offset_store.ts";
 * const entry: CommittedOffset = { topic: "t", partition: 0, offset: 5n, metadata: "" };
 * ```
 */
export interface CommittedOffset {
  /** Topic name. */
  topic: string;
  /** Partition index. */
  partition: number;
  /** The next offset the group will consume. */
  offset: bigint;
  /** Client-supplied metadata string ("" when the client sent null). */
  metadata: string;
}

interface OffsetEntry {
  offset: bigint;
  metadata: string;
}

/** group -> topic -> partition -> entry */
type OffsetTable = Map<string, Map<string, Map<number, OffsetEntry>>>;

type LogRecord =
  | { group: string; topic: string; partition: number; offset: string; metadata: string }
  | { deleteTopic: string };

interface PendingWrite {
  line: string;
  apply: () => void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const encoder = new TextEncoder();

/**
 * Stores committed offsets per (group, topic, partition).
 *
 * With a data directory every change is appended to `__consumer_offsets.jsonl` and written before
 * the returned promise resolves, so it survives the process being killed (it is not fsynced per
 * commit, which would cap commits at the disk's flush rate). Commits that arrive while a write is
 * in flight are written together in the next write, so many consumers committing at once cost few
 * system calls. On open the log is replayed (a torn last line from a crash is ignored) and
 * rewritten compactly.
 *
 * @example
 * ```ts
 * import { OffsetStore } from "./offset_store.ts";
 * const store = await OffsetStore.open(); // in memory
 * await store.commit("my-group", "alerts", 0, 42n, null);
 * console.log(store.get("my-group", "alerts", 0)); // { offset: 42n, metadata: "" }
 * await store.close();
 * ```
 */
export class OffsetStore {
  readonly #table: OffsetTable;
  readonly #path: string | undefined;
  #file: Deno.FsFile | undefined;
  #queue: PendingWrite[] = [];
  #writing: Promise<void> | undefined;
  #closed = false;
  #failure: OffsetStoreError | undefined;

  private constructor(table: OffsetTable, path?: string, file?: Deno.FsFile) {
    this.#table = table;
    this.#path = path;
    this.#file = file;
  }

  /**
   * Opens a store. Without `dataDir` offsets live in memory only; with it they are loaded from and
   * appended to `<dataDir>/__consumer_offsets.jsonl` (the directory is created if missing).
   *
   * @param dataDir directory for the offsets log; omit for an in-memory store
   * @returns the opened store
   * @throws {OffsetStoreError} when the log cannot be read or has a corrupt record before its last line
   *
   * @example
   * ```ts
   * import { OffsetStore } from "./offset_store.ts";
   * const dir = await Deno.makeTempDir();
   * const store = await OffsetStore.open(dir);
   * await store.commit("g", "t", 0, 1n, "meta");
   * await store.close();
   * const again = await OffsetStore.open(dir);
   * console.log(again.get("g", "t", 0)); // { offset: 1n, metadata: "meta" }
   * await again.close();
   * ```
   */
  static async open(dataDir?: string): Promise<OffsetStore> {
    if (dataDir === undefined) return new OffsetStore(new Map());
    const path = `${dataDir.replace(/\/+$/, "")}/${OFFSETS_FILE_NAME}`;
    try {
      await Deno.mkdir(dataDir, { recursive: true });
    } catch (error) {
      throw new OffsetStoreError(`cannot create data directory ${dataDir}: ${message(error)}`, {
        cause: error,
      });
    }
    const table = await loadLog(path);
    await writeSnapshot(path, table);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { append: true, create: true });
    } catch (error) {
      throw new OffsetStoreError(`cannot open ${path}: ${message(error)}`, { cause: error });
    }
    return new OffsetStore(table, path, file);
  }

  /**
   * Records a committed offset. With a data directory the record is written to the log before the
   * promise resolves.
   *
   * @param group consumer group id
   * @param topic topic name
   * @param partition partition index
   * @param offset next offset to consume
   * @param metadata client metadata; null is stored as ""
   * @throws {OffsetStoreError} when the store is closed or the write fails
   *
   * @example
   * ```ts
   * import { OffsetStore } from "./offset_store.ts";
   * const store = await OffsetStore.open();
   * await store.commit("g", "alerts", 1, 10n, null);
   * await store.close();
   * ```
   */
  commit(
    group: string,
    topic: string,
    partition: number,
    offset: bigint,
    metadata: string | null,
  ): Promise<void> {
    const entry = { offset, metadata: metadata ?? "" };
    return this.#append(
      { group, topic, partition, offset: offset.toString(), metadata: entry.metadata },
      () => setEntry(this.#table, group, topic, partition, entry),
    );
  }

  /**
   * Looks up one committed offset.
   *
   * @param group consumer group id
   * @param topic topic name
   * @param partition partition index
   * @returns the committed offset and metadata, or undefined when nothing was committed
   *
   * @example
   * ```ts
   * import { OffsetStore } from "./offset_store.ts";
   * const store = await OffsetStore.open();
   * console.log(store.get("g", "t", 0)); // undefined
   * ```
   */
  get(
    group: string,
    topic: string,
    partition: number,
  ): { offset: bigint; metadata: string } | undefined {
    const entry = this.#table.get(group)?.get(topic)?.get(partition);
    return entry && { offset: entry.offset, metadata: entry.metadata };
  }

  /**
   * Lists every committed offset of a group, sorted by topic then partition.
   *
   * @param group consumer group id
   * @returns the group's committed offsets (empty for an unknown group)
   *
   * @example
   * ```ts
   * import { OffsetStore } from "./offset_store.ts";
   * const store = await OffsetStore.open();
   * await store.commit("g", "t", 0, 3n, null);
   * console.log(store.committed("g")); // [{ topic: "t", partition: 0, offset: 3n, metadata: "" }]
   * ```
   */
  committed(group: string): CommittedOffset[] {
    const result: CommittedOffset[] = [];
    const topics = this.#table.get(group);
    if (!topics) return result;
    for (const topic of [...topics.keys()].sort()) {
      const partitions = topics.get(topic)!;
      for (const partition of [...partitions.keys()].sort((a, b) => a - b)) {
        const { offset, metadata } = partitions.get(partition)!;
        result.push({ topic, partition, offset, metadata });
      }
    }
    return result;
  }

  /**
   * Lists the groups that have at least one committed offset.
   *
   * @returns group ids in insertion order
   *
   * @example
   * ```ts
   * import { OffsetStore } from "./offset_store.ts";
   * const store = await OffsetStore.open();
   * await store.commit("g", "t", 0, 3n, null);
   * console.log(store.groups()); // ["g"]
   * ```
   */
  groups(): string[] {
    return [...this.#table.keys()];
  }

  /**
   * Forgets every group's offsets for a topic (called when the topic is deleted, so a topic
   * re-created under the same name starts without stale positions).
   *
   * @param topic topic name
   * @throws {OffsetStoreError} when the store is closed or the write fails
   *
   * @example
   * ```ts
   * import { OffsetStore } from "./offset_store.ts";
   * const store = await OffsetStore.open();
   * await store.commit("g", "t", 0, 3n, null);
   * await store.deleteTopic("t");
   * console.log(store.get("g", "t", 0)); // undefined
   * ```
   */
  deleteTopic(topic: string): Promise<void> {
    return this.#append({ deleteTopic: topic }, () => removeTopic(this.#table, topic));
  }

  /**
   * Waits for queued writes and closes the log. Later commits reject.
   *
   * @example
   * ```ts
   * import { OffsetStore } from "./offset_store.ts";
   * const store = await OffsetStore.open();
   * await store.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#writing) await this.#writing;
    this.#file?.close();
    this.#file = undefined;
  }

  /** Closes the store; enables `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #append(record: LogRecord, apply: () => void): Promise<void> {
    if (this.#closed) {
      return Promise.reject(
        new OffsetStoreError(`offset store ${this.#path ?? "(memory)"} is closed`),
      );
    }
    if (this.#failure) return Promise.reject(this.#failure);
    if (!this.#file) {
      apply();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ line: JSON.stringify(record) + "\n", apply, resolve, reject });
      if (!this.#writing) this.#writing = this.#drain();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        await writeAll(this.#file!, encoder.encode(batch.map((w) => w.line).join("")));
      } catch (error) {
        // A partial write may have left half a record; appending after it would bury that record
        // mid-file, so the store refuses further commits instead.
        const failure = new OffsetStoreError(`cannot write ${this.#path}: ${message(error)}`, {
          cause: error,
        });
        this.#failure ??= failure;
        for (const write of [...batch, ...this.#queue]) write.reject(failure);
        this.#queue = [];
        continue;
      }
      // The table changes only once the record is on disk, so readers never see an offset that a
      // crash could take back.
      for (const write of batch) {
        write.apply();
        write.resolve();
      }
    }
    this.#writing = undefined;
  }
}

function setEntry(
  table: OffsetTable,
  group: string,
  topic: string,
  partition: number,
  entry: OffsetEntry,
): void {
  let topics = table.get(group);
  if (!topics) table.set(group, topics = new Map());
  let partitions = topics.get(topic);
  if (!partitions) topics.set(topic, partitions = new Map());
  partitions.set(partition, entry);
}

function removeTopic(table: OffsetTable, topic: string): void {
  for (const [group, topics] of table) {
    topics.delete(topic);
    if (topics.size === 0) table.delete(group);
  }
}

async function loadLog(path: string): Promise<OffsetTable> {
  const table: OffsetTable = new Map();
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return table;
    throw new OffsetStoreError(`cannot read ${path}: ${message(error)}`, { cause: error });
  }
  const lines = text.split("\n");
  // A complete log ends with "\n", so the final element is "" — or the remains of a write cut short
  // by a crash, which was never acknowledged and is dropped.
  lines.pop();
  lines.forEach((line, index) => {
    if (line === "") return;
    const record = parseRecord(line);
    if (!record) throw new OffsetStoreError(`${path}:${index + 1}: corrupt offset record`);
    if ("deleteTopic" in record) removeTopic(table, record.deleteTopic);
    else {
      setEntry(table, record.group, record.topic, record.partition, {
        offset: BigInt(record.offset),
        metadata: record.metadata,
      });
    }
  });
  return table;
}

function parseRecord(line: string): LogRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.deleteTopic === "string") return { deleteTopic: record.deleteTopic };
  if (
    typeof record.group === "string" && typeof record.topic === "string" &&
    Number.isInteger(record.partition) && typeof record.offset === "string" &&
    /^-?\d+$/.test(record.offset) && typeof record.metadata === "string"
  ) {
    return {
      group: record.group,
      topic: record.topic,
      partition: record.partition as number,
      offset: record.offset,
      metadata: record.metadata,
    };
  }
  return undefined;
}

/** Rewrites the log with one record per live offset, atomically via rename. */
async function writeSnapshot(path: string, table: OffsetTable): Promise<void> {
  const lines: string[] = [];
  for (const [group, topics] of table) {
    for (const [topic, partitions] of topics) {
      for (const [partition, { offset, metadata }] of partitions) {
        const record: LogRecord = { group, topic, partition, offset: offset.toString(), metadata };
        lines.push(JSON.stringify(record) + "\n");
      }
    }
  }
  const temporary = `${path}.compacting`;
  try {
    const file = await Deno.open(temporary, { write: true, create: true, truncate: true });
    try {
      await writeAll(file, encoder.encode(lines.join("")));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temporary, path);
  } catch (error) {
    throw new OffsetStoreError(`cannot compact ${path}: ${message(error)}`, { cause: error });
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
