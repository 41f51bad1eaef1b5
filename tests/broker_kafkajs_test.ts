import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { firstMessages, KAFKAJS_TEST as opts, kafkajsClient } from "./support/kafkajs.ts";
import { kcat, kcatConsume } from "./support/processes.ts";
import { test } from "./support/deadline.ts";

// kafkajs tests use KAFKAJS_TEST: Deno's sanitizers stay on (see tests/support/kafkajs.ts for the
// few tests where kafkajs' own retry timer outlives an abandoned request).

function client(addresses: string[]) {
  return kafkajsClient(addresses, { clientId: "test", retry: { retries: 2 } });
}

test("kafkajs admin creates topics, lists them and reads max.message.bytes", async () => {
  await withBroker({}, async (broker) => {
    const admin = client(broker.addresses).admin();
    await admin.connect();
    try {
      assert.equal(
        await admin.createTopics({ topics: [{ topic: "a", numPartitions: 2 }] }),
        true,
      );
      assert.equal(await admin.createTopics({ topics: [{ topic: "a" }] }), false);
      assert.deepEqual((await admin.listTopics()).sort(), ["a"]);
      const meta = await admin.fetchTopicMetadata({ topics: ["a"] });
      assert.deepEqual(meta.topics[0].partitions.map((p) => p.partitionId).sort(), [0, 1]);
      const configs = await admin.describeConfigs({
        resources: [{ type: 2, name: "a", configNames: ["max.message.bytes", "retention.ms"] }],
        includeSynonyms: false,
      });
      const entries = configs.resources[0].configEntries.map((
        e,
      ) => [e.configName, e.configValue]);
      assert.deepEqual(entries.sort(), [["max.message.bytes", "1048588"], [
        "retention.ms",
        "604800000",
      ]]);
      await admin.deleteTopics({ topics: ["a"] });
      assert.deepEqual(await admin.listTopics(), []);
      await assert.rejects(
        () => admin.deleteTopics({ topics: ["a"] }),
        /This server does not host this topic-partition/,
      );
    } finally {
      await admin.disconnect();
    }
  });
}, opts);

test("kafkajs producer and group consumer exchange keys, values and headers", async () => {
  await withBroker({ topics: [{ name: "t", partitions: 2 }] }, async (broker) => {
    const kafka = client(broker.addresses);
    const producer = kafka.producer();
    const consumer = kafka.consumer({
      groupId: "g",
      sessionTimeout: 6000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
    });
    await producer.connect();
    try {
      const sent = await producer.send({
        topic: "t",
        acks: -1,
        messages: [
          { key: "k0", value: "v0", headers: { h: "1", dup: ["x", "y"] }, partition: 0 },
          { key: null, value: "v1", partition: 1 },
          { key: "k2", value: "v2", partition: 0 },
        ],
      });
      assert.deepEqual(
        sent.map((r) => [r.partition, r.errorCode, r.baseOffset]).sort(),
        [[0, 0, "0"], [1, 0, "0"]],
      );
      await consumer.connect();
      await consumer.subscribe({ topic: "t", fromBeginning: true });
      const seen = await firstMessages(consumer, 3, ({ partition, message }) => {
        const headers = Object.entries(message.headers ?? {}).map(([k, v]) =>
          `${k}=${Array.isArray(v) ? v.map(String).join("+") : String(v)}`
        ).join(",");
        return `${partition}/${message.offset}/${
          message.key?.toString() ?? "null"
        }/${message.value}/${headers}`;
      });
      assert.deepEqual(seen.sort(), ["0/0/k0/v0/h=1,dup=x+y", "0/1/k2/v2/", "1/0/null/v1/"]);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });
}, opts);

test("kcat and kafkajs read each other's null keys, tombstones and headers", async () => {
  await withBroker({ topics: ["x"] }, async (broker) => {
    const p = await kcat(broker.addresses[0], ["-P", "-t", "x", "-K:", "-Z", "-H", "src=kcat"], {
      stdin: "k1:\n:v2\nk3:v3\n",
    });
    assert.equal(p.code, 0, p.stderr);
    const kafka = client(broker.addresses);
    const producer = kafka.producer();
    const consumer = kafka.consumer({
      groupId: "cross",
      maxWaitTimeInMs: 100,
      sessionTimeout: 6000,
    });
    await producer.connect();
    try {
      await producer.send({
        topic: "x",
        messages: [{ key: null, value: null, headers: { src: "kafkajs" } }, {
          key: "k5",
          value: "",
        }],
      });
      await consumer.connect();
      await consumer.subscribe({ topic: "x", fromBeginning: true });
      const show = (b: Buffer | null) => b === null ? "NULL" : `'${b}'`;
      const seen = await firstMessages(
        consumer,
        5,
        ({ message }) =>
          `${message.offset} ${show(message.key)} ${show(message.value)} ${
            message.headers?.src ?? "-"
          }`,
      );
      assert.deepEqual(seen, [
        "0 'k1' NULL kcat",
        "1 NULL 'v2' kcat",
        "2 'k3' 'v3' kcat",
        "3 NULL NULL kafkajs",
        "4 'k5' '' -",
      ]);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
    const c = await kcatConsume(broker.addresses[0], "x", "%o %K %S %h\\n", { offset: "3" });
    assert.equal(c.stdout, "3 -1 -1 src=kafkajs\n4 2 0 \n", "key and value lengths, -1 = null");
  });
}, opts);
