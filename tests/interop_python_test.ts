/**
 * Cross-client checks with python3 confluent-kafka (librdkafka), the client hop-client is built
 * on: it reads what we write (headers and bytes), and we read what it writes with hop's headers.
 */
import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { KAFKAJS_TEST as kafkaTest } from "./support/kafkajs.ts";
import { readToEnd } from "./support/streams.ts";
import { python } from "./support/processes.ts";
import { openStream } from "../lib/hop/stream.ts";
import { JSONBlob } from "../lib/hop/models/blob.ts";
import { formatUuid, headerValue } from "../lib/hop/pack.ts";

const decoder = new TextDecoder();

const READ_SCRIPT = `
import json, os
from confluent_kafka import Consumer, KafkaError
c = Consumer({"bootstrap.servers": os.environ["BOOTSTRAP"], "group.id": "py-reader",
              "auto.offset.reset": "earliest", "enable.partition.eof": True})
c.subscribe([os.environ["TOPIC"]])
out = []
while True:
    m = c.poll(10)
    if m is None:
        break
    if m.error():
        if m.error().code() == KafkaError._PARTITION_EOF:
            break
        raise SystemExit(str(m.error()))
    out.append({"offset": m.offset(), "key": m.key().hex() if m.key() else None,
                "value": m.value().hex(),
                "headers": [[k, v.hex()] for k, v in (m.headers() or [])]})
c.close()
print(json.dumps(out))
`;

const WRITE_SCRIPT = `
import json, os, uuid
from confluent_kafka import Producer
p = Producer({"bootstrap.servers": os.environ["BOOTSTRAP"]})
ids = []
for n in range(3):
    u = uuid.uuid4()
    ids.append(str(u))
    p.produce(os.environ["TOPIC"], json.dumps({"from": "python", "n": n}).encode(),
              headers=[("_id", u.bytes), ("_sender", b"py-user"), ("_format", b"json")])
p.produce(os.environ["TOPIC"], json.dumps({"test": True}).encode(),
          headers=[("_id", uuid.uuid4().bytes), ("_test", b"true"), ("_format", b"json")])
assert p.flush(10) == 0
print(json.dumps(ids))
`;
import { test } from "./support/deadline.ts";

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

test({
  name: "confluent-kafka reads our messages with hop's headers and exact payload bytes",
  ...kafkaTest,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const url = `${broker.url}/t`;
      {
        await using producer = await openStream(url, "w", { auth: false });
        await producer.write({ n: 1, text: "é" }, { headers: [["origin", "deno"]] });
        await producer.write(new Uint8Array([9, 8, 7]), { key: new Uint8Array([1, 2]) });
        await producer.flush();
      }
      const result = await python(READ_SCRIPT, {
        BOOTSTRAP: `${broker.host}:${broker.port}`,
        TOPIC: "t",
      });
      assert.equal(result.code, 0, result.stderr);
      const read = JSON.parse(result.stdout) as {
        offset: number;
        key: string | null;
        value: string;
        headers: [string, string][];
      }[];
      assert.equal(read.length, 2);
      const asText = (h: string) =>
        decoder.decode(Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16)));
      assert.equal(asText(read[0].value), '{"n": 1, "text": "\\u00e9"}');
      assert.deepEqual(read[0].headers.map(([k]) => k), ["origin", "_id", "_format"]);
      assert.equal(asText(read[0].headers[0][1]), "deno");
      assert.equal(read[0].headers[1][1].length, 32);
      assert.equal(asText(read[0].headers[2][1]), "json");
      assert.equal(read[1].value, "090807");
      assert.equal(read[1].key, "0102");
      assert.equal(asText(read[1].headers.at(-1)![1]), "blob");
    }),
});

test({
  name: "we read what confluent-kafka writes with hop's headers, skipping its test message",
  ...kafkaTest,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const result = await python(WRITE_SCRIPT, {
        BOOTSTRAP: `${broker.host}:${broker.port}`,
        TOPIC: "t",
      });
      assert.equal(result.code, 0, result.stderr);
      const ids = JSON.parse(result.stdout) as string[];

      const read = await readToEnd(`${broker.url}/t`);
      assert.equal(read.length, 3);
      read.forEach(({ message, metadata }, n) => {
        assert.ok(message instanceof JSONBlob);
        assert.deepEqual(message.content, { from: "python", n });
        assert.equal(formatUuid(headerValue(metadata.headers, "_id")!), ids[n]);
        assert.equal(decoder.decode(headerValue(metadata.headers, "_sender")), "py-user");
      });
      assert.equal(hex(headerValue(read[0].metadata.headers, "_format")!), "6a736f6e");
    }),
});
