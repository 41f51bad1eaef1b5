// Commits for handlers that finish out of order: an alert's offset is committed only once every
// alert before it on its partition has finished, so a crash never skips an unfinished alert.

import type { Metadata } from "../hop/stream.ts";

interface PartitionQueue {
  /** Offsets handed out, in order, not yet committed. */
  waiting: Metadata[];
  /** Offsets finished, waiting for those before them. */
  finished: Set<number>;
}

/** Tracks alerts handed out and finished, and says which position may be committed. */
export class OrderedCommits {
  readonly #partitions = new Map<string, PartitionQueue>();

  /** Notes an alert handed to a handler. */
  handedOut(metadata: Metadata): void {
    const key = `${metadata.topic}\0${metadata.partition}`;
    let queue = this.#partitions.get(key);
    if (!queue) this.#partitions.set(key, queue = { waiting: [], finished: new Set() });
    queue.waiting.push(metadata);
  }

  /**
   * Notes an alert finished; returns the metadata of the last alert of its partition that may now
   * be committed (all before it finished), or undefined when an earlier one is still running.
   */
  finished(metadata: Metadata): Metadata | undefined {
    const queue = this.#partitions.get(`${metadata.topic}\0${metadata.partition}`);
    if (!queue) return undefined;
    queue.finished.add(metadata.offset);
    let last: Metadata | undefined;
    while (queue.waiting.length && queue.finished.has(queue.waiting[0].offset)) {
      last = queue.waiting.shift()!;
      queue.finished.delete(last.offset);
    }
    return last;
  }
}
