/**
 * Broker throughput benchmark: kcat produces N messages of SIZE bytes (acks=1) and then consumes
 * them back, against our broker (in memory, then with a data directory) and against librdkafka's
 * own mock broker in the same run. The mock keeps only the newest few MB of a partition, so our
 * brokers also consume just that many newest messages ("consume newest"), and a third run of ours
 * keeps only as many bytes in memory as the mock held ("ours, memory, mock's retention": its
 * memory budget set to that), the like-for-like rows: a broker that keeps everything puts every
 * byte in fresh memory, one that deletes old batches reuses what they held.
 * Prints messages per second, CPU seconds of the broker process and its resident memory at the
 * end, each beside the mock's as a ratio, as a Markdown table. A second table gives what Deno
 * alone costs for the produce run's bytes (received over loopback TCP into one reused buffer or
 * into fresh ones, and their CRC-32C), beside the mock's produce: the floor under our produce.
 *
 * Each of our brokers runs in a child process of this script whose CPU is its own (the run time
 * of its threads, `/proc/self/task/TID/schedstat`, in ns); the shell connects kcat's stdin and
 * stdout to files so that the process does no work for it. The mock broker's CPU is read the same way from its pid.
 *
 * Usage: deno run -A scripts/bench_broker.ts [--messages 100000] [--size 1024] [--data-dir DIR]
 * [--repeat 1] [--no-mock] (`--data-dir` picks where the persisted runs write, one subdirectory
 * each; default a temporary directory; `--repeat N` runs every broker N times, alternating, and
 * prints the median of each figure; `--no-mock` skips librdkafka's mock broker, which needs gcc and
 * librdkafka-dev).
 *
 * @module
 */

import { startBroker } from "../lib/broker/mod.ts";
import { MockCluster } from "../tests/support/mock_cluster.ts";

function flag(name: string, fallback: string): string {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 && Deno.args[at + 1] ? Deno.args[at + 1] : fallback;
}

const messages = Number(flag("messages", "100000"));
const size = Number(flag("size", "1024"));
const dataDir = flag("data-dir", "");
const withMock = !Deno.args.includes("--no-mock");
const repeat = Math.max(1, Number(flag("repeat", "1")));
// Each of our brokers runs in a child process of its own, so that its RSS is its own.
const child = flag("child", "");
/**
 * CPU seconds of a process: the run time of all its threads (`/proc/PID/task/TID/schedstat`, in
 * ns) rather than utime + stime in 10 ms ticks, too coarse for the mock broker's few ticks.
 */
function cpuSeconds(pid: number | "self"): number {
  let ns = 0;
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/schedstat`).split(" ")[0]);
    } catch { /* the thread ended meanwhile */ }
  }
  return ns / 1e9;
}

/** Resident memory of a process in MB, from /proc. */
function rssMb(pid: number | "self"): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** The pid of this process's child whose command line contains `needle`. */
function childPid(needle: string): number {
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      if (ppid === Deno.pid && cmdline.includes(needle)) return Number(entry.name);
    } catch { /* process ended meanwhile */ }
  }
  throw new Error(`no child process running ${needle}`);
}

const work = child ? flag("work", "") : await Deno.makeTempDir({ prefix: "bench-broker-" });
const inputPath = `${work}/input`;
const outputPath = `${work}/output-${child || "main"}`;
if (!child) {
  // Written in pieces, so the input does not inflate this process's (the broker's) memory.
  const line = new Uint8Array(size + 1).fill(0x61);
  line[size] = 0x0a;
  const perPiece = 1000;
  const piece = new Uint8Array(line.length * perPiece);
  for (let i = 0; i < perPiece; i++) piece.set(line, i * line.length);
  using file = await Deno.open(inputPath, { write: true, create: true, truncate: true });
  for (let left = messages; left > 0; left -= perPiece) {
    const bytes = piece.subarray(0, Math.min(left, perPiece) * line.length);
    for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
  }
}

/** Runs kcat with stdin and stdout redirected to files by the shell. */
async function kcat(args: string[], stdinPath: string, stdoutPath: string): Promise<number> {
  const started = performance.now();
  const command = new Deno.Command("sh", {
    args: ["-c", `exec kcat "$@" < "${stdinPath}" > "${stdoutPath}"`, "kcat", ...args],
    stdin: "null",
    stderr: "piped",
  });
  const out = await command.output();
  const seconds = (performance.now() - started) / 1000;
  if (out.code !== 0) {
    throw new Error(
      `kcat ${args.join(" ")} exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return seconds;
}

interface Phase {
  seconds: number;
  cpu: number;
  /** Messages moved (the mock broker keeps only the newest few MB of a partition). */
  messages: number;
}

interface Run {
  label: string;
  produce: Phase;
  /** The same messages produced again, into a broker that deletes old batches (by then). */
  again?: Phase;
  consume: Phase;
  /** Consuming only as many of the newest messages as the mock broker holds. */
  tail?: Phase;
  rss: number;
}

async function measure(
  bootstrap: string,
  cpu: () => number,
  keepsAll: boolean,
  tail?: number,
): Promise<Omit<Run, "label" | "rss">> {
  const produce = await produceAll(bootstrap, cpu);
  // A broker that deletes old batches reaches its steady state once it has deleted some: the
  // same messages again show what a long-running one costs.
  const again = keepsAll ? undefined : await produceAll(bootstrap, cpu);
  const produced = again ? 2 * messages : messages;
  let before = cpu();
  const consumeSeconds = await kcat(
    [
      "-b",
      bootstrap,
      "-C",
      "-t",
      "bench",
      "-p",
      "0",
      "-o",
      "beginning",
      "-e",
      "-q",
      "-f",
      "%o\\n",
    ],
    "/dev/null",
    outputPath,
  );
  const cpuUsed = cpu() - before;
  const offsets = (await Deno.readTextFile(outputPath)).trimEnd().split("\n");
  const received = offsets[0] === "" ? 0 : offsets.length;
  const last = Number(offsets.at(-1));
  if ((keepsAll && received !== messages) || last !== produced - 1) {
    throw new Error(`consumed ${received} of ${produced} messages, the last at offset ${last}`);
  }
  const result: Omit<Run, "label" | "rss"> = {
    produce,
    ...(again ? { again } : {}),
    consume: { seconds: consumeSeconds, cpu: cpuUsed, messages: received },
  };
  if (tail !== undefined) {
    // The newest `tail` messages only: as many as the mock broker still holds.
    before = cpu();
    const seconds = await kcat(
      ["-b", bootstrap, "-C", "-t", "bench", "-p", "0", "-o", `-${tail}`, "-e", "-q"],
      "/dev/null",
      "/dev/null",
    );
    result.tail = { seconds, cpu: cpu() - before, messages: tail };
  }
  return result;
}

/** kcat produces the input file's messages (acks=1); the time and the broker's CPU. */
async function produceAll(bootstrap: string, cpu: () => number): Promise<Phase> {
  const before = cpu();
  const seconds = await kcat(
    [
      "-b",
      bootstrap,
      "-P",
      "-t",
      "bench",
      "-p",
      "0",
      "-X",
      "acks=1",
      "-X",
      "linger.ms=5",
    ],
    inputPath,
    "/dev/null",
  );
  return { seconds, cpu: cpu() - before, messages };
}

async function ours(storage: string | undefined, tail?: number, budget?: number): Promise<Run> {
  const broker = await startBroker({
    port: 0,
    topics: ["bench"],
    dataDir: storage,
    ...(budget === undefined ? {} : { memoryBudgetBytes: budget }),
    logger: () => {},
  });
  try {
    const keepsAll = budget === undefined;
    const result = await measure(broker.addresses[0], () => cpuSeconds("self"), keepsAll, tail);
    const label = storage
      ? "ours, data dir"
      : keepsAll
      ? "ours, memory"
      : "ours, memory, mock's retention";
    return { label, ...result, rss: rssMb("self") };
  } finally {
    await broker.close();
  }
}

async function mock(): Promise<Run> {
  await using cluster = await MockCluster.start({ brokers: 1 });
  await cluster.createTopic("bench", 1, 1);
  const pid = childPid("mock_cluster");
  // The mock deletes old batches too: it also produces twice.
  const result = await measure(cluster.bootstrap, () => cpuSeconds(pid), false);
  return { label: "librdkafka mock", ...result, rss: rssMb(pid) };
}

/** Runs one of our brokers in a child process of this script and returns its figures. */
async function oursApart(
  storage: "memory" | "data-dir",
  round: number,
  tail?: number,
  budget?: number,
): Promise<Run> {
  const args = ["run", "-A", "--frozen", new URL(import.meta.url).pathname, "--child", storage];
  args.push("--work", work, "--messages", String(messages), "--size", String(size));
  // A fresh data directory for every round.
  args.push("--data-dir", `${dataDir || work}/data-${round}`);
  if (tail !== undefined) args.push("--tail", String(tail));
  if (budget !== undefined) args.push("--budget", String(budget));
  const out = await new Deno.Command(Deno.execPath(), { args, stdin: "null" }).output();
  if (out.code !== 0) throw new Error(`the ${storage} run exited ${out.code}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** CPU seconds of this process's own work, from the moment `run` starts to its end. */
async function cpuOf(run: () => Promise<void> | void): Promise<number> {
  const before = cpuSeconds("self");
  await run();
  return cpuSeconds("self") - before;
}

/**
 * What Deno alone costs for the bytes kcat sends in the produce run, measured in this (child)
 * process: receiving them over loopback TCP into one reused 1 MiB buffer, and into a fresh buffer
 * per read (memory a broker that keeps the bytes needs), and their CRC-32C (which Kafka checks on
 * every appended batch; the mock checks none).
 */
async function floor(): Promise<Record<"reused" | "fresh" | "crc", number>> {
  const receive = async (fresh: boolean) => {
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = listener.addr as Deno.NetAddr;
    const sender = new Deno.Command("bash", {
      args: ["-c", `exec cat "$1" > /dev/tcp/127.0.0.1/${port}`, "send", inputPath],
      stdin: "null",
    }).spawn();
    using conn = await listener.accept();
    let buffer = new Uint8Array(1 << 20);
    const cpu = await cpuOf(async () => {
      while (true) {
        if (fresh) buffer = new Uint8Array(1 << 20);
        if (await conn.read(buffer) === null) break;
      }
    });
    if (!(await sender.status).success) throw new Error("the sender failed");
    return cpu;
  };
  const { crc32c } = await import("../lib/protocol/crc32c.ts");
  using file = await Deno.open(inputPath);
  const pieces: Uint8Array[] = [];
  for (let piece = new Uint8Array(1 << 20);; piece = new Uint8Array(1 << 20)) {
    const n = await file.read(piece);
    if (n === null) break;
    pieces.push(piece.subarray(0, n));
  }
  const crc = await cpuOf(() => {
    for (const piece of pieces) crc32c(piece);
  });
  return { reused: await receive(false), fresh: await receive(true), crc };
}

if (child === "floor") {
  console.log(JSON.stringify(await floor()));
  Deno.exit(0);
}

if (child) {
  const tail = flag("tail", "");
  const budget = flag("budget", "");
  const storage = child === "memory" ? undefined : dataDir;
  console.log(
    JSON.stringify(
      await ours(storage, tail ? Number(tail) : undefined, budget ? Number(budget) : undefined),
    ),
  );
  Deno.exit(0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Each figure of a broker's rounds, as its median over the rounds. */
function medianRun(rounds: Run[]): Run {
  const phase = (pick: (run: Run) => Phase | undefined): Phase | undefined => {
    const phases = rounds.map(pick).filter((p): p is Phase => p !== undefined);
    if (phases.length === 0) return undefined;
    return {
      seconds: median(phases.map((p) => p.seconds)),
      cpu: median(phases.map((p) => p.cpu)),
      messages: median(phases.map((p) => p.messages)),
    };
  };
  return {
    label: rounds[0].label,
    produce: phase((r) => r.produce)!,
    again: phase((r) => r.again),
    consume: phase((r) => r.consume)!,
    tail: phase((r) => r.tail),
    rss: median(rounds.map((r) => r.rss)),
  };
}

const DIRECTION = {
  produce: "produce",
  again: "produce again",
  consume: "consume",
  tail: "consume newest",
} as const;

try {
  const rounds: Run[][] = [];
  for (let round = 0; round < repeat; round++) {
    const mockRun = withMock ? await mock() : undefined;
    const tail = mockRun?.consume.messages;
    const runs = [await oursApart("memory", round, tail), await oursApart("data-dir", round, tail)];
    // The bytes of the messages the mock still held, as our broker's memory budget.
    if (tail !== undefined) runs.push(await oursApart("memory", round, undefined, tail * size));
    if (mockRun) runs.push(mockRun);
    rounds.push(runs);
  }
  const runs = rounds[0].map((_, k) => medianRun(rounds.map((r) => r[k])));
  const reference = withMock ? runs.at(-1) : undefined;

  const mb = (messages * size) / 1e6;
  const ratio = (a: number, b: number | undefined) => b ? ` (${(a / b).toFixed(2)}x)` : "";
  console.log(
    `${messages} messages of ${size} bytes (${mb.toFixed(0)} MB); ratios are to librdkafka's ` +
      `mock broker${repeat > 1 ? `; medians of ${repeat} rounds` : ""}\n`,
  );
  console.log(
    "| broker | direction | messages | seconds | msgs/s | MB/s | broker CPU s | CPU s per 100k msgs | RSS MB |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const run of runs) {
    for (const what of ["produce", "again", "consume", "tail"] as const) {
      const p = run[what];
      if (!p) continue;
      const ref = what === "tail"
        ? reference?.consume
        : what === "again"
        ? reference?.again ?? reference?.produce
        : reference?.[what];
      const rate = p.messages / p.seconds;
      const refRate = ref ? ref.messages / ref.seconds : undefined;
      const per100k = p.cpu / p.messages * 1e5;
      const refPer100k = ref ? ref.cpu / ref.messages * 1e5 : undefined;
      console.log(
        `| ${run.label} | ${DIRECTION[what]} | ${p.messages} | ${p.seconds.toFixed(2)} | ${
          Math.round(rate)
        }${ratio(rate, refRate)} | ${(p.messages * size / 1e6 / p.seconds).toFixed(1)} | ${
          p.cpu.toFixed(3)
        } | ${per100k.toFixed(3)}${ratio(per100k, refPer100k)} | ${
          what === "consume" ? `${run.rss.toFixed(0)}${ratio(run.rss, reference?.rss)}` : ""
        } |`,
      );
    }
  }

  // The part of the produce run no broker written in JavaScript on Deno can avoid.
  const args = ["run", "-A", "--frozen", new URL(import.meta.url).pathname, "--child", "floor"];
  args.push("--work", work, "--messages", String(messages), "--size", String(size));
  const out = await new Deno.Command(Deno.execPath(), { args, stdin: "null" }).output();
  if (out.code !== 0) throw new Error(`the floor run exited ${out.code}`);
  const cost = JSON.parse(new TextDecoder().decode(out.stdout));
  const mockAgain = reference ? (reference.again ?? reference.produce) : undefined;
  const refPer100k = mockAgain ? mockAgain.cpu / mockAgain.messages * 1e5 : undefined;
  console.log(
    "\n| Deno alone, the produce run's bytes | CPU s per 100k msgs |\n|---|---|",
  );
  for (
    const [label, cpu] of [
      ["received into one reused 1 MiB buffer", cost.reused],
      ["received into a fresh 1 MiB buffer per read", cost.fresh],
      ["CRC-32C of the same bytes", cost.crc],
      ["reused-buffer receive + CRC-32C", cost.reused + cost.crc],
    ] as const
  ) {
    const per100k = cpu / messages * 1e5;
    console.log(`| ${label} | ${per100k.toFixed(3)}${ratio(per100k, refPer100k)} |`);
  }
} finally {
  await Deno.remove(work, { recursive: true });
}
