import assert from "node:assert/strict";
import { startBroker } from "../lib/broker/mod.ts";
import { Client } from "../lib/alert/client.ts";
import { readSample } from "./support/broker.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";
import { PYTHON, runProcess } from "./support/processes.ts";
import { test } from "./support/deadline.ts";

// A quiet broker on a free port with the one topic both directions go through.
const startSupereventBroker = () =>
  startBroker({ port: 0, topics: ["gracedb.superevent"], logger: () => {} });

// What GWCelery does with an igwn-alert payload: hop decodes the JSON value (a string), then
// json.loads() parses the alert text.
const PYTHON_READER = `
import json, sys
from confluent_kafka import Consumer
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "py", "auto.offset.reset": "earliest"})
c.subscribe([sys.argv[2]])
while True:
    m = c.poll(10)
    if m is None:
        sys.exit("no message within 10 s")
    if m.error():
        continue
    hop_value = json.loads(m.value())
    alert = json.loads(hop_value)
    print(json.dumps({"uid": alert["uid"], "alert_type": alert["alert_type"],
                      "headers": [k for k, _ in (m.headers() or [])]}))
    break
c.close()
`;

test(
  "a Python (librdkafka) reader parses our alerts the way GWCelery does",
  KAFKAJS_TEST,
  async () => {
    await using broker = await startSupereventBroker();
    const { object, text } = await readSample("superevent_new.json");
    const client = new Client({ server: `${broker.url}/`, noAuth: true });
    await client.publish("superevent", text);
    const result = await runProcess(PYTHON, [
      "-c",
      PYTHON_READER,
      `127.0.0.1:${broker.port}`,
      "gracedb.superevent",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const seen = JSON.parse(result.stdout);
    const expected = object as { uid: string; alert_type: string };
    assert.deepEqual(seen, {
      uid: expected.uid,
      alert_type: expected.alert_type,
      headers: ["_id", "_format"],
    });
  },
);

// What GraceDB sends through hop >= 0.8: the alert text JSON-encoded once more, with hop headers.
const PYTHON_WRITER = `
import json, sys, uuid
from confluent_kafka import Producer
p = Producer({"bootstrap.servers": sys.argv[1]})
text = open(sys.argv[3]).read()
p.produce(sys.argv[2], json.dumps(text).encode(),
          headers=[("_id", uuid.uuid4().bytes), ("_sender", b"gracedb"), ("_format", b"json")])
p.flush(10)
`;

test(
  "we decode alerts written by a Python (librdkafka) producer the way GraceDB writes them",
  KAFKAJS_TEST,
  async () => {
    await using broker = await startSupereventBroker();
    const file = new URL("./testdata/alerts/superevent_log.json", import.meta.url).pathname;
    const { object } = await readSample("superevent_log.json");
    const result = await runProcess(PYTHON, [
      "-c",
      PYTHON_WRITER,
      `127.0.0.1:${broker.port}`,
      "gracedb.superevent",
      file,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const client = new Client({ server: `${broker.url}/`, noAuth: true, startAt: "earliest" });
    let payload: unknown;
    await client.listen((_topic, alert) => {
      payload = alert;
      client.stop();
    }, "superevent");
    assert.deepEqual(payload, object);
  },
);
