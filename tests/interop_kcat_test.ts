/**
 * Cross-client checks with kcat (librdkafka): what we write is what kcat prints, byte for byte,
 * and what kcat writes with hop's headers decodes into the right models.
 */
import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { KAFKAJS_TEST as kafkaTest } from "./support/kafkajs.ts";
import { readToEnd } from "./support/streams.ts";
import { kcat, kcatConsume } from "./support/processes.ts";
import { openStream } from "../lib/hop/stream.ts";
import { Blob, JSONBlob } from "../lib/hop/models/blob.ts";
import { headerValue } from "../lib/hop/pack.ts";
import { test } from "./support/deadline.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

test({
  name: "kcat -C -e -f shows hop's _id, _sender-less _format headers and our payload bytes",
  ...kafkaTest,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const url = `${broker.url}/t`;
      {
        await using producer = await openStream(url, "w", { auth: false });
        await producer.write({ superevent_id: "S1", far: 1e-9 }, { key: "k" });
        await producer.flush();
      }
      const [{ metadata }] = await readToEnd(url);
      const id = headerValue(metadata.headers, "_id")!;
      assert.equal(id.length, 16);
      assert.equal(id[6] >> 4, 4); // UUID version 4
      assert.equal(id[8] >> 6, 2); // RFC 4122 variant

      const result = await kcatConsume(
        `${broker.host}:${broker.port}`,
        "t",
        "KEY=%k|HEADERS=%h|VALUE=%s|END\n",
        { quiet: true, timeoutMs: 30_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      const out = result.stdoutBytes;
      const idAt = indexOf(out, encoder.encode("HEADERS=_id="));
      assert.ok(idAt >= 0, decoder.decode(out));
      const idStart = idAt + "HEADERS=_id=".length;
      // kcat prints a header value as a C string: a zero byte in the random id ends it there.
      const zero = id.indexOf(0);
      const shown = zero < 0 ? id : id.subarray(0, zero);
      assert.deepEqual([...out.subarray(idStart, idStart + shown.length)], [...shown]);
      const rest = decoder.decode(out.subarray(idStart + shown.length));
      assert.equal(rest, `,_format=json|VALUE={"superevent_id": "S1", "far": 1e-09}|END\n`);
      assert.ok(decoder.decode(out.subarray(0, idAt)).startsWith("KEY=k|"));
    }),
});

test({
  name: "messages written by kcat with hop's headers decode into the right models",
  ...kafkaTest,
  fn: () =>
    withBroker({ topics: ["t"] }, async (broker) => {
      const bootstrap = `${broker.host}:${broker.port}`;
      const produce = async (payload: string, headers: string[]) => {
        const args = ["-P", "-t", "t", ...headers.flatMap((h) => ["-H", h])];
        const result = await kcat(bootstrap, args, { stdin: payload, timeoutMs: 30_000 });
        assert.equal(result.code, 0, result.stderr);
      };
      await produce('{"alert_type": "new"}\n', ["_format=json", "_sender=kcat-user"]);
      await produce("raw bytes\n", ["_format=blob"]);
      await produce('{"format": "blob", "content": {"legacy": true}}\n', []);
      await produce('{"plain": "json"}\n', []);
      await produce("not json at all\n", []);
      await produce('{"test": true}\n', ["_format=json", "_test=true"]);

      const read = await readToEnd(`${broker.url}/t`);
      assert.equal(read.length, 5);
      const [json, blob, legacy, plain, notJson] = read;
      assert.ok(json.message instanceof JSONBlob);
      assert.deepEqual(json.message.content, { alert_type: "new" });
      assert.equal(decoder.decode(headerValue(json.metadata.headers, "_sender")), "kcat-user");
      assert.ok(blob.message instanceof Blob);
      assert.equal(decoder.decode(blob.message.serialize()), "raw bytes");
      assert.ok(legacy.message instanceof JSONBlob);
      assert.deepEqual(legacy.message.content, { legacy: true });
      assert.ok(plain.message instanceof JSONBlob);
      assert.deepEqual(plain.message.content, { plain: "json" });
      assert.ok(notJson.message instanceof Blob);
      assert.equal(decoder.decode(notJson.message.serialize()), "not json at all");
    }),
});

test({
  name:
    "record batches we encode pass kcat's CRC check, group repeated headers in order and pick kcat's murmur2 partitions",
  ...kafkaTest,
  fn: () =>
    withBroker({ topics: [{ name: "p", partitions: 3 }] }, async (broker) => {
      const bootstrap = `${broker.host}:${broker.port}`;
      const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
      {
        await using producer = await openStream(`${broker.url}/p`, "w", { auth: false });
        for (const key of keys) {
          await producer.writeRaw(encoder.encode(`ours ${key}`), {
            key,
            headers: [["b", encoder.encode("1")], ["a", encoder.encode("2")], [
              "b",
              encoder.encode("3"),
            ]],
          });
        }
        await producer.flush();
      }
      // librdkafka's murmur2_random partitioner is the Java client's, which kafkajs' default
      // partitioner follows: the same key must land in the same partition either way.
      const theirs = await kcat(bootstrap, [
        "-P",
        "-t",
        "p",
        "-K",
        ":",
        "-X",
        "partitioner=murmur2_random",
      ], { stdin: keys.map((key) => `${key}:theirs ${key}\n`).join(""), timeoutMs: 30_000 });
      assert.equal(theirs.code, 0, theirs.stderr);

      const result = await kcatConsume(bootstrap, "p", "%p|%k|%h|%s\n", {
        quiet: true,
        config: { "check.crcs": "true" },
        timeoutMs: 30_000,
      });
      assert.equal(result.code, 0, result.stderr);
      const lines = decoder.decode(result.stdoutBytes).trim().split("\n");
      assert.equal(lines.length, 2 * keys.length, lines.join("\n"));
      const partitionOf = new Map<string, string>();
      const used = new Set<string>();
      for (const line of lines.filter((l) => l.includes("|ours "))) {
        const [partition, key, headers, value] = line.split("|");
        // The Kafka client keeps headers in a map: repeated names are grouped at the place of
        // their first appearance, in their own order.
        assert.equal(headers, "b=1,b=3,a=2");
        assert.equal(value, `ours ${key}`);
        partitionOf.set(key, partition);
        used.add(partition);
      }
      assert.equal(partitionOf.size, keys.length);
      assert.ok(used.size > 1, "keys should spread over several partitions");
      for (const line of lines.filter((l) => l.includes("|theirs "))) {
        const [partition, key] = line.split("|");
        assert.equal(partition, partitionOf.get(key), `partition of ${key}`);
      }
    }),
});
