import assert from "node:assert/strict";
import { ManualClock, startBroker } from "../lib/broker/mod.ts";
import { encodeRecordBatch } from "../lib/protocol/record_batch.ts";
import { ProtocolReader } from "../lib/protocol/reader.ts";
import { ProtocolWriter } from "../lib/protocol/writer.ts";
import { test } from "./support/deadline.ts";
import { makeCertificate } from "./support/network.ts";

/** These tests run only our own code, so Deno's op and resource sanitizers are on. */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };

/** A leaf certificate for 127.0.0.1 (Deno's TLS client refuses a CA certificate as a server's). */
function leafCertificate(dir: string): Promise<{ cert: string; key: string }> {
  return makeCertificate(dir, "IP:127.0.0.1", { leaf: true });
}

/** Kafka frames over any Deno connection: one request at a time. */
class FrameClient {
  #correlation = 0;
  #pending = new Uint8Array(0);
  constructor(readonly conn: Deno.Conn) {}

  async request(apiKey: number, version: number, body: (w: ProtocolWriter) => void) {
    const w = new ProtocolWriter();
    w.int32(0).int16(apiKey).int16(version).int32(this.#correlation++).string("tls-test");
    body(w);
    const out = w.finish();
    w.patchInt32(0, out.length - 4);
    let off = 0;
    while (off < out.length) off += await this.conn.write(out.subarray(off));
    const size = new DataView((await this.#need(4)).buffer).getInt32(0);
    this.#pending = this.#pending.slice(4);
    const frame = await this.#need(size);
    this.#pending = this.#pending.slice(size);
    const r = new ProtocolReader(frame.slice(0, size));
    r.int32(); // correlation id
    return r;
  }

  async #need(n: number): Promise<Uint8Array> {
    while (this.#pending.length < n) {
      const buf = new Uint8Array(65536);
      const got = await this.conn.read(buf);
      if (got === null) throw new Error("the broker closed the connection");
      const next = new Uint8Array(this.#pending.length + got);
      next.set(this.#pending);
      next.set(buf.subarray(0, got), this.#pending.length);
      this.#pending = next;
    }
    return this.#pending;
  }
}

function produce(c: FrameClient, batch: Uint8Array) {
  return c.request(0, 7, (w) => {
    w.string(null).int16(1).int32(5000);
    w.array(["t"], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).bytes(batch)));
  });
}

/** Fetch v11 of partition t-0 from offset 0; returns the record bytes. */
async function fetchRecords(c: FrameClient): Promise<Uint8Array | null> {
  const r = await c.request(1, 11, (w) => {
    w.int32(-1).int32(0).int32(1).int32(1 << 20).int8(0).int32(0).int32(-1);
    w.array(["t"], (w, t) => {
      w.string(t).array([0], (w, p) => w.int32(p).int32(-1).int64(0).int64(-1).int32(1 << 20));
    });
    w.array([], () => {}).string("");
  });
  r.int32(); // throttle
  assert.equal(r.int16(), 0);
  r.int32(); // session
  const [records] = r.array((r) => {
    r.string();
    const [partition] = r.array((r) => {
      r.int32();
      assert.equal(r.int16(), 0);
      r.int64();
      r.int64();
      r.int64();
      r.array((r) => [r.int64(), r.int64()]);
      r.int32();
      return r.nullableBytes();
    });
    return partition;
  });
  return records;
}

/** Median milliseconds of `rounds` sequential fetches. */
async function medianFetchMs(c: FrameClient, rounds: number, expected: Uint8Array) {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const records = await fetchRecords(c);
    times.push(performance.now() - started);
    assert.deepEqual(records, expected);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(rounds / 2)];
}

test(
  "a response over 16 KiB is not held back by a delayed ACK on TLS (TCP_NODELAY)",
  async ({ within }) => {
    const dir = await Deno.makeTempDir();
    try {
      const { cert, key } = await leafCertificate(dir);
      const value = new Uint8Array(20_000).map((_, i) => i % 251);
      const batch = encodeRecordBatch([{ value }]);
      await using plain = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
      await using secure = await startBroker({
        port: 0,
        topics: ["t"],
        tls: { cert, key },
        logger: () => {},
      });
      assert.equal(secure.protocol, "SSL");
      const plainConn = await within(
        Deno.connect({ hostname: "127.0.0.1", port: plain.port }),
        "a plaintext connection",
      );
      const tlsConn = await within(
        Deno.connectTls({ hostname: "127.0.0.1", port: secure.port, caCerts: [cert] }),
        "a TLS connection",
      );
      try {
        const plainClient = new FrameClient(plainConn);
        const tlsClient = new FrameClient(tlsConn);
        await within(produce(plainClient, batch), "the plaintext produce");
        await within(produce(tlsClient, batch), "the TLS produce");
        const stored = await within(fetchRecords(plainClient), "the stored batch");
        assert.ok(stored && stored.length > 16 * 1024, "the response must span two TLS records");
        // Interleave the two so that machine load affects both alike.
        const plainMs: number[] = [];
        const tlsMs: number[] = [];
        for (let round = 0; round < 3; round++) {
          plainMs.push(await within(medianFetchMs(plainClient, 5, stored), "plaintext fetches"));
          tlsMs.push(await within(medianFetchMs(tlsClient, 5, stored), "TLS fetches"));
        }
        const median = (xs: number[]) => xs.sort((a, b) => a - b)[1];
        // A delayed ACK costs about 40 ms per round trip; without it TLS adds well under 20 ms.
        assert.ok(
          median(tlsMs) < median(plainMs) + 20,
          `TLS fetch median ${median(tlsMs).toFixed(2)} ms vs plaintext ${
            median(plainMs).toFixed(2)
          } ms`,
        );
      } finally {
        plainConn.close();
        tlsConn.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
  SANITIZED,
);

test(
  "the TLS listener survives handshake failures and plaintext clients, logging each once",
  async ({ within }) => {
    const dir = await Deno.makeTempDir();
    try {
      const { cert, key } = await leafCertificate(dir);
      const logs: string[] = [];
      await using broker = await startBroker({
        port: 0,
        tls: { cert, key },
        logger: (l) => logs.push(l),
      });
      // A client without the certificate refuses the handshake.
      await assert.rejects(
        within(
          Deno.connectTls({ hostname: "127.0.0.1", port: broker.port }).then(async (c) => {
            try {
              await c.handshake();
            } finally {
              c.close();
            }
          }),
          "the refused handshake",
        ),
        /invalid peer certificate/,
      );
      // A plaintext Kafka request on the TLS port.
      {
        using raw = await within(
          Deno.connect({ hostname: "127.0.0.1", port: broker.port }),
          "a plaintext connection",
        );
        await raw.write(new Uint8Array([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 255, 255]));
        // The broker answers with a TLS alert at most, then closes.
        const buf = new Uint8Array(1024);
        while ((await within(raw.read(buf).catch(() => null), "the broker to close")) !== null) {
          // drain the alert
        }
      }
      const tlsConn = await within(
        Deno.connectTls({ hostname: "127.0.0.1", port: broker.port, caCerts: [cert] }),
        "a TLS connection",
      );
      try {
        const client = new FrameClient(tlsConn);
        const r = await within(client.request(18, 0, () => {}), "ApiVersions over TLS");
        assert.equal(r.int16(), 0);
      } finally {
        tlsConn.close();
      }
      const failures = logs.map((l) => l.replace(/127\.0\.0\.1:\d+/, "peer"));
      assert.equal(failures.length, 2, failures.join("\n"));
      assert.match(failures[0], /^closing connection from peer: TLS failed: .*UnknownCA/);
      assert.match(failures[1], /^closing connection from peer: TLS failed: /);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
  SANITIZED,
);

test(
  "the TLS listener honours pause(), maxConnections and the idle timeout",
  async ({ within }) => {
    const dir = await Deno.makeTempDir();
    try {
      const { cert, key } = await leafCertificate(dir);
      const clock = new ManualClock();
      const logs: string[] = [];
      await using broker = await startBroker({
        port: 0,
        tls: { cert, key },
        clock,
        idleTimeoutMs: 1000,
        maxConnections: 2,
        logger: (l) => logs.push(l),
      });
      const eof = (conn: Deno.Conn) =>
        within(
          conn.read(new Uint8Array(1024)).catch(() => null),
          "the broker to close the connection",
        );
      const answersOverTls = async () => {
        const conn = await within(
          Deno.connectTls({ hostname: "127.0.0.1", port: broker.port, caCerts: [cert] }),
          "a TLS connection",
        );
        try {
          const r = await within(new FrameClient(conn).request(18, 0, () => {}), "ApiVersions");
          assert.equal(r.int16(), 0);
        } finally {
          conn.close();
        }
      };
      // A TCP client that never starts the handshake, and one that fills the last place.
      const silent = await within(
        Deno.connect({ hostname: "127.0.0.1", port: broker.port }),
        "a TCP connection",
      );
      const admitted = await within(
        Deno.connectTls({ hostname: "127.0.0.1", port: broker.port, caCerts: [cert] }),
        "a TLS connection",
      );
      try {
        assert.equal(
          (await within(new FrameClient(admitted).request(18, 0, () => {}), "ApiVersions")).int16(),
          0,
        );
        // Both places are taken: a third connection is refused.
        const refused = await within(
          Deno.connect({ hostname: "127.0.0.1", port: broker.port }),
          "a TCP connection",
        );
        assert.equal(await eof(refused), null);
        refused.close();
        // The silent one goes after idleTimeoutMs without ever handshaking; the active one stays.
        clock.advance(999);
        assert.equal(
          (await within(new FrameClient(admitted).request(18, 0, () => {}), "ApiVersions")).int16(),
          0,
        );
        clock.advance(1);
        assert.equal(await eof(silent), null);
        assert.equal(
          (await within(new FrameClient(admitted).request(18, 0, () => {}), "ApiVersions")).int16(),
          0,
        );
        await broker.pause();
        assert.equal(await eof(admitted), null);
        await assert.rejects(answersOverTls());
        broker.resume();
        await answersOverTls();
      } finally {
        silent.close();
        admitted.close();
      }
      assert.deepEqual(logs.map((l) => l.replace(/127\.0\.0\.1:\d+/, "peer")), [
        "refusing connections: 2 are open, the most allowed (maxConnections 2)",
        "closing connection from peer: idle for 1000 ms (idleTimeoutMs 1000)",
        "paused: closing 1 connection(s) and refusing new ones",
        "resumed after refusing 2 connection(s)",
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
  SANITIZED,
);
