/**
 * Our client stack beside its yardsticks, in one run against the same broker: plain kafkajs
 * (2.2.4 as it is, without our idle-timer fix), a Python client on librdkafka (confluent_kafka
 * scripts that do what the Python igwn-alert client does; igwn-alert itself is not run) and kcat.
 * Prints one Markdown table with the ratios the client stack is held to.
 *
 * Each measured client runs in a process of its own, and so does the broker (`cli.ts broker`,
 * PLAINTEXT; a second one with TLS and SCRAM-SHA-512 for the SASL_SSL row). CPU is the run time of
 * all threads (/proc/PID/task/TID/schedstat), peak RSS is VmHWM (/proc/PID/status), read by the
 * process itself at its end or, for kcat, by this script while kcat runs.
 *
 * Usage: `deno run -A scripts/bench_stack.ts [--quick] [--rounds N]` (or `deno task bench stack`).
 * `--quick`: smaller counts and one round. Linux only (reads /proc). Needs kcat; without a
 * python3 that imports confluent_kafka, the Python column stays empty.
 *
 * @module
 */

import { Client } from "../mod.ts";
import { cliRuntimeFlags } from "../lib/cli/permissions.ts";
import { makeCertificate } from "../tests/support/network.ts";
import { type BrokerProcess, startBrokerProcess } from "./_broker_process.ts";
import { integerOption } from "./_bench_options.ts";
import { benchAlert } from "./_stack_subject.ts";

const QUICK = Deno.args.includes("--quick");
const ROUNDS = integerOption("rounds", QUICK ? 1 : 3);
const LATENCY_ALERTS = QUICK ? 200 : 1_000;
const CPU_ALERTS = QUICK ? 200 : 500;
const CPU_SPACING_MS = 10;
const BACKLOG = QUICK ? 10_000 : 50_000;
const WRITES = QUICK ? 5_000 : 20_000;
const LAUNCHES = QUICK ? 3 : 7;
const USER = { username: "bench", password: "bench-secret-pw" };

const CLI = new URL("../cli.ts", import.meta.url).pathname;
const SUBJECT = new URL("_stack_subject.ts", import.meta.url).pathname;
const PYTHON_SCRIPT = new URL("python/igwn_alert_imitation.py", import.meta.url).pathname;
const DENO = Deno.execPath();
const decoder = new TextDecoder();

// ---------------------------------------------------------------------------------------------
// Processes and /proc

/** The first of `python3` and `/usr/bin/python3` that imports confluent_kafka, with its versions. */
async function findPython(): Promise<{ path: string; versions: string } | undefined> {
  for (const path of ["python3", "/usr/bin/python3"]) {
    try {
      const { success, stdout } = await new Deno.Command(path, {
        args: [
          "-c",
          "import confluent_kafka as c; print(c.version()[0], c.libversion()[0])",
        ],
        stdout: "piped",
        stderr: "null",
      }).output();
      if (success) {
        const [binding, librdkafka] = decoder.decode(stdout).trim().split(" ");
        return { path, versions: `confluent_kafka ${binding}, librdkafka ${librdkafka}` };
      }
    } catch {
      // Not installed under this name.
    }
  }
  return undefined;
}

/** CPU time of every thread of `pid` so far, in ns. */
function cpuNs(pid: number): number {
  let total = 0;
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(
        Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/schedstat`).split(" ")[0],
      );
    } catch {
      // The thread ended while we listed them.
    }
  }
  return total;
}

/** Peak RSS (VmHWM) of `pid`, in kB, or undefined once it is gone. */
function peakKb(pid: number): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1]);
  } catch {
    return undefined;
  }
}

/** A child whose stdout lines and stderr text are watched as they come. */
class Watched {
  readonly child: Deno.ChildProcess;
  readonly started = performance.now();
  stdoutLines = 0;
  firstLineAt?: number;
  stdout = "";
  stderr = "";
  #watchers: (() => void)[] = [];
  readonly exited: Promise<Deno.CommandStatus>;
  readonly done: Promise<void>;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: { env?: Record<string, string>; keepStdout?: boolean } = {},
  ) {
    const keepStdout = options.keepStdout ?? true;
    const child = new Deno.Command(command, {
      args,
      env: { NO_COLOR: "1", ...options.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.child = child;
    this.exited = child.status;
    const out = (async () => {
      for await (const chunk of child.stdout) {
        let lines = 0;
        for (const byte of chunk) if (byte === 10) lines++;
        if (lines > 0 && this.firstLineAt === undefined) this.firstLineAt = performance.now();
        this.stdoutLines += lines;
        if (keepStdout) this.stdout += decoder.decode(chunk, { stream: true });
        this.#notify();
      }
    })();
    const err = (async () => {
      for await (const chunk of child.stderr) {
        this.stderr += decoder.decode(chunk, { stream: true });
        if (this.stderr.length > 20_000) this.stderr = this.stderr.slice(-10_000);
        this.#notify();
      }
    })();
    this.done = Promise.all([out, err, this.exited]).then(() => this.#notify());
  }

  #notify(): void {
    for (const watcher of this.#watchers) watcher();
  }

  /** Resolves when `test` holds; rejects with one clear line if the child ends or time runs out. */
  until(what: string, test: () => boolean, timeoutMs = 120_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(`no ${what} within ${timeoutMs / 1000} s`), timeoutMs);
      const fail = (why: string) => {
        cleanup();
        const tail = this.stderr.trim().split("\n").slice(-3).join(" | ");
        reject(new Error(`${this.name}: ${why}; stderr: ${tail || "(empty)"}`));
      };
      const check = () => {
        if (test()) {
          cleanup();
          resolve();
        }
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.#watchers = this.#watchers.filter((w) => w !== check);
      };
      this.#watchers.push(check);
      // Once its output is read to the end, a child that has exited cannot meet `test` any more.
      this.done.then(async () => {
        if (!test()) fail(`exited with ${(await this.exited).code} before ${what}`);
      });
      check();
    });
  }

  /** The last line of stdout, parsed as JSON. */
  result<T>(): T {
    const line = this.stdout.trim().split("\n").at(-1) ?? "";
    try {
      return JSON.parse(line) as T;
    } catch {
      throw new Error(`${this.name}: no result line on stdout: ${line.slice(0, 200)}`);
    }
  }

  /** Waits for a clean exit (code 0) and returns the ms from spawn to exit. */
  async finished(): Promise<number> {
    const status = await this.exited;
    const ms = performance.now() - this.started;
    await this.done;
    if (!status.success) {
      const tail = this.stderr.trim().split("\n").slice(-3).join(" | ");
      throw new Error(`${this.name}: exited with ${status.code}; stderr: ${tail}`);
    }
    return ms;
  }

  async stop(): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await this.done;
  }
}

// ---------------------------------------------------------------------------------------------
// Figures

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const rateText = (value: number) => `${Math.round(value).toLocaleString("en-US")} msgs/s`;
const mbText = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

function ratio(ours: number, theirs: number | undefined, name: string): string {
  if (theirs === undefined || !(theirs > 0)) return `— ${name}`;
  return `${(ours / theirs).toFixed(2)}x ${name}`;
}

const verdict = (met: boolean) => (met ? "met" : "**not met**");

interface Row {
  figure: string;
  ours: string;
  kafkajs: string;
  python: string;
  kcat: string;
  target: string;
  ratio: string;
}

const NONE = "—";

// ---------------------------------------------------------------------------------------------
// Subjects

function denoSubject(mode: string, args: string[]): [string, string[]] {
  return [DENO, ["run", "-A", "--frozen", SUBJECT, mode, ...args]];
}

function cliArgs(args: string[]): string[] {
  return ["run", "--frozen", ...cliRuntimeFlags(), CLI, ...args];
}

async function main(): Promise<void> {
  const python = await findPython();
  if (!python) console.error("no python3 with confluent_kafka: the Python column stays empty");
  const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  const loadBefore = load();
  const rows: Row[] = [];
  const full = (name: string) => `gracedb.${name}`;
  const topics = [
    "lat_ours",
    "lat_kafkajs",
    "lat_python",
    ...Array.from({ length: ROUNDS }, (_, i) => `cpu_${i}`),
    "backlog",
    "pub_ours",
    "pub_stream",
    "pub_kafkajs",
    "pub_python",
    "pub_kcat",
  ];
  const broker = await startBrokerProcess(topics.map(full));
  const certDir = await Deno.makeTempDir({ prefix: "bench-stack-" });
  let secure: BrokerProcess | undefined;
  try {
    // 1. Publish-to-callback latency, one alert at a time.
    const lat: Record<string, number[]> = {};
    const latSubjects: [string, string, string[]][] = [
      ["ours", ...denoSubject("latency-ours", [broker.url, full("lat_ours"), `${LATENCY_ALERTS}`])],
      [
        "kafkajs",
        ...denoSubject("latency-kafkajs", [
          broker.bootstrap,
          full("lat_kafkajs"),
          `${LATENCY_ALERTS}`,
        ]),
      ],
    ];
    if (python) {
      latSubjects.push([
        "python",
        python.path,
        [PYTHON_SCRIPT, "latency", broker.bootstrap, full("lat_python"), `${LATENCY_ALERTS}`],
      ]);
    }
    for (const [name, command, args] of latSubjects) {
      const child = new Watched(`latency ${name}`, command, args);
      await child.finished();
      const { samples } = child.result<{ samples: number[] }>();
      if (samples.length !== LATENCY_ALERTS) {
        throw new Error(`latency ${name}: ${samples.length} of ${LATENCY_ALERTS} alerts arrived`);
      }
      lat[name] = samples;
    }
    const p = (name: string, q: number) => lat[name] ? percentile(lat[name], q) : undefined;
    const msPair = (name: string) =>
      lat[name] ? `${p(name, 50)!.toFixed(2)} / ${p(name, 99)!.toFixed(2)} ms` : NONE;
    const latMet = p("ours", 50)! <= p("kafkajs", 50)! && p("ours", 99)! <= p("kafkajs", 99)! &&
      (!python ||
        (p("ours", 50)! < 1.1 * p("python", 50)! && p("ours", 99)! < 1.1 * p("python", 99)!));
    rows.push({
      figure:
        `publish-to-callback latency p50 / p99, PLAINTEXT (${LATENCY_ALERTS} alerts, one at a time)`,
      ours: msPair("ours"),
      kafkajs: msPair("kafkajs"),
      python: msPair("python"),
      kcat: NONE,
      target: `<= kafkajs, < 1.1x Python: ${verdict(latMet)}`,
      ratio: `p50 ${ratio(p("ours", 50)!, p("kafkajs", 50), "kafkajs")}, ${
        ratio(p("ours", 50)!, p("python", 50), "Python")
      }; p99 ${ratio(p("ours", 99)!, p("kafkajs", 99), "kafkajs")}, ${
        ratio(p("ours", 99)!, p("python", 99), "Python")
      }`,
    });

    // 2. Listener CPU for CPU_ALERTS alerts, one every CPU_SPACING_MS, all listeners at once.
    const cpu: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const topic = full(`cpu_${round}`);
      const group = (name: string) => `cpu-${name}-${round}-${crypto.randomUUID().slice(0, 8)}`;
      const specs: { name: string; command: string; args: string[]; ready: RegExp }[] = [
        {
          name: "ours",
          command: DENO,
          args: denoSubject("listen-ours", [
            broker.url,
            topic,
            group("ours"),
            `${CPU_ALERTS}`,
            "--print",
            "--forever",
          ])[1],
          ready: /ready/,
        },
        {
          name: "cli",
          command: DENO,
          args: cliArgs([
            "--no-auth",
            "-s",
            `${broker.url}/`,
            "listen",
            topic.slice("gracedb.".length),
            "-c",
            group("cli"),
            "--earliest",
            "--format",
            "short",
          ]),
          ready: /ready, listening/,
        },
        {
          name: "kafkajs",
          command: DENO,
          args: denoSubject("listen-kafkajs", [
            broker.bootstrap,
            topic,
            group("kafkajs"),
            `${CPU_ALERTS}`,
            "--print",
            "--forever",
          ])[1],
          ready: /ready/,
        },
        {
          name: "kcat",
          command: "kcat",
          args: [
            "-C",
            "-b",
            broker.bootstrap,
            "-G",
            group("kcat"),
            "-X",
            "auto.offset.reset=earliest",
            "-u",
            "-f",
            "%t %o\n",
            topic,
          ],
          ready: /assigned|rebalanced/i,
        },
      ];
      if (python) {
        specs.push({
          name: "python",
          command: python.path,
          args: [
            PYTHON_SCRIPT,
            "listen",
            broker.bootstrap,
            topic,
            group("python"),
            `${CPU_ALERTS}`,
            "--print",
            "--forever",
          ],
          ready: /ready/,
        });
      }
      const children = specs.map((spec) =>
        new Watched(`listener ${spec.name}`, spec.command, spec.args, { keepStdout: false })
      );
      try {
        await Promise.all(
          children.map((child, i) =>
            child.until("ready line", () => specs[i].ready.test(child.stderr))
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 1_000)); // let start-up work end
        const before = children.map((child) => cpuNs(child.child.pid));
        const after: number[] = [];
        const handled = children.map((child, i) =>
          child.until(
            `${CPU_ALERTS} alerts`,
            () => child.stdoutLines >= CPU_ALERTS,
            60_000 + CPU_ALERTS * CPU_SPACING_MS,
          )
            .then(() => {
              after[i] = cpuNs(child.child.pid);
            })
        );
        {
          await using publisher = new Client({ server: `${broker.url}/`, noAuth: true });
          const name = topic.slice("gracedb.".length);
          await publisher.connect(name);
          const start = performance.now();
          for (let i = 0; i < CPU_ALERTS; i++) {
            await publisher.publishToTopic(name, benchAlert(i));
            const next = start + (i + 1) * CPU_SPACING_MS - performance.now();
            if (next > 0) await new Promise((resolve) => setTimeout(resolve, next)); // pacing
          }
          await publisher.flushByTopic(name);
        }
        await Promise.all(handled);
        children.forEach((child, i) => {
          if (child.stdoutLines !== CPU_ALERTS) {
            throw new Error(`${child.name}: ${child.stdoutLines} lines for ${CPU_ALERTS} alerts`);
          }
          (cpu[specs[i].name] ??= []).push((after[i] - before[i]) / 1e9);
        });
      } finally {
        await Promise.all(children.map((child) => child.stop()));
      }
    }
    const cpuOf = (name: string) => cpu[name] ? median(cpu[name]) : undefined;
    const cpuText = (name: string) => cpu[name] ? `${cpuOf(name)!.toFixed(2)} s` : NONE;
    rows.push({
      figure:
        `listener CPU for ${CPU_ALERTS} alerts (one every ${CPU_SPACING_MS} ms), \`Client.listen\` script`,
      ours: cpuText("ours"),
      kafkajs: cpuText("kafkajs"),
      python: cpuText("python"),
      kcat: cpuText("kcat"),
      target: `<= 1.2x Python: ${python ? verdict(cpuOf("ours")! <= 1.2 * cpuOf("python")!) : "—"}`,
      ratio: `${ratio(cpuOf("ours")!, cpuOf("python"), "Python")}, ${
        ratio(cpuOf("ours")!, cpuOf("kafkajs"), "kafkajs")
      }`,
    });
    rows.push({
      figure: `same, \`igwn-alert listen --format short\` CLI`,
      ours: cpuText("cli"),
      kafkajs: NONE,
      python: NONE,
      kcat: NONE,
      target: `<= 1.2x Python: ${python ? verdict(cpuOf("cli")! <= 1.2 * cpuOf("python")!) : "—"}`,
      ratio: `${ratio(cpuOf("cli")!, cpuOf("python"), "Python")}, ${
        ratio(cpuOf("cli")!, cpuOf("kafkajs"), "kafkajs")
      }`,
    });

    // 3. and 4. A backlog read to its end: process launch to exit.
    {
      await using publisher = new Client({ server: `${broker.url}/`, noAuth: true });
      await publisher.connect("backlog");
      for (let i = 0; i < BACKLOG; i++) await publisher.publishToTopic("backlog", benchAlert(i));
      await publisher.flushByTopic("backlog");
    }
    const backlog = full("backlog");
    const reads: Record<string, { rate: number; peakKb: number }[]> = {};
    const readSubjects: { name: string; command: string; args: string[] }[] = [
      {
        name: "listen-ours",
        command: DENO,
        args: denoSubject("listen-ours", [broker.url, backlog, "G", `${BACKLOG}`])[1],
      },
      {
        name: "listen-kafkajs",
        command: DENO,
        args: denoSubject("listen-kafkajs", [broker.bootstrap, backlog, "G", `${BACKLOG}`])[1],
      },
      {
        name: "stream-ours",
        command: DENO,
        args: denoSubject("read-stream", [broker.url, backlog, `${BACKLOG}`])[1],
      },
      {
        name: "kcat",
        command: "kcat",
        args: [
          "-C",
          "-b",
          broker.bootstrap,
          "-t",
          backlog,
          "-o",
          "beginning",
          "-e",
          "-q",
          "-f",
          "%o\n",
        ],
      },
    ];
    if (python) {
      readSubjects.push(
        {
          name: "listen-python",
          command: python.path,
          args: [PYTHON_SCRIPT, "listen", broker.bootstrap, backlog, "G", `${BACKLOG}`],
        },
        {
          name: "stream-python",
          command: python.path,
          args: [PYTHON_SCRIPT, "read", broker.bootstrap, backlog, `${BACKLOG}`],
        },
      );
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const subject of readSubjects) {
        const args = subject.args.map((arg) =>
          arg === "G" ? `backlog-${subject.name}-${round}-${crypto.randomUUID().slice(0, 8)}` : arg
        );
        const child = new Watched(subject.name, subject.command, args, {
          keepStdout: subject.name !== "kcat",
        });
        let peak = 0;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            peak = Math.max(peak, peakKb(child.child.pid) ?? 0);
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        })();
        const ms = await child.finished().finally(() => (sampling = false));
        await sampler;
        let handled: number;
        if (subject.name === "kcat") {
          handled = child.stdoutLines;
        } else {
          const result = child.result<{ handled: number; peakRssKb: number; problems?: number }>();
          handled = result.handled;
          peak = result.peakRssKb;
          if (result.problems) {
            throw new Error(`${subject.name}: ${result.problems} alerts did not validate`);
          }
        }
        if (handled !== BACKLOG) {
          throw new Error(`${subject.name}: saw ${handled} of ${BACKLOG} backlog alerts`);
        }
        (reads[subject.name] ??= []).push({ rate: BACKLOG / (ms / 1000), peakKb: peak });
      }
    }
    const readOf = (name: string) =>
      reads[name]
        ? {
          rate: median(reads[name].map((r) => r.rate)),
          peakKb: median(reads[name].map((r) => r.peakKb)),
        }
        : undefined;
    const readText = (name: string) => {
      const r = readOf(name);
      return r ? `${rateText(r.rate)}, ${mbText(r.peakKb)}` : NONE;
    };
    const listenOurs = readOf("listen-ours")!;
    const listenPython = readOf("listen-python");
    rows.push({
      figure: `\`Client.listen\` over a ${
        BACKLOG.toLocaleString("en-US")
      }-alert backlog: rate, peak RSS`,
      ours: readText("listen-ours"),
      kafkajs: readText("listen-kafkajs"),
      python: readText("listen-python"),
      kcat: readText("kcat"),
      target: `>= 10x Python's rate, < 100 MB: ${
        verdict(
          (!listenPython || listenOurs.rate >= 10 * listenPython.rate) &&
            listenOurs.peakKb < 100 * 1024,
        )
      }`,
      ratio: `${ratio(listenOurs.rate, listenPython?.rate, "Python")}, ${
        ratio(listenOurs.rate, readOf("listen-kafkajs")?.rate, "kafkajs")
      }, ${ratio(listenOurs.rate, readOf("kcat")?.rate, "kcat")}`,
    });
    const streamOurs = readOf("stream-ours")!;
    rows.push({
      figure: "`openStream` read of the same backlog: rate, peak RSS (Python: hop's read)",
      ours: readText("stream-ours"),
      kafkajs: NONE,
      python: readText("stream-python"),
      kcat: readText("kcat"),
      target: "",
      ratio: `${ratio(streamOurs.rate, readOf("stream-python")?.rate, "Python")}, ${
        ratio(streamOurs.rate, readOf("kcat")?.rate, "kcat")
      }`,
    });

    // 5. Publishing WRITES alerts until acknowledged.
    const kcatFile = await Deno.makeTempFile({ dir: certDir });
    await Deno.writeTextFile(
      kcatFile,
      Array.from({ length: WRITES }, (_, i) => `${JSON.stringify(JSON.stringify(benchAlert(i)))}\n`)
        .join(""),
    );
    const pubs: Record<string, number[]> = {};
    const pubSubjects: { name: string; topic: string; command: string; args: string[] }[] = [
      {
        name: "ours",
        topic: "pub_ours",
        command: DENO,
        args: denoSubject("publish-ours", [broker.url, full("pub_ours"), `${WRITES}`])[1],
      },
      {
        name: "stream",
        topic: "pub_stream",
        command: DENO,
        args: denoSubject("publish-stream", [broker.url, full("pub_stream"), `${WRITES}`])[1],
      },
      {
        name: "kafkajs",
        topic: "pub_kafkajs",
        command: DENO,
        args:
          denoSubject("publish-kafkajs", [broker.bootstrap, full("pub_kafkajs"), `${WRITES}`])[1],
      },
      {
        name: "kcat",
        topic: "pub_kcat",
        command: "kcat",
        args: [
          "-P",
          "-b",
          broker.bootstrap,
          "-t",
          full("pub_kcat"),
          "-H",
          "_format=json",
          "-l",
          kcatFile,
        ],
      },
    ];
    if (python) {
      pubSubjects.push({
        name: "python",
        topic: "pub_python",
        command: python.path,
        args: [PYTHON_SCRIPT, "publish", broker.bootstrap, full("pub_python"), `${WRITES}`],
      });
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const subject of pubSubjects) {
        const child = new Watched(`publish ${subject.name}`, subject.command, subject.args);
        const ms = await child.finished();
        const seconds = subject.name === "kcat"
          ? ms / 1000
          : child.result<{ seconds: number }>().seconds;
        (pubs[subject.name] ??= []).push(WRITES / seconds);
      }
    }
    for (const subject of pubSubjects) {
      const last = new Watched("kcat watermark", "kcat", [
        "-C",
        "-b",
        broker.bootstrap,
        "-t",
        full(subject.topic),
        "-o",
        "-1",
        "-c",
        "1",
        "-e",
        "-q",
        "-f",
        "%o\n",
      ]);
      await last.finished();
      const stored = Number(last.stdout.trim()) + 1;
      if (stored !== ROUNDS * WRITES) {
        throw new Error(
          `publish ${subject.name}: the broker holds ${stored} of ${ROUNDS * WRITES} alerts`,
        );
      }
    }
    const pubOf = (name: string) => pubs[name] ? median(pubs[name]) : undefined;
    const pubText = (name: string) => pubs[name] ? rateText(pubOf(name)!) : NONE;
    rows.push({
      figure: `publish ${
        WRITES.toLocaleString("en-US")
      } alerts until acknowledged, \`Client\` (\`connect\` + \`publishToTopic\` + flush)`,
      ours: pubText("ours"),
      kafkajs: pubText("kafkajs"),
      python: pubText("python"),
      kcat: pubText("kcat"),
      target: `>= Python: ${python ? verdict(pubOf("ours")! >= pubOf("python")!) : "—"}`,
      ratio: `${ratio(pubOf("ours")!, pubOf("python"), "Python")}, ${
        ratio(pubOf("ours")!, pubOf("kafkajs"), "kafkajs")
      }, ${ratio(pubOf("ours")!, pubOf("kcat"), "kcat")}`,
    });
    rows.push({
      figure: "same, `openStream` writer (`write` + `flush`)",
      ours: pubText("stream"),
      kafkajs: NONE,
      python: NONE,
      kcat: NONE,
      target: `>= Python: ${python ? verdict(pubOf("stream")! >= pubOf("python")!) : "—"}`,
      ratio: `${ratio(pubOf("stream")!, pubOf("python"), "Python")}, ${
        ratio(pubOf("stream")!, pubOf("kcat"), "kcat")
      }`,
    });

    // 6. Launch to the first alert over SASL_SSL (SCRAM-SHA-512).
    const { certFile, keyFile } = await makeCertificate(certDir);
    secure = await startBrokerProcess([full("first")], {
      users: [USER],
      tls: { certFile, keyFile },
    });
    {
      await using publisher = new Client({
        server: `${secure.url}/`,
        username: USER.username,
        password: USER.password,
        caFile: certFile,
      });
      await publisher.publish("first", benchAlert(0));
    }
    const home = `${certDir}/home`;
    await Deno.mkdir(`${home}/.config/hop`, { recursive: true });
    await Deno.writeTextFile(
      `${home}/.config/hop/auth.toml`,
      `[[auth]]\nusername = "${USER.username}"\npassword = "${USER.password}"\n` +
        `protocol = "SASL_SSL"\nmechanism = "SCRAM-SHA-512"\nssl_ca_location = "${certFile}"\n`,
      { mode: 0o600 },
    );
    const launches: Record<string, number[]> = {};
    const launchSubjects = (run: number) => {
      const list: {
        name: string;
        command: string;
        args: string[];
        env?: Record<string, string>;
      }[] = [
        {
          name: "ours",
          command: DENO,
          args: cliArgs([
            "-s",
            `${secure!.url}/`,
            "listen",
            "first",
            "--earliest",
            "-c",
            `first-ours-${run}-${crypto.randomUUID().slice(0, 8)}`,
            "--format",
            "short",
          ]),
          env: { HOME: home, XDG_CONFIG_HOME: `${home}/.config` },
        },
        {
          name: "kcat",
          command: "kcat",
          args: [
            "-C",
            "-b",
            secure!.bootstrap,
            "-t",
            full("first"),
            "-o",
            "beginning",
            "-c",
            "1",
            "-X",
            "security.protocol=SASL_SSL",
            "-X",
            "sasl.mechanisms=SCRAM-SHA-512",
            "-X",
            `sasl.username=${USER.username}`,
            "-X",
            `sasl.password=${USER.password}`,
            "-X",
            `ssl.ca.location=${certFile}`,
            "-f",
            "%o\n",
          ],
        },
      ];
      if (python) {
        list.push({
          name: "python",
          command: python.path,
          args: [
            PYTHON_SCRIPT,
            "listen",
            secure!.bootstrap,
            full("first"),
            `first-python-${run}-${crypto.randomUUID().slice(0, 8)}`,
            "1",
            "--print",
            "--forever",
            "--sasl",
            USER.username,
            USER.password,
            certFile,
          ],
        });
      }
      return list;
    };
    for (let run = -1; run < LAUNCHES; run++) { // run -1 warms the code caches, unmeasured
      for (const subject of launchSubjects(run)) {
        const child = new Watched(`launch ${subject.name}`, subject.command, subject.args, {
          env: subject.env,
        });
        try {
          await child.until("first alert", () => child.stdoutLines >= 1, 30_000);
        } finally {
          await child.stop();
        }
        if (run >= 0) (launches[subject.name] ??= []).push(child.firstLineAt! - child.started);
      }
    }
    const launchOf = (name: string) => launches[name] ? median(launches[name]) : undefined;
    const launchText = (name: string) => launches[name] ? `${launchOf(name)!.toFixed(0)} ms` : NONE;
    rows.push({
      figure:
        `launch to first alert printed, SASL_SSL + SCRAM-SHA-512 (\`listen\` CLI, median of ${LAUNCHES})`,
      ours: launchText("ours"),
      kafkajs: NONE,
      python: launchText("python"),
      kcat: launchText("kcat"),
      target: `<= Python: ${python ? verdict(launchOf("ours")! <= launchOf("python")!) : "—"}`,
      ratio: `${ratio(launchOf("ours")!, launchOf("python"), "Python")}, ${
        ratio(launchOf("ours")!, launchOf("kcat"), "kcat")
      }`,
    });
  } finally {
    await secure?.close();
    await broker.close();
    await Deno.remove(certDir, { recursive: true }).catch(() => {});
  }

  const lines = [
    `Yardsticks: plain kafkajs 2.2.4 (no idle-timer fix); Python = ${
      python
        ? `scripts/python/igwn_alert_imitation.py on ${python.versions}, imitating igwn-alert ` +
          "(hop's headers, adc's settings, consume(1, 0.2), commit after each handler call); " +
          "not igwn-alert itself"
        : "not available (no python3 with confluent_kafka)"
    }; kcat (librdkafka). Rounds: ${ROUNDS} (medians). Load average before / after: ${loadBefore} / ${load()}.`,
    "",
    "| figure | ours | plain kafkajs | Python (confluent-kafka) | kcat | target | ours/yardstick ratio |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((row) =>
      `| ${row.figure} | ${row.ours} | ${row.kafkajs} | ${row.python} | ${row.kcat} | ${row.target} | ${row.ratio} |`
    ),
  ];
  console.log(lines.join("\n"));
}

if (import.meta.main) await main();
