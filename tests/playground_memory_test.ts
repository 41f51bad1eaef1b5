/**
 * What an endless playground keeps per alert and per superevent stays bounded: the alerts its
 * broker holds, the publisher's lock-step with the in-process listener, and the listener's
 * summary table.
 */
import assert from "node:assert/strict";
import { AlertTally } from "../lib/cli/_alert_summary.ts";
import { Arrivals } from "../lib/playground/_arrivals.ts";
import { graceDbTopics, simulateLifecycles, startPlayground } from "../lib/playground/mod.ts";
import { KAFKAJS_TEST, kafkajsClient } from "./support/kafkajs.ts";
import { test } from "./support/deadline.ts";

test({
  name: "an in-memory playground keeps its newest alerts, oldest deleted first across topics",
  ...KAFKAJS_TEST,
  async fn() {
    // 500 lifecycles are about 110 MiB of alerts: the superevent topic reaches its own 4 MiB
    // after some 30 of them, the others together pass the 32 MiB budget after some 360.
    const count = 500;
    await using playground = await startPlayground({
      port: 0,
      noAuth: true,
      seed: 5,
      count,
      brokerLogger: () => {},
    });
    assert.equal((await playground.done).lifecycles, count);
    const admin = kafkajsClient([`${playground.broker.host}:${playground.broker.port}`]).admin();
    await admin.connect();
    const low = new Map<string, number>();
    try {
      for (const topic of graceDbTopics("gracedb")) {
        const [partition] = await admin.fetchTopicOffsets(topic);
        low.set(topic, Number(partition.low));
      }
    } finally {
      await admin.disconnect();
    }
    // Which lifecycles each topic still holds alerts of, from its log start offset.
    const seen = new Map<string, number>();
    const deleted: number[] = [];
    const held: number[] = [];
    let supereventDeleted = 0;
    for (const step of simulateLifecycles({ seed: 5, count })) {
      const index = seen.get(step.topic) ?? 0;
      seen.set(step.topic, index + 1);
      const gone = index < low.get(step.topic)!;
      // The superevent topic is trimmed by its own retention.bytes as well.
      if (step.topic === "gracedb.superevent") supereventDeleted += gone ? 1 : 0;
      else (gone ? deleted : held).push(step.lifecycle);
    }
    assert.ok(supereventDeleted > 0);
    // Every other topic holds less than its 4 MiB: the budget deleted the oldest lifecycles'
    // alerts of all of them, up to one cut (a lifecycle is produced in one request, whose
    // partitions the broker stores in request order, so the cut may split that lifecycle).
    const cut = Math.max(...deleted);
    assert.ok(cut > 50 && cut < count - 50, `cut at lifecycle ${cut}`);
    assert.ok(Math.min(...held) >= cut, `held from lifecycle ${Math.min(...held)}, cut ${cut}`);
  },
});

test("Arrivals keeps no wait once each alert arrived, in either order", async () => {
  const arrivals = new Arrivals();
  const signal = new AbortController().signal;
  for (let i = 0; i < 1000; i++) {
    const topic = `gracedb.topic_${i % 7}`;
    if (i % 2) {
      const wait = arrivals.next(topic, signal);
      assert.equal(arrivals.waiting, 1);
      arrivals.arrive(topic);
      await wait;
    } else {
      arrivals.arrive(topic);
      await arrivals.next(topic, signal);
    }
    assert.equal(arrivals.waiting, 0);
  }
});

test("Arrivals.fail rejects the wait in progress and every later one", async () => {
  const arrivals = new Arrivals();
  const signal = new AbortController().signal;
  const pending = arrivals.next("gracedb.superevent", signal);
  const failure = new Error("listener stopped");
  arrivals.fail(failure);
  await assert.rejects(pending, failure);
  assert.equal(arrivals.waiting, 0);
  arrivals.arrive("gracedb.cbc_gstlal");
  await assert.rejects(arrivals.next("gracedb.cbc_gstlal", signal), failure);
});

test("Arrivals ends a wait when the run is aborted or the alert is late", async () => {
  const arrivals = new Arrivals(20);
  const stop = new AbortController();
  const aborted = arrivals.next("gracedb.superevent", stop.signal);
  stop.abort();
  await aborted;
  await assert.rejects(
    arrivals.next("gracedb.superevent", new AbortController().signal),
    /did not receive alert 2 of topic gracedb\.superevent within 0\.02 s/,
  );
  assert.equal(arrivals.waiting, 0);
});

test("AlertTally keeps the latest superevents and forgets the alerts of older ones", () => {
  const steps = [...simulateLifecycles({ seed: 3, count: 40 })];
  const bounded = new AlertTally(5);
  const full = new AlertTally(100);
  for (const step of steps) {
    const alert = { fullTopic: step.topic, payload: step.alert };
    bounded.add(alert);
    full.add(alert);
  }
  assert.equal(full.superevents.length, 40);
  assert.deepEqual(bounded.superevents, full.superevents.slice(-5));
  for (const id of bounded.superevents) assert.equal(bounded.alertsOf(id), full.alertsOf(id));
  // Only the uids of the five kept superevents (and their events) remain.
  assert.ok(full.trackedUids > 100, `${full.trackedUids} uids in the full tally`);
  const keptUids = full.trackedUids * 5 / 40;
  assert.ok(bounded.trackedUids <= keptUids * 2, `${bounded.trackedUids} uids kept`);
  assert.equal(bounded.total, steps.length);
  const summary = bounded.summary(1000);
  assert.match(summary, new RegExp(`^received ${steps.length} alerts on \\d+ topics about 40 `));
  assert.match(summary, /\n\(the 35 earlier superevents are not listed\)\n$/);
  assert.equal(summary.split("\n").filter((line) => /^S\d{6}[a-z]+ /.test(line)).length, 5);
});
