import assert from "node:assert/strict";
import { Client } from "../lib/alert/client.ts";
import type { ClientOptions } from "../lib/alert/client_options.ts";
import type { Alert } from "../lib/alert/listen_types.ts";
import { AuthenticationError, ConnectionError } from "../lib/hop/errors.ts";
import type { Logger } from "../lib/hop/log.ts";
import { type AlertBroker, readSample, SAMPLE_ALERTS, startAlertBroker } from "./support/broker.ts";
import { KAFKAJS_RETRY_TIMER_TEST, KAFKAJS_TEST } from "./support/kafkajs.ts";
import { recordingLogger } from "./support/recording_logger.ts";
import { test, waitFor } from "./support/deadline.ts";

// Most tests act as alice, who may read and write every topic of the test broker.
const aliceClient = (env: AlertBroker, options: ClientOptions = {}) =>
  new Client({ server: env.server, auth: env.auth("alice"), ...options });

const header = (alert: Alert, key: string) =>
  new TextDecoder().decode(alert.metadata.headers.find(([k]) => k === key)?.[1]);

test(
  "every sample alert survives publishToTopic -> listen over SASL_SSL",
  KAFKAJS_TEST,
  async () => {
    await using env = await startAlertBroker();
    for (const group of ["gracedb", "gracedb-playground"]) {
      const samples = SAMPLE_ALERTS.filter((sample) => sample.group === group);
      const topics = [...new Set(samples.map((sample) => sample.topic))];
      const make = () =>
        new Client({ server: env.server, group, auth: env.auth("alice"), consumerGroup: "rt" });
      await using listener = make();
      await using publisher = make();
      const received: Alert[] = [];
      let ready!: () => void;
      const isReady = new Promise<void>((resolve) => (ready = resolve));
      const listening = listener.listen(
        (_topic, _payload, alert) => {
          received.push(alert);
          if (received.length === samples.length) listener.stop();
        },
        topics,
        { onReady: () => ready() },
      );
      await isReady;
      await publisher.connect(topics);
      for (const sample of samples) {
        await publisher.publishToTopic(sample.topic, (await readSample(sample.file)).text);
      }
      for (const topic of topics) await publisher.flushByTopic(topic);
      await listening;
      for (const sample of samples) {
        const { text, object } = await readSample(sample.file);
        const alert = received.find((a) => JSON.stringify(a.payload) === JSON.stringify(object));
        assert.ok(alert, `${sample.file} not received`);
        assert.equal(alert.topic, sample.topic);
        assert.equal(alert.fullTopic, `${group}.${sample.topic}`);
        assert.equal(alert.problem, undefined);
        assert.equal(alert.raw, text, "raw is GraceDB's alert text, as the Python client gave it");
        assert.equal(header(alert, "_format"), "json");
        assert.equal(header(alert, "_sender"), "alice");
      }
    }
  },
);

test("encoding 'object' sends the alert as a JSON object", KAFKAJS_TEST, async () => {
  await using env = await startAlertBroker();
  const { object } = await readSample("superevent_new.json");
  await using client = aliceClient(env, { encoding: "object", startAt: "earliest" });
  await client.publish("superevent", object);
  for await (const alert of client.listen("superevent")) {
    assert.deepEqual(alert.raw, object);
    assert.deepEqual(alert.payload, object);
    break;
  }
});

test(
  "a listener restarted with the same consumer group resumes without loss or duplicates",
  KAFKAJS_TEST,
  async () => {
    await using env = await startAlertBroker();
    const make = () => aliceClient(env, { consumerGroup: "pipeline", startAt: "earliest" });
    await using publisher = make();
    await publisher.connect("superevent");
    const publish = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        await publisher.publishToTopic("superevent", { uid: `S${i}`, alert_type: "new" });
      }
      await publisher.flushByTopic("superevent");
    };
    await publish(0, 5);
    const seen: string[] = [];
    {
      await using first = make();
      for await (const alert of first.listen("superevent")) {
        seen.push(alert.payload.uid);
        if (seen.length === 3) break; // the third was handled: commit it by calling stop instead
      }
    }
    // break leaves the third alert uncommitted (at-least-once): the next listener sees it again.
    await publish(5, 8);
    const second: string[] = [];
    {
      await using client = make();
      await client.listen((_topic, payload) => {
        second.push(payload.uid);
        if (second.length === 6) client.stop();
      }, "superevent");
    }
    assert.deepEqual(seen, ["S0", "S1", "S2"]);
    assert.deepEqual(second, ["S2", "S3", "S4", "S5", "S6", "S7"]);
    // The callback form committed everything it handled: a third listener gets only new alerts.
    await publish(8, 9);
    const third: string[] = [];
    {
      await using client = make();
      await client.listen((_topic, payload) => {
        third.push(payload.uid);
        client.stop();
      }, "superevent");
    }
    assert.deepEqual(third, ["S8"]);
  },
);

test(
  "a handler that throws gets the same alert again and the listener goes on",
  KAFKAJS_TEST,
  async () => {
    await using env = await startAlertBroker();
    const logger = recordingLogger();
    await using client = aliceClient(env, { startAt: "earliest", retryWaitMs: 1, logger });
    await client.publish("superevent", { uid: "S1", alert_type: "new" });
    await client.publish("superevent", { uid: "S2", alert_type: "new" });
    const calls: string[] = [];
    await client.listen((_topic, payload, alert) => {
      calls.push(`${payload.uid}@${alert.metadata.offset}`);
      if (calls.length <= 2) throw new Error("database is down");
      if (payload.uid === "S2") client.stop();
    }, "superevent");
    assert.deepEqual(calls, ["S1@0", "S1@0", "S1@0", "S2@1"]);
    const errors = logger.lines.filter((line) => line.startsWith("ERROR"));
    assert.equal(errors.length, 2);
    assert.match(
      errors[0],
      /^ERROR handler failed for the alert at gracedb.superevent partition 0 offset 0 \(uid S1\): database is down; delivering it again in 1 ms$/,
    );
  },
);

test(
  "a malformed alert is passed on with a warning and the listener keeps running",
  KAFKAJS_TEST,
  async () => {
    await using env = await startAlertBroker();
    const logger = recordingLogger();
    await using client = aliceClient(env, { startAt: "earliest", logger });
    await client.connect("superevent");
    await client.publishToTopic("superevent", "not json at all", { text: true });
    await client.publishToTopic("superevent", (await readSample("superevent_new.json")).text);
    await client.flushByTopic("superevent");
    const payloads: unknown[] = [];
    await client.listen((_topic, payload) => {
      payloads.push(payload);
      if (payloads.length === 2) client.stop();
    }, "superevent");
    assert.equal(payloads[0], "not json at all");
    assert.equal((payloads[1] as { uid: string }).uid, "S240615dg");
    assert.ok(
      logger.lines.some((line) =>
        /^WARNING alert at gracedb.superevent offset 0: Payload is not valid json: /.test(line)
      ),
      logger.lines.join("\n"),
    );
  },
);

test(
  "getTopics() lists only the group's topics the credential may read",
  KAFKAJS_TEST,
  async () => {
    await using env = await startAlertBroker({ acls: true });
    const alice = new Client({ server: env.server, auth: env.auth("alice") });
    assert.deepEqual(await alice.getTopics(), [
      "burst_cwb",
      "cbc_gstlal",
      "cbc_gstlal_allsky",
      "cbc_pycbc",
      "superevent",
    ]);
    assert.deepEqual(await alice.getTopics("gracedb-test"), ["superevent"]);
    const bob = new Client({ server: env.server, auth: env.auth("bob") });
    assert.deepEqual(await bob.getTopics(), ["superevent"]);
    assert.deepEqual(await bob.getTopics("gracedb-playground"), []);
  },
);

test(
  "a wrong password fails with AuthenticationError naming the user, not the password",
  KAFKAJS_TEST,
  async () => {
    await using env = await startAlertBroker();
    const client = new Client({ server: env.server, auth: env.auth("alice", "wrong-pw-123") });
    const error = await client.getTopics().then(() => undefined, (e) => e);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.match(error.message, /alice/);
    assert.doesNotMatch(error.message, /wrong-pw-123/);
    const listenError = await client.listen(() => {}, "superevent").then(() => undefined, (e) => e);
    assert.ok(listenError instanceof AuthenticationError, String(listenError));
  },
);

test(
  "listening to a topic that does not exist fails with the topic named",
  KAFKAJS_TEST,
  async () => {
    await using env = await startAlertBroker();
    const client = aliceClient(env);
    await assert.rejects(client.listen(() => {}, "no_such_topic"), /gracedb\.no_such_topic/);
  },
);

test("stop() from outside ends a waiting listener", KAFKAJS_TEST, async () => {
  await using env = await startAlertBroker();
  const client = aliceClient(env);
  let ready = false;
  const listening = client.listen(() => {}, "superevent", { onReady: () => (ready = true) });
  await waitFor(() => ready, { deadlineMs: 20_000, what: "the listener to be ready" });
  client.stop();
  await listening;
});

test("aborting the listen signal ends the iterator", KAFKAJS_TEST, async () => {
  await using env = await startAlertBroker();
  const client = aliceClient(env);
  const controller = new AbortController();
  const seen: Alert[] = [];
  const done = (async () => {
    for await (
      const alert of client.listen("superevent", {
        signal: controller.signal,
        onReady: () => controller.abort(),
      })
    ) seen.push(alert);
  })();
  await done;
  assert.deepEqual(seen, []);
});

test(
  "listeners sharing a consumer group split the partitions between them",
  KAFKAJS_TEST,
  async () => {
    await using env = await startAlertBroker();
    const assignments = [[], []] as string[][];
    const received = [[], []] as string[][];
    const listeners = [0, 1].map((i) => {
      const logger: Logger = {
        debug: (m) => {
          const assigned = /^group split assigned (.*)$/.exec(m);
          if (assigned) assignments[i].push(assigned[1]);
        },
        info: () => {},
        warn: () => {},
        error: () => {},
      };
      return aliceClient(env, { consumerGroup: "split", logger });
    });
    const runs = listeners.map((client, i) =>
      client.listen((_topic, payload) => {
        received[i].push(payload.uid);
      }, "cbc_pycbc")
    );
    // Each member ends up with one of the two partitions once the group has rebalanced.
    await waitFor(
      () =>
        assignments.every((list) => /^gracedb\.cbc_pycbc\[\d\]$/.test(list.at(-1) ?? "")) &&
        assignments[0].at(-1) !== assignments[1].at(-1),
      { deadlineMs: 30_000, what: "the group to split the two partitions" },
    );
    await using publisher = aliceClient(env);
    await publisher.connect("cbc_pycbc");
    const sent = Array.from({ length: 40 }, (_, i) => `G${i}`);
    for (const uid of sent) await publisher.publishToTopic("cbc_pycbc", { uid });
    await publisher.flushByTopic("cbc_pycbc");
    await waitFor(() => received[0].length + received[1].length >= sent.length, {
      deadlineMs: 20_000,
      what: "all alerts",
    });
    for (const client of listeners) client.stop();
    await Promise.all(runs);
    assert.deepEqual([...received[0], ...received[1]].sort(), [...sent].sort());
    assert.ok(received[0].length > 0 && received[1].length > 0, JSON.stringify(received));
  },
);

test(
  "alerts go out as GraceDB does: a JSON string literal of the alert text, hop headers",
  KAFKAJS_TEST,
  async () => {
    await using env = await startAlertBroker();
    const { text } = await readSample("superevent_new.json");
    await using client = aliceClient(env);
    await client.publish("superevent", text);
    const { openStream } = await import("../lib/hop/stream.ts");
    await using consumer = await openStream(`${env.server}gracedb.superevent`, "r", {
      auth: env.auth("alice"),
      startAt: "earliest",
    });
    for await (const { value, metadata } of consumer.readRaw()) {
      const wire = new TextDecoder().decode(value!);
      assert.equal(wire[0], '"');
      assert.equal(JSON.parse(wire), text);
      assert.deepEqual(metadata.headers.map(([key]) => key), ["_id", "_sender", "_format"]);
      assert.equal(metadata.headers[0][1].length, 16);
      break;
    }
  },
);

test("listen() without topics listens to every topic of the group", KAFKAJS_TEST, async () => {
  await using env = await startAlertBroker();
  await using client = aliceClient(env);
  const seen: string[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const listening = client.listen(
    (topic) => {
      seen.push(topic);
      if (seen.length === 2) client.stop();
    },
    undefined,
    { onReady: () => ready() },
  );
  await isReady;
  await client.publish("burst_cwb", { uid: "G1" });
  await client.publish("cbc_pycbc", { uid: "G2" });
  await listening;
  assert.deepEqual(seen.sort(), ["burst_cwb", "cbc_pycbc"]);
});

test(
  "listen(callback, topics, { raw: true }) hands over the Python client's value",
  KAFKAJS_TEST,
  async () => {
    await using env = await startAlertBroker();
    const { text } = await readSample("superevent_log.json");
    await using client = aliceClient(env, { startAt: "earliest" });
    await client.publish("superevent", text);
    let got: unknown;
    await client.listen(
      (_topic, payload) => {
        got = payload;
        client.stop();
      },
      "superevent",
      { raw: true },
    );
    assert.equal(got, text);
  },
);

test("aborting the constructor's signal stops a running listener", KAFKAJS_TEST, async () => {
  await using env = await startAlertBroker();
  const controller = new AbortController();
  const client = aliceClient(env, { signal: controller.signal });
  await client.listen(() => {}, "superevent", { onReady: () => controller.abort() });
});

test(
  "stop() during a failing handler's retries ends listen and leaves the alert uncommitted",
  KAFKAJS_TEST,
  async () => {
    await using env = await startAlertBroker();
    const make = () =>
      aliceClient(env, {
        consumerGroup: "stuck",
        startAt: "earliest",
        handlerRetries: Infinity,
        retryWaitMs: 10,
      });
    await using first = make();
    await first.publish("superevent", { uid: "S1" });
    let calls = 0;
    await first.listen(() => {
      if (++calls === 3) first.stop();
      throw new Error("still failing");
    }, "superevent");
    assert.equal(calls, 3);
    await using second = make();
    let again: string | undefined;
    await second.listen((_topic, payload) => {
      again = payload.uid;
      second.stop();
    }, "superevent");
    assert.equal(again, "S1");
  },
);

test(
  "alerts from older or other producers decode too: legacy envelope, no headers, an object",
  KAFKAJS_TEST,
  async () => {
    await using env = await startAlertBroker();
    const { text, object } = await readSample("superevent_voevent.json");
    const { openStream } = await import("../lib/hop/stream.ts");
    {
      await using producer = await openStream(`${env.server}gracedb.superevent`, "w", {
        auth: env.auth("alice"),
      });
      const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
      await producer.writeRaw(encode({ format: "blob", content: text })); // hop 0.7
      await producer.writeRaw(encode(text)); // JSON string, no headers
      await producer.writeRaw(encode(object)); // plain object, no headers
      await producer.flush();
    }
    await using client = aliceClient(env, { startAt: "earliest" });
    const alerts: Alert[] = [];
    await client.listen((_topic, _payload, alert) => {
      alerts.push(alert);
      if (alerts.length === 3) client.stop();
    }, "superevent");
    for (const alert of alerts) {
      assert.deepEqual(alert.payload, object);
      assert.equal(alert.problem, undefined);
    }
  },
);

// The tests below abandon a kafkajs client while it is retrying (an unreachable broker, a missing
// topic, a broker that went away): kafkajs' retry timer outlives them (see
// KAFKAJS_RETRY_TIMER_TEST), so they run last, with the sanitizers off, where the timer cannot
// fire during another test.

test(
  "an unreachable server fails with ConnectionError within the connect timeout",
  KAFKAJS_RETRY_TIMER_TEST,
  async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const client = new Client({
      server: `kafka://127.0.0.1:${port}/`,
      noAuth: true,
      connectTimeoutMs: 1000,
    });
    const error = await client.getTopics().then(() => undefined, (e) => e);
    assert.ok(error instanceof ConnectionError, String(error));
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  },
);
