/**
 * A group member whose Kafka client stops making progress without failing (requests that are
 * never answered on a connection that stays open) is reported as a transient failure, so that
 * the reader reconnects instead of waiting for ever; a member that keeps fetching never is.
 */
import assert from "node:assert/strict";
import { startBroker } from "../lib/broker/mod.ts";
import { isRecoverable, type KafkaError } from "../lib/kafka/errors.ts";
import { GroupConsumer } from "../lib/kafka/group_consumer.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";
import { test, withDeadline } from "./support/deadline.ts";

const TOPIC = "stall.alerts";
const FETCH = 1;
const OFFSET_COMMIT = 8;
const HEARTBEAT = 12;

async function member(brokers: string[], group: string, commitTimeoutMs?: number) {
  const { promise: assigned, resolve: onAssignment } = Promise.withResolvers<void>();
  const crashes: KafkaError[] = [];
  const { promise: crashed, resolve: onCrash } = Promise.withResolvers<KafkaError>();
  const consumer = await GroupConsumer.start({
    brokers,
    groupId: group,
    topics: [TOPIC],
    fromBeginning: true,
    maxWaitTimeMs: 100,
    // kafkajs' own time-outs come far later than the watchdog's.
    requestTimeoutMs: 120_000,
    stallTimeoutMs: 500,
    ...(commitTimeoutMs === undefined ? {} : { commitTimeoutMs }),
    onBatch: () => Promise.resolve(),
    onAssignment: () => onAssignment(),
    onCrash: (error) => {
      crashes.push(error);
      onCrash(error);
    },
  });
  await withDeadline(assigned, 20_000, "the first assignment");
  return { consumer, crashes, crashed };
}

test(
  "a member whose fetches and heartbeats go unanswered is reported as stalled",
  KAFKAJS_TEST,
  async () => {
    await using broker = await startBroker({ port: 0, topics: [TOPIC], logger: () => {} });
    const { consumer, crashed } = await member(broker.addresses, "stalled");
    // Held, not refused: the connection stays open and nothing fails.
    const fetches = broker.faults.inject({ apiKey: FETCH, action: "hold", count: Infinity });
    const heartbeats = broker.faults.inject({ apiKey: HEARTBEAT, action: "hold", count: Infinity });
    try {
      const error = await withDeadline(crashed, 20_000, "the stall report");
      assert.match(
        error.message,
        /^no answer from Kafka for \d+\.\d s while reading; the Kafka client stopped without failing$/,
      );
      assert.equal(error.kind, "transient");
      assert.ok(isRecoverable(error));
    } finally {
      fetches.release();
      heartbeats.release();
      await consumer.close();
    }
  },
);

test("a member that keeps fetching is never reported as stalled", KAFKAJS_TEST, async () => {
  await using broker = await startBroker({ port: 0, topics: [TOPIC], logger: () => {} });
  const { consumer, crashes } = await member(broker.addresses, "fetching");
  try {
    // Twenty empty long polls of 100 ms each: four times the 500 ms limit.
    const fetches = broker.faults.inject({ apiKey: FETCH, action: "delay", delayMs: 0, count: 20 });
    await withDeadline(fetches.done, 20_000, "twenty fetches");
    assert.deepEqual(crashes.map((error) => error.message), []);
  } finally {
    await consumer.close();
  }
});

test(
  "a commit nobody answers fails as transient instead of waiting for ever",
  KAFKAJS_TEST,
  async () => {
    await using broker = await startBroker({ port: 0, topics: [TOPIC], logger: () => {} });
    const { consumer, crashes } = await member(broker.addresses, "committing", 300);
    const commits = broker.faults.inject({
      apiKey: OFFSET_COMMIT,
      action: "hold",
      count: Infinity,
    });
    try {
      const failure = await withDeadline(
        consumer.commit([{ topic: TOPIC, partition: 0, offset: 0 }]).then(
          () => undefined,
          (error: KafkaError) => error,
        ),
        20_000,
        "the commit's end",
      );
      assert.ok(failure, "the held commit succeeded");
      assert.equal(failure.message, "no answer to a commit from Kafka for 0.3 s");
      assert.ok(isRecoverable(failure));
      assert.equal(commits.hits, 1);
      assert.deepEqual(crashes.map((error) => error.message), []);
    } finally {
      commits.release();
      await consumer.close();
    }
  },
);
