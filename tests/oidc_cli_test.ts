/**
 * OpenID Connect end to end over SASL_SSL against our broker and a token endpoint started here:
 * `igwn-alert listen` and `send` with a hop `auth.toml` entry that has a `token_endpoint`, next to
 * kcat and Python confluent-kafka using librdkafka's own OIDC client
 * (`sasl.oauthbearer.method=oidc`) with the same client ids, endpoint and broker; a listener that
 * outlives its tokens; and the one line a wrong secret gives.
 */
import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { makeCertificate, type TestCertificate } from "./support/network.ts";
import { makeHome, runCliProcess, startCliProcess } from "./support/cli.ts";
import { kcat, python } from "./support/processes.ts";
import { test } from "./support/deadline.ts";
import { startTokenEndpoint, type TokenEndpointHandle } from "../lib/broker/mod.ts";
import { Auth } from "../lib/hop/auth.ts";
import { kafkaCredentialOf } from "../lib/hop/_stream_target.ts";
import { KafkaProducer } from "../lib/kafka/producer.ts";
import { decodePublicAlert } from "../lib/alert/public_alert.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const ALERTS = new URL("./testdata/alerts/", import.meta.url).pathname;
const TOPIC = "gracedb.superevent";

const CLIENTS = {
  listener: { clientId: "listener-client", clientSecret: "listener-secret-1" },
  sender: { clientId: "sender-client", clientSecret: "sender-secret-2" },
  rdkafka: { clientId: "rdkafka-client", clientSecret: "rdkafka-secret-3" },
};

let certificate: TestCertificate | undefined;
async function tlsCertificate(): Promise<TestCertificate> {
  certificate ??= await makeCertificate(await Deno.makeTempDir({ prefix: "oidc-cli-tls-" }));
  return certificate;
}

/** A HOME whose hop auth.toml holds an OIDC credential for `client`. */
async function homeFor(
  endpoint: TokenEndpointHandle,
  client: { clientId: string; clientSecret: string },
  secret = client.clientSecret,
): Promise<string> {
  const home = await makeHome();
  await Deno.mkdir(`${home}/.config/hop`, { recursive: true });
  await Deno.copyFile((await tlsCertificate()).certFile, `${home}/.config/hop/ca.pem`);
  await Deno.writeTextFile(
    `${home}/.config/hop/auth.toml`,
    `[[auth]]\nusername = "${client.clientId}"\npassword = "${secret}"\n` +
      `protocol = "SASL_SSL"\nmechanism = "OAUTHBEARER"\n` +
      `token_endpoint = "${endpoint.url}"\nssl_ca_location = "${home}/.config/hop/ca.pem"\n`,
    { mode: 0o600 },
  );
  return home;
}

/** librdkafka settings for its own OIDC client against `endpoint`. */
async function rdkafkaOidc(endpoint: TokenEndpointHandle): Promise<Record<string, string>> {
  return {
    "security.protocol": "SASL_SSL",
    "ssl.ca.location": (await tlsCertificate()).certFile,
    "sasl.mechanisms": "OAUTHBEARER",
    "sasl.oauthbearer.method": "oidc",
    "sasl.oauthbearer.client.id": CLIENTS.rdkafka.clientId,
    "sasl.oauthbearer.client.secret": CLIENTS.rdkafka.clientSecret,
    "sasl.oauthbearer.token.endpoint.url": endpoint.url,
  };
}

async function withOidcBroker(
  lifetimeSeconds: number,
  fn: (endpoint: TokenEndpointHandle, server: string, logs: string[]) => Promise<void>,
): Promise<void> {
  const cert = await tlsCertificate();
  await using endpoint = await startTokenEndpoint({
    clients: Object.values(CLIENTS),
    lifetimeSeconds,
  });
  await withBroker({
    topics: [TOPIC, "igwn.gwalert"],
    tls: { certFile: cert.certFile, keyFile: cert.keyFile },
    oauthBearer: { publicKey: endpoint.publicKey, audience: endpoint.audience },
  }, (broker, logs) => fn(endpoint, `kafka://localhost:${broker.port}/`, logs));
}

/**
 * Whether the installed librdkafka has its own OIDC client (`sasl.oauthbearer.method=oidc`): it
 * needs libcurl at build time, which Debian's librdkafka 2.0.2 was built without ("not supported
 * in this build"). Where it is missing, the tests that use it are skipped, and librdkafka is tested
 * the way hop itself drives it: a token callback doing the client-credentials grant.
 */
const RDKAFKA_OIDC_MISSING = await (async () => {
  const probe = await kcat("127.0.0.1:1", ["-L", "-m", "1"], {
    config: {
      "security.protocol": "SASL_PLAINTEXT",
      "sasl.mechanisms": "OAUTHBEARER",
      "sasl.oauthbearer.method": "oidc",
    },
    timeoutMs: 10_000,
  });
  return /not supported in this build/.test(probe.stderr)
    ? "the installed librdkafka has no OIDC client (built without libcurl)"
    : undefined;
})();

/**
 * Produces PAYLOAD, then reads the topic from the beginning and prints the alert uids. With
 * TOKEN_ENDPOINT set, tokens come from a callback doing the client-credentials grant with
 * CLIENT_ID and CLIENT_SECRET (as hop's adc does); otherwise CONF configures librdkafka's own OIDC.
 */
const PYTHON_PRODUCE_AND_CONSUME = `
import base64, json, os, sys, time, urllib.parse, urllib.request
from confluent_kafka import Consumer, Producer
conf = json.loads(os.environ["CONF"])
if os.environ.get("TOKEN_ENDPOINT"):
    def oauth_cb(_config):
        basic = base64.b64encode(
            (os.environ["CLIENT_ID"] + ":" + os.environ["CLIENT_SECRET"]).encode()).decode()
        request = urllib.request.Request(
            os.environ["TOKEN_ENDPOINT"],
            data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
            headers={"Authorization": "Basic " + basic})
        with urllib.request.urlopen(request, timeout=10) as response:
            token = json.load(response)
        return token["access_token"], time.time() + token["expires_in"]
    conf["oauth_cb"] = oauth_cb
producer = Producer(conf)
producer.poll(0)
producer.produce(os.environ["TOPIC"], os.environ["PAYLOAD"].encode())
if producer.flush(30) != 0:
    sys.exit("not delivered")
consumer = Consumer({**conf, "group.id": "python-oidc", "auto.offset.reset": "earliest",
                     "enable.partition.eof": True})
consumer.subscribe([os.environ["TOPIC"]])
values = []
while True:
    message = consumer.poll(30)
    if message is None:
        sys.exit("timed out")
    if message.error():
        if message.error().code() == -191:  # end of partition
            break
        sys.exit(str(message.error()))
    value = json.loads(message.value())
    # igwn-alert sends GraceDB's alert as a JSON string, as GraceDB does.
    values.append((json.loads(value) if isinstance(value, str) else value)["uid"])
consumer.close()
print(" ".join(values))
`;

async function startListener(server: string, home: string, count: number) {
  const listener = startCliProcess(
    ["-s", server, "listen", "--count", String(count), "superevent"],
    { home },
  );
  await listener.waitFor(/^igwn-alert: ready, listening to 1 topic of gracedb /m, "stderr");
  return listener;
}

async function sendSample(server: string, home: string): Promise<string> {
  const sample = `${ALERTS}superevent_new.json`;
  const sent = await runCliProcess(["-s", server, "send", "superevent", sample], {
    home,
  });
  assert.equal(sent.code, 0, sent.stderr);
  assert.equal(sent.stderr, "");
  return JSON.parse(await Deno.readTextFile(sample)).uid;
}

function issued(endpoint: TokenEndpointHandle, client: string): number {
  return endpoint.requests.filter((r) => r.clientId === client && r.status === 200).length;
}

function listenedUids(stdout: string): string[] {
  return [...stdout.matchAll(/"uid": "([^"]+)"/g)].map((m) => m[1]);
}

test(
  "listen and send with a token_endpoint credential; confluent-kafka gets tokens as hop does, same broker",
  opts,
  async () => {
    await withOidcBroker(3600, async (endpoint, server) => {
      await using listener = await startListener(
        server,
        await homeFor(endpoint, CLIENTS.listener),
        2,
      );
      const sampleUid = await sendSample(server, await homeFor(endpoint, CLIENTS.sender));
      const fromPython = await python(PYTHON_PRODUCE_AND_CONSUME, {
        CONF: JSON.stringify({
          "bootstrap.servers": server.slice("kafka://".length, -1),
          "security.protocol": "SASL_SSL",
          "ssl.ca.location": (await tlsCertificate()).certFile,
          "sasl.mechanisms": "OAUTHBEARER",
        }),
        TOKEN_ENDPOINT: endpoint.url,
        CLIENT_ID: CLIENTS.rdkafka.clientId,
        CLIENT_SECRET: CLIENTS.rdkafka.clientSecret,
        TOPIC,
        PAYLOAD: JSON.stringify({ uid: "S-python", alert_type: "new" }),
      });
      assert.equal(fromPython.code, 0, fromPython.stderr);
      assert.equal(fromPython.stdout, `${sampleUid} S-python\n`);
      const result = await listener.finished();
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(listenedUids(result.stdout), [sampleUid, "S-python"]);
      // One token per CLI run: fetched at start-up, shared by all its connections.
      assert.equal(issued(endpoint, CLIENTS.listener.clientId), 1);
      assert.equal(issued(endpoint, CLIENTS.sender.clientId), 1);
      assert.ok(issued(endpoint, CLIENTS.rdkafka.clientId) >= 1);
    });
  },
);

test("kcat and confluent-kafka with librdkafka's own OIDC client next to listen and send", {
  ...opts,
  ignore: RDKAFKA_OIDC_MISSING !== undefined,
}, async () => {
  await withOidcBroker(3600, async (endpoint, server) => {
    await using listener = await startListener(
      server,
      await homeFor(endpoint, CLIENTS.listener),
      3,
    );
    const sampleUid = await sendSample(server, await homeFor(endpoint, CLIENTS.sender));
    const bootstrap = server.slice("kafka://".length, -1);
    const config = await rdkafkaOidc(endpoint);
    const produced = await kcat(bootstrap, ["-P", "-t", TOPIC], {
      stdin: JSON.stringify({ uid: "S-kcat", alert_type: "new" }) + "\n",
      config,
      timeoutMs: 30_000,
    });
    assert.equal(produced.code, 0, produced.stderr);
    const fromPython = await python(PYTHON_PRODUCE_AND_CONSUME, {
      CONF: JSON.stringify({ "bootstrap.servers": bootstrap, ...config }),
      TOPIC,
      PAYLOAD: JSON.stringify({ uid: "S-python", alert_type: "new" }),
    });
    assert.equal(fromPython.code, 0, fromPython.stderr);
    assert.equal(fromPython.stdout, `${sampleUid} S-kcat S-python\n`);
    const consumed = await kcat(bootstrap, ["-C", "-t", TOPIC, "-o", "beginning", "-e", "-q"], {
      config,
      timeoutMs: 30_000,
    });
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.deepEqual(
      consumed.stdout.trim().split("\n").map((line) => {
        const value = JSON.parse(line);
        return (typeof value === "string" ? JSON.parse(value) : value).uid;
      }),
      [sampleUid, "S-kcat", "S-python"],
    );
    const result = await listener.finished();
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(listenedUids(result.stdout), [sampleUid, "S-kcat", "S-python"]);
    assert.ok(issued(endpoint, CLIENTS.rdkafka.clientId) >= 3);
  });
});

if (RDKAFKA_OIDC_MISSING) {
  console.error(`oidc_cli_test: librdkafka OIDC test skipped: ${RDKAFKA_OIDC_MISSING}`);
}

test(
  "a listener outlives its tokens: renewed tokens, re-authenticated connections, alerts still arrive",
  opts,
  async () => {
    await withOidcBroker(2, async (endpoint, server, logs) => {
      const listenHome = await homeFor(endpoint, CLIENTS.listener);
      const sendHome = await homeFor(endpoint, CLIENTS.sender);
      await using listener = startCliProcess(
        ["-s", server, "-l", "info", "listen", "--count", "1", "superevent"],
        { home: listenHome },
      );
      await listener.waitFor(/^igwn-alert: ready, listening to 1 topic of gracedb /m, "stderr");
      const first = endpoint.requests.find((r) => r.clientId === CLIENTS.listener.clientId)!;
      // Renewed after 80% of 2 s: the fourth token comes at least 4.8 s after the first, which
      // lasted at most 3 s.
      await endpoint.waitForTokens(4, CLIENTS.listener.clientId);
      assert.ok(Date.now() >= first.expiresAt!);
      await listener.waitFor(
        /renewed the access token of client 'listener-client' from /,
        "stderr",
      );

      const sample = `${ALERTS}superevent_new.json`;
      const sent = await runCliProcess(["-s", server, "send", "superevent", sample], {
        home: sendHome,
      });
      assert.equal(sent.code, 0, sent.stderr);
      const result = await listener.finished();
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^New message from topic gracedb\.superevent:\n/);
      assert.ok(logs.some((line) => line.endsWith("re-authenticated as listener-client")));
      assert.ok(!logs.some((line) => line.includes("expired (no re-authentication)")));
    });
  },
);

test(
  "a wrong client secret: one line naming the token endpoint and HTTP 401, exit 1, no secret",
  opts,
  async () => {
    await withOidcBroker(3600, async (endpoint, server) => {
      const home = await homeFor(endpoint, CLIENTS.listener, "wrong-secret-9");
      const result = await runCliProcess(["-s", server, "listen", "superevent"], { home });
      assert.equal(result.stdout, "");
      assert.equal(
        result.stderr,
        `igwn-alert: the token endpoint ${endpoint.url} refused client 'listener-client': ` +
          "HTTP 401 Unauthorized (invalid_client)\n",
      );
      assert.equal(result.code, 1);
      assert.deepEqual(endpoint.requests.map((r) => r.status), [401]);
    });
  },
);

test(
  "igwn-alert -g igwn listen gwalert prints GCN's public notices (plain JSON, no hop headers)",
  opts,
  async () => {
    await withOidcBroker(3600, async (endpoint, server) => {
      const home = await homeFor(endpoint, CLIENTS.listener);
      await using listener = startCliProcess(
        ["-s", server, "-g", "igwn", "listen", "--count", "1", "gwalert"],
        { home },
      );
      await listener.waitFor(/^igwn-alert: ready, listening to 1 topic of igwn /m, "stderr");
      const sample = await Deno.readFile(`${ALERTS}../public_alerts/MS181101ab-preliminary.json`);
      const producer = await KafkaProducer.connect({
        brokers: [server.slice("kafka://".length, -1)],
        credential: kafkaCredentialOf(
          new Auth({
            username: CLIENTS.sender.clientId,
            password: CLIENTS.sender.clientSecret,
            tokenEndpoint: endpoint.url,
            sslCaLocation: (await tlsCertificate()).certFile,
          }),
        ),
      });
      try {
        assert.deepEqual(await producer.send([{ topic: "igwn.gwalert", value: sample }]), []);
      } finally {
        await producer.close();
      }
      const result = await listener.finished();
      assert.equal(result.code, 0, result.stderr);
      const [header, body] = result.stdout.split(/\n(.*)/s);
      assert.equal(header, "New message from topic igwn.gwalert:");
      assert.deepEqual(decodePublicAlert(body), decodePublicAlert(sample));
    });
  },
);

test(
  "kcat with librdkafka's unsigned test token is refused by the broker, saying why",
  opts,
  async () => {
    await withOidcBroker(3600, async (_endpoint, server, logs) => {
      const result = await kcat(server.slice("kafka://".length, -1), ["-L", "-m", "5"], {
        config: {
          "security.protocol": "SASL_SSL",
          "ssl.ca.location": (await tlsCertificate()).certFile,
          "sasl.mechanisms": "OAUTHBEARER",
          "enable.sasl.oauthbearer.unsecure.jwt": "true",
          "sasl.oauthbearer.config": "principal=listener-client",
        },
        timeoutMs: 30_000,
      });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /SASL authentication error: Authentication failed/);
      assert.ok(
        logs.some((line) =>
          line.endsWith(`OAUTHBEARER: the token's algorithm "none" is not RS256 or ES256`)
        ),
        logs.join("\n"),
      );
    });
  },
);
