/**
 * Runs every fault scenario of `tests/support/fault_scenarios.ts` on librdkafka's three-broker
 * mock cluster for kcat (the reference) and for our CLI's `listen`, and prints one line per run as
 * it ends, then a side-by-side table: scenario | subject | sent | acked | received | missing | dup |
 * recover s | gap s | outcome. A subject that ends on its own is reported with its exit code and
 * last stderr line.
 *
 * Usage: `deno run -A scripts/bench_faults.ts [scenario...]` (or `deno task bench faults`);
 * `FAULT_CLI_LOG=info` (or `debug`) passes `--log` to the CLI, whose last stderr lines are shown
 * under each run that lost messages.
 * Exits 1 when a run could not be measured (the harness failed), not when a subject lost messages.
 *
 * @module
 */

import {
  CliSubject,
  formatResult,
  formatTable,
  KcatSubject,
  runScenario,
  type ScenarioResult,
  SCENARIOS,
  type Subject,
} from "../tests/support/fault_scenarios.ts";

const subjects: [string, () => Subject][] = [
  ["kcat", () => new KcatSubject()],
  ["igwn-alert", () => new CliSubject({ log: Deno.env.get("FAULT_CLI_LOG") })],
];
const wanted = new Set(Deno.args);
const unknown = [...wanted].filter((name) => !SCENARIOS.some((s) => s.name === name));
if (unknown.length) {
  console.error(`unknown scenario ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.name)}`);
  Deno.exit(2);
}

const results: ScenarioResult[] = [];
for (const scenario of SCENARIOS.filter((s) => wanted.size === 0 || wanted.has(s.name))) {
  for (const [, makeSubject] of subjects) {
    const result = await runScenario(scenario, makeSubject);
    console.error(formatResult(result));
    for (const line of result.stderrTail ?? []) {
      console.error(`    ${result.subject} stderr: ${line}`);
    }
    results.push(result);
  }
}
console.log(`\n${formatTable(results)}`);
console.log(
  "\nsent/acked: messages produced (acks=all) and acknowledged; missing: acknowledged, never " +
    "received; dup: received more than once; recover: fault end to the first message after it; " +
    "gap: longest silence from the fault's start.",
);
// Harness failures make the run unmeasured; a subject that died or lost messages is a result.
const unmeasured = results.filter((r) => r.error && !r.died);
Deno.exit(unmeasured.length ? 1 : 0);
