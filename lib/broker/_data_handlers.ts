/**
 * Metadata, Produce, Fetch, ListOffsets and InitProducerId.
 *
 * @module
 */

import { ErrorCode } from "../protocol/api.ts";
import { crc32c } from "../protocol/crc32c.ts";
import {
  decodeFetchRequest,
  encodeFetchResponse,
  type FetchPartitionResponse,
} from "../protocol/messages/fetch.ts";
import {
  decodeInitProducerIdRequest,
  encodeInitProducerIdResponse,
} from "../protocol/messages/init_producer_id.ts";
import {
  decodeListOffsetsRequest,
  EARLIEST_TIMESTAMP,
  encodeListOffsetsResponse,
  LATEST_TIMESTAMP,
} from "../protocol/messages/list_offsets.ts";
import {
  decodeMetadataRequest,
  encodeMetadataResponse,
  type MetadataTopic,
} from "../protocol/messages/metadata.ts";
import {
  decodeProduceRequest,
  encodeProduceResponse,
  type ProducePartitionResponse,
} from "../protocol/messages/produce.ts";
import {
  readRecordBatchHeader,
  splitRecordBatches,
  verifyRecordBatchCrc,
} from "../protocol/record_batch.ts";
import { type Topic, topicNameProblem } from "./_cluster.ts";
import { canTopic, type RequestHandler, type RequestInfo } from "./_context.ts";
import { LEADER_EPOCH } from "./_partition_log.ts";

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
  const request = decodeMetadataRequest(r, req.version);
  const { ctx } = req;
  const entries: MetadataTopic[] = [];
  if (request.topics === null) {
    for (const topic of [...ctx.cluster.topics.values()].sort((a, b) => a.name < b.name ? -1 : 1)) {
      // Invisible topics are omitted silently: kafkajs fails a whole listing on one topic error.
      if (canTopic(req, "describe", topic.name)) {
        entries.push({ name: topic.name, errorCode: 0, partitionCount: topic.partitions.length });
      }
    }
  } else {
    for (const name of request.topics) {
      const res = await resolveMetadataTopic(req, name, request.allowAutoTopicCreation);
      entries.push(
        typeof res === "number"
          ? { name, errorCode: res, partitionCount: 0 }
          : { name, errorCode: 0, partitionCount: res.partitions.length },
      );
    }
  }
  encodeMetadataResponse(w, req.version, {
    nodeId: ctx.nodeId,
    host: ctx.host,
    port: ctx.port,
    clusterId: ctx.clusterId,
    leaderEpoch: LEADER_EPOCH,
  }, entries);
};

/** Validates and appends one partition's records; returns the answer and the write to await. */
function appendRecords(
  req: RequestInfo,
  topic: Topic,
  index: number,
  records: Uint8Array | null,
): { result: ProducePartitionResponse; written?: Promise<void> } {
  const fail = (error: number, why?: string) => {
    if (why) {
      req.ctx.log(`produce to ${topic.name}-${index} from ${req.session.remote} refused: ${why}`);
    }
    return { result: failedPartition(index, error) };
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
          errorCode: 0,
          baseOffset: check.baseOffset,
          logAppendTimeMs: -1,
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
  const now = req.ctx.clock.now();
  const appended = log.append(batch, h.lastOffsetDelta, maxTimestamp, {
    id: h.producerId,
    epoch: h.producerEpoch,
    baseSequence: h.baseSequence,
  }, now);
  topic.enforceRetention(now, index);
  return {
    result: {
      index,
      errorCode: 0,
      baseOffset: appended.baseOffset,
      logAppendTimeMs: logAppendTime,
      logStartOffset: log.logStartOffset,
    },
    written: appended.written,
  };
}

function failedPartition(index: number, errorCode: number): ProducePartitionResponse {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
}

/** Produce v3-v7; answers only after acknowledged batches reached the segment files. */
export const handleProduce: RequestHandler = async (req, r, w) => {
  const { acks, topics } = decodeProduceRequest(r);
  const writes: Promise<void>[] = [];
  const answers = topics.map((t) => {
    const topic = req.ctx.cluster.topics.get(t.name);
    const partitions = t.partitions.map((p): ProducePartitionResponse => {
      if (acks !== 0 && acks !== 1 && acks !== -1) {
        return failedPartition(p.index, ErrorCode.InvalidRequiredAcks);
      }
      if (!canTopic(req, "write", t.name)) {
        return failedPartition(p.index, ErrorCode.TopicAuthorizationFailed);
      }
      if (!topic) return failedPartition(p.index, ErrorCode.UnknownTopicOrPartition);
      const { result, written } = appendRecords(req, topic, p.index, p.records);
      if (written) writes.push(written);
      return result;
    });
    return { name: t.name, partitions };
  });
  if (acks === 0) {
    // Errors cannot be reported to an acks=0 producer; Kafka closes the connection instead.
    if (answers.some((a) => a.partitions.some((p) => p.errorCode !== 0))) {
      req.session.closeAfterResponse = "acks=0 produce failed";
    }
    await Promise.all(writes).catch((e) => req.ctx.log(`segment write failed: ${e.message}`));
    return false;
  }
  try {
    await Promise.all(writes);
  } catch (e) {
    req.ctx.log(`segment write failed: ${(e as Error).message}`);
    for (const a of answers) {
      for (const p of a.partitions) {
        if (p.errorCode === 0) p.errorCode = ErrorCode.UnknownServerError;
      }
    }
  }
  encodeProduceResponse(w, req.version, answers);
};

/** Fetch v4-v11 with long polling (min_bytes, max_wait_ms, woken by appends). */
export const handleFetch: RequestHandler = async (req, r, w) => {
  const { maxWaitMs, minBytes, maxBytes, topics } = decodeFetchRequest(r, req.version);
  const { ctx } = req;
  const collect = async () => {
    let total = 0;
    let anyError = false;
    const answers: { name: string; partitions: FetchPartitionResponse[] }[] = [];
    for (const t of topics) {
      const topic = ctx.cluster.topics.get(t.name);
      const allowed = canTopic(req, "read", t.name);
      const partitions: FetchPartitionResponse[] = [];
      answers.push({ name: t.name, partitions });
      // One partition after another: each read's size limits the next.
      for (const p of t.partitions) {
        partitions.push(
          await (async (): Promise<FetchPartitionResponse> => {
            const answer = (errorCode: number, hw = -1, start = -1): FetchPartitionResponse => {
              if (errorCode) anyError = true;
              return {
                partition: p.partition,
                errorCode,
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
            const { highWatermark, logStartOffset } = log;
            const read = await log.read(p.fetchOffset, limit, total === 0);
            total += read.bytes;
            return { ...answer(0, highWatermark, logStartOffset), ...read };
          })(),
        );
      }
    }
    return { answers, total, anyError };
  };

  // Long poll: until an append to a requested partition, the deadline, or shutdown. Appends are
  // watched from before each read, so one that lands while the partitions are read still wakes
  // the wait (else the alert would wait out max_wait_ms).
  const mayWait = minBytes > 0 && maxWaitMs > 0;
  const wanted = Math.max(minBytes, 1);
  const deadline = Date.now() + maxWaitMs;
  let result: Awaited<ReturnType<typeof collect>>;
  for (;;) {
    let appended = false;
    let wake = () => {};
    const unsubscribes: (() => void)[] = [];
    if (mayWait) {
      const onAppend = () => {
        appended = true;
        wake();
      };
      for (const t of topics) {
        const topic = ctx.cluster.topics.get(t.name);
        for (const p of t.partitions) {
          const log = topic?.partitions[p.partition];
          if (log) unsubscribes.push(log.onAppend(onAppend));
        }
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => wake();
    try {
      result = await collect();
      if (!mayWait || result.total >= wanted || result.anyError || ctx.closing.aborted) break;
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      if (appended) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, remaining);
        ctx.closing.addEventListener("abort", onAbort);
      });
    } finally {
      clearTimeout(timer);
      ctx.closing.removeEventListener("abort", onAbort);
      for (const unsubscribe of unsubscribes) unsubscribe();
    }
  }
  encodeFetchResponse(w, req.version, result.answers);
};

/** ListOffsets v1-v3: earliest (-2), latest (-1) or by timestamp. */
export const handleListOffsets: RequestHandler = async (req, r, w) => {
  const topics = await Promise.all(
    decodeListOffsetsRequest(r, req.version).map(async (t) => {
      const topic = req.ctx.cluster.topics.get(t.name);
      const allowed = canTopic(req, "describe", t.name);
      return {
        name: t.name,
        partitions: await Promise.all(t.partitions.map(async (p) => {
          const log = topic?.partitions[p.partition];
          let errorCode: number = ErrorCode.None;
          let found = { offset: -1, timestamp: -1 };
          if (!allowed) errorCode = ErrorCode.TopicAuthorizationFailed;
          else if (!log) errorCode = ErrorCode.UnknownTopicOrPartition;
          else if (p.timestamp === LATEST_TIMESTAMP) {
            found = { offset: log.highWatermark, timestamp: -1 };
          } else if (p.timestamp === EARLIEST_TIMESTAMP) {
            found = { offset: log.logStartOffset, timestamp: -1 };
          } else found = await log.offsetForTimestamp(p.timestamp);
          return { partition: p.partition, errorCode, ...found };
        })),
      };
    }),
  );
  encodeListOffsetsResponse(w, req.version, topics);
};

/** InitProducerId v0-v1 for idempotent (not transactional) producers. */
export const handleInitProducerId: RequestHandler = (req, r, w) => {
  const { transactionalId } = decodeInitProducerIdRequest(r);
  // Transactions are not implemented; refuse rather than pretend.
  encodeInitProducerIdResponse(
    w,
    transactionalId === null
      ? { errorCode: 0, producerId: req.ctx.nextProducerId(), producerEpoch: 0 }
      : { errorCode: ErrorCode.InvalidRequest, producerId: -1, producerEpoch: -1 },
  );
};
