/**
 * Offsets waiting to be committed for a consumer group, sent in coalesced requests. A commit
 * that fails for a reason that can pass (a rebalance, an outage) is kept and sent again later;
 * if the partition has moved to another member meanwhile, that member starts from the last
 * commit that did arrive, so a message may be delivered twice but never skipped.
 *
 * @module
 */
import { isRecoverable, type KafkaError } from "../kafka/errors.ts";
import type { PartitionOffset } from "../kafka/types.ts";

/** How a {@linkcode CommitQueue} reaches the group, and what it may commit. */
export interface CommitTarget {
  /** Sends one OffsetCommit request. */
  commit(positions: PartitionOffset[]): Promise<void>;
  /** Whether this member still reads the partition (commits of others' partitions are dropped). */
  owns(topic: string, partition: number): boolean;
  /** Told of a commit that failed; `retrying` says whether it is kept for a later attempt. */
  onFailure(error: KafkaError, retrying: boolean): void;
}

/** Coalesces commits to at most one request per this many ms. */
const COMMIT_INTERVAL_MS = 100;
/** A failed commit is tried again after this long. */
const COMMIT_RETRY_MS = 1_000;

const keyOf = (topic: string, partition: number) => `${partition}\u0000${topic}`;

/** Pending commits, flushed by a timer, by {@linkcode CommitQueue.flush}, or on close. */
export class CommitQueue {
  #target: CommitTarget;
  #pending = new Map<string, PartitionOffset>();
  #inFlight?: Promise<void>;
  #timer?: ReturnType<typeof setTimeout>;
  #closed = false;

  constructor(target: CommitTarget) {
    this.#target = target;
  }

  /**
   * Queues `offset` (the next offset to read) for a partition; an older queued one is replaced.
   *
   * @param later `true`: sent by the timer; `false`: the caller flushes
   */
  add(topic: string, partition: number, offset: number, later = true): void {
    const key = keyOf(topic, partition);
    const pending = this.#pending.get(key);
    if (!pending) this.#pending.set(key, { topic, partition, offset });
    else if (pending.offset < offset) pending.offset = offset;
    if (later) this.#schedule(COMMIT_INTERVAL_MS);
  }

  /**
   * Sends everything queued and waits for it.
   *
   * @throws {KafkaError} when the group refuses for good (authorization, say); a failure that can
   *   pass is kept for a later attempt and not thrown
   */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (this.#inFlight || this.#pending.size) {
      if (this.#inFlight) {
        await this.#inFlight;
        continue;
      }
      const positions = [...this.#pending.values()].filter((p) =>
        this.#target.owns(p.topic, p.partition)
      );
      this.#pending.clear();
      if (!positions.length) return;
      let failure: KafkaError | undefined;
      const sending = this.#target.commit(positions).catch((error: KafkaError) => {
        failure = error;
        for (const p of positions) this.add(p.topic, p.partition, p.offset, false);
      });
      this.#inFlight = sending;
      await sending;
      this.#inFlight = undefined;
      if (failure) {
        if (!isRecoverable(failure)) throw failure;
        this.#target.onFailure(failure, true);
        this.#schedule(COMMIT_RETRY_MS);
        return;
      }
    }
  }

  /** Stops the timer; what is queued stays for a last {@linkcode CommitQueue.flush}. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(ms: number): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch((error: KafkaError) => this.#target.onFailure(error, false));
    }, ms);
  }
}
