/**
 * Our writer (`openStream(url, "w")`, which `Client.publish` uses) on librdkafka's three-broker
 * mock cluster: through a leader move, the leader's broker going down and up, and injected
 * Produce errors, every message written is stored, in order; kcat reads them back.
 */
import assert from "node:assert/strict";
import { test, waitFor } from "./support/deadline.ts";
import { kcatConsume } from "./support/processes.ts";
import { ApiKey, ErrorCode, MockCluster } from "./support/mock_cluster.ts";
import { openStream } from "../lib/hop/stream.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";

const TOPIC = "gracedb.superevent";
const LEADER = 1;

interface Fault {
  name: string;
  /**
   * Applied after the first 100 messages are stored; `sendRest` writes the other 100, `failed`
   * resolves once the writer has seen a request or connection fail.
   */
  apply(
    cluster: MockCluster,
    sendRest: () => Promise<void>,
    failed: () => Promise<unknown>,
  ): Promise<void>;
}

const FAULTS: Fault[] = [
  {
    name: "the partition leader moves to another broker",
    apply: async (cluster, sendRest) => {
      await cluster.setLeader(TOPIC, 0, 2);
      await sendRest();
    },
  },
  {
    name: "the leader's broker goes down while messages are queued, then comes back",
    apply: async (cluster, sendRest, failed) => {
      await cluster.brokerDown(LEADER);
      await sendRest();
      await failed();
      await cluster.brokerUp(LEADER);
    },
  },
  {
    name: "Produce fails with NOT_LEADER_OR_FOLLOWER and REQUEST_TIMED_OUT",
    apply: async (cluster, sendRest) => {
      await cluster.pushBrokerErrors(LEADER, ApiKey.Produce, [
        { code: ErrorCode.NOT_LEADER_OR_FOLLOWER },
        { code: ErrorCode.REQUEST_TIMED_OUT },
        { code: ErrorCode.NOT_LEADER_OR_FOLLOWER },
      ]);
      await sendRest();
    },
  },
];

for (const fault of FAULTS) {
  test({
    name: `our writer on a three-broker cluster stores every message in order when ${fault.name}`,
    ...KAFKAJS_TEST,
    deadlineMs: 120_000,
    fn: async ({ within, signal }) => {
      const lines: string[] = [];
      await using cluster = await MockCluster.start({ brokers: 3 });
      await cluster.createTopic(TOPIC, 1, 3);
      await cluster.setLeader(TOPIC, 0, LEADER);
      await using producer = await openStream(`kafka://${cluster.bootstrap}/${TOPIC}`, "w", {
        auth: false,
        retry: { initialDelayMs: 100, maxDelayMs: 1_000 },
        logger: { debug: (line) => lines.push(line), info() {}, warn() {}, error() {} },
      });
      const failed = () =>
        waitFor(() => lines.some((line) => /kafkajs ERROR/.test(line)), {
          deadlineMs: 30_000,
          what: "the writer to log a failed request",
          signal,
        });
      const sendRange = async (from: number, to: number) => {
        for (let seq = from; seq < to; seq++) await producer.write({ seq });
      };
      await sendRange(0, 100);
      await within(producer.flush(), "the first 100 acknowledgements");
      await within(fault.apply(cluster, () => sendRange(100, 200), failed), "the fault");
      await within(producer.flush(), "the other 100 acknowledgements");
      assert.equal(await cluster.pendingBrokerErrors(LEADER, ApiKey.Produce), 0);

      const read = await kcatConsume(cluster.bootstrap, TOPIC, "%s\n", {
        quiet: true,
        timeoutMs: 30_000,
      });
      assert.equal(read.code, 0, read.stderr);
      const seqs = read.stdout.trim().split("\n").map((line) => JSON.parse(line).seq as number);
      const unique = [...new Set(seqs)];
      // At-least-once: a retried request may store a message twice, never lose or reorder one.
      assert.deepEqual(unique, Array.from({ length: 200 }, (_, n) => n));
      console.log(`${fault.name}: 200 written, ${seqs.length - unique.length} duplicated`);
    },
  });
}
