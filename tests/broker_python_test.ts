import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { makeCertificate } from "./support/network.ts";
import { PYTHON, runProcess } from "./support/processes.ts";
import { test } from "./support/deadline.ts";

/** These tests run only our own code, so Deno's op and resource sanitizers are on. */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };

const SCRIPT = new URL("./testdata/confluent_kafka_check.py", import.meta.url).pathname;

test(
  "confluent-kafka admin, producer and group consumer work over SASL_SSL SCRAM-SHA-512",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "broker-py-" });
    try {
      const cert = await makeCertificate(dir);
      const users = [{ username: "py", password: "py-secret" }];
      await withBroker({ users, tls: { cert: cert.cert, key: cert.key } }, async (broker) => {
        const r = await runProcess(PYTHON, [SCRIPT], {
          timeoutMs: 90_000,
          env: {
            BOOTSTRAP: broker.addresses[0],
            SASL_USER: "py",
            SASL_PASSWORD: "py-secret",
            CA_FILE: cert.certFile,
            TOPIC: "py.topic",
          },
        });
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), [
          "created py.topic",
          "create again TOPIC_ALREADY_EXISTS",
          "listed ['py.topic'] 2",
          "max.message.bytes 1048588 5",
          "retention.ms 604800000",
          "delivered [(0, 0), (0, 1), (1, 0), (1, 1)]",
          "consumed 0/0/key-0/value-0/h=0,h=again",
          "consumed 0/1/key-2/value-2/h=2,h=again",
          "consumed 1/0/key-1/value-1/h=1,h=again",
          "consumed 1/1/key-3/value-3/h=3,h=again",
          "committed [(0, 2), (1, 2)]",
          "deleted py.topic",
          "after delete False",
        ]);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
  SANITIZED,
);
