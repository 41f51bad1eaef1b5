/**
 * The typed hand-off below `openStream`: a URL is parsed once into a `StreamTarget` (brokers,
 * topics, chosen credential), and `openStreamAt` / `listTopicsAt` work on that target.
 */
import assert from "node:assert/strict";
import { startBroker } from "../lib/broker/mod.ts";
import { Auth } from "../lib/hop/auth.ts";
import { AmbiguousCredentialError } from "../lib/hop/errors.ts";
import { JSONBlob } from "../lib/hop/models/blob.ts";
import { listTopicsAt } from "../lib/hop/list_topics.ts";
import { openStreamAt } from "../lib/hop/_open_stream.ts";
import { openStream } from "../lib/hop/stream.ts";
import { resolveStreamTarget, selectStreamTarget } from "../lib/hop/_stream_target.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";
import { test } from "./support/deadline.ts";

const alice = new Auth({ username: "alice", password: "a", hostname: "h:9092", ssl: false });
const bob = new Auth({ username: "bob", password: "b", hostname: "h:9092", ssl: false });

test("a URL's target is its parts with the credential chosen from them", async () => {
  const fromUrl = await resolveStreamTarget("kafka://bob@h:9092,g:9093/t1,t2", [alice, bob]);
  const fromParts = await selectStreamTarget(
    { username: "bob", brokers: ["h:9092", "g:9093"], topics: ["t1", "t2"] },
    [alice, bob],
  );
  assert.deepEqual(fromUrl, fromParts);
  assert.equal(fromParts.auth, bob);
  assert.deepEqual(fromParts.credential, {
    username: "bob",
    password: "b",
    mechanism: "SCRAM-SHA-512",
    tls: false,
    caFile: undefined,
  });
  const none = await selectStreamTarget({ brokers: ["h:9092"], topics: [] }, false);
  assert.deepEqual(none, { brokers: ["h:9092"], topics: [] });
});

test("choosing from several credentials for a target names its topics when ambiguous", async () => {
  await assert.rejects(
    selectStreamTarget({ brokers: ["h:9092"], topics: ["gracedb.superevent"] }, [alice, bob]),
    (error: unknown) => {
      assert.ok(error instanceof AmbiguousCredentialError);
      assert.match(error.message, /gracedb\.superevent/);
      return true;
    },
  );
});

test("openStreamAt refuses to read without topics and a bad fetchMaxWaitMs, before connecting", async () => {
  const target = { brokers: ["127.0.0.1:1"], topics: [] };
  await assert.rejects(openStreamAt(target, "r"), /no topic to read at 127\.0\.0\.1:1/);
  const withTopic = { brokers: ["127.0.0.1:1"], topics: ["t"] };
  for (const fetchMaxWaitMs of [-1, NaN, Infinity]) {
    await assert.rejects(openStreamAt(withTopic, "r", { fetchMaxWaitMs }), RangeError);
  }
  await assert.rejects(openStream("kafka://127.0.0.1:1", "r", { auth: false }), /names none/);
});

test({
  name: "openStreamAt writes and reads on a target, as openStream does on the URL",
  ...KAFKAJS_TEST,
  fn: async () => {
    await using broker = await startBroker({ port: 0, topics: ["a", "b"], logger: () => {} });
    const target = await selectStreamTarget({ brokers: broker.addresses, topics: ["a"] }, false);
    {
      await using producer = await openStreamAt(target, "w");
      await producer.write({ n: 1 });
      await producer.flush();
    }
    const read = { startAt: "earliest", untilEos: true, fetchMaxWaitMs: 20 } as const;
    await using consumer = await openStreamAt(target, "r", read);
    const messages = await Array.fromAsync(consumer);
    assert.equal(messages.length, 1);
    assert.ok(messages[0] instanceof JSONBlob);
    assert.deepEqual(messages[0].content, { n: 1 });
    assert.deepEqual(await listTopicsAt({ ...target, topics: [] }), ["a", "b"]);
    assert.deepEqual(await listTopicsAt({ ...target, topics: ["b", "c"] }, 5_000), ["b"]);
  },
});
