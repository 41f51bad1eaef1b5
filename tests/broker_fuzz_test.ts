import assert from "node:assert/strict";
import { KAFKAJS_TEST, kafkajsClient } from "./support/kafkajs.ts";
import { concatBytes } from "./support/bytes.ts";
import { withBroker } from "./support/broker.ts";
import { kcat, kcatConsume, rdkafkaSasl } from "./support/processes.ts";
import { ProtocolWriter } from "../lib/protocol/writer.ts";
import { encodeRecordBatch } from "../lib/protocol/record_batch.ts";
import { test } from "./support/deadline.ts";

// kafkajs tests use KAFKAJS_TEST: Deno's sanitizers stay on (see tests/support/kafkajs.ts for the
// few tests where kafkajs' own retry timer outlives an abandoned request).

/** Deterministic PRNG (mulberry32) so a failure can be replayed from the seed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function frame(apiKey: number, version: number, body: (w: ProtocolWriter) => void): Uint8Array {
  const w = new ProtocolWriter();
  w.int32(0).int16(apiKey).int16(version).int32(1).string("fuzz");
  body(w);
  const out = w.finish();
  w.patchInt32(0, out.length - 4);
  return out.slice();
}

const batch = encodeRecordBatch([{ key: new Uint8Array([1]), value: new Uint8Array(40) }]);
const SEEDS: Uint8Array[] = [
  frame(18, 2, () => {}),
  frame(3, 4, (w) => w.array(["t", "u"], (w, t) => w.string(t)).bool(false)),
  frame(0, 7, (w) => {
    w.string(null).int16(1).int32(1000);
    w.array(["t"], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).bytes(batch)));
  }),
  frame(1, 11, (w) => {
    w.int32(-1).int32(10).int32(1).int32(1000).int8(0).int32(0).int32(-1);
    w.array(
      ["t"],
      (w, t) =>
        w.string(t).array([0], (w, p) => w.int32(p).int32(-1).int64(0).int64(-1).int32(1000)),
    );
    w.array([], () => {}).string("");
  }),
  frame(
    2,
    3,
    (w) =>
      w.int32(-1).int8(0).array(
        ["t"],
        (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(-1)),
      ),
  ),
  frame(19, 4, (w) => {
    w.array(
      ["fz"],
      (w, n) => w.string(n).int32(2).int16(1).array([], () => {}).array([], () => {}),
    );
    w.int32(100).bool(true);
  }),
  frame(32, 2, (w) => w.array([0], (w) => w.int8(2).string("t").array(null, () => {})).bool(false)),
  frame(10, 2, (w) => w.string("g").int8(0)),
  frame(11, 5, (w) => {
    w.string("g").int32(6000).int32(100).string("").string(null).string("consumer");
    w.array([0], (w) => w.string("range").bytes(new Uint8Array([0, 1, 2])));
  }),
  frame(8, 7, (w) => {
    w.string("g").int32(-1).string("").string(null);
    w.array(
      ["t"],
      (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(1).int32(-1).string("m")),
    );
  }),
  frame(9, 5, (w) => w.string("g").array(null, () => {})),
  frame(17, 1, (w) => w.string("PLAIN")),
  frame(22, 1, (w) => w.string(null).int32(1000)),
  frame(15, 2, (w) => w.array(["g"], (w, g) => w.string(g))),
];

function mutate(next: () => number, seed: Uint8Array): Uint8Array {
  const out = seed.slice();
  switch (Math.floor(next() * 5)) {
    case 0: // flip bytes anywhere after the size field
      for (let i = 0; i < 1 + next() * 6; i++) {
        out[4 + Math.floor(next() * (out.length - 4))] = next() * 256;
      }
      return out;
    case 1: { // truncate but keep the size field consistent
      const cut = out.subarray(0, 4 + Math.floor(next() * (out.length - 4)));
      new DataView(cut.buffer, cut.byteOffset).setInt32(0, cut.length - 4);
      return cut;
    }
    case 2: // a lying size field (too big, negative or huge)
      new DataView(out.buffer).setInt32(
        0,
        [out.length * 3, -7, 0x7fffffff, 0][Math.floor(next() * 4)],
      );
      return out;
    case 3: // another version or api key
      new DataView(out.buffer).setInt16(4 + (next() < 0.5 ? 0 : 2), Math.floor(next() * 80) - 5);
      return out;
    default: { // random tail
      const tail = Uint8Array.from({ length: Math.floor(next() * 64) }, () => next() * 256);
      const joined = new Uint8Array(out.length + tail.length);
      joined.set(out);
      joined.set(tail, out.length);
      new DataView(joined.buffer).setInt32(0, joined.length - 4);
      return joined;
    }
  }
}

async function throwAt(port: number, bytes: Uint8Array): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(bytes).catch(() => {});
    await conn.closeWrite().catch(() => {});
    const buf = new Uint8Array(4096);
    const deadline = Date.now() + 300;
    // Read what the broker answers until it closes the connection or 300 ms passed; the fuzz
    // asserts nothing about the answers, only that the broker keeps serving afterwards.
    while (Date.now() < deadline) {
      const n = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), deadline - Date.now());
        conn.read(buf).then(resolve, () => resolve(null)).finally(() => clearTimeout(timer));
      });
      if (n === null) break;
    }
  } finally {
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}

test(
  "random and mutated frames never crash the broker, which then still serves kafkajs and kcat",
  async () => {
    await withBroker({ topics: ["t"] }, async (broker, logs) => {
      const next = random(20261122);
      const cases: Uint8Array[] = [];
      for (let i = 0; i < 120; i++) {
        cases.push(Uint8Array.from({ length: Math.floor(next() * 80) }, () => next() * 256));
      }
      for (let i = 0; i < 480; i++) cases.push(mutate(next, SEEDS[i % SEEDS.length]));
      for (let i = 0; i < cases.length; i += 40) {
        await Promise.all(cases.slice(i, i + 40).map((c) => throwAt(broker.port, c)));
      }
      assert.ok(
        logs.some((l) => l.startsWith("closing connection from 127.0.0.1")),
        "bad input is logged",
      );
      const unexpected = logs.filter((l) => l.includes("after an error"));
      assert.deepEqual(unexpected, [], "every bad input is recognised as such");

      const kafka = kafkajsClient(broker.addresses, { retry: { retries: 2 } });
      const admin = kafka.admin();
      const producer = kafka.producer();
      await admin.connect();
      await producer.connect();
      try {
        await admin.createTopics({ topics: [{ topic: "after-fuzz" }] });
        const [sent] = await producer.send({
          topic: "after-fuzz",
          messages: [{ key: "k", value: "still alive" }],
        });
        assert.equal(sent.errorCode, 0);
      } finally {
        await producer.disconnect();
        await admin.disconnect();
      }
      const r = await kcatConsume(broker.addresses[0], "after-fuzz", "%k=%s\\n");
      assert.equal(r.stdout, "k=still alive\n");
    });
  },
  KAFKAJS_TEST,
);

/** Frames that walk into the SASL state machine: handshakes, tokens, and requests out of order. */
function saslCase(next: () => number): Uint8Array[] {
  const mechanism =
    ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI", ""][Math.floor(next() * 5)];
  const handshake = frame(17, next() < 0.5 ? 0 : 1, (w) => w.string(mechanism));
  const token = Uint8Array.from({ length: Math.floor(next() * 120) }, () => next() * 256);
  if (next() < 0.3) {
    token.set(new TextEncoder().encode("n,,n=fuzz,r=abc").subarray(0, token.length));
  }
  const authenticate = frame(36, next() < 0.5 ? 0 : 1, (w) => w.bytes(token));
  const rawToken = new Uint8Array(4 + token.length);
  new DataView(rawToken.buffer).setInt32(0, token.length);
  rawToken.set(token, 4);
  const pick = [handshake, authenticate, rawToken, ...SEEDS];
  return Array.from(
    { length: 1 + Math.floor(next() * 4) },
    () =>
      next() < 0.7
        ? pick[Math.floor(next() * 3)]
        : mutate(next, pick[Math.floor(next() * pick.length)]),
  );
}

test(
  "fuzzed SASL exchanges never crash a SASL_PLAINTEXT broker, which then still authenticates kcat",
  async () => {
    const users = [{ username: "fuzz", password: "fuzz-secret" }];
    await withBroker({ topics: ["t"], users }, async (broker, logs) => {
      const next = random(5802);
      for (let i = 0; i < 300; i += 30) {
        await Promise.all(
          Array.from({ length: 30 }, () => throwAt(broker.port, concatBytes(saslCase(next)))),
        );
      }
      assert.deepEqual(logs.filter((l) => l.includes("after an error")), []);
      assert.ok(logs.every((l) => !l.includes("fuzz-secret")));
      const config = rdkafkaSasl("fuzz", "fuzz-secret", "SCRAM-SHA-256");
      const p = await kcat(broker.addresses[0], ["-P", "-t", "t"], {
        stdin: "authenticated\n",
        config,
      });
      assert.equal(p.code, 0, p.stderr);
      const c = await kcatConsume(broker.addresses[0], "t", "%s\\n", { config });
      assert.equal(c.stdout, "authenticated\n");
    });
  },
  KAFKAJS_TEST,
);
