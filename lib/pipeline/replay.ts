/**
 * Replays a recording made with `listen --output`: each alert published again on its topic, at
 * the recorded pace or faster.
 *
 * @module
 */

import { sleep } from "../_sleep.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { Producer } from "../hop/stream.ts";
import type { RecordedAlert } from "./record.ts";

/** How {@link replayRecording} paces and reports. */
export interface ReplayOptions {
  /**
   * How much faster than recorded: 1 keeps the recorded gaps between alerts, 10 divides them by
   * ten, `Infinity` sends everything at once. Default 1.
   */
  speed?: number;
  /** Aborting stops at the next alert. */
  signal?: AbortSignal;
  /** Called after each alert was queued. */
  onPublished?: (record: RecordedAlert) => void;
  /** Where the gaps are measured and waited. Default {@linkcode systemClock}. */
  clock?: Clock;
}

/** Hop's own headers, which the producer writes again itself. */
const HOP_HEADERS = new Set(["_id", "_sender", "_test", "_format"]);

/**
 * Publishes `records` by their recorded timestamps (each partition's in its recorded order), each
 * on its recorded topic with its recorded headers and key, the payload packed as it was recorded
 * (GraceDB's alerts as JSON strings, as GraceDB sends them); the first goes out at once, and each
 * other when as much time has passed as between its timestamp and the first, divided by `speed`.
 *
 * @param producer a producer on the broker to replay into.
 * @param records the recording, in file order.
 * @param options pace, cancellation and progress.
 * @returns how many alerts were published (fewer when aborted).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { Client } from "../alert/client.ts";
 * import { openStream } from "../hop/stream.ts";
 * import { replayRecording } from "./replay.ts";
 * await using broker = await startBroker({ port: 0, topics: ["gracedb.superevent"], logger: () => {} });
 * const record = { topic: "gracedb.superevent", partition: 0, offset: 9, timestamp: 0,
 *   key: null, headers: [], payload: '{"uid": "S1", "alert_type": "new"}' };
 * {
 *   await using producer = await openStream(`${broker.url}/`, "w", { auth: false });
 *   assert.equal(await replayRecording(producer, [record, { ...record, timestamp: 20 }], { speed: 2 }), 2);
 * }
 * await using client = new Client({ server: broker.url, noAuth: true, startAt: "earliest" });
 * for await (const alert of client.listen("superevent")) {
 *   assert.equal(alert.raw, record.payload);
 *   break;
 * }
 * ```
 */
export async function replayRecording(
  producer: Producer,
  records: readonly RecordedAlert[],
  options: ReplayOptions = {},
): Promise<number> {
  const speed = options.speed ?? 1;
  if (!(speed > 0)) throw new RangeError(`speed must be a number > 0, got ${speed}`);
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  let first = Infinity;
  for (const record of records) first = Math.min(first, record.timestamp);
  let published = 0;
  for (const record of inTimeOrder(records)) {
    if (options.signal?.aborted) break;
    const due = started + (record.timestamp - first) / speed;
    const wait = due - clock.now();
    if (wait > 0 && Number.isFinite(wait)) {
      // Queued alerts go out before the pause, so that they are not held back by it.
      await producer.flush();
      await sleep(wait, options.signal, clock);
      if (options.signal?.aborted) break;
    }
    const headers = record.headers.filter(([name]) => !HOP_HEADERS.has(name));
    const test = record.headers.some(([name, value]) => name === "_test" && value === "true");
    const common = { topic: record.topic, ...(record.key !== null ? { key: record.key } : {}) };
    if (record.kind === "text") {
      const bytes = new TextEncoder().encode(record.payload);
      await producer.writeRaw(bytes, {
        ...common,
        headers: headers.map(([name, value]) => [name, new TextEncoder().encode(value)]),
      });
    } else {
      const content = record.kind === "json" ? JSON.parse(record.payload) : record.payload;
      await producer.write(content, { ...common, headers, test });
    }
    published++;
    options.onPublished?.(record);
  }
  await producer.flush();
  return published;
}

/**
 * The records by timestamp, each partition's in its recorded order: a file lists alerts as they
 * arrived, partition after partition, so an earlier alert of one topic can follow a later one of
 * another.
 */
function* inTimeOrder(records: readonly RecordedAlert[]): Generator<RecordedAlert> {
  const queues = new Map<string, RecordedAlert[]>();
  for (const record of records) {
    const key = `${record.topic}\0${record.partition}`;
    let queue = queues.get(key);
    if (!queue) queues.set(key, queue = []);
    queue.push(record);
  }
  const heads = [...queues.values()].map((queue) => ({ queue, at: 0 }));
  for (let left = records.length; left > 0; left--) {
    let next = heads[0];
    for (const head of heads) {
      if (head.at >= head.queue.length) continue;
      if (
        next.at >= next.queue.length ||
        head.queue[head.at].timestamp < next.queue[next.at].timestamp
      ) {
        next = head;
      }
    }
    yield next.queue[next.at++];
  }
}
