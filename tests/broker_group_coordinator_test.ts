import assert from "node:assert/strict";
import {
  GroupCoordinator,
  type GroupCoordinatorOptions,
  type JoinGroupRequest,
  type JoinGroupResult,
} from "../lib/broker/group_coordinator.ts";
import { OffsetStore } from "../lib/broker/offset_store.ts";
import { BrokerStartError, ManualClock, startBroker } from "../lib/broker/mod.ts";
import { ProtocolReader } from "../lib/protocol/reader.ts";
import { BrokerArgumentError, brokerCommand } from "../lib/cli/broker_command.ts";
import { RawKafkaConnection } from "./support/raw_client.ts";
import { startCliBroker } from "./support/cli.ts";
import { test, waitFor, withDeadline } from "./support/deadline.ts";

/** These tests run only our own code, so Deno's op and resource sanitizers are on. */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };

const bytes = (...values: number[]) => new Uint8Array(values);

function joinRequest(fields: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: "g",
    sessionTimeoutMs: 10000,
    rebalanceTimeoutMs: 10000,
    memberId: "",
    groupInstanceId: null,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: bytes(1) }],
    clientId: "client",
    requireKnownMemberId: false,
    ...fields,
  };
}

/** Runs `run` against a coordinator whose timeouts follow a manual clock. */
async function withCoordinator(
  options: Partial<GroupCoordinatorOptions>,
  run: (
    coordinator: GroupCoordinator,
    offsets: OffsetStore,
    log: string[],
    clock: ManualClock,
  ) => Promise<void>,
): Promise<void> {
  const offsets = await OffsetStore.open();
  const log: string[] = [];
  const clock = new ManualClock();
  const coordinator = new GroupCoordinator({
    offsets,
    initialRebalanceDelayMs: 0,
    minSessionTimeoutMs: 10,
    logger: (line) => log.push(line),
    clock,
    ...options,
  });
  try {
    await run(coordinator, offsets, log, clock);
  } finally {
    await coordinator.close();
    await offsets.close();
  }
}

/**
 * Moves the clock from one due timer to the next until `done()` holds; fails naming `what` when
 * no timer is left to fire. The coordinator changes state synchronously inside a timer, so no
 * waiting is involved.
 */
function advanceUntil(clock: ManualClock, done: () => boolean, what: string): void {
  while (!done()) {
    const step = clock.nextDueInMs();
    if (step === undefined) assert.fail(`no timer left to fire, and still not ${what}`);
    clock.advance(step);
  }
}

/** Records whether a promise has settled, for "still held" assertions. */
function watch<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  promise.then(() => settled = true, () => settled = true);
  return { promise, settled: () => settled };
}

/** Lets the reactions to already-settled promises run (no timers involved). */
async function drainMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Joins one member and syncs it as leader so the group is Stable. */
async function stableSingleMember(
  coordinator: GroupCoordinator,
  fields: Partial<JoinGroupRequest> = {},
): Promise<JoinGroupResult> {
  const join = await coordinator.joinGroup(joinRequest(fields));
  assert.equal(join.errorCode, 0);
  const sync = await coordinator.syncGroup({
    groupId: fields.groupId ?? "g",
    generationId: join.generationId,
    memberId: join.memberId,
    assignments: [{ memberId: join.memberId, assignment: bytes(9) }],
  });
  assert.equal(sync.errorCode, 0);
  return join;
}

/**
 * Joins members "a" and "b" into one generation; needs an initial rebalance delay to gather
 * both, which the clock then runs out.
 */
function joinTwoMembers(
  coordinator: GroupCoordinator,
  clock: ManualClock,
  fields: Partial<JoinGroupRequest> = {},
): Promise<JoinGroupResult[]> {
  const joins = Promise.all([
    coordinator.joinGroup(joinRequest({ ...fields, clientId: "a" })),
    coordinator.joinGroup(joinRequest({ ...fields, clientId: "b" })),
  ]);
  advanceUntil(
    clock,
    () => coordinator.describeGroup(fields.groupId ?? "g").state === "CompletingRebalance",
    "the initial rebalance delay to end",
  );
  return joins;
}

/**
 * Joins "a" and "b", then syncs the follower b (held) and the leader a with empty assignments, so
 * that the group is Stable in generation 1.
 */
async function stableTwoMembers(
  coordinator: GroupCoordinator,
  clock: ManualClock,
  fields: Partial<JoinGroupRequest> = {},
): Promise<JoinGroupResult[]> {
  const [a, b] = await joinTwoMembers(coordinator, clock, fields);
  const sync = { groupId: "g", generationId: 1, assignments: [] };
  const syncB = coordinator.syncGroup({ ...sync, memberId: b.memberId });
  await coordinator.syncGroup({ ...sync, memberId: a.memberId });
  await syncB;
  return [a, b];
}

test(
  "joinGroup() v4+ answers MEMBER_ID_REQUIRED with a <clientId>-<uuid> id, then admits it",
  async () => {
    await withCoordinator({}, async (coordinator) => {
      const first = await coordinator.joinGroup(
        joinRequest({ clientId: "rdkafka", requireKnownMemberId: true }),
      );
      assert.equal(first.errorCode, 79);
      assert.match(
        first.memberId,
        /^rdkafka-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      assert.deepEqual(
        { ...first, memberId: "" },
        {
          errorCode: 79,
          generationId: -1,
          protocolName: "",
          leader: "",
          memberId: "",
          members: [],
        },
      );
      assert.equal(coordinator.describeGroup("g").members.length, 0);

      const second = await coordinator.joinGroup(
        joinRequest({ clientId: "rdkafka", memberId: first.memberId, requireKnownMemberId: true }),
      );
      assert.deepEqual(second, {
        errorCode: 0,
        generationId: 1,
        protocolName: "range",
        leader: first.memberId,
        memberId: first.memberId,
        members: [{ memberId: first.memberId, groupInstanceId: null, metadata: bytes(1) }],
      });
      assert.equal(coordinator.describeGroup("g").state, "CompletingRebalance");
    });
  },
  SANITIZED,
);

test("joinGroup() below v4 admits a first join directly", async () => {
  await withCoordinator({}, async (coordinator) => {
    const join = await coordinator.joinGroup(joinRequest({ clientId: "kjs" }));
    assert.equal(join.errorCode, 0);
    assert.match(join.memberId, /^kjs-/);
    assert.equal(join.generationId, 1);
    assert.equal(join.leader, join.memberId);
  });
}, SANITIZED);

test("joinGroup() rejects an unknown member id with UNKNOWN_MEMBER_ID", async () => {
  await withCoordinator({}, async (coordinator) => {
    assert.equal((await coordinator.joinGroup(joinRequest({ memberId: "ghost" }))).errorCode, 25);
    await stableSingleMember(coordinator);
    const again = await coordinator.joinGroup(joinRequest({ memberId: "ghost" }));
    assert.equal(again.errorCode, 25);
    assert.equal(again.memberId, "ghost");
  });
}, SANITIZED);

test("joinGroup() rejects session timeouts outside the configured range with 26", async () => {
  await withCoordinator({ minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 60000 }, async (c) => {
    assert.equal((await c.joinGroup(joinRequest({ sessionTimeoutMs: 5999 }))).errorCode, 26);
    assert.equal((await c.joinGroup(joinRequest({ sessionTimeoutMs: 60001 }))).errorCode, 26);
    assert.equal((await c.joinGroup(joinRequest({ sessionTimeoutMs: 6000 }))).errorCode, 0);
  });
}, SANITIZED);

test("joinGroup() rejects an empty group id with INVALID_GROUP_ID", async () => {
  await withCoordinator({}, async (coordinator) => {
    assert.equal((await coordinator.joinGroup(joinRequest({ groupId: "" }))).errorCode, 24);
  });
}, SANITIZED);

test("initial rebalance delay puts members joining together into one generation", async () => {
  await withCoordinator(
    { initialRebalanceDelayMs: 50 },
    async (coordinator, _offsets, _log, clock) => {
      const joinA = watch(coordinator.joinGroup(
        joinRequest({ clientId: "a", protocols: [{ name: "range", metadata: bytes(0xa) }] }),
      ));
      const joinB = coordinator.joinGroup(
        joinRequest({ clientId: "b", protocols: [{ name: "range", metadata: bytes(0xb) }] }),
      );
      // b arrived during the first delay, so the delay is extended once more.
      clock.advance(50);
      await drainMicrotasks();
      assert.equal(joinA.settled(), false);
      assert.equal(coordinator.describeGroup("g").state, "PreparingRebalance");
      clock.advance(50);
      const [a, b] = await Promise.all([joinA.promise, joinB]);
      assert.equal(a.generationId, 1);
      assert.equal(b.generationId, 1);
      assert.equal(a.leader, a.memberId);
      assert.equal(b.leader, a.memberId);
      assert.deepEqual(a.members, [
        { memberId: a.memberId, groupInstanceId: null, metadata: bytes(0xa) },
        { memberId: b.memberId, groupInstanceId: null, metadata: bytes(0xb) },
      ]);
      assert.deepEqual(b.members, []);
    },
  );
}, SANITIZED);

test(
  "syncGroup() holds followers until the leader's assignments arrive; omitted members get empty bytes",
  async () => {
    await withCoordinator(
      { initialRebalanceDelayMs: 30 },
      async (coordinator, _offsets, _log, clock) => {
        const joins = Promise.all(
          ["a", "b", "c"].map((clientId) => coordinator.joinGroup(joinRequest({ clientId }))),
        );
        advanceUntil(
          clock,
          () => coordinator.describeGroup("g").state === "CompletingRebalance",
          "the three joins to complete",
        );
        const [a, b, c] = await joins;
        const syncB = watch(coordinator.syncGroup({
          groupId: "g",
          generationId: 1,
          memberId: b.memberId,
          assignments: [],
        }));
        const syncC = coordinator.syncGroup({
          groupId: "g",
          generationId: 1,
          memberId: c.memberId,
          assignments: [],
        });
        // Only the leader's SyncGroup (or the rebalance timeout, on a clock that stands still) answers.
        await drainMicrotasks();
        assert.equal(syncB.settled(), false);
        assert.equal(coordinator.describeGroup("g").state, "CompletingRebalance");
        const syncA = await coordinator.syncGroup({
          groupId: "g",
          generationId: 1,
          memberId: a.memberId,
          assignments: [
            { memberId: a.memberId, assignment: bytes(1, 2) },
            { memberId: b.memberId, assignment: bytes(3) },
            { memberId: "not-a-member", assignment: bytes(4) },
          ],
        });
        assert.deepEqual(syncA, { errorCode: 0, assignment: bytes(1, 2) });
        assert.deepEqual(await syncB.promise, { errorCode: 0, assignment: bytes(3) });
        const answerC = await syncC;
        assert.equal(answerC.errorCode, 0);
        assert.ok(answerC.assignment instanceof Uint8Array);
        assert.equal(answerC.assignment.length, 0);

        const description = coordinator.describeGroup("g");
        assert.equal(description.state, "Stable");
        assert.equal(description.protocol, "range");
        assert.deepEqual(description.members.map((m) => [m.clientId, [...m.assignment]]), [
          ["a", [1, 2]],
          ["b", [3]],
          ["c", []],
        ]);
        // Stable: a repeated SyncGroup answers the stored assignment at once.
        assert.deepEqual(
          await coordinator.syncGroup({
            groupId: "g",
            generationId: 1,
            memberId: b.memberId,
            assignments: [],
          }),
          { errorCode: 0, assignment: bytes(3) },
        );
      },
    );
  },
  SANITIZED,
);

test(
  "protocol selection picks the protocol with most first-choice votes among common ones",
  async () => {
    await withCoordinator(
      { initialRebalanceDelayMs: 30 },
      async (coordinator, _offsets, _log, clock) => {
        const p = (...names: string[]) =>
          names.map((name) => ({ name, metadata: bytes(name.length) }));
        const joins = Promise.all([
          coordinator.joinGroup(joinRequest({ protocols: p("range", "roundrobin", "sticky") })),
          coordinator.joinGroup(joinRequest({ protocols: p("roundrobin", "range") })),
          coordinator.joinGroup(joinRequest({ protocols: p("sticky", "roundrobin", "range") })),
        ]);
        advanceUntil(
          clock,
          () => coordinator.describeGroup("g").state === "CompletingRebalance",
          "the joins to complete",
        );
        const results = await joins;
        // "sticky" is not shared by all, so the third member votes for "roundrobin".
        for (const r of results) assert.equal(r.protocolName, "roundrobin");
        assert.deepEqual(results[0].members.map((m) => [...m.metadata]), [[10], [10], [10]]);
      },
    );
  },
  SANITIZED,
);

test(
  "joinGroup() answers INCONSISTENT_GROUP_PROTOCOL for no shared protocol or another type",
  async () => {
    await withCoordinator({}, async (coordinator) => {
      await stableSingleMember(coordinator, {
        protocols: [{ name: "RoundRobinAssigner", metadata: bytes() }],
      });
      const librdkafka = await coordinator.joinGroup(joinRequest({
        protocols: [{ name: "range", metadata: bytes() }, {
          name: "roundrobin",
          metadata: bytes(),
        }],
      }));
      assert.equal(librdkafka.errorCode, 23);
      const otherType = await coordinator.joinGroup(joinRequest({
        protocolType: "connect",
        protocols: [{ name: "RoundRobinAssigner", metadata: bytes() }],
      }));
      assert.equal(otherType.errorCode, 23);
      assert.equal((await coordinator.joinGroup(joinRequest({ protocols: [] }))).errorCode, 23);
      assert.equal(coordinator.describeGroup("g").state, "Stable");
    });
  },
  SANITIZED,
);

test(
  "a new member makes a Stable group rebalance; the old leader stays leader in generation 2",
  async () => {
    await withCoordinator({}, async (coordinator) => {
      const a = await stableSingleMember(coordinator, { clientId: "a" });
      const joinB = coordinator.joinGroup(joinRequest({ clientId: "b" }));
      const hb = { groupId: "g", generationId: 1, memberId: a.memberId };
      assert.equal(coordinator.heartbeat(hb), 27);
      assert.equal(coordinator.describeGroup("g").state, "PreparingRebalance");
      const a2 = await coordinator.joinGroup(joinRequest({ clientId: "a", memberId: a.memberId }));
      const b = await joinB;
      assert.equal(a2.generationId, 2);
      assert.equal(b.generationId, 2);
      assert.equal(a2.leader, a.memberId);
      assert.equal(b.leader, a.memberId);
      assert.equal(a2.members.length, 2);
      // The old generation is now illegal.
      assert.equal(coordinator.heartbeat(hb), 22);
      assert.equal(coordinator.heartbeat({ ...hb, generationId: 2 }), 0);
    });
  },
  SANITIZED,
);

test("a member rejoining a Stable group with changed metadata triggers a rebalance", async () => {
  await withCoordinator({}, async (coordinator) => {
    const a = await stableSingleMember(coordinator);
    const same = await coordinator.joinGroup(joinRequest({ memberId: a.memberId }));
    // The leader's rejoin always rebalances (it may want to reassign).
    assert.equal(same.generationId, 2);
    await coordinator.syncGroup({
      groupId: "g",
      generationId: 2,
      memberId: a.memberId,
      assignments: [],
    });
    const changed = await coordinator.joinGroup(joinRequest({
      memberId: a.memberId,
      protocols: [{ name: "range", metadata: bytes(7, 7) }],
    }));
    assert.equal(changed.generationId, 3);
    assert.deepEqual(changed.members[0].metadata, bytes(7, 7));
  });
}, SANITIZED);

test("members that do not rejoin within the rebalance timeout are removed", async () => {
  await withCoordinator(
    { initialRebalanceDelayMs: 20 },
    async (coordinator, _offsets, log, clock) => {
      const options = { rebalanceTimeoutMs: 100 };
      const [a, b] = await stableTwoMembers(coordinator, clock, options);
      const c = coordinator.joinGroup(joinRequest({ ...options, clientId: "c" }));
      const rejoin = watch(
        coordinator.joinGroup(joinRequest({ ...options, memberId: a.memberId })),
      );
      clock.advance(99);
      await drainMicrotasks();
      assert.equal(rejoin.settled(), false, "the join waits for b until the rebalance timeout");
      clock.advance(1);
      const a2 = await rejoin.promise;
      // b never rejoined: the join completes without it when the rebalance timeout expires.
      assert.equal(a2.generationId, 2);
      assert.deepEqual(a2.members.map((m) => m.memberId), [a.memberId, (await c).memberId]);
      assert.equal(
        coordinator.heartbeat({ groupId: "g", generationId: 2, memberId: b.memberId }),
        25,
      );
      assert.ok(log.some((line) => line.includes(`member ${b.memberId} did not rejoin in time`)));
    },
  );
}, SANITIZED);

test("session expiry removes a silent member and makes the others rebalance", async () => {
  await withCoordinator(
    { initialRebalanceDelayMs: 20 },
    async (coordinator, _offsets, log, clock) => {
      const options = { sessionTimeoutMs: 60, rebalanceTimeoutMs: 5000 };
      const [a, b] = await stableTwoMembers(coordinator, clock, options);
      const hb = { groupId: "g", generationId: 1, memberId: a.memberId };
      // Only a keeps heartbeating; b's session runs out 60 ms after its SyncGroup.
      clock.advance(30);
      assert.equal(coordinator.heartbeat(hb), 0);
      clock.advance(29);
      assert.equal(coordinator.heartbeat(hb), 0);
      assert.equal(coordinator.describeGroup("g").members.length, 2);
      clock.advance(1);
      assert.equal(coordinator.heartbeat(hb), 27);
      assert.ok(log.some((line) => line.includes(`session of member ${b.memberId} expired`)));
      const a2 = await coordinator.joinGroup(joinRequest({ ...options, memberId: a.memberId }));
      assert.equal(a2.generationId, 2);
      assert.deepEqual(a2.members.map((m) => m.memberId), [a.memberId]);
    },
  );
}, SANITIZED);

test("the last member's session expiry leaves the group Empty", async () => {
  await withCoordinator({}, async (coordinator, _offsets, _log, clock) => {
    await stableSingleMember(coordinator, { sessionTimeoutMs: 30 });
    clock.advance(29);
    assert.equal(coordinator.describeGroup("g").state, "Stable");
    clock.advance(1);
    assert.deepEqual(coordinator.describeGroup("g"), {
      state: "Empty",
      protocolType: "consumer",
      protocol: "",
      members: [],
    });
  });
}, SANITIZED);

test("a pending member id expires after its session timeout", async () => {
  await withCoordinator({}, async (coordinator, _offsets, log, clock) => {
    const first = await coordinator.joinGroup(
      joinRequest({ sessionTimeoutMs: 30, requireKnownMemberId: true }),
    );
    assert.equal(first.errorCode, 79);
    clock.advance(30);
    assert.ok(log.includes(`group g: pending member ${first.memberId} did not rejoin in time`));
    const late = await coordinator.joinGroup(
      joinRequest({ sessionTimeoutMs: 30, memberId: first.memberId, requireKnownMemberId: true }),
    );
    assert.equal(late.errorCode, 25);
  });
}, SANITIZED);

test("a leader that never sends SyncGroup is removed after the rebalance timeout", async () => {
  await withCoordinator(
    { initialRebalanceDelayMs: 20 },
    async (coordinator, _offsets, log, clock) => {
      const options = { rebalanceTimeoutMs: 80 };
      const [a, b] = await joinTwoMembers(coordinator, clock, options);
      assert.equal(a.leader, a.memberId);
      const heldSync = watch(coordinator.syncGroup({
        groupId: "g",
        generationId: 1,
        memberId: b.memberId,
        assignments: [],
      }));
      clock.advance(79);
      await drainMicrotasks();
      assert.equal(heldSync.settled(), false);
      clock.advance(1);
      assert.equal((await heldSync.promise).errorCode, 27);
      assert.ok(log.some((line) => line.includes(`member ${a.memberId} did not sync in time`)));
      const b2 = await coordinator.joinGroup(joinRequest({ ...options, memberId: b.memberId }));
      assert.equal(b2.generationId, 2);
      assert.equal(b2.leader, b.memberId);
      assert.deepEqual(b2.members.map((m) => m.memberId), [b.memberId]);
    },
  );
}, SANITIZED);

test("a pending member holds the rebalance until it rejoins with its id", async () => {
  await withCoordinator({}, async (coordinator) => {
    const a = await stableSingleMember(coordinator, { clientId: "a" });
    const pending = await coordinator.joinGroup(
      joinRequest({ clientId: "b", requireKnownMemberId: true }),
    );
    assert.equal(pending.errorCode, 79);
    // A pending id alone does not disturb the Stable group.
    assert.equal(coordinator.heartbeat({ groupId: "g", generationId: 1, memberId: a.memberId }), 0);
    const a2 = watch(coordinator.joinGroup(joinRequest({ memberId: a.memberId })));
    // Nothing but b's rejoin (or its pending id expiring, on a clock that stands still) completes it.
    await drainMicrotasks();
    assert.equal(a2.settled(), false);
    assert.equal(coordinator.describeGroup("g").state, "PreparingRebalance");
    const b = await coordinator.joinGroup(
      joinRequest({ memberId: pending.memberId, requireKnownMemberId: true }),
    );
    assert.equal(b.generationId, 2);
    assert.equal((await a2.promise).members.length, 2);
  });
}, SANITIZED);

test("a static member rejoining with its instance id replaces its old member id", async () => {
  await withCoordinator({}, async (coordinator) => {
    const first = await stableSingleMember(coordinator, { groupInstanceId: "host-1" });
    const second = await coordinator.joinGroup(joinRequest({ groupInstanceId: "host-1" }));
    assert.equal(second.errorCode, 0);
    assert.notEqual(second.memberId, first.memberId);
    assert.deepEqual(second.members, [
      { memberId: second.memberId, groupInstanceId: "host-1", metadata: bytes(1) },
    ]);
    assert.equal(
      coordinator.heartbeat({ groupId: "g", generationId: 2, memberId: first.memberId }),
      25,
    );
  });
}, SANITIZED);

test("heartbeat() answers per group state", async () => {
  await withCoordinator({}, async (coordinator) => {
    assert.equal(coordinator.heartbeat({ groupId: "none", generationId: 0, memberId: "x" }), 25);
    const join = await coordinator.joinGroup(joinRequest());
    const hb = { groupId: "g", generationId: 1, memberId: join.memberId };
    assert.equal(coordinator.describeGroup("g").state, "CompletingRebalance");
    assert.equal(coordinator.heartbeat(hb), 0);
    assert.equal(coordinator.heartbeat({ ...hb, generationId: 0 }), 22);
    assert.equal(coordinator.heartbeat({ ...hb, memberId: "other" }), 25);
    await coordinator.syncGroup({ ...hb, assignments: [] });
    assert.equal(coordinator.heartbeat(hb), 0);
    const joinB = coordinator.joinGroup(joinRequest());
    assert.equal(coordinator.heartbeat(hb), 27);
    await coordinator.joinGroup(joinRequest({ memberId: join.memberId }));
    await joinB;
  });
}, SANITIZED);

test(
  "syncGroup() answers 25 for strangers, 22 for old generations and 27 while rebalancing",
  async () => {
    await withCoordinator({}, async (coordinator) => {
      const a = await stableSingleMember(coordinator);
      const sync = { groupId: "g", generationId: 1, memberId: a.memberId, assignments: [] };
      assert.equal((await coordinator.syncGroup({ ...sync, memberId: "x" })).errorCode, 25);
      assert.equal((await coordinator.syncGroup({ ...sync, groupId: "h" })).errorCode, 25);
      assert.equal((await coordinator.syncGroup({ ...sync, generationId: 7 })).errorCode, 22);
      const joinB = coordinator.joinGroup(joinRequest());
      const during = await coordinator.syncGroup(sync);
      assert.equal(during.errorCode, 27);
      assert.equal(during.assignment.length, 0);
      await coordinator.joinGroup(joinRequest({ memberId: a.memberId }));
      await joinB;
    });
  },
  SANITIZED,
);

test("a rebalance during CompletingRebalance answers waiting followers with 27", async () => {
  await withCoordinator(
    { initialRebalanceDelayMs: 20 },
    async (coordinator, _offsets, _log, clock) => {
      const [a, b] = await joinTwoMembers(coordinator, clock);
      const syncB = coordinator.syncGroup({
        groupId: "g",
        generationId: 1,
        memberId: b.memberId,
        assignments: [],
      });
      const joinC = coordinator.joinGroup(joinRequest({ clientId: "c" }));
      assert.equal((await syncB).errorCode, 27);
      const rejoined = await Promise.all([
        coordinator.joinGroup(joinRequest({ memberId: a.memberId })),
        coordinator.joinGroup(joinRequest({ memberId: b.memberId })),
        joinC,
      ]);
      assert.deepEqual(rejoined.map((r) => r.generationId), [2, 2, 2]);
    },
  );
}, SANITIZED);

test(
  "leaveGroup() by the leader rebalances the rest; the last leave empties the group",
  async () => {
    await withCoordinator(
      { initialRebalanceDelayMs: 20 },
      async (coordinator, _offsets, _log, clock) => {
        const [a, b] = await stableTwoMembers(coordinator, clock);
        assert.deepEqual(coordinator.leaveGroup("g", [a.memberId, "ghost"]), {
          errorCode: 0,
          members: [{ memberId: a.memberId, errorCode: 0 }, { memberId: "ghost", errorCode: 25 }],
        });
        assert.equal(
          coordinator.heartbeat({ groupId: "g", generationId: 1, memberId: b.memberId }),
          27,
        );
        const b2 = await coordinator.joinGroup(joinRequest({ memberId: b.memberId }));
        assert.equal(b2.generationId, 2);
        assert.equal(b2.leader, b.memberId);
        assert.deepEqual(coordinator.leaveGroup("g", [b.memberId]), {
          errorCode: 0,
          members: [{ memberId: b.memberId, errorCode: 0 }],
        });
        assert.equal(coordinator.describeGroup("g").state, "Empty");
        assert.deepEqual(coordinator.leaveGroup("nope", ["x"]).members, [{
          memberId: "x",
          errorCode: 25,
        }]);
        // Empty keeps the generation; a simple commit is accepted again.
        const commit = await coordinator.commitOffsets({
          groupId: "g",
          generationId: -1,
          memberId: "",
          topics: [{ name: "t", partitions: [{ partition: 0, offset: 1n, metadata: null }] }],
        });
        assert.equal(commit[0].partitions[0].errorCode, 0);
      },
    );
  },
  SANITIZED,
);

test("commitOffsets() validates generation and member as Kafka does", async () => {
  await withCoordinator({}, async (coordinator, offsets) => {
    const topics = (offset: bigint) => [
      {
        name: "t",
        partitions: [{ partition: 0, offset, metadata: "m" }, {
          partition: 1,
          offset,
          metadata: null,
        }],
      },
    ];
    const codes = (answer: { partitions: { errorCode: number }[] }[]) =>
      answer.flatMap((t) => t.partitions.map((p) => p.errorCode));

    // Simple commit to an unknown group: accepted.
    assert.deepEqual(
      codes(
        await coordinator.commitOffsets({
          groupId: "g",
          generationId: -1,
          memberId: "",
          topics: topics(3n),
        }),
      ),
      [0, 0],
    );
    assert.deepEqual(offsets.get("g", "t", 0), { offset: 3n, metadata: "m" });
    assert.deepEqual(offsets.get("g", "t", 1), { offset: 3n, metadata: "" });
    // A positive generation for a group nobody joined: illegal generation.
    assert.deepEqual(
      codes(
        await coordinator.commitOffsets({
          groupId: "fresh",
          generationId: 4,
          memberId: "m",
          topics: topics(1n),
        }),
      ),
      [22, 22],
    );

    const join = await coordinator.joinGroup(joinRequest());
    const commit = (fields: { generationId: number; memberId: string }, offset = 5n) =>
      coordinator.commitOffsets({ groupId: "g", ...fields, topics: topics(offset) }).then(codes);
    // CompletingRebalance: 27.
    assert.deepEqual(await commit({ generationId: 1, memberId: join.memberId }), [27, 27]);
    await coordinator.syncGroup({
      groupId: "g",
      generationId: 1,
      memberId: join.memberId,
      assignments: [],
    });
    assert.deepEqual(await commit({ generationId: 1, memberId: join.memberId }, 8n), [0, 0]);
    assert.deepEqual(offsets.get("g", "t", 0), { offset: 8n, metadata: "m" });
    assert.deepEqual(await commit({ generationId: 0, memberId: join.memberId }), [22, 22]);
    assert.deepEqual(await commit({ generationId: 1, memberId: "stranger" }), [25, 25]);
    // Simple commits are refused once the group has members.
    assert.deepEqual(await commit({ generationId: -1, memberId: "" }), [25, 25]);
    assert.deepEqual(offsets.get("g", "t", 0), { offset: 8n, metadata: "m" });
  });
}, SANITIZED);

test("fetchOffsets() answers -1 and empty metadata for partitions without a commit", async () => {
  await withCoordinator({}, async (coordinator) => {
    await coordinator.commitOffsets({
      groupId: "g",
      generationId: -1,
      memberId: "",
      topics: [{ name: "t", partitions: [{ partition: 1, offset: 42n, metadata: "x" }] }],
    });
    assert.deepEqual(coordinator.fetchOffsets("g", [{ name: "t", partitions: [0, 1] }]), {
      errorCode: 0,
      topics: [{
        name: "t",
        partitions: [
          { partition: 0, offset: -1n, metadata: "", errorCode: 0 },
          { partition: 1, offset: 42n, metadata: "x", errorCode: 0 },
        ],
      }],
    });
    assert.deepEqual(coordinator.fetchOffsets("g", null), {
      errorCode: 0,
      topics: [{
        name: "t",
        partitions: [{ partition: 1, offset: 42n, metadata: "x", errorCode: 0 }],
      }],
    });
    assert.deepEqual(coordinator.fetchOffsets("unknown", null), { errorCode: 0, topics: [] });
  });
}, SANITIZED);

test("listGroups() and describeGroup() report joined and offset-only groups", async () => {
  await withCoordinator({}, async (coordinator, offsets) => {
    await stableSingleMember(coordinator, { groupId: "joined", clientId: "cli" });
    await offsets.commit("offsets-only", "t", 0, 1n, null);
    assert.deepEqual(coordinator.listGroups(), [
      { groupId: "joined", protocolType: "consumer" },
      { groupId: "offsets-only", protocolType: "" },
    ]);
    const described = coordinator.describeGroup("joined");
    assert.equal(described.state, "Stable");
    assert.equal(described.members[0].clientId, "cli");
    assert.deepEqual(described.members[0].metadata, bytes(1));
    assert.deepEqual(described.members[0].assignment, bytes(9));
    assert.equal(coordinator.describeGroup("offsets-only").state, "Empty");
    assert.equal(coordinator.describeGroup("never").state, "Dead");
  });
}, SANITIZED);

test("close() answers held JoinGroup and SyncGroup requests with NOT_COORDINATOR", async () => {
  const offsets = await OffsetStore.open();
  const clock = new ManualClock();
  const coordinator = new GroupCoordinator({ offsets, initialRebalanceDelayMs: 10, clock });
  // "join": a is Stable and has not rejoined, so b's JoinGroup is held.
  const stable = stableSingleMember(coordinator, { groupId: "join" });
  advanceUntil(
    clock,
    () => coordinator.describeGroup("join").state === "CompletingRebalance",
    "the first join to complete",
  );
  await stable;
  const heldJoin = coordinator.joinGroup(joinRequest({ groupId: "join" }));
  // "sync": the follower's SyncGroup waits for a leader that never sends one.
  const joins = Promise.all([
    coordinator.joinGroup(joinRequest({ groupId: "sync" })),
    coordinator.joinGroup(joinRequest({ groupId: "sync" })),
  ]);
  advanceUntil(
    clock,
    () => coordinator.describeGroup("sync").state === "CompletingRebalance",
    "the sync group's joins to complete",
  );
  const [, follower] = await joins;
  assert.equal(follower.members.length, 0);
  const heldSync = coordinator.syncGroup({
    groupId: "sync",
    generationId: follower.generationId,
    memberId: follower.memberId,
    assignments: [],
  });
  await coordinator.close();
  assert.equal((await heldJoin).errorCode, 16);
  assert.deepEqual(await heldSync, { errorCode: 16, assignment: bytes() });
  assert.equal((await coordinator.joinGroup(joinRequest())).errorCode, 16);
  assert.equal(coordinator.heartbeat({ groupId: "join", generationId: 1, memberId: "x" }), 16);
  assert.equal(coordinator.leaveGroup("join", ["x"]).errorCode, 16);
  await offsets.close();
}, SANITIZED);

// --- The broker's initial rebalance delay, seen over the wire -----------------------------------

/** JoinGroup v0 for a new member of `group` (v0 has no MEMBER_ID_REQUIRED round trip). */
function joinGroupV0(
  conn: RawKafkaConnection,
  group: string,
  sessionTimeoutMs = 10_000,
): Uint8Array {
  return conn.frame(11, 0, (w) => {
    w.string(group).int32(sessionTimeoutMs).string("").string("consumer").int32(1);
    w.string("range").bytes(bytes(1));
  });
}

/** The group's state from DescribeGroups v0. */
async function groupState(conn: RawKafkaConnection, group: string): Promise<string> {
  const response = await conn.request(15, 0, (w) => w.int32(1).string(group));
  assert.ok(response, "DescribeGroups got no response");
  const [state] = response.r.array((r) => {
    assert.equal(r.int16(), 0);
    assert.equal(r.string(), group);
    return r.string();
  });
  return state;
}

/**
 * The group's state once the broker knows it ("Dead" until then). The join travels on another
 * connection, so DescribeGroups is asked again until it reports the group (or the deadline).
 */
function groupStateOnceJoined(conn: RawKafkaConnection, group: string): Promise<string> {
  return waitFor(async () => {
    const state = await groupState(conn, group);
    return state !== "Dead" && state;
  }, { deadlineMs: 10_000, what: `DescribeGroups to report group ${group}` });
}

test("startBroker() answers a new group's first JoinGroup at once by default", async () => {
  await using broker = await startBroker({ port: 0, logger: () => {} });
  await using member = await RawKafkaConnection.connect(broker.port);
  await using observer = await RawKafkaConnection.connect(broker.port);
  await member.writeRaw(joinGroupV0(member, "solo"));
  // The join completes in the same step that adds the member: nobody can see it waiting.
  assert.equal(await groupStateOnceJoined(observer, "solo"), "CompletingRebalance");
  const frame = await member.readFrame();
  assert.ok(frame);
  const r = new ProtocolReader(frame);
  r.int32(); // correlation id
  assert.equal(r.int16(), 0);
  assert.equal(r.int32(), 1); // generation
  assert.equal(r.string(), "range");
  const leader = r.string();
  assert.equal(r.string(), leader);
  assert.deepEqual(r.array((m) => m.string()), [leader]);
}, SANITIZED);

test("startBroker({ initialRebalanceDelayMs }) holds a new group's first JoinGroup", async () => {
  const broker = await startBroker({
    port: 0,
    initialRebalanceDelayMs: 600_000,
    logger: () => {},
  });
  await using member = await RawKafkaConnection.connect(broker.port);
  try {
    await using observer = await RawKafkaConnection.connect(broker.port);
    await member.writeRaw(joinGroupV0(member, "waiting"));
    assert.equal(await groupStateOnceJoined(observer, "waiting"), "PreparingRebalance");
  } finally {
    await broker.close();
  }
  // Closing answers the held join (NOT_COORDINATOR) or drops the connection.
  const frame = await member.readFrame();
  if (frame) assert.equal(new ProtocolReader(frame, 4).int16(), 16);
}, SANITIZED);

test("startBroker() refuses a negative initialRebalanceDelayMs, naming it", async () => {
  await assert.rejects(
    startBroker({ port: 0, initialRebalanceDelayMs: -1, logger: () => {} }),
    (error: Error) =>
      error instanceof BrokerStartError && /^initialRebalanceDelayMs -1: /.test(error.message),
  );
}, SANITIZED);

test(
  "the broker command passes --initial-rebalance-delay-ms on and refuses a non-number",
  async () => {
    await assert.rejects(
      brokerCommand().exitOverride().parseAsync(
        ["--port", "0", "--initial-rebalance-delay-ms", "soon"],
        { from: "user" },
      ),
      (error: Error) =>
        error instanceof BrokerArgumentError &&
        error.message ===
          "--initial-rebalance-delay-ms soon: expected a whole number of milliseconds",
    );
    await using broker = await startCliBroker([
      "--port",
      "0",
      "--initial-rebalance-delay-ms",
      "600000",
    ]);
    await using member = await RawKafkaConnection.connect(broker.port);
    await using observer = await RawKafkaConnection.connect(broker.port);
    await member.writeRaw(joinGroupV0(member, "cli"));
    assert.equal(await groupStateOnceJoined(observer, "cli"), "PreparingRebalance");
    assert.equal((await broker.stop()).code, 0);
  },
  SANITIZED,
);

test(
  "startBroker() admits 3000 ms sessions by default and honours groupMinSessionTimeoutMs",
  async () => {
    const joinCode = async (port: number, group: string, sessionTimeoutMs: number) => {
      await using member = await RawKafkaConnection.connect(port);
      await member.writeRaw(joinGroupV0(member, group, sessionTimeoutMs));
      const frame = await withDeadline(
        member.readFrame(),
        10_000,
        `the JoinGroup answer of ${group}`,
      );
      assert.ok(frame, "the broker closed the connection instead of answering JoinGroup");
      return new ProtocolReader(frame, 4).int16();
    };
    {
      await using broker = await startBroker({ port: 0, logger: () => {} });
      assert.equal(await joinCode(broker.port, "short", 3000), 0);
      assert.equal(await joinCode(broker.port, "shorter", 1000), 0);
      assert.equal(await joinCode(broker.port, "too-short", 999), 26);
    }
    {
      await using broker = await startBroker({
        port: 0,
        groupMinSessionTimeoutMs: 5000,
        groupMaxSessionTimeoutMs: 20_000,
        logger: () => {},
      });
      assert.equal(await joinCode(broker.port, "a", 4999), 26);
      assert.equal(await joinCode(broker.port, "b", 5000), 0);
      assert.equal(await joinCode(broker.port, "c", 20_001), 26);
    }
  },
  SANITIZED,
);

test(
  "a broker on a manual clock expires a silent member's session when the clock says so",
  async () => {
    const clock = new ManualClock();
    const logs: string[] = [];
    await using broker = await startBroker({ port: 0, clock, logger: (l) => logs.push(l) });
    await using member = await RawKafkaConnection.connect(broker.port);
    await member.writeRaw(joinGroupV0(member, "g", 3000));
    const joined = await withDeadline(member.readFrame(), 10_000, "the JoinGroup answer");
    const r = new ProtocolReader(joined!, 4);
    assert.equal(r.int16(), 0);
    r.int32();
    r.string();
    r.string();
    const memberId = r.string();
    const sync = await withDeadline(
      member.request(14, 0, (w) => w.string("g").int32(1).string(memberId).int32(0)),
      10_000,
      "the SyncGroup answer",
    );
    assert.equal(sync!.r.int16(), 0);
    await using observer = await RawKafkaConnection.connect(broker.port);
    assert.equal(await groupState(observer, "g"), "Stable");
    clock.advance(2999);
    assert.equal(await groupState(observer, "g"), "Stable");
    clock.advance(1);
    assert.equal(await groupState(observer, "g"), "Empty");
    assert.ok(logs.includes(`group g: session of member ${memberId} expired`));
  },
  SANITIZED,
);
