/**
 * Connections a consumer keeps: two members of a group read each message once after a
 * rebalance, and close() leaves no connection behind.
 */
import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { openStream } from "../lib/hop/stream.ts";
import { JSONBlob } from "../lib/hop/models/blob.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";
import { test, waitFor } from "./support/deadline.ts";

test({
  name:
    "two members read each message once after a rebalance, and closing them leaves no connection",
  ...KAFKAJS_TEST,
  deadlineMs: 90_000,
  fn: ({ signal, within }) =>
    withBroker({ topics: [{ name: "t", partitions: 2 }] }, async (broker) => {
      const url = `${broker.url}/t`;
      const first = await openStream(url, "r", { auth: false, groupId: "g" });
      await within(first.ready, "the first member's assignment");
      assert.ok(broker.openConnections >= 1);

      // A second member makes the group rebalance; nothing else is opened for it.
      const second = await openStream(url, "r", { auth: false, groupId: "g" });
      await within(second.ready, "the second member's assignment");
      const seen = new Map<string, number>();
      const reading = [first, second].map(async (consumer) => {
        for await (const message of consumer) {
          assert.ok(message instanceof JSONBlob);
          const key = (message.content as { key: string }).key;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }
      });
      {
        await using producer = await openStream(url, "w", { auth: false });
        for (let n = 0; n < 40; n++) await producer.write({ key: `k${n}` }, { key: `k${n}` });
        await producer.flush();
      }
      await waitFor(() => seen.size === 40, { deadlineMs: 60_000, what: "40 keys", signal });
      first.stop();
      second.stop();
      await within(Promise.all(reading), "both readers to end");
      assert.deepEqual([...seen.values()].filter((count) => count !== 1), []);
      await first.close();
      await second.close();
      await waitFor(() => broker.openConnections === 0, {
        deadlineMs: 10_000,
        what: "every connection to close",
        signal,
        detail: () => `${broker.openConnections} still open`,
      });
    }),
});
