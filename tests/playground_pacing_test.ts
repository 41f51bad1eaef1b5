import assert from "node:assert/strict";
import { PublishSchedule } from "../lib/playground/_pacing.ts";
import { simulateLifecycles } from "../lib/playground/mod.ts";
import { test } from "./support/deadline.ts";

const steps = [...simulateLifecycles({ seed: 8, count: 3 })];

function plan(options: { rate?: number; realtime?: boolean }): number[] {
  // Each lifecycle "ends" exactly when its last alert is due: the publisher keeps up.
  const schedule = new PublishSchedule(options, 1000);
  return steps.map((step) => {
    const due = schedule.dueAt(step);
    if (step.last) schedule.lifecycleEnded(due);
    return due;
  });
}

function starts(dues: number[]): number[] {
  return steps.flatMap((step, i) => (step.sequence === 0 ? [dues[i]] : []));
}

test("PublishSchedule without rate or realtime makes every alert due at once", () => {
  const schedule = new PublishSchedule({}, 1000);
  assert.equal(schedule.paced, false);
  assert.ok(plan({}).every((due) => due === 1000));
});

test("PublishSchedule with a rate starts lifecycles one slot apart and squeezes them in", () => {
  const dues = plan({ rate: 30 }); // a slot of 2 s
  assert.deepEqual(starts(dues), [1000, 3000, 5000]);
  steps.forEach((step, i) => {
    const slotStart = 1000 + step.lifecycle * 2000;
    assert.ok(dues[i] >= slotStart && dues[i] <= slotStart + 1800, `${dues[i]} outside its slot`);
    if (i > 0) assert.ok(dues[i] >= dues[i - 1], "never earlier than the alert before");
  });
  // The last alert of each lifecycle lands at 90% of the slot: GraceDB's proportions kept.
  steps.forEach((step, i) => {
    if (step.last) assert.equal(Math.round(dues[i]), 1000 + step.lifecycle * 2000 + 1800);
  });
});

test("PublishSchedule in real time keeps GraceDB's delays between alerts", () => {
  const dues = plan({ realtime: true });
  steps.forEach((step, i) => {
    if (i === 0) assert.equal(dues[0], 1000);
    else assert.equal(dues[i] - dues[i - 1], step.delayMs);
  });
});

test("PublishSchedule in real time with a rate never overlaps lifecycles", () => {
  const dues = plan({ realtime: true, rate: 600 }); // slots of 100 ms, far shorter than a lifecycle
  const lifecycleStarts = starts(dues);
  const ends = steps.flatMap((step, i) => (step.last ? [dues[i]] : []));
  assert.equal(lifecycleStarts[0], 1000);
  assert.equal(lifecycleStarts[1], ends[0]);
  assert.equal(lifecycleStarts[2], ends[1]);
  steps.forEach((step, i) => {
    if (step.sequence > 0) assert.equal(dues[i] - dues[i - 1], step.delayMs);
  });

  const slow = plan({ realtime: true, rate: 0.01 }); // slots of 100 minutes
  assert.deepEqual(starts(slow), [1000, 1000 + 6_000_000, 1000 + 12_000_000]);
});
