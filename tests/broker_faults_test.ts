import assert from "node:assert/strict";
import { ManualClock, startBroker } from "../lib/broker/mod.ts";
import { ApiKey, ErrorCode } from "../lib/protocol/api.ts";
import { test } from "./support/deadline.ts";
import { RawKafkaConnection } from "./support/raw_client.ts";
import { encodeRecordBatch } from "../lib/protocol/record_batch.ts";
import type { ProtocolWriter } from "../lib/protocol/writer.ts";

/** These tests run only our own code, so Deno's op and resource sanitizers are on. */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };

const heartbeat = (w: ProtocolWriter) => w.string("g").int32(1).string("member");

test(
  "an error fault answers its API with the code, count times, then the broker answers itself",
  async ({ within }) => {
    await using broker = await startBroker({ port: 0, logger: () => {} });
    const fault = broker.faults.inject({
      apiKey: ApiKey.Heartbeat,
      action: "error",
      errorCode: ErrorCode.RebalanceInProgress,
      count: 2,
    });
    await using c = await within(RawKafkaConnection.connect(broker.port), "a connection");
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await within(c.request(ApiKey.Heartbeat, 0, heartbeat), "a Heartbeat answer");
      codes.push(answer!.r.int16());
    }
    // Twice the injected 27, then the coordinator's own UNKNOWN_MEMBER_ID for a stranger.
    assert.deepEqual(codes, [27, 27, 25]);
    assert.equal(fault.hits, 2);
    await within(fault.done, "the rule to be spent");
    assert.equal(broker.faults.active, 0);
    const first = await fault.reached;
    assert.equal(first.apiName, "Heartbeat");
    assert.equal(first.correlationId, 0);
    assert.equal(first.clientId, "raw-test");
  },
  SANITIZED,
);

test("an error fault on Produce answers every partition asked about", async ({ within }) => {
  await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
  broker.faults.inject({ apiKey: ApiKey.Produce, action: "error", errorCode: 6 });
  await using c = await within(RawKafkaConnection.connect(broker.port), "a connection");
  const answer = await within(
    c.request(ApiKey.Produce, 7, (w) => {
      w.string(null).int16(1).int32(1000);
      w.array(["t"], (w, t) => w.string(t).array([0, 3], (w, p) => w.int32(p).bytes(null)));
    }),
    "a Produce answer",
  );
  const topics = answer!.r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => [r.int32(), r.int16(), r.int64(), r.int64(), r.int64()]),
  }));
  assert.deepEqual(topics, [{
    name: "t",
    partitions: [[0, 6, -1n, -1n, -1n], [3, 6, -1n, -1n, -1n]],
  }]);
}, SANITIZED);

test(
  "a drop fault leaves one request unanswered and the connection serving the next",
  async ({ within }) => {
    await using broker = await startBroker({ port: 0, logger: () => {} });
    const drop = broker.faults.inject({ apiKey: ApiKey.ApiVersions, action: "drop" });
    await using c = await within(RawKafkaConnection.connect(broker.port), "a connection");
    await c.writeRaw(c.frame(ApiKey.ApiVersions, 0, () => {}));
    await within(drop.reached, "the dropped request");
    const next = await within(c.request(ApiKey.ApiVersions, 0, () => {}), "the next answer");
    assert.equal(next!.correlationId, 1, "the first frame back answers the second request");
    assert.equal(drop.hits, 1);
  },
  SANITIZED,
);

test(
  "a close fault closes the connection without an answer, with a log line",
  async ({ within }) => {
    const logs: string[] = [];
    await using broker = await startBroker({ port: 0, logger: (l) => logs.push(l) });
    broker.faults.inject({
      apiKey: ApiKey.Metadata,
      action: "close",
      match: (request) => request.clientId === "raw-test",
    });
    await using c = await within(RawKafkaConnection.connect(broker.port), "a connection");
    assert.ok(await within(c.request(ApiKey.ApiVersions, 0, () => {}), "ApiVersions"));
    const closed = await within(c.request(ApiKey.Metadata, 1, (w) => w.int32(0)), "the close");
    assert.equal(closed, null);
    assert.deepEqual(logs.map((l) => l.replace(/127\.0\.0\.1:\d+/, "peer")), [
      "closing connection from peer: Metadata request closed by an injected fault",
    ]);
  },
  SANITIZED,
);

test("match() narrows a rule to the requests it accepts", async ({ within }) => {
  await using broker = await startBroker({ port: 0, logger: () => {} });
  const onlyGroupB = broker.faults.inject({
    apiKey: ApiKey.FindCoordinator,
    action: "error",
    errorCode: ErrorCode.CoordinatorNotAvailable,
    count: Infinity,
    // FindCoordinator v0's body is the group id as a Kafka string: int16 length, then bytes.
    match: (request) => new TextDecoder().decode(request.body.subarray(2)) === "b",
  });
  await using c = await within(RawKafkaConnection.connect(broker.port), "a connection");
  const code = async (group: string) =>
    (await within(c.request(ApiKey.FindCoordinator, 0, (w) => w.string(group)), group))!.r.int16();
  assert.deepEqual([await code("a"), await code("b"), await code("a"), await code("b")], [
    0,
    15,
    0,
    15,
  ]);
  assert.equal(onlyGroupB.hits, 2);
  onlyGroupB.release();
  assert.equal(await code("b"), 0);
}, SANITIZED);

test(
  "a hold fault keeps a request, and the ones behind it, until release()",
  async ({ within }) => {
    await using broker = await startBroker({ port: 0, logger: () => {} });
    const hold = broker.faults.inject({ apiKey: ApiKey.Metadata, action: "hold" });
    await using c = await within(RawKafkaConnection.connect(broker.port), "a connection");
    await c.writeRaw(c.frame(ApiKey.Metadata, 1, (w) => w.int32(0)));
    await c.writeRaw(c.frame(ApiKey.ApiVersions, 0, () => {}));
    const answers = (async () => [await c.readFrame(), await c.readFrame()])();
    let answered = false;
    answers.then(() => answered = true);
    assert.equal((await within(hold.reached, "the held request")).apiName, "Metadata");
    // The ApiVersions behind it is read only after the held request is handled.
    const versions = broker.faults.nextRequest({ apiKey: ApiKey.ApiVersions });
    let versionsArrived = false;
    versions.then(() => versionsArrived = true);
    await Promise.resolve();
    assert.equal(answered, false);
    assert.equal(versionsArrived, false);
    hold.release();
    const [first, second] = await within(answers, "both answers after release()");
    assert.equal(new DataView(first!.buffer).getInt32(0), 0, "Metadata answered first");
    assert.equal(new DataView(second!.buffer).getInt32(0), 1);
    await within(versions, "the ApiVersions request");
    await within(hold.done, "the hold rule to be spent");
  },
  SANITIZED,
);

test("a delay fault holds a request for delayMs of the broker's clock", async ({ within }) => {
  const clock = new ManualClock();
  await using broker = await startBroker({ port: 0, clock, logger: () => {} });
  const delay = broker.faults.inject({ apiKey: ApiKey.ApiVersions, action: "delay", delayMs: 500 });
  await using c = await within(RawKafkaConnection.connect(broker.port), "a connection");
  const answer = c.request(ApiKey.ApiVersions, 0, () => {});
  await within(delay.reached, "the delayed request");
  // The idle timer (due at 600000) and the delay (due at 500) are the clock's timers.
  assert.equal(clock.nextDueInMs(), 500);
  clock.advance(499);
  assert.equal(clock.nextDueInMs(), 1);
  clock.advance(1);
  assert.equal((await within(answer, "the delayed answer"))!.r.int16(), 0);
}, SANITIZED);

test("nextRequest() resolves when a matching request arrives", async ({ within }) => {
  await using broker = await startBroker({ port: 0, logger: () => {} });
  const join = broker.faults.nextRequest({ apiKey: ApiKey.JoinGroup });
  const any = broker.faults.nextRequest();
  await using c = await within(RawKafkaConnection.connect(broker.port), "a connection");
  assert.ok(await within(c.request(ApiKey.ApiVersions, 0, () => {}), "ApiVersions"));
  assert.equal((await within(any, "any request")).apiName, "ApiVersions");
  await c.writeRaw(c.frame(ApiKey.JoinGroup, 0, (w) => {
    w.string("g").int32(10_000).string("").string("consumer");
    w.array(["range"], (w, name) => w.string(name).bytes(new Uint8Array()));
  }));
  const seen = await within(join, "the JoinGroup request");
  assert.deepEqual([seen.apiName, seen.version, seen.correlationId], ["JoinGroup", 0, 1]);
}, SANITIZED);

test("nextRequest() rejects when the broker closes first", async () => {
  const broker = await startBroker({ port: 0, logger: () => {} });
  const never = assert.rejects(
    broker.faults.nextRequest({ apiKey: ApiKey.JoinGroup }),
    /the broker closed before a matching request arrived/,
  );
  await broker.close();
  await never;
  await assert.rejects(broker.faults.nextRequest(), /the broker is closed/);
}, SANITIZED);

test("inject() refuses rules it cannot carry out, naming the problem", async () => {
  await using broker = await startBroker({ port: 0, logger: () => {} });
  assert.throws(
    () => broker.faults.inject({ apiKey: ApiKey.Heartbeat, action: "error" }),
    /an "error" fault needs an errorCode/,
  );
  assert.throws(
    () => broker.faults.inject({ apiKey: ApiKey.ApiVersions, action: "error", errorCode: 1 }),
    /an "error" fault needs an apiKey of an API it can answer \(Produce, Fetch, .*\), got 18/,
  );
  assert.throws(
    () => broker.faults.inject({ action: "delay" }),
    /a "delay" fault needs delayMs >= 0, got undefined/,
  );
  assert.throws(
    () => broker.faults.inject({ action: "drop", count: 0 }),
    /fault count must be at least 1, got 0/,
  );
  assert.equal(broker.faults.active, 0);
}, SANITIZED);

test(
  "pause() closes every connection and refuses new ones on the same port until resume()",
  async ({ within }) => {
    const logs: string[] = [];
    await using broker = await startBroker({ port: 0, logger: (l) => logs.push(l) });
    await using before = await within(RawKafkaConnection.connect(broker.port), "a connection");
    assert.ok(await within(before.request(ApiKey.ApiVersions, 0, () => {}), "an answer"));

    await broker.pause();
    assert.equal(broker.paused, true);
    assert.equal(await within(before.readFrame(), "the open connection to be closed"), null);
    // The port stays bound: connecting succeeds, and the broker closes the connection at once.
    await using during = await within(RawKafkaConnection.connect(broker.port), "a connection");
    assert.equal(await within(during.readFrame(), "the refusal while paused"), null);

    broker.resume();
    assert.equal(broker.paused, false);
    await using after = await within(RawKafkaConnection.connect(broker.port), "a connection");
    assert.ok(
      await within(after.request(ApiKey.ApiVersions, 0, () => {}), "an answer after resume"),
    );
    assert.deepEqual(logs, [
      "paused: closing 1 connection(s) and refusing new ones",
      "resumed after refusing 1 connection(s)",
    ]);
  },
  SANITIZED,
);

test(
  "pause() keeps topics and data; clients read them again after resume()",
  async ({ within }) => {
    await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
    await using first = await within(RawKafkaConnection.connect(broker.port), "a connection");
    const batch = encodeRecordBatch([{ value: new TextEncoder().encode("kept") }]);
    const produced = await within(
      first.request(ApiKey.Produce, 7, (w) => {
        w.string(null).int16(1).int32(1000);
        w.array(["t"], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).bytes(batch)));
      }),
      "a Produce answer",
    );
    assert.ok(produced);
    await broker.pause();
    broker.resume();
    await using second = await within(RawKafkaConnection.connect(broker.port), "a connection");
    const answer = await within(
      second.request(ApiKey.ListOffsets, 1, (w) => {
        w.int32(-1).array(["t"], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(-1)));
      }),
      "ListOffsets after resume()",
    );
    const [topic] = answer!.r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({
        partition: r.int32(),
        error: r.int16(),
        timestamp: r.int64(),
        offset: r.int64(),
      })),
    }));
    assert.deepEqual(topic, {
      name: "t",
      partitions: [{ partition: 0, error: 0, timestamp: -1n, offset: 1n }],
    });
  },
  SANITIZED,
);
