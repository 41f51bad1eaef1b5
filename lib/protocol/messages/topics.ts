/**
 * Topic administration: CreateTopics (api key 19) v0-v4, DeleteTopics (20) v0-v3 and
 * DescribeConfigs (32) v0-v2.
 *
 * @module
 */

import type { ProtocolReader } from "../reader.ts";
import type { ProtocolWriter } from "../writer.ts";

/**
 * One topic of a CreateTopics request. -1 partitions or replication mean the broker default.
 *
 * @example
 * ```ts
 * import type { CreatableTopic } from "./topics.ts";
 * const t: CreatableTopic = {
 *   name: "t", partitions: -1, replicationFactor: -1, assignments: [], configs: [],
 * };
 * ```
 */
export interface CreatableTopic {
  /** Topic name. */
  name: string;
  /** Partition count or -1. */
  partitions: number;
  /** Replication factor or -1. */
  replicationFactor: number;
  /** Manual replica assignment; its length sets the partition count. */
  assignments: { partition: number; brokers: number[] }[];
  /** Config overrides. */
  configs: { name: string; value: string | null }[];
}

/**
 * Decodes a CreateTopics request body.
 *
 * @param r reader positioned after the request header
 * @param version request version (0-4)
 * @returns the topics and whether to validate only
 * @throws {ProtocolDecodeError} for truncated or malformed input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeCreateTopicsRequest } from "./topics.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter().array([], () => {}).int32(1000).bool(true);
 * assert.strictEqual(decodeCreateTopicsRequest(new ProtocolReader(w.finish()), 1).validateOnly, true);
 * ```
 */
export function decodeCreateTopicsRequest(
  r: ProtocolReader,
  version: number,
): { topics: CreatableTopic[]; timeoutMs: number; validateOnly: boolean } {
  const topics = r.array((r): CreatableTopic => ({
    name: r.string(),
    partitions: r.int32(),
    replicationFactor: r.int16(),
    assignments: r.array((r) => ({ partition: r.int32(), brokers: r.array((r) => r.int32()) })),
    configs: r.array((r) => ({ name: r.string(), value: r.nullableString() })),
  }));
  const timeoutMs = r.int32();
  return { topics, timeoutMs, validateOnly: version >= 1 ? r.bool() : false };
}

/**
 * Encodes a CreateTopics response.
 *
 * @param w writer positioned after the response header
 * @param version request version (0-4)
 * @param topics outcome per topic (messages from v1)
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeCreateTopicsResponse } from "./topics.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeCreateTopicsResponse(w, 4, [
 *   { name: "t", errorCode: 36, errorMessage: "Topic 't' already exists." },
 * ]);
 * const r = new ProtocolReader(w.finish());
 * assert.strictEqual(r.int32(), 0); // throttle time
 * assert.deepStrictEqual(
 *   r.array((r) => [r.string(), r.int16(), r.nullableString()]),
 *   [["t", 36, "Topic 't' already exists."]],
 * );
 * ```
 */
export function encodeCreateTopicsResponse(
  w: ProtocolWriter,
  version: number,
  topics: { name: string; errorCode: number; errorMessage: string | null }[],
): void {
  if (version >= 2) w.int32(0);
  w.array(topics, (w, t) => {
    w.string(t.name).int16(t.errorCode);
    if (version >= 1) w.string(t.errorMessage);
  });
}

/**
 * Decodes a DeleteTopics request body (v0-v3 share one layout).
 *
 * @param r reader positioned after the request header
 * @returns the topic names and timeout
 * @throws {ProtocolDecodeError} for truncated input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeDeleteTopicsRequest } from "./topics.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const body = new ProtocolWriter().array(["t"], (w, t) => w.string(t)).int32(1000).finish();
 * assert.deepStrictEqual(decodeDeleteTopicsRequest(new ProtocolReader(body)).names, ["t"]);
 * ```
 */
export function decodeDeleteTopicsRequest(
  r: ProtocolReader,
): { names: string[]; timeoutMs: number } {
  return { names: r.array((r) => r.string()), timeoutMs: r.int32() };
}

/**
 * Encodes a DeleteTopics response.
 *
 * @param w writer positioned after the response header
 * @param version request version (0-3)
 * @param topics error code per topic
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeDeleteTopicsResponse } from "./topics.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeDeleteTopicsResponse(w, 1, [{ name: "t", errorCode: 3 }]); // UNKNOWN_TOPIC_OR_PARTITION
 * const r = new ProtocolReader(w.finish());
 * assert.strictEqual(r.int32(), 0); // throttle time
 * assert.deepStrictEqual(r.array((r) => [r.string(), r.int16()]), [["t", 3]]);
 * ```
 */
export function encodeDeleteTopicsResponse(
  w: ProtocolWriter,
  version: number,
  topics: { name: string; errorCode: number }[],
): void {
  if (version >= 1) w.int32(0);
  w.array(topics, (w, t) => w.string(t.name).int16(t.errorCode));
}

/** DescribeConfigs resource type of a topic. */
export const RESOURCE_TOPIC = 2;
/** DescribeConfigs resource type of a broker (named by its node id). */
export const RESOURCE_BROKER = 4;
/** Config source: set on the topic. */
export const SOURCE_TOPIC = 1;
/** Config source: a static broker setting. */
export const SOURCE_STATIC_BROKER = 4;
/** Config source: the built-in default. */
export const SOURCE_DEFAULT = 5;

/**
 * Decodes a DescribeConfigs request body.
 *
 * @param r reader positioned after the request header
 * @param version request version (0-2)
 * @returns the resources with the config names asked for (null = all)
 * @throws {ProtocolDecodeError} for truncated or malformed input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeDescribeConfigsRequest } from "./topics.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * w.array([0], (w) => w.int8(2).string("t").array(null, () => {}));
 * assert.strictEqual(decodeDescribeConfigsRequest(new ProtocolReader(w.finish()), 0)[0].keys, null);
 * ```
 */
export function decodeDescribeConfigsRequest(
  r: ProtocolReader,
  version: number,
): { type: number; name: string; keys: string[] | null }[] {
  const resources = r.array((r) => ({
    type: r.int8(),
    name: r.string(),
    keys: r.nullableArray((r) => r.string()),
  }));
  if (version >= 1) r.bool();
  return resources;
}

/**
 * One resource of a DescribeConfigs response.
 *
 * @example
 * ```ts
 * import type { DescribedConfigs } from "./topics.ts";
 * const d: DescribedConfigs = {
 *   errorCode: 0, errorMessage: null, type: 2, name: "t",
 *   entries: [{ name: "max.message.bytes", value: "1048588", source: 5 }],
 * };
 * ```
 */
export interface DescribedConfigs {
  /** 0 or a Kafka error code. */
  errorCode: number;
  /** Why the resource could not be described. */
  errorMessage: string | null;
  /** Resource type (2 topic, 4 broker). */
  type: number;
  /** Resource name. */
  name: string;
  /** Config entries with their source. */
  entries: { name: string; value: string; source: number }[];
}

/**
 * Encodes a DescribeConfigs response: v0 reports `is_default`, v1+ the config source and an
 * (empty) synonym list.
 *
 * @param w writer positioned after the response header
 * @param version request version (0-2)
 * @param resources one entry per requested resource
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeDescribeConfigsResponse } from "./topics.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeDescribeConfigsResponse(w, 1, []);
 * assert.deepStrictEqual(w.finish(), new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0])); // throttle, none
 * ```
 */
export function encodeDescribeConfigsResponse(
  w: ProtocolWriter,
  version: number,
  resources: DescribedConfigs[],
): void {
  w.int32(0);
  w.array(resources, (w, res) => {
    w.int16(res.errorCode).string(res.errorMessage).int8(res.type).string(res.name);
    w.array(res.entries, (w, e) => {
      w.string(e.name).string(e.value).bool(false);
      if (version === 0) w.bool(e.source === SOURCE_DEFAULT);
      else w.int8(e.source);
      w.bool(false);
      if (version >= 1) w.int32(0);
    });
  });
}
