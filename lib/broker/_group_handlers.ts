/**
 * FindCoordinator, the classic group protocol and committed offsets, wired to the
 * GroupCoordinator after the ACL checks Kafka performs.
 *
 * @module
 */

import { ErrorCode } from "../protocol/api.ts";
import { canGroup, canTopic, type RequestHandler } from "./_context.ts";

/** FindCoordinator v0-v2: this broker coordinates every group. */
export const handleFindCoordinator: RequestHandler = (req, r, w) => {
  const v = req.version;
  const key = r.string();
  const keyType = v >= 1 ? r.int8() : 0;
  let error: number = ErrorCode.None;
  let message: string | null = null;
  if (keyType !== 0) {
    error = ErrorCode.CoordinatorNotAvailable;
    message = "transactions are not supported by this broker";
  } else if (!canGroup(req, "describe", key)) {
    error = ErrorCode.GroupAuthorizationFailed;
  }
  if (v >= 1) w.int32(0);
  w.int16(error);
  if (v >= 1) w.string(message);
  if (error) w.int32(-1).string("").int32(-1);
  else w.int32(req.ctx.nodeId).string(req.ctx.host).int32(req.ctx.port);
};

/** JoinGroup v0-v5; held until the group's rebalance completes. */
export const handleJoinGroup: RequestHandler = async (req, r, w) => {
  const v = req.version;
  const groupId = r.string();
  const sessionTimeoutMs = r.int32();
  const rebalanceTimeoutMs = v >= 1 ? r.int32() : sessionTimeoutMs;
  const memberId = r.string();
  const groupInstanceId = v >= 5 ? r.nullableString() : null;
  const protocolType = r.string();
  const protocols = r.array((r) => ({ name: r.string(), metadata: r.bytes().slice() }));
  const answer = canGroup(req, "read", groupId)
    ? await req.ctx.groups.joinGroup({
      groupId,
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      memberId,
      groupInstanceId,
      protocolType,
      protocols,
      clientId: req.clientId ?? "",
      requireKnownMemberId: v >= 4,
    })
    : {
      errorCode: ErrorCode.GroupAuthorizationFailed,
      generationId: -1,
      protocolName: "",
      leader: "",
      memberId,
      members: [],
    };
  if (v >= 2) w.int32(0);
  w.int16(answer.errorCode).int32(answer.generationId).string(answer.protocolName ?? "")
    .string(answer.leader).string(answer.memberId);
  w.array(answer.members, (w, m) => {
    w.string(m.memberId);
    if (v >= 5) w.string(m.groupInstanceId);
    w.bytes(m.metadata);
  });
};

/** SyncGroup v0-v3; followers wait for the leader's assignments. */
export const handleSyncGroup: RequestHandler = async (req, r, w) => {
  const v = req.version;
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  if (v >= 3) r.nullableString();
  const assignments = r.array((r) => ({ memberId: r.string(), assignment: r.bytes().slice() }));
  const answer = canGroup(req, "read", groupId)
    ? await req.ctx.groups.syncGroup({ groupId, generationId, memberId, assignments })
    : { errorCode: ErrorCode.GroupAuthorizationFailed, assignment: new Uint8Array(0) };
  if (v >= 1) w.int32(0);
  w.int16(answer.errorCode).bytes(answer.assignment ?? new Uint8Array(0));
};

/** Heartbeat v0-v3. */
export const handleHeartbeat: RequestHandler = (req, r, w) => {
  const v = req.version;
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  if (v >= 3) r.nullableString();
  const error = canGroup(req, "read", groupId)
    ? req.ctx.groups.heartbeat({ groupId, generationId, memberId })
    : ErrorCode.GroupAuthorizationFailed;
  if (v >= 1) w.int32(0);
  w.int16(error);
};

/** LeaveGroup v0-v3 (v3 carries a member list). */
export const handleLeaveGroup: RequestHandler = (req, r, w) => {
  const v = req.version;
  const groupId = r.string();
  const members = v >= 3
    ? r.array((r) => ({ memberId: r.string(), groupInstanceId: r.nullableString() }))
    : [{ memberId: r.string(), groupInstanceId: null }];
  const allowed = canGroup(req, "read", groupId);
  const answer = allowed ? req.ctx.groups.leaveGroup(groupId, members.map((m) => m.memberId)) : {
    errorCode: ErrorCode.GroupAuthorizationFailed,
    members: members.map((m) => ({
      memberId: m.memberId,
      errorCode: ErrorCode.GroupAuthorizationFailed,
    })),
  };
  if (v >= 1) w.int32(0);
  if (v < 3) {
    w.int16(answer.errorCode || (answer.members[0]?.errorCode ?? 0));
    return;
  }
  w.int16(answer.errorCode);
  w.array(members, (w, m) => {
    const found = answer.members.find((x) => x.memberId === m.memberId);
    w.string(m.memberId).string(m.groupInstanceId).int16(found?.errorCode ?? 0);
  });
};

/** OffsetCommit v2-v7, after group and topic ACL checks. */
export const handleOffsetCommit: RequestHandler = async (req, r, w) => {
  const v = req.version;
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  if (v >= 2 && v <= 4) r.int64();
  if (v >= 7) r.nullableString();
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => {
      const partition = r.int32();
      const offset = r.int64();
      if (v >= 6) r.int32();
      return { partition, offset, metadata: r.nullableString() };
    }),
  }));
  const errors = new Map<string, Map<number, number>>();
  const setError = (topic: string, partition: number, code: number) => {
    if (!errors.has(topic)) errors.set(topic, new Map());
    errors.get(topic)!.set(partition, code);
  };
  const groupAllowed = canGroup(req, "read", groupId);
  const accepted: typeof topics = [];
  for (const t of topics) {
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
    const results = await req.ctx.groups.commitOffsets({
      groupId,
      generationId,
      memberId,
      topics: accepted,
    });
    for (const t of results) {
      for (const p of t.partitions) setError(t.name, p.partition, p.errorCode);
    }
  }
  if (v >= 3) w.int32(0);
  w.array(topics, (w, t) => {
    w.string(t.name);
    w.array(
      t.partitions,
      (w, p) => w.int32(p.partition).int16(errors.get(t.name)?.get(p.partition) ?? 0),
    );
  });
};

/** OffsetFetch v1-v5; a null topic list (v2+) means every committed partition. */
export const handleOffsetFetch: RequestHandler = (req, r, w) => {
  const v = req.version;
  const groupId = r.string();
  const requested = v >= 2
    ? r.nullableArray((r) => ({ name: r.string(), partitions: r.array((r) => r.int32()) }))
    : r.array((r) => ({ name: r.string(), partitions: r.array((r) => r.int32()) }));
  const groupAllowed = canGroup(req, "read", groupId);
  type Entry = { partition: number; offset: bigint; metadata: string; errorCode: number };
  let topics: { name: string; partitions: Entry[] }[] = [];
  let groupError = 0;
  if (!groupAllowed) {
    groupError = ErrorCode.GroupAuthorizationFailed;
    topics = (requested ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partition: p,
        offset: -1n,
        metadata: "",
        errorCode: groupError,
      })),
    }));
  } else {
    const allowedRequest = requested?.filter((t) => canTopic(req, "describe", t.name)) ?? null;
    const answer = req.ctx.groups.fetchOffsets(groupId, allowedRequest);
    groupError = answer.errorCode;
    const fetched = new Map(answer.topics.map((t) => [t.name, t.partitions]));
    if (requested === null) {
      topics = answer.topics.filter((t) => canTopic(req, "describe", t.name));
    } else {
      topics = requested.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) =>
          canTopic(req, "describe", t.name)
            ? fetched.get(t.name)?.find((x) => x.partition === p) ??
              { partition: p, offset: -1n, metadata: "", errorCode: 0 }
            : {
              partition: p,
              offset: -1n,
              metadata: "",
              errorCode: ErrorCode.TopicAuthorizationFailed,
            }
        ),
      }));
    }
  }
  if (v >= 3) w.int32(0);
  w.array(topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partition).int64(p.offset);
      if (v >= 5) w.int32(-1);
      w.string(p.metadata ?? "").int16(p.errorCode);
    });
  });
  if (v >= 2) w.int16(groupError);
};

/** DescribeGroups v0-v2. */
export const handleDescribeGroups: RequestHandler = (req, r, w) => {
  const v = req.version;
  const groups = r.array((r) => r.string());
  if (v >= 1) w.int32(0);
  w.array(groups, (w, groupId) => {
    if (!canGroup(req, "describe", groupId)) {
      w.int16(ErrorCode.GroupAuthorizationFailed).string(groupId).string("").string("").string("")
        .int32(0);
      return;
    }
    const g = req.ctx.groups.describeGroup(groupId);
    w.int16(0).string(groupId).string(g.state).string(g.protocolType).string(g.protocol);
    w.array(g.members, (w, m) => {
      w.string(m.memberId).string(m.clientId).string("/127.0.0.1").bytes(m.metadata).bytes(
        m.assignment,
      );
    });
  });
};

/** ListGroups v0-v2, limited to groups the principal may describe. */
export const handleListGroups: RequestHandler = (req, _r, w) => {
  if (req.version >= 1) w.int32(0);
  w.int16(0);
  const groups = req.ctx.groups.listGroups().filter((g) => canGroup(req, "describe", g.groupId));
  w.array(groups, (w, g) => w.string(g.groupId).string(g.protocolType));
};
