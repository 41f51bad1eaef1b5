import assert from "node:assert/strict";
import { startBroker } from "../lib/broker/mod.ts";
import { startCliBroker } from "./support/cli.ts";
import { kcat, kcatConsume } from "./support/processes.ts";
import { Kafka, logLevel } from "kafkajs";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";
import { withBroker } from "./support/broker.ts";
import { RawKafkaConnection } from "./support/raw_client.ts";
import { Condition, test, withDeadline } from "./support/deadline.ts";

/** These tests run only our own code, so Deno's op and resource sanitizers are on. */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };

// kafkajs tests use KAFKAJS_TEST: Deno's sanitizers stay on (see tests/support/kafkajs.ts for the
// few tests where kafkajs' own retry timer outlives an abandoned request).

test(
  "acknowledged messages survive kill -9 and a torn segment tail is cut off on restart",
  async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "broker-data-" });
    try {
      const lines = Array.from({ length: 300 }, (_, i) => `key-${i}:value-${i}`);
      {
        await using broker = await startCliBroker([
          "--port",
          "0",
          "--data-dir",
          dataDir,
          "--topic",
          "t:2",
        ]);
        assert.match(broker.readyLine, /^listening on kafka:\/\/127\.0\.0\.1:\d+ \(PLAINTEXT\)$/);
        const produced = await kcat(
          broker.address,
          ["-P", "-t", "t", "-p", "1", "-K:", "-H", "n=1"],
          {
            stdin: lines.join("\n") + "\n",
            config: { "acks": "-1", "linger.ms": "0", "batch.num.messages": "7" },
          },
        );
        assert.equal(produced.code, 0, produced.stderr);
        const { code } = await broker.stop("SIGKILL");
        assert.equal(code, 137);
      }
      const segment = `${dataDir}/topics/t/1.log`;
      const sizeBefore = (await Deno.stat(segment)).size;
      const file = await Deno.open(segment, { append: true });
      await file.write(new Uint8Array([0, 0, 1, 0, 9, 9, 9, 9, 1, 2, 3, 4, 5]));
      file.close();

      await using again = await startCliBroker(["--port", "0", "--data-dir", dataDir]);
      const consumed = await kcatConsume(again.address, "t", "%o %k:%s %h\\n", { partition: 1 });
      assert.equal(consumed.code, 0, consumed.stderr);
      assert.deepEqual(consumed.stdout.trim().split("\n"), lines.map((l, i) => `${i} ${l} n=1`));
      assert.equal((await Deno.stat(segment)).size, sizeBefore, "garbage tail truncated");
      const more = await kcat(again.address, ["-P", "-t", "t", "-p", "1"], {
        stdin: "after restart\n",
      });
      assert.equal(more.code, 0, more.stderr);
      const tail = await kcatConsume(again.address, "t", "%o %s\\n", {
        offset: "-1",
        partition: 1,
      });
      assert.equal(tail.stdout, "300 after restart\n");
      const meta = await kcat(again.address, ["-L", "-t", "t"]);
      assert.match(meta.stdout, /topic "t" with 2 partitions/);
      const { code, stderr } = await again.stop("SIGTERM");
      assert.equal(code, 0);
      assert.match(stderr, /recovered t-1: .*1\.log: .* truncated 13 bytes/);
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
  SANITIZED,
);

test("topic configs and committed offsets are restored from the data directory", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "broker-data-" });
  try {
    await withBroker(
      { dataDir, topics: [{ name: "c", config: { "max.message.bytes": "2000" } }] },
      async (broker) => {
        await using conn = await RawKafkaConnection.connect(broker.port);
        const commit = await conn.request(8, 2, (w) => {
          w.string("g").int32(-1).string("").int64(-1);
          w.array(
            ["c"],
            (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(42).string("meta")),
          );
        });
        const [topic] = commit!.r.array((r) => ({
          name: r.string(),
          parts: r.array((r) => [r.int32(), r.int16()]),
        }));
        assert.deepEqual(topic, { name: "c", parts: [[0, 0]] });
      },
    );
    await withBroker({ dataDir }, async (broker) => {
      await using conn = await RawKafkaConnection.connect(broker.port);
      const fetched = await conn.request(9, 1, (w) => {
        w.string("g").array(["c"], (w, t) => w.string(t).array([0], (w, p) => w.int32(p)));
      });
      const [topic] = fetched!.r.array((r) => ({
        name: r.string(),
        parts: r.array((r) => [r.int32(), r.int64(), r.nullableString(), r.int16()]),
      }));
      assert.deepEqual(topic, { name: "c", parts: [[0, 42n, "meta", 0]] });
      const configs = await conn.request(32, 1, (w) => {
        w.array(
          [0],
          (w) => w.int8(2).string("c").array(["max.message.bytes"], (w, k) => w.string(k)),
        );
        w.bool(false);
      });
      const r = configs!.r;
      assert.equal(r.int32(), 0);
      const [res] = r.array((r) => ({
        error: r.int16(),
        message: r.nullableString(),
        type: r.int8(),
        name: r.string(),
        entries: r.array((r) => {
          const e = [r.string(), r.nullableString(), r.bool(), r.int8(), r.bool()];
          r.array((r) => r.string());
          return e;
        }),
      }));
      assert.deepEqual(res, {
        error: 0,
        message: null,
        type: 2,
        name: "c",
        entries: [["max.message.bytes", "2000", false, 1, false]],
      });
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}, SANITIZED);

test("a kafkajs consumer keeps consuming across a broker restart on another port", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "broker-restart-" });
  let broker = await startBroker({ port: 0, dataDir, topics: ["t"], logger: () => {} });
  // The restarted broker picks its own free port (no race for the old one); kafkajs asks this
  // function for a bootstrap address whenever it has to start over.
  Deno.env.set("KAFKAJS_NO_PARTITIONER_WARNING", "1");
  const kafka = new Kafka({
    brokers: () => broker.addresses,
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 100 },
  });
  const producer = kafka.producer();
  const consumer = kafka.consumer({
    groupId: "g",
    sessionTimeout: 6000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 200,
  });
  const got: string[] = [];
  const changed = new Condition();
  const received = (n: number) =>
    changed.wait(() => got.length >= n, {
      deadlineMs: 30_000,
      what: `${n} message(s) consumed`,
      detail: () => `consumed so far: ${JSON.stringify(got)}`,
    });
  try {
    await withDeadline(producer.connect(), 10_000, "the producer to connect");
    await withDeadline(consumer.connect(), 10_000, "the consumer to connect");
    await consumer.subscribe({ topic: "t", fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        got.push(`${message.offset}:${message.value}`);
        changed.notify();
        return Promise.resolve();
      },
    });
    await producer.send({ topic: "t", messages: [{ value: "before" }] });
    await received(1);
    const oldPort = broker.port;
    await broker.close();
    broker = await startBroker({ port: 0, dataDir, logger: () => {} });
    assert.notEqual(broker.port, oldPort);
    await withDeadline(
      producer.send({ topic: "t", messages: [{ value: "after" }] }),
      30_000,
      "the producer to reach the restarted broker",
    );
    await received(2);
    assert.deepEqual(got, ["0:before", "1:after"]);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await broker.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}, KAFKAJS_TEST);

test("large and small batches are read back from the data directory after a restart", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "broker-data-" });
  try {
    // Small batches and batches over 64 KiB (larger than the read buffer) alternate.
    const lines = Array.from(
      { length: 40 },
      (_, i) => i % 4 === 3 ? `${i}:${"L".repeat(100_000)}` : `${i}:small`,
    );
    {
      await using broker = await startCliBroker([
        "--port",
        "0",
        "--data-dir",
        dataDir,
        "--topic",
        "t",
      ]);
      const produced = await kcat(broker.address, ["-P", "-t", "t", "-p", "0", "-K:"], {
        stdin: lines.join("\n") + "\n",
        config: { "acks": "-1", "linger.ms": "0", "batch.num.messages": "3" },
      });
      assert.equal(produced.code, 0, produced.stderr);
    }
    await using again = await startCliBroker(["--port", "0", "--data-dir", dataDir]);
    const consumed = await kcatConsume(again.address, "t", "%o %k %S\\n", { partition: 0 });
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.deepEqual(
      consumed.stdout.trim().split("\n"),
      lines.map((l, i) => `${i} ${i} ${l.length - l.indexOf(":") - 1}`),
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
