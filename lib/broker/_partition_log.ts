/**
 * One partition's log: record batches kept in memory exactly as received, optionally mirrored to
 * an append-only segment file so they survive a restart.
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
const EMPTY = new Uint8Array(0);

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
  #batches: Uint8Array[] = [];
  #first = 0;
  /** Bytes of the batches held (from the log start offset on). */
  bytes = 0;
  highWatermark = 0;
  logStartOffset = 0;
  readonly #waiters = new Set<() => void>();
  readonly #producers = new Map<number, ProducerState>();
  #file: Deno.FsFile | undefined;
  #pendingWrites: Uint8Array[] = [];
  #draining = false;
  #drained: Promise<void> = Promise.resolve();
  #writeWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(readonly path?: string) {}

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
      const batch = data.slice(at + ENTRY_HEADER, at + ENTRY_HEADER + len);
      const h = readRecordBatchHeader(batch);
      this.#push(batch, h.baseOffset, h.baseOffset + h.lastOffsetDelta, h.maxTimestamp, 0);
      at += ENTRY_HEADER + len;
    }
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

  #push(batch: Uint8Array, base: number, last: number, maxTimestamp: number, now: number): void {
    this.#bases.push(base);
    this.#lasts.push(last);
    this.#maxTimestamps.push(maxTimestamp);
    this.#storedAt.push(now);
    this.#batches.push(batch);
    this.bytes += batch.length;
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
    const count = this.#batches.length;
    while (first < count) {
      const size = this.#batches[first].length;
      const expired = retentionMs >= 0 && now - this.#storedAt[first] >= retentionMs;
      const tooBig = retentionBytes >= 0 && this.bytes - size >= retentionBytes;
      if (!expired && !tooBig) break;
      this.bytes -= size;
      this.#batches[first] = EMPTY;
      first++;
    }
    if (first === start) return 0;
    this.#first = first;
    this.logStartOffset = first < count ? this.#bases[first] : this.highWatermark;
    if (first >= 1024 && first * 2 >= count) {
      this.#bases = this.#bases.slice(first);
      this.#lasts = this.#lasts.slice(first);
      this.#maxTimestamps = this.#maxTimestamps.slice(first);
      this.#storedAt = this.#storedAt.slice(first);
      this.#batches = this.#batches.slice(first);
      this.#first = 0;
    }
    return first - start;
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
    const base = this.highWatermark;
    stampRecordBatch(batch, base, LEADER_EPOCH);
    this.#push(batch, base, base + lastOffsetDelta, maxTimestamp, now);
    if (producer && producer.id >= 0) {
      this.#producers.set(producer.id, {
        epoch: producer.epoch,
        lastSequence: producer.baseSequence,
        lastBaseOffset: base,
      });
    }
    const written = this.#file ? this.#queueWrite(batch) : Promise.resolve();
    for (const wake of this.#waiters) wake();
    return { baseOffset: base, written };
  }

  #queueWrite(batch: Uint8Array): Promise<void> {
    const entry = new Uint8Array(ENTRY_HEADER);
    const v = new DataView(entry.buffer);
    v.setInt32(0, batch.length);
    v.setUint32(4, crc32c(batch.subarray(0, PREFIX)));
    this.#pendingWrites.push(entry, batch);
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
      this.#pendingWrites = [];
      this.#writeWaiters = [];
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
        for (const w of waiters) w.resolve();
      } catch (e) {
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
   * `atLeastOne`).
   */
  read(
    offset: number,
    maxBytes: number,
    atLeastOne: boolean,
  ): { batches: Uint8Array[]; bytes: number } {
    const batches: Uint8Array[] = [];
    let bytes = 0;
    for (let i = this.#indexFor(offset); i < this.#batches.length; i++) {
      const b = this.#batches[i];
      if (bytes + b.length > maxBytes && !(atLeastOne && batches.length === 0)) break;
      batches.push(b);
      bytes += b.length;
    }
    return { batches, bytes };
  }

  /** Offset of the first record with a timestamp >= `timestamp`, or -1 when none. */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } {
    for (let i = this.#first; i < this.#batches.length; i++) {
      if (this.#maxTimestamps[i] < timestamp) continue;
      try {
        for (const r of decodeRecords(this.#batches[i])) {
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

  /** Waits for pending writes and closes the segment file. */
  async close(): Promise<void> {
    await this.#drained;
    try {
      this.#file?.close();
    } catch { /* already closed */ }
    this.#file = undefined;
    for (const wake of this.#waiters) wake();
  }
}
