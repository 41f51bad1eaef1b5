// Turns a start position into one offset per partition, checking it against what the partitions
// hold. Done once when a reader opens, so that a bad position is reported by openStream.

import type { KafkaAdmin } from "../kafka/admin.ts";
import type { PartitionOffset, PartitionWatermarks } from "../kafka/types.ts";
import { parseStartTime, type StartPosition, StartPositionError } from "./start_position.ts";

/** Whether a start position needs offsets worked out before reading (else the group's join does). */
export function needsStartOffsets(startAt: StartPosition, resetOffsets: boolean): boolean {
  return typeof startAt === "object" || resetOffsets;
}

/** Checks the shape of a start position given by a program, before anything connects. */
export function checkStartPosition(startAt: StartPosition): void {
  if (startAt === "earliest" || startAt === "latest") return;
  const fail = (what: string) => {
    throw new RangeError(`startAt ${what}`);
  };
  if (typeof startAt !== "object" || startAt === null) {
    return fail(
      `must be "earliest", "latest", { offset }, { since } or { last }, got '${startAt}'`,
    );
  }
  const isOffset = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
  if ("offset" in startAt) {
    const { offset } = startAt;
    if (typeof offset === "number") {
      if (!isOffset(offset)) fail(`offset must be an integer >= 0, got ${offset}`);
    } else if (typeof offset === "object" && offset !== null) {
      for (const [partition, value] of Object.entries(offset)) {
        if (!/^\d+$/.test(partition) || !isOffset(value)) {
          fail(`offset of partition ${partition} must be an integer >= 0, got ${value}`);
        }
      }
    } else fail(`offset must be a number or a map of partition to offset`);
  } else if ("last" in startAt) {
    if (!isOffset(startAt.last)) fail(`last must be an integer >= 0, got ${startAt.last}`);
  } else if ("since" in startAt) {
    parseStartTime(startAt.since);
  } else {
    fail(`must be "earliest", "latest", { offset }, { since } or { last }`);
  }
}

/**
 * One start offset per partition of each topic. `known` holds watermarks already fetched, by
 * topic; the others are asked for.
 *
 * @throws {StartPositionError} for a time in the future or before a topic's first stored message,
 *   and for an offset past a partition's end or no longer stored
 */
export async function resolveStartOffsets(
  admin: KafkaAdmin,
  topics: string[],
  startAt: StartPosition,
  now: number = Date.now(),
  known: ReadonlyMap<string, PartitionWatermarks[]> = new Map(),
): Promise<PartitionOffset[]> {
  const since = typeof startAt === "object" && "since" in startAt
    ? parseStartTime(startAt.since, now)
    : undefined;
  if (since !== undefined && since > now) {
    throw new StartPositionError(
      `start time ${new Date(since).toISOString()} is in the future (now is ${
        new Date(now).toISOString()
      })`,
    );
  }
  const result: PartitionOffset[] = [];
  for (const topic of topics) {
    const watermarks = known.get(topic) ?? await admin.watermarks(topic);
    if (since !== undefined) {
      const [atTime, afterTime] = await Promise.all([
        admin.offsetsForTime(topic, since),
        admin.offsetsForTime(topic, since + 1),
      ]);
      const byPartition = new Map(atTime.map((o) => [o.partition, o.offset]));
      const after = new Map(afterTime.map((o) => [o.partition, o.offset]));
      const stored = watermarks.filter((w) => w.high > w.low);
      // Every stored message is later than the time: nothing tells what came before it.
      if (stored.length && stored.every((w) => after.get(w.partition) === w.low)) {
        throw new StartPositionError(
          `start time ${
            new Date(since).toISOString()
          } is before the first message stored in topic '${topic}'; use earliest to read all of it`,
        );
      }
      for (const w of watermarks) {
        const offset = byPartition.get(w.partition) ?? w.high;
        result.push({ topic, partition: w.partition, offset: offset < 0 ? w.high : offset });
      }
      continue;
    }
    for (const { partition, low, high } of watermarks) {
      let offset: number;
      if (startAt === "earliest") offset = low;
      else if (startAt === "latest") offset = high;
      else if ("last" in startAt) offset = Math.max(low, high - startAt.last);
      else if ("offset" in startAt) {
        const wanted = typeof startAt.offset === "number"
          ? startAt.offset
          : startAt.offset[partition];
        offset = wanted ?? high;
        if (offset > high) {
          throw new StartPositionError(
            `offset ${offset} is past the end of topic '${topic}' partition ${partition} ` +
              `(its next offset is ${high})`,
          );
        }
        if (offset < low) {
          throw new StartPositionError(
            `offset ${offset} of topic '${topic}' partition ${partition} is no longer stored ` +
              `(the first stored offset is ${low})`,
          );
        }
      } else offset = high;
      result.push({ topic, partition, offset });
    }
  }
  return result;
}

/** One assigned partition, as {@linkcode assignmentStarts} sees it. */
export interface AssignedPartition {
  /** The group's committed offset, if any. */
  committed?: number;
  /** The first offset the log holds and its end, if known. */
  low?: number;
  high?: number;
  /** The start worked out when the stream opened (`startAt` other than earliest/latest). */
  resolved?: number;
  /** Whether `resetOffsets` applies to it now (its first assignment to this reader). */
  reset: boolean;
}

/** Where an assigned partition starts, and the committed offsets retention deleted. */
export interface AssignmentStart {
  /** The offset to start at; undefined leaves it to the Kafka client. */
  start?: number;
  /** The committed offset when the log no longer holds it (the start is then `low`). */
  deletedFrom?: number;
}

/**
 * Where a partition new to this reader starts: its start worked out at open when a reset applies;
 * else the group's commit, or the oldest offset still held when retention deleted the commit
 * (whatever `startAt` says: the group never read what follows it); else the start worked out at
 * open; else, for a partition that had none (created since), the end of the log for `latest` and
 * its oldest offset otherwise.
 *
 * @param p the partition
 * @param startAt the stream's start position
 * @returns the start, and the deleted commit if any
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assignmentStarts } from "./_start_offsets.ts";
 * const p = { committed: 1, low: 3, high: 5, reset: false };
 * assert.deepEqual(assignmentStarts(p, "latest"), { start: 3, deletedFrom: 1 });
 * assert.deepEqual(assignmentStarts({ ...p, committed: undefined }, "latest"), { start: 5 });
 * ```
 */
export function assignmentStarts(p: AssignedPartition, startAt: StartPosition): AssignmentStart {
  if (p.reset && p.resolved !== undefined) return { start: p.resolved };
  if (p.committed !== undefined) {
    if (p.low !== undefined && p.committed < p.low) {
      return { start: p.low, deletedFrom: p.committed };
    }
    return { start: p.committed };
  }
  if (p.resolved !== undefined) return { start: p.resolved };
  const fallback = startAt === "latest" ? p.high : p.low;
  return fallback === undefined ? {} : { start: fallback };
}
