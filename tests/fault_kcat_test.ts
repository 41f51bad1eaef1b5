/**
 * Every fault scenario with kcat (librdkafka's balanced consumer) on librdkafka's three-broker
 * mock cluster: the reference our CLI is measured against (`scripts/bench_faults.ts`). No
 * acknowledged message may go missing; duplicates are counted and printed.
 */
import assert from "node:assert/strict";
import { test } from "./support/deadline.ts";
import { LineProcess } from "./support/mock_cluster.ts";
import {
  formatResult,
  KcatSubject,
  runScenario,
  SCENARIOS,
  seqOf,
  type Subject,
} from "./support/fault_scenarios.ts";

for (const scenario of SCENARIOS) {
  test(`${scenario.name} kcat: ${scenario.description}`, async () => {
    const result = await runScenario(scenario, () => new KcatSubject());
    console.log(formatResult(result));
    assert.equal(result.error, undefined, formatResult(result));
    assert.equal(result.failed, 0, "the producer's messages were all acknowledged");
    assert.equal(result.acked, result.sent);
    if (scenario.name === "fetch-timeout") {
      // kcat ends on any error librdkafka hands to the application, -E or not: the fault is
      // measured, and kcat's way of ending is what the result must report.
      assert.equal(result.died?.code, 1, formatResult(result));
      assert.match(
        result.died!.lastStderr,
        /Fetch from broker 1 failed: Broker: Request timed out/,
      );
      return;
    }
    assert.equal(result.died, undefined, formatResult(result));
    assert.equal(result.missing, 0, formatResult(result));
    assert.ok(result.received >= result.acked, formatResult(result));
    assert.notEqual(result.recoverSeconds, undefined, "kcat received messages after the fault");
  }, { deadlineMs: 180_000 });
}

test(
  "a subject that ends on its own is reported with its exit code and last stderr line",
  async () => {
    let process: LineProcess | undefined;
    const seqs: number[] = [];
    const listeners: (() => void)[] = [];
    const dying: Subject = {
      name: "dying",
      start() {
        process = new LineProcess("sh", [
          "-c",
          `echo '{"seq": 1}'; echo 'first words' >&2; echo 'last words' >&2; exit 3`,
        ], {
          onLine: ({ text }) => {
            const seq = seqOf(text);
            if (seq !== undefined) seqs.push(seq);
          },
        });
        process.status.then(() => listeners.forEach((listener) => listener()));
        return Promise.resolve();
      },
      received: () => seqs,
      died: () => process?.exitReport(),
      onChange: (listener) => listeners.push(listener),
      async stop() {
        await process?.stop();
      },
    };
    const result = await runScenario(SCENARIOS[0], () => dying, { deadlineMs: 60_000 });
    console.log(formatResult(result));
    assert.deepEqual(result.died, { code: 3, signal: null, lastStderr: "last words" });
    assert.match(result.error ?? "", /dying ended before the fault/);
    assert.equal(result.received, 1);
    assert.match(formatResult(result), /dying DIED with exit code 3: last words/);
  },
  { deadlineMs: 90_000 },
);
