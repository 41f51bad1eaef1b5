/**
 * Committed offsets: OffsetCommit (api key 8) v2-v7 and OffsetFetch (api key 9) v1-v5.
 *
 * @module
 */

import type { ProtocolReader } from "../reader.ts";
import type { ProtocolWriter } from "../writer.ts";

/**
 * A decoded OffsetCommit request.
 *
 * @example
 * ```ts
 * import type { OffsetCommitRequest } from "./offsets.ts";
 * const simple: OffsetCommitRequest = { groupId: "g", generationId: -1, memberId: "", topics: [] };
 * ```
 */
export interface OffsetCommitRequest {
  /** Group committing. */
  groupId: string;
  /** -1 for a commit without group membership. */
  generationId: number;
  /** "" for a commit without group membership. */
  memberId: string;
  /** Offsets per topic and partition. */
  topics: {
    name: string;
    partitions: { partition: number; offset: bigint; metadata: string | null }[];
  }[];
}

/**
 * Decodes an OffsetCommit request body.
 *
 * @param r reader positioned after the request header
 * @param version request version (2-7)
 * @returns the request
 * @throws {ProtocolDecodeError} for truncated or malformed input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeOffsetCommitRequest } from "./offsets.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter().string("g").int32(-1).string("").int64(-1).array([], () => {});
 * assert.strictEqual(decodeOffsetCommitRequest(new ProtocolReader(w.finish()), 2).groupId, "g");
 * ```
 */
export function decodeOffsetCommitRequest(r: ProtocolReader, version: number): OffsetCommitRequest {
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  if (version >= 2 && version <= 4) r.int64();
  if (version >= 7) r.nullableString();
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => {
      const partition = r.int32();
      const offset = r.int64();
      if (version >= 6) r.int32();
      return { partition, offset, metadata: r.nullableString() };
    }),
  }));
  return { groupId, generationId, memberId, topics };
}

/**
 * Encodes an OffsetCommit response (errors are per partition).
 *
 * @param w writer positioned after the response header
 * @param version request version (2-7)
 * @param topics error code per topic and partition
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeOffsetCommitResponse } from "./offsets.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeOffsetCommitResponse(w, 7, [
 *   { name: "t", partitions: [{ partition: 0, errorCode: 0 }] },
 * ]);
 * const r = new ProtocolReader(w.finish());
 * assert.strictEqual(r.int32(), 0); // throttle time
 * assert.deepStrictEqual(
 *   r.array((r) => [r.string(), r.array((r) => [r.int32(), r.int16()])]),
 *   [["t", [[0, 0]]]],
 * );
 * ```
 */
export function encodeOffsetCommitResponse(
  w: ProtocolWriter,
  version: number,
  topics: { name: string; partitions: { partition: number; errorCode: number }[] }[],
): void {
  if (version >= 3) w.int32(0);
  w.array(topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => w.int32(p.partition).int16(p.errorCode));
  });
}

/**
 * Decodes an OffsetFetch request body.
 *
 * @param r reader positioned after the request header
 * @param version request version (1-5)
 * @returns the group and the partitions asked for (null from v2: every committed partition)
 * @throws {ProtocolDecodeError} for truncated or malformed input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeOffsetFetchRequest } from "./offsets.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const body = new ProtocolWriter().string("g").array(null, () => {}).finish();
 * assert.deepStrictEqual(decodeOffsetFetchRequest(new ProtocolReader(body), 5), { groupId: "g", topics: null });
 * ```
 */
export function decodeOffsetFetchRequest(r: ProtocolReader, version: number): {
  groupId: string;
  topics: { name: string; partitions: number[] }[] | null;
} {
  const groupId = r.string();
  const element = (r: ProtocolReader) => ({
    name: r.string(),
    partitions: r.array((r) => r.int32()),
  });
  const topics = version >= 2 ? r.nullableArray(element) : r.array(element);
  return { groupId, topics };
}

/**
 * One partition of an OffsetFetch response (offset -1 when nothing is committed).
 *
 * @example
 * ```ts
 * import type { FetchedOffset } from "./offsets.ts";
 * const none: FetchedOffset = { partition: 0, offset: -1n, metadata: "", errorCode: 0 };
 * ```
 */
export interface FetchedOffset {
  /** Partition index. */
  partition: number;
  /** Committed offset, -1 when none. */
  offset: bigint;
  /** Metadata stored with the commit. */
  metadata: string;
  /** 0 or a Kafka error code. */
  errorCode: number;
}

/**
 * Encodes an OffsetFetch response; the group-level error (v2+) is the last field.
 *
 * @param w writer positioned after the response header
 * @param version request version (1-5)
 * @param answer offsets per topic and the group-level error
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeOffsetFetchResponse } from "./offsets.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeOffsetFetchResponse(w, 5, { errorCode: 16, topics: [] }); // NOT_COORDINATOR
 * const r = new ProtocolReader(w.finish());
 * assert.deepStrictEqual([r.int32(), r.int32(), r.int16()], [0, 0, 16]); // throttle, no topics
 * ```
 */
export function encodeOffsetFetchResponse(
  w: ProtocolWriter,
  version: number,
  answer: { errorCode: number; topics: { name: string; partitions: FetchedOffset[] }[] },
): void {
  if (version >= 3) w.int32(0);
  w.array(answer.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partition).int64(p.offset);
      if (version >= 5) w.int32(-1);
      w.string(p.metadata).int16(p.errorCode);
    });
  });
  if (version >= 2) w.int16(answer.errorCode);
}
