/**
 * End-to-end streams over TLS with SASL (SCRAM-SHA-512 unless said otherwise) against our broker:
 * every message model, group resumption, test messages, aborting, and the error texts for a wrong
 * password, ACL denials and an untrusted certificate.
 */
import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { makeCertificate, type TestCertificate } from "./support/network.ts";
import { openStream } from "../lib/hop/stream.ts";
import { listTopics } from "../lib/hop/list_topics.ts";
import { Auth } from "../lib/hop/auth.ts";
import { Blob, JSONBlob } from "../lib/hop/models/blob.ts";
import { ExternalMessage, GCNCircular, GCNTextNotice } from "../lib/hop/models/gcn.ts";
import { VOEvent } from "../lib/hop/models/voevent.ts";
import { AvroBlob } from "../lib/hop/models/avro_blob.ts";
import type { MessageModel } from "../lib/hop/models/model.ts";
import { headerValue } from "../lib/hop/pack.ts";
import {
  AuthenticationError,
  AuthorizationError,
  ConnectionError,
  DeliveryError,
} from "../lib/hop/errors.ts";
import type { BrokerHandle, BrokerOptions } from "../lib/broker/mod.ts";
import { KAFKAJS_RETRY_TIMER_TEST, KAFKAJS_TEST } from "./support/kafkajs.ts";
import { jsonField } from "./support/streams.ts";
import { test } from "./support/deadline.ts";

const decoder = new TextDecoder();

let certificate: TestCertificate | undefined;
async function tlsCertificate(): Promise<TestCertificate> {
  certificate ??= await makeCertificate(await Deno.makeTempDir({ prefix: "streams-tls-" }));
  return certificate;
}

const USERS = [
  { username: "alice", password: "alice-secret-1" },
  { username: "bob", password: "bob-secret-2" },
  { username: "carol", password: "carol-secret-3" },
];

async function withSecureBroker(
  options: BrokerOptions,
  fn: (
    broker: BrokerHandle,
    credential: (user: string, mechanism?: string) => Auth,
  ) => Promise<void>,
): Promise<void> {
  const cert = await tlsCertificate();
  await withBroker(
    {
      users: USERS,
      tls: { certFile: cert.certFile, keyFile: cert.keyFile },
      ...options,
    },
    (broker) =>
      fn(broker, (user, mechanism = "SCRAM-SHA-512") =>
        new Auth({
          username: user,
          password: USERS.find((u) => u.username === user)!.password,
          mechanism,
          sslCaLocation: cert.certFile,
        })),
  );
}

const VOEVENT_XML = `<?xml version="1.0" encoding="UTF-8"?>
<voe:VOEvent xmlns:voe="http://www.ivoa.net/xml/VOEvent/v2.0" ivorn="ivo://gwnet/LVC#S1-1-Preliminary" role="test" version="2.0">
  <Who><Date>2026-11-22T16:00:00</Date></Who>
  <What><Param name="GraceID" value="S1"/></What>
</voe:VOEvent>
`;

function sampleModels(): MessageModel[] {
  return [
    new JSONBlob({ superevent_id: "S1", far: 1e-9, labels: ["EM_READY"] }),
    new Blob(new Uint8Array([0, 159, 146, 150, 255])),
    VOEvent.load(VOEVENT_XML),
    new GCNCircular({ subject: "GRB 261122A", from: "someone@example.org" }, "Body text."),
    GCNTextNotice.load("TITLE: GCN/LVC NOTICE\nTRIGGER_NUM: S1\n"),
    new AvroBlob({ name: "S1", far: 1e-9, count: 3 }),
    new ExternalMessage("https://example.org/large-message"),
  ];
}

test({
  name: "every model written over SASL_SSL with SCRAM-SHA-512 reads back with the same bytes",
  ...KAFKAJS_TEST,
  fn: () =>
    withSecureBroker({ topics: ["models"] }, async (broker, credential) => {
      const url = `kafka://127.0.0.1:${broker.port}/models`;
      const auth = credential("alice");
      const models = sampleModels();
      {
        await using producer = await openStream(url, "w", { auth });
        for (const model of models) await producer.write(model);
        await producer.flush();
      }
      await using consumer = await openStream(url, "r", {
        auth,
        startAt: "earliest",
        untilEos: true,
      });
      const read = await Array.fromAsync(consumer.read({ metadata: true }));
      assert.equal(read.length, models.length);
      read.forEach(({ message, metadata }, i) => {
        assert.equal(message.constructor, models[i].constructor);
        assert.equal(message.format, models[i].format);
        if (message instanceof AvroBlob) {
          // An Avro container carries a random sync marker, so compare what it holds.
          assert.deepEqual(message.content, (models[i] as AvroBlob).content);
        } else {
          assert.deepEqual([...message.serialize()], [...models[i].serialize()]);
        }
        assert.equal(decoder.decode(headerValue(metadata.headers, "_sender")), "alice");
        assert.equal(decoder.decode(headerValue(metadata.headers, "_format")), models[i].format);
      });
      assert.deepEqual((read[5].message as AvroBlob).content, { name: "S1", far: 1e-9, count: 3 });
      assert.ok(consumer.groupId.startsWith("alice-"));
      assert.match(consumer.groupId, /^alice-[A-Z0-9]{10}$/);
    }),
});

test({
  name: "over SASL_SSL a group resumes after markDone, test messages are skipped, abort stops",
  ...KAFKAJS_TEST,
  fn: () =>
    withSecureBroker({ topics: ["alerts"] }, async (broker, credential) => {
      const url = `kafka://127.0.0.1:${broker.port}/alerts`;
      const auth = credential("alice");
      {
        await using producer = await openStream(url, "w", { auth });
        for (let n = 1; n <= 6; n++) await producer.write({ n }, { test: n === 2 });
        await producer.flush();
      }
      const controller = new AbortController();
      const first = await openStream(url, "r", {
        auth,
        startAt: "earliest",
        groupId: "alice-resume",
        autoCommit: false,
        signal: controller.signal,
      });
      const seen: number[] = [];
      for await (const { message, metadata } of first.read({ metadata: true })) {
        const n = jsonField(message, "n") as number;
        seen.push(n);
        if (n === 3) await first.markDone(metadata);
        if (n === 4) controller.abort(); // ends the loop; 4 is not marked done
      }
      assert.deepEqual(seen, [1, 3, 4]);
      await first.close();

      await using second = await openStream(url, "r", {
        auth,
        groupId: "alice-resume",
        untilEos: true,
      });
      const rest = (await Array.fromAsync(second)).map((m) => jsonField(m, "n"));
      assert.deepEqual(rest, [4, 5, 6]);
    }),
});

test({
  name: "PLAIN and SCRAM-SHA-256 credentials work as well",
  ...KAFKAJS_TEST,
  fn: () =>
    withSecureBroker({ topics: ["public", "inbox"] }, async (broker, credential) => {
      const url = `kafka://127.0.0.1:${broker.port}`;
      for (const mechanism of ["PLAIN", "SCRAM-SHA-256"]) {
        assert.deepEqual(await listTopics(url, { auth: credential("alice", mechanism) }), [
          "inbox",
          "public",
        ]);
      }
    }),
});

test({
  name: "a wrong password gives an AuthenticationError naming user and host, never the password",
  ...KAFKAJS_TEST,
  fn: () =>
    withSecureBroker({ topics: ["public"] }, async (broker, credential) => {
      const address = `127.0.0.1:${broker.port}`;
      const wrong = credential("bob").with({ password: "not-the-password-xyz" });
      for (
        const attempt of [
          () => openStream(`kafka://${address}/public`, "r", { auth: wrong }),
          () => openStream(`kafka://${address}/public`, "w", { auth: wrong }),
          () => listTopics(`kafka://${address}`, { auth: wrong }),
        ]
      ) {
        const error = await attempt().then(() => undefined, (e) => e);
        assert.ok(error instanceof AuthenticationError, String(error));
        assert.match(error.message, /authentication failed for user 'bob' at 127\.0\.0\.1:\d+/);
        assert.ok(!error.message.includes("not-the-password-xyz"));
        assert.ok(!String(error.stack).includes("not-the-password-xyz"));
      }
    }),
});

test({
  name: "ACL denials name the topic: reading, writing and listing as restricted users",
  ...KAFKAJS_TEST,
  fn: () =>
    withSecureBroker({
      topics: ["public", "inbox", "secret"],
      acls: ["alice:all:*", "bob:read:public", "carol:write:inbox"],
    }, async (broker, credential) => {
      const base = `kafka://127.0.0.1:${broker.port}`;
      const bob = credential("bob");
      const carol = credential("carol");

      const denied = await openStream(`${base}/inbox`, "r", { auth: bob }).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(denied instanceof AuthorizationError, String(denied));
      assert.match(denied.message, /user 'bob' is not authorized for topic 'inbox'/);

      // bob may read public but not write it: the failure surfaces on flush.
      const producer = await openStream(`${base}/public`, "w", { auth: bob });
      const writeError = await producer.write({ not: "allowed" }).then(
        () => producer.flush(),
      ).then(() => undefined, (e) => e);
      await producer.close().catch(() => {});
      assert.ok(
        writeError instanceof DeliveryError || writeError instanceof AuthorizationError,
        String(writeError),
      );
      assert.match(writeError.message, /not authorized for topic 'public'/);

      assert.deepEqual(await listTopics(base, { auth: bob }), ["public"]);
      assert.deepEqual(await listTopics(base, { auth: carol }), ["inbox"]);

      // carol may write inbox (config lookup denied => limit unknown, write still works).
      await using inbox = await openStream(`${base}/inbox`, "w", { auth: carol });
      await inbox.write({ for: "inbox" });
      await inbox.flush();
    }),
});

// The tests below abandon a kafkajs client while it is retrying (an unreachable broker, a missing
// topic, a broker that went away): kafkajs' retry timer outlives them (see
// KAFKAJS_RETRY_TIMER_TEST), so they run last, with the sanitizers off, where the timer cannot
// fire during another test.

test({
  name: "an untrusted certificate gives a ConnectionError about TLS",
  ...KAFKAJS_RETRY_TIMER_TEST,
  fn: () =>
    withSecureBroker({ topics: ["public"] }, async (broker, credential) => {
      const noCa = new Auth({
        username: "alice",
        password: USERS[0].password,
      });
      assert.equal(credential("alice").ssl, true);
      const error = await listTopics(`kafka://127.0.0.1:${broker.port}`, {
        auth: noCa,
        timeoutMs: 5000,
      }).then(() => undefined, (e) => e);
      assert.ok(error instanceof ConnectionError, String(error));
      assert.match(error.message, /TLS connection to 127\.0\.0\.1:\d+ failed/);
    }),
});
