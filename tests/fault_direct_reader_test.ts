/**
 * The reader without a group (a read to the end of the stream with no group id, as `hop
 * subscribe` does by default), which speaks Kafka's protocol itself, on librdkafka's three-broker
 * mock cluster: partition leaders on brokers other than the one it bootstraps from, then fetches
 * answered with errors, a leader that moves while a fetch from it is under way, a leader's
 * broker that is down until its partition moves, and a partition without a leader for a while. Every message written is read exactly once, in
 * each partition's order.
 */
import assert from "node:assert/strict";
import { test, waitFor } from "./support/deadline.ts";
import { ApiKey, ErrorCode, MockCluster } from "./support/mock_cluster.ts";
import { openStream } from "../lib/hop/stream.ts";
import type { Logger } from "../lib/hop/log.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";

const TOPIC = "gracedb.superevent";
const MESSAGES = 300;

interface Fault {
  name: string;
  /** Applied before the reader opens (partition 0 led by broker 2, partition 1 by broker 3). */
  before(cluster: MockCluster): Promise<void>;
  /** Applied while the reader reads; `logged` waits for a line the reader logs. */
  during(
    cluster: MockCluster,
    logged: (pattern: RegExp) => Promise<unknown>,
    signal: AbortSignal,
  ): Promise<void>;
}

// Broker 2 holds the reader's first fetch for a while, then answers that it no longer leads.
async function holdFirstFetch(cluster: MockCluster): Promise<void> {
  await cluster.pushBrokerErrors(2, ApiKey.Fetch, [
    { code: ErrorCode.NOT_LEADER_OR_FOLLOWER, rttMs: 2_000 },
  ]);
}

// Resolves once the held fetch has reached broker 2 (it took the pushed error).
function firstFetchHeld(cluster: MockCluster, signal: AbortSignal): Promise<unknown> {
  return waitFor(async () => (await cluster.pendingBrokerErrors(2, ApiKey.Fetch)) === 0, {
    deadlineMs: 60_000,
    what: "the reader's first fetch from broker 2",
    signal,
  });
}

const FAULTS: Fault[] = [
  {
    name: "fetches are answered NOT_LEADER_OR_FOLLOWER and REQUEST_TIMED_OUT",
    before: async (cluster) => {
      await cluster.pushBrokerErrors(2, ApiKey.Fetch, [
        { code: ErrorCode.NOT_LEADER_OR_FOLLOWER },
        { code: ErrorCode.REQUEST_TIMED_OUT },
        { code: ErrorCode.NOT_LEADER_OR_FOLLOWER },
      ]);
    },
    during: () => Promise.resolve(),
  },
  {
    name: "a leader moves while the reader's first fetch from it is under way",
    before: holdFirstFetch,
    during: async (cluster, _logged, signal) => {
      await firstFetchHeld(cluster, signal);
      await cluster.setLeader(TOPIC, 0, 1);
    },
  },
  {
    name: "a leader's broker goes down during a fetch and stays down until its partition moves",
    before: holdFirstFetch,
    during: async (cluster, logged, signal) => {
      await firstFetchHeld(cluster, signal);
      await cluster.brokerDown(2);
      await logged(/^WARNING lost the connection to Kafka: .*127\.0\.0\.1/);
      await cluster.setLeader(TOPIC, 0, 3);
    },
  },
  {
    name: "a partition has no leader for a while (reported), then gets one",
    before: holdFirstFetch,
    during: async (cluster, logged, signal) => {
      await firstFetchHeld(cluster, signal);
      await cluster.setLeader(TOPIC, 0, -1);
      await logged(
        /^WARNING lost the connection to Kafka: gracedb\.superevent partition 0 has had no leader at .* for 10 lookups$/,
      );
      await cluster.setLeader(TOPIC, 0, 1);
    },
  },
];

for (const fault of FAULTS) {
  test({
    name: `a read to the end without a group gets every message once when ${fault.name}`,
    ...KAFKAJS_TEST,
    deadlineMs: 120_000,
    fn: async ({ within, signal }) => {
      await using cluster = await MockCluster.start({ brokers: 3 });
      await cluster.createTopic(TOPIC, 2, 3);
      await cluster.setLeader(TOPIC, 0, 2);
      await cluster.setLeader(TOPIC, 1, 3);
      const url = `kafka://${cluster.bootstrap}/${TOPIC}`;
      {
        await using writer = await openStream(url, "w", { auth: false });
        for (let seq = 0; seq < MESSAGES; seq++) await writer.write({ seq });
        await within(writer.flush(), "the messages to be acknowledged");
      }
      await fault.before(cluster);

      const lines: string[] = [];
      const debug: string[] = [];
      const logger: Logger = {
        debug: (line) => debug.push(line),
        info: (line) => lines.push(`INFO ${line}`),
        warn: (line) => lines.push(`WARNING ${line}`),
        error: (line) => lines.push(`ERROR ${line}`),
      };
      const logged = (pattern: RegExp) =>
        waitFor(() => lines.some((line) => pattern.test(line)), {
          deadlineMs: 60_000,
          what: `a log line matching ${pattern}`,
          signal,
        }).catch((e) => {
          console.log([...lines, ...debug.slice(-30)].join("\n"));
          throw e;
        });
      await using reader = await openStream(url, "r", {
        auth: false,
        startAt: "earliest",
        untilEos: true,
        logger,
        retry: { initialDelayMs: 20, maxDelayMs: 500 },
      });
      assert.ok(
        lines.includes(
          "INFO group ID not specified; reading every partition to the end without a group",
        ),
        lines.join("\n"),
      );
      const reading = Array.fromAsync(reader.read({ metadata: true }));
      await within(fault.during(cluster, logged, signal), "the fault");
      const read = await within(reading, "the read to the end of the stream");

      const values = read.map(({ message, metadata }) => ({
        seq: (JSON.parse(new TextDecoder().decode(message.serialize())) as { seq: number }).seq,
        partition: metadata.partition,
        offset: metadata.offset,
      }));
      assert.deepEqual(
        values.map((v) => v.seq).sort((a, b) => a - b),
        Array.from({ length: MESSAGES }, (_, n) => n),
        "each message read exactly once",
      );
      for (const partition of [0, 1]) {
        const offsets = values.filter((v) => v.partition === partition).map((v) => v.offset);
        assert.ok(offsets.length > 0, `nothing read from partition ${partition}`);
        assert.deepEqual(offsets, offsets.map((_, i) => i), `offsets of partition ${partition}`);
      }
      // The reader itself never moved past a record (the stream's check for jumps never stepped in).
      assert.deepEqual(debug.filter((line) => /jumped/.test(line)), []);
      // Every error pushed was answered to one of the reader's fetches.
      assert.equal(await cluster.pendingBrokerErrors(2, ApiKey.Fetch), 0);
    },
  });
}
