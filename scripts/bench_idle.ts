/**
 * What an idle listener costs: connected, subscribed, no messages. Starts our broker and, side by
 * side, the CLI's `listen` (with kafkajs' idle timer fix, and without it:
 * `IGWN_ALERT_KAFKAJS_IDLE_FIX=0`), a plain kafkajs consumer with its default settings (5 s
 * fetch long-polls, 3 s heartbeats), the same with the fix, the same with the fix and 200 ms
 * long-polls, the same with `listen`'s intervals (librdkafka's 500 ms long-polls, 1 s heartbeats), and
 * `kcat -C -G` (librdkafka) if installed, each in its own process and consumer group, and two
 * floors: a Deno process that only waits, and one that has loaded kafkajs too. After they
 * have settled it measures each process for a window and prints CPU ms per second (the run time
 * of all threads, /proc/PID/task/TID/schedstat, in ns), wake-ups per second (voluntary +
 * involuntary context switches of all threads, /proc/PID/task/TID/status; the main thread's alone
 * in brackets) and RSS (VmRSS).
 *
 * The default settling time, 40 s, keeps start-up out of the window: a Deno process runs V8's
 * memory-reducing mark-compact once, about 30 s after it starts (40-85 ms of CPU on the
 * development machine), which would add 1-3 ms/s to a 30 s window that starts earlier.
 *
 * Usage: `deno run -A scripts/bench_idle.ts [--seconds 30] [--settle 40]` (or `deno task bench
 * idle`, where `BENCH_IDLE_SECONDS` sets the window). Linux only (reads /proc).
 *
 * @module
 */
import { Kafka, logLevel } from "kafkajs";
import { startBroker } from "../lib/broker/mod.ts";

const TOPIC = "bench.idle";

// Child mode: a plain kafkajs consumer reading TOPIC until killed, with kafkajs' defaults or
// `--fix` (our request-queue fix) and `--poll MS --heartbeat MS` (the fetch long-poll and
// heartbeat intervals).
if (Deno.args[0] === "--kafkajs-consumer") {
  const [, bootstrap, group, ...rest] = Deno.args;
  const setting = (name: string) => {
    const index = rest.indexOf(`--${name}`);
    return index >= 0 ? Number(rest[index + 1]) : undefined;
  };
  if (rest.includes("--fix")) {
    const { installIdleTimerFix } = await import("../lib/kafka/_idle_timer_fix.ts");
    await installIdleTimerFix();
  }
  Deno.env.set("KAFKAJS_NO_PARTITIONER_WARNING", "1");
  const consumer = new Kafka({ brokers: [bootstrap], logLevel: logLevel.ERROR }).consumer({
    groupId: group,
    maxWaitTimeInMs: setting("poll") ?? 5_000,
    heartbeatInterval: setting("heartbeat") ?? 3_000,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC });
  await consumer.run({ eachMessage: async () => {} });
  console.error("kafkajs consumer running");
  await new Promise(() => {});
}

function option(name: string, fallback: number): number {
  const index = Deno.args.indexOf(`--${name}`);
  const text = index >= 0
    ? Deno.args[index + 1]
    : name === "seconds"
    ? Deno.env.get("BENCH_IDLE_SECONDS")
    : undefined;
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(value > 0)) {
    console.error(`--${name} needs a positive number of seconds`);
    Deno.exit(2);
  }
  return value;
}

const windowSeconds = option("seconds", 30);
const settleSeconds = option("settle", 40);

interface Subject {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** A stderr line that says the subject is up; none: running is enough. */
  ready?: RegExp;
}

interface Sample {
  cpuNs: number;
  switches: number;
  mainSwitches: number;
  rssKb: number;
}

function switchesOf(status: string): number {
  const voluntary = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(status);
  const involuntary = /^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status);
  return Number(voluntary?.[1] ?? 0) + Number(involuntary?.[1] ?? 0);
}

// CPU time from schedstat (ns) rather than utime + stime (10 ms ticks): an idle process runs a
// few ms a second, which ticks only count by chance.
function sample(pid: number): Sample {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  let switches = 0;
  let cpuNs = 0;
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const dir = `/proc/${pid}/task/${task.name}`;
      switches += switchesOf(Deno.readTextFileSync(`${dir}/status`));
      cpuNs += Number(Deno.readTextFileSync(`${dir}/schedstat`).split(" ")[0]);
    } catch {
      // The thread ended while we listed them.
    }
  }
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return { cpuNs, switches, mainSwitches: switchesOf(status), rssKb: Number(rss?.[1] ?? 0) };
}

async function which(command: string): Promise<boolean> {
  try {
    const { code } = await new Deno.Command("sh", {
      args: ["-c", `command -v ${command}`],
      stdout: "null",
    }).output();
    return code === 0;
  } catch {
    return false;
  }
}

await using broker = await startBroker({ port: 0, topics: [TOPIC], logger: () => {} });
const bootstrap = broker.addresses[0];
const cli = new URL("../cli.ts", import.meta.url).pathname;
const dot = TOPIC.indexOf(".");
const listen = (group: string) => [
  "run",
  "-A",
  "--frozen",
  cli,
  "--no-auth",
  "--server",
  `kafka://${bootstrap}/`,
  "listen",
  "-g",
  TOPIC.slice(0, dot),
  TOPIC.slice(dot + 1),
  "-c",
  group,
];
const kafkajsSubject = (name: string, group: string, settings: string[]): Subject => ({
  name,
  command: Deno.execPath(),
  args: [
    "run",
    "-A",
    "--frozen",
    new URL(import.meta.url).pathname,
    "--kafkajs-consumer",
    bootstrap,
    group,
    ...settings,
  ],
  ready: /kafkajs consumer running/,
});
const subjects: Subject[] = [
  {
    name: "igwn-alert listen",
    command: Deno.execPath(),
    args: listen("idle-fixed"),
    env: { IGWN_ALERT_KAFKAJS_IDLE_FIX: "1" },
    ready: /ready, listening/,
  },
  {
    name: "igwn-alert listen, fix off",
    command: Deno.execPath(),
    args: listen("idle-unfixed"),
    env: { IGWN_ALERT_KAFKAJS_IDLE_FIX: "0" },
    ready: /ready, listening/,
  },
  kafkajsSubject("plain kafkajs consumer", "idle-kafkajs", []),
  kafkajsSubject("kafkajs + fix", "idle-kafkajs-fixed", ["--fix"]),
  kafkajsSubject("kafkajs + fix, 200 ms polls", "idle-kafkajs-200", [
    "--fix",
    "--poll",
    "200",
    "--heartbeat",
    "1000",
  ]),
  kafkajsSubject("kafkajs + fix, listen's 500 ms polls", "idle-kafkajs-500", [
    "--fix",
    "--poll",
    "500",
    "--heartbeat",
    "1000",
  ]),
];
// What Deno costs before any Kafka client runs: a process that only waits, and one that has also
// loaded kafkajs (not connected); the floor under every Deno subject's RSS.
const config = new URL("../deno.json", import.meta.url).pathname;
const waitingProcess = (name: string, code: string): Subject => ({
  name,
  command: Deno.execPath(),
  args: [
    "eval",
    "--config",
    config,
    "--frozen",
    `${code}; console.error("up"); setInterval(() => {}, 1e9);`,
  ],
  ready: /^up$/,
});
subjects.push(
  waitingProcess("deno, waiting (floor)", ""),
  waitingProcess("deno, kafkajs loaded (floor)", 'await import("kafkajs")'),
);
if (await which("kcat")) {
  subjects.push({
    name: "kcat -C -G",
    command: "kcat",
    args: ["-C", "-q", "-b", bootstrap, "-G", "idle-kcat", TOPIC],
  });
} else {
  console.error("kcat not found: measuring without it");
}

const children = subjects.map((subject) => {
  const child = new Deno.Command(subject.command, {
    args: subject.args,
    env: { NO_COLOR: "1", ...subject.env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const { promise: ready, resolve: resolveReady } = Promise.withResolvers<void>();
  if (!subject.ready) resolveReady();
  const exited = child.status;
  (async () => {
    let buffer = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        lines.push(line);
        if (lines.length > 5) lines.shift();
        if (subject.ready?.test(line)) resolveReady();
      }
    }
  })().catch(() => {});
  return { subject, child, lines, ready, exited };
});

let failed = false;
try {
  await Promise.all(children.map(async ({ subject, ready, exited, lines }) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      ready.then(() => "ready"),
      exited.then((status) => `exited with ${status.code}`),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve("not ready"), 60_000))),
    ]);
    clearTimeout(timer);
    if (outcome !== "ready") {
      throw new Error(`${subject.name}: ${outcome}; last stderr: ${lines.join(" | ")}`);
    }
  }));
  console.error(`all running; settling ${settleSeconds} s, then measuring ${windowSeconds} s`);
  await new Promise((resolve) => setTimeout(resolve, settleSeconds * 1000));
  const before = children.map(({ child }) => sample(child.pid));
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowSeconds * 1000));
  const after = children.map(({ child }) => sample(child.pid));
  const seconds = (performance.now() - started) / 1000;

  const rows = children.map(({ subject }, i) => ({
    name: subject.name,
    cpuMsPerS: (after[i].cpuNs - before[i].cpuNs) / 1e6 / seconds,
    wakeupsPerS: (after[i].switches - before[i].switches) / seconds,
    mainWakeupsPerS: (after[i].mainSwitches - before[i].mainSwitches) / seconds,
    rssMb: after[i].rssKb / 1024,
  }));
  const header = ["subject", "CPU ms/s", "wake-ups/s (main thread)", "RSS MB"];
  const table = [
    header,
    ...rows.map((r) => [
      r.name,
      r.cpuMsPerS.toFixed(1),
      `${r.wakeupsPerS.toFixed(0)} (${r.mainWakeupsPerS.toFixed(0)})`,
      r.rssMb.toFixed(0),
    ]),
  ];
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const line = (row: string[]) =>
    `| ${
      row.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])).join(" | ")
    } |`;
  console.log(`\nidle for ${seconds.toFixed(1)} s, after ${settleSeconds} s to settle:\n`);
  console.log(line(table[0]));
  console.log(
    `| ${widths.map((w, c) => c === 0 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`).join(" | ")} |`,
  );
  for (const row of table.slice(1)) console.log(line(row));
  const ours = rows[0];
  const ratio = (a: number, b: number) => b > 0 ? `${(a / b).toFixed(a / b < 1 ? 2 : 1)}x` : "n/a";
  console.log("");
  for (
    const other of rows.filter((r) =>
      r.name === "plain kafkajs consumer" || r.name.startsWith("kcat") ||
      r.name.endsWith("(floor)")
    )
  ) {
    console.log(
      `${ours.name} vs ${other.name}: CPU ${ratio(ours.cpuMsPerS, other.cpuMsPerS)}, wake-ups ${
        ratio(ours.wakeupsPerS, other.wakeupsPerS)
      }, RSS ${ratio(ours.rssMb, other.rssMb)}`,
    );
  }
} catch (error) {
  console.error(`bench_idle: ${(error as Error).message}`);
  failed = true;
} finally {
  for (const { child } of children) {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
  }
  await Promise.all(children.map(({ exited }) => exited));
}
if (failed) Deno.exit(1);
