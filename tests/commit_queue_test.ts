/**
 * The consumer's commit queue on its own: coalescing, commits lost to a rebalance kept and sent
 * again, lasting refusals thrown, partitions of other members dropped.
 */
import assert from "node:assert/strict";
import { CommitQueue, type CommitTarget } from "../lib/hop/_commit_queue.ts";
import { KafkaError } from "../lib/kafka/errors.ts";
import type { PartitionOffset } from "../lib/kafka/types.ts";
import { Condition, test } from "./support/deadline.ts";

/** A commit target that records requests and fails the first ones as told. */
function recordingTarget(failures: KafkaError[] = [], owned = () => true) {
  const sent: PartitionOffset[][] = [];
  const reported: [string, boolean][] = [];
  const changed = new Condition();
  const target: CommitTarget = {
    commit: (positions) => {
      sent.push(positions.map((p) => ({ ...p })));
      changed.notify();
      const failure = failures.shift();
      return failure ? Promise.reject(failure) : Promise.resolve();
    },
    owns: (_topic, _partition) => owned(),
    onFailure: (error, retrying) => {
      reported.push([error.kind, retrying]);
      changed.notify();
    },
  };
  return { target, sent, reported, changed };
}

test("queued commits of one partition go out as one request with the newest offset", async () => {
  const { target, sent, changed } = recordingTarget();
  const queue = new CommitQueue(target);
  try {
    queue.add("t", 0, 5);
    queue.add("t", 0, 7);
    queue.add("t", 1, 3);
    queue.add("t", 0, 6);
    await changed.wait(() => sent.length === 1, { deadlineMs: 5_000, what: "one commit" });
    assert.deepEqual(sent, [[
      { topic: "t", partition: 0, offset: 7 },
      { topic: "t", partition: 1, offset: 3 },
    ]]);
  } finally {
    queue.close();
  }
});

test("a commit lost to a rebalance is kept and sent again, never thrown", async () => {
  const lost = new KafkaError("the group is rebalancing", { kind: "rebalance" });
  const { target, sent, reported, changed } = recordingTarget([lost]);
  const queue = new CommitQueue(target);
  try {
    queue.add("t", 0, 10, false);
    await queue.flush();
    assert.deepEqual(reported, [["rebalance", true]]);
    queue.add("t", 0, 11, false);
    await changed.wait(() => sent.length === 2, { deadlineMs: 10_000, what: "the second try" });
    await queue.flush();
    assert.deepEqual(sent, [
      [{ topic: "t", partition: 0, offset: 10 }],
      [{ topic: "t", partition: 0, offset: 11 }],
    ]);
  } finally {
    queue.close();
  }
});

test("a lasting refusal is thrown by flush()", async () => {
  const denied = new KafkaError("group g is not authorized", { kind: "authorization" });
  const { target } = recordingTarget([denied]);
  const queue = new CommitQueue(target);
  try {
    queue.add("t", 0, 1, false);
    await assert.rejects(queue.flush(), (error) => error === denied);
  } finally {
    queue.close();
  }
});

test("commits of partitions this member no longer reads are dropped", async () => {
  const { target, sent } = recordingTarget([], () => false);
  const queue = new CommitQueue(target);
  try {
    queue.add("t", 0, 4, false);
    await queue.flush();
    assert.deepEqual(sent, []);
  } finally {
    queue.close();
  }
});
