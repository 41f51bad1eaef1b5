/**
 * Metadata (api key 3), versions 0-8, for a single-node cluster.
 *
 * @module
 */

import type { ProtocolReader } from "../reader.ts";
import type { ProtocolWriter } from "../writer.ts";

/**
 * A decoded Metadata request.
 *
 * @example
 * ```ts
 * import type { MetadataRequest } from "./metadata.ts";
 * const all: MetadataRequest = { topics: null, allowAutoTopicCreation: false };
 * ```
 */
export interface MetadataRequest {
  /** Topic names, or null for every topic (v0: an empty list also means every topic). */
  topics: string[] | null;
  /** Whether a named unknown topic may be created (always true before v4). */
  allowAutoTopicCreation: boolean;
}

/**
 * Decodes a Metadata request body.
 *
 * @param r reader positioned after the request header
 * @param version request version (0-8)
 * @returns the request
 * @throws {ProtocolDecodeError} for truncated or malformed input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeMetadataRequest } from "./metadata.ts";
 * import { ProtocolReader } from "../reader.ts";
 * const body = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0]);
 * assert.deepStrictEqual(decodeMetadataRequest(new ProtocolReader(body), 4), { topics: null, allowAutoTopicCreation: false });
 * ```
 */
export function decodeMetadataRequest(r: ProtocolReader, version: number): MetadataRequest {
  let topics = version >= 1 ? r.nullableArray((r) => r.string()) : r.array((r) => r.string());
  if (version === 0 && topics !== null && topics.length === 0) topics = null;
  const allowAutoTopicCreation = version >= 4 ? r.bool() : true;
  if (version >= 8) {
    r.bool();
    r.bool();
  }
  return { topics, allowAutoTopicCreation };
}

/**
 * What a Metadata response says about one topic.
 *
 * @example
 * ```ts
 * import type { MetadataTopic } from "./metadata.ts";
 * const t: MetadataTopic = { name: "t", errorCode: 0, partitionCount: 2 };
 * ```
 */
export interface MetadataTopic {
  /** Topic name. */
  name: string;
  /** 0 or a Kafka error code (then no partitions are listed). */
  errorCode: number;
  /** Partitions, all led by this node. */
  partitionCount: number;
}

const NO_AUTHORIZED_OPERATIONS = -2147483648;

/**
 * Encodes a Metadata response for one node that leads every partition and is the controller.
 *
 * @param w writer positioned after the response header
 * @param version request version (0-8)
 * @param cluster node id, advertised address, cluster id and constant leader epoch
 * @param topics topic entries in answer order
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeMetadataResponse } from "./metadata.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeMetadataResponse(w, 6, {
 *   nodeId: 0, host: "127.0.0.1", port: 9092, clusterId: "c", leaderEpoch: 0,
 * }, [{ name: "t", errorCode: 0, partitionCount: 1 }]);
 * const r = new ProtocolReader(w.finish());
 * assert.strictEqual(r.int32(), 0); // throttle time
 * // One broker: node 0 at 127.0.0.1:9092 without a rack.
 * assert.deepStrictEqual(
 *   r.array((r) => [r.int32(), r.string(), r.int32(), r.nullableString()]),
 *   [[0, "127.0.0.1", 9092, null]],
 * );
 * assert.deepStrictEqual([r.string(), r.int32()], ["c", 0]); // cluster id, controller
 * // One topic: no error, named "t", not internal, one partition.
 * assert.deepStrictEqual(
 *   [r.int32(), r.int16(), r.string(), r.bool(), r.int32()],
 *   [1, 0, "t", false, 1],
 * );
 * ```
 */
export function encodeMetadataResponse(
  w: ProtocolWriter,
  version: number,
  cluster: { nodeId: number; host: string; port: number; clusterId: string; leaderEpoch: number },
  topics: MetadataTopic[],
): void {
  const node = cluster.nodeId;
  if (version >= 3) w.int32(0);
  w.int32(1).int32(node).string(cluster.host).int32(cluster.port);
  if (version >= 1) w.string(null);
  if (version >= 2) w.string(cluster.clusterId);
  if (version >= 1) w.int32(node);
  w.array(topics, (w, t) => {
    w.int16(t.errorCode).string(t.name);
    if (version >= 1) w.bool(false);
    const count = t.errorCode === 0 ? t.partitionCount : 0;
    w.int32(count);
    for (let p = 0; p < count; p++) {
      w.int16(0).int32(p).int32(node);
      if (version >= 7) w.int32(cluster.leaderEpoch);
      w.int32(1).int32(node).int32(1).int32(node);
      if (version >= 5) w.int32(0);
    }
    if (version >= 8) w.int32(NO_AUTHORIZED_OPERATIONS);
  });
  if (version >= 8) w.int32(NO_AUTHORIZED_OPERATIONS);
}

/**
 * Encodes a Metadata request body (versions 1-8), as a client sends it: never creates topics.
 *
 * @param w writer positioned after the request header
 * @param version request version (1-8)
 * @param topics topic names, or null for every topic
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeMetadataRequest, encodeMetadataRequest } from "./metadata.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeMetadataRequest(w, 8, ["a", "b"]);
 * assert.deepStrictEqual(decodeMetadataRequest(new ProtocolReader(w.finish()), 8), {
 *   topics: ["a", "b"],
 *   allowAutoTopicCreation: false,
 * });
 * ```
 */
export function encodeMetadataRequest(
  w: ProtocolWriter,
  version: number,
  topics: readonly string[] | null,
): void {
  w.array(topics, (w, t) => w.string(t));
  if (version >= 4) w.bool(false);
  if (version >= 8) w.bool(false).bool(false);
}

/**
 * One partition in a Metadata response, as a client reads it.
 *
 * @example
 * ```ts
 * import type { PartitionMetadata } from "./metadata.ts";
 * const p: PartitionMetadata = { partition: 0, errorCode: 0, leader: 1, leaderEpoch: -1 };
 * ```
 */
export interface PartitionMetadata {
  /** Partition index. */
  partition: number;
  /** 0 or a Kafka error code (LEADER_NOT_AVAILABLE while a leader is elected). */
  errorCode: number;
  /** Node id of the leader, -1 when there is none. */
  leader: number;
  /** The leader's epoch (v7+), -1 when not known. */
  leaderEpoch: number;
}

/**
 * A decoded Metadata response: the brokers by node id and each topic's partitions.
 *
 * @example
 * ```ts
 * import type { MetadataResponse } from "./metadata.ts";
 * const m: MetadataResponse = { brokers: new Map([[0, { host: "h", port: 9092 }]]), topics: [] };
 * ```
 */
export interface MetadataResponse {
  /** Broker addresses by node id. */
  brokers: Map<number, { host: string; port: number }>;
  /** Topics in answer order. */
  topics: { name: string; errorCode: number; partitions: PartitionMetadata[] }[];
}

/**
 * Decodes a Metadata response body (versions 1-8), as a client reads it.
 *
 * @param r reader positioned after the response header
 * @param version request version (1-8)
 * @returns brokers and topics
 * @throws {ProtocolDecodeError} for truncated input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeMetadataResponse, encodeMetadataResponse } from "./metadata.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeMetadataResponse(w, 7, {
 *   nodeId: 3, host: "127.0.0.1", port: 9092, clusterId: "c", leaderEpoch: 5,
 * }, [{ name: "t", errorCode: 0, partitionCount: 1 }]);
 * const m = decodeMetadataResponse(new ProtocolReader(w.finish()), 7);
 * assert.deepStrictEqual(m.brokers.get(3), { host: "127.0.0.1", port: 9092 });
 * assert.deepStrictEqual(m.topics[0].partitions, [
 *   { partition: 0, errorCode: 0, leader: 3, leaderEpoch: 5 },
 * ]);
 * ```
 */
export function decodeMetadataResponse(r: ProtocolReader, version: number): MetadataResponse {
  if (version >= 3) r.int32();
  const brokers = new Map<number, { host: string; port: number }>();
  r.array((r) => {
    const node = r.int32();
    const host = r.string();
    const port = r.int32();
    r.nullableString();
    brokers.set(node, { host, port });
  });
  if (version >= 2) r.nullableString();
  r.int32();
  const ints = (r: ProtocolReader) => r.array((r) => r.int32());
  const topics = r.array((r) => {
    const errorCode = r.int16();
    const name = r.string();
    r.bool();
    const partitions = r.array((r) => {
      const errorCode = r.int16();
      const partition = r.int32();
      const leader = r.int32();
      const leaderEpoch = version >= 7 ? r.int32() : -1;
      ints(r);
      ints(r);
      if (version >= 5) ints(r);
      return { partition, errorCode, leader, leaderEpoch };
    });
    if (version >= 8) r.int32();
    return { name, errorCode, partitions };
  });
  return { brokers, topics };
}
