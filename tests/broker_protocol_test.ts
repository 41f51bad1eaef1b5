import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { startBroker } from "../lib/broker/mod.ts";
import { RawKafkaConnection } from "./support/raw_client.ts";
import type { ProtocolReader } from "../lib/protocol/reader.ts";
import {
  decodeRecords,
  encodeRecordBatch,
  readRecordBatchHeader,
  splitRecordBatches,
} from "../lib/protocol/record_batch.ts";
import { test, withDeadline } from "./support/deadline.ts";

/** These tests run only our own code, so Deno's op and resource sanitizers are on. */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };

const text = new TextEncoder();
const ADVERTISED = [
  [0, 3, 7],
  [1, 4, 11],
  [2, 1, 3],
  [3, 0, 8],
  [8, 2, 7],
  [9, 1, 5],
  [10, 0, 2],
  [11, 0, 5],
  [12, 0, 3],
  [13, 0, 3],
  [14, 0, 3],
  [15, 0, 2],
  [16, 0, 2],
  [17, 0, 1],
  [18, 0, 3],
  [19, 0, 4],
  [20, 0, 3],
  [22, 0, 1],
  [32, 0, 2],
  [36, 0, 1],
];

function produce(
  c: RawKafkaConnection,
  topic: string,
  records: Uint8Array,
  options: { acks?: number; version?: number; partition?: number } = {},
) {
  return c.request(0, options.version ?? 7, (w) => {
    w.string(null).int16(options.acks ?? -1).int32(5000);
    w.array([topic], (w, t) => {
      w.string(t).array([options.partition ?? 0], (w, p) => w.int32(p).bytes(records));
    });
  });
}

function readProduce(r: ProtocolReader) {
  const [t] = r.array((r) => ({
    name: r.string(),
    parts: r.array((r) => ({
      index: r.int32(),
      error: r.int16(),
      baseOffset: r.int64(),
      appendTime: r.int64(),
      logStart: r.int64(),
    })),
  }));
  assert.equal(r.int32(), 0, "throttle last");
  return t.parts[0];
}

function fetch(c: RawKafkaConnection, topic: string, offset: number, maxWait = 0) {
  return c.request(1, 11, (w) => {
    w.int32(-1).int32(maxWait).int32(1).int32(1 << 20).int8(0).int32(0).int32(-1);
    w.array([topic], (w, t) => {
      w.string(t).array([0], (w, p) => w.int32(p).int32(-1).int64(offset).int64(-1).int32(1 << 20));
    });
    w.array([], () => {}).string("");
  });
}

function readFetch(r: ProtocolReader) {
  assert.equal(r.int32(), 0);
  assert.equal(r.int16(), 0);
  assert.equal(r.int32(), 0);
  const [t] = r.array((r) => ({
    name: r.string(),
    parts: r.array((r) => {
      const p = {
        partition: r.int32(),
        error: r.int16(),
        highWatermark: r.int64(),
        lastStable: r.int64(),
        logStart: r.int64(),
        aborted: r.array((r) => [r.int64(), r.int64()]),
        preferred: r.int32(),
        records: r.nullableBytes(),
      };
      return p;
    }),
  }));
  return t.parts[0];
}

test("ApiVersions v3 (flexible) lists exactly the implemented table with header v0", async () => {
  await withBroker({}, async (broker) => {
    await using c = await RawKafkaConnection.connect(broker.port);
    const res = await c.request(18, 3, (w) => {
      w.compactString("librdkafka").compactString("2.0.2").taggedFields();
    }, true);
    const r = res!.r;
    assert.equal(res!.correlationId, 0);
    assert.equal(r.int16(), 0);
    const entries = r.compactArray((r) => {
      const e = [r.int16(), r.int16(), r.int16()];
      r.taggedFields();
      return e;
    });
    assert.deepEqual(entries, ADVERTISED);
    assert.equal(r.int32(), 0);
    r.taggedFields();
    assert.equal(r.remaining, 0);
    const v1 = await c.request(18, 1, () => {});
    assert.equal(v1!.r.int16(), 0);
    assert.deepEqual(v1!.r.array((r) => [r.int16(), r.int16(), r.int16()]), ADVERTISED);
    assert.equal(v1!.r.int32(), 0);
    assert.equal(v1!.r.remaining, 0);
  });
}, SANITIZED);

test("ApiVersions above v3 gets the KIP-511 v0-shaped UNSUPPORTED_VERSION answer", async () => {
  await withBroker({}, async (broker) => {
    await using c = await RawKafkaConnection.connect(broker.port);
    const res = await c.request(18, 4, () => {}, true);
    assert.equal(res!.r.int16(), 35);
    assert.deepEqual(res!.r.array((r) => [r.int16(), r.int16(), r.int16()]), [[18, 0, 3]]);
    assert.equal(res!.r.remaining, 0);
    const again = await c.request(18, 0, () => {});
    assert.equal(again!.r.int16(), 0, "the connection stays usable");
  });
}, SANITIZED);

test(
  "an unknown api key or unadvertised version closes the connection with a log line",
  async () => {
    await withBroker({}, async (broker, logs) => {
      await using a = await RawKafkaConnection.connect(broker.port);
      assert.equal(await a.request(99, 0, () => {}), null);
      await using b = await RawKafkaConnection.connect(broker.port);
      assert.equal(await b.request(0, 2, (w) => w.int16(1)), null);
      assert.ok(logs.some((l) => l.includes("unknown api key 99")));
      assert.ok(logs.some((l) => l.includes("Produce v2 is not supported (v3-v7)")));
    });
  },
  SANITIZED,
);

test("produce stamps base offsets and leader epoch; fetch returns the stored batches", async () => {
  await withBroker({ topics: ["t"] }, async (broker) => {
    await using c = await RawKafkaConnection.connect(broker.port);
    const first = encodeRecordBatch([{ key: text.encode("k"), value: text.encode("a") }, {
      value: text.encode("b"),
    }]);
    new DataView(first.buffer).setInt32(12, 77);
    const p1 = readProduce((await produce(c, "t", first))!.r);
    assert.deepEqual([p1.error, p1.baseOffset, p1.appendTime, p1.logStart], [0, 0n, -1n, 0n]);
    const p2 = readProduce(
      (await produce(c, "t", encodeRecordBatch([{ value: text.encode("c") }])))!.r,
    );
    assert.equal(p2.baseOffset, 2n);
    const f = readFetch((await fetch(c, "t", 1))!.r);
    assert.equal(f.error, 0);
    assert.equal(f.highWatermark, 3n);
    const batches = splitRecordBatches(f.records!);
    assert.deepEqual(batches.map((b) => readRecordBatchHeader(b).baseOffset), [0, 2]);
    assert.deepEqual(batches.map((b) => readRecordBatchHeader(b).partitionLeaderEpoch), [0, 0]);
    const values = batches.flatMap(decodeRecords).map((r) =>
      `${r.offset}=${new TextDecoder().decode(r.value!)}`
    );
    assert.deepEqual(values, ["0=a", "1=b", "2=c"]);
    const atEnd = readFetch((await fetch(c, "t", 3))!.r);
    assert.deepEqual([atEnd.error, atEnd.records!.length], [0, 0]);
    const beyond = readFetch((await fetch(c, "t", 4))!.r);
    assert.equal(beyond.error, 1);
  });
}, SANITIZED);

test("produce refuses bad CRC, oversized batches, bad acks and unknown topics", async () => {
  await withBroker(
    { topics: [{ name: "small", config: { "max.message.bytes": "200" } }] },
    async (broker) => {
      await using c = await RawKafkaConnection.connect(broker.port);
      const corrupt = encodeRecordBatch([{ value: text.encode("payload") }]);
      corrupt[corrupt.length - 1] ^= 0xff;
      assert.equal(readProduce((await produce(c, "small", corrupt))!.r).error, 2);
      const big = encodeRecordBatch([{ value: new Uint8Array(300) }]);
      const tooLarge = readProduce((await produce(c, "small", big))!.r);
      assert.deepEqual([tooLarge.error, tooLarge.baseOffset], [10, -1n]);
      const ok = encodeRecordBatch([{ value: text.encode("x") }]);
      assert.equal(readProduce((await produce(c, "small", ok, { acks: 2 }))!.r).error, 21);
      assert.equal(readProduce((await produce(c, "missing", ok))!.r).error, 3);
      const two = new Uint8Array([...ok, ...encodeRecordBatch([{ value: text.encode("y") }])]);
      assert.equal(readProduce((await produce(c, "small", two))!.r).error, 87);
    },
  );
}, SANITIZED);

test("acks=0 produce gets no response and the next request is answered in order", async () => {
  await withBroker({ topics: ["t"] }, async (broker) => {
    await using c = await RawKafkaConnection.connect(broker.port);
    const batch = encodeRecordBatch([{ value: text.encode("fire and forget") }]);
    await c.writeRaw(c.frame(0, 7, (w) => {
      w.string(null).int16(0).int32(1000);
      w.array(["t"], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).bytes(batch)));
    }));
    const versions = await c.request(18, 0, () => {});
    assert.equal(versions!.correlationId, 1, "the first frame back answers the second request");
    const f = readFetch((await fetch(c, "t", 0))!.r);
    assert.equal(new TextDecoder().decode(decodeRecords(f.records!)[0].value!), "fire and forget");
  });
}, SANITIZED);

test("a long-polling fetch is woken by an append on another connection", async () => {
  await withBroker({ topics: ["t"] }, async (broker) => {
    await using consumer = await RawKafkaConnection.connect(broker.port);
    await using producer = await RawKafkaConnection.connect(broker.port);
    const arrived = broker.faults.nextRequest({ apiKey: 1 });
    const waiting = fetch(consumer, "t", 0, 60_000);
    // The fetch handler starts waiting right after its header is read, long before the produce
    // below travels through another socket.
    await withDeadline(arrived, 10_000, "the long-polling Fetch to arrive");
    await produce(producer, "t", encodeRecordBatch([{ value: text.encode("wake up") }]));
    const f = readFetch((await waiting)!.r);
    assert.equal(new TextDecoder().decode(decodeRecords(f.records!)[0].value!), "wake up");
  });
}, SANITIZED);

test("ListOffsets answers earliest, latest and the first offset at a timestamp", async () => {
  await withBroker({ topics: ["t"] }, async (broker) => {
    await using c = await RawKafkaConnection.connect(broker.port);
    await produce(
      c,
      "t",
      encodeRecordBatch([{ value: null, timestamp: 1000 }, { value: null, timestamp: 2000 }]),
    );
    await produce(c, "t", encodeRecordBatch([{ value: null, timestamp: 3000 }]));
    const one = async (ts: number) => {
      const res = await c.request(2, 3, (w) => {
        w.int32(-1).int8(0).array(
          ["t"],
          (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(ts)),
        );
      });
      res!.r.int32();
      const [t] = res!.r.array((r) => ({
        name: r.string(),
        parts: r.array((r) => [r.int32(), r.int16(), r.int64(), r.int64()]),
      }));
      return t.parts[0];
    };
    assert.deepEqual(await one(-2), [0, 0, -1n, 0n]);
    assert.deepEqual(await one(-1), [0, 0, -1n, 3n]);
    assert.deepEqual(await one(1500), [0, 0, 2000n, 1n]);
    assert.deepEqual(await one(3000), [0, 0, 3000n, 2n]);
    assert.deepEqual(await one(9999), [0, 0, -1n, -1n]);
  });
}, SANITIZED);

test("topic names are validated and auto-creation happens only when enabled", async () => {
  await withBroker({}, async (broker) => {
    await using c = await RawKafkaConnection.connect(broker.port);
    const names = ["ok.name_1-x", "bad name", "..", "x".repeat(250), "ok.name_1-x"];
    const res = await c.request(19, 4, (w) => {
      w.array(
        names,
        (w, n) => w.string(n).int32(-1).int16(-1).array([], () => {}).array([], () => {}),
      );
      w.int32(1000).bool(false);
    });
    assert.equal(res!.r.int32(), 0);
    const results = res!.r.array((r) => [r.string(), r.int16(), r.nullableString()]);
    assert.deepEqual(results.map((x) => x[1]), [0, 17, 17, 17, 42]);
    assert.match(String(results[1][2]), /may only contain letters, digits/);
    const meta = await c.request(
      3,
      4,
      (w) => w.array(["unknown"], (w, t) => w.string(t)).bool(true),
    );
    const r = meta!.r;
    r.int32();
    r.array((r) => [r.int32(), r.string(), r.int32(), r.nullableString()]);
    r.nullableString();
    r.int32();
    const [topic] = r.array((r) => ({ error: r.int16(), name: r.string() }));
    assert.deepEqual(topic, { error: 3, name: "unknown" });
  });
  await withBroker({ autoCreateTopics: true }, async (broker) => {
    await using c = await RawKafkaConnection.connect(broker.port);
    const meta = await c.request(3, 4, (w) => w.array(["fresh"], (w, t) => w.string(t)).bool(true));
    const r = meta!.r;
    r.int32();
    r.array((r) => [r.int32(), r.string(), r.int32(), r.nullableString()]);
    r.nullableString();
    assert.equal(r.int32(), 0, "controller is this broker");
    const [topic] = r.array((r) => ({
      error: r.int16(),
      name: r.string(),
      internal: r.bool(),
      partitions: r.array((
        r,
      ) => [r.int16(), r.int32(), r.int32(), r.array((r) => r.int32()), r.array((r) => r.int32())]),
    }));
    assert.deepEqual(topic, {
      error: 0,
      name: "fresh",
      internal: false,
      partitions: [[0, 0, 0, [0], [0]]],
    });
  });
}, SANITIZED);

test("an idempotent producer's retried batch is answered with the original offset", async () => {
  await withBroker({ topics: ["t"] }, async (broker) => {
    await using c = await RawKafkaConnection.connect(broker.port);
    const init = await c.request(22, 1, (w) => w.string(null).int32(60000));
    assert.equal(init!.r.int32(), 0);
    assert.equal(init!.r.int16(), 0);
    const producerId = Number(init!.r.int64());
    assert.ok(producerId >= 0);
    assert.equal(init!.r.int16(), 0);
    const batch = () =>
      encodeRecordBatch([{ value: text.encode("once") }], {
        producerId,
        producerEpoch: 0,
        baseSequence: 0,
      });
    assert.equal(readProduce((await produce(c, "t", batch()))!.r).baseOffset, 0n);
    assert.equal(readProduce((await produce(c, "t", batch()))!.r).baseOffset, 0n);
    const f = readFetch((await fetch(c, "t", 0))!.r);
    assert.equal(f.highWatermark, 1n);
  });
}, SANITIZED);

test("startBroker() stops on abort and at the end of an await using block", async () => {
  const refused = async (port: number) => {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return false;
    } catch (e) {
      return e instanceof Deno.errors.ConnectionRefused;
    }
  };
  const controller = new AbortController();
  const aborted = await startBroker({ port: 0, signal: controller.signal, logger: () => {} });
  assert.equal(await refused(aborted.port), false);
  controller.abort();
  await aborted.close();
  assert.equal(await refused(aborted.port), true);
  let port = 0;
  {
    await using scoped = await startBroker({ port: 0, logger: () => {} });
    port = scoped.port;
    assert.equal(scoped.url, `kafka://127.0.0.1:${port}`);
    assert.deepEqual(scoped.addresses, [`127.0.0.1:${port}`]);
    assert.equal(scoped.protocol, "PLAINTEXT");
  }
  assert.equal(await refused(port), true);
  await assert.rejects(
    () => startBroker({ port: 0, topics: ["bad/name"], logger: () => {} }),
    (e: Error) =>
      e.name === "BrokerStartError" && /topic name "bad\/name" may only contain/.test(e.message),
  );
}, SANITIZED);

test("oversized, truncated and malformed frames close the connection with a log line", async () => {
  await withBroker({}, async (broker, logs) => {
    const send = async (bytes: number[], closeWrite: boolean) => {
      await using c = await RawKafkaConnection.connect(broker.port);
      await c.writeRaw(new Uint8Array(bytes));
      if (closeWrite) await c.conn.closeWrite();
      return await c.readFrame();
    };
    assert.equal(await send([0x0c, 0x80, 0, 0, 0, 18], false), null);
    assert.equal(await send([0, 0, 0, 20, 0, 18, 0, 0], true), null);
    assert.equal(
      await send([0, 0, 0, 15, 0, 3, 0, 1, 0, 0, 0, 1, 0, 1, 120, 0x7f, 0, 0, 0], false),
      null,
    );
    assert.deepEqual(logs.map((l) => l.replace(/127\.0\.0\.1:\d+/, "peer")), [
      "closing connection from peer: frame size 209715200 is outside 0..104857600",
      "closing connection from peer: stream ended after 4 of 20 frame bytes",
      "closing connection from peer: array count 2130706432 at offset 11",
    ]);
  });
}, SANITIZED);
