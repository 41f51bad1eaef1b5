/**
 * Child processes for tests: `startProcess()` for one that runs in the background and is watched
 * line by line, `runProcess()` for one that runs to its end, both with deadlines and all output
 * captured; plus the kcat and python3 (confluent-kafka) invocations built on them.
 *
 * @module
 */

import { Condition, DeadlineError, withDeadline } from "./deadline.ts";

/** Output of a finished (or killed) child process. */
export interface ProcessResult {
  /** Exit code (as Deno reports it, 128 + the signal number when a signal ended it). */
  code: number;
  /** The signal that ended it, if one did. */
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array;
  /** True when the deadline ran out and the process was killed. */
  timedOut: boolean;
}

/** How to start a child process. */
export interface ProcessOptions {
  /** Text or bytes written to stdin, which is then closed; without it stdin is /dev/null. */
  stdin?: string | Uint8Array;
  /** Environment additions (or the whole environment with `clearEnv`). */
  env?: Record<string, string>;
  clearEnv?: boolean;
  cwd?: string;
  /** Aborting kills the process (SIGKILL), e.g. when the test's budget is spent. */
  signal?: AbortSignal;
  /** How messages name the process; default: the command line. */
  name?: string;
}

/** A child process running in the background whose output is collected as it arrives. */
export interface RunningProcess extends AsyncDisposable {
  readonly child: Deno.ChildProcess;
  /** How failure messages name it. */
  readonly name: string;
  /** Everything on stdout so far. */
  readonly stdout: string;
  /** Everything on stderr so far. */
  readonly stderr: string;
  /** Complete lines on stdout so far. */
  readonly stdoutLines: readonly string[];
  /** Settles when the process has exited. */
  readonly status: Promise<Deno.CommandStatus>;
  /**
   * Resolves with the first match of `pattern` in `where` (default stdout) once it appears;
   * fails after `deadlineMs` (default 30 s) or when the process ends first, naming the pattern
   * and showing stderr.
   */
  waitFor(
    pattern: RegExp,
    where?: "stdout" | "stderr",
    deadlineMs?: number,
  ): Promise<RegExpExecArray>;
  /** Resolves with the first complete stdout line that passes `test`; as {@link waitFor}. */
  waitForLine(test: RegExp | ((line: string) => boolean), deadlineMs?: number): Promise<string>;
  /** Waits for the exit (default 60 s, then fails naming the process) and returns all output. */
  finished(deadlineMs?: number): Promise<ProcessResult>;
  /** Sends a signal; nothing happens when the process has already ended. */
  kill(signal?: Deno.Signal): void;
  /**
   * Sends `signal` (default SIGTERM) and returns the result once the process ended; after
   * `deadlineMs` (default 20 s) it is killed with SIGKILL and `timedOut` is set.
   */
  stop(signal?: Deno.Signal, deadlineMs?: number): Promise<ProcessResult>;
}

function describe(command: string, args: string[]): string {
  const line = [command.split("/").pop()!, ...args].join(" ");
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/**
 * Starts `command args` with stdout and stderr collected, and returns at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startProcess } from "./processes.ts";
 *
 * await using sh = startProcess("sh", ["-c", "echo starting; echo ready >&2; cat"], {
 *   stdin: "bye\n",
 * });
 * await sh.waitFor(/ready/, "stderr", 5_000);
 * const result = await sh.finished(5_000);
 * assert.equal(result.code, 0);
 * assert.deepEqual(sh.stdoutLines, ["starting", "bye"]);
 * ```
 */
export function startProcess(
  command: string,
  args: string[],
  options: ProcessOptions = {},
): RunningProcess {
  const name = options.name ?? describe(command, args);
  const child = new Deno.Command(command, {
    args,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: options.env,
    clearEnv: options.clearEnv,
    cwd: options.cwd,
  }).spawn();
  const changed = new Condition();
  const output = { stdout: "", stderr: "" };
  const stdoutChunks: Uint8Array[] = [];
  const stdoutLines: string[] = [];
  let ended = false;
  const pump = async (
    stream: ReadableStream<Uint8Array>,
    where: "stdout" | "stderr",
  ) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      if (where === "stdout") stdoutChunks.push(chunk);
      const text = decoder.decode(chunk, { stream: true });
      const before = output[where];
      output[where] += text;
      if (where === "stdout") {
        const complete = output.stdout.lastIndexOf("\n");
        const from = before.lastIndexOf("\n") + 1;
        if (complete >= from) stdoutLines.push(...output.stdout.slice(from, complete).split("\n"));
      }
      changed.notify();
    }
    output[where] += decoder.decode();
  };
  const pumps = Promise.all([pump(child.stdout, "stdout"), pump(child.stderr, "stderr")]);
  const status = child.status.then(async (status) => {
    await pumps;
    ended = true;
    changed.notify();
    return status;
  });
  const kill = (signal: Deno.Signal = "SIGTERM") => {
    try {
      child.kill(signal);
    } catch { /* already ended */ }
  };
  const onAbort = () => kill("SIGKILL");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  status.finally(() => options.signal?.removeEventListener("abort", onAbort));
  if (options.signal?.aborted) onAbort();

  if (options.stdin !== undefined) {
    const bytes = typeof options.stdin === "string"
      ? new TextEncoder().encode(options.stdin)
      : options.stdin;
    const writer = child.stdin.getWriter();
    // A process that exits without reading its input makes the write fail; that is its business.
    writer.write(bytes).then(() => writer.close()).catch(() => {});
  }

  let timedOut = false;
  const result = async (): Promise<ProcessResult> => {
    const s = await status;
    const stdoutBytes = new Uint8Array(stdoutChunks.reduce((n, c) => n + c.length, 0));
    stdoutChunks.reduce((offset, c) => (stdoutBytes.set(c, offset), offset + c.length), 0);
    return {
      code: s.code,
      signal: s.signal,
      stdout: output.stdout,
      stderr: output.stderr,
      stdoutBytes,
      timedOut,
    };
  };
  const waitUntil = <T>(
    check: () => T | undefined,
    what: string,
    deadlineMs: number,
  ): Promise<T> =>
    changed.wait(() => {
      const value = check();
      if (value !== undefined) return value;
      if (ended) throw new Error(`${name} ended before ${what}\nstderr:\n${output.stderr}`);
      return undefined;
    }, {
      deadlineMs,
      what: `${what} from ${name}`,
      signal: options.signal,
      detail: () => `stdout:\n${output.stdout}\nstderr:\n${output.stderr}`,
    }) as Promise<T>;

  const handle: RunningProcess = {
    child,
    name,
    get stdout() {
      return output.stdout;
    },
    get stderr() {
      return output.stderr;
    },
    stdoutLines,
    status,
    waitFor(pattern, where = "stdout", deadlineMs = 30_000) {
      return waitUntil(
        () => pattern.exec(output[where]) ?? undefined,
        `${pattern} on ${where}`,
        deadlineMs,
      );
    },
    waitForLine(test, deadlineMs = 30_000) {
      const passes = typeof test === "function" ? test : (line: string) => test.test(line);
      return waitUntil(
        () => stdoutLines.find(passes),
        `a stdout line matching ${typeof test === "function" ? "the check" : test}`,
        deadlineMs,
      );
    },
    async finished(deadlineMs = 60_000) {
      await withDeadline(status, deadlineMs, `${name} to exit`, {
        detail: () => `stderr:\n${output.stderr}`,
      });
      return await result();
    },
    kill,
    async stop(signal = "SIGTERM", deadlineMs = 20_000) {
      kill(signal);
      try {
        await withDeadline(status, deadlineMs, `${name} to exit on ${signal}`);
      } catch (error) {
        if (!(error instanceof DeadlineError)) throw error;
        timedOut = true;
        kill("SIGKILL");
      }
      return await result();
    },
    async [Symbol.asyncDispose]() {
      kill("SIGKILL");
      await status;
    },
  };
  return handle;
}

/**
 * Runs a command to its end, feeding `stdin`; after `timeoutMs` (default 30 s) it is killed,
 * `timedOut` is set and stderr ends with a line saying so, so that a failed assertion that shows
 * stderr names the cause.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runProcess } from "./processes.ts";
 *
 * const r = await runProcess("cat", [], { stdin: "hi" });
 * assert.deepEqual([r.code, r.stdout, r.timedOut], [0, "hi", false]);
 * const slow = await runProcess("sleep", ["5"], { timeoutMs: 50 });
 * assert.equal(slow.timedOut, true);
 * assert.match(slow.stderr, /killed after 50 ms: sleep 5/);
 * ```
 */
export async function runProcess(
  command: string,
  args: string[],
  options: ProcessOptions & { timeoutMs?: number } = {},
): Promise<ProcessResult> {
  const { timeoutMs = 30_000, ...rest } = options;
  const running = startProcess(command, args, rest);
  try {
    return await running.finished(timeoutMs);
  } catch (error) {
    if (!(error instanceof DeadlineError)) throw error;
    const killed = await running.stop("SIGKILL");
    return {
      ...killed,
      stderr: `${killed.stderr}\n[killed after ${timeoutMs} ms: ${running.name}]\n`,
      timedOut: true,
    };
  }
}

/**
 * Runs kcat against a broker address with extra `-X` settings.
 *
 * @example
 * ```ts ignore
 * await kcat("127.0.0.1:9092", ["-L"]);
 * ```
 */
export function kcat(
  bootstrap: string,
  args: string[],
  options: { stdin?: string | Uint8Array; timeoutMs?: number; config?: Record<string, string> } =
    {},
): Promise<ProcessResult> {
  const { config = {}, ...rest } = options;
  const settings = Object.entries(config).flatMap(([k, v]) => ["-X", `${k}=${v}`]);
  return runProcess("kcat", ["-b", bootstrap, ...settings, ...args], rest);
}

/** Where a kcat consumer starts and what it prints. */
export interface KcatConsumeOptions {
  /** kcat `-o` value; default `beginning`. */
  offset?: string;
  /** Reads only this partition (`-p`). */
  partition?: number;
  /** Passes `-q` so that kcat prints nothing but the formatted messages. */
  quiet?: boolean;
  /** Kills kcat after this long; default 30 s. */
  timeoutMs?: number;
  /** librdkafka settings passed as `-X key=value`. */
  config?: Record<string, string>;
}

/**
 * Runs `kcat -C -e` on one topic: reads from `offset` to the current end and prints each message
 * with the `-f` format.
 *
 * @example
 * ```ts ignore
 * const r = await kcatConsume("127.0.0.1:9092", "t", "%o %s\\n");
 * ```
 */
export function kcatConsume(
  bootstrap: string,
  topic: string,
  format: string,
  options: KcatConsumeOptions = {},
): Promise<ProcessResult> {
  const { offset = "beginning", partition, quiet = false, ...rest } = options;
  return kcat(bootstrap, [
    "-C",
    "-t",
    topic,
    ...(partition === undefined ? [] : ["-p", String(partition)]),
    "-o",
    offset,
    "-e",
    ...(quiet ? ["-q"] : []),
    "-f",
    format,
  ], rest);
}

/**
 * librdkafka settings that log in with SASL, over TLS trusting `caFile` when it is given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rdkafkaSasl } from "./processes.ts";
 *
 * assert.equal(rdkafkaSasl("alice", "pw", "SCRAM-SHA-256")["security.protocol"], "SASL_PLAINTEXT");
 * assert.equal(rdkafkaSasl("alice", "pw", "PLAIN", "ca.pem")["ssl.ca.location"], "ca.pem");
 * ```
 */
export function rdkafkaSasl(
  username: string,
  password: string,
  mechanism: string,
  caFile?: string,
): Record<string, string> {
  return {
    "security.protocol": caFile === undefined ? "SASL_PLAINTEXT" : "SASL_SSL",
    "sasl.mechanisms": mechanism,
    "sasl.username": username,
    "sasl.password": password,
    ...(caFile === undefined ? {} : { "ssl.ca.location": caFile }),
  };
}

/** The Debian python3 that has confluent_kafka (pyenv shims may shadow it on PATH). */
export const PYTHON = "/usr/bin/python3";

/**
 * Runs a Python script (confluent-kafka) with `BOOTSTRAP` and extra variables in its environment.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { python } from "./processes.ts";
 *
 * const r = await python("import os; print(os.environ['GREETING'])", { GREETING: "hi" });
 * assert.equal(r.stdout, "hi\n");
 * ```
 */
export function python(
  script: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
  options: { stdin?: string | Uint8Array } = {},
): Promise<ProcessResult> {
  return runProcess(PYTHON, ["-c", script], { ...options, env, timeoutMs });
}
