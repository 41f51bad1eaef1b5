/**
 * FindCoordinator, the classic group protocol and committed offsets, wired to the
 * GroupCoordinator after the ACL checks Kafka performs.
 *
 * @module
 */

import { ErrorCode } from "../protocol/api.ts";
import {
  decodeDescribeGroupsRequest,
  decodeFindCoordinatorRequest,
  decodeHeartbeatRequest,
  decodeJoinGroupRequest,
  decodeLeaveGroupRequest,
  decodeSyncGroupRequest,
  type DescribedGroup,
  encodeDescribeGroupsResponse,
  encodeFindCoordinatorResponse,
  encodeHeartbeatResponse,
  encodeJoinGroupResponse,
  encodeLeaveGroupResponse,
  encodeListGroupsResponse,
  encodeSyncGroupResponse,
} from "../protocol/messages/groups.ts";
import {
  decodeOffsetCommitRequest,
  decodeOffsetFetchRequest,
  encodeOffsetCommitResponse,
  encodeOffsetFetchResponse,
  type FetchedOffset,
} from "../protocol/messages/offsets.ts";
import { canGroup, canTopic, type RequestHandler } from "./_context.ts";

/** FindCoordinator v0-v2: this broker coordinates every group. */
export const handleFindCoordinator: RequestHandler = (req, r, w) => {
  const { key, keyType } = decodeFindCoordinatorRequest(r, req.version);
  const refuse = (errorCode: number, errorMessage: string | null) =>
    encodeFindCoordinatorResponse(w, req.version, {
      errorCode,
      errorMessage,
      nodeId: -1,
      host: "",
      port: -1,
    });
  if (keyType !== 0) {
    return refuse(
      ErrorCode.CoordinatorNotAvailable,
      "transactions are not supported by this broker",
    );
  }
  if (!canGroup(req, "describe", key)) return refuse(ErrorCode.GroupAuthorizationFailed, null);
  encodeFindCoordinatorResponse(w, req.version, {
    errorCode: 0,
    errorMessage: null,
    nodeId: req.ctx.nodeId,
    host: req.ctx.host,
    port: req.ctx.port,
  });
};

/** JoinGroup v0-v5; held until the group's rebalance completes. */
export const handleJoinGroup: RequestHandler = async (req, r, w) => {
  const request = decodeJoinGroupRequest(r, req.version);
  const answer = canGroup(req, "read", request.groupId)
    ? await req.ctx.groups.joinGroup({
      ...request,
      clientId: req.clientId ?? "",
      requireKnownMemberId: req.version >= 4,
    })
    : {
      errorCode: ErrorCode.GroupAuthorizationFailed,
      generationId: -1,
      protocolName: "",
      leader: "",
      memberId: request.memberId,
      members: [],
    };
  encodeJoinGroupResponse(w, req.version, { ...answer, protocolName: answer.protocolName ?? "" });
};

/** SyncGroup v0-v3; followers wait for the leader's assignments. */
export const handleSyncGroup: RequestHandler = async (req, r, w) => {
  const request = decodeSyncGroupRequest(r, req.version);
  const answer = canGroup(req, "read", request.groupId)
    ? await req.ctx.groups.syncGroup(request)
    : { errorCode: ErrorCode.GroupAuthorizationFailed, assignment: new Uint8Array(0) };
  encodeSyncGroupResponse(w, req.version, {
    errorCode: answer.errorCode,
    assignment: answer.assignment ?? new Uint8Array(0),
  });
};

/** Heartbeat v0-v3. */
export const handleHeartbeat: RequestHandler = (req, r, w) => {
  const request = decodeHeartbeatRequest(r, req.version);
  encodeHeartbeatResponse(
    w,
    req.version,
    canGroup(req, "read", request.groupId)
      ? req.ctx.groups.heartbeat(request)
      : ErrorCode.GroupAuthorizationFailed,
  );
};

/** LeaveGroup v0-v3 (v3 carries a member list). */
export const handleLeaveGroup: RequestHandler = (req, r, w) => {
  const { groupId, members } = decodeLeaveGroupRequest(r, req.version);
  const answer = canGroup(req, "read", groupId)
    ? req.ctx.groups.leaveGroup(groupId, members.map((m) => m.memberId))
    : { errorCode: ErrorCode.GroupAuthorizationFailed, members: [] };
  encodeLeaveGroupResponse(w, req.version, {
    errorCode: answer.errorCode,
    members: members.map((m) => ({
      ...m,
      errorCode: answer.members.find((x) => x.memberId === m.memberId)?.errorCode ??
        answer.errorCode,
    })),
  });
};

/** OffsetCommit v2-v7, after group and topic ACL checks. */
export const handleOffsetCommit: RequestHandler = async (req, r, w) => {
  const request = decodeOffsetCommitRequest(r, req.version);
  const errors = new Map<string, Map<number, number>>();
  const setError = (topic: string, partition: number, code: number) => {
    if (!errors.has(topic)) errors.set(topic, new Map());
    errors.get(topic)!.set(partition, code);
  };
  const groupAllowed = canGroup(req, "read", request.groupId);
  const accepted: typeof request.topics = [];
  for (const t of request.topics) {
    const topic = req.ctx.cluster.topics.get(t.name);
    const ok = t.partitions.filter((p) => {
      let code = 0;
      if (!groupAllowed) code = ErrorCode.GroupAuthorizationFailed;
      else if (!canTopic(req, "read", t.name)) code = ErrorCode.TopicAuthorizationFailed;
      else if (!topic || !topic.partitions[p.partition]) code = ErrorCode.UnknownTopicOrPartition;
      if (code) setError(t.name, p.partition, code);
      return code === 0;
    });
    if (ok.length) accepted.push({ name: t.name, partitions: ok });
  }
  if (accepted.length) {
    const results = await req.ctx.groups.commitOffsets({ ...request, topics: accepted });
    for (const t of results) {
      for (const p of t.partitions) setError(t.name, p.partition, p.errorCode);
    }
  }
  encodeOffsetCommitResponse(
    w,
    req.version,
    request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        errorCode: errors.get(t.name)?.get(p.partition) ?? 0,
      })),
    })),
  );
};

/** OffsetFetch v1-v5; a null topic list (v2+) means every committed partition. */
export const handleOffsetFetch: RequestHandler = (req, r, w) => {
  const { groupId, topics: requested } = decodeOffsetFetchRequest(r, req.version);
  const none = (partition: number, errorCode: number): FetchedOffset => ({
    partition,
    offset: -1n,
    metadata: "",
    errorCode,
  });
  if (!canGroup(req, "read", groupId)) {
    const errorCode = ErrorCode.GroupAuthorizationFailed;
    encodeOffsetFetchResponse(w, req.version, {
      errorCode,
      topics: (requested ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => none(p, errorCode)),
      })),
    });
    return;
  }
  const visible = (topic: string) => canTopic(req, "describe", topic);
  const answer = req.ctx.groups.fetchOffsets(
    groupId,
    requested?.filter((t) => visible(t.name)) ?? null,
  );
  const fetched = new Map(answer.topics.map((t) => [t.name, t.partitions]));
  const topics = requested === null
    ? answer.topics.filter((t) => visible(t.name))
    : requested.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) =>
        visible(t.name)
          ? fetched.get(t.name)?.find((x) => x.partition === p) ?? none(p, 0)
          : none(p, ErrorCode.TopicAuthorizationFailed)
      ),
    }));
  encodeOffsetFetchResponse(w, req.version, { errorCode: answer.errorCode, topics });
};

/** DescribeGroups v0-v2. */
export const handleDescribeGroups: RequestHandler = (req, r, w) => {
  const groups = decodeDescribeGroupsRequest(r).map((groupId): DescribedGroup => {
    if (!canGroup(req, "describe", groupId)) {
      return {
        errorCode: ErrorCode.GroupAuthorizationFailed,
        groupId,
        state: "",
        protocolType: "",
        protocol: "",
        members: [],
      };
    }
    const g = req.ctx.groups.describeGroup(groupId);
    return {
      errorCode: 0,
      groupId,
      state: g.state,
      protocolType: g.protocolType,
      protocol: g.protocol,
      members: g.members.map((m) => ({ ...m, clientHost: "/127.0.0.1" })),
    };
  });
  encodeDescribeGroupsResponse(w, req.version, groups);
};

/** ListGroups v0-v2, limited to groups the principal may describe. */
export const handleListGroups: RequestHandler = (req, _r, w) => {
  encodeListGroupsResponse(
    w,
    req.version,
    req.ctx.groups.listGroups().filter((g) => canGroup(req, "describe", g.groupId)),
  );
};
