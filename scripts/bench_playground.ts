/**
 * Playground benchmark: simulator and validator speed, publish throughput into the broker, the
 * in-process listener's reproducible-order throughput, `deno task demo` wall time, and how
 * closely `--rate` keeps its schedule. Prints a Markdown table on stdout.
 *
 * Usage: `deno run -A scripts/bench_playground.ts`
 *
 * @module
 */
import { validateAlert } from "../lib/alert/types.ts";
import { startBroker } from "../lib/broker/mod.ts";
import {
  graceDbTopics,
  PLAYGROUND_GROUPS,
  publishLifecycles,
  simulateLifecycles,
  startPlayground,
} from "../lib/playground/mod.ts";

const rows: [string, string, string][] = [];
const note = (line: string) => console.error(line);
const quiet = () => {};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// Simulator: steps per second over 300 lifecycles across all groups.
{
  const started = performance.now();
  let steps = 0;
  let bytes = 0;
  for (const step of simulateLifecycles({ seed: 1, count: 300, groups: PLAYGROUND_GROUPS })) {
    steps++;
    bytes += JSON.stringify(step.alert).length;
  }
  const seconds = (performance.now() - started) / 1000;
  rows.push([
    "simulate 300 lifecycles",
    `${Math.round(steps / seconds).toLocaleString("en")} alerts/s`,
    `${steps} alerts, mean ${(bytes / steps / 1024).toFixed(1)} KiB (JSON)`,
  ]);
  note(`simulated ${steps} alerts in ${seconds.toFixed(2)} s`);
}

// Validator: alerts per second.
{
  const alerts = [...simulateLifecycles({ seed: 2, count: 100 })].map((s) => s.alert);
  const started = performance.now();
  let problems = 0;
  for (let round = 0; round < 5; round++) {
    for (const alert of alerts) problems += validateAlert(alert).length;
  }
  const seconds = (performance.now() - started) / 1000;
  rows.push([
    "validateAlert",
    `${Math.round((alerts.length * 5) / seconds).toLocaleString("en")} alerts/s`,
    `${problems} problems found`,
  ]);
}

// Publish throughput, as fast as possible, into an in-memory PLAINTEXT broker.
{
  await using broker = await startBroker({
    port: 0,
    topics: graceDbTopics("gracedb"),
    logger: quiet,
  });
  const started = performance.now();
  const summary = await publishLifecycles(`${broker.url}/`, { seed: 3, count: 100, auth: false });
  const seconds = (performance.now() - started) / 1000;
  rows.push([
    "publish 100 lifecycles (fast, PLAINTEXT)",
    `${Math.round(summary.alerts / seconds).toLocaleString("en")} alerts/s`,
    `${summary.alerts} alerts in ${seconds.toFixed(2)} s`,
  ]);
}

// In-process listener: each alert is published once the listener has the previous one.
{
  let received = 0;
  const started = performance.now();
  await using playground = await startPlayground({
    port: 0,
    seed: 4,
    count: 10,
    listen: true,
    onAlert: () => received++,
    brokerLogger: quiet,
  });
  const ready = performance.now();
  const summary = await playground.done;
  const seconds = (performance.now() - ready) / 1000;
  rows.push([
    "--listen, 10 lifecycles (SASL, lock-step)",
    `${Math.round(received / seconds).toLocaleString("en")} alerts/s`,
    `${summary.alerts} published, ${received} received; start-up ${Math.round(ready - started)} ms`,
  ]);
}

// `deno task demo` as a user runs it (includes Deno start-up and module loading).
{
  const times: number[] = [];
  let size = 0;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["task", "demo"],
      cwd: new URL("..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "null",
    }).output();
    times.push(performance.now() - started);
    size = output.stdout.length;
    if (output.code !== 0) throw new Error(`deno task demo exited ${output.code}`);
  }
  rows.push([
    "deno task demo (3 lifecycles, wall time)",
    `${Math.round(median(times))} ms`,
    `median of 3; ${(size / 1024).toFixed(0)} KiB on stdout`,
  ]);
}

// --rate schedule: 3 lifecycles at 60/min should finish just after 2 s + 90% of a slot.
{
  await using broker = await startBroker({
    port: 0,
    topics: graceDbTopics("gracedb"),
    logger: quiet,
  });
  const starts: number[] = [];
  const began = performance.now();
  await publishLifecycles(`${broker.url}/`, {
    seed: 5,
    count: 3,
    rate: 60,
    auth: false,
    onPublished: (step) => {
      if (step.sequence === 0) starts.push(performance.now() - began);
    },
  });
  const total = performance.now() - began;
  const lateness = starts.map((t, i) => t - i * 1000);
  rows.push([
    "--rate 60, 3 lifecycles",
    `${Math.round(total)} ms total`,
    `lifecycle starts late by ${
      lateness.map((ms) => Math.round(ms)).join(", ")
    } ms; ideal end ~2900 ms`,
  ]);
}

console.log("| Measurement | Result | Notes |");
console.log("|---|---|---|");
for (const [what, result, notes] of rows) console.log(`| ${what} | ${result} | ${notes} |`);
