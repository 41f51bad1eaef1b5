import assert from "node:assert/strict";
import {
  type BrokerHandle,
  BrokerStartError,
  ManualClock,
  startBroker,
} from "../lib/broker/mod.ts";
import { encodeRecordBatch } from "../lib/protocol/record_batch.ts";
import { Cluster, type Topic } from "../lib/broker/_cluster.ts";
import { PartitionLog } from "../lib/broker/_partition_log.ts";
import { openStream } from "../lib/hop/stream.ts";
import { BrokerArgumentError, brokerCommand } from "../lib/cli/broker_command.ts";
import { withBroker } from "./support/broker.ts";
import { startCliBroker } from "./support/cli.ts";
import { RawKafkaConnection } from "./support/raw_client.ts";
import { test } from "./support/deadline.ts";
import { recordingLogger } from "./support/recording_logger.ts";
import type { FaultRequest } from "../lib/broker/faults.ts";
import { ApiKey } from "../lib/protocol/api.ts";
import { decodeFetchRequest } from "../lib/protocol/messages/fetch.ts";
import { decodeListOffsetsRequest } from "../lib/protocol/messages/list_offsets.ts";
import { ProtocolReader } from "../lib/protocol/reader.ts";

const SANITIZED = { sanitizeOps: true, sanitizeResources: true };
const OFFSET_OUT_OF_RANGE = 1;

/** A batch of one record whose value is `size` bytes. */
function batchOf(size: number): Uint8Array {
  return encodeRecordBatch([{ value: new Uint8Array(size).fill(0x61) }]);
}

async function produce(c: RawKafkaConnection, topic: string, records: Uint8Array) {
  const res = await c.request(0, 7, (w) => {
    w.string(null).int16(1).int32(5000);
    w.array([topic], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).bytes(records)));
  });
  const r = res!.r;
  const [part] = r.array((r) => {
    r.string();
    return r.array((r) => ({
      index: r.int32(),
      error: r.int16(),
      baseOffset: Number(r.int64()),
      appendTime: Number(r.int64()),
      logStart: Number(r.int64()),
    }))[0];
  });
  assert.equal(part.error, 0);
  return part;
}

async function fetch(c: RawKafkaConnection, topic: string, offset: number) {
  const res = await c.request(1, 11, (w) => {
    w.int32(-1).int32(0).int32(1).int32(1 << 20).int8(0).int32(0).int32(-1);
    w.array([topic], (w, t) => {
      w.string(t).array([0], (w, p) => w.int32(p).int32(-1).int64(offset).int64(-1).int32(1 << 20));
    });
    w.array([], () => {}).string("");
  });
  const r: ProtocolReader = res!.r;
  r.int32();
  r.int16();
  r.int32();
  const [part] = r.array((r) => {
    r.string();
    return r.array((r) => ({
      partition: r.int32(),
      error: r.int16(),
      highWatermark: Number(r.int64()),
      lastStable: Number(r.int64()),
      logStart: Number(r.int64()),
      aborted: r.array((r) => [r.int64(), r.int64()]),
      preferred: r.int32(),
      records: r.nullableBytes(),
    }))[0];
  });
  return part;
}

/** ListOffsets v1 for partition 0: -2 earliest, -1 latest. */
async function listOffset(c: RawKafkaConnection, topic: string, timestamp: number) {
  const res = await c.request(2, 1, (w) => {
    w.int32(-1).array([topic], (w, t) => {
      w.string(t).array([0], (w, p) => w.int32(p).int64(timestamp));
    });
  });
  const [part] = res!.r.array((r) => {
    r.string();
    return r.array((r) => ({
      partition: r.int32(),
      error: r.int16(),
      timestamp: Number(r.int64()),
      offset: Number(r.int64()),
    }))[0];
  });
  assert.equal(part.error, 0);
  return part.offset;
}

test("retention.ms deletes batches stored that long ago on the broker clock", async () => {
  const clock = new ManualClock();
  const topics = [{ name: "t", config: { "retention.ms": "60000" } }];
  await withBroker({ topics, clock }, async (broker) => {
    await using c = await RawKafkaConnection.connect(broker.port);
    await produce(c, "t", batchOf(10));
    await produce(c, "t", batchOf(10));
    clock.advance(40_000);
    await produce(c, "t", batchOf(10));
    assert.equal(await listOffset(c, "t", -2), 0);
    // The periodic check at 60 s finds the first two batches 60 s old; the third is 20 s old.
    clock.advance(20_000);
    assert.equal(await listOffset(c, "t", -2), 2);
    assert.equal(await listOffset(c, "t", -1), 3);
    const gone = await fetch(c, "t", 1);
    assert.equal(gone.error, OFFSET_OUT_OF_RANGE);
    assert.equal(gone.logStart, 2);
    assert.equal(gone.highWatermark, 3);
    const kept = await fetch(c, "t", 2);
    assert.equal(kept.error, 0);
    assert.equal(kept.logStart, 2);
    assert.ok(kept.records && kept.records.length > 0);
    // Everything expires: the log is empty and starts at the high watermark.
    clock.advance(60_000);
    assert.equal(await listOffset(c, "t", -2), 3);
    const empty = await fetch(c, "t", 3);
    assert.equal(empty.error, 0);
    assert.equal(empty.logStart, 3);
    assert.equal(empty.records?.length ?? 0, 0);
    // New batches continue the offsets.
    assert.equal((await produce(c, "t", batchOf(10))).baseOffset, 3);
  });
}, SANITIZED);

test("retention.bytes deletes the oldest batches while the rest still hold that much", async () => {
  const size = batchOf(1000).length;
  // Room for three whole batches, and a bit: at most four are held.
  const topics = [{ name: "t", config: { "retention.bytes": String(size * 3 + 10) } }];
  await withBroker({ topics, clock: new ManualClock() }, async (broker) => {
    await using c = await RawKafkaConnection.connect(broker.port);
    for (let i = 0; i < 4; i++) assert.equal((await produce(c, "t", batchOf(1000))).logStart, 0);
    const fifth = await produce(c, "t", batchOf(1000));
    assert.equal(fifth.baseOffset, 4);
    assert.equal(fifth.logStart, 1, "the produce answer reports the new log start offset");
    for (let i = 0; i < 5; i++) await produce(c, "t", batchOf(1000));
    assert.equal(await listOffset(c, "t", -2), 6);
    assert.equal(await listOffset(c, "t", -1), 10);
    assert.equal((await fetch(c, "t", 5)).error, OFFSET_OUT_OF_RANGE);
    const kept = await fetch(c, "t", 6);
    assert.equal(kept.error, 0);
    assert.equal(kept.records?.length, size * 4);
  });
}, SANITIZED);

test("the retentionBytes option bounds topics without their own retention.bytes", async () => {
  const size = batchOf(100).length;
  const topics = ["plain", { name: "own", config: { "retention.bytes": "-1" } }];
  await withBroker(
    { topics, retentionBytes: size, clock: new ManualClock() },
    async (broker) => {
      await using c = await RawKafkaConnection.connect(broker.port);
      for (let i = 0; i < 5; i++) {
        await produce(c, "plain", batchOf(100));
        await produce(c, "own", batchOf(100));
      }
      assert.equal(await listOffset(c, "plain", -2), 4, "only the newest batch is held");
      assert.equal(await listOffset(c, "own", -2), 0, "the topic's own setting wins");
    },
  );
}, SANITIZED);

test("many deletions from the front keep offsets and fetches right", async () => {
  const topics = [{ name: "t", config: { "retention.bytes": "0" } }];
  await withBroker({ topics, clock: new ManualClock() }, async (broker) => {
    await using c = await RawKafkaConnection.connect(broker.port);
    // retention.bytes 0 deletes every batch as soon as it is stored, across index compactions.
    for (let i = 0; i < 3000; i++) await produce(c, "t", batchOf(1));
    assert.equal(await listOffset(c, "t", -2), 3000);
    assert.equal((await fetch(c, "t", 2999)).error, OFFSET_OUT_OF_RANGE);
  });
}, SANITIZED);

test("the memory budget deletes the oldest batches of the whole broker first", async () => {
  const size = batchOf(100).length;
  const topics = ["a", "b", "c", { name: "own", config: { "retention.bytes": "-1" } }];
  // Room for exactly four batches of the topics under the broker's defaults.
  await withBroker(
    { topics, memoryBudgetBytes: size * 4, clock: new ManualClock() },
    async (broker) => {
      await using c = await RawKafkaConnection.connect(broker.port);
      const earliest = async () => {
        const offsets = [];
        for (const t of ["a", "b", "c"]) offsets.push(await listOffset(c, t, -2));
        return offsets;
      };
      // Stored in the order a0 b0 a1 c0: four batches, within the budget.
      for (const t of ["a", "b", "a", "c"]) {
        assert.equal((await produce(c, t, batchOf(100))).logStart, 0);
      }
      assert.deepEqual(await earliest(), [0, 0, 0]);
      // b1 makes five: the broker's oldest batch, a0, goes, although b was written to.
      const b1 = await produce(c, "b", batchOf(100));
      assert.deepEqual([b1.baseOffset, b1.logStart], [1, 0]);
      assert.deepEqual(await earliest(), [1, 0, 0]);
      // c1 deletes b0, then a2 deletes a1: oldest first across partitions, one for one.
      await produce(c, "c", batchOf(100));
      assert.deepEqual(await earliest(), [1, 1, 0]);
      const a2 = await produce(c, "a", batchOf(100));
      assert.deepEqual([a2.baseOffset, a2.logStart], [2, 2]);
      assert.deepEqual(await earliest(), [2, 1, 0]);
      // Held now: c0 b1 c1 a2, exactly the budget.
      const held = [];
      for (const [t, o] of [["a", 2], ["b", 1], ["c", 0]] as const) held.push(await fetch(c, t, o));
      assert.deepEqual(held.map((p) => p.records?.length ?? 0), [size, size, size * 2]);
      assert.deepEqual(held.map((p) => p.error), [0, 0, 0]);
      // A reader behind the log start gets OFFSET_OUT_OF_RANGE with the new start, as with
      // retention.bytes, and ListOffsets earliest answers where to continue.
      for (const [t, behind, start] of [["a", 1, 2], ["b", 0, 1]] as const) {
        const gone = await fetch(c, t, behind);
        assert.deepEqual([gone.error, gone.logStart, gone.records?.length ?? 0], [
          OFFSET_OUT_OF_RANGE,
          start,
          0,
        ]);
      }
      // A topic with its own retention.bytes is outside the budget: it keeps everything, and its
      // bytes do not push out the others.
      for (let i = 0; i < 10; i++) await produce(c, "own", batchOf(100));
      assert.equal(await listOffset(c, "own", -2), 0);
      assert.equal((await fetch(c, "own", 0)).records?.length, size * 10);
      assert.deepEqual(await earliest(), [2, 1, 0]);
      // A batch larger than the whole budget: everything older goes, the new batch stays.
      const big = batchOf(size * 5);
      const b2 = await produce(c, "b", big);
      assert.deepEqual([b2.baseOffset, b2.logStart], [2, 2]);
      assert.deepEqual(await earliest(), [3, 2, 2]);
      assert.deepEqual(await listOffset(c, "c", -1), 2);
      assert.equal((await fetch(c, "b", 2)).records?.length, big.length);
      assert.equal((await fetch(c, "c", 2)).records?.length ?? 0, 0);
      assert.equal(await listOffset(c, "own", -2), 0);
    },
  );
}, SANITIZED);

type Write = (topic: string, value: string) => Promise<void>;

/**
 * A broker holding 4,000 bytes in memory, and a writer of one-record batches; `pushOut` writes 20
 * KB to topic b, which deletes everything written before it.
 */
async function withBudgetBroker(
  use: (broker: BrokerHandle, write: Write, pushOut: () => Promise<void>) => Promise<void>,
): Promise<void> {
  const text = new TextEncoder();
  await withBroker({ topics: ["a", "b"], memoryBudgetBytes: 4000 }, async (broker) => {
    await using writer = await openStream(broker.url, "w", { auth: false });
    const write = async (topic: string, value: string) => {
      await writer.write(text.encode(value), { topic });
      await writer.flush();
    };
    const pushOut = async () => {
      for (let i = 0; i < 20; i++) await write("b", "b".repeat(1000));
    };
    await use(broker, write, pushOut);
  });
}

const variants = [
  { startAt: "earliest", untilEos: false },
  { startAt: "latest", untilEos: true },
  { startAt: "latest", untilEos: false },
] as const;
for (const { startAt, untilEos } of variants) {
  test(`a group back after retention deleted its committed offset reads what is still held (startAt ${startAt}, untilEos ${untilEos})`, async () => {
    await withBudgetBroker(async (broker, write, pushOut) => {
      for (const value of ["a0", "a1", "a2"]) await write("a", value);
      const first = await openStream(`${broker.url}/a`, "r", {
        auth: false,
        groupId: "g",
        startAt: "earliest",
      });
      const read: number[] = [];
      for await (const { metadata } of first.readRaw()) {
        read.push(metadata.offset);
        if (read.length === 2) break;
      }
      await first.close();
      // Ending early leaves offset 1 uncommitted: the group resumes there.
      assert.deepEqual(read, [0, 1]);
      await pushOut();
      for (const value of ["a3", "a4"]) await write("a", value);
      await using c = await RawKafkaConnection.connect(broker.port);
      assert.equal(await listOffset(c, "a", -2), 3);
      assert.equal((await fetch(c, "a", 1)).error, OFFSET_OUT_OF_RANGE);

      // With "latest", what listeners use, only the group's commit says where to resume: the
      // Kafka client alone goes to the end.
      const logger = recordingLogger();
      // A listener waits at the end once it has read what is held; one written after that
      // arrives first if the reader went to the end straight away.
      const atEnd = untilEos ? undefined : broker.faults.nextRequest({
        apiKey: ApiKey.Fetch,
        match: (request) => fetchOffsetOf(request, "a") === 5,
      });
      await using again = await openStream(`${broker.url}/a`, "r", {
        auth: false,
        groupId: "g",
        startAt,
        untilEos,
        logger,
      });
      if (atEnd) {
        await atEnd;
        await write("a", "a5");
      }
      const resumed: [number, string][] = [];
      for await (const { value, metadata } of again.readRaw()) {
        resumed.push([metadata.offset, new TextDecoder().decode(value!)]);
        if (metadata.offset >= 4) break;
      }
      assert.deepEqual(resumed, [[3, "a3"], [4, "a4"]]);
      assert.deepEqual(logger.lines, [
        "WARNING offsets 1 to 2 of a partition 0 were deleted before group g read them; " +
        "starting at 3, the oldest offset still held",
      ]);
    });
  });
}

const TOPIC_AUTHORIZATION_FAILED = 29;

// Whether a ListOffsets request asks for a topic's earliest offset.
function asksEarliest(request: FaultRequest, topic: string): boolean {
  const topics = decodeListOffsetsRequest(new ProtocolReader(request.body), request.version);
  return topics.some((t) => t.name === topic && t.partitions.some((p) => p.timestamp === -2));
}

// The offset a Fetch request asks of a topic's first partition listed.
function fetchOffsetOf(request: FaultRequest, topic: string): number | undefined {
  const fetch = decodeFetchRequest(new ProtocolReader(request.body), request.version);
  return fetch.topics.find((t) => t.name === topic)?.partitions[0]?.fetchOffset;
}

const runningVariants = [
  { startAt: "latest", lookupFails: false },
  { startAt: "earliest", lookupFails: false },
  // Reading where the log starts fails once: the reader fetches from its position again and asks
  // on the next jump instead of accepting the gap.
  { startAt: "latest", lookupFails: true },
] as const;
for (const { startAt, lookupFails } of runningVariants) {
  test(
    `a running reader whose next offset retention deleted goes on at the oldest offset still held (startAt ${startAt}${
      lookupFails ? ", first log-start lookup failing" : ""
    })`,
    async ({ within }) => {
      await withBudgetBroker(async (broker, write, pushOut) => {
        const logger = recordingLogger();
        await using reader = await openStream(`${broker.url}/a`, "r", {
          auth: false,
          groupId: "g",
          startAt,
          logger,
        });
        await within(reader.ready, "the reader's assignment");
        // The reader's fetch from offset 1 waits until offsets 1 and 2 are gone.
        const hold = broker.faults.inject({
          apiKey: ApiKey.Fetch,
          action: "hold",
          match: (request) => fetchOffsetOf(request, "a") === 1,
        });
        await write("a", "a0");
        const records = reader.readRaw()[Symbol.asyncIterator]();
        const first = await within(records.next(), "offset 0");
        assert.equal(first.done ? undefined : first.value.metadata.offset, 0);
        await within(hold.reached, "the fetch from offset 1");
        for (const value of ["a1", "a2"]) await write("a", value);
        await pushOut();
        for (const value of ["a3", "a4"]) await write("a", value);
        await using c = await RawKafkaConnection.connect(broker.port);
        assert.equal(await listOffset(c, "a", -2), 3);
        // Answered out of range, the Kafka client goes to its default position: the log start (3)
        // for earliest, the end (5) for latest, where only new records come.
        const atEnd = startAt === "latest"
          ? broker.faults.nextRequest({
            apiKey: ApiKey.Fetch,
            match: (request) => fetchOffsetOf(request, "a") === 5,
          })
          : undefined;
        const lookup = lookupFails
          ? broker.faults.inject({
            apiKey: ApiKey.ListOffsets,
            action: "error",
            errorCode: TOPIC_AUTHORIZATION_FAILED,
            match: (request) => asksEarliest(request, "a"),
          })
          : undefined;
        hold.release();
        if (atEnd) await within(atEnd, "a fetch from the end");
        await write("a", "a5");
        const expected: [number, string][] = [[3, "a3"], [4, "a4"], [5, "a5"]];
        if (lookup) {
          // The failed lookup sends the reader back to offset 1, out of range again: the Kafka
          // client goes to the end (now 6), and the next record brings the next jump.
          const atNewEnd = broker.faults.nextRequest({
            apiKey: ApiKey.Fetch,
            match: (request) => fetchOffsetOf(request, "a") === 6,
          });
          await within(lookup.done, "the failed lookup");
          await within(atNewEnd, "a fetch from the new end");
          await write("a", "a6");
          expected.push([6, "a6"]);
        }
        // Up to the last record written, so that a reader that skipped the rest shows at once.
        const last = expected[expected.length - 1][0];
        const resumed: [number, string][] = [];
        while (resumed.length < expected.length) {
          const next = await within(records.next(), `record ${resumed.length + 1} after the gap`);
          if (next.done) break;
          resumed.push([next.value.metadata.offset, new TextDecoder().decode(next.value.value!)]);
          if (next.value.metadata.offset >= last) break;
        }
        assert.deepEqual(resumed, expected);
        assert.deepEqual(logger.lines, [
          "WARNING offsets 1 to 2 of a partition 0 are no longer in the log; continuing at 3",
        ]);
      });
    },
  );
}

test("memory budget: deleted topics stop counting, -1 keeps everything", async () => {
  const size = batchOf(100).length;
  const cluster = new Cluster({ log: () => {}, memoryBudgetBytes: size * 2 });
  const x = await cluster.createTopic("x", 2, {});
  const y = await cluster.createTopic("y", 2, {});
  const store = (topic: Topic, partition: number) => {
    topic.partitions[partition].append(batchOf(100), 0, 0, undefined, 0);
    return topic.enforceRetention(0, partition);
  };
  assert.equal(store(x, 0), 0);
  assert.equal(store(x, 1), 0);
  assert.equal(cluster.budget!.account.bytes, size * 2);
  assert.equal(store(y, 1), 1, "the third batch pushes out the first");
  assert.deepEqual(x.partitions.map((p) => p.logStartOffset), [1, 0]);
  await cluster.deleteTopic("x");
  assert.equal(cluster.budget!.account.bytes, size);
  assert.equal(store(y, 0), 0, "x's batches no longer count");
  assert.deepEqual(y.partitions.map((p) => [p.logStartOffset, p.highWatermark]), [[0, 1], [0, 1]]);
  await cluster.close();

  const unlimited = new Cluster({ log: () => {}, memoryBudgetBytes: -1 });
  const z = await unlimited.createTopic("z", 1, {});
  for (let i = 0; i < 50; i++) assert.equal(store(z, 0), 0);
  assert.equal(unlimited.budget!.account.bytes, size * 50);
  await unlimited.close();
}, SANITIZED);

test("with a data directory nothing is deleted", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "broker-retention-" });
  try {
    const topics = [{ name: "t", config: { "retention.bytes": "0", "retention.ms": "1" } }];
    const clock = new ManualClock();
    await withBroker({ topics, clock, dataDir }, async (broker) => {
      await using c = await RawKafkaConnection.connect(broker.port);
      for (let i = 0; i < 3; i++) await produce(c, "t", batchOf(10));
      clock.advance(120_000);
      assert.equal(await listOffset(c, "t", -2), 0);
      assert.equal((await fetch(c, "t", 0)).error, 0);
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}, SANITIZED);

test("retentionBytes and memoryBudgetBytes must be integers of at least -1", async () => {
  for (const bad of [-2, 1.5, Number.NaN]) {
    await assert.rejects(
      startBroker({ port: 0, retentionBytes: bad, logger: () => {} }),
      BrokerStartError,
    );
    await assert.rejects(
      startBroker({ port: 0, memoryBudgetBytes: bad, logger: () => {} }),
      new RegExp(`^BrokerStartError: memoryBudgetBytes ${bad}: expected an integer >= -1`),
    );
  }
}, SANITIZED);

test("with a data directory, fetched batches are read back from the segment file", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "broker-disk-reads-" });
  try {
    const sizes = [10, 20_000, 30, 40_000, 50];
    await withBroker({ topics: ["t"], dataDir }, async (broker) => {
      await using c = await RawKafkaConnection.connect(broker.port);
      const sent = sizes.map(batchOf);
      for (const batch of sent) await produce(c, "t", batch);
      // Parallel fetches of different offsets share the log's file handle.
      const fetched = await Promise.all(sizes.map(async (_, i) => {
        await using f = await RawKafkaConnection.connect(broker.port);
        return await fetch(f, "t", i);
      }));
      for (const [i, part] of fetched.entries()) {
        assert.equal(part.error, 0);
        const expected = sent.slice(i).reduce((n, b) => n + b.length, 0);
        assert.equal(part.records?.length, expected, `fetch from offset ${i}`);
      }
      // Change one value byte of the last batch in the file: the next fetch serves the change.
      const path = `${dataDir}/topics/t/0.log`;
      const file = await Deno.readFile(path);
      file[file.length - 3] ^= 0xff;
      await Deno.writeFile(path, file);
      const again = await fetch(c, "t", 4);
      assert.equal(again.records?.[again.records.length - 3], file[file.length - 3]);
      assert.equal(await listOffset(c, "t", 0), 0, "ListOffsets by timestamp reads the file too");
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}, SANITIZED);

test(
  "the broker command takes --memory-budget in bytes or K/M/G and refuses anything else",
  async () => {
    await assert.rejects(
      brokerCommand().exitOverride().parseAsync(["--port", "0", "--memory-budget", "12X"], {
        from: "user",
      }),
      (error: Error) =>
        error instanceof BrokerArgumentError &&
        error.message ===
          "--memory-budget 12X: expected bytes, optionally with K, M or G (KiB, MiB, GiB), " +
            "or -1 for no limit",
    );
    const size = batchOf(1000).length;
    // The oldest batches of the broker go first while the rest still hold 2 KiB: two are kept.
    await using broker = await startCliBroker([
      "--port",
      "0",
      "--topic",
      "a",
      "--topic",
      "b",
      "--memory-budget",
      "2K",
    ]);
    assert.ok(size < 2048 && size * 2 >= 2048, `batch size ${size}`);
    await using c = await RawKafkaConnection.connect(broker.port);
    await produce(c, "a", batchOf(1000));
    await produce(c, "b", batchOf(1000));
    await produce(c, "a", batchOf(1000));
    await produce(c, "b", batchOf(1000));
    // Four batches in order a0 b0 a1 b1: two are held, a1 and b1.
    assert.deepEqual(
      [await listOffset(c, "a", -2), await listOffset(c, "b", -2)],
      [1, 1],
    );
    assert.equal((await broker.stop()).code, 0);
  },
  SANITIZED,
);

test("small batches received inside a larger buffer are kept in shared slabs, not the buffer", async () => {
  const log = new PartitionLog();
  const received = new Uint8Array(64 * 1024);
  const batch = batchOf(100);
  const count = 1000;
  for (let i = 0; i < count; i++) {
    // Each batch is a view into the same read buffer, as frames of one socket read are.
    received.set(batch, 1000);
    log.append(received.subarray(1000, 1000 + batch.length), 0, 0);
  }
  const { batches } = await log.read(0, Infinity, true);
  assert.equal(batches.length, count);
  const buffers = new Set(batches.map((kept) => kept.buffer));
  assert.ok(!buffers.has(received.buffer), "a stored batch keeps the read buffer alive");
  // Slabs grow from 4 KiB to 256 KiB: about 170 KB of batches need a handful of them.
  assert.ok(buffers.size <= 8, `${buffers.size} buffers for ${count} batches`);
  const held = [...buffers].reduce((sum, buffer) => sum + buffer.byteLength, 0);
  assert.ok(held < 2 * count * batch.length + 256 * 1024, `${held} bytes held`);
  // Offsets were stamped into each copy, not into the shared read buffer's later contents.
  const baseOffsets = batches.map((kept) =>
    Number(new DataView(kept.buffer, kept.byteOffset).getBigInt64(0))
  );
  assert.deepEqual(baseOffsets, Array.from({ length: count }, (_, i) => i));
  await log.close();
});
