/**
 * Connections a reader opens to start: the broker counts the client connections it accepted
 * (each one a TLS and SASL handshake on a secured broker), by the client address of the requests
 * that arrive on them.
 */
import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { openStream } from "../lib/hop/stream.ts";
import type { BrokerHandle } from "../lib/broker/mod.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";
import { test } from "./support/deadline.ts";

// Records the client address of every request; the rule matches none, so nothing is changed.
const counted = new Set<string>();

function countConnections(broker: BrokerHandle): { readonly count: number; release(): void } {
  const remotes = new Set<string>();
  const rule = broker.faults.inject({
    action: "drop",
    count: Infinity,
    match: (request) => {
      // A request the previous reader sent just before it closed can arrive now: connections
      // counted before are left out.
      if (!counted.has(request.remote)) remotes.add(request.remote);
      return false;
    },
  });
  return {
    get count() {
      return remotes.size;
    },
    release: () => {
      rule.release();
      for (const remote of remotes) counted.add(remote);
    },
  };
}

async function fill(url: string, count: number): Promise<void> {
  await using producer = await openStream(url, "w", { auth: false });
  for (let n = 0; n < count; n++) await producer.write({ n });
  await producer.flush();
}

test({
  name: "a read to the end of the stream opens one metadata connection beside the reader's own",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: () =>
    withBroker({ topics: [{ name: "t", partitions: 2 }, "one", "empty"] }, async (broker) => {
      await fill(`${broker.url}/t`, 10);
      await fill(`${broker.url}/one`, 10);
      // Without a group id the reader reads the partitions directly over the connection it
      // looked up their leaders with (one broker here). With one, the Kafka client's group member
      // keeps one connection to the broker it bootstraps from and one to the group coordinator
      // and partition leader (the same broker here). The start position "last 3" is worked out
      // over the same admin connection.
      const reads = [
        ["t", "earliest", 10, undefined, 2],
        ["empty", "earliest", 0, undefined, 2],
        ["one", { last: 3 }, 3, undefined, 2],
        ["t", "earliest", 10, "g", 3],
        ["one", { last: 3 }, 3, "g2", 3],
      ] as const;
      for (const [topic, startAt, expected, groupId, opened] of reads) {
        const connections = countConnections(broker);
        try {
          await using consumer = await openStream(`${broker.url}/${topic}`, "r", {
            auth: false,
            startAt,
            untilEos: true,
            ...(groupId ? { groupId } : {}),
          });
          const read = await Array.fromAsync(consumer);
          assert.equal(read.length, expected);
        } finally {
          connections.release();
        }
        assert.equal(
          connections.count,
          opened,
          `connections opened to read '${topic}' ${
            groupId ? `in group ${groupId}` : "without a group"
          }`,
        );
      }
    }),
});
