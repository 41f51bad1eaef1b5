/**
 * Start positions of readers: offsets, times and "the last N" per partition, how they combine
 * with a group's committed offsets, and the one-line errors for positions that cannot be used.
 */
import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";
import { openStream, type StartPosition, StartPositionError } from "../lib/hop/stream.ts";
import { Client } from "../lib/alert/client.ts";
import { test } from "./support/deadline.ts";
import { type AssignmentStart, assignmentStarts } from "../lib/hop/_start_offsets.ts";

async function write(url: string, values: unknown[], partition?: number): Promise<void> {
  await using producer = await openStream(url, "w", { auth: false });
  for (const value of values) {
    // Keys "k3" and "k2" land in partitions 0 and 1 of a two-partition topic.
    await producer.write(value, partition === undefined ? {} : { key: `k${3 - partition}` });
  }
  await producer.flush();
}

async function offsets(
  url: string,
  startAt: StartPosition,
  extra: { groupId?: string; resetOffsets?: boolean } = {},
): Promise<string[]> {
  await using consumer = await openStream(url, "r", {
    auth: false,
    startAt,
    untilEos: true,
    ...extra,
  });
  const read = await Array.fromAsync(consumer.read({ metadata: true }));
  return read.map(({ metadata }) => `${metadata.partition}:${metadata.offset}`).sort();
}

test({
  name: "start at an offset, at the last N of each partition, and at a time",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: [{ name: "t", partitions: 2 }] }, async (broker) => {
      const url = `${broker.url}/t`;
      await write(url, [0, 1, 2, 3, 4].map((n) => ({ n })), 0);
      await write(url, [0, 1, 2, 3, 4, 5].map((n) => ({ n })), 1);
      const all = await offsets(url, "earliest");
      assert.equal(all.length, 11);
      const byPartition = (p: number) => all.filter((o) => o.startsWith(`${p}:`));
      const [a, b] = [byPartition(0), byPartition(1)].sort((x, y) => x.length - y.length);
      assert.deepEqual([a.length, b.length], [5, 6]);
      const pa = a[0].split(":")[0];
      const pb = b[0].split(":")[0];

      // The last 3 of each partition: offsets 2..4 and 3..5.
      assert.deepEqual(
        await offsets(url, { last: 3 }),
        [`${pa}:2`, `${pa}:3`, `${pa}:4`, `${pb}:3`, `${pb}:4`, `${pb}:5`].sort(),
      );
      // More than a partition holds: all of it.
      assert.equal((await offsets(url, { last: 100 })).length, 11);
      // One offset for every partition, and one per partition (unlisted: the end).
      assert.deepEqual(
        await offsets(url, { offset: 4 }),
        [`${pa}:4`, `${pb}:4`, `${pb}:5`].sort(),
      );
      assert.deepEqual(await offsets(url, { offset: { [Number(pb)]: 5 } }), [`${pb}:5`]);

      // A time between two writes: only what was written at or after it.
      await using reader = await openStream(url, "r", {
        auth: false,
        startAt: "earliest",
        untilEos: true,
      });
      const stamps = (await Array.fromAsync(reader.read({ metadata: true }))).map((r) =>
        r.metadata.timestamp
      );
      const newest = Math.max(...stamps);
      await write(url, [{ late: 1 }, { late: 2 }], 1);
      const late = await offsets(url, { since: new Date(newest + 1) });
      assert.deepEqual(late, [`${pb}:6`, `${pb}:7`]);
      // The same time as an ISO 8601 string.
      assert.deepEqual(await offsets(url, { since: new Date(newest + 1).toISOString() }), late);
    }),
});

test({
  name: "committed offsets win over the start position unless resetOffsets, applied once",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const url = `${broker.url}/t`;
      await write(url, [0, 1, 2, 3, 4, 5].map((n) => ({ n })));
      // The group reads two messages and commits them.
      {
        await using consumer = await openStream(url, "r", {
          auth: false,
          groupId: "g",
          startAt: "earliest",
        });
        let read = 0;
        for await (const message of consumer.read({ metadata: true })) {
          if (++read === 2) {
            await consumer.markDone(message.metadata);
            break;
          }
        }
      }
      // The commit (offset 2) wins over "the last 1".
      assert.deepEqual(await offsets(url, { last: 1 }, { groupId: "g" }), [
        "0:2",
        "0:3",
        "0:4",
        "0:5",
      ]);
      // With a reset, the last 1 it is; and the reader commits from there.
      assert.deepEqual(await offsets(url, { last: 2 }, { groupId: "g2", resetOffsets: true }), [
        "0:4",
        "0:5",
      ]);
      assert.deepEqual(await offsets(url, { last: 1 }, { groupId: "g", resetOffsets: true }), [
        "0:5",
      ]);
      // Earliest with a reset reads everything again.
      assert.equal(
        (await offsets(url, "earliest", { groupId: "g", resetOffsets: true })).length,
        6,
      );
    }),
});

test({
  name: "positions that cannot be used fail openStream with one line naming the problem",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t", "empty"] }, async (broker) => {
      const url = `${broker.url}/t`;
      await write(url, [{ n: 0 }, { n: 1 }]);
      const failure = async (startAt: StartPosition) => {
        try {
          await offsets(url, startAt);
        } catch (error) {
          assert.ok(error instanceof StartPositionError, String(error));
          assert.doesNotMatch(error.message, /\n/);
          return error.message;
        }
        assert.fail(`${JSON.stringify(startAt)} was accepted`);
      };
      assert.equal(
        await failure({ offset: 3 }),
        "offset 3 is past the end of topic 't' partition 0 (its next offset is 2)",
      );
      assert.match(
        await failure({ since: "-1h" }),
        /^start time \S+Z is before the first message stored in topic 't'; use earliest/,
      );
      assert.match(
        await failure({ since: "2999-01-01" }),
        /^start time 2999-01-01T00:00:00\.000Z is in the future/,
      );
      assert.match(
        await failure({ since: "last tuesday" }),
        /^start time 'last tuesday' is not an ISO 8601 date, GPS seconds or a time before now/,
      );
      // The end of a partition is a valid offset; an empty topic has no first message to miss.
      assert.deepEqual(await offsets(url, { offset: 2 }), []);
      assert.deepEqual(await offsets(`${broker.url}/empty`, { since: "-1h" }), []);
      assert.throws(() => new Client({ startAt: { last: -1 } }), /startAt last must be an integer/);
    }),
});

test({
  name: "Client.listen starts at the last N alerts",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["gracedb.superevent"] }, async (broker) => {
      await write(
        `${broker.url}/gracedb.superevent`,
        [1, 2, 3, 4].map((n) => ({ alert_type: "log", uid: `S${n}` })),
      );
      await using client = new Client({ server: broker.url, noAuth: true });
      const uids: string[] = [];
      await client.listen(
        (_topic, payload) => {
          uids.push((payload as { uid: string }).uid);
          if (uids.length === 2) client.stop();
        },
        ["superevent"],
        { startAt: { last: 2 } },
      );
      assert.deepEqual(uids, ["S3", "S4"]);
    }),
});

test("a new partition's start: reset, the group's commit (the log start once deleted), the start worked out, the fallback", () => {
  const p = { low: 10, high: 20, reset: false };
  const cases: [Parameters<typeof assignmentStarts>[0], StartPosition, AssignmentStart][] = [
    [{ ...p, committed: 15 }, "latest", { start: 15 }],
    [{ ...p, committed: 15, resolved: 12 }, "latest", { start: 15 }],
    [{ ...p, committed: 15, resolved: 12, reset: true }, "latest", { start: 12 }],
    [{ ...p, committed: 4 }, "latest", { start: 10, deletedFrom: 4 }],
    [{ ...p, committed: 4 }, "earliest", { start: 10, deletedFrom: 4 }],
    [{ ...p, committed: 4, resolved: 18, reset: true }, "latest", { start: 18 }],
    [{ ...p, committed: 10 }, "latest", { start: 10 }],
    [{ ...p, resolved: 12 }, { last: 8 }, { start: 12 }],
    [p, "latest", { start: 20 }],
    [p, "earliest", { start: 10 }],
    [p, { offset: 3 }, { start: 10 }],
    [{ reset: false }, "latest", {}],
    [{ committed: 4, reset: false }, "latest", { start: 4 }],
  ];
  for (const [partition, startAt, expected] of cases) {
    assert.deepEqual(
      assignmentStarts(partition, startAt),
      expected,
      JSON.stringify([partition, startAt]),
    );
  }
});
