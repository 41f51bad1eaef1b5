/**
 * Metadata, Produce, Fetch, ListOffsets and InitProducerId.
 *
 * @module
 */

import { ErrorCode } from "../protocol/api.ts";
import type { ProtocolWriter } from "../protocol/writer.ts";
import { crc32c } from "../protocol/crc32c.ts";
import {
  readRecordBatchHeader,
  splitRecordBatches,
  verifyRecordBatchCrc,
} from "../protocol/record_batch.ts";
import { type Topic, topicNameProblem } from "./_cluster.ts";
import { canTopic, type RequestHandler, type RequestInfo } from "./_context.ts";
import { LEADER_EPOCH } from "./_partition_log.ts";

const NO_AUTHORIZED_OPERATIONS = -2147483648;

function writePartitionMetadata(w: ProtocolWriter, version: number, nodeId: number, index: number) {
  w.int16(ErrorCode.None).int32(index).int32(nodeId);
  if (version >= 7) w.int32(LEADER_EPOCH);
  w.int32(1).int32(nodeId).int32(1).int32(nodeId);
  if (version >= 5) w.int32(0);
}

async function resolveMetadataTopic(
  req: RequestInfo,
  name: string,
  allowAutoCreate: boolean,
): Promise<Topic | number> {
  if (!canTopic(req, "describe", name)) return ErrorCode.TopicAuthorizationFailed;
  const existing = req.ctx.cluster.topics.get(name);
  if (existing) return existing;
  if (topicNameProblem(name)) return ErrorCode.InvalidTopic;
  if (!allowAutoCreate || !req.ctx.autoCreateTopics) return ErrorCode.UnknownTopicOrPartition;
  if (
    !req.ctx.acl.canCluster(req.session.principal, "create") && !canTopic(req, "create", name)
  ) return ErrorCode.TopicAuthorizationFailed;
  const topic = await req.ctx.cluster.createTopic(name, 1, {});
  req.ctx.log(`auto-created topic ${name} for ${req.session.principal}`);
  return topic;
}

/** Metadata v0-v8; all-topic listings silently skip topics the principal may not describe. */
export const handleMetadata: RequestHandler = async (req, r, w) => {
  const v = req.version;
  let names = v >= 1 ? r.nullableArray((r) => r.string()) : r.array((r) => r.string());
  if (v === 0 && names !== null && names.length === 0) names = null;
  const allowAutoCreate = v >= 4 ? r.bool() : true;
  const { ctx } = req;
  const entries: { name: string; error: number; topic?: Topic }[] = [];
  if (names === null) {
    for (const topic of [...ctx.cluster.topics.values()].sort((a, b) => a.name < b.name ? -1 : 1)) {
      // Invisible topics are omitted silently: kafkajs fails a whole listing on one topic error.
      if (canTopic(req, "describe", topic.name)) {
        entries.push({ name: topic.name, error: 0, topic });
      }
    }
  } else {
    for (const name of names) {
      const res = await resolveMetadataTopic(req, name, allowAutoCreate);
      entries.push(typeof res === "number" ? { name, error: res } : { name, error: 0, topic: res });
    }
  }
  if (v >= 3) w.int32(0);
  w.int32(1).int32(ctx.nodeId).string(ctx.host).int32(ctx.port);
  if (v >= 1) w.string(null);
  if (v >= 2) w.string(ctx.clusterId);
  if (v >= 1) w.int32(ctx.nodeId);
  w.array(entries, (w, e) => {
    w.int16(e.error).string(e.name);
    if (v >= 1) w.bool(false);
    const count = e.topic?.partitions.length ?? 0;
    w.int32(count);
    for (let p = 0; p < count; p++) writePartitionMetadata(w, v, ctx.nodeId, p);
    if (v >= 8) w.int32(NO_AUTHORIZED_OPERATIONS);
  });
  if (v >= 8) w.int32(NO_AUTHORIZED_OPERATIONS);
};

interface ProduceResult {
  index: number;
  error: number;
  baseOffset: number;
  logAppendTime: number;
  logStartOffset: number;
}

/** Validates and appends one partition's records; returns the answer and the write to await. */
function appendRecords(
  req: RequestInfo,
  topic: Topic,
  index: number,
  records: Uint8Array | null,
): { result: ProduceResult; written?: Promise<void> } {
  const fail = (error: number, why?: string) => {
    if (why) {
      req.ctx.log(`produce to ${topic.name}-${index} from ${req.session.remote} refused: ${why}`);
    }
    return { result: { index, error, baseOffset: -1, logAppendTime: -1, logStartOffset: -1 } };
  };
  const log = topic.partitions[index];
  if (!log) return fail(ErrorCode.UnknownTopicOrPartition);
  if (records === null || records.length === 0) return fail(ErrorCode.InvalidRecord, "no records");
  if (records.length > topic.maxMessageBytes) {
    return fail(
      ErrorCode.MessageTooLarge,
      `batch of ${records.length} bytes exceeds max.message.bytes ${topic.maxMessageBytes}`,
    );
  }
  let batches: Uint8Array[];
  try {
    batches = splitRecordBatches(records);
  } catch (e) {
    return fail(ErrorCode.CorruptMessage, (e as Error).message);
  }
  if (batches.length !== 1) {
    return fail(ErrorCode.InvalidRecord, `${batches.length} batches in one partition`);
  }
  const batch = batches[0];
  const h = readRecordBatchHeader(batch);
  if (h.magic !== 2) return fail(ErrorCode.CorruptMessage, `magic ${h.magic}`);
  if (!verifyRecordBatchCrc(batch)) return fail(ErrorCode.CorruptMessage, "CRC-32C mismatch");
  const codec = h.attributes & 7;
  if (codec > 4) return fail(ErrorCode.CorruptMessage, `compression ${codec}`);
  if (codec === 4 && req.version < 7) return fail(ErrorCode.UnsupportedCompressionType);
  if (h.attributes & 0x20) return fail(ErrorCode.InvalidRecord, "control batch from a client");
  if (h.recordsCount < 1 || h.lastOffsetDelta !== h.recordsCount - 1) {
    return fail(
      ErrorCode.InvalidRecord,
      `${h.recordsCount} records, last offset delta ${h.lastOffsetDelta}`,
    );
  }
  if (h.producerId >= 0) {
    const check = log.checkSequence(h.producerId, h.producerEpoch, h.baseSequence);
    if (check.kind === "duplicate") {
      return {
        result: {
          index,
          error: 0,
          baseOffset: check.baseOffset,
          logAppendTime: -1,
          logStartOffset: log.logStartOffset,
        },
      };
    }
  }
  let logAppendTime = -1;
  let maxTimestamp = h.maxTimestamp;
  if (topic.logAppendTime) {
    logAppendTime = Date.now();
    maxTimestamp = logAppendTime;
    const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
    view.setInt16(21, h.attributes | 8);
    view.setBigInt64(35, BigInt(logAppendTime));
    view.setUint32(17, crc32c(batch.subarray(21)));
  }
  const appended = log.append(batch, h.lastOffsetDelta, maxTimestamp, {
    id: h.producerId,
    epoch: h.producerEpoch,
    baseSequence: h.baseSequence,
  });
  return {
    result: {
      index,
      error: 0,
      baseOffset: appended.baseOffset,
      logAppendTime,
      logStartOffset: log.logStartOffset,
    },
    written: appended.written,
  };
}

/** Produce v3-v7; answers only after acknowledged batches reached the segment files. */
export const handleProduce: RequestHandler = async (req, r, w) => {
  r.nullableString();
  const acks = r.int16();
  r.int32();
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({ index: r.int32(), records: r.nullableBytes() })),
  }));
  const writes: Promise<void>[] = [];
  const answers = topics.map((t) => {
    const topic = req.ctx.cluster.topics.get(t.name);
    const results = t.partitions.map((p): ProduceResult => {
      const fail = (error: number) => ({
        index: p.index,
        error,
        baseOffset: -1,
        logAppendTime: -1,
        logStartOffset: -1,
      });
      if (acks !== 0 && acks !== 1 && acks !== -1) return fail(ErrorCode.InvalidRequiredAcks);
      if (!canTopic(req, "write", t.name)) return fail(ErrorCode.TopicAuthorizationFailed);
      if (!topic) return fail(ErrorCode.UnknownTopicOrPartition);
      const { result, written } = appendRecords(req, topic, p.index, p.records);
      if (written) writes.push(written);
      return result;
    });
    return { name: t.name, results };
  });
  if (acks === 0) {
    // Errors cannot be reported to an acks=0 producer; Kafka closes the connection instead.
    const failed = answers.some((a) => a.results.some((p) => p.error !== 0));
    if (failed) req.session.closeAfterResponse = "acks=0 produce failed";
    await Promise.all(writes).catch((e) => req.ctx.log(`segment write failed: ${e.message}`));
    return false;
  }
  try {
    await Promise.all(writes);
  } catch (e) {
    req.ctx.log(`segment write failed: ${(e as Error).message}`);
    for (const a of answers) {
      for (const p of a.results) if (p.error === 0) p.error = ErrorCode.UnknownServerError;
    }
  }
  w.array(answers, (w, a) => {
    w.string(a.name);
    w.array(a.results, (w, p) => {
      w.int32(p.index).int16(p.error).int64(p.baseOffset);
      if (req.version >= 2) w.int64(p.logAppendTime);
      if (req.version >= 5) w.int64(p.logStartOffset);
    });
  });
  w.int32(0);
};

interface FetchPartitionRequest {
  partition: number;
  fetchOffset: number;
  maxBytes: number;
}

interface FetchPartitionAnswer {
  partition: number;
  error: number;
  highWatermark: number;
  logStartOffset: number;
  batches: Uint8Array[];
  bytes: number;
}

/** Fetch v4-v11 with long polling (min_bytes, max_wait_ms, woken by appends). */
export const handleFetch: RequestHandler = async (req, r, w) => {
  const v = req.version;
  r.int32();
  const maxWait = Math.max(0, r.int32());
  const minBytes = r.int32();
  const requestedMaxBytes = r.int32();
  const maxBytes = requestedMaxBytes > 0 ? requestedMaxBytes : 0x7fffffff;
  r.int8();
  if (v >= 7) {
    r.int32();
    r.int32();
  }
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r): FetchPartitionRequest => {
      const partition = r.int32();
      if (v >= 9) r.int32();
      const fetchOffset = r.int64Number();
      if (v >= 5) r.int64();
      return { partition, fetchOffset, maxBytes: r.int32() };
    }),
  }));
  if (v >= 7) r.array((r) => (r.string(), r.array((r) => r.int32())));
  if (v >= 11) r.string();

  const { ctx } = req;
  const collect = () => {
    let total = 0;
    let anyError = false;
    const answers = topics.map((t) => {
      const topic = ctx.cluster.topics.get(t.name);
      const allowed = canTopic(req, "read", t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p): FetchPartitionAnswer => {
          const answer = (error: number, hw = -1, start = -1): FetchPartitionAnswer => {
            if (error) anyError = true;
            return {
              partition: p.partition,
              error,
              highWatermark: hw,
              logStartOffset: start,
              batches: [],
              bytes: 0,
            };
          };
          if (!allowed) return answer(ErrorCode.TopicAuthorizationFailed);
          const log = topic?.partitions[p.partition];
          if (!log) return answer(ErrorCode.UnknownTopicOrPartition);
          if (p.fetchOffset > log.highWatermark || p.fetchOffset < log.logStartOffset) {
            return answer(ErrorCode.OffsetOutOfRange, log.highWatermark, log.logStartOffset);
          }
          const limit = Math.min(p.maxBytes, maxBytes - total);
          const read = log.read(p.fetchOffset, limit, total === 0);
          total += read.bytes;
          return { ...answer(0, log.highWatermark, log.logStartOffset), ...read };
        }),
      };
    });
    return { answers, total, anyError };
  };

  let result = collect();
  if (result.total < minBytes && !result.anyError && maxWait > 0 && !ctx.closing.aborted) {
    // Long poll: sleep until an append to a requested partition, the deadline, or shutdown.
    const deadline = Date.now() + maxWait;
    while (result.total < Math.max(minBytes, 1) && !ctx.closing.aborted) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const unsubscribes: (() => void)[] = [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => wake();
      let wake = () => {};
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, remaining);
        ctx.closing.addEventListener("abort", onAbort);
        for (const t of topics) {
          const topic = ctx.cluster.topics.get(t.name);
          for (const p of t.partitions) {
            const log = topic?.partitions[p.partition];
            if (log) unsubscribes.push(log.onAppend(resolve));
          }
        }
      });
      clearTimeout(timer);
      ctx.closing.removeEventListener("abort", onAbort);
      for (const u of unsubscribes) u();
      result = collect();
      if (result.anyError) break;
    }
  }

  w.reserve(
    result.total + 128 + topics.length * 64 +
      topics.reduce((n, t) => n + t.partitions.length * 64, 0),
  );
  if (v >= 1) w.int32(0);
  if (v >= 7) w.int16(0).int32(0);
  w.array(result.answers, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partition).int16(p.error).int64(p.highWatermark);
      if (v >= 4) w.int64(p.highWatermark);
      if (v >= 5) w.int64(p.logStartOffset);
      if (v >= 4) w.int32(0);
      if (v >= 11) w.int32(-1);
      w.int32(p.bytes);
      for (const b of p.batches) w.raw(b);
    });
  });
};

/** ListOffsets v1-v3: earliest (-2), latest (-1) or by timestamp. */
export const handleListOffsets: RequestHandler = (req, r, w) => {
  const v = req.version;
  r.int32();
  if (v >= 2) r.int8();
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => {
      const partition = r.int32();
      if (v >= 4) r.int32();
      const timestamp = r.int64Number();
      if (v === 0) r.int32();
      return { partition, timestamp };
    }),
  }));
  if (v >= 2) w.int32(0);
  w.array(topics, (w, t) => {
    const topic = req.ctx.cluster.topics.get(t.name);
    const allowed = canTopic(req, "describe", t.name);
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      const log = topic?.partitions[p.partition];
      let error: number = ErrorCode.None;
      let found = { offset: -1, timestamp: -1 };
      if (!allowed) error = ErrorCode.TopicAuthorizationFailed;
      else if (!log) error = ErrorCode.UnknownTopicOrPartition;
      else if (p.timestamp === -1) found = { offset: log.highWatermark, timestamp: -1 };
      else if (p.timestamp === -2) found = { offset: log.logStartOffset, timestamp: -1 };
      else found = log.offsetForTimestamp(p.timestamp);
      w.int32(p.partition).int16(error).int64(found.timestamp).int64(found.offset);
    });
  });
};

/** InitProducerId v0-v1 for idempotent (not transactional) producers. */
export const handleInitProducerId: RequestHandler = (req, r, w) => {
  const transactionalId = r.nullableString();
  r.int32();
  w.int32(0);
  if (transactionalId !== null) {
    // Transactions are not implemented; refuse rather than pretend.
    w.int16(ErrorCode.InvalidRequest).int64(-1).int16(-1);
    return;
  }
  w.int16(0).int64(req.ctx.nextProducerId()).int16(0);
};
