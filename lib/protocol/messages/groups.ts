/**
 * The classic consumer-group APIs: FindCoordinator (10) v0-v2, JoinGroup (11) v0-v5, Heartbeat
 * (12) v0-v3, LeaveGroup (13) v0-v3, SyncGroup (14) v0-v3, DescribeGroups (15) v0-v2 and
 * ListGroups (16) v0-v2. Member metadata and assignments are opaque bytes (copied out of the
 * request frame, since groups keep them).
 *
 * @module
 */

import type { ProtocolReader } from "../reader.ts";
import type { ProtocolWriter } from "../writer.ts";

/**
 * Decodes a FindCoordinator request body.
 *
 * @param r reader positioned after the request header
 * @param version request version (0-2)
 * @returns the key (group id) and key type (0 group, 1 transaction)
 * @throws {ProtocolDecodeError} for truncated input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeFindCoordinatorRequest } from "./groups.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const body = new ProtocolWriter().string("g").int8(0).finish();
 * assert.deepStrictEqual(decodeFindCoordinatorRequest(new ProtocolReader(body), 1), { key: "g", keyType: 0 });
 * ```
 */
export function decodeFindCoordinatorRequest(
  r: ProtocolReader,
  version: number,
): { key: string; keyType: number } {
  return { key: r.string(), keyType: version >= 1 ? r.int8() : 0 };
}

/**
 * Encodes a FindCoordinator response.
 *
 * @param w writer positioned after the response header
 * @param version request version (0-2)
 * @param answer error, optional message and the coordinator's address
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeFindCoordinatorResponse } from "./groups.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeFindCoordinatorResponse(w, 2, {
 *   errorCode: 0, errorMessage: null, nodeId: 0, host: "127.0.0.1", port: 9092,
 * });
 * const r = new ProtocolReader(w.finish());
 * assert.deepStrictEqual(
 *   [r.int32(), r.int16(), r.nullableString(), r.int32(), r.string(), r.int32()],
 *   [0, 0, null, 0, "127.0.0.1", 9092],
 * );
 * ```
 */
export function encodeFindCoordinatorResponse(
  w: ProtocolWriter,
  version: number,
  answer: {
    errorCode: number;
    errorMessage: string | null;
    nodeId: number;
    host: string;
    port: number;
  },
): void {
  if (version >= 1) w.int32(0);
  w.int16(answer.errorCode);
  if (version >= 1) w.string(answer.errorMessage);
  w.int32(answer.nodeId).string(answer.host).int32(answer.port);
}

/**
 * A decoded JoinGroup request.
 *
 * @example
 * ```ts
 * import type { JoinGroupRequestBody } from "./groups.ts";
 * const r: JoinGroupRequestBody = {
 *   groupId: "g", sessionTimeoutMs: 6000, rebalanceTimeoutMs: 6000, memberId: "",
 *   groupInstanceId: null, protocolType: "consumer", protocols: [],
 * };
 * ```
 */
export interface JoinGroupRequestBody {
  /** Group to join. */
  groupId: string;
  /** Member is dropped when silent this long. */
  sessionTimeoutMs: number;
  /** Longest wait for a rebalance (v0: the session timeout). */
  rebalanceTimeoutMs: number;
  /** "" on the first join. */
  memberId: string;
  /** Static membership id (v5+), null for dynamic members. */
  groupInstanceId: string | null;
  /** "consumer" for both clients in scope. */
  protocolType: string;
  /** Assignors in preference order with their metadata. */
  protocols: { name: string; metadata: Uint8Array }[];
}

/**
 * Decodes a JoinGroup request body.
 *
 * @param r reader positioned after the request header
 * @param version request version (0-5)
 * @returns the request
 * @throws {ProtocolDecodeError} for truncated or malformed input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeJoinGroupRequest } from "./groups.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter().string("g").int32(6000).string("").string("consumer");
 * w.array([], () => {});
 * assert.strictEqual(decodeJoinGroupRequest(new ProtocolReader(w.finish()), 0).rebalanceTimeoutMs, 6000);
 * ```
 */
export function decodeJoinGroupRequest(r: ProtocolReader, version: number): JoinGroupRequestBody {
  const groupId = r.string();
  const sessionTimeoutMs = r.int32();
  const rebalanceTimeoutMs = version >= 1 ? r.int32() : sessionTimeoutMs;
  const memberId = r.string();
  const groupInstanceId = version >= 5 ? r.nullableString() : null;
  const protocolType = r.string();
  const protocols = r.array((r) => ({ name: r.string(), metadata: r.bytes().slice() }));
  return {
    groupId,
    sessionTimeoutMs,
    rebalanceTimeoutMs,
    memberId,
    groupInstanceId,
    protocolType,
    protocols,
  };
}

/**
 * The answer to a JoinGroup request, as the group coordinator gives it and the codec sends it.
 *
 * @example
 * ```ts
 * import type { JoinGroupResponseBody } from "./groups.ts";
 * const answer: JoinGroupResponseBody = {
 *   errorCode: 0, generationId: 1, protocolName: "range", leader: "a", memberId: "a", members: [],
 * };
 * ```
 */
export interface JoinGroupResponseBody {
  /** Kafka error code, 0 on success. */
  errorCode: number;
  /** The new generation, -1 on error. */
  generationId: number;
  /** The chosen assignment strategy, "" on error. */
  protocolName: string;
  /** Member id of the leader, "" on error. */
  leader: string;
  /** The caller's member id (newly generated with error 79). */
  memberId: string;
  /** Every member's metadata for the chosen protocol; empty for followers. */
  members: { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[];
}

/**
 * Encodes a JoinGroup response.
 *
 * @param w writer positioned after the response header
 * @param version request version (0-5)
 * @param answer the join outcome; members are listed for the leader only
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeJoinGroupResponse } from "./groups.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * // MEMBER_ID_REQUIRED (79): the client joins again with the member id it is given.
 * encodeJoinGroupResponse(w, 5, {
 *   errorCode: 79, generationId: -1, protocolName: "", leader: "", memberId: "m-1", members: [],
 * });
 * const r = new ProtocolReader(w.finish());
 * assert.deepStrictEqual(
 *   [r.int32(), r.int16(), r.int32(), r.string(), r.string(), r.string(), r.int32()],
 *   [0, 79, -1, "", "", "m-1", 0],
 * );
 * ```
 */
export function encodeJoinGroupResponse(
  w: ProtocolWriter,
  version: number,
  answer: JoinGroupResponseBody,
): void {
  if (version >= 2) w.int32(0);
  w.int16(answer.errorCode).int32(answer.generationId).string(answer.protocolName)
    .string(answer.leader).string(answer.memberId);
  w.array(answer.members, (w, m) => {
    w.string(m.memberId);
    if (version >= 5) w.string(m.groupInstanceId);
    w.bytes(m.metadata);
  });
}

/**
 * Decodes a SyncGroup request body.
 *
 * @param r reader positioned after the request header
 * @param version request version (0-3)
 * @returns group, generation, member and (from the leader) every member's assignment
 * @throws {ProtocolDecodeError} for truncated or malformed input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeSyncGroupRequest } from "./groups.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter().string("g").int32(1).string("m").array([], () => {});
 * assert.strictEqual(decodeSyncGroupRequest(new ProtocolReader(w.finish()), 0).generationId, 1);
 * ```
 */
export function decodeSyncGroupRequest(r: ProtocolReader, version: number): {
  groupId: string;
  generationId: number;
  memberId: string;
  assignments: { memberId: string; assignment: Uint8Array }[];
} {
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  if (version >= 3) r.nullableString();
  const assignments = r.array((r) => ({ memberId: r.string(), assignment: r.bytes().slice() }));
  return { groupId, generationId, memberId, assignments };
}

/**
 * Encodes a SyncGroup response (an empty assignment, never null, for members without one).
 *
 * @param w writer positioned after the response header
 * @param version request version (0-3)
 * @param answer error code and this member's assignment
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeSyncGroupResponse } from "./groups.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeSyncGroupResponse(w, 3, { errorCode: 0, assignment: new Uint8Array([1, 2]) });
 * const r = new ProtocolReader(w.finish());
 * assert.deepStrictEqual([r.int32(), r.int16(), r.bytes()], [0, 0, new Uint8Array([1, 2])]);
 * ```
 */
export function encodeSyncGroupResponse(
  w: ProtocolWriter,
  version: number,
  answer: { errorCode: number; assignment: Uint8Array },
): void {
  if (version >= 1) w.int32(0);
  w.int16(answer.errorCode).bytes(answer.assignment);
}

/**
 * Decodes a Heartbeat request body.
 *
 * @param r reader positioned after the request header
 * @param version request version (0-3)
 * @returns group, generation and member
 * @throws {ProtocolDecodeError} for truncated input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeHeartbeatRequest } from "./groups.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const body = new ProtocolWriter().string("g").int32(3).string("m").finish();
 * assert.deepStrictEqual(decodeHeartbeatRequest(new ProtocolReader(body), 0), { groupId: "g", generationId: 3, memberId: "m" });
 * ```
 */
export function decodeHeartbeatRequest(
  r: ProtocolReader,
  version: number,
): { groupId: string; generationId: number; memberId: string } {
  const body = { groupId: r.string(), generationId: r.int32(), memberId: r.string() };
  if (version >= 3) r.nullableString();
  return body;
}

/**
 * Encodes a Heartbeat response.
 *
 * @param w writer positioned after the response header
 * @param version request version (0-3)
 * @param errorCode 0, or e.g. 27 REBALANCE_IN_PROGRESS
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeHeartbeatResponse } from "./groups.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const v0 = new ProtocolWriter();
 * encodeHeartbeatResponse(v0, 0, 27); // REBALANCE_IN_PROGRESS
 * assert.deepStrictEqual(v0.finish(), new Uint8Array([0, 27]));
 * const v3 = new ProtocolWriter();
 * encodeHeartbeatResponse(v3, 3, 27); // with a throttle time first
 * assert.deepStrictEqual(v3.finish(), new Uint8Array([0, 0, 0, 0, 0, 27]));
 * ```
 */
export function encodeHeartbeatResponse(
  w: ProtocolWriter,
  version: number,
  errorCode: number,
): void {
  if (version >= 1) w.int32(0);
  w.int16(errorCode);
}

/**
 * Decodes a LeaveGroup request body (v0-v2 name one member, v3 a list).
 *
 * @param r reader positioned after the request header
 * @param version request version (0-3)
 * @returns the group and the leaving members
 * @throws {ProtocolDecodeError} for truncated input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeLeaveGroupRequest } from "./groups.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const body = new ProtocolWriter().string("g").string("m").finish();
 * assert.strictEqual(decodeLeaveGroupRequest(new ProtocolReader(body), 1).members[0].memberId, "m");
 * ```
 */
export function decodeLeaveGroupRequest(r: ProtocolReader, version: number): {
  groupId: string;
  members: { memberId: string; groupInstanceId: string | null }[];
} {
  const groupId = r.string();
  const members = version >= 3
    ? r.array((r) => ({ memberId: r.string(), groupInstanceId: r.nullableString() }))
    : [{ memberId: r.string(), groupInstanceId: null }];
  return { groupId, members };
}

/**
 * Encodes a LeaveGroup response; v0-v2 carry one error code, v3 adds one per member.
 *
 * @param w writer positioned after the response header
 * @param version request version (0-3)
 * @param answer group-level error and per-member errors
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeLeaveGroupResponse } from "./groups.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeLeaveGroupResponse(w, 3, {
 *   errorCode: 0, members: [{ memberId: "m", groupInstanceId: null, errorCode: 0 }],
 * });
 * const r = new ProtocolReader(w.finish());
 * assert.deepStrictEqual([r.int32(), r.int16()], [0, 0]);
 * assert.deepStrictEqual(
 *   r.array((r) => [r.string(), r.nullableString(), r.int16()]),
 *   [["m", null, 0]],
 * );
 * ```
 */
export function encodeLeaveGroupResponse(
  w: ProtocolWriter,
  version: number,
  answer: {
    errorCode: number;
    members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
  },
): void {
  if (version >= 1) w.int32(0);
  if (version < 3) {
    w.int16(answer.errorCode || (answer.members[0]?.errorCode ?? 0));
    return;
  }
  w.int16(answer.errorCode);
  w.array(
    answer.members,
    (w, m) => w.string(m.memberId).string(m.groupInstanceId).int16(m.errorCode),
  );
}

/**
 * Decodes a DescribeGroups request body.
 *
 * @param r reader positioned after the request header
 * @returns the group ids
 * @throws {ProtocolDecodeError} for truncated input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeDescribeGroupsRequest } from "./groups.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const body = new ProtocolWriter().array(["g"], (w, g) => w.string(g)).finish();
 * assert.deepStrictEqual(decodeDescribeGroupsRequest(new ProtocolReader(body)), ["g"]);
 * ```
 */
export function decodeDescribeGroupsRequest(r: ProtocolReader): string[] {
  return r.array((r) => r.string());
}

/**
 * One group in a DescribeGroups response.
 *
 * @example
 * ```ts
 * import type { DescribedGroup } from "./groups.ts";
 * const dead: DescribedGroup = {
 *   errorCode: 0, groupId: "g", state: "Dead", protocolType: "", protocol: "", members: [],
 * };
 * ```
 */
export interface DescribedGroup {
  /** 0 or a Kafka error code. */
  errorCode: number;
  /** Group id. */
  groupId: string;
  /** Kafka state name (Empty, PreparingRebalance, CompletingRebalance, Stable, Dead). */
  state: string;
  /** "consumer" or "". */
  protocolType: string;
  /** Chosen assignor. */
  protocol: string;
  /** Members with their metadata and assignment. */
  members: {
    memberId: string;
    clientId: string;
    clientHost: string;
    metadata: Uint8Array;
    assignment: Uint8Array;
  }[];
}

/**
 * Encodes a DescribeGroups response.
 *
 * @param w writer positioned after the response header
 * @param version request version (0-2)
 * @param groups one entry per requested group
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeDescribeGroupsResponse } from "./groups.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeDescribeGroupsResponse(w, 2, []);
 * assert.deepStrictEqual(w.finish(), new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0])); // throttle, no groups
 * ```
 */
export function encodeDescribeGroupsResponse(
  w: ProtocolWriter,
  version: number,
  groups: DescribedGroup[],
): void {
  if (version >= 1) w.int32(0);
  w.array(groups, (w, g) => {
    w.int16(g.errorCode).string(g.groupId).string(g.state).string(g.protocolType)
      .string(g.protocol);
    w.array(g.members, (w, m) => {
      w.string(m.memberId).string(m.clientId).string(m.clientHost).bytes(m.metadata)
        .bytes(m.assignment);
    });
  });
}

/**
 * Encodes a ListGroups response (the request body is empty).
 *
 * @param w writer positioned after the response header
 * @param version request version (0-2)
 * @param groups visible groups with their protocol type
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeListGroupsResponse } from "./groups.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeListGroupsResponse(w, 2, [{ groupId: "g", protocolType: "consumer" }]);
 * const r = new ProtocolReader(w.finish());
 * assert.deepStrictEqual([r.int32(), r.int16()], [0, 0]);
 * assert.deepStrictEqual(r.array((r) => [r.string(), r.string()]), [["g", "consumer"]]);
 * ```
 */
export function encodeListGroupsResponse(
  w: ProtocolWriter,
  version: number,
  groups: { groupId: string; protocolType: string }[],
): void {
  if (version >= 1) w.int32(0);
  w.int16(0);
  w.array(groups, (w, g) => w.string(g.groupId).string(g.protocolType));
}
