/**
 * kafkajs' request queue on an idle connection: timers fire only for heartbeats, fetch long-polls
 * and the occasional request-timeout check, not in an endless loop; waiting requests are still
 * sent once a throttle ends or a request slot frees up, and requests still time out.
 *
 * Run `IGWN_ALERT_KAFKAJS_IDLE_FIX=0 deno test -A --frozen tests/kafka_idle_test.ts` to see the
 * tests fail without the fix.
 */
import assert from "node:assert/strict";
import { startBroker } from "../lib/broker/mod.ts";
import { installIdleTimerFix } from "../lib/kafka/_idle_timer_fix.ts";
import { GroupConsumer } from "../lib/kafka/group_consumer.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";
import { test, withDeadline } from "./support/deadline.ts";

const TOPIC = "idle.alerts";
/** Idle window over which timer firings are counted, in ms. */
const WINDOW_MS = 4_000;
/**
 * Timer firings allowed in the window, for the whole process (our broker included). With the fix
 * about 10 fire (two 1 s request-timeout checks per connection and the broker's own); without it
 * the request queues alone fire 200 to 500 times a second (thousands in the window), and still
 * hundreds on a starved machine.
 */
const MAX_FIRINGS = 200;

type TimerFunction = (callback: unknown, delay?: number, ...rest: unknown[]) => unknown;

/** Counts the firings of every timeout and interval armed from now on, until restored. */
function countTimerFirings(): { firings: () => number; restore: () => void } {
  let firings = 0;
  const originals = { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval };
  const wrap = (original: TimerFunction): TimerFunction =>
    function (this: unknown, callback, delay, ...rest) {
      const counted = typeof callback === "function"
        ? function (this: unknown, ...args: unknown[]) {
          firings++;
          return callback.apply(this, args);
        }
        : callback;
      return original.call(this, counted, delay, ...rest);
    };
  globalThis.setTimeout = wrap(originals.setTimeout as TimerFunction) as typeof setTimeout;
  globalThis.setInterval = wrap(originals.setInterval as TimerFunction) as typeof setInterval;
  return {
    firings: () => firings,
    restore: () => Object.assign(globalThis, originals),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test("an idle consumer's connections fire few timers", KAFKAJS_TEST, async () => {
  const counter = countTimerFirings();
  try {
    await using broker = await startBroker({ port: 0, topics: [TOPIC], logger: () => {} });
    const { promise: assigned, resolve: onAssignment } = Promise.withResolvers<void>();
    const consumer = await GroupConsumer.start({
      brokers: broker.addresses,
      groupId: "idle",
      topics: [TOPIC],
      fromBeginning: true,
      onBatch: () => Promise.resolve(),
      onAssignment: () => onAssignment(),
      onCrash: (error) => console.error(`consumer crashed: ${error.message}`),
    });
    try {
      await assigned;
      await sleep(1_000);
      const before = counter.firings();
      await sleep(WINDOW_MS);
      const fired = counter.firings() - before;
      assert.ok(
        fired < MAX_FIRINGS,
        `${fired} timer firings in ${WINDOW_MS} ms while idle (at most ${MAX_FIRINGS} expected)`,
      );
    } finally {
      await consumer.close();
    }
  } finally {
    counter.restore();
  }
  assert.equal((await installIdleTimerFix()).state, "installed");
});

/** A request queue of kafkajs with the fix installed, and requests to push onto it. */
async function requestQueue(options: { maxInFlightRequests?: number; requestTimeout?: number }) {
  await installIdleTimerFix();
  const { default: RequestQueue } = await import("kafkajs/src/network/requestQueue/index.js");
  const noop = () => {};
  const queue = new RequestQueue({
    maxInFlightRequests: options.maxInFlightRequests ?? null,
    requestTimeout: options.requestTimeout ?? 30_000,
    enforceRequestTimeout: true,
    clientId: "idle-test",
    broker: "nowhere:9092",
    logger: { debug: noop, info: noop, warn: noop, error: noop },
  });
  let nextId = 1;
  const sent: number[] = [];
  const push = () => {
    const correlationId = nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    promise.catch(() => {});
    queue.push({
      entry: { correlationId, apiKey: 18, apiName: "ApiVersions", apiVersion: 0, resolve, reject },
      expectResponse: true,
      sendRequest: () => sent.push(correlationId),
    });
    return { correlationId, response: promise };
  };
  return { queue, sent, push };
}

async function within<T>(ms: number, what: string, done: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = done();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not within ${ms} ms`);
    await sleep(5);
  }
}

test("an empty request queue arms no timer", async () => {
  const { queue } = await requestQueue({});
  queue.checkPendingRequests();
  const armed = queue.throttleCheckTimeoutId;
  queue.destroy();
  assert.equal(armed, null);
});

test("a throttled request is sent when the throttle ends", async () => {
  const { queue, sent, push } = await requestQueue({});
  try {
    const started = Date.now();
    queue.maybeThrottle(150);
    const { correlationId } = push();
    assert.deepEqual(sent, [], "sent during the throttle");
    await within(5_000, "the throttled request sent", () => sent.length ? true : undefined);
    assert.deepEqual(sent, [correlationId]);
    assert.ok(Date.now() - started >= 140, `sent after ${Date.now() - started} ms`);
    assert.equal(queue.throttleCheckTimeoutId, null, "a timer armed with nothing waiting");
  } finally {
    queue.destroy();
  }
});

test("a request waiting for a slot is sent when a response frees one", async () => {
  const { queue, sent, push } = await requestQueue({ maxInFlightRequests: 1 });
  try {
    const first = push();
    const second = push();
    assert.deepEqual(sent, [first.correlationId]);
    queue.fulfillRequest({ correlationId: first.correlationId, payload: null, size: 0 });
    assert.deepEqual(sent, [first.correlationId, second.correlationId]);
    await first.response;
  } finally {
    queue.destroy();
  }
});

test("a request without an answer still times out", async () => {
  const { queue, push } = await requestQueue({ requestTimeout: 200 });
  try {
    queue.scheduleRequestTimeoutCheck();
    const started = Date.now();
    const { response } = push();
    const error = await withDeadline(
      response.then(() => new Error("answered"), (e: Error) => e),
      5_000,
      "the unanswered request to time out",
    );
    assert.match(error.message, /timed out/);
    assert.ok(Date.now() - started >= 200, `timed out after ${Date.now() - started} ms`);
  } finally {
    queue.destroy();
  }
});
