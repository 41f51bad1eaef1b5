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
