import assert from "node:assert/strict";
import {
  decodeFetchRequest,
  decodeJoinGroupRequest,
  decodeMetadataRequest,
  encodeApiVersionsResponse,
  encodeDescribeConfigsResponse,
  encodeFetchResponse,
  encodeLeaveGroupResponse,
  encodeOffsetFetchResponse,
  encodeProduceResponse,
  encodeUnsupportedApiVersionsResponse,
  ProtocolReader,
  ProtocolWriter,
} from "../lib/protocol/mod.ts";
import { test } from "./support/deadline.ts";

const bytes = (fill: (w: ProtocolWriter) => void) => {
  const w = new ProtocolWriter();
  fill(w);
  return [...w.finish()];
};

test("encodeProduceResponse() puts the throttle time last and grows fields by version", () => {
  const topics = [{
    name: "t",
    partitions: [{ index: 1, errorCode: 0, baseOffset: 5, logAppendTimeMs: -1, logStartOffset: 0 }],
  }];
  const v3 = bytes((w) => encodeProduceResponse(w, 3, topics));
  const v7 = bytes((w) => encodeProduceResponse(w, 7, topics));
  assert.equal(v7.length - v3.length, 8, "log_start_offset from v5");
  assert.deepEqual(v3.slice(-4), [0, 0, 0, 0]);
  const r = new ProtocolReader(Uint8Array.from(v3));
  assert.equal(r.int32(), 1);
  assert.equal(r.string(), "t");
  assert.equal(r.int32(), 1);
  assert.deepEqual([r.int32(), r.int16(), r.int64(), r.int64(), r.int32()], [1, 0, 5n, -1n, 0]);
  assert.equal(r.remaining, 0);
});

test("encodeFetchResponse() v11 starts with throttle, error and session id", () => {
  const batch = new Uint8Array([9, 9, 9]);
  const out = Uint8Array.from(bytes((w) =>
    encodeFetchResponse(w, 11, [{
      name: "t",
      partitions: [{
        partition: 0,
        errorCode: 0,
        highWatermark: 7,
        logStartOffset: 0,
        batches: [batch],
        bytes: 3,
      }],
    }])
  ));
  const r = new ProtocolReader(out);
  assert.deepEqual([r.int32(), r.int16(), r.int32()], [0, 0, 0]);
  r.int32();
  assert.equal(r.string(), "t");
  r.int32();
  assert.deepEqual(
    [r.int32(), r.int16(), r.int64(), r.int64(), r.int64()],
    [0, 0, 7n, 7n, 0n],
    "high watermark, last stable offset, log start offset",
  );
  assert.equal(r.int32(), 0, "empty aborted transactions");
  assert.equal(r.int32(), -1, "no preferred read replica");
  assert.deepEqual([...r.bytes()], [9, 9, 9]);
  assert.equal(r.remaining, 0);
});

test("ApiVersions answers: v0 has no throttle, v3 is compact, KIP-511 is v0-shaped", () => {
  const apis = [{ apiKey: 18, minVersion: 0, maxVersion: 3 }];
  assert.deepEqual(bytes((w) => encodeApiVersionsResponse(w, 0, apis)), [
    0,
    0,
    0,
    0,
    0,
    1,
    0,
    18,
    0,
    0,
    0,
    3,
  ]);
  assert.deepEqual(bytes((w) => encodeApiVersionsResponse(w, 3, apis)), [
    0,
    0,
    2,
    0,
    18,
    0,
    0,
    0,
    3,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  assert.deepEqual(bytes((w) => encodeUnsupportedApiVersionsResponse(w, apis[0])), [
    0,
    35,
    0,
    0,
    0,
    1,
    0,
    18,
    0,
    0,
    0,
    3,
  ]);
});

test("decodeMetadataRequest() reads an empty v0 list as all topics and an empty v1 list as none", () => {
  const v0 = new ProtocolWriter().array([], () => {}).finish();
  assert.deepEqual(decodeMetadataRequest(new ProtocolReader(v0), 0), {
    topics: null,
    allowAutoTopicCreation: true,
  });
  const v1 = new ProtocolWriter().array([], () => {}).finish();
  assert.deepEqual(decodeMetadataRequest(new ProtocolReader(v1), 1).topics, []);
  const v8 = new ProtocolWriter().array(["a"], (w, t) => w.string(t)).bool(false).bool(true)
    .bool(true).finish();
  const r = new ProtocolReader(v8);
  assert.deepEqual(decodeMetadataRequest(r, 8), { topics: ["a"], allowAutoTopicCreation: false });
  assert.equal(r.remaining, 0);
});

test("decodeFetchRequest() reads v11 fields and maps max_bytes 0 to no limit", () => {
  const w = new ProtocolWriter().int32(-1).int32(500).int32(1).int32(0).int8(1).int32(0).int32(-1);
  w.array(
    ["t"],
    (w, t) =>
      w.string(t).array([3], (w, p) => w.int32(p).int32(-1).int64(42).int64(-1).int32(1000)),
  );
  w.array([], () => {}).string("rack");
  const r = new ProtocolReader(w.finish());
  assert.deepEqual(decodeFetchRequest(r, 11), {
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 0x7fffffff,
    topics: [{ name: "t", partitions: [{ partition: 3, fetchOffset: 42, maxBytes: 1000 }] }],
  });
  assert.equal(r.remaining, 0);
});

test("decodeJoinGroupRequest() copies protocol metadata out of the frame", () => {
  const frame = new ProtocolWriter().string("g").int32(6000).int32(9000).string("").string(null)
    .string("consumer").array([0], (w) => w.string("range").bytes(new Uint8Array([1, 2])))
    .finish();
  const request = decodeJoinGroupRequest(new ProtocolReader(frame), 5);
  frame.fill(0);
  assert.deepEqual([...request.protocols[0].metadata], [1, 2]);
  assert.equal(request.rebalanceTimeoutMs, 9000);
});

test("LeaveGroup, OffsetFetch and DescribeConfigs encode version-dependent fields", () => {
  const members = [{ memberId: "m", groupInstanceId: null, errorCode: 25 }];
  assert.deepEqual(bytes((w) => encodeLeaveGroupResponse(w, 0, { errorCode: 0, members })), [
    0,
    25,
  ]);
  assert.equal(bytes((w) => encodeLeaveGroupResponse(w, 3, { errorCode: 0, members })).length, 17);
  const topics = [{
    name: "t",
    partitions: [{ partition: 0, offset: -1n, metadata: "", errorCode: 0 }],
  }];
  const v1 = bytes((w) => encodeOffsetFetchResponse(w, 1, { errorCode: 0, topics }));
  const v5 = bytes((w) => encodeOffsetFetchResponse(w, 5, { errorCode: 30, topics }));
  assert.equal(v5.length - v1.length, 4 + 4 + 2, "throttle, leader epoch, group error");
  assert.deepEqual(v5.slice(-2), [0, 30]);
  const entry = { name: "max.message.bytes", value: "1048588", source: 5 };
  const resource = { errorCode: 0, errorMessage: null, type: 2, name: "t", entries: [entry] };
  const d0 = new ProtocolReader(
    Uint8Array.from(bytes((w) => encodeDescribeConfigsResponse(w, 0, [resource]))),
  );
  d0.int32();
  d0.int32();
  d0.int16();
  d0.nullableString();
  d0.int8();
  d0.string();
  d0.int32();
  assert.deepEqual([d0.string(), d0.string(), d0.bool(), d0.bool(), d0.bool()], [
    "max.message.bytes",
    "1048588",
    false,
    true,
    false,
  ]);
  assert.equal(d0.remaining, 0, "v0 has is_default and no synonyms");
});
