/**
 * The broker's SASL OAUTHBEARER on the wire: the session lifetime it announces, re-authentication
 * on one connection (same principal only), and the connection closed once a session has run out
 * without re-authentication.
 */
import assert from "node:assert/strict";
import { test } from "./support/deadline.ts";
import { withBroker } from "./support/broker.ts";
import { RawKafkaConnection } from "./support/raw_client.ts";
import { generateSigningKey, type SigningKey, signJwt } from "../lib/broker/mod.ts";

const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;
const METADATA = 3;

async function bearer(key: SigningKey, sub: string, expInSeconds: number): Promise<Uint8Array> {
  const exp = Math.floor(Date.now() / 1000) + expInSeconds;
  const token = await signJwt(key, { sub, exp, aud: "kafka" });
  return new TextEncoder().encode(`n,,\x01auth=Bearer ${token}\x01\x01`);
}

/** SaslHandshake v1 + SaslAuthenticate v1; returns the error code and session lifetime. */
async function authenticate(
  c: RawKafkaConnection,
  message: Uint8Array,
): Promise<{ error: number; lifetimeMs: bigint } | null> {
  const handshake = await c.request(SASL_HANDSHAKE, 1, (w) => w.string("OAUTHBEARER"));
  assert.ok(handshake);
  assert.equal(handshake.r.int16(), 0);
  const answer = await c.request(SASL_AUTHENTICATE, 1, (w) => w.bytes(message));
  if (!answer) return null;
  const error = answer.r.int16();
  answer.r.nullableString();
  answer.r.bytes();
  return { error, lifetimeMs: answer.r.int64() };
}

async function metadataWorks(c: RawKafkaConnection): Promise<boolean> {
  const answer = await c.request(METADATA, 1, (w) => w.int32(-1));
  return answer !== null;
}

test("a session lasts as long as the token; re-authentication keeps it going, as the same principal only", async () => {
  const key = await generateSigningKey("ES256");
  await withBroker({
    topics: ["t"],
    oauthBearer: { publicKey: key.publicJwk, audience: "kafka" },
  }, async (broker, logs) => {
    await using c = await RawKafkaConnection.connect(broker.port);
    const first = await authenticate(c, await bearer(key, "alice", 60));
    assert.equal(first?.error, 0);
    assert.ok(first!.lifetimeMs > 55_000n && first!.lifetimeMs <= 61_000n, `${first!.lifetimeMs}`);
    assert.equal(await metadataWorks(c), true);

    const again = await authenticate(c, await bearer(key, "alice", 600));
    assert.equal(again?.error, 0);
    assert.ok(again!.lifetimeMs > 595_000n, `${again!.lifetimeMs}`);
    assert.ok(logs.some((line) => line.endsWith("re-authenticated as alice")));
    assert.equal(await metadataWorks(c), true);

    const other = await authenticate(c, await bearer(key, "mallory", 600));
    assert.equal(other?.error, 58);
    assert.equal(await c.readFrame(), null); // closed
    assert.ok(logs.some((line) => line.includes("the principal may not change")), logs.join("\n"));
  });
});

test("a connection that does not re-authenticate is closed at its first request after expiry", async () => {
  const key = await generateSigningKey("RS256");
  // The skew lets the broker accept a token that expired 10 s ago, whose session is over at once.
  await withBroker({
    topics: ["t"],
    oauthBearer: { publicKey: key.publicJwk, clockSkewSeconds: 60 },
  }, async (broker, logs) => {
    await using c = await RawKafkaConnection.connect(broker.port);
    const answer = await authenticate(c, await bearer(key, "alice", -10));
    assert.equal(answer?.error, 0);
    assert.equal(answer!.lifetimeMs, 1n);
    assert.equal(await metadataWorks(c), false);
    assert.ok(
      logs.some((line) => line.includes("Metadata after the session of alice expired")),
      logs.join("\n"),
    );
  });
});
