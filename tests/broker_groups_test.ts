import assert from "node:assert/strict";
import type { Consumer } from "kafkajs";
import { withBroker } from "./support/broker.ts";
import { KAFKAJS_TEST as opts, kafkajsClient } from "./support/kafkajs.ts";
import { kcat } from "./support/processes.ts";
import { test, withDeadline } from "./support/deadline.ts";

/** These tests run only our own code, so Deno's op and resource sanitizers are on. */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };

// kafkajs tests use KAFKAJS_TEST: Deno's sanitizers stay on (see tests/support/kafkajs.ts for the
// few tests where kafkajs' own retry timer outlives an abandoned request).

function kafkaFor(addresses: string[]) {
  return kafkajsClient(addresses, { clientId: "groups", retry: { retries: 3 } });
}

/**
 * Collects messages and assignments of one consumer of topic "t"; `start` connects, subscribes
 * from the beginning and runs it; `waitFor` resolves when `check` holds.
 */
function observe(consumer: Consumer) {
  const messages: string[] = [];
  let assignment: number[] = [];
  const waiters: { check: () => boolean; resolve: () => void }[] = [];
  const poke = () => {
    for (const w of [...waiters]) {
      if (w.check()) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assignment = [...(e.payload.memberAssignment["t"] ?? [])].sort();
    poke();
  });
  return {
    messages,
    get assignment() {
      return assignment;
    },
    start: async () => {
      await consumer.connect();
      await consumer.subscribe({ topic: "t", fromBeginning: true });
      await consumer.run({
        eachMessage: ({ partition, message }) => {
          messages.push(`${partition}:${message.offset}:${message.value}`);
          poke();
          return Promise.resolve();
        },
      });
    },
    waitFor: (check: () => boolean, what = `consumer state ${check}`) =>
      check() ? Promise.resolve() : withDeadline(
        new Promise<void>((resolve) => {
          waiters.push({ check, resolve });
        }),
        30_000,
        what,
        {
          detail: () =>
            `assignment ${JSON.stringify(assignment)}, messages ${JSON.stringify(messages)}`,
        },
      ),
  };
}

test("two kafkajs consumers split a two-partition topic and the survivor takes over", async () => {
  await withBroker({ topics: [{ name: "t", partitions: 2 }] }, async (broker) => {
    const kafka = kafkaFor(broker.addresses);
    const producer = kafka.producer();
    const settings = {
      groupId: "shared",
      sessionTimeout: 6000,
      heartbeatInterval: 200,
      maxWaitTimeInMs: 100,
    };
    const a = kafka.consumer(settings);
    const b = kafka.consumer(settings);
    await producer.connect();
    try {
      const oa = observe(a);
      const ob = observe(b);
      await oa.start();
      await oa.waitFor(() => oa.assignment.length === 2);
      await ob.start();
      await ob.waitFor(() => ob.assignment.length === 1);
      await oa.waitFor(() => oa.assignment.length === 1);
      assert.deepEqual([...oa.assignment, ...ob.assignment].sort(), [0, 1]);
      await producer.send({
        topic: "t",
        messages: [{ value: "p0", partition: 0 }, { value: "p1", partition: 1 }],
      });
      await oa.waitFor(() => oa.messages.length === 1);
      await ob.waitFor(() => ob.messages.length === 1);
      assert.deepEqual(oa.messages, [`${oa.assignment[0]}:0:p${oa.assignment[0]}`]);
      assert.deepEqual(ob.messages, [`${ob.assignment[0]}:0:p${ob.assignment[0]}`]);

      await b.disconnect();
      await oa.waitFor(() => oa.assignment.length === 2);
      await producer.send({
        topic: "t",
        messages: [{ value: "q0", partition: 0 }, { value: "q1", partition: 1 }],
      });
      await oa.waitFor(() => oa.messages.filter((m) => m.includes(":q")).length === 2);
      assert.deepEqual(oa.messages.filter((m) => m.includes(":q")).sort(), ["0:1:q0", "1:1:q1"]);
    } finally {
      await a.disconnect();
      await b.disconnect();
      await producer.disconnect();
    }
  });
}, opts);

test("a new kafkajs consumer resumes from the offsets its group committed", async () => {
  await withBroker({ topics: ["t"] }, async (broker) => {
    const kafka = kafkaFor(broker.addresses);
    const producer = kafka.producer();
    await producer.connect();
    const settings = {
      groupId: "resume",
      sessionTimeout: 6000,
      heartbeatInterval: 200,
      maxWaitTimeInMs: 100,
    };
    try {
      await producer.send({ topic: "t", messages: ["m0", "m1", "m2"].map((value) => ({ value })) });
      const first = kafka.consumer(settings);
      const o1 = observe(first);
      await o1.start();
      await o1.waitFor(() => o1.messages.length === 3);
      await first.disconnect();
      assert.deepEqual(o1.messages, ["0:0:m0", "0:1:m1", "0:2:m2"]);

      await producer.send({ topic: "t", messages: [{ value: "m3" }, { value: "m4" }] });
      const second = kafka.consumer(settings);
      const o2 = observe(second);
      try {
        await o2.start();
        await o2.waitFor(() => o2.messages.length === 2);
        assert.deepEqual(o2.messages, ["0:3:m3", "0:4:m4"]);
        const admin = kafka.admin();
        await admin.connect();
        const groups = await admin.listGroups();
        assert.deepEqual(groups.groups.map((g) => [g.groupId, g.protocolType]), [[
          "resume",
          "consumer",
        ]]);
        const described = await admin.describeGroups(["resume"]);
        assert.equal(described.groups[0].state, "Stable");
        assert.equal(described.groups[0].members.length, 1);
        await admin.disconnect();
      } finally {
        await second.disconnect();
      }
    } finally {
      await producer.disconnect();
    }
  });
}, opts);

test("two kcat -G members of one group consume every message exactly once", async () => {
  // Both members must land in one generation: kcat -e counts end-of-partition events across
  // rebalances, so a member that first had both partitions to itself may never see "all done".
  const options = { topics: [{ name: "t", partitions: 2 }], initialRebalanceDelayMs: 2000 };
  await withBroker(options, async (broker) => {
    const lines = Array.from({ length: 20 }, (_, i) => `m${i}`);
    for (const p of [0, 1]) {
      const r = await kcat(broker.addresses[0], ["-P", "-t", "t", "-p", String(p)], {
        stdin: lines.filter((_, i) => i % 2 === p).join("\n") + "\n",
      });
      assert.equal(r.code, 0, r.stderr);
    }
    const member = () =>
      kcat(broker.addresses[0], ["-G", "kc", "-e", "-f", "%p %o %s\\n", "t"], {
        config: {
          "auto.offset.reset": "earliest",
          "session.timeout.ms": "6000",
          "heartbeat.interval.ms": "300",
        },
        timeoutMs: 60_000,
      });
    const [x, y] = await Promise.all([member(), member()]);
    assert.equal(x.code, 0, x.stderr);
    assert.equal(y.code, 0, y.stderr);
    const all = (x.stdout + y.stdout).trim().split("\n").filter(Boolean).sort();
    const expected = lines.map((s, i) => `${i % 2} ${Math.floor(i / 2)} ${s}`).sort();
    assert.deepEqual(all, expected);
  });
}, SANITIZED);
