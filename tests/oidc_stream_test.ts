/**
 * OpenID Connect (SASL OAUTHBEARER with the client-credentials grant) between our streams and our
 * broker over SASL_SSL, with a token endpoint started by the test: tokens fetched once and shared,
 * the subject as the ACL principal, re-authentication on one connection before the token expires,
 * and the errors for a wrong secret, an unreachable endpoint and a token the broker refuses.
 */
import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { makeCertificate, type TestCertificate } from "./support/network.ts";
import { test } from "./support/deadline.ts";
import { openStream } from "../lib/hop/stream.ts";
import { listTopics } from "../lib/hop/list_topics.ts";
import { Auth } from "../lib/hop/auth.ts";
import { AuthenticationError, ConnectionError } from "../lib/hop/errors.ts";
import type { JSONBlob } from "../lib/hop/models/blob.ts";
import { ClientCredentialsTokenSource } from "../lib/hop/oidc_token.ts";
import {
  type BrokerOptions,
  generateSigningKey,
  type SigningKey,
  signJwt,
  startTokenEndpoint,
  type TokenEndpointHandle,
} from "../lib/broker/mod.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";
import { KafkaAdmin } from "../lib/kafka/admin.ts";

let certificate: TestCertificate | undefined;
async function tlsCertificate(): Promise<TestCertificate> {
  certificate ??= await makeCertificate(await Deno.makeTempDir({ prefix: "oidc-tls-" }));
  return certificate;
}

const CLIENTS = [
  { clientId: "pipeline-client", clientSecret: "pipeline+secret/1", subject: "pipeline" },
  { clientId: "observer-client", clientSecret: "observer-secret-2", subject: "observer" },
];

async function withOidc(
  options: { lifetimeSeconds?: number; broker?: BrokerOptions; signingKey?: SigningKey },
  fn: (
    endpoint: TokenEndpointHandle,
    url: string,
    credential: (clientId: string, secret?: string) => Auth,
    logs: string[],
  ) => Promise<void>,
): Promise<void> {
  const cert = await tlsCertificate();
  await using endpoint = await startTokenEndpoint({
    clients: CLIENTS,
    lifetimeSeconds: options.lifetimeSeconds,
    signingKey: options.signingKey,
  });
  await withBroker({
    topics: ["alerts", "private"],
    tls: { certFile: cert.certFile, keyFile: cert.keyFile },
    oauthBearer: { publicKey: endpoint.publicKey, audience: endpoint.audience },
    ...options.broker,
  }, (broker, logs) =>
    fn(endpoint, broker.url, (clientId, secret) =>
      new Auth({
        username: clientId,
        password: secret ?? CLIENTS.find((c) => c.clientId === clientId)!.clientSecret,
        tokenEndpoint: endpoint.url,
        sslCaLocation: cert.certFile,
      }), logs));
}

test(
  "OIDC credential writes and reads over SASL_SSL; one token serves every connection",
  KAFKAJS_TEST,
  async () => {
    await withOidc({}, async (endpoint, url, credential) => {
      const auth = credential("pipeline-client");
      assert.equal(auth.mechanism, "OAUTHBEARER");
      {
        await using producer = await openStream(`${url}/alerts`, "w", { auth });
        await producer.write({ n: 1 });
        await producer.write({ n: 2 });
        await producer.flush();
      }
      const options = { auth, startAt: "earliest", untilEos: true } as const;
      await using consumer = await openStream(`${url}/alerts`, "r", options);
      const messages = await Array.fromAsync(consumer);
      assert.deepEqual(messages.map((m) => (m as JSONBlob).content), [{ n: 1 }, { n: 2 }]);
      assert.deepEqual(await listTopics(url, { auth }), ["alerts", "private"]);
      // Producer, consumer (bootstrap, coordinator, fetch connections) and listing: one token.
      assert.deepEqual(endpoint.requests.map((r) => [r.clientId, r.status]), [
        ["pipeline-client", 200],
      ]);
    });
  },
);

test("the token's subject is the ACL principal", KAFKAJS_TEST, async () => {
  const broker = { acls: ["pipeline:all:*", "observer:read:alerts"] };
  await withOidc({ broker }, async (_endpoint, url, credential) => {
    const observer = credential("observer-client");
    await using producer = await openStream(`${url}/alerts`, "w", { auth: observer });
    await assert.rejects(
      async () => {
        await producer.write({ n: 1 });
        await producer.flush();
      },
      /user 'observer-client' is not authorized for topic 'alerts' \(writing\)/,
    );
    const pipeline = credential("pipeline-client");
    await using writer = await openStream(`${url}/private`, "w", { auth: pipeline });
    await writer.write({ n: 1 });
    await writer.flush();
  });
});

test("a wrong client secret fails at once naming the endpoint and HTTP 401, not the secret", async () => {
  await withOidc({}, async (endpoint, url, credential) => {
    const wrong = credential("pipeline-client", "not-the-secret");
    const error = await openStream(`${url}/alerts`, "w", { auth: wrong }).then(
      () => assert.fail("opened with a wrong secret"),
      (e: Error) => e,
    );
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(
      error.message,
      `the token endpoint ${endpoint.url} refused client 'pipeline-client': ` +
        "HTTP 401 Unauthorized (invalid_client)",
    );
    assert.doesNotMatch(String(error.stack), /not-the-secret/);
  });
});

test("an unreachable token endpoint is a connection error naming it", async () => {
  const source = new ClientCredentialsTokenSource({
    tokenEndpoint: "http://127.0.0.1:1/token",
    clientId: "c",
    clientSecret: "s3cret",
  });
  const error = await source.token().then(() => assert.fail("got a token"), (e: Error) => e);
  assert.ok(error instanceof ConnectionError);
  assert.match(
    error.message,
    /^cannot reach the token endpoint http:\/\/127\.0\.0\.1:1\/token for client 'c': /,
  );
  assert.equal(error.retriable, true);
});

test(
  "the broker refuses tokens signed by another key, for another audience, or expired",
  KAFKAJS_TEST,
  async () => {
    const key = await generateSigningKey("ES256");
    const otherKey = await generateSigningKey("ES256");
    const cert = await tlsCertificate();
    await withOidc({ signingKey: key }, async (_endpoint, url, _credential, logs) => {
      const exp = Math.floor(Date.now() / 1000) + 60;
      const cases: [string, string][] = [
        [await signJwt(key, { sub: "x", exp, aud: "kafka" }), ""],
        [
          await signJwt(otherKey, { sub: "x", exp, aud: "kafka" }),
          "the token's signature does not verify with the broker's key",
        ],
        [
          await signJwt(key, { sub: "x", exp, aud: "elsewhere" }),
          "the token's audience does not include kafka",
        ],
        [await signJwt(key, { sub: "x", exp: exp - 120, aud: "kafka" }), "the token has expired"],
        [await signJwt(key, { exp, aud: "kafka" }), "the token has no sub claim"],
      ];
      for (const [token, reason] of cases) {
        const connecting = KafkaAdmin.connect({
          brokers: [url.slice("kafka://".length)],
          credential: {
            username: "x",
            password: "unused",
            mechanism: "OAUTHBEARER",
            tls: true,
            caFile: cert.certFile,
            tokenProvider: () => Promise.resolve({ value: token, expiresAt: exp * 1000 }),
          },
        });
        if (reason === "") {
          const admin = await connecting;
          assert.deepEqual(await admin.listTopics(), ["alerts", "private"]);
          await admin.close();
          continue;
        }
        await assert.rejects(connecting, AuthenticationError);
        assert.ok(logs.some((line) => line.endsWith(`OAUTHBEARER: ${reason}`)), logs.join("\n"));
      }
    });
  },
);

test(
  "a listener outlives its tokens: it re-authenticates with renewed ones on its connections",
  KAFKAJS_TEST,
  async () => {
    await withOidc({ lifetimeSeconds: 2 }, async (endpoint, url, credential, logs) => {
      const auth = credential("pipeline-client");
      const options = { auth, startAt: "earliest" } as const;
      await using consumer = await openStream(`${url}/alerts`, "r", options);
      const iterator = consumer[Symbol.asyncIterator]();
      await using producer = await openStream(`${url}/alerts`, "w", { auth });
      await producer.write({ n: 1 });
      await producer.flush();
      assert.deepEqual(((await iterator.next()).value as JSONBlob).content, { n: 1 });
      const first = endpoint.requests[0];
      // Each token is renewed after 80% of its 2 s (1.6 s): the fourth is fetched at least 4.8 s
      // after the first, which lasted at most 3 s.
      await endpoint.waitForTokens(4);
      assert.ok(Date.now() >= first.expiresAt!);
      await producer.write({ n: 2 });
      await producer.flush();
      assert.deepEqual(((await iterator.next()).value as JSONBlob).content, { n: 2 });
      assert.ok(
        logs.some((line) => line.endsWith("re-authenticated as pipeline")),
        logs.join("\n"),
      );
      assert.ok(
        !logs.some((line) => line.includes("session of pipeline expired")),
        logs.join("\n"),
      );
      await iterator.return?.();
    });
  },
);

test(
  "new Client({ username, password, tokenEndpoint }) publishes and listens with OIDC",
  KAFKAJS_TEST,
  async () => {
    const broker = { topics: ["alerts-group.superevent"] };
    await withOidc({ broker }, async (endpoint, url, credential) => {
      const { Client } = await import("../lib/alert/client.ts");
      const { clientId, clientSecret } = CLIENTS[0];
      const options = {
        server: `${url}/`,
        group: "alerts-group",
        username: clientId,
        password: clientSecret,
        tokenEndpoint: endpoint.url,
        caFile: credential(clientId).sslCaLocation,
      };
      await using listener = new Client(options);
      await using publisher = new Client(options);
      const received: unknown[] = [];
      let ready!: () => void;
      const isReady = new Promise<void>((resolve) => (ready = resolve));
      const stop = new AbortController();
      const listening = listener.listen(
        (_topic, alert) => {
          received.push(alert);
          stop.abort();
        },
        ["superevent"],
        { onReady: () => ready(), signal: stop.signal },
      );
      await isReady;
      await publisher.publish("superevent", { uid: "S1", alert_type: "new" });
      await listening;
      assert.deepEqual(received, [{ uid: "S1", alert_type: "new" }]);
      // Each client fetched one token for all its connections.
      assert.equal(endpoint.requests.filter((r) => r.status === 200).length, 2);
    });
  },
);
