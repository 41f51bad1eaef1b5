/**
 * End-to-end stream behaviour against our broker over PLAINTEXT: round trips, groups and commits,
 * test messages, start positions, end of stream, stopping, size limits and error texts.
 */
import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { REFUSED_ADDRESS } from "./support/network.ts";
import { KAFKAJS_RETRY_TIMER_TEST, KAFKAJS_TEST } from "./support/kafkajs.ts";
import { jsonField, readToEnd } from "./support/streams.ts";
import { type Consumer, type Metadata, openStream, randomGroupId } from "../lib/hop/stream.ts";
import { listTopics } from "../lib/hop/list_topics.ts";
import { Blob, JSONBlob } from "../lib/hop/models/blob.ts";
import type { MessageModel } from "../lib/hop/models/model.ts";
import { headerValue } from "../lib/hop/pack.ts";
import { Auth } from "../lib/hop/auth.ts";
import {
  AmbiguousCredentialError,
  ConnectionError,
  DeliveryError,
  KafkaError,
  MessageTooLargeError,
} from "../lib/hop/errors.ts";
import { startBroker } from "../lib/broker/mod.ts";
import { recordingLogger } from "./support/recording_logger.ts";
import { test } from "./support/deadline.ts";

const text = new TextDecoder();

async function collect<T>(iterator: AsyncIterable<T>, limit = Infinity): Promise<T[]> {
  const items: T[] = [];
  if (limit <= 0) return items;
  for await (const item of iterator) {
    items.push(item);
    if (items.length >= limit) break;
  }
  return items;
}

async function writeAll(url: string, messages: unknown[], test = false): Promise<void> {
  await using producer = await openStream(url, "w", { auth: false });
  for (const message of messages) await producer.write(message, { test });
  await producer.flush();
}

function contents(messages: MessageModel[]): unknown[] {
  return messages.map((m) => (m instanceof JSONBlob ? m.content : m));
}

test({
  name: "openStream() writes JSON and bytes that read back with hop's headers",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const url = `${broker.url}/t`;
      await using producer = await openStream(url, "w", { auth: false });
      await producer.write({ alert_type: "new", n: 1 }, { headers: { origin: "tests" } });
      await producer.write(new Uint8Array([0, 1, 2, 255]), { key: "k1" });
      await producer.write("quoted");
      await producer.flush();

      const read = await readToEnd(url);
      assert.equal(read.length, 3);
      const [first, second, third] = read;
      assert.ok(first.message instanceof JSONBlob);
      assert.deepEqual(first.message.content, { alert_type: "new", n: 1 });
      assert.deepEqual(first.metadata.headers.map(([k]) => k), [
        "origin",
        "_id",
        "_format",
      ]);
      assert.equal(headerValue(first.metadata.headers, "_id")?.length, 16);
      assert.equal(text.decode(headerValue(first.metadata.headers, "origin")), "tests");
      assert.equal(first.metadata.topic, "t");
      assert.equal(first.metadata.partition, 0);
      assert.equal(first.metadata.offset, 0);
      assert.equal(first.metadata.key, null);
      assert.ok(Math.abs(first.metadata.timestamp - Date.now()) < 600_000);

      assert.ok(second.message instanceof Blob);
      assert.deepEqual([...second.message.serialize()], [0, 1, 2, 255]);
      assert.equal(text.decode(second.metadata.key!), "k1");
      assert.equal(text.decode(headerValue(second.metadata.headers, "_format")), "blob");

      assert.ok(third.message instanceof JSONBlob);
      assert.equal(third.message.content, "quoted");
      assert.equal(third.metadata.offset, 2);
    }),
});

test({
  name: "Consumer with untilEos ends after every partition, including empty ones, is read",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: [{ name: "multi", partitions: 3 }, "empty"] }, async (broker) => {
      const url = `${broker.url}/multi`;
      await using producer = await openStream(url, "w", { auth: false });
      // Keys pin messages to partitions; some partitions stay empty.
      for (let i = 0; i < 10; i++) await producer.write({ i }, { key: "same-key" });
      await producer.flush();

      const consumer = await openStream(`${broker.url}/multi,empty`, "r", {
        auth: false,
        startAt: "earliest",
        untilEos: true,
      });
      const read = await collect(consumer.read({ metadata: true }));
      await consumer.close();
      assert.deepEqual(
        read.map((r) => (r.message as JSONBlob).content),
        [...Array(10)].map((
          _,
          i,
        ) => ({ i })),
      );
      assert.equal(new Set(read.map((r) => r.metadata.partition)).size, 1);

      // Nothing at all to read: ends at once.
      await using empty = await openStream(`${broker.url}/empty`, "r", {
        auth: false,
        startAt: "earliest",
        untilEos: true,
      });
      assert.deepEqual(await collect(empty), []);
    }),
});

test({
  name: "Consumer starts at latest by default and at earliest when asked",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const url = `${broker.url}/t`;
      await writeAll(url, [{ old: 1 }, { old: 2 }]);

      await using latest = await openStream(url, "r", { auth: false });
      await latest.ready;
      await writeAll(url, [{ fresh: 3 }]);
      const [fromLatest] = await collect(latest, 1);
      assert.deepEqual((fromLatest as JSONBlob).content, { fresh: 3 });

      await using earliest = await openStream(url, "r", {
        auth: false,
        startAt: "earliest",
        untilEos: true,
      });
      assert.deepEqual(contents(await collect(earliest)), [{ old: 1 }, { old: 2 }, { fresh: 3 }]);
    }),
});

test({
  name: "Consumer skips test messages unless ignoreTest is false, and still commits them",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const url = `${broker.url}/t`;
      await writeAll(url, [{ real: 1 }]);
      await writeAll(url, [{ test: 2 }, { test: 3 }], true);

      const groupId = randomGroupId("tester");
      const skipping = await openStream(url, "r", {
        auth: false,
        startAt: "earliest",
        untilEos: true,
        groupId,
      });
      assert.deepEqual(contents(await collect(skipping)), [{ real: 1 }]);
      await skipping.close();

      // Same group, test messages wanted: everything was committed, nothing is left.
      await writeAll(url, [{ real: 4 }]);
      await using again = await openStream(url, "r", {
        auth: false,
        untilEos: true,
        groupId,
        ignoreTest: false,
      });
      assert.deepEqual(contents(await collect(again)), [{ real: 4 }]);

      await using all = await openStream(url, "r", {
        auth: false,
        startAt: "earliest",
        untilEos: true,
        ignoreTest: false,
      });
      const read = await collect(all.read({ metadata: true }));
      assert.deepEqual(contents(read.map((r) => r.message)), [
        { real: 1 },
        { test: 2 },
        { test: 3 },
        { real: 4 },
      ]);
      assert.equal(text.decode(headerValue(read[1].metadata.headers, "_test")), "true");
    }),
});

test({
  name: "a consumer group resumes after the last markDone when autoCommit is false",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const url = `${broker.url}/t`;
      await writeAll(url, [1, 2, 3, 4, 5].map((n) => ({ n })));
      const groupId = "resume-group";

      const first = await openStream(url, "r", {
        auth: false,
        startAt: "earliest",
        groupId,
        autoCommit: false,
      });
      let marked: Metadata | undefined;
      for await (const { message, metadata } of first.read({ metadata: true })) {
        if ((message as JSONBlob).content && metadata.offset === 1) {
          await first.markDone(metadata);
          marked = metadata;
        }
        if (metadata.offset === 3) break; // read 0..3, only 1 marked done
      }
      await first.close();
      assert.equal(marked?.offset, 1);

      await using second = await openStream(url, "r", {
        auth: false,
        startAt: "earliest",
        groupId,
        untilEos: true,
      });
      assert.deepEqual(contents(await collect(second)), [{ n: 3 }, { n: 4 }, { n: 5 }]);
    }),
});

test({
  name: "autoCommit commits a message once the next is requested, so a failed body is redelivered",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const url = `${broker.url}/t`;
      await writeAll(url, [1, 2, 3, 4].map((n) => ({ n })));
      const groupId = "auto-group";
      const first = await openStream(url, "r", { auth: false, startAt: "earliest", groupId });
      await assert.rejects(async () => {
        for await (const message of first) {
          if (jsonField(message, "n") === 2) throw new Error("processing failed");
        }
      }, /processing failed/);
      await first.close();

      await using second = await openStream(url, "r", {
        auth: false,
        startAt: "earliest",
        groupId,
        untilEos: true,
      });
      assert.deepEqual(contents(await collect(second)), [{ n: 2 }, { n: 3 }, { n: 4 }]);
    }),
});

test({
  name: "stop(), an AbortSignal and close() end an iteration that waits for data",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const url = `${broker.url}/t`;
      const waiting = async (consumer: Consumer, end: () => unknown) => {
        await consumer.ready;
        // collect() asks for the first message before it returns its promise, so the iteration
        // is already waiting when end() runs.
        const done = collect(consumer);
        end();
        return await done;
      };

      const stopped = await openStream(url, "r", { auth: false });
      assert.deepEqual(await waiting(stopped, () => stopped.stop()), []);
      await stopped.close();

      const controller = new AbortController();
      const aborted = await openStream(url, "r", { auth: false, signal: controller.signal });
      assert.deepEqual(await waiting(aborted, () => controller.abort()), []);
      await aborted.close();

      const closed = await openStream(url, "r", { auth: false });
      assert.deepEqual(await waiting(closed, () => closed.close()), []);

      // Stopped before it was ever ready: iteration ends at once and ready settles.
      const early = await openStream(url, "r", { auth: false });
      early.stop();
      assert.deepEqual(await collect(early), []);
      await early.ready;
      await early.close();

      const preAborted = new AbortController();
      preAborted.abort();
      await using never = await openStream(url, "r", { auth: false, signal: preAborted.signal });
      assert.deepEqual(await collect(never), []);
    }),
});

test({
  name: "stop() mid-iteration ends it after the current message",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const url = `${broker.url}/t`;
      await writeAll(url, [1, 2, 3, 4, 5].map((n) => ({ n })));
      await using consumer = await openStream(url, "r", { auth: false, startAt: "earliest" });
      const seen: unknown[] = [];
      for await (const message of consumer) {
        seen.push((message as JSONBlob).content);
        if (seen.length === 2) consumer.stop();
      }
      assert.deepEqual(seen, [{ n: 1 }, { n: 2 }]);
    }),
});

test({
  name: "Consumer delivers an undecodable payload as a Blob with a logged warning",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const url = `${broker.url}/t`;
      await using producer = await openStream(url, "w", { auth: false });
      const bad = new Uint8Array([0xff, 0xfe, 0x00]);
      await producer.writeRaw(bad, { headers: [["_format", new TextEncoder().encode("nosuch")]] });
      await producer.writeRaw(bad);
      await producer.write({ ok: true });
      await producer.flush();

      const logger = recordingLogger();
      await using consumer = await openStream(url, "r", {
        auth: false,
        startAt: "earliest",
        untilEos: true,
        logger,
      });
      const read = await collect(consumer);
      assert.equal(read.length, 3);
      assert.ok(read[0] instanceof Blob && read[1] instanceof Blob);
      assert.deepEqual([...read[0].serialize()], [...bad]);
      assert.deepEqual((read[2] as JSONBlob).content, { ok: true });
      const warnings = logger.lines.filter((l) => l.startsWith("WARNING"));
      assert.equal(warnings.length, 2);
      assert.match(warnings[0], /NOSUCH not recognized.*offset 0/);
      assert.match(warnings[1], /Unknown message format.*offset 1/);
    }),
});

test({
  name: "flush() reports a message over max.message.bytes naming topic and size",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker(
      { topics: [{ name: "small", config: { "max.message.bytes": "2000" } }] },
      async (broker) => {
        await using producer = await openStream(`${broker.url}/small`, "w", { auth: false });
        await producer.write({ fits: "x".repeat(1000) });
        await producer.write({ big: "x".repeat(5000) });
        const error = await producer.flush().then(() => undefined, (e) => e);
        assert.ok(error instanceof DeliveryError, String(error));
        assert.equal(error.unsent, 1);
        const [cause] = error.causes;
        assert.ok(cause instanceof MessageTooLargeError, String(cause));
        assert.equal(cause.topic, "small");
        assert.match(cause.message, /message of \d{4} bytes .*topic 'small'/);

        await using consumer = await openStream(`${broker.url}/small`, "r", {
          auth: false,
          startAt: "earliest",
          untilEos: true,
        });
        assert.equal((await collect(consumer)).length, 1);
      },
    ),
});

test({
  name: "Producer sends thousands of queued writes in batches and flush() waits for them",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: [{ name: "bulk", partitions: 2 }] }, async (broker) => {
      const url = `${broker.url}/bulk`;
      await using producer = await openStream(url, "w", { auth: false });
      const payload = "y".repeat(900);
      for (let i = 0; i < 3000; i++) await producer.write({ i, payload });
      await producer.flush();
      const seen = new Set<number>();
      for (const { message } of await readToEnd(url)) seen.add(jsonField(message, "i") as number);
      assert.equal(seen.size, 3000);
    }),
});

test({
  name: "Producer keeps each key's messages in write order across several requests in flight",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: [{ name: "ordered", partitions: 3 }] }, async (broker) => {
      const url = `${broker.url}/ordered`;
      const keys = ["a", "b", "c", "d"];
      const count = 6_000; // about 6 MB: several 1 MB requests, two of them unacknowledged at once
      {
        await using producer = await openStream(url, "w", { auth: false });
        const payload = "z".repeat(1_000);
        for (let i = 0; i < count; i++) {
          await producer.write({ i, payload }, { key: keys[i % keys.length] });
        }
        await producer.flush();
      }
      const last = new Map<string, number>();
      const offsets = new Map<number, number>();
      let read = 0;
      for (const { message, metadata } of await readToEnd(url)) {
        const key = new TextDecoder().decode(metadata.key!);
        const i = jsonField(message, "i") as number;
        assert.equal(keys[i % keys.length], key);
        assert.ok((last.get(key) ?? -1) < i, `message ${i} of key ${key} came after a later one`);
        last.set(key, i);
        const expected = offsets.get(metadata.partition) ?? metadata.offset;
        assert.equal(metadata.offset, expected, "offsets within a partition are consecutive");
        offsets.set(metadata.partition, metadata.offset + 1);
        read++;
      }
      assert.equal(read, count);
    }),
});

test({
  name: "one Produce request carries batches for several topics and partitions, read back intact",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker(
      { topics: [{ name: "left", partitions: 2 }, { name: "right", partitions: 3 }] },
      async (broker) => {
        {
          await using producer = await openStream(`${broker.url}/left,right`, "w", {
            auth: false,
          });
          // Queued in one burst, so they share requests.
          await Promise.all(
            Array.from({ length: 200 }, (_, i) =>
              producer.write({ i }, {
                topic: i % 2 ? "right" : "left",
                key: `k${i % 7}`,
                headers: [["n", String(i)]],
              })),
          );
          await producer.flush();
        }
        for (const [topic, parity] of [["left", 0], ["right", 1]] as const) {
          const seen: number[] = [];
          for (const { message, metadata } of await readToEnd(`${broker.url}/${topic}`)) {
            const i = jsonField(message, "i") as number;
            assert.equal(i % 2, parity);
            assert.equal(text.decode(headerValue(metadata.headers, "n")), String(i));
            assert.equal(text.decode(metadata.key!), `k${i % 7}`);
            seen.push(i);
          }
          assert.deepEqual(
            seen.sort((a, b) => a - b),
            Array.from({ length: 100 }, (_, k) => 2 * k + parity),
          );
        }
      },
    ),
});

test({
  name: "Producer.write() without a topic in URL or options names the problem",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["a", "b"] }, async (broker) => {
      await using producer = await openStream(`${broker.url}/a,b`, "w", { auth: false });
      await assert.rejects(producer.write({}), /No topic specified for write/);
      await producer.write({ to: "b" }, { topic: "b" });
      await producer.flush();
      assert.deepEqual(await listTopics(`${broker.url}/b,zzz`, { auth: false }), ["b"]);
    }),
});

test("openStream() with ambiguous credentials ends with hop's hint to embed a username", async () => {
  const creds = [
    new Auth({ username: "alice", password: "a-secret", hostname: "kafka.example.org" }),
    new Auth({ username: "bob", password: "b-secret", hostname: "kafka.example.org:9092" }),
  ];
  for (const mode of ["r", "w"] as const) {
    await assert.rejects(
      // The credential is chosen before any connection, so no broker is needed.
      openStream("kafka://kafka.example.org:9092,other.example.org/t1,t2", mode as "r", {
        auth: creds,
      }),
      (error: Error) => {
        assert.ok(error instanceof AmbiguousCredentialError, error.message);
        assert.ok(
          error.message.endsWith(
            "To select a specific credential to use, embed its username in the URL:\n" +
              "  kafka://<username>@kafka.example.org:9092/t1,t2",
          ),
          error.message,
        );
        assert.ok(!error.message.includes("secret"));
        return true;
      },
    );
  }
});

test({
  name: "listTopics() returns the visible topics sorted",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["zeta", "alpha", { name: "mid", partitions: 2 }] }, async (broker) => {
      assert.deepEqual(await listTopics(broker.url, { auth: false }), ["alpha", "mid", "zeta"]);
    }),
});

test({
  name: "openStream() accepts several brokers in the URL",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const dead = REFUSED_ADDRESS;
      const url = `kafka://${broker.host}:${broker.port},${dead}/t`;
      await writeAll(url, [{ via: "two brokers" }]);
      const read = await readToEnd(url);
      assert.deepEqual(contents(read.map((r) => r.message)), [{ via: "two brokers" }]);
    }),
});

test({
  name: "openStream() reading a missing topic fails naming the topic",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const error = await openStream(`${broker.url}/nope`, "r", { auth: false }).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(error instanceof KafkaError);
      assert.match(error.message, /topic 'nope' does not exist at 127\.0\.0\.1:\d+/);
    }),
});

test({
  name: "aborting while openStream() connects leaves nothing open",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const controller = new AbortController();
      const opening = openStream(`${broker.url}/t`, "r", {
        auth: false,
        signal: controller.signal,
      });
      controller.abort();
      const consumer = await opening;
      assert.deepEqual(await collect(consumer), []);
      await consumer.close();
    }),
});

test({
  name: "two consumers in one group share the partitions and each message is read once",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: [{ name: "shared", partitions: 2 }] }, async (broker) => {
      const url = `${broker.url}/shared`;
      const options = { auth: false, groupId: "sharing-group" } as const;
      await using first = await openStream(url, "r", options);
      await first.ready;
      await using second = await openStream(url, "r", options);
      await second.ready;

      const seen: { reader: string; n: number; partition: number }[] = [];
      const total = 40;
      const readAll = async (name: string, consumer: Consumer) => {
        for await (const { message, metadata } of consumer.read({ metadata: true })) {
          seen.push({
            reader: name,
            n: jsonField(message, "n") as number,
            partition: metadata.partition,
          });
          if (seen.length >= total) {
            first.stop();
            second.stop();
          }
        }
      };
      const reading = Promise.all([readAll("first", first), readAll("second", second)]);
      await using producer = await openStream(url, "w", { auth: false });
      for (let n = 0; n < total; n++) await producer.write({ n }, { key: `key-${n}` });
      await producer.flush();
      await reading;

      assert.deepEqual(seen.map((s) => s.n).sort((a, b) => a - b), [...Array(total).keys()]);
      const partitionsOf = (reader: string) =>
        new Set(seen.filter((s) => s.reader === reader).map((s) => s.partition));
      assert.equal(partitionsOf("first").size, 1);
      assert.equal(partitionsOf("second").size, 1);
      assert.notDeepEqual([...partitionsOf("first")], [...partitionsOf("second")]);
    }),
});

test({
  name: "with autoCommit false, test messages skipped after a markDone are committed with it",
  ...KAFKAJS_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const url = `${broker.url}/t`;
      await writeAll(url, [{ n: 1 }]);
      await writeAll(url, [{ n: 2 }, { n: 3 }], true);
      await writeAll(url, [{ n: 4 }]);
      const groupId = "manual-skip";
      const first = await openStream(url, "r", {
        auth: false,
        startAt: "earliest",
        groupId,
        autoCommit: false,
      });
      for await (const { message, metadata } of first.read({ metadata: true })) {
        if (jsonField(message, "n") === 1) await first.markDone(metadata);
        if (jsonField(message, "n") === 4) break; // read but never marked done
      }
      await first.close();

      await using second = await openStream(url, "r", {
        auth: false,
        groupId,
        untilEos: true,
        ignoreTest: false,
      });
      assert.deepEqual(contents(await collect(second)), [{ n: 4 }]);
    }),
});

// The tests below abandon a kafkajs client while it is retrying (an unreachable broker, a missing
// topic, a broker that went away): kafkajs' retry timer outlives them (see
// KAFKAJS_RETRY_TIMER_TEST), so they run last, with the sanitizers off, where the timer cannot
// fire during another test.

test({
  name: "an unreachable broker gives a ConnectionError naming the host within the time limit",
  ...KAFKAJS_RETRY_TIMER_TEST,
  fn: async () => {
    const address = REFUSED_ADDRESS;
    for (
      const attempt of [
        () => openStream(`kafka://${address}/t`, "r", { auth: false, connectTimeoutMs: 1500 }),
        () => openStream(`kafka://${address}/t`, "w", { auth: false, connectTimeoutMs: 1500 }),
        () => listTopics(`kafka://${address}`, { auth: false, timeoutMs: 1500 }),
      ]
    ) {
      const error = await attempt().then(() => undefined, (e) => e);
      assert.ok(error instanceof ConnectionError, String(error));
      assert.ok(error.message.includes(address), error.message);
    }
  },
});

test({
  name: "flush() after a write to a missing topic reports the topic by name",
  ...KAFKAJS_RETRY_TIMER_TEST,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      await using producer = await openStream(`${broker.url}/t`, "w", {
        auth: false,
        retry: { kafkaRetries: 1 },
      });
      await producer.write({}, { topic: "absent" });
      const error = await producer.flush().then(() => undefined, (e) => e);
      assert.ok(error instanceof DeliveryError, String(error));
      const [cause] = error.causes;
      assert.ok(cause instanceof KafkaError, String(cause));
      assert.equal(cause.kind, "unknown-topic");
      assert.equal(cause.topic, "absent");
      assert.match(error.message, /topic 'absent' does not exist at 127\.0\.0\.1:\d+/);
    }),
});

test({
  name: "flush() throws a DeliveryError counting the messages the broker never got",
  ...KAFKAJS_RETRY_TIMER_TEST,
  fn: async () => {
    const broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
    const producer = await openStream(`${broker.url}/t`, "w", {
      auth: false,
      connectTimeoutMs: 1000,
      requestTimeoutMs: 1000,
      retry: { deliveryTimeoutMs: 2000, kafkaRetries: 1 },
    });
    try {
      await producer.write({ first: true });
      await producer.flush();
      await broker.close();
      await producer.write({ lost: 1 });
      await producer.write({ lost: 2 });
      const error = await producer.flush().then(() => undefined, (e) => e);
      assert.ok(error instanceof DeliveryError, String(error));
      assert.equal(error.unsent, 2);
      assert.match(error.message, /^2 messages remain unsent, some data may have been lost!: .+/);
      assert.match(error.message, /127\.0\.0\.1:\d+/);
    } finally {
      await producer.close().catch(() => {});
      await broker.close();
    }
  },
});
