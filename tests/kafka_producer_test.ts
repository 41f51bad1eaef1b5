/**
 * The Kafka adapter's producer against the built-in broker: retries until the delivery timeout,
 * in order; splits batches the broker finds too large; keeps repeated headers; compresses with
 * gzip, snappy and lz4 so that librdkafka (kcat) reads the batches back.
 */
import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";
import { kcatConsume } from "./support/processes.ts";
import { test } from "./support/deadline.ts";
import { KafkaProducer } from "../lib/kafka/producer.ts";
import { MessageTooLargeError } from "../lib/kafka/errors.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "../lib/kafka/retry_policy.ts";
import type { OutgoingRecord } from "../lib/kafka/types.ts";

const encoder = new TextEncoder();
const NOT_LEADER_FOR_PARTITION = 6;
const PRODUCE = 0;

// Fast retries: one Kafka client attempt per send, short back-off.
const QUICK: RetryPolicy = {
  ...DEFAULT_RETRY_POLICY,
  initialDelayMs: 20,
  maxDelayMs: 100,
  kafkaRetries: 0,
  deliveryTimeoutMs: 10_000,
};

function records(topic: string, values: string[]): OutgoingRecord[] {
  return values.map((value) => ({ topic, value: encoder.encode(value) }));
}

async function valuesIn(bootstrap: string, topic: string): Promise<string[]> {
  const result = await kcatConsume(bootstrap, topic, "%s\n", { quiet: true, timeoutMs: 30_000 });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.split("\n").filter((line) => line !== "");
}

test({
  name: "KafkaProducer retries a retriable failure and delivers every record in order",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const bootstrap = `${broker.host}:${broker.port}`;
      const producer = await KafkaProducer.connect({ brokers: [bootstrap], retry: QUICK });
      try {
        assert.deepEqual(await producer.send(records("t", ["a"])), []);
        const fault = broker.faults.inject({
          apiKey: PRODUCE,
          action: "error",
          errorCode: NOT_LEADER_FOR_PARTITION,
          count: 3,
        });
        const first = producer.send(records("t", ["b", "c"]));
        const second = producer.send(records("t", ["d"]));
        assert.deepEqual(await first, []);
        assert.deepEqual(await second, []);
        assert.equal(fault.hits, 3);
        assert.deepEqual(await valuesIn(bootstrap, "t"), ["a", "b", "c", "d"]);
      } finally {
        await producer.close();
      }
    }),
});

test({
  name: "KafkaProducer reports a record as failed only once the delivery timeout has passed",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const bootstrap = `${broker.host}:${broker.port}`;
      const deliveryTimeoutMs = 1_000;
      const producer = await KafkaProducer.connect({
        brokers: [bootstrap],
        retry: { ...QUICK, deliveryTimeoutMs },
      });
      try {
        const fault = broker.faults.inject({
          apiKey: PRODUCE,
          action: "error",
          errorCode: NOT_LEADER_FOR_PARTITION,
          count: Infinity,
        });
        const started = Date.now();
        const failures = await producer.send(records("t", ["lost"]));
        const elapsed = Date.now() - started;
        fault.release();
        assert.equal(failures.length, 1);
        assert.equal(failures[0].records.length, 1);
        assert.equal(failures[0].error.kind, "transient");
        assert.match(failures[0].error.message, new RegExp(`${broker.port}`));
        assert.ok(fault.hits >= 3, `only ${fault.hits} attempts`);
        assert.ok(
          elapsed >= deliveryTimeoutMs - QUICK.maxDelayMs * 1.2,
          `gave up after ${elapsed} ms`,
        );
        assert.ok(elapsed < deliveryTimeoutMs + 5_000, `took ${elapsed} ms`);
      } finally {
        await producer.close();
      }
    }),
});

test({
  name:
    "KafkaProducer splits a batch the broker finds too large and fails only the oversized record",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker(
      { topics: [{ name: "small", config: { "max.message.bytes": "2000" } }] },
      async (broker) => {
        const bootstrap = `${broker.host}:${broker.port}`;
        const producer = await KafkaProducer.connect({ brokers: [bootstrap], retry: QUICK });
        try {
          const values = [
            "one " + "x".repeat(900),
            "big " + "y".repeat(5000),
            "two " + "z".repeat(900),
          ];
          const failures = await producer.send(records("small", values));
          assert.equal(failures.length, 1);
          const [{ records: failed, error }] = failures;
          assert.deepEqual(failed.map((r) => new TextDecoder().decode(r.value!)), [values[1]]);
          assert.ok(error instanceof MessageTooLargeError, String(error));
          assert.equal(error.topic, "small");
          assert.equal(error.kind, "too-large");
          assert.match(error.message, /message of \d{4} bytes .*topic 'small'/);
          assert.deepEqual(await valuesIn(bootstrap, "small"), [values[0], values[2]]);
        } finally {
          await producer.close();
        }
      },
    ),
});

test({
  name: "KafkaProducer keeps repeated header names, in order, beside the others",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const bootstrap = `${broker.host}:${broker.port}`;
      const producer = await KafkaProducer.connect({ brokers: [bootstrap] });
      try {
        const failures = await producer.send([{
          topic: "t",
          value: encoder.encode("v"),
          key: "k",
          headers: [["a", encoder.encode("1")], ["b", encoder.encode("2")], [
            "a",
            encoder.encode("3"),
          ]],
        }]);
        assert.deepEqual(failures, []);
        const result = await kcatConsume(bootstrap, "t", "%k|%h|%s\n", {
          quiet: true,
          timeoutMs: 30_000,
        });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, "k|a=1,a=3,b=2|v\n");
      } finally {
        await producer.close();
      }
    }),
});

for (const compression of ["gzip", "snappy", "lz4"] as const) {
  test({
    name: `KafkaProducer writes ${compression} batches that kcat reads back`,
    ...KAFKAJS_TEST,
    fn: () =>
      withBroker({ topics: ["t"] }, async (broker) => {
        const bootstrap = `${broker.host}:${broker.port}`;
        const producer = await KafkaProducer.connect({ brokers: [bootstrap], compression });
        try {
          let big = "";
          for (let i = 0; big.length < 150_000; i++) big += `${i}:${(i * 7919) % 997} `;
          const values = ["first", "r".repeat(3000), big, "last"];
          assert.deepEqual(await producer.send(records("t", values)), []);
          assert.deepEqual(await valuesIn(bootstrap, "t"), values);
        } finally {
          await producer.close();
        }
      }),
  });
}

test({
  name: "KafkaProducer refuses zstd for writing with one clear line",
  ...KAFKAJS_TEST,
  fn: async () => {
    const error = await KafkaProducer.connect({ brokers: ["127.0.0.1:1"], compression: "zstd" })
      .then(() => undefined, (e) => e);
    assert.ok(error instanceof Error);
    assert.equal(
      error.message,
      "zstd compression can be read but not written: no pure JavaScript zstd compressor is available; use gzip, snappy or lz4",
    );
  },
});
