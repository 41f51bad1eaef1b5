/**
 * Every fault scenario with our CLI's `listen` on librdkafka's three-broker mock cluster, as users
 * run it (a fixed consumer group, no `-r`): it must stay up and print every acknowledged message;
 * duplicates are allowed, counted and printed. `scripts/bench_faults.ts` prints the same runs beside
 * kcat's.
 */
import assert from "node:assert/strict";
import { test } from "./support/deadline.ts";
import { CliSubject, formatResult, runScenario, SCENARIOS } from "./support/fault_scenarios.ts";

for (const scenario of SCENARIOS) {
  test(`${scenario.name} igwn-alert listen: ${scenario.description}`, async () => {
    const result = await runScenario(scenario, () => new CliSubject({ log: "info" }));
    console.log(formatResult(result));
    const report = [formatResult(result), ...(result.stderrTail ?? [])].join("\n");
    assert.equal(result.error, undefined, report);
    assert.equal(result.died, undefined, report);
    assert.equal(result.failed, 0, "the producer's messages were all acknowledged");
    assert.equal(result.acked, result.sent);
    assert.equal(result.missing, 0, report);
    assert.ok(result.received >= result.acked, report);
    assert.notEqual(result.recoverSeconds, undefined, `no message after the fault\n${report}`);
  }, { deadlineMs: 180_000 });
}
