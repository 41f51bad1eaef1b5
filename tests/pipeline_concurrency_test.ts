/**
 * Client.listen with `concurrency`: handlers overlap across superevents, never within one, and a
 * commit never passes an alert whose handler has not finished.
 */
import assert from "node:assert/strict";
import { startBroker } from "../lib/broker/mod.ts";
import { Client } from "../lib/alert/client.ts";
import { graceDbTopics } from "../lib/playground/mod.ts";
import { test } from "./support/deadline.ts";

/** Alerts of three superevents, interleaved: S1 S2 S3 S1 S2 S3 ... */
const ALERTS = Array.from({ length: 12 }, (_, i) => ({
  uid: `S${(i % 3) + 1}`,
  alert_type: "log",
  data: { n: i },
  object: { superevent_id: `S${(i % 3) + 1}` },
}));

async function brokerWithAlerts() {
  const broker = await startBroker({ port: 0, topics: graceDbTopics("gracedb"), logger: () => {} });
  await using publisher = new Client({ server: broker.url, noAuth: true });
  for (const alert of ALERTS) await publisher.publish("superevent", alert);
  return broker;
}

const nOf = (payload: unknown) => (payload as { data: { n: number } }).data.n;

test({
  name: "concurrency: alerts of different superevents overlap, those of one superevent do not",
  async fn({ within }) {
    await using broker = await brokerWithAlerts();
    await using client = new Client({
      server: broker.url,
      noAuth: true,
      consumerGroup: "concurrent",
      startAt: "earliest",
    });
    const running = new Map<string, number>();
    let most = 0;
    const order: Record<string, number[]> = {};
    let finished = 0;
    // Each handler waits until a second one is running (or a short timer), so overlap shows.
    let waiting: (() => void)[] = [];
    await within(
      client.listen(
        async (_topic, payload) => {
          const uid = payload.uid;
          assert.equal(running.get(uid) ?? 0, 0, `two handlers of ${uid} at once`);
          running.set(uid, 1);
          most = Math.max(most, [...running.values()].reduce((a, b) => a + b, 0));
          (order[uid] ??= []).push(nOf(payload));
          const wake = waiting;
          waiting = [];
          for (const resolve of wake) resolve();
          if (most < 2) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, 500);
              waiting.push(() => {
                clearTimeout(timer);
                resolve();
              });
            });
          }
          running.set(uid, 0);
          if (++finished === ALERTS.length) client.stop();
        },
        "superevent",
        { concurrency: 3 },
      ),
      "every alert handled",
    );
    assert.ok(most >= 2, `at most ${most} handler(s) ran at once`);
    assert.deepEqual(order, {
      S1: [0, 3, 6, 9],
      S2: [1, 4, 7, 10],
      S3: [2, 5, 8, 11],
    });
  },
});

test({
  name: "concurrency: a stop leaves an unfinished alert uncommitted though later ones finished",
  async fn({ within }) {
    await using broker = await brokerWithAlerts();
    const options = { server: broker.url, noAuth: true, consumerGroup: "held", retryWaitMs: 1 };
    await using client = new Client({ ...options, startAt: "earliest" });
    const done: number[] = [];
    const laterDone = Promise.withResolvers<void>();
    await within(
      client.listen(
        async (_topic, payload) => {
          const n = nOf(payload);
          if (n === 1) {
            // S2's first alert fails until the listener stops: S2 then waits behind it.
            await laterDone.promise;
            throw new Error("downstream busy");
          }
          done.push(n);
          if (n === 3) laterDone.resolve();
          if (done.includes(0) && done.includes(2) && done.includes(3)) client.stop();
        },
        "superevent",
        { concurrency: 4 },
      ),
      "the listener to stop",
    );
    assert.ok(!done.includes(1) && !done.includes(4), `S2's alerts stay unhandled: ${done}`);

    // The group resumes at the first unfinished alert: nothing after it was committed past it.
    await using again = new Client(options);
    for await (const alert of again.listen("superevent")) {
      assert.equal(nOf(alert.payload), 1);
      break;
    }
  },
});
