/**
 * What Client.listen does when Kafka or the handler fails: outages are ridden through and never
 * counted, fatal errors are counted by retryOnFatal/listenRetries, failing handlers are retried
 * and, when bounded, their alerts go to a dead-letter sink before they are committed.
 */
import assert from "node:assert/strict";
import { Client } from "../lib/alert/client.ts";
import type { ClientOptions } from "../lib/alert/client_options.ts";
import type { Alert } from "../lib/alert/listen_types.ts";
import { AuthorizationError } from "../lib/hop/errors.ts";
import { ManualClock } from "../lib/clock.ts";
import { type AlertBroker, startAlertBroker } from "./support/broker.ts";
import { test, type TestBudget, waitFor } from "./support/deadline.ts";
import { KAFKAJS_RETRY_TIMER_TEST, KAFKAJS_TEST } from "./support/kafkajs.ts";
import { recordingLogger } from "./support/recording_logger.ts";

const aliceClient = (env: AlertBroker, options: ClientOptions = {}) =>
  new Client({ server: env.server, auth: env.auth("alice"), ...options });

/** Publishes `{ uid, alert_type: "new" }` on superevent for each uid, acknowledged. */
async function publish(env: AlertBroker, uids: string[]): Promise<void> {
  await using publisher = aliceClient(env);
  await publisher.connect("superevent");
  for (const uid of uids) await publisher.publishToTopic("superevent", { uid, alert_type: "new" });
  await publisher.flushByTopic("superevent");
}

/** The uids a fresh listener of `group` gets first, until it has seen `count`. */
async function nextUids(
  env: AlertBroker,
  group: string,
  count: number,
  { within }: TestBudget,
): Promise<string[]> {
  await using client = aliceClient(env, { consumerGroup: group, startAt: "earliest" });
  const uids: string[] = [];
  await within(
    client.listen((_topic, payload) => {
      uids.push(payload.uid);
      if (uids.length === count) client.stop();
    }, "superevent"),
    `${count} alerts for a new listener of group ${group}`,
  );
  return uids;
}

/** Which of `expected` are missing from `seen` and which appear more than once there. */
function missingAndDuplicated(expected: string[], seen: string[]) {
  const counts = new Map<string, number>();
  for (const uid of seen) counts.set(uid, (counts.get(uid) ?? 0) + 1);
  return {
    missing: expected.filter((uid) => !counts.has(uid)),
    duplicated: [...counts].filter(([, n]) => n > 1).map(([uid]) => uid),
  };
}

const errorLines = (lines: string[]) => lines.filter((line) => line.startsWith("ERROR"));

/** What a spent budget of `attempts` reopenings (1 ms apart) logs for a fatal `message`. */
function spentBudget(message: string, attempts: number): string[] {
  return [
    ...Array.from(
      { length: attempts },
      (_, i) =>
        `WARNING fatal error from kafka: ${message} on attempt ${i + 1}; reconnecting in 1 ms`,
    ),
    `ERROR giving up after ${attempts} reconnection attempts: ${message}`,
  ];
}

/** The lines that count the fatal-error budget: each reconnection and the final ERROR. */
function budgetLines(lines: string[]): string[] {
  return lines.filter((line) =>
    line.includes("fatal error from kafka") || line.startsWith("ERROR")
  );
}

test({
  name: "a handler failing for a while gets the alert again: handled once, committed, none skipped",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: async (budget) => {
    await using env = await startAlertBroker();
    const sent = ["S0", "S1", "S2", "S3", "S4"];
    await publish(env, sent);
    const logger = recordingLogger();
    await using client = aliceClient(env, {
      consumerGroup: "flaky",
      startAt: "earliest",
      retryWaitMs: 1,
      logger,
    });
    assert.equal(client.handlerRetries, Infinity);
    const handled: string[] = [];
    let failuresLeft = 4; // the downstream service is away for S2's first four attempts
    const attempts = new Map<string, number>();
    await budget.within(
      client.listen((_topic, payload) => {
        attempts.set(payload.uid, (attempts.get(payload.uid) ?? 0) + 1);
        if (payload.uid === "S2" && failuresLeft-- > 0) throw new Error("database is down");
        handled.push(payload.uid);
        if (handled.length === sent.length) client.stop();
      }, "superevent"),
      "every alert to be handled",
    );
    assert.deepEqual(missingAndDuplicated(sent, handled), { missing: [], duplicated: [] });
    assert.deepEqual(handled, sent);
    assert.equal(attempts.get("S2"), 5);
    const errors = errorLines(logger.lines);
    assert.equal(errors.length, 4, logger.lines.join("\n"));
    assert.deepEqual(
      errors,
      [1, 2, 4, 8].map((ms) =>
        "ERROR handler failed for the alert at gracedb.superevent partition 0 offset 2 (uid S2): " +
        `database is down; delivering it again in ${ms} ms`
      ),
    );
    // Everything handled was committed: the group's next listener starts after S4.
    await publish(env, ["S5"]);
    assert.deepEqual(await nextUids(env, "flaky", 1, budget), ["S5"]);
  },
});

test({
  name: "a failed handler's retry waits on the client's clock, not on real time",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: async (budget) => {
    await using env = await startAlertBroker();
    await publish(env, ["S0", "S1"]);
    const clock = new ManualClock();
    const twentySeconds = 20_000;
    const logger = recordingLogger();
    await using client = aliceClient(env, {
      consumerGroup: "patient",
      startAt: "earliest",
      retryWaitMs: twentySeconds,
      clock,
      logger,
    });
    const handled: string[] = [];
    let failed = false;
    const listening = client.listen((_topic, payload) => {
      if (payload.uid === "S0" && !failed) {
        failed = true;
        throw new Error("database is down");
      }
      handled.push(payload.uid);
      if (handled.length === 2) client.stop();
    }, "superevent");
    await waitFor(() => clock.nextDueInMs(), {
      deadlineMs: 30_000,
      what: "the handler's retry to wait on the clock",
      signal: budget.signal,
      detail: () => logger.lines.join("\n"),
    });
    assert.equal(clock.nextDueInMs(), twentySeconds);
    assert.deepEqual(handled, []);
    clock.advance(twentySeconds);
    await budget.within(listening, "both alerts after the driven retry");
    assert.deepEqual(handled, ["S0", "S1"]);
    assert.deepEqual(errorLines(logger.lines), [
      "ERROR handler failed for the alert at gracedb.superevent partition 0 offset 0 (uid S0): " +
      "database is down; delivering it again in 20000 ms",
    ]);
  },
});

test({
  name:
    "with handlerRetries spent, the alert goes to the dead-letter file, is committed, and the next is handled",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: async (budget) => {
    await using env = await startAlertBroker();
    const dir = await Deno.makeTempDir({ prefix: "dead-letter-" });
    try {
      const file = `${dir}/dead.ndjson`;
      await publish(env, ["S1", "S2"]);
      const logger = recordingLogger();
      await using client = aliceClient(env, {
        consumerGroup: "bounded",
        startAt: "earliest",
        retryWaitMs: 1,
        handlerRetries: 1,
        deadLetter: file,
        logger,
      });
      const calls: string[] = [];
      let failed: Alert | undefined;
      await budget.within(
        client.listen((_topic, payload, alert) => {
          calls.push(payload.uid);
          if (payload.uid === "S1") {
            failed = alert;
            throw new Error("bad alert");
          }
          client.stop();
        }, "superevent"),
        "S2 to be handled",
      );
      assert.deepEqual(calls, ["S1", "S1", "S2"]);
      assert.ok(failed);
      const expected = JSON.stringify({
        topic: "gracedb.superevent",
        partition: 0,
        offset: 0,
        timestamp: failed.metadata.timestamp,
        uid: "S1",
        error: "bad alert",
        payload: '{"uid": "S1", "alert_type": "new"}',
      }) + "\n";
      assert.equal(await Deno.readTextFile(file), expected);
      assert.deepEqual(errorLines(logger.lines), [
        "ERROR handler failed for the alert at gracedb.superevent partition 0 offset 0 (uid S1): " +
        "bad alert; delivering it again in 1 ms",
        "ERROR handler failed 2 times for the alert at gracedb.superevent partition 0 offset 0 " +
        `(uid S1): bad alert; handed to the dead-letter file ${file}, committing it`,
      ]);
      // S1 (dead-lettered) and S2 were committed: a new listener of the group gets only S3.
      await publish(env, ["S3"]);
      assert.deepEqual(await nextUids(env, "bounded", 1, budget), ["S3"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

test({
  name: "a deadLetter function receives the alert and the handler's error",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: async ({ within }) => {
    await using env = await startAlertBroker();
    await publish(env, ["S1", "S2"]);
    const dead: [string, unknown][] = [];
    await using client = aliceClient(env, {
      startAt: "earliest",
      handlerRetries: 0,
      deadLetter: (alert, error) => void dead.push([alert.payload.uid, error]),
    });
    const handled: string[] = [];
    await within(
      client.listen((_topic, payload) => {
        if (payload.uid === "S1") throw new RangeError("no such pipeline");
        handled.push(payload.uid);
        client.stop();
      }, "superevent"),
      "S2 to be handled",
    );
    assert.deepEqual(handled, ["S2"]);
    assert.equal(dead.length, 1);
    assert.equal(dead[0][0], "S1");
    assert.ok(dead[0][1] instanceof RangeError);
  },
});

test({
  name:
    "a dead-letter file that cannot be written leaves the alert uncommitted and ends listen naming the file",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: async (budget) => {
    await using env = await startAlertBroker();
    const dir = await Deno.makeTempDir({ prefix: "dead-letter-" });
    try {
      const file = `${dir}/no-such-folder/dead.ndjson`;
      await publish(env, ["S1", "S2"]);
      const logger = recordingLogger();
      await using client = aliceClient(env, {
        consumerGroup: "unwritable",
        startAt: "earliest",
        handlerRetries: 0,
        deadLetter: file,
        logger,
      });
      const handled: string[] = [];
      const error = await budget.within(
        client.listen((_topic, payload) => {
          if (payload.uid === "S1") throw new Error("bad alert");
          handled.push(payload.uid);
        }, "superevent").then(() => undefined, (e) => e),
        "listen to end",
      );
      assert.ok(error instanceof Error, String(error));
      assert.equal(
        error.message.startsWith(
          "could not hand the alert at gracedb.superevent partition 0 offset 0 (uid S1) to the " +
            `dead-letter file ${file}, so it stays uncommitted: `,
        ),
        true,
        error.message,
      );
      assert.ok(error.cause instanceof Deno.errors.NotFound, String(error.cause));
      assert.deepEqual(handled, []);
      assert.equal(errorLines(logger.lines).length, 1, logger.lines.join("\n"));
      // Not committed: the group's next listener gets S1 again.
      assert.deepEqual(await nextUids(env, "unwritable", 2, budget), ["S1", "S2"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

test({
  name:
    "handlerRetries: 0 without deadLetter rejects with the handler's error, as Python does, alert uncommitted",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: async (budget) => {
    await using env = await startAlertBroker();
    await publish(env, ["S1"]);
    const logger = recordingLogger();
    await using client = aliceClient(env, {
      consumerGroup: "python",
      startAt: "earliest",
      handlerRetries: 0,
      logger,
    });
    const thrown = new Error("KeyError: 'superevent_id'");
    const error = await budget.within(
      client.listen(() => {
        throw thrown;
      }, "superevent").then(() => undefined, (e) => e),
      "listen to end",
    );
    assert.equal(error, thrown);
    assert.deepEqual(errorLines(logger.lines), [
      "ERROR handler failed 1 times for the alert at gracedb.superevent partition 0 offset 0 " +
      "(uid S1): KeyError: 'superevent_id'; no deadLetter is set, so listening stops with the " +
      "alert uncommitted",
    ]);
    assert.deepEqual(await nextUids(env, "python", 1, budget), ["S1"]);
  },
});

test({
  name: "an outage during listen without retryOnFatal does not end it: alerts sent after it arrive",
  ...KAFKAJS_TEST,
  deadlineMs: 120_000,
  fn: async ({ within, signal }) => {
    await using env = await startAlertBroker();
    const logger = recordingLogger();
    await using client = aliceClient(env, { consumerGroup: "outage", logger });
    assert.equal(client.retryOnFatal, false);
    const handled: string[] = [];
    let ready = false;
    let ended = false;
    const listening = client.listen(
      (_topic, payload) => void handled.push(payload.uid),
      "superevent",
      { onReady: () => (ready = true) },
    ).finally(() => (ended = true));
    await waitFor(() => ready, { deadlineMs: 20_000, what: "the listener to be ready", signal });
    await publish(env, ["S0", "S1"]);
    await waitFor(() => handled.length >= 2, { deadlineMs: 20_000, what: "S0 and S1", signal });
    await env.broker.pause();
    await waitFor(
      () => logger.lines.some((line) => line.includes("lost the connection to Kafka")),
      {
        deadlineMs: 60_000,
        what: "the listener to notice the outage",
        signal,
        detail: () => logger.lines.join("\n"),
      },
    );
    env.broker.resume();
    const after = ["S2", "S3", "S4"];
    await publish(env, after);
    await waitFor(() => handled.length >= 5 || ended, {
      deadlineMs: 60_000,
      what: "the alerts published after the outage",
      signal,
      detail: () => logger.lines.join("\n"),
    });
    assert.equal(ended, false, "listen ended during the outage");
    client.stop();
    await within(listening, "listen to end after stop()");
    assert.deepEqual(missingAndDuplicated(["S0", "S1", ...after], handled), {
      missing: [],
      duplicated: [],
    });
    assert.deepEqual(logger.lines.filter((line) => line.includes("fatal error")), []);
  },
});

test({
  name: "retryOnFatal reopens after a fatal authorization error listenRetries times, then rejects",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: async ({ within }) => {
    await using env = await startAlertBroker({ acls: true });
    // bob may read gracedb.superevent only: every opening of cbc_gstlal is refused.
    const logger = recordingLogger();
    const client = new Client({
      server: env.server,
      auth: env.auth("bob"),
      retryOnFatal: true,
      listenRetries: 2,
      retryWaitMs: 1,
      logger,
    });
    const error = await within(
      client.listen(() => {}, "cbc_gstlal").then(() => undefined, (e) => e),
      "listen to give up",
    );
    assert.ok(error instanceof AuthorizationError, String(error));
    assert.deepEqual(budgetLines(logger.lines), spentBudget(error.message, 2));
  },
});

test({
  name: "without retryOnFatal a fatal authorization error rejects at once, logging nothing",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: async ({ within }) => {
    await using env = await startAlertBroker({ acls: true });
    const logger = recordingLogger();
    const client = new Client({ server: env.server, auth: env.auth("bob"), logger });
    const error = await within(
      client.listen(() => {}, "cbc_gstlal").then(() => undefined, (e) => e),
      "listen to fail",
    );
    assert.ok(error instanceof AuthorizationError, String(error));
    assert.match(error.message, /gracedb\.cbc_gstlal/);
    assert.deepEqual(
      logger.lines.filter((line) => /fatal error|ERROR/.test(line)),
      [],
    );
  },
});

test({
  name: "a fatal error after streaming started is counted by the same budget, once per failure",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: async ({ within, signal }) => {
    await using env = await startAlertBroker();
    const logger = recordingLogger();
    const client = aliceClient(env, {
      retryOnFatal: true,
      listenRetries: 1,
      retryWaitMs: 1,
      logger,
    });
    let ready = false;
    const listening = client.listen(() => {}, "superevent", { onReady: () => (ready = true) })
      .then(() => undefined, (e) => e);
    await waitFor(() => ready, { deadlineMs: 20_000, what: "the listener to be ready", signal });
    // Every Fetch from now on is refused: TOPIC_AUTHORIZATION_FAILED (29).
    env.broker.faults.inject({ apiKey: 1, action: "error", errorCode: 29, count: Infinity });
    const error = await within(listening, "listen to give up");
    assert.ok(error instanceof AuthorizationError, String(error));
    assert.deepEqual(budgetLines(logger.lines), spentBudget(error.message, 1));
  },
});

// Last in this file: the opening abandoned during the outage leaves kafkajs' retry timer behind
// (see KAFKAJS_RETRY_TIMER_TEST).
test({
  name: "with retryOnFatal, a broker away when listen starts is waited for without counting",
  ...KAFKAJS_RETRY_TIMER_TEST,
  deadlineMs: 90_000,
  fn: async ({ within, signal }) => {
    await using env = await startAlertBroker();
    await publish(env, ["S1"]);
    await env.broker.pause();
    const logger = recordingLogger();
    await using client = aliceClient(env, {
      startAt: "earliest",
      retryOnFatal: true,
      listenRetries: 0,
      connectTimeoutMs: 1_000,
      logger,
    });
    const handled: string[] = [];
    const listening = client.listen((_topic, payload) => {
      handled.push(payload.uid);
      client.stop();
    }, "superevent");
    await waitFor(() => logger.lines.some((line) => line.includes("could not open the stream")), {
      deadlineMs: 30_000,
      what: "a failed opening to be logged",
      signal,
      detail: () => logger.lines.join("\n"),
    });
    env.broker.resume();
    await within(listening, "S1 after the broker came back");
    assert.deepEqual(handled, ["S1"]);
    assert.deepEqual(logger.lines.filter((line) => /fatal error|ERROR/.test(line)), []);
  },
});
