import assert from "node:assert/strict";
import { startBroker } from "../lib/broker/mod.ts";
import { Auth } from "../lib/hop/auth.ts";
import { loadAuth, writeAuth } from "../lib/hop/auth_file.ts";
import { headerValue } from "../lib/hop/pack.ts";
import { openStream } from "../lib/hop/stream.ts";
import {
  graceDbTopics,
  PlaygroundOptionError,
  publishLifecycles,
  simulateLifecycles,
  startPlayground,
  UnknownGroupError,
} from "../lib/playground/mod.ts";
import type { Alert } from "../lib/alert/listen_types.ts";
import { KAFKAJS_TEST, kafkajsClient } from "./support/kafkajs.ts";
import { python } from "./support/processes.ts";
import { test } from "./support/deadline.ts";
import { encodeAlert } from "../lib/alert/payload.ts";

const text = new TextDecoder();
const quiet = () => {};

function header(headers: [string, Uint8Array][], name: string): string | undefined {
  const value = headerValue(headers, name);
  return value && text.decode(value);
}

/** A plain broker with the GraceDB topics of the "gracedb" group. */
function startGraceDbBroker() {
  return startBroker({ port: 0, topics: graceDbTopics("gracedb"), logger: quiet });
}

test({
  name: "publishLifecycles() sends each alert as GraceDB does: a JSON string of the alert text",
  ...KAFKAJS_TEST,
  async fn() {
    await using broker = await startGraceDbBroker();
    const summary = await publishLifecycles(`${broker.url}/`, { seed: 4, count: 1, auth: false });
    const steps = [...simulateLifecycles({ seed: 4, count: 1 })];
    assert.deepEqual(summary, { lifecycles: 1, alerts: steps.length, aborted: false });

    const wanted = steps.filter((s) => s.topic === "gracedb.superevent");
    await using consumer = await openStream(`${broker.url}/gracedb.superevent`, "r", {
      auth: false,
      startAt: "earliest",
      untilEos: true,
    });
    const received = [];
    for await (const { value, metadata } of consumer.readRaw()) {
      received.push({ value: text.decode(value!), metadata });
    }
    assert.equal(received.length, wanted.length);
    received.forEach(({ value, metadata }, i) => {
      // The Kafka value is the JSON string literal of the alert's JSON text.
      assert.equal(value, JSON.stringify(encodeAlert(wanted[i].alert)));
      assert.equal(header(metadata.headers, "_format"), "json");
      assert.match(header(metadata.headers, "_id") ?? "", /.+/);
      assert.equal(metadata.offset, i);
    });
  },
});

test({
  name: "publishLifecycles() stops at the next alert once its signal aborts",
  ...KAFKAJS_TEST,
  async fn() {
    await using broker = await startGraceDbBroker();
    const stop = new AbortController();
    const seen: string[] = [];
    const summary = await publishLifecycles(`${broker.url}/`, {
      seed: 2,
      auth: false,
      signal: stop.signal,
      onPublished: (step) => {
        seen.push(`${step.lifecycle}/${step.sequence}`);
        if (step.last && step.lifecycle === 1) stop.abort();
      },
    });
    assert.deepEqual(summary.aborted, true);
    assert.equal(summary.lifecycles, 2);
    const expected = [...simulateLifecycles({ seed: 2, count: 2 })];
    assert.equal(summary.alerts, expected.length);
    assert.deepEqual(seen, expected.map((s) => `${s.lifecycle}/${s.sequence}`));
  },
});

test("publishLifecycles() rejects a rate that is not a positive number", async () => {
  for (const rate of [0, -1, NaN, Infinity]) {
    await assert.rejects(
      publishLifecycles("kafka://127.0.0.1:1/", { rate, auth: false }),
      (error: unknown) => {
        assert.ok(error instanceof PlaygroundOptionError);
        assert.match(error.message, new RegExp(`rate must be a positive number .*, got ${rate}`));
        return true;
      },
    );
  }
});

test({
  name: "startPlayground() creates the topic layout of all three groups and a SASL user",
  ...KAFKAJS_TEST,
  async fn() {
    await using playground = await startPlayground({
      port: 0,
      simulate: false,
      brokerLogger: quiet,
    });
    assert.equal(playground.broker.protocol, "SASL_PLAINTEXT");
    assert.equal(playground.server, `kafka://127.0.0.1:${playground.broker.port}/`);
    const credential = playground.credential!;
    assert.equal(credential.username, "playground");
    assert.ok(credential.password.length >= 20);
    const { listTopics } = await import("../lib/hop/list_topics.ts");
    const topics = await listTopics(playground.server, { auth: credential });
    for (const group of ["gracedb", "gracedb-playground", "gracedb-test"]) {
      for (const topic of graceDbTopics(group)) assert.ok(topics.includes(topic), topic);
    }
    await assert.rejects(
      listTopics(playground.server, {
        auth: new Auth({ username: "playground", password: "nope", protocol: "SASL_PLAINTEXT" }),
        timeoutMs: 5000,
      }),
    );
  },
});

test({
  name: "startPlayground() in memory keeps 4 MiB per partition, with a data directory everything",
  ...KAFKAJS_TEST,
  async fn() {
    const retention = async (dataDir?: string) => {
      await using playground = await startPlayground({
        port: 0,
        noAuth: true,
        simulate: false,
        dataDir,
        brokerLogger: quiet,
      });
      const admin = kafkajsClient([`${playground.broker.host}:${playground.broker.port}`]).admin();
      await admin.connect();
      try {
        const configs = await admin.describeConfigs({
          resources: [{ type: 2, name: "gracedb.superevent", configNames: ["retention.bytes"] }],
          includeSynonyms: false,
        });
        return configs.resources[0].configEntries.map((e) => [e.configName, e.configValue]);
      } finally {
        await admin.disconnect();
      }
    };
    assert.deepEqual(await retention(), [["retention.bytes", String(4 * 1024 * 1024)]]);
    const dir = await Deno.makeTempDir();
    try {
      assert.deepEqual(await retention(dir), [["retention.bytes", "-1"]]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

test({
  name: "startPlayground() with listen hands over every alert in publication order",
  ...KAFKAJS_TEST,
  async fn() {
    const alerts: Alert[] = [];
    await using playground = await startPlayground({
      port: 0,
      seed: 6,
      count: 2,
      groups: ["gracedb-playground", "gracedb"],
      listen: true,
      onAlert: (alert) => alerts.push(alert),
      brokerLogger: quiet,
    });
    const summary = await playground.done;
    const steps = [...simulateLifecycles({
      seed: 6,
      count: 2,
      groups: ["gracedb-playground", "gracedb"],
    })];
    assert.equal(summary.alerts, steps.length);
    assert.deepEqual(
      alerts.map((a) => [a.fullTopic, a.payload]),
      steps.map((s) => [s.topic, s.alert]),
    );
    assert.ok(alerts.every((a) => a.problem === undefined));
  },
});

test({
  name: "a restarted startPlayground() replaces its own auth.toml entry and keeps the others",
  ...KAFKAJS_TEST,
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/auth.toml`;
    try {
      const other = new Auth({
        username: "alice",
        password: "a-secret",
        hostname: "kafka.scimma.org",
      });
      await writeAuth([other], path);
      // The first run picks its port; the second comes back on it, as a playground on a fixed
      // port does when it is started again.
      const first = await startPlayground({
        port: 0,
        simulate: false,
        writeAuth: path,
        brokerLogger: quiet,
      });
      const port = first.broker.port;
      const stale = first.credential!.password;
      await first.close();
      assert.deepEqual((await loadAuth(path)).map((c) => [c.username, c.password]), [
        ["alice", "a-secret"],
        ["playground", stale],
      ]);

      await using playground = await startPlayground({
        port,
        simulate: false,
        writeAuth: path,
        brokerLogger: quiet,
      });
      assert.equal(playground.authFile, path);
      const creds = await loadAuth(path);
      assert.deepEqual(creds.map((c) => [c.username, c.hostname]), [
        ["alice", "kafka.scimma.org"],
        ["playground", `127.0.0.1:${port}`],
      ]);
      assert.equal(creds[1].password, playground.credential!.password);
      assert.notEqual(creds[1].password, stale);
      assert.equal(creds[1].protocol, "SASL_PLAINTEXT");
      assert.equal(creds[1].mechanism, "SCRAM-SHA-512");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

test("startPlayground() rejects unknown groups, bad rates and unwritable data directories", async () => {
  await assert.rejects(
    startPlayground({ port: 0, groups: ["gracedb", "lvalert-dev"], brokerLogger: quiet }),
    UnknownGroupError,
  );
  await assert.rejects(
    startPlayground({ port: 0, rate: 0, brokerLogger: quiet }),
    /rate must be a positive number of lifecycles per minute, got 0/,
  );
  await assert.rejects(
    startPlayground({ port: 0, listen: ["superevent", "gracedb.superevent"], brokerLogger: quiet }),
    /^PlaygroundOptionError: no playground topic is named "gracedb.superevent" \(topics are given without the group prefix/,
  );
  const file = await Deno.makeTempFile();
  try {
    await assert.rejects(
      startPlayground({ port: 0, dataDir: `${file}/data`, brokerLogger: quiet }),
      (error: unknown) => {
        assert.ok(error instanceof PlaygroundOptionError);
        assert.match(error.message, new RegExp(`^data directory ${file}/data is not writable: `));
        return true;
      },
    );
  } finally {
    await Deno.remove(file);
  }
});

test({
  name:
    "a Python confluent_kafka consumer decodes playground alerts as GWCelery does, to the same JSON",
  ...KAFKAJS_TEST,
  async fn() {
    await using playground = await startPlayground({
      port: 0,
      seed: 11,
      count: 1,
      brokerLogger: quiet,
    });
    await playground.done;
    const wanted = [...simulateLifecycles({ seed: 11, count: 1 })]
      .filter((step) => step.topic === "gracedb.superevent");
    const script = `
import json, os
from confluent_kafka import Consumer
c = Consumer({
    "bootstrap.servers": os.environ["BOOTSTRAP"],
    "security.protocol": "SASL_PLAINTEXT",
    "sasl.mechanisms": "SCRAM-SHA-512",
    "sasl.username": os.environ["USERNAME"],
    "sasl.password": os.environ["PASSWORD"],
    "group.id": "python-reader",
    "auto.offset.reset": "earliest",
})
c.subscribe(["gracedb.superevent"])
seen = 0
while seen < int(os.environ["COUNT"]):
    m = c.poll(20)
    if m is None:
        raise SystemExit("timed out")
    if m.error():
        continue
    text = json.loads(m.value())  # hop's JSON layer: a string
    alert = json.loads(text)      # GraceDB's text: the alert
    headers = dict(m.headers())
    print(headers["_format"].decode(), json.dumps(alert, separators=(",", ":")))
    seen += 1
c.close()
`;
    const result = await python(script, {
      BOOTSTRAP: `127.0.0.1:${playground.broker.port}`,
      USERNAME: playground.credential!.username,
      PASSWORD: playground.credential!.password,
      COUNT: String(wanted.length),
    });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split("\n");
    assert.deepEqual(lines.map((line) => line.split(" ", 1)[0]), wanted.map(() => "json"));
    // Python spells some floats differently (4e-09), so compare values, not text.
    assert.deepEqual(
      lines.map((line) => JSON.parse(line.slice(line.indexOf(" ") + 1))),
      wanted.map((step) => step.alert),
    );
  },
});
