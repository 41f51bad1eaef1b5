import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { kcat, kcatConsume } from "./support/processes.ts";
import { test } from "./support/deadline.ts";

/** These tests run only our own code, so Deno's op and resource sanitizers are on. */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };

test("kcat -L lists the broker as controller and every topic with its partitions", async () => {
  await withBroker({ topics: [{ name: "alerts", partitions: 2 }, "other"] }, async (broker) => {
    const r = await kcat(broker.addresses[0], ["-L"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`broker 0 at ${broker.host}:${broker.port} \\(controller\\)`),
    );
    assert.match(r.stdout, /topic "alerts" with 2 partitions:/);
    assert.match(r.stdout, /topic "other" with 1 partitions:/);
    assert.match(r.stdout, /partition 1, leader 0, replicas: 0, isrs: 0/);
  });
}, SANITIZED);

test("kcat -P with keys and headers is read back by kcat -C -e with offsets intact", async () => {
  await withBroker({ topics: ["t"] }, async (broker) => {
    const produced = await kcat(
      broker.addresses[0],
      ["-P", "-t", "t", "-K:", "-H", "a=1", "-H", "b=two"],
      { stdin: "k1:v1\nk2:second value\n:no key\n", config: { "acks": "all" } },
    );
    assert.equal(produced.code, 0, produced.stderr);
    const consumed = await kcatConsume(broker.addresses[0], "t", "%p|%o|%k|%s|%h\\n");
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.deepEqual(consumed.stdout.trim().split("\n"), [
      "0|0|k1|v1|a=1,b=two",
      "0|1|k2|second value|a=1,b=two",
      "0|2||no key|a=1,b=two",
    ]);
  });
}, SANITIZED);

test(
  "kcat -C from an offset beyond the end is reset to earliest by auto.offset.reset",
  async () => {
    await withBroker({ topics: ["t"] }, async (broker) => {
      await kcat(broker.addresses[0], ["-P", "-t", "t"], { stdin: "a\nb\n" });
      const r = await kcatConsume(broker.addresses[0], "t", "%o %s\\n", {
        offset: "1000",
        config: { "auto.offset.reset": "earliest" },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split("\n"), ["0 a", "1 b"]);
    });
  },
  SANITIZED,
);

test("kcat -C -o -1 reads the last message and gzip batches pass through unchanged", async () => {
  await withBroker({ topics: ["t"] }, async (broker) => {
    const lines = Array.from({ length: 50 }, (_, i) => `message-${i}`).join("\n") + "\n";
    const p = await kcat(broker.addresses[0], ["-P", "-t", "t", "-z", "gzip"], { stdin: lines });
    assert.equal(p.code, 0, p.stderr);
    const all = await kcatConsume(broker.addresses[0], "t", "%o:%s\\n");
    assert.equal(all.stdout.trim().split("\n").length, 50);
    assert.equal(all.stdout.trim().split("\n")[49], "49:message-49");
    const last = await kcatConsume(broker.addresses[0], "t", "%o:%s\\n", { offset: "-1" });
    assert.equal(last.stdout.trim(), "49:message-49");
  });
}, SANITIZED);

test(
  "kcat with an idempotent producer and every codec stores batches that read back intact",
  async () => {
    await withBroker({ topics: ["t"] }, async (broker) => {
      for (const codec of ["none", "gzip", "snappy", "lz4", "zstd"]) {
        const r = await kcat(broker.addresses[0], ["-P", "-t", "t", "-z", codec], {
          stdin: `${codec}-1\n${codec}-2\n`,
          config: { "enable.idempotence": "true" },
        });
        assert.equal(r.code, 0, r.stderr);
      }
      const all = await kcatConsume(broker.addresses[0], "t", "%o:%s\\n", {
        config: { "check.crcs": "true" },
      });
      assert.equal(all.code, 0, all.stderr);
      assert.deepEqual(
        all.stdout.trim().split("\n"),
        ["none", "gzip", "snappy", "lz4", "zstd"].flatMap((
          c,
          i,
        ) => [`${2 * i}:${c}-1`, `${2 * i + 1}:${c}-2`]),
      );
    });
  },
  SANITIZED,
);

test(
  "a LogAppendTime topic stamps broker time into batches that still pass CRC checks",
  async () => {
    await withBroker({
      topics: [{ name: "t", config: { "message.timestamp.type": "LogAppendTime" } }],
    }, async (broker) => {
      const before = Date.now();
      const p = await kcat(broker.addresses[0], ["-P", "-t", "t"], { stdin: "stamped\n" });
      assert.equal(p.code, 0, p.stderr);
      const c = await kcatConsume(broker.addresses[0], "t", "%T %s\\n", {
        config: { "check.crcs": "true" },
      });
      assert.equal(c.code, 0, c.stderr);
      const [timestamp, value] = c.stdout.trim().split(" ");
      assert.equal(value, "stamped");
      assert.ok(Number(timestamp) >= before && Number(timestamp) <= Date.now(), c.stdout);
    });
  },
  SANITIZED,
);
