/**
 * The direct connection to one broker (`lib/kafka/_wire_connection.ts`): TLS with a CA file and
 * SCRAM against the built-in broker, the error texts of a wrong password and an untrusted
 * certificate, and peers that never finish the TLS handshake or never answer, abandoned within
 * the connect budget without leaving a socket or timer behind (sanitizers on).
 */
import assert from "node:assert/strict";
import { startAlertBroker, USERS } from "./support/broker.ts";
import { test } from "./support/deadline.ts";
import { WireConnection, type WireConnectionOptions } from "../lib/kafka/_wire_connection.ts";
import { tlsTrust } from "../lib/kafka/client_config.ts";
import { AuthenticationError, ConnectionError } from "../lib/kafka/errors.ts";
import type { KafkaCredential } from "../lib/kafka/types.ts";
import { ApiKey } from "../lib/protocol/api.ts";
import {
  decodeMetadataResponse,
  encodeMetadataRequest,
} from "../lib/protocol/messages/metadata.ts";

async function options(credential: KafkaCredential): Promise<WireConnectionOptions> {
  const tls = await tlsTrust(credential);
  return {
    credential,
    caCerts: tls?.ca,
    trust: tls?.trust,
    clientId: "wire-test",
    connectTimeoutMs: 10_000,
    requestTimeoutMs: 10_000,
    action: "reading",
  };
}

function alice(caFile: string, password = USERS.alice.password): KafkaCredential {
  return { username: "alice", password, mechanism: "SCRAM-SHA-512", tls: true, caFile };
}

test("over TLS with SCRAM-SHA-512 the connection answers a metadata request", async () => {
  await using env = await startAlertBroker();
  const connection = await WireConnection.open(
    "127.0.0.1",
    env.broker.port,
    await options(alice(env.caFile)),
  );
  try {
    const version = connection.version(ApiKey.Metadata, 1, 8);
    const answer = await connection.request(
      ApiKey.Metadata,
      version,
      (w) => encodeMetadataRequest(w, version, ["gracedb.superevent"]),
      (r) => decodeMetadataResponse(r, version),
    );
    assert.deepEqual(answer.topics.map((t) => [t.name, t.errorCode, t.partitions.length]), [
      ["gracedb.superevent", 0, 1],
    ]);
  } finally {
    connection.close();
  }
});

test("a wrong password fails naming user and host, never the password", async () => {
  await using env = await startAlertBroker();
  await assert.rejects(
    WireConnection.open("127.0.0.1", env.broker.port, await options(alice(env.caFile, "nope-42x"))),
    (error: unknown) => {
      assert.ok(error instanceof AuthenticationError, String(error));
      assert.match(
        error.message,
        new RegExp(
          `^authentication failed for user 'alice' at 127\\.0\\.0\\.1:${env.broker.port}: `,
        ),
      );
      assert.ok(!error.message.includes("nope-42x"));
      assert.equal(error.kind, "authentication");
      return true;
    },
  );
});

test("a certificate the CA set does not vouch for fails as TLS, naming what was trusted", async () => {
  await using env = await startAlertBroker();
  await using other = await startAlertBroker({ tls: true });
  // The other broker's certificate is a different self-signed one.
  await assert.rejects(
    WireConnection.open("127.0.0.1", env.broker.port, await options(alice(other.caFile))),
    (error: unknown) => {
      assert.ok(error instanceof ConnectionError, String(error));
      assert.match(error.message, /^TLS connection to 127\.0\.0\.1:\d+ failed: .*\(trusted: /);
      assert.equal(error.kind, "fatal");
      return true;
    },
  );
});

for (const tls of [true, false]) {
  test(`a peer that never answers (${tls ? "TLS handshake" : "api versions"}) is abandoned in time`, async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const conn of listener) accepted.push(conn);
    })();
    try {
      const credential = { ...alice(""), tls, caFile: undefined };
      await assert.rejects(
        WireConnection.open("127.0.0.1", listener.addr.port, {
          ...(await options(credential)),
          connectTimeoutMs: 300,
        }),
        (error: unknown) => {
          assert.ok(error instanceof ConnectionError, String(error));
          assert.equal(
            error.message,
            `timed out after 300 ms connecting to Kafka at 127.0.0.1:${listener.addr.port}`,
          );
          assert.equal(error.kind, "transient");
          return true;
        },
      );
      assert.equal(accepted.length, 1);
      // The client closed its side: the silent peer reads the end of the stream.
      const buffer = new Uint8Array(4096);
      while ((await accepted[0].read(buffer)) !== null) { /* the client's hello, if any */ }
    } finally {
      listener.close();
      await accepting;
      for (const conn of accepted) conn.close();
    }
  });
}
