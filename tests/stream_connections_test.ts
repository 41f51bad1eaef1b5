/**
 * Connections a consumer keeps: the admin connection that looks up offsets is closed once the
 * consumer is ready and opened again for a later rebalance.
 */
import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { openStream } from "../lib/hop/stream.ts";
import { JSONBlob } from "../lib/hop/models/blob.ts";
import type { MessageModel } from "../lib/hop/models/model.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";

const kafkaTest = {
  ...KAFKAJS_TEST,
  // Counts sockets in /proc/net/tcp.
  ignore: Deno.build.os !== "linux",
};

/** Established TCP connections to 127.0.0.1:port, as the kernel lists them. */
function connectionsTo(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  let count = 0;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let table: string;
    try {
      table = Deno.readTextFileSync(file);
    } catch {
      continue;
    }
    for (const line of table.split("\n").slice(1)) {
      const [, , remote, state] = line.trim().split(/\s+/);
      if (remote?.endsWith(`:${hexPort}`) && state === "01") count++;
    }
  }
  return count;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(condition(), `gave up waiting for ${what}`);
}

Deno.test({
  name: "a ready consumer closes its admin connection and still positions after a rebalance",
  ...kafkaTest,
  fn: () =>
    withBroker({ topics: [{ name: "t", partitions: 2 }] }, async (broker) => {
      const url = `${broker.url}/t`;
      await using first = await openStream(url, "r", { auth: false, groupId: "g" });
      await first.ready;
      const atReady = connectionsTo(broker.port);
      await until(() => connectionsTo(broker.port) < atReady, "the admin connection to close");
      const idle = connectionsTo(broker.port);
      assert.equal(idle, atReady - 1);

      // A second member makes the group rebalance: both look offsets up again.
      await using second = await openStream(url, "r", { auth: false, groupId: "g" });
      await second.ready;
      const received: MessageModel[] = [];
      const reading = [first, second].map(async (consumer) => {
        for await (const message of consumer) {
          received.push(message);
          if (received.length === 4) {
            first.stop();
            second.stop();
          }
        }
      });
      // Written until both members were repositioned and read every message of the round.
      await using producer = await openStream(url, "w", { auth: false });
      while (received.length < 4) {
        for (const key of ["a", "b", "c", "d"]) await producer.write({ key }, { key });
        await producer.flush();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await Promise.all(reading);
      assert.ok(received.every((m) => m instanceof JSONBlob));
    }),
});
