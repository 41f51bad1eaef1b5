/**
 * Kafka's classic consumer-group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
 * OffsetCommit, OffsetFetch) as a state machine independent of the wire format.
 *
 * @module
 */

import type { JoinGroupRequestBody, JoinGroupResponseBody } from "../protocol/messages/groups.ts";
import type { OffsetCommitRequest } from "../protocol/messages/offsets.ts";
import type { OffsetStore } from "./offset_store.ts";
import { type BrokerClock, type ClockTimer, systemClock } from "./clock.ts";

/** Kafka error codes the coordinator answers with. */
const ErrorCode = {
  none: 0,
  unknownServerError: -1,
  notCoordinator: 16,
  illegalGeneration: 22,
  inconsistentGroupProtocol: 23,
  invalidGroupId: 24,
  unknownMemberId: 25,
  invalidSessionTimeout: 26,
  rebalanceInProgress: 27,
  memberIdRequired: 79,
  fencedInstanceId: 82,
} as const;

/**
 * A consumer group's state, named as Kafka's DescribeGroups reports it.
 *
 * @example
 * ```ts
 * import type { GroupState } from "./group_coordinator.ts";
 * const state: GroupState = "Stable";
 * ```
 */
export type GroupState =
  | "Empty"
  | "PreparingRebalance"
  | "CompletingRebalance"
  | "Stable"
  | "Dead";

/**
 * Settings of a {@linkcode GroupCoordinator}.
 *
 * @example
 * ```ts
 * import type { GroupCoordinatorOptions } from "./group_coordinator.ts";
 * import { OffsetStore } from "./offset_store.ts";
 * const options: GroupCoordinatorOptions = { offsets: await OffsetStore.open() };
 * ```
 */
export interface GroupCoordinatorOptions {
  /** Where committed offsets live; the coordinator does not close it. */
  offsets: OffsetStore;
  /**
   * How long the first rebalance of an Empty group waits for more members, extended (up to the
   * rebalance timeout) while new members keep arriving. Default 100 ms: enough for consumers
   * started together to land in one generation, short enough not to slow tests down.
   */
  initialRebalanceDelayMs?: number;
  /** Smallest session timeout a member may ask for (default 6000, Kafka's). */
  minSessionTimeoutMs?: number;
  /** Largest session timeout a member may ask for (default 1800000, Kafka's). */
  maxSessionTimeoutMs?: number;
  /** Receives one line per membership event (join, rebalance, expiry). Default: discard. */
  logger?: (line: string) => void;
  /**
   * Where every timeout (session, rebalance, initial delay, pending member id) is measured.
   * Default {@linkcode systemClock}; a {@linkcode ManualClock} lets a test expire sessions by
   * advancing it instead of waiting.
   */
  clock?: BrokerClock;
}

/**
 * A decoded JoinGroup request. For JoinGroup v0 (no rebalance timeout on the wire) pass the
 * session timeout as `rebalanceTimeoutMs`, as Kafka does.
 *
 * @example
 * ```ts
 * import type { JoinGroupRequest } from "./group_coordinator.ts";
 * const request: JoinGroupRequest = {
 *   groupId: "g", sessionTimeoutMs: 30000, rebalanceTimeoutMs: 60000, memberId: "",
 *   groupInstanceId: null, protocolType: "consumer",
 *   protocols: [{ name: "range", metadata: new Uint8Array() }],
 *   clientId: "rdkafka", requireKnownMemberId: true,
 * };
 * ```
 */
export interface JoinGroupRequest extends JoinGroupRequestBody {
  /** The request header's client id; prefixes generated member ids. */
  clientId: string;
  /** True for JoinGroup v4+, where a first join is answered with MEMBER_ID_REQUIRED (79). */
  requireKnownMemberId: boolean;
}

/**
 * The answer to a JoinGroup request. Only the leader receives `members`.
 *
 * @example
 * ```ts
 * import type { JoinGroupResult } from "./group_coordinator.ts";
 * const result: JoinGroupResult = {
 *   errorCode: 0, generationId: 1, protocolName: "range", leader: "a", memberId: "a", members: [],
 * };
 * ```
 */
export type JoinGroupResult = JoinGroupResponseBody;

/**
 * A decoded SyncGroup request; only the leader's carries assignments.
 *
 * @example
 * ```ts
 * import type { SyncGroupRequest } from "./group_coordinator.ts";
 * const request: SyncGroupRequest = { groupId: "g", generationId: 1, memberId: "a", assignments: [] };
 * ```
 */
export interface SyncGroupRequest {
  /** The group. */
  groupId: string;
  /** Generation from the JoinGroup answer. */
  generationId: number;
  /** The caller's member id. */
  memberId: string;
  /** The leader's assignment per member; empty for followers. */
  assignments: { memberId: string; assignment: Uint8Array }[];
}

/**
 * The answer to a SyncGroup request: the member's own assignment (empty bytes on error or when the
 * leader gave it nothing).
 *
 * @example
 * ```ts
 * import type { SyncGroupResult } from "./group_coordinator.ts";
 * const result: SyncGroupResult = { errorCode: 0, assignment: new Uint8Array() };
 * ```
 */
export interface SyncGroupResult {
  /** Kafka error code, 0 on success. */
  errorCode: number;
  /** The caller's assignment bytes, never null. */
  assignment: Uint8Array;
}

export type { OffsetCommitRequest };

/**
 * The answer to an OffsetFetch request. Partitions without a commit have offset -1 and metadata "".
 *
 * @example
 * ```ts
 * import type { OffsetFetchResult } from "./group_coordinator.ts";
 * const result: OffsetFetchResult = { errorCode: 0, topics: [] };
 * ```
 */
export interface OffsetFetchResult {
  /** Group-level error code (OffsetFetch v2+). */
  errorCode: number;
  /** Committed offsets per topic and partition. */
  topics: {
    name: string;
    partitions: { partition: number; offset: bigint; metadata: string; errorCode: number }[];
  }[];
}

/**
 * A group as DescribeGroups reports it. Member metadata and assignments are filled only while the
 * group is Stable (as Kafka does); otherwise they are empty bytes.
 *
 * @example
 * ```ts
 * import type { GroupDescription } from "./group_coordinator.ts";
 * const description: GroupDescription = { state: "Dead", protocolType: "", protocol: "", members: [] };
 * ```
 */
export interface GroupDescription {
  /** One of the {@linkcode GroupState} names. */
  state: string;
  /** Protocol type of the members, "" when none ever joined. */
  protocolType: string;
  /** Chosen protocol while Stable, else "". */
  protocol: string;
  /** Current members. */
  members: { memberId: string; clientId: string; metadata: Uint8Array; assignment: Uint8Array }[];
}

interface Member {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Uint8Array }[];
  assignment: Uint8Array;
  /** Set while a JoinGroup is held. */
  join?: (result: JoinGroupResult) => void;
  /** Set while a SyncGroup is held. */
  sync?: (result: SyncGroupResult) => void;
  sessionTimer?: Timer;
  /** Whether the member sent SyncGroup in the current generation. */
  synced: boolean;
}

interface Group {
  readonly id: string;
  state: GroupState;
  generationId: number;
  protocolType: string;
  protocolName: string;
  leaderId: string;
  /** In join order, which decides the leader when the previous one is gone. */
  members: Map<string, Member>;
  /** Ids handed out with MEMBER_ID_REQUIRED, each with its expiry timer. */
  pending: Map<string, Timer>;
  joinTimer?: Timer;
  /** Set while the initial rebalance delay of a formerly Empty group runs. */
  initialDelay?: { remainingMs: number; newMemberAdded: boolean };
  syncTimer?: Timer;
}

type Timer = ClockTimer;

const EMPTY = new Uint8Array(0);

/**
 * Coordinates consumer groups the way Kafka's classic group coordinator does: member ids with
 * MEMBER_ID_REQUIRED, rebalances that hold JoinGroup until every known member rejoined (or the
 * rebalance timeout removed the rest), leader and protocol selection, SyncGroup distribution,
 * heartbeats with session expiry, and offset commits validated against the generation.
 *
 * Methods take decoded requests and return decoded answers; ACL checks happen before them.
 *
 * @example
 * ```ts
 * import { GroupCoordinator } from "./group_coordinator.ts";
 * import { OffsetStore } from "./offset_store.ts";
 * const offsets = await OffsetStore.open();
 * const coordinator = new GroupCoordinator({ offsets, initialRebalanceDelayMs: 0 });
 * const join = await coordinator.joinGroup({
 *   groupId: "g", sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId: "",
 *   groupInstanceId: null, protocolType: "consumer",
 *   protocols: [{ name: "range", metadata: new Uint8Array() }],
 *   clientId: "demo", requireKnownMemberId: false,
 * });
 * await coordinator.syncGroup({
 *   groupId: "g", generationId: join.generationId, memberId: join.memberId,
 *   assignments: [{ memberId: join.memberId, assignment: new Uint8Array([1]) }],
 * });
 * await coordinator.close();
 * await offsets.close();
 * ```
 */
export class GroupCoordinator {
  readonly #offsets: OffsetStore;
  readonly #initialDelayMs: number;
  readonly #minSessionMs: number;
  readonly #maxSessionMs: number;
  readonly #log: (line: string) => void;
  readonly #clock: BrokerClock;
  readonly #groups = new Map<string, Group>();
  #closed = false;

  /**
   * Creates a coordinator with no groups.
   *
   * @param options offsets store, timing limits and logger
   * @example
   * ```ts
   * import { GroupCoordinator } from "./group_coordinator.ts";
   * import { OffsetStore } from "./offset_store.ts";
   * const coordinator = new GroupCoordinator({ offsets: await OffsetStore.open() });
   * await coordinator.close();
   * ```
   */
  constructor(options: GroupCoordinatorOptions) {
    this.#offsets = options.offsets;
    this.#initialDelayMs = options.initialRebalanceDelayMs ?? 100;
    this.#minSessionMs = options.minSessionTimeoutMs ?? 6000;
    this.#maxSessionMs = options.maxSessionTimeoutMs ?? 1800000;
    this.#log = options.logger ?? (() => {});
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Handles JoinGroup. The promise stays pending while the group rebalances; it resolves when the
   * rebalance completes, or with an error code (79 with a fresh member id for a v4+ first join,
   * 23, 24, 25, 26).
   *
   * @param r the decoded request
   * @returns the JoinGroup answer
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GroupCoordinator } from "./group_coordinator.ts";
   * import { OffsetStore } from "./offset_store.ts";
   * const coordinator = new GroupCoordinator({ offsets: await OffsetStore.open() });
   * const first = await coordinator.joinGroup({
   *   groupId: "g", sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId: "",
   *   groupInstanceId: null, protocolType: "consumer",
   *   protocols: [{ name: "range", metadata: new Uint8Array() }],
   *   clientId: "rdkafka", requireKnownMemberId: true,
   * });
   * assert.equal(first.errorCode, 79);
   * assert.match(first.memberId, /^rdkafka-/);
   * await coordinator.close();
   * ```
   */
  joinGroup(r: JoinGroupRequest): Promise<JoinGroupResult> {
    const fail = (errorCode: number, memberId = r.memberId) =>
      Promise.resolve(joinError(errorCode, memberId));
    if (this.#closed) return fail(ErrorCode.notCoordinator);
    if (r.groupId === "") return fail(ErrorCode.invalidGroupId);
    if (r.sessionTimeoutMs < this.#minSessionMs || r.sessionTimeoutMs > this.#maxSessionMs) {
      return fail(ErrorCode.invalidSessionTimeout);
    }
    let group = this.#groups.get(r.groupId);
    if (!group) {
      // A member id for a group this broker never saw belongs to an earlier broker life.
      if (r.memberId !== "") return fail(ErrorCode.unknownMemberId);
      group = this.#createGroup(r.groupId);
    }
    if (!acceptsProtocols(group, r)) return fail(ErrorCode.inconsistentGroupProtocol);

    if (r.memberId === "") {
      const memberId = `${r.clientId}-${crypto.randomUUID()}`;
      if (r.groupInstanceId !== null) this.#fenceInstance(group, r.groupInstanceId);
      else if (r.requireKnownMemberId) {
        this.#addPending(group, memberId, r.sessionTimeoutMs);
        return fail(ErrorCode.memberIdRequired, memberId);
      }
      return this.#addMember(group, memberId, r);
    }
    const pendingTimer = group.pending.get(r.memberId);
    if (pendingTimer !== undefined) {
      this.#clock.clearTimeout(pendingTimer);
      group.pending.delete(r.memberId);
      return this.#addMember(group, r.memberId, r);
    }
    const member = group.members.get(r.memberId);
    if (!member) return fail(ErrorCode.unknownMemberId);
    return this.#rejoin(group, member, r);
  }

  /**
   * Handles SyncGroup. During CompletingRebalance the promise is held until the leader's request
   * brings the assignments; members the leader left out get empty bytes.
   *
   * @param r the decoded request
   * @returns the member's assignment or an error code (22, 25, 27)
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GroupCoordinator } from "./group_coordinator.ts";
   * import { OffsetStore } from "./offset_store.ts";
   * const coordinator = new GroupCoordinator({ offsets: await OffsetStore.open() });
   * const answer = await coordinator.syncGroup({
   *   groupId: "g", generationId: 1, memberId: "nobody", assignments: [],
   * });
   * assert.equal(answer.errorCode, 25);
   * await coordinator.close();
   * ```
   */
  syncGroup(r: SyncGroupRequest): Promise<SyncGroupResult> {
    const fail = (errorCode: number) => Promise.resolve({ errorCode, assignment: EMPTY });
    if (this.#closed) return fail(ErrorCode.notCoordinator);
    const group = this.#groups.get(r.groupId);
    const member = group?.members.get(r.memberId);
    if (!group || !member) return fail(ErrorCode.unknownMemberId);
    if (r.generationId !== group.generationId) return fail(ErrorCode.illegalGeneration);
    switch (group.state) {
      case "PreparingRebalance":
        return fail(ErrorCode.rebalanceInProgress);
      case "Stable":
        member.synced = true;
        this.#scheduleSession(group, member);
        return Promise.resolve({ errorCode: ErrorCode.none, assignment: member.assignment });
      case "CompletingRebalance":
        break;
      default:
        return fail(ErrorCode.unknownMemberId);
    }
    return new Promise((resolve) => {
      // A repeated SyncGroup supersedes the first; the earlier caller must rejoin.
      member.sync?.({ errorCode: ErrorCode.rebalanceInProgress, assignment: EMPTY });
      member.sync = resolve;
      member.synced = true;
      this.#stopSession(member);
      if (member.memberId === group.leaderId) this.#distribute(group, r.assignments);
    });
  }

  /**
   * Handles Heartbeat and refreshes the member's session timer.
   *
   * @param r the decoded request
   * @returns 0, or 22, 25, 27 as Kafka answers them
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GroupCoordinator } from "./group_coordinator.ts";
   * import { OffsetStore } from "./offset_store.ts";
   * const coordinator = new GroupCoordinator({ offsets: await OffsetStore.open() });
   * assert.equal(coordinator.heartbeat({ groupId: "g", generationId: 1, memberId: "x" }), 25);
   * await coordinator.close();
   * ```
   */
  heartbeat(r: { groupId: string; generationId: number; memberId: string }): number {
    if (this.#closed) return ErrorCode.notCoordinator;
    const group = this.#groups.get(r.groupId);
    const member = group?.members.get(r.memberId);
    if (!group || !member || group.state === "Empty") return ErrorCode.unknownMemberId;
    if (r.generationId !== group.generationId) return ErrorCode.illegalGeneration;
    this.#scheduleSession(group, member);
    return group.state === "PreparingRebalance" ? ErrorCode.rebalanceInProgress : ErrorCode.none;
  }

  /**
   * Handles LeaveGroup: removes the members and rebalances the rest (or empties the group).
   *
   * As in Kafka's LeaveGroup v3+, `errorCode` is a group-level error (16 after close, else 0) and
   * unknown members get 25 in `members`; for v0-v2, which have one member and only a top-level
   * code, answer with that member's code.
   *
   * @param groupId the group
   * @param memberIds members leaving (one for v0-v2)
   * @returns the overall and per-member error codes (25 for unknown members)
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GroupCoordinator } from "./group_coordinator.ts";
   * import { OffsetStore } from "./offset_store.ts";
   * const coordinator = new GroupCoordinator({ offsets: await OffsetStore.open() });
   * assert.deepEqual(coordinator.leaveGroup("g", ["x"]), {
   *   errorCode: 0,
   *   members: [{ memberId: "x", errorCode: 25 }],
   * });
   * await coordinator.close();
   * ```
   */
  leaveGroup(
    groupId: string,
    memberIds: string[],
  ): { errorCode: number; members: { memberId: string; errorCode: number }[] } {
    const group = this.#groups.get(groupId);
    let removed = false;
    const members = memberIds.map((memberId) => {
      if (this.#closed) return { memberId, errorCode: ErrorCode.notCoordinator };
      const pendingTimer = group?.pending.get(memberId);
      if (group && pendingTimer !== undefined) {
        this.#clock.clearTimeout(pendingTimer);
        group.pending.delete(memberId);
        return { memberId, errorCode: ErrorCode.none };
      }
      const member = group?.members.get(memberId);
      if (!group || !member) return { memberId, errorCode: ErrorCode.unknownMemberId };
      this.#log(`group ${groupId}: member ${memberId} left`);
      this.#removeMember(group, member, ErrorCode.unknownMemberId);
      removed = true;
      return { memberId, errorCode: ErrorCode.none };
    });
    if (group && removed) this.#membershipChanged(group);
    return { errorCode: this.#closed ? ErrorCode.notCoordinator : ErrorCode.none, members };
  }

  /**
   * Handles OffsetCommit with Kafka's validation: a "simple" commit (generation < 0) is accepted
   * while the group has no members; otherwise the member must exist (25), the generation must
   * match (22) and the group must not be waiting for assignments (27). Accepted offsets are
   * durable when the promise resolves.
   *
   * @param r the decoded request
   * @returns per-partition error codes in request order
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GroupCoordinator } from "./group_coordinator.ts";
   * import { OffsetStore } from "./offset_store.ts";
   * const offsets = await OffsetStore.open();
   * const coordinator = new GroupCoordinator({ offsets });
   * const answer = await coordinator.commitOffsets({
   *   groupId: "g", generationId: -1, memberId: "",
   *   topics: [{ name: "t", partitions: [{ partition: 0, offset: 7n, metadata: null }] }],
   * });
   * assert.equal(answer[0].partitions[0].errorCode, 0);
   * assert.equal(offsets.get("g", "t", 0)?.offset, 7n);
   * await coordinator.close();
   * ```
   */
  async commitOffsets(
    r: OffsetCommitRequest,
  ): Promise<{ name: string; partitions: { partition: number; errorCode: number }[] }[]> {
    const all = (errorCode: number) =>
      r.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map(({ partition }) => ({ partition, errorCode })),
      }));
    const errorCode = this.#validateCommit(r);
    if (errorCode !== ErrorCode.none) return all(errorCode);
    const writes = r.topics.flatMap((topic) =>
      topic.partitions.map((p) =>
        this.#offsets.commit(r.groupId, topic.name, p.partition, p.offset, p.metadata).then(
          () => ErrorCode.none,
          (error) => {
            this.#log(`group ${r.groupId}: cannot store offset for ${topic.name}: ${error}`);
            return ErrorCode.unknownServerError;
          },
        )
      )
    );
    const codes = await Promise.all(writes);
    let index = 0;
    return r.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map(({ partition }) => ({
        partition,
        errorCode: codes[index++],
      })),
    }));
  }

  /**
   * Handles OffsetFetch. `topics` null (v2+) asks for every committed offset of the group.
   * Partitions without a commit answer offset -1 and metadata "".
   *
   * @param groupId the group
   * @param topics the partitions to look up, or null for all committed ones
   * @returns the offsets
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GroupCoordinator } from "./group_coordinator.ts";
   * import { OffsetStore } from "./offset_store.ts";
   * const coordinator = new GroupCoordinator({ offsets: await OffsetStore.open() });
   * const answer = coordinator.fetchOffsets("g", [{ name: "t", partitions: [0] }]);
   * assert.equal(answer.topics[0].partitions[0].offset, -1n);
   * await coordinator.close();
   * ```
   */
  fetchOffsets(
    groupId: string,
    topics: { name: string; partitions: number[] }[] | null,
  ): OffsetFetchResult {
    if (this.#closed) {
      return {
        errorCode: ErrorCode.notCoordinator,
        topics: (topics ?? []).map(({ name, partitions }) => ({
          name,
          partitions: partitions.map((partition) => ({
            partition,
            offset: -1n,
            metadata: "",
            errorCode: ErrorCode.notCoordinator,
          })),
        })),
      };
    }
    if (topics === null) {
      const byTopic = new Map<string, OffsetFetchResult["topics"][number]>();
      for (const c of this.#offsets.committed(groupId)) {
        let topic = byTopic.get(c.topic);
        if (!topic) byTopic.set(c.topic, topic = { name: c.topic, partitions: [] });
        topic.partitions.push({
          partition: c.partition,
          offset: c.offset,
          metadata: c.metadata,
          errorCode: ErrorCode.none,
        });
      }
      return { errorCode: ErrorCode.none, topics: [...byTopic.values()] };
    }
    return {
      errorCode: ErrorCode.none,
      topics: topics.map(({ name, partitions }) => ({
        name,
        partitions: partitions.map((partition) => {
          const committed = this.#offsets.get(groupId, name, partition);
          return {
            partition,
            offset: committed?.offset ?? -1n,
            metadata: committed?.metadata ?? "",
            errorCode: ErrorCode.none,
          };
        }),
      })),
    };
  }

  /**
   * Lists known groups: those with members (or that had some) and those with committed offsets.
   *
   * @returns group ids with their protocol type ("" for groups that only commit offsets)
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GroupCoordinator } from "./group_coordinator.ts";
   * import { OffsetStore } from "./offset_store.ts";
   * const coordinator = new GroupCoordinator({ offsets: await OffsetStore.open() });
   * assert.deepEqual(coordinator.listGroups(), []);
   * await coordinator.close();
   * ```
   */
  listGroups(): { groupId: string; protocolType: string }[] {
    const result = [...this.#groups.values()].map((g) => ({
      groupId: g.id,
      protocolType: g.protocolType,
    }));
    for (const groupId of this.#offsets.groups()) {
      if (!this.#groups.has(groupId)) result.push({ groupId, protocolType: "" });
    }
    return result;
  }

  /**
   * Describes one group; an unknown group is reported as "Dead" with no members, as Kafka does.
   *
   * @param groupId the group
   * @returns state, protocol and members
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GroupCoordinator } from "./group_coordinator.ts";
   * import { OffsetStore } from "./offset_store.ts";
   * const coordinator = new GroupCoordinator({ offsets: await OffsetStore.open() });
   * assert.equal(coordinator.describeGroup("g").state, "Dead");
   * await coordinator.close();
   * ```
   */
  describeGroup(groupId: string): GroupDescription {
    const group = this.#groups.get(groupId);
    if (!group) {
      const state = this.#offsets.committed(groupId).length > 0 ? "Empty" : "Dead";
      return { state, protocolType: "", protocol: "", members: [] };
    }
    const stable = group.state === "Stable";
    return {
      state: group.state,
      protocolType: group.protocolType,
      protocol: stable ? group.protocolName : "",
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        metadata: stable ? metadataFor(m, group.protocolName) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  /**
   * Stops every timer and answers held JoinGroup/SyncGroup requests with NOT_COORDINATOR (16), so
   * clients look for a coordinator elsewhere (or reconnect later). Does not close the offset store.
   *
   * @example
   * ```ts
   * import { GroupCoordinator } from "./group_coordinator.ts";
   * import { OffsetStore } from "./offset_store.ts";
   * const coordinator = new GroupCoordinator({ offsets: await OffsetStore.open() });
   * await coordinator.close();
   * ```
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const group of this.#groups.values()) {
      this.#clearGroupTimers(group);
      for (const timer of group.pending.values()) this.#clock.clearTimeout(timer);
      group.pending.clear();
      for (const member of group.members.values()) {
        this.#stopSession(member);
        answerHeld(member, ErrorCode.notCoordinator);
      }
    }
    return Promise.resolve();
  }

  /** Closes the coordinator; enables `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #createGroup(id: string): Group {
    const group: Group = {
      id,
      state: "Empty",
      generationId: 0,
      protocolType: "",
      protocolName: "",
      leaderId: "",
      members: new Map(),
      pending: new Map(),
    };
    this.#groups.set(id, group);
    return group;
  }

  #addPending(group: Group, memberId: string, sessionTimeoutMs: number): void {
    group.pending.set(
      memberId,
      this.#clock.setTimeout(() => {
        group.pending.delete(memberId);
        this.#log(`group ${group.id}: pending member ${memberId} did not rejoin in time`);
        if (group.state === "PreparingRebalance") this.#tryCompleteJoin(group);
      }, sessionTimeoutMs),
    );
  }

  /** Static membership: a new join with a known instance id replaces the old member. */
  #fenceInstance(group: Group, groupInstanceId: string): void {
    for (const member of group.members.values()) {
      if (member.groupInstanceId === groupInstanceId) {
        this.#log(`group ${group.id}: instance ${groupInstanceId} replaces ${member.memberId}`);
        this.#removeMember(group, member, ErrorCode.fencedInstanceId);
      }
    }
  }

  #addMember(group: Group, memberId: string, r: JoinGroupRequest): Promise<JoinGroupResult> {
    return new Promise((resolve) => {
      const member: Member = {
        memberId,
        groupInstanceId: r.groupInstanceId,
        clientId: r.clientId,
        sessionTimeoutMs: r.sessionTimeoutMs,
        rebalanceTimeoutMs: r.rebalanceTimeoutMs,
        protocolType: r.protocolType,
        protocols: r.protocols,
        assignment: EMPTY,
        join: resolve,
        synced: false,
      };
      group.members.set(memberId, member);
      group.protocolType = r.protocolType;
      this.#log(`group ${group.id}: member ${memberId} joins`);
      if (group.initialDelay) group.initialDelay.newMemberAdded = true;
      if (group.state === "PreparingRebalance") this.#tryCompleteJoin(group);
      else this.#prepareRebalance(group, `member ${memberId} joined`);
    });
  }

  #rejoin(group: Group, member: Member, r: JoinGroupRequest): Promise<JoinGroupResult> {
    const unchanged = sameProtocols(member.protocols, r.protocols);
    if (group.state === "CompletingRebalance" && unchanged) {
      // A retried JoinGroup of this generation: answer as the completed join did.
      return Promise.resolve(this.#joinResult(group, member));
    }
    if (group.state === "Stable" && unchanged && member.memberId !== group.leaderId) {
      this.#scheduleSession(group, member);
      return Promise.resolve(this.#joinResult(group, member));
    }
    return new Promise((resolve) => {
      member.join?.(joinError(ErrorCode.rebalanceInProgress, member.memberId));
      member.join = resolve;
      member.protocols = r.protocols;
      member.protocolType = r.protocolType;
      member.sessionTimeoutMs = r.sessionTimeoutMs;
      member.rebalanceTimeoutMs = r.rebalanceTimeoutMs;
      this.#stopSession(member);
      if (group.state === "PreparingRebalance") this.#tryCompleteJoin(group);
      else this.#prepareRebalance(group, `member ${member.memberId} rejoined`);
    });
  }

  #prepareRebalance(group: Group, reason: string): void {
    if (group.state === "CompletingRebalance") {
      for (const member of group.members.values()) {
        member.assignment = EMPTY;
        if (member.sync) {
          const sync = member.sync;
          member.sync = undefined;
          sync({ errorCode: ErrorCode.rebalanceInProgress, assignment: EMPTY });
          this.#scheduleSession(group, member);
        }
      }
    }
    this.#clearGroupTimers(group);
    const wasEmpty = group.state === "Empty";
    group.state = "PreparingRebalance";
    this.#log(`group ${group.id}: preparing rebalance (${reason})`);
    if (wasEmpty && this.#initialDelayMs > 0) {
      group.initialDelay = {
        remainingMs: Math.max(this.#rebalanceTimeout(group) - this.#initialDelayMs, 0),
        newMemberAdded: false,
      };
      group.joinTimer = this.#clock.setTimeout(
        () => this.#initialDelayElapsed(group),
        this.#initialDelayMs,
      );
      return;
    }
    group.joinTimer = this.#clock.setTimeout(() => {
      group.joinTimer = undefined;
      this.#completeJoin(group);
    }, this.#rebalanceTimeout(group));
    this.#tryCompleteJoin(group);
  }

  #initialDelayElapsed(group: Group): void {
    const delay = group.initialDelay!;
    group.joinTimer = undefined;
    if (delay.newMemberAdded && delay.remainingMs > 0) {
      // Consumers started together keep arriving; give them one more delay.
      const wait = Math.min(this.#initialDelayMs, delay.remainingMs);
      delay.remainingMs -= wait;
      delay.newMemberAdded = false;
      group.joinTimer = this.#clock.setTimeout(() => this.#initialDelayElapsed(group), wait);
      return;
    }
    this.#completeJoin(group);
  }

  #tryCompleteJoin(group: Group): void {
    if (group.state !== "PreparingRebalance" || group.initialDelay) return;
    if (group.members.size === 0) {
      this.#becomeEmpty(group);
      return;
    }
    const allJoined = [...group.members.values()].every((m) => m.join);
    if (allJoined && group.pending.size === 0) this.#completeJoin(group);
  }

  #completeJoin(group: Group): void {
    this.#clearGroupTimers(group);
    for (const member of [...group.members.values()]) {
      if (!member.join) {
        this.#log(`group ${group.id}: member ${member.memberId} did not rejoin in time`);
        this.#removeMember(group, member, ErrorCode.unknownMemberId);
      }
    }
    if (group.members.size === 0) {
      this.#becomeEmpty(group);
      return;
    }
    group.generationId += 1;
    group.protocolName = selectProtocol(group);
    if (!group.members.has(group.leaderId)) group.leaderId = group.members.keys().next().value!;
    group.state = "CompletingRebalance";
    this.#log(
      `group ${group.id}: generation ${group.generationId} with ${group.members.size} member(s), ` +
        `leader ${group.leaderId}, protocol ${group.protocolName}`,
    );
    for (const member of group.members.values()) {
      const join = member.join!;
      member.join = undefined;
      member.synced = false;
      join(this.#joinResult(group, member));
      this.#scheduleSession(group, member);
    }
    group.syncTimer = this.#clock.setTimeout(() => {
      group.syncTimer = undefined;
      if (group.state !== "CompletingRebalance") return;
      for (const member of [...group.members.values()]) {
        if (!member.synced) {
          this.#log(`group ${group.id}: member ${member.memberId} did not sync in time`);
          this.#removeMember(group, member, ErrorCode.unknownMemberId);
        }
      }
      this.#membershipChanged(group);
    }, this.#rebalanceTimeout(group));
  }

  #distribute(group: Group, assignments: SyncGroupRequest["assignments"]): void {
    for (const member of group.members.values()) member.assignment = EMPTY;
    for (const { memberId, assignment } of assignments) {
      const member = group.members.get(memberId);
      if (member) member.assignment = assignment;
    }
    if (group.syncTimer !== undefined) this.#clock.clearTimeout(group.syncTimer);
    group.syncTimer = undefined;
    group.state = "Stable";
    this.#log(`group ${group.id}: generation ${group.generationId} is stable`);
    for (const member of group.members.values()) {
      if (member.sync) {
        const sync = member.sync;
        member.sync = undefined;
        sync({ errorCode: ErrorCode.none, assignment: member.assignment });
        this.#scheduleSession(group, member);
      }
    }
  }

  #validateCommit(r: OffsetCommitRequest): number {
    if (this.#closed) return ErrorCode.notCoordinator;
    let group = this.#groups.get(r.groupId);
    if (!group) {
      // Not managed by the coordinator (assign() or an admin tool): accept; a positive generation
      // means a member of a group this broker no longer knows.
      if (r.generationId >= 0) return ErrorCode.illegalGeneration;
      group = this.#createGroup(r.groupId);
    }
    if (group.pending.has(r.memberId)) return ErrorCode.unknownMemberId;
    if (r.generationId < 0 && group.state === "Empty") return ErrorCode.none;
    if (group.state === "CompletingRebalance") return ErrorCode.rebalanceInProgress;
    const member = group.members.get(r.memberId);
    if (!member) return ErrorCode.unknownMemberId;
    if (r.generationId !== group.generationId) return ErrorCode.illegalGeneration;
    if (!member.join && !member.sync) this.#scheduleSession(group, member);
    return ErrorCode.none;
  }

  #joinResult(group: Group, member: Member): JoinGroupResult {
    const isLeader = member.memberId === group.leaderId;
    return {
      errorCode: ErrorCode.none,
      generationId: group.generationId,
      protocolName: group.protocolName,
      leader: group.leaderId,
      memberId: member.memberId,
      members: isLeader
        ? [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          metadata: metadataFor(m, group.protocolName),
        }))
        : [],
    };
  }

  /** Re-evaluates a group after members were removed by leave, expiry or a missed sync. */
  #membershipChanged(group: Group): void {
    if (this.#closed) return;
    if (group.members.size === 0) {
      if (group.state !== "Empty") this.#becomeEmpty(group);
      return;
    }
    if (group.state === "PreparingRebalance") this.#tryCompleteJoin(group);
    else if (group.state !== "Empty") this.#prepareRebalance(group, "membership changed");
  }

  #becomeEmpty(group: Group): void {
    this.#clearGroupTimers(group);
    group.state = "Empty";
    group.leaderId = "";
    group.protocolName = "";
    this.#log(`group ${group.id}: empty`);
  }

  #removeMember(group: Group, member: Member, errorCode: number): void {
    this.#stopSession(member);
    group.members.delete(member.memberId);
    answerHeld(member, errorCode);
  }

  #scheduleSession(group: Group, member: Member): void {
    this.#stopSession(member);
    member.sessionTimer = this.#clock.setTimeout(() => {
      member.sessionTimer = undefined;
      if (group.members.get(member.memberId) !== member) return;
      this.#log(`group ${group.id}: session of member ${member.memberId} expired`);
      this.#removeMember(group, member, ErrorCode.unknownMemberId);
      this.#membershipChanged(group);
    }, member.sessionTimeoutMs);
  }

  #stopSession(member: Member): void {
    if (member.sessionTimer !== undefined) this.#clock.clearTimeout(member.sessionTimer);
    member.sessionTimer = undefined;
  }

  #clearGroupTimers(group: Group): void {
    if (group.joinTimer !== undefined) this.#clock.clearTimeout(group.joinTimer);
    if (group.syncTimer !== undefined) this.#clock.clearTimeout(group.syncTimer);
    group.joinTimer = undefined;
    group.syncTimer = undefined;
    group.initialDelay = undefined;
  }

  /** The longest rebalance timeout among members bounds how long joins are held. */
  #rebalanceTimeout(group: Group): number {
    let timeout = 0;
    for (const member of group.members.values()) {
      timeout = Math.max(timeout, member.rebalanceTimeoutMs);
    }
    return timeout;
  }
}

function joinError(errorCode: number, memberId: string): JoinGroupResult {
  return { errorCode, generationId: -1, protocolName: "", leader: "", memberId, members: [] };
}

function answerHeld(member: Member, errorCode: number): void {
  const { join, sync } = member;
  member.join = undefined;
  member.sync = undefined;
  join?.(joinError(errorCode, member.memberId));
  sync?.({ errorCode, assignment: EMPTY });
}

/** Kafka's rule: a joiner must share the protocol type and at least one protocol with the others. */
function acceptsProtocols(group: Group, r: JoinGroupRequest): boolean {
  if (r.protocolType === "" || r.protocols.length === 0) return false;
  const others = [...group.members.values()].filter((m) => m.memberId !== r.memberId);
  if (others.length === 0) return true;
  if (r.protocolType !== group.protocolType) return false;
  return r.protocols.some(({ name }) =>
    others.every((m) => m.protocols.some((p) => p.name === name))
  );
}

/** Candidates are supported by every member; each votes for its first candidate; most votes win. */
function selectProtocol(group: Group): string {
  const members = [...group.members.values()];
  const candidates = members[0].protocols
    .map((p) => p.name)
    .filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
  if (candidates.length === 0) return members[0].protocols[0]?.name ?? "";
  const votes = new Map<string, number>(candidates.map((name) => [name, 0]));
  for (const member of members) {
    const choice = member.protocols.find((p) => votes.has(p.name))!.name;
    votes.set(choice, votes.get(choice)! + 1);
  }
  let best = candidates[0];
  for (const name of candidates) if (votes.get(name)! > votes.get(best)!) best = name;
  return best;
}

function metadataFor(member: Member, protocolName: string): Uint8Array {
  return member.protocols.find((p) => p.name === protocolName)?.metadata ?? EMPTY;
}

function sameProtocols(
  a: { name: string; metadata: Uint8Array }[],
  b: { name: string; metadata: Uint8Array }[],
): boolean {
  return a.length === b.length &&
    a.every((p, i) => p.name === b[i].name && equalBytes(p.metadata, b[i].metadata));
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
