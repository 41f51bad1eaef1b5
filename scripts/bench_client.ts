/**
 * Benchmarks of the igwn-alert client and CLI, printed as a Markdown table with kcat's figure
 * beside ours where kcat does the same job. The broker runs in its own process so that it does
 * not share an event loop with the client being measured.
 *
 * Usage: `deno run -A scripts/bench_client.ts [--quick]` (`--quick`: smaller counts, 5 s idle).
 *
 * @module
 */

import { Client } from "../lib/alert/client.ts";
import type { ListenOptions } from "../lib/alert/listen_types.ts";
import { cliRuntimeFlags } from "../lib/cli/permissions.ts";

const QUICK = Deno.args.includes("--quick");
const ROOT = new URL("../", import.meta.url);
const CLI = new URL("cli.ts", ROOT).pathname;
const STARTUP_RUNS = QUICK ? 5 : 15;
const READY_RUNS = QUICK ? 3 : 7;
const LATENCY_ALERTS = QUICK ? 200 : 1_000;
const THROUGHPUT_ALERTS = QUICK ? 5_000 : 20_000;
const IDLE_SECONDS = QUICK ? 5 : 30;
const EXEC_ALERTS = QUICK ? 500 : 2_000;
/** What a pipeline typically asks for; the sample alert satisfies all of it. */
const BENCH_FILTER: ListenOptions["filter"] = {
  alertType: ["new", "label_added"],
  uid: "S*",
  significant: true,
  withoutLabels: ["DQV"],
  where: "labels has data.name and far < 1e-9",
};
const decoder = new TextDecoder();

interface Row {
  metric: string;
  ours: string;
  kcat: string;
  target: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;

function cliArgs(args: string[]): string[] {
  return ["run", "--frozen", ...cliRuntimeFlags(), CLI, ...args];
}

async function hasKcat(): Promise<boolean> {
  try {
    return (await new Deno.Command("kcat", { args: ["-V"], stdout: "null", stderr: "null" })
      .output()).success;
  } catch {
    return false;
  }
}

/** Reads a child's stream line by line, resolving `waitFor` when a line matches. */
class LineWatcher {
  #text = "";
  #waiters: { pattern: RegExp; resolve: () => void }[] = [];

  constructor(stream: ReadableStream<Uint8Array>) {
    (async () => {
      for await (const chunk of stream) {
        this.#text += decoder.decode(chunk, { stream: true });
        this.#waiters = this.#waiters.filter((waiter) => {
          if (!waiter.pattern.test(this.#text)) return true;
          waiter.resolve();
          return false;
        });
      }
    })().catch(() => {});
  }

  get text(): string {
    return this.#text;
  }

  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    if (pattern.test(this.#text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${this.#text}`)),
        timeoutMs,
      );
      this.#waiters.push({
        pattern,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

async function startBrokerProcess(): Promise<
  { url: string; broker: string; stop(): Promise<void> }
> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--frozen",
      CLI,
      "broker",
      "--port",
      "0",
      "--topic",
      "gracedb.superevent",
      "--topic",
      "gracedb.bench_latency",
      "--topic",
      "gracedb.bench_throughput",
      "--topic",
      "gracedb.bench_exec",
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const out = new LineWatcher(child.stdout);
  await out.waitFor(/listening on kafka:\/\/\S+/);
  const url = /listening on (kafka:\/\/\S+)/.exec(out.text)![1];
  return {
    url,
    broker: url.slice("kafka://".length),
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

async function timeCommand(command: string, args: string[], runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = await new Deno.Command(command, { args, stdout: "null", stderr: "null" })
      .output();
    times.push(performance.now() - start);
    if (!result.success && command !== "kcat") throw new Error(`${command} ${args} failed`);
  }
  return median(times);
}

async function launchToReady(
  command: string,
  args: string[],
  ready: RegExp,
): Promise<{ ms: number; pid: number; stop(): Promise<void> }> {
  const start = performance.now();
  const child = new Deno.Command(command, { args, stdout: "null", stderr: "piped" }).spawn();
  const err = new LineWatcher(child.stderr);
  await err.waitFor(ready);
  const elapsed = performance.now() - start;
  return {
    ms: elapsed,
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

async function rssMb(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function readyTimes(
  command: string,
  args: () => string[],
  ready: RegExp,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < READY_RUNS; i++) {
    const run = await launchToReady(command, args(), ready);
    times.push(run.ms);
    await run.stop();
  }
  return median(times);
}

/**
 * Publish-to-handler latency of two listeners side by side, in one process and on the same
 * alerts: one without a filter, one with `filter`; each alert is published once both have the
 * previous one.
 */
async function latency(
  url: string,
  filter: ListenOptions["filter"],
): Promise<{ plain: number[]; filtered: number[] }> {
  const server = `${url}/`;
  await using plainListener = new Client({ server, noAuth: true, consumerGroup: "bench-plain" });
  await using filteredListener = new Client({
    server,
    noAuth: true,
    consumerGroup: "bench-filtered",
  });
  await using publisher = new Client({ server, noAuth: true });
  const alert = await Deno.readTextFile(
    new URL("tests/testdata/alerts/superevent_label_added.json", ROOT),
  );
  const arrivals = { plain: () => {}, filtered: () => {} };
  const start = async (client: Client, which: "plain" | "filtered") => {
    let isReady!: () => void;
    const ready = new Promise<void>((resolve) => (isReady = resolve));
    const listening = client.listen(() => arrivals[which](), "bench_latency", {
      onReady: isReady,
      ...(which === "filtered" ? { filter } : {}),
    });
    await ready;
    return { listening }; // not the promise itself, which `await start()` would wait for
  };
  const listening = [
    (await start(plainListener, "plain")).listening,
    (await start(filteredListener, "filtered")).listening,
  ];
  await publisher.connect("bench_latency");
  const samples = { plain: [] as number[], filtered: [] as number[] };
  for (let i = 0; i < LATENCY_ALERTS; i++) {
    const sent = performance.now();
    const received = (["plain", "filtered"] as const).map((which) =>
      new Promise<void>((resolve) => {
        arrivals[which] = () => {
          samples[which].push(performance.now() - sent);
          resolve();
        };
      })
    );
    await publisher.publishToTopic("bench_latency", alert);
    await Promise.all(received);
  }
  plainListener.stop();
  filteredListener.stop();
  await Promise.all(listening);
  return samples;
}

/** Microseconds the filter takes per alert, on the sample alert (median of 20 rounds). */
async function filterCost(filter: ListenOptions["filter"]): Promise<number> {
  const { matchAlert } = await import("../lib/alert/filter.ts");
  const matches = matchAlert(filter as Parameters<typeof matchAlert>[0]);
  const alert = JSON.parse(
    await Deno.readTextFile(new URL("tests/testdata/alerts/superevent_label_added.json", ROOT)),
  );
  const rounds: number[] = [];
  for (let round = 0; round < 20; round++) {
    const start = performance.now();
    for (let i = 0; i < 10_000; i++) if (!matches(alert, "superevent")) throw new Error("no match");
    rounds.push(((performance.now() - start) * 1000) / 10_000);
  }
  return median(rounds);
}

/** `listen --exec /bin/true` over alerts already published: alerts per second after ready. */
async function execThroughput(url: string): Promise<number> {
  {
    await using client = new Client({ server: `${url}/`, noAuth: true });
    await client.connect("bench_exec");
    const alert = { uid: "S240615dg", alert_type: "log", data: { comment: "x".repeat(100) } };
    for (let i = 0; i < EXEC_ALERTS; i++) await client.publishToTopic("bench_exec", alert);
    await client.flushByTopic("bench_exec");
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--frozen",
      ...cliRuntimeFlags({ runPrograms: ["/bin/true"] }),
      CLI,
      "--no-auth",
      "-s",
      `${url}/`,
      "listen",
      "bench_exec",
      "--earliest",
      "--exec",
      "/bin/true",
      "--count",
      String(EXEC_ALERTS),
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const err = new LineWatcher(child.stderr);
  await err.waitFor(/ready, listening/);
  const start = performance.now();
  const status = await child.status;
  if (!status.success) throw new Error(`listen --exec failed: ${err.text}`);
  return EXEC_ALERTS / ((performance.now() - start) / 1000);
}

async function throughput(url: string): Promise<number> {
  await using client = new Client({ server: `${url}/`, noAuth: true });
  await client.connect("bench_throughput");
  const alert = { uid: "S240615dg", alert_type: "log", data: { comment: "x".repeat(100) } };
  const start = performance.now();
  for (let i = 0; i < THROUGHPUT_ALERTS; i++) {
    await client.publishToTopic("bench_throughput", alert);
  }
  await client.flushByTopic("bench_throughput");
  return THROUGHPUT_ALERTS / ((performance.now() - start) / 1000);
}

async function kcatThroughput(broker: string): Promise<number> {
  const line = JSON.stringify(
    JSON.stringify({ uid: "S240615dg", alert_type: "log", data: { comment: "x".repeat(100) } }),
  );
  const file = await Deno.makeTempFile();
  await Deno.writeTextFile(file, `${line}\n`.repeat(THROUGHPUT_ALERTS));
  const start = performance.now();
  const result = await new Deno.Command("kcat", {
    args: ["-P", "-b", broker, "-t", "gracedb.bench_throughput", "-l", file],
    stdout: "null",
    stderr: "null",
  }).output();
  const seconds = (performance.now() - start) / 1000;
  await Deno.remove(file);
  if (!result.success) throw new Error("kcat producer failed");
  return THROUGHPUT_ALERTS / seconds;
}

async function main(): Promise<void> {
  const kcat = await hasKcat();
  const rows: Row[] = [];
  const none = "—";

  const help = await timeCommand(Deno.execPath(), cliArgs(["--help"]), STARTUP_RUNS);
  const version = await timeCommand(Deno.execPath(), cliArgs(["--version"]), STARTUP_RUNS);
  rows.push({
    metric: "CLI start-up, `--help` (median)",
    ours: ms(help),
    kcat: kcat ? ms(await timeCommand("kcat", ["-h"], STARTUP_RUNS)) : none,
    target: "< 60 ms",
  });
  rows.push({
    metric: "CLI start-up, `--version` (median)",
    ours: ms(version),
    kcat: kcat ? ms(await timeCommand("kcat", ["-V"], STARTUP_RUNS)) : none,
    target: "< 60 ms",
  });

  const broker = await startBrokerProcess();
  try {
    let group = 0;
    const oursReady = await readyTimes(
      Deno.execPath(),
      () =>
        cliArgs([
          "--no-auth",
          "-s",
          `${broker.url}/`,
          "-c",
          `bench-ready-${group++}`,
          "listen",
          "superevent",
        ]),
      /ready, listening/,
    );
    const kcatReady = kcat
      ? await readyTimes(
        "kcat",
        () => ["-C", "-b", broker.broker, "-t", "gracedb.superevent", "-o", "end"],
        /Reached end of topic/,
      )
      : undefined;
    rows.push({
      metric: "`listen` launch to ready (median)",
      ours: ms(oursReady),
      kcat: kcatReady === undefined ? none : ms(kcatReady),
      target: "< 200 ms",
    });

    const { plain: samples, filtered } = await latency(broker.url, BENCH_FILTER);
    for (const [p, target] of [[50, "< 5 ms"], [95, ""], [99, "< 15 ms"]] as const) {
      rows.push({
        metric: `publish-to-handler latency p${p} (${LATENCY_ALERTS} alerts, one at a time)`,
        ours: ms(percentile(samples, p)),
        kcat: none,
        target,
      });
    }

    const differences = filtered.map((value, i) => value - samples[i]);
    for (const p of [50, 99] as const) {
      rows.push({
        metric: `same, filtered listener beside it (5 criteria and an expression), p${p}`,
        ours: ms(percentile(filtered, p)),
        kcat: none,
        target: "",
      });
    }
    rows.push({
      metric: "p99 of the filtered listener minus p99 of the unfiltered one",
      ours: `${(percentile(filtered, 99) - percentile(samples, 99)).toFixed(2)} ms`,
      kcat: none,
      target: "< 1 ms",
    });
    // Paired per alert, this also counts which of the two fetch answers the process reads first.
    rows.push({
      metric:
        "filtered minus unfiltered arrival of the same alert, p50 / p99 (read order included)",
      ours: `${percentile(differences, 50).toFixed(2)} / ${
        percentile(differences, 99).toFixed(2)
      } ms`,
      kcat: none,
      target: "",
    });
    rows.push({
      metric: "filter evaluation per alert (median)",
      ours: `${(await filterCost(BENCH_FILTER)).toFixed(2)} µs`,
      kcat: none,
      target: "",
    });
    const execRate = await execThroughput(broker.url);
    rows.push({
      metric: `\`listen --exec /bin/true\`, ${EXEC_ALERTS} alerts`,
      ours: `${Math.round(execRate).toLocaleString("en-US")} alerts/s`,
      kcat: none,
      target: ">= 200 alerts/s",
    });

    const rate = await throughput(broker.url);
    rows.push({
      metric: `publish throughput, ${THROUGHPUT_ALERTS} alerts until acknowledged`,
      ours: `${Math.round(rate).toLocaleString("en-US")} alerts/s`,
      kcat: kcat
        ? `${Math.round(await kcatThroughput(broker.broker)).toLocaleString("en-US")} alerts/s`
        : none,
      target: ">= 50,000 alerts/s",
    });

    const ours = await launchToReady(
      Deno.execPath(),
      cliArgs(["--no-auth", "-s", `${broker.url}/`, "listen", "superevent"]),
      /ready, listening/,
    );
    const theirs = kcat
      ? await launchToReady(
        "kcat",
        ["-C", "-b", broker.broker, "-t", "gracedb.superevent", "-o", "end"],
        /Reached end of topic/,
      )
      : undefined;
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    rows.push({
      metric: `idle \`listen\` memory (RSS) after ${IDLE_SECONDS} s`,
      ours: `${(await rssMb(ours.pid)).toFixed(1)} MB`,
      kcat: theirs ? `${(await rssMb(theirs.pid)).toFixed(1)} MB` : none,
      target: "< 70 MB",
    });
    await ours.stop();
    await theirs?.stop();
  } finally {
    await broker.stop();
  }

  const lines = [
    "| Client/CLI metric | igwn-alert (Deno) | kcat | target |",
    "| --- | --- | --- | --- |",
    ...rows.map((row) => `| ${row.metric} | ${row.ours} | ${row.kcat} | ${row.target} |`),
  ];
  console.log(lines.join("\n"));
}

if (import.meta.main) await main();
