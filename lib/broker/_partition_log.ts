/**
 * One partition's log: record batches exactly as received, in memory or in an append-only segment
 * file so they survive a restart. With a file, memory holds only an index (offsets, timestamps,
 * file positions) and the batches not yet written; fetches read batches back from the file.
 *
 * In memory, retention deletes whole batches from the front and advances the log start offset;
 * with a segment file nothing is deleted (the file is append-only).
 *
 * Segment file entry: i32 batch length, u32 CRC-32C of the batch's first 21 bytes (base offset,
 * length, leader epoch, magic, batch CRC), then the batch. The batch's own CRC covers the rest, so
 * recovery can detect a torn or corrupted tail without checksumming everything twice on append.
 *
 * @module
 */

import { crc32c } from "../protocol/crc32c.ts";
import {
  decodeRecords,
  readRecordBatchHeader,
  stampRecordBatch,
  verifyRecordBatchCrc,
} from "../protocol/record_batch.ts";

const ENTRY_HEADER = 8;
/** The leader epoch reported in Metadata and stamped into every stored batch. */
export const LEADER_EPOCH = 0;
const PREFIX = 21;

/** A batch appended to a log, with the offsets it received. */
export interface AppendResult {
  baseOffset: number;
  /** Resolves once the batch reached the segment file (at once when there is none). */
  written: Promise<void>;
}

interface ProducerState {
  epoch: number;
  lastSequence: number;
  lastBaseOffset: number;
}

/** Result of {@linkcode PartitionLog.checkSequence}. */
export type SequenceCheck = { kind: "new" } | { kind: "duplicate"; baseOffset: number };

/** First and largest size of the slabs small in-memory batches are copied into. */
const SLAB_MIN_BYTES = 4 * 1024;
const SLAB_MAX_BYTES = 256 * 1024;

/**
 * What the in-memory logs of one broker share: the bytes they hold together, and a counter that
 * numbers their batches in the order the broker stored them (so the oldest batch across all
 * partitions can be found). Logs with a segment file take no part.
 */
export interface MemoryAccount {
  /** Bytes of the batches held by every in-memory log. */
  bytes: number;
  /** The number the next batch stored in memory receives. */
  sequence: number;
}

/** Limits of {@linkcode PartitionLog.enforceRetention}; a negative limit is no limit. */
export interface RetentionLimits {
  /** The broker clock's current reading. */
  now: number;
  /** Batches stored this long ago (by the broker clock) or longer are deleted. */
  retentionMs: number;
  /** Oldest batches are deleted while the rest still hold at least this many bytes. */
  retentionBytes: number;
}

/** One partition: batches in memory, mirrored to an append-only segment file when persisted. */
export class PartitionLog {
  // Parallel arrays; entries before #first were deleted by retention and are compacted away
  // once they are the larger part, so deleting from the front costs O(1) amortised.
  #bases: number[] = [];
  #lasts: number[] = [];
  #maxTimestamps: number[] = [];
  #storedAt: number[] = [];
  #sizes: number[] = [];
  /** Each batch's number in the broker-wide storing order ({@linkcode MemoryAccount}). */
  #sequences: number[] = [];
  /** Where each batch's bytes start in the segment file (-1 without one). */
  #positions: number[] = [];
  /** The batch itself, or undefined once it is only in the segment file. */
  #batches: (Uint8Array | undefined)[] = [];
  #first = 0;
  /** Bytes of the batches held (from the log start offset on). */
  bytes = 0;
  highWatermark = 0;
  logStartOffset = 0;
  readonly #waiters = new Set<() => void>();
  readonly #producers = new Map<number, ProducerState>();
  #file: Deno.FsFile | undefined;
  #fileEnd = 0;
  #reader: Deno.FsFile | undefined;
  #reads: Promise<unknown> = Promise.resolve();
  #closed = false;
  #writeFailed = false;
  #pendingWrites: Uint8Array[] = [];
  #pendingIndexes: number[] = [];
  #draining = false;
  #drained: Promise<void> = Promise.resolve();
  // In memory: where small batches are copied, one after the other (see #copy).
  #slab = new Uint8Array(0);
  #slabUsed = 0;
  #writeWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  readonly #account: MemoryAccount;

  /**
   * @param path the segment file; in memory when omitted
   * @param account shared by the broker's in-memory logs (a private one when omitted)
   */
  constructor(readonly path?: string, account?: MemoryAccount) {
    this.#account = account ?? { bytes: 0, sequence: 0 };
  }

  /**
   * Loads the segment file (if any), cutting off a torn or corrupt tail.
   * @returns a description of what was cut, for the broker log, or undefined
   */
  async open(): Promise<string | undefined> {
    if (!this.path) return undefined;
    let note: string | undefined;
    let data: Uint8Array;
    try {
      data = await Deno.readFile(this.path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      data = new Uint8Array(0);
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let at = 0;
    while (at < data.length) {
      const problem = this.#entryProblem(data, view, at);
      if (problem) {
        note = `${this.path}: ${problem} at byte ${at}; truncated ${data.length - at} bytes`;
        break;
      }
      const len = view.getInt32(at);
      const h = readRecordBatchHeader(data.subarray(at + ENTRY_HEADER, at + ENTRY_HEADER + len));
      const last = h.baseOffset + h.lastOffsetDelta;
      this.#push(undefined, len, at + ENTRY_HEADER, h.baseOffset, last, h.maxTimestamp, 0);
      at += ENTRY_HEADER + len;
    }
    this.#fileEnd = at;
    this.#file = await Deno.open(this.path, { create: true, write: true, read: true });
    if (at < data.length) await this.#file.truncate(at);
    await this.#file.seek(at, Deno.SeekMode.Start);
    return note;
  }

  #entryProblem(data: Uint8Array, view: DataView, at: number): string | undefined {
    if (data.length - at < ENTRY_HEADER) return "incomplete entry header";
    const len = view.getInt32(at);
    if (len < 61 || at + ENTRY_HEADER + len > data.length) {
      return `entry length ${len} runs past the end`;
    }
    const batch = data.subarray(at + ENTRY_HEADER, at + ENTRY_HEADER + len);
    if (crc32c(batch.subarray(0, PREFIX)) !== view.getUint32(at + 4)) {
      return "entry checksum mismatch";
    }
    if (!verifyRecordBatchCrc(batch)) return "batch checksum mismatch";
    const h = readRecordBatchHeader(batch);
    if (h.baseOffset !== this.highWatermark) {
      return `offset ${h.baseOffset} where ${this.highWatermark} was expected`;
    }
    return undefined;
  }

  #push(
    batch: Uint8Array | undefined,
    size: number,
    position: number,
    base: number,
    last: number,
    maxTimestamp: number,
    now: number,
  ): void {
    this.#bases.push(base);
    this.#lasts.push(last);
    this.#maxTimestamps.push(maxTimestamp);
    this.#storedAt.push(now);
    this.#sizes.push(size);
    this.#positions.push(position);
    this.#batches.push(batch);
    this.bytes += size;
    if (!this.path) {
      this.#sequences.push(this.#account.sequence++);
      this.#account.bytes += size;
    }
    this.highWatermark = last + 1;
  }

  /**
   * Deletes whole batches from the front that are past `retentionMs` or beyond `retentionBytes`
   * (as Kafka deletes segments: while the remaining batches still hold at least `retentionBytes`),
   * and advances the log start offset to the first batch kept (the high watermark when none is).
   * Does nothing for a log with a segment file.
   *
   * @returns how many batches were deleted
   */
  enforceRetention(limits: RetentionLimits): number {
    if (this.path) return 0;
    const { now, retentionMs, retentionBytes } = limits;
    const start = this.#first;
    let first = start;
    let bytes = this.bytes;
    const count = this.#batches.length;
    while (first < count) {
      const size = this.#sizes[first];
      const expired = retentionMs >= 0 && now - this.#storedAt[first] >= retentionMs;
      const tooBig = retentionBytes >= 0 && bytes - size >= retentionBytes;
      if (!expired && !tooBig) break;
      bytes -= size;
      first++;
    }
    this.#dropFront(first - start);
    return first - start;
  }

  /**
   * The broker-wide number of the oldest batch held in memory (see {@linkcode MemoryAccount}),
   * or `Infinity` when the log holds none (or has a segment file).
   */
  get oldestSequence(): number {
    return this.path || this.#first >= this.#batches.length
      ? Infinity
      : this.#sequences[this.#first];
  }

  /** Size in bytes of the oldest batch held (0 when none is). */
  get oldestBytes(): number {
    return this.#first < this.#batches.length ? this.#sizes[this.#first] : 0;
  }

  /**
   * Deletes the oldest batch of an in-memory log and advances the log start offset past it.
   *
   * @returns the bytes freed (0 when there was nothing to delete)
   */
  deleteOldest(): number {
    if (this.path || this.#first >= this.#batches.length) return 0;
    const size = this.#sizes[this.#first];
    this.#dropFront(1);
    return size;
  }

  /** Forgets the `n` oldest batches and moves the log start offset to the first one kept. */
  #dropFront(n: number): void {
    if (n <= 0) return;
    const count = this.#batches.length;
    const first = this.#first + n;
    let freed = 0;
    for (let i = this.#first; i < first; i++) {
      freed += this.#sizes[i];
      this.#batches[i] = undefined;
    }
    this.bytes -= freed;
    this.#account.bytes -= freed;
    this.#first = first;
    this.logStartOffset = first < count ? this.#bases[first] : this.highWatermark;
    if (first >= 1024 && first * 2 >= count) {
      this.#bases = this.#bases.slice(first);
      this.#lasts = this.#lasts.slice(first);
      this.#maxTimestamps = this.#maxTimestamps.slice(first);
      this.#storedAt = this.#storedAt.slice(first);
      this.#sizes = this.#sizes.slice(first);
      this.#sequences = this.#sequences.slice(first);
      this.#positions = this.#positions.slice(first);
      this.#batches = this.#batches.slice(first);
      this.#first = 0;
    }
  }

  /** Number of batches held. */
  get batchCount(): number {
    return this.#batches.length - this.#first;
  }

  /** Checks an idempotent producer's sequence number against what was already appended. */
  checkSequence(producerId: number, epoch: number, baseSequence: number): SequenceCheck {
    if (producerId < 0) return { kind: "new" };
    const state = this.#producers.get(producerId);
    if (!state || state.epoch !== epoch) return { kind: "new" };
    if (baseSequence === state.lastSequence) {
      return { kind: "duplicate", baseOffset: state.lastBaseOffset };
    }
    return { kind: "new" };
  }

  /**
   * Appends a batch, stamping its base offset and leader epoch. Offsets are assigned
   * synchronously so concurrent producers cannot interleave.
   */
  append(
    batch: Uint8Array,
    lastOffsetDelta: number,
    maxTimestamp: number,
    producer?: {
      id: number;
      epoch: number;
      baseSequence: number;
    },
    now = 0,
  ): AppendResult {
    // A batch kept in memory must not keep alive the (larger) buffer it was received in.
    if (!this.path && batch.buffer.byteLength > 2 * batch.byteLength) batch = this.#copy(batch);
    const base = this.highWatermark;
    stampRecordBatch(batch, base, LEADER_EPOCH);
    let position = -1;
    if (this.#file) {
      position = this.#fileEnd + ENTRY_HEADER;
      this.#fileEnd = position + batch.length;
    }
    this.#push(batch, batch.length, position, base, base + lastOffsetDelta, maxTimestamp, now);
    if (producer && producer.id >= 0) {
      this.#producers.set(producer.id, {
        epoch: producer.epoch,
        lastSequence: producer.baseSequence,
        lastBaseOffset: base,
      });
    }
    const written = this.#file
      ? this.#queueWrite(batch, this.#batches.length - 1)
      : Promise.resolve();
    for (const wake of this.#waiters) wake();
    return { baseOffset: base, written };
  }

  #queueWrite(batch: Uint8Array, index: number): Promise<void> {
    const entry = new Uint8Array(ENTRY_HEADER);
    const v = new DataView(entry.buffer);
    v.setInt32(0, batch.length);
    v.setUint32(4, crc32c(batch.subarray(0, PREFIX)));
    this.#pendingWrites.push(entry, batch);
    this.#pendingIndexes.push(index);
    const done = new Promise<void>((resolve, reject) =>
      this.#writeWaiters.push({ resolve, reject })
    );
    if (!this.#draining) {
      this.#draining = true;
      this.#drained = this.#drain();
    }
    return done;
  }

  // Writes everything queued so far in one system call, so concurrent producers share writes.
  async #drain(): Promise<void> {
    while (this.#pendingWrites.length > 0) {
      const chunks = this.#pendingWrites;
      const waiters = this.#writeWaiters;
      const indexes = this.#pendingIndexes;
      this.#pendingWrites = [];
      this.#writeWaiters = [];
      this.#pendingIndexes = [];
      let total = 0;
      for (const c of chunks) total += c.length;
      const buf = new Uint8Array(total);
      let at = 0;
      for (const c of chunks) {
        buf.set(c, at);
        at += c.length;
      }
      try {
        let off = 0;
        while (off < buf.length) off += await this.#file!.write(buf.subarray(off));
        // Written: from now on fetches read these batches from the file. (Segment logs are never
        // trimmed by retention, so the indexes are still valid.)
        if (!this.#writeFailed) { for (const i of indexes) this.#batches[i] = undefined; }
        for (const w of waiters) w.resolve();
      } catch (e) {
        // File positions after a failed write are uncertain: keep every batch in memory.
        this.#writeFailed = true;
        for (const w of waiters) w.reject(e);
      }
    }
    // Cleared in the same synchronous step as the emptiness check, so no write is stranded.
    this.#draining = false;
  }

  /** Index of the batch containing `offset` (or the first after it). */
  #indexFor(offset: number): number {
    let lo = this.#first;
    let hi = this.#lasts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#lasts[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Whole batches from the one containing `offset`, up to `maxBytes` (at least one batch when
   * `atLeastOne`). Batches only in the segment file are read from it, consecutive ones at once.
   */
  async read(
    offset: number,
    maxBytes: number,
    atLeastOne: boolean,
  ): Promise<{ batches: Uint8Array[]; bytes: number }> {
    let bytes = 0;
    const from = this.#indexFor(offset);
    let to = from;
    for (; to < this.#sizes.length; to++) {
      const size = this.#sizes[to];
      if (bytes + size > maxBytes && !(atLeastOne && to === from)) break;
      bytes += size;
    }
    const batches: Uint8Array[] = [];
    for (let i = from; i < to;) {
      const held = this.#batches[i];
      if (held) {
        batches.push(held);
        i++;
        continue;
      }
      // A run of batches only on disk: contiguous in the file, entry headers between them.
      let j = i + 1;
      while (j < to && !this.#batches[j]) j++;
      const start = this.#positions[i];
      const data = await this.#readFile(start, this.#positions[j - 1] + this.#sizes[j - 1] - start);
      if (!data) return { batches: [], bytes: 0 };
      for (let k = i; k < j; k++) {
        const at = this.#positions[k] - start;
        batches.push(data.subarray(at, at + this.#sizes[k]));
      }
      i = j;
    }
    return { batches, bytes };
  }

  /** Batch `i`, from memory or the segment file; undefined once the log is closed. */
  async #batch(i: number): Promise<Uint8Array | undefined> {
    return this.#batches[i] ?? await this.#readFile(this.#positions[i], this.#sizes[i]);
  }

  /**
   * Reads `length` bytes at `position` of the segment file, one read at a time per log (they
   * share a file handle); undefined once the log is closed.
   */
  #readFile(position: number, length: number): Promise<Uint8Array | undefined> {
    const run = this.#reads.then(async () => {
      if (this.#closed || !this.path) return undefined;
      this.#reader ??= await Deno.open(this.path, { read: true });
      await this.#reader.seek(position, Deno.SeekMode.Start);
      const out = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const n = await this.#reader.read(out.subarray(filled));
        if (n === null) throw new Error(`${this.path} ends before byte ${position + length}`);
        filled += n;
      }
      return out;
    });
    this.#reads = run.catch(() => {});
    return run;
  }

  /** Offset of the first record with a timestamp >= `timestamp`, or -1 when none. */
  async offsetForTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number }> {
    for (let i = this.#first; i < this.#batches.length; i++) {
      if (this.#maxTimestamps[i] < timestamp) continue;
      const batch = await this.#batch(i);
      if (!batch) break;
      try {
        for (const r of decodeRecords(batch)) {
          if (r.timestamp >= timestamp) return { offset: r.offset, timestamp: r.timestamp };
        }
      } catch {
        // Compressed with a codec we cannot decode: the batch as a whole is the best answer.
        return { offset: this.#bases[i], timestamp: this.#maxTimestamps[i] };
      }
    }
    return { offset: -1, timestamp: -1 };
  }

  /** Registers a callback run on every append; returns the unsubscribe function. */
  onAppend(wake: () => void): () => void {
    this.#waiters.add(wake);
    return () => this.#waiters.delete(wake);
  }

  /**
   * A copy of a batch received inside a larger buffer. Small batches share slabs that grow with
   * the log (4 KiB doubling to 256 KiB), so that a producer sending one message per request costs
   * one allocation per many batches, not one each, while a log holding a few messages takes
   * little more than they need. A slab is freed once retention deleted every batch in it.
   */
  #copy(batch: Uint8Array): Uint8Array {
    const size = batch.byteLength;
    if (size > SLAB_MAX_BYTES / 4) return batch.slice();
    if (this.#slabUsed + size > this.#slab.byteLength) {
      const grown = Math.min(SLAB_MAX_BYTES, Math.max(SLAB_MIN_BYTES, 2 * this.#slab.byteLength));
      this.#slab = new Uint8Array(Math.max(grown, size));
      this.#slabUsed = 0;
    }
    const copy = this.#slab.subarray(this.#slabUsed, this.#slabUsed + size);
    copy.set(batch);
    this.#slabUsed += size;
    return copy;
  }

  /** Waits for pending writes and closes the segment file. */
  async close(): Promise<void> {
    // In memory, the batches of a closed log (a deleted topic) no longer count.
    if (!this.path) this.#dropFront(this.#batches.length - this.#first);
    await this.#drained;
    this.#closed = true;
    await this.#reads;
    try {
      this.#file?.close();
    } catch { /* already closed */ }
    try {
      this.#reader?.close();
    } catch { /* already closed */ }
    this.#file = undefined;
    this.#reader = undefined;
    for (const wake of this.#waiters) wake();
  }
}
