/**
 * Playground benchmark: simulator and validator speed, publish throughput into the broker, the
 * in-process listener's reproducible-order throughput, `deno task demo` wall time, and how
 * closely `--rate` keeps its schedule. Prints a Markdown table on stdout.
 *
 * Usage: `deno run -A scripts/bench_playground.ts`
 *
 * Soak mode: `deno run -A scripts/bench_playground.ts --minutes 10 [--rate 600]` runs the CLI's
 * `playground --listen` (in memory, no credential, alerts to /dev/null) for that long at `--rate`
 * lifecycles per minute (default 600) and samples the process every 30 s (Linux only): RSS (VmRSS
 * of /proc/PID/status), `malloc`'s main heap (`[heap]` of /proc/PID/smaps) and the alerts received
 * so far. It ends with RSS at minute 1, at half time and at the end, and the growth over the
 * second half (from its first to its last sample, and the slope of a least-squares line through
 * all of its samples), which should be about zero: the broker's memory budget bounds the
 * in-memory log (the playground's 32 MiB are full within a minute at this rate), and nothing else
 * kept per alert or per superevent grows.
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

function soakOption(name: string, fallback?: number): number | undefined {
  const index = Deno.args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(Deno.args[index + 1]);
  if (!(value > 0)) {
    console.error(`--${name} needs a positive number`);
    Deno.exit(2);
  }
  return value;
}

const soakMinutes = soakOption("minutes");
if (soakMinutes !== undefined) {
  await soak(soakMinutes, soakOption("rate", 600)!);
  Deno.exit(0);
}

/** Runs `playground --listen` for `minutes` at `rate` lifecycles a minute and prints its RSS. */
async function soak(minutes: number, rate: number): Promise<void> {
  const cli = new URL("../cli.ts", import.meta.url).pathname;
  // Alerts go to /dev/null; the listener's summary (stderr) counts them at the end. The rate is
  // read from the progress lines instead, one per lifecycle received.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", cli, "playground", "--no-auth", "--listen", "--seed", "7"]
      .concat(["--rate", String(rate), "--format", "short"]),
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let received = 0;
  const counting = (async () => {
    // One line per alert with --format short.
    for await (const chunk of child.stdout) {
      for (const byte of chunk) if (byte === 10) received++;
    }
  })();
  const status = () => {
    const text = Deno.readTextFileSync(`/proc/${child.pid}/status`);
    const rss = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(text)?.[1] ?? 0) / 1024;
    const smaps = Deno.readTextFileSync(`/proc/${child.pid}/smaps`);
    const at = smaps.indexOf("[heap]");
    const heap = at < 0 ? 0 : Number(/^Rss:\s+(\d+)/m.exec(smaps.slice(at))?.[1] ?? 0) / 1024;
    return { rss, heap };
  };
  const samples: { minute: number; rss: number; heap: number; received: number }[] = [];
  const started = performance.now();
  const stepMs = 30_000;
  const count = Math.max(2, Math.round((minutes * 60_000) / stepMs));
  console.log(`playground --listen --rate ${rate}, ${minutes} min, sampled every 30 s\n`);
  console.log("| minute | RSS MB | malloc heap MB | alerts received |");
  console.log("| -----: | -----: | -------------: | --------------: |");
  try {
    for (let i = 1; i <= count; i++) {
      const wait = started + i * stepMs - performance.now();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
      const sample = { minute: (performance.now() - started) / 60_000, ...status(), received };
      samples.push(sample);
      console.log(
        `| ${sample.minute.toFixed(1)} | ${sample.rss.toFixed(1)} | ${sample.heap.toFixed(1)} | ` +
          `${sample.received} |`,
      );
    }
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await counting.catch(() => {});
  }
  const at = (minute: number) =>
    samples.reduce((best, s) =>
      Math.abs(s.minute - minute) < Math.abs(best.minute - minute) ? s : best
    );
  const targets = [...new Set([1, minutes / 2, minutes])].sort((a, b) => a - b);
  const marks = targets.map(at);
  const half = samples.slice(Math.floor(samples.length / 2) - 1);
  const first = half[0];
  const last = half[half.length - 1];
  const perMinute = (last.rss - first.rss) / (last.minute - first.minute);
  // Single samples swing by 10-20 MB with garbage collection; the fitted line over every sample
  // of the second half says more about a trend than its two ends do.
  const meanMinute = half.reduce((sum, s) => sum + s.minute, 0) / half.length;
  const meanRss = half.reduce((sum, s) => sum + s.rss, 0) / half.length;
  const fitted = half.reduce((sum, s) => sum + (s.minute - meanMinute) * (s.rss - meanRss), 0) /
    half.reduce((sum, s) => sum + (s.minute - meanMinute) ** 2, 0);
  const signed = (value: number) => `${value >= 0 ? "+" : ""}${value.toFixed(2)}`;
  console.log(
    `\nRSS at minute ${targets.join(" / ")}: ` +
      `${marks.map((s) => s.rss.toFixed(0)).join(" / ")} MB; second half ` +
      `${signed(perMinute)} MB/min end to end, ${signed(fitted)} MB/min fitted, max ` +
      `${Math.max(...samples.map((s) => s.rss)).toFixed(0)} MB; ${last.received} alerts, ` +
      `${(last.received / (last.minute * 60)).toFixed(0)}/s`,
  );
}

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
