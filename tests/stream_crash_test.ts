/**
 * Consumer failures: when the broker goes away for longer than the Kafka client's own retries,
 * the consumer reconnects by itself and continues where the reader is, or ends iteration with a
 * fatal KafkaError when the caller's `restartOnFailure` says so; `onCrash` sees every failure.
 * A writer retries through closed connections and refused requests. Outages are the broker's
 * pause()/resume(), which keep its port, and its fault hooks.
 */
import assert from "node:assert/strict";
import { ManualClock, startBroker } from "../lib/broker/mod.ts";
import { openStream } from "../lib/hop/stream.ts";
import { ConnectionError, KafkaError } from "../lib/hop/errors.ts";
import { JSONBlob } from "../lib/hop/models/blob.ts";
import type { Metadata } from "../lib/hop/stream_options.ts";
import { recordingLogger } from "./support/recording_logger.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";
import { test, waitFor } from "./support/deadline.ts";

/** Kafka's Produce API key and its NOT_LEADER_OR_FOLLOWER error code. */
const PRODUCE = 0;
const NOT_LEADER_OR_FOLLOWER = 6;
const silentBroker = { port: 0, topics: ["t"], logger: () => {} };
/** Few, quick client retries, so that an outage becomes a failure of the consumer soon. */
const quickRetry = { kafkaRetries: 1, initialDelayMs: 50, maxDelayMs: 200 };

async function nextError(iterator: AsyncIterable<unknown>): Promise<unknown> {
  try {
    for await (const _ of iterator) {
      // nothing is written in these tests
    }
  } catch (error) {
    return error;
  }
  return undefined;
}

test({
  name: "restartOnFailure: false ends iteration with a fatal ConnectionError during an outage",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: async ({ within }) => {
    await using broker = await startBroker(silentBroker);
    const crashes: [KafkaError, boolean][] = [];
    const logger = recordingLogger();
    await using consumer = await openStream(`${broker.url}/t`, "r", {
      auth: false,
      logger,
      retry: quickRetry,
      restartOnFailure: false,
      onCrash: (error, willRestart) => crashes.push([error, willRestart]),
    });
    await within(consumer.ready, "the first assignment");
    const ended = nextError(consumer);
    await broker.pause();
    const error = await within(ended, "iteration to end with an error");
    assert.ok(error instanceof ConnectionError, String(error));
    assert.equal(error.fatal, true);
    assert.equal(error.kind, "transient");
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${broker.port}`));
    assert.equal(crashes.length, 1);
    assert.equal(crashes[0][0].message, error.message);
    assert.equal(crashes[0][1], false);
    assert.deepEqual(logger.lines.filter((line) => line.includes("reconnecting")), []);
  },
});

test({
  name: "a restartOnFailure function is asked per failure and its false ends iteration",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: async ({ within }) => {
    await using broker = await startBroker(silentBroker);
    const asked: KafkaError[] = [];
    const crashes: boolean[] = [];
    await using consumer = await openStream(`${broker.url}/t`, "r", {
      auth: false,
      logger: recordingLogger(),
      retry: quickRetry,
      restartOnFailure: (error) => {
        asked.push(error);
        return asked.length < 2;
      },
      onCrash: (_error, willRestart) => crashes.push(willRestart),
    });
    await within(consumer.ready, "the first assignment");
    const ended = nextError(consumer);
    await broker.pause();
    const error = await within(ended, "iteration to end with an error");
    assert.ok(error instanceof KafkaError, String(error));
    assert.equal(error.fatal, true);
    assert.equal(asked.length, 2);
    assert.ok(asked.every((e) => e instanceof KafkaError && !e.fatal), String(asked));
    assert.deepEqual(crashes, [true, false]);
  },
});

test({
  name: "the reconnection back-off waits on the reader's clock, not on real time",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: async ({ within, signal }) => {
    await using broker = await startBroker(silentBroker);
    const url = `${broker.url}/t`;
    const logger = recordingLogger();
    const clock = new ManualClock();
    const hour = 3_600_000;
    await using consumer = await openStream(url, "r", {
      auth: false,
      logger,
      groupId: "g",
      startAt: "earliest",
      // An hour between reconnections: only the driven clock lets this test end.
      retry: { kafkaRetries: 0, initialDelayMs: hour, maxDelayMs: hour, jitter: 0 },
      clock,
    });
    const seen: number[] = [];
    const reading = (async () => {
      for await (const message of consumer) {
        seen.push(((message as JSONBlob).content as { n: number }).n);
        if (seen.length === 2) return;
      }
    })();
    await within(consumer.ready, "the first assignment");
    await broker.pause();
    await waitFor(() => clock.nextDueInMs(), {
      deadlineMs: 30_000,
      what: "the reader to wait for its back-off on the clock",
      signal,
      detail: () => logger.lines.join("\n"),
    });
    assert.equal(clock.nextDueInMs(), hour);
    assert.ok(
      logger.lines.includes("INFO reconnecting to Kafka in 3600.0 s"),
      logger.lines.join("\n"),
    );
    broker.resume();
    {
      await using producer = await openStream(url, "w", { auth: false });
      await producer.write({ n: 1 });
      await producer.write({ n: 2 });
      await producer.flush();
    }
    clock.advance(hour);
    await within(reading, "both messages after the driven back-off");
    assert.deepEqual(seen, [1, 2]);
    assert.ok(
      logger.lines.includes("INFO connected to Kafka again after 3600.0 s; 2 messages to catch up"),
      logger.lines.join("\n"),
    );
  },
});

test({
  name: "by default the consumer rides through an outage: every message once, none skipped",
  ...KAFKAJS_TEST,
  deadlineMs: 90_000,
  fn: async ({ within, signal }) => {
    await using broker = await startBroker(silentBroker);
    const url = `${broker.url}/t`;
    const logger = recordingLogger();
    const writeRange = async (from: number, to: number) => {
      await using producer = await openStream(url, "w", { auth: false });
      for (let n = from; n < to; n++) await producer.write({ n });
      await producer.flush();
    };
    await writeRange(0, 20);
    await using consumer = await openStream(url, "r", {
      auth: false,
      logger,
      groupId: "g",
      startAt: "earliest",
      retry: quickRetry,
    });
    const seen: number[] = [];
    const offsets: number[] = [];
    const reading = (async () => {
      for await (const { message, metadata } of consumer.read({ metadata: true })) {
        assert.ok(message instanceof JSONBlob);
        seen.push((message.content as { n: number }).n);
        offsets.push((metadata as Metadata).offset);
        if (seen.length === 40) return;
      }
    })();
    await waitFor(() => seen.length >= 20, { deadlineMs: 30_000, what: "the first 20", signal });
    await broker.pause();
    await waitFor(() => logger.lines.find((line) => line.includes("reconnecting to Kafka in")), {
      deadlineMs: 30_000,
      what: "a reconnection to be logged",
      signal,
      detail: () => logger.lines.join("\n"),
    });
    broker.resume();
    await writeRange(20, 40);
    await within(reading, "all 40 messages after the outage");
    assert.deepEqual(seen, Array.from({ length: 40 }, (_, n) => n));
    assert.deepEqual(offsets, Array.from({ length: 40 }, (_, n) => n));
    assert.ok(
      logger.lines.some((line) => /^WARNING lost the connection to Kafka: /.test(line)),
      logger.lines.join("\n"),
    );
    assert.ok(
      logger.lines.some((line) =>
        /^INFO connected to Kafka again after \d+\.\d s; \d+ messages? to catch up$/.test(line)
      ),
      logger.lines.join("\n"),
    );
  },
});

test({
  name: "a broker that refuses the short group session gets Kafka's default minimum instead",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: async ({ within }) => {
    await using broker = await startBroker({ ...silentBroker, groupMinSessionTimeoutMs: 6_000 });
    const crashes: KafkaError[] = [];
    const logger = recordingLogger();
    await using consumer = await openStream(`${broker.url}/t`, "r", {
      auth: false,
      logger,
      groupId: "g",
      startAt: "earliest",
      onCrash: (error) => crashes.push(error),
    });
    await within(consumer.ready, "the assignment with a 6 s session");
    {
      await using producer = await openStream(`${broker.url}/t`, "w", { auth: false });
      await producer.write({ n: 1 });
      await producer.flush();
    }
    for await (const message of consumer) {
      assert.ok(message instanceof JSONBlob);
      assert.deepEqual(message.content, { n: 1 });
      break;
    }
    assert.deepEqual(crashes, []);
    assert.deepEqual(logger.lines, []);
  },
});

test({
  name:
    "a writer rides through closed connections and refused Produce requests: every message, in order",
  ...KAFKAJS_TEST,
  deadlineMs: 90_000,
  fn: async ({ within }) => {
    await using broker = await startBroker(silentBroker);
    const url = `${broker.url}/t`;
    {
      await using producer = await openStream(url, "w", { auth: false, retry: quickRetry });
      for (let n = 0; n < 50; n++) await producer.write({ n });
      await within(producer.flush(), "the first 50 acknowledgements");
      // The next Produce requests lose their connection, then the leader is said to have moved.
      const closed = broker.faults.inject({ apiKey: PRODUCE, action: "close", count: 3 });
      const refused = broker.faults.inject({
        apiKey: PRODUCE,
        action: "error",
        errorCode: NOT_LEADER_OR_FOLLOWER,
        count: 3,
      });
      for (let n = 50; n < 100; n++) await producer.write({ n });
      await within(producer.flush(), "the other 50 acknowledgements");
      assert.equal(closed.hits, 3);
      assert.equal(refused.hits, 3);
    }
    await using consumer = await openStream(url, "r", {
      auth: false,
      startAt: "earliest",
      untilEos: true,
    });
    const seen: number[] = [];
    for await (const message of consumer) {
      assert.ok(message instanceof JSONBlob);
      seen.push((message.content as { n: number }).n);
    }
    assert.deepEqual(seen, Array.from({ length: 100 }, (_, n) => n));
  },
});
