/**
 * The playground in OpenID Connect mode: a local token endpoint, a broker taking OAUTHBEARER, and
 * the same simulated alerts as with SCRAM.
 */
import assert from "node:assert/strict";
import { runCli } from "./support/cli.ts";
import { test } from "./support/deadline.ts";
import { startPlayground } from "../lib/playground/mod.ts";
import { listTopics } from "../lib/hop/list_topics.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

test(
  "startPlayground({ oidc: true }) hands out a token_endpoint credential that listens",
  opts,
  async () => {
    const topics: string[] = [];
    await using playground = await startPlayground({
      port: 0,
      oidc: true,
      seed: 1,
      count: 1,
      listen: ["superevent"],
      onAlert: (alert) => topics.push(alert.fullTopic),
      brokerLogger: () => {},
    });
    const summary = await playground.done;
    assert.equal(summary.lifecycles, 1);
    assert.ok(topics.length > 0 && topics.every((topic) => topic === "gracedb.superevent"));
    const credential = playground.credential!;
    assert.equal(credential.mechanism, "OAUTHBEARER");
    assert.equal(credential.tokenEndpoint, playground.tokenEndpoint);
    assert.match(playground.tokenEndpoint!, /^http:\/\/127\.0\.0\.1:\d+\/token$/);
    assert.ok(
      (await listTopics(playground.server, { auth: credential })).includes("gracedb.superevent"),
    );
  },
);

test(
  "igwn-alert playground --oidc --listen prints the same alerts as with SCRAM",
  opts,
  async () => {
    const args = ["playground", "--listen", "superevent", "--count", "2", "--seed", "7"];
    // Publishing GCN's notices as well leaves GraceDB's alerts as they were.
    const [scram, oidc] = await Promise.all([
      runCli(args),
      runCli([...args, "--oidc", "--public-alerts"]),
    ]);
    assert.equal(scram.code, 0, scram.stderr);
    assert.equal(oidc.code, 0, oidc.stderr);
    assert.match(oidc.stderr, /token endpoint: http:\/\/127\.0\.0\.1:\d+\/token\n/);
    assert.match(oidc.stderr, /\(SASL_PLAINTEXT\)/);
    assert.ok(oidc.stdout.startsWith("New message from topic gracedb.superevent:\n"));
    assert.equal(oidc.stdout, scram.stdout);
  },
);

test("igwn-alert playground --oidc --no-auth is refused in one line", opts, async () => {
  const result = await runCli(["playground", "--oidc", "--no-auth"]);
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    "igwn-alert: --oidc needs a credential; it cannot be combined with --no-auth\n",
  );
});
