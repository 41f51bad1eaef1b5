/**
 * Consumer crashes: when the broker goes away for longer than the Kafka client's retries, the
 * consumer either rejoins by itself or ends iteration with a fatal KafkaError, as the caller's
 * `restartOnFailure` decides; `onCrash` sees every crash.
 */
import assert from "node:assert/strict";
import { startBroker } from "../lib/broker/mod.ts";
import { openStream } from "../lib/hop/stream.ts";
import { ConnectionError, KafkaError } from "../lib/hop/errors.ts";
import { JSONBlob } from "../lib/hop/models/blob.ts";
import { recordingLogger } from "./support/recording_logger.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";

const silentBroker = { port: 0, topics: ["t"], logger: () => {} };

async function nextError(iterator: AsyncIterable<unknown>): Promise<unknown> {
  try {
    for await (const _ of iterator) {
      // nothing is written in these tests
    }
  } catch (error) {
    return error;
  }
  return undefined;
}

Deno.test({
  name: "restartOnFailure: false ends iteration with a fatal ConnectionError when the broker goes",
  ...KAFKAJS_TEST,
  fn: async () => {
    const broker = await startBroker(silentBroker);
    const crashes: [KafkaError, boolean][] = [];
    const logger = recordingLogger();
    await using consumer = await openStream(`${broker.url}/t`, "r", {
      auth: false,
      logger,
      restartOnFailure: false,
      onCrash: (error, willRestart) => crashes.push([error, willRestart]),
    });
    await consumer.ready;
    const ended = nextError(consumer);
    await broker.close();
    const error = await ended;
    assert.ok(error instanceof ConnectionError, String(error));
    assert.equal(error.fatal, true);
    assert.match(
      error.message,
      new RegExp(`^cannot connect to Kafka at 127\\.0\\.0\\.1:${broker.port}`),
    );
    assert.equal(crashes.length, 1);
    assert.equal(crashes[0][0], error);
    assert.equal(crashes[0][1], false);
    // With a hook the crash is the caller's to report.
    assert.deepEqual(logger.lines.filter((line) => line.includes("rejoining")), []);
  },
});

Deno.test({
  name: "a restartOnFailure function is asked per crash and its false ends iteration",
  ...KAFKAJS_TEST,
  fn: async () => {
    const broker = await startBroker(silentBroker);
    const asked: KafkaError[] = [];
    const crashes: boolean[] = [];
    await using consumer = await openStream(`${broker.url}/t`, "r", {
      auth: false,
      restartOnFailure: (error) => {
        asked.push(error);
        return asked.length < 2;
      },
      onCrash: (_error, willRestart) => crashes.push(willRestart),
    });
    await consumer.ready;
    const ended = nextError(consumer);
    await broker.close();
    const error = await ended;
    assert.ok(error instanceof KafkaError, String(error));
    assert.equal(error.fatal, true);
    assert.equal(asked.length, 2);
    assert.ok(asked.every((e) => e instanceof ConnectionError && !e.fatal), String(asked));
    assert.deepEqual(crashes, [true, false]);
  },
});

Deno.test({
  name: "by default a crashed consumer rejoins and reads what is written after the broker returns",
  ...KAFKAJS_TEST,
  fn: async () => {
    const dataDir = await Deno.makeTempDir();
    try {
      let broker = await startBroker({ ...silentBroker, dataDir });
      const port = broker.port;
      const url = `${broker.url}/t`;
      const logger = recordingLogger();
      await using consumer = await openStream(url, "r", { auth: false, logger, groupId: "g" });
      await consumer.ready;
      const first = (async () => {
        for await (const message of consumer) return message;
      })();
      await broker.close();
      while (!logger.lines.some((line) => line.includes("rejoining group g"))) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(
        logger.lines.find((line) => line.includes("rejoining"))!,
        new RegExp(`^WARNING Kafka consumer failed, rejoining group g: cannot connect .*:${port}`),
      );
      broker = await startBroker({ ...silentBroker, port, dataDir });
      try {
        // Written until the rejoined consumer has its assignment and sees one.
        await using producer = await openStream(url, "w", { auth: false });
        let message: unknown;
        const received = first.then((m) => (message = m));
        while (message === undefined) {
          await producer.write({ n: 1 });
          await producer.flush();
          await Promise.race([received, new Promise((resolve) => setTimeout(resolve, 200))]);
        }
        assert.ok(message instanceof JSONBlob);
        assert.deepEqual(message.content, { n: 1 });
      } finally {
        await consumer.close();
        await broker.close();
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
