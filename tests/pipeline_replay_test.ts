/**
 * `replayRecording`'s pace on a manual clock: alerts go out by their recorded timestamps, each
 * partition's in its recorded order, with the recorded gaps divided by the speed.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/clock.ts";
import type { Producer } from "../lib/hop/stream.ts";
import type { RecordedAlert } from "../lib/pipeline/record.ts";
import { replayRecording } from "../lib/pipeline/replay.ts";
import { test } from "./support/deadline.ts";

const alert = (topic: string, offset: number, timestamp: number): RecordedAlert => ({
  topic,
  partition: 0,
  offset,
  timestamp,
  key: null,
  headers: [["_format", "json"]],
  payload: JSON.stringify({ uid: `${topic}-${offset}` }),
  kind: "json",
});

/** A producer that notes when each alert was queued, on the clock. */
function notingProducer(clock: ManualClock) {
  const sent: { uid: string; at: number }[] = [];
  const producer = {
    write(content: { uid: string }) {
      sent.push({ uid: content.uid, at: clock.now() });
      return Promise.resolve();
    },
    writeRaw() {
      return Promise.reject(new Error("a JSON recording is written with write()"));
    },
    flush: () => Promise.resolve(),
  } as unknown as Producer;
  return { producer, sent };
}

/** Runs the replay, moving the clock to each timer it sets until it has finished. */
async function replayOnClock(
  records: RecordedAlert[],
  speed: number,
): Promise<{ uid: string; at: number }[]> {
  const clock = new ManualClock(1_000);
  const { producer, sent } = notingProducer(clock);
  let finished = false;
  const done = replayRecording(producer, records, { speed, clock }).finally(() => {
    finished = true;
  });
  while (!finished) {
    // Lets the replay reach its next wait (or its end), then moves the clock to that wait's end.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const next = clock.nextDueInMs();
    if (next !== undefined) clock.advance(next);
  }
  assert.equal(await done, records.length);
  return sent.map(({ uid, at }) => ({ uid, at: at - 1_000 }));
}

// As a recording lists them: one topic's alerts, then another's that came in between.
const recording = [
  alert("gracedb.superevent", 0, 50_000),
  alert("gracedb.superevent", 1, 50_400),
  alert("gracedb.superevent", 2, 51_000),
  alert("gracedb.cbc_gstlal", 0, 49_900),
  alert("gracedb.cbc_gstlal", 1, 50_600),
];

test("a replay keeps the recorded gaps, merging topics by timestamp", async () => {
  assert.deepEqual(await replayOnClock(recording, 1), [
    { uid: "gracedb.cbc_gstlal-0", at: 0 },
    { uid: "gracedb.superevent-0", at: 100 },
    { uid: "gracedb.superevent-1", at: 500 },
    { uid: "gracedb.cbc_gstlal-1", at: 700 },
    { uid: "gracedb.superevent-2", at: 1_100 },
  ]);
});

test("--speed divides the gaps; each partition keeps its recorded order", async () => {
  assert.deepEqual((await replayOnClock(recording, 4)).map(({ at }) => at), [0, 25, 125, 175, 275]);
  // A partition whose timestamps go back (two producers) is still replayed in its own order.
  const sent = await replayOnClock(
    [alert("gracedb.test", 0, 2_000), alert("gracedb.test", 1, 1_000)],
    1,
  );
  assert.deepEqual(sent, [
    { uid: "gracedb.test-0", at: 1_000 },
    { uid: "gracedb.test-1", at: 1_000 },
  ]);
});
