import assert from "node:assert/strict";
import { firstMessages, KAFKAJS_TEST as opts, kafkajsClient } from "./support/kafkajs.ts";
import { withBroker } from "./support/broker.ts";
import { makeCertificate } from "./support/network.ts";
import { kcat, kcatConsume, rdkafkaSasl } from "./support/processes.ts";
import { RawKafkaConnection } from "./support/raw_client.ts";
import type { ProtocolReader } from "../lib/protocol/reader.ts";
import { test } from "./support/deadline.ts";

/** These tests run only our own code, so Deno's op and resource sanitizers are on. */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };

// kafkajs tests use KAFKAJS_TEST: Deno's sanitizers stay on (see tests/support/kafkajs.ts for the
// few tests where kafkajs' own retry timer outlives an abandoned request).

const certDir = await Deno.makeTempDir({ prefix: "broker-tls-" });
const cert = await makeCertificate(certDir);
globalThis.addEventListener("unload", () => Deno.removeSync(certDir, { recursive: true }));

const users = [
  { username: "admin", password: "admin-secret" },
  { username: "alice", password: "alice:pw,=x" },
  { username: "bob", password: "bob-pw" },
];
const acls = ["admin:all:*", "alice:all:alice.*", "alice:read:public", "bob:write:public"];
const tls = { certFile: cert.certFile, keyFile: cert.keyFile };

test("kcat over SASL_SSL with SCRAM-SHA-512 produces and consumes with headers", async () => {
  await withBroker({ users, tls, topics: ["alice.t"] }, async (broker) => {
    assert.equal(broker.protocol, "SASL_SSL");
    const config = rdkafkaSasl("alice", "alice:pw,=x", "SCRAM-SHA-512", cert.certFile);
    const p = await kcat(broker.addresses[0], ["-P", "-t", "alice.t", "-K:", "-H", "h=v"], {
      stdin: "k:hello over tls\n",
      config,
    });
    assert.equal(p.code, 0, p.stderr);
    const c = await kcatConsume(broker.addresses[0], "alice.t", "%o|%k|%s|%h\\n", { config });
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.stdout, "0|k|hello over tls|h=v\n");
  });
}, SANITIZED);

test("kcat authenticates with PLAIN and SCRAM-SHA-256 over SASL_PLAINTEXT", async () => {
  await withBroker({ users, topics: ["public"] }, async (broker) => {
    assert.equal(broker.protocol, "SASL_PLAINTEXT");
    for (const mechanism of ["PLAIN", "SCRAM-SHA-256"]) {
      const r = await kcat(broker.addresses[0], ["-P", "-t", "public"], {
        stdin: `${mechanism}\n`,
        config: rdkafkaSasl("admin", "admin-secret", mechanism),
      });
      assert.equal(r.code, 0, r.stderr);
    }
    const c = await kcatConsume(broker.addresses[0], "public", "%s\\n", {
      config: rdkafkaSasl("admin", "admin-secret", "SCRAM-SHA-256"),
    });
    assert.equal(c.stdout, "PLAIN\nSCRAM-SHA-256\n");
  });
}, SANITIZED);

test("kafkajs produces and consumes as a group with SCRAM-SHA-512 over TLS", async () => {
  await withBroker({ users, acls, tls, topics: ["alice.events"] }, async (broker) => {
    const kafka = kafkajsClient(broker.addresses, {
      ssl: { ca: [cert.cert] },
      sasl: { mechanism: "scram-sha-512", username: "alice", password: "alice:pw,=x" },
      retry: { retries: 2 },
    });
    const producer = kafka.producer();
    const consumer = kafka.consumer({
      groupId: "alice-group",
      sessionTimeout: 6000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
    });
    await producer.connect();
    try {
      await producer.send({
        topic: "alice.events",
        messages: [{ key: "k", value: "secret payload", headers: { a: "1" } }],
      });
      await consumer.connect();
      await consumer.subscribe({ topic: "alice.events", fromBeginning: true });
      const [got] = await firstMessages(
        consumer,
        1,
        ({ message }) => `${message.offset}|${message.key}|${message.value}|${message.headers?.a}`,
      );
      assert.equal(got, "0|k|secret payload|1");
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });
}, opts);

test("a wrong password gets error 58 and kafkajs reports an authentication error", async () => {
  await withBroker({ users, tls }, async (broker, logs) => {
    const kafka = kafkajsClient(broker.addresses, {
      ssl: { ca: [cert.cert] },
      sasl: { mechanism: "scram-sha-512", username: "alice", password: "wrong" },
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    await assert.rejects(() => admin.connect(), (e: Error) => {
      assert.equal(e.name, "KafkaJSSASLAuthenticationError");
      assert.match(e.message, /invalid credentials with SASL mechanism SCRAM-SHA-512/);
      return true;
    });
    await admin.disconnect();
    assert.ok(
      logs.some((l) => l.includes("SCRAM-SHA-512 authentication") && l.includes("failed")),
    );
    assert.ok(logs.every((l) => !l.includes("wrong")), "the password never reaches the log");
  });
}, opts);

test(
  "SaslAuthenticate with a bad PLAIN password answers 58 then closes the connection",
  async () => {
    await withBroker({ users }, async (broker) => {
      await using c = await RawKafkaConnection.connect(broker.port);
      const hs = await c.request(17, 1, (w) => w.string("PLAIN"));
      assert.equal(hs!.r.int16(), 0);
      assert.deepEqual(hs!.r.array((r) => r.string()), ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]);
      const token = new TextEncoder().encode("\0bob\0not-bob-pw");
      const auth = await c.request(36, 1, (w) => w.bytes(token));
      assert.equal(auth!.r.int16(), 58);
      assert.match(auth!.r.nullableString()!, /invalid credentials with SASL mechanism PLAIN/);
      assert.equal(auth!.r.bytes().length, 0);
      assert.equal(auth!.r.int64(), 0n);
      assert.equal(await c.readFrame(), null, "connection closed after the failure");
    });
  },
  SANITIZED,
);

test(
  "an unknown mechanism gets error 33 with the enabled list; Metadata before SASL closes",
  async () => {
    await withBroker({ users }, async (broker, logs) => {
      await using a = await RawKafkaConnection.connect(broker.port);
      const hs = await a.request(17, 1, (w) => w.string("SCRAM-SHA-1"));
      assert.equal(hs!.r.int16(), 33);
      assert.deepEqual(hs!.r.array((r) => r.string()), ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]);
      await using b = await RawKafkaConnection.connect(broker.port);
      const versions = await b.request(18, 2, () => {});
      assert.equal(versions!.r.int16(), 0);
      assert.equal(await b.request(3, 1, (w) => w.int32(-1)), null);
      assert.ok(logs.some((l) => l.includes("Metadata before SASL authentication completed")));
    });
  },
  SANITIZED,
);

test("legacy SASL framing after SaslHandshake v0 authenticates PLAIN with raw tokens", async () => {
  await withBroker({ users, topics: ["public"] }, async (broker) => {
    await using c = await RawKafkaConnection.connect(broker.port);
    assert.equal((await c.request(17, 0, (w) => w.string("PLAIN")))!.r.int16(), 0);
    const token = new TextEncoder().encode("\0bob\0bob-pw");
    const raw = new Uint8Array(4 + token.length);
    new DataView(raw.buffer).setInt32(0, token.length);
    raw.set(token, 4);
    await c.writeRaw(raw);
    assert.deepEqual(await c.readFrame(), new Uint8Array(0));
    const meta = await c.request(3, 1, (w) => w.array(["public"], (w, t) => w.string(t)));
    const r: ProtocolReader = meta!.r;
    r.array((r) => [r.int32(), r.string(), r.int32(), r.nullableString()]);
    r.int32();
    const [topic] = r.array((r) => ({ error: r.int16(), name: r.string() }));
    assert.deepEqual(topic, { error: 0, name: "public" });
  });
}, SANITIZED);

test(
  "ACLs: listings hide topics, explicit describe gets 29, denied produce fails in kafkajs",
  async () => {
    await withBroker(
      { users, acls, topics: ["public", "alice.private", "other"] },
      async (broker) => {
        const listed = await kcat(broker.addresses[0], ["-L"], {
          config: rdkafkaSasl("bob", "bob-pw", "SCRAM-SHA-256"),
        });
        assert.equal(listed.code, 0, listed.stderr);
        assert.match(listed.stdout, / 1 topics:\n {2}topic "public"/);
        const denied = await kcat(broker.addresses[0], ["-L", "-t", "alice.private"], {
          config: rdkafkaSasl("bob", "bob-pw", "SCRAM-SHA-256"),
        });
        assert.match(
          denied.stdout,
          /topic "alice.private" with 0 partitions: Broker: Topic authorization failed/,
        );

        const kafka = kafkajsClient(broker.addresses, {
          sasl: { mechanism: "plain", username: "alice", password: "alice:pw,=x" },
          retry: { retries: 0 },
        });
        const admin = kafka.admin();
        await admin.connect();
        try {
          assert.deepEqual((await admin.listTopics()).sort(), ["alice.private", "public"]);
        } finally {
          await admin.disconnect();
        }
        const producer = kafka.producer();
        await producer.connect();
        try {
          await assert.rejects(
            () => producer.send({ topic: "public", messages: [{ value: "x" }] }),
            /authorization failed/i,
          );
          const ok = await producer.send({ topic: "alice.private", messages: [{ value: "x" }] });
          assert.equal(ok[0].errorCode, 0);
        } finally {
          await producer.disconnect();
        }
      },
    );
  },
  opts,
);

test("a certificate without an IP SAN is refused by librdkafka for 127.0.0.1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "broker-dns-only-" });
  try {
    const dnsOnly = await makeCertificate(dir, "DNS:localhost");
    await withBroker(
      { tls: { cert: dnsOnly.cert, key: dnsOnly.key }, topics: ["t"] },
      async (broker, logs) => {
        assert.equal(broker.protocol, "SSL");
        const refused = await kcat(broker.addresses[0], ["-L", "-m", "3"], {
          config: { "security.protocol": "SSL", "ssl.ca.location": dnsOnly.certFile },
          timeoutMs: 15_000,
        });
        assert.notEqual(refused.code, 0);
        assert.match(refused.stderr, /certificate verify failed/);
        const relaxed = await kcat(broker.addresses[0], ["-L"], {
          config: {
            "security.protocol": "SSL",
            "ssl.ca.location": dnsOnly.certFile,
            "ssl.endpoint.identification.algorithm": "none",
          },
        });
        assert.equal(relaxed.code, 0, relaxed.stderr);
        assert.match(relaxed.stdout, /topic "t" with 1 partitions/);
        assert.ok(
          logs.some((l) =>
            /^closing connection from 127\.0\.0\.1:\d+: TLS failed: .*BadCertificate/.test(l)
          ),
        );
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}, SANITIZED);
