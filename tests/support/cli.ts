/**
 * Running `cli.ts` as a child process, as users run it: with exactly the permissions the
 * compiled binary gets and a HOME of its own (`runCliProcess`, `startCliProcess`), or with `-A`
 * for a broker that tests talk to (`startCliBroker`).
 *
 * @module
 */

import { cliRuntimeFlags } from "../../lib/cli/permissions.ts";
import {
  type ProcessOptions,
  type ProcessResult,
  type RunningProcess,
  runProcess,
  startProcess,
} from "./processes.ts";

/** Exit code and output of a CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Absolute path of `cli.ts`. */
export const CLI_PATH: string = new URL("../../cli.ts", import.meta.url).pathname;

/** The test HOME is empty, so deno must be told where its module cache is. */
export const DENO_DIR: string = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;

/** How a CLI run is set up. */
export interface CliRun {
  env?: Record<string, string>;
  stdin?: string;
  /** Aborting kills the CLI (SIGKILL). */
  signal?: AbortSignal;
  /** Programs the CLI may run, as a binary built with `deno task compile --run` may. */
  runPrograms?: readonly string[];
}

const homes: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const home of homes) {
    try {
      Deno.removeSync(home, { recursive: true });
    } catch { /* already gone */ }
  }
});

/**
 * A HOME of its own for a test (removed when the test file ends), so that the developer's
 * credentials never leak in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeHome } from "./cli.ts";
 *
 * const home = await makeHome();
 * assert.deepEqual(await Array.fromAsync(Deno.readDir(home)), []);
 * ```
 */
export async function makeHome(): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "igwn-alert-home-" });
  homes.push(home);
  return home;
}

function cliArgs(args: string[], runPrograms?: readonly string[]): string[] {
  return ["run", "--frozen", ...cliRuntimeFlags({ runPrograms }), CLI_PATH, ...args];
}

function cliEnv(run: CliRun & { home: string }): Record<string, string> {
  return { HOME: run.home, DENO_DIR, ...run.env };
}

/**
 * The `Deno.Command` of a CLI run, for tests that drive the child themselves; prefer
 * {@link startCliProcess}, which collects the output and has deadlines.
 *
 * @example
 * ```ts ignore
 * const child = cliCommand(["--version"], { home: await makeHome() }).spawn();
 * ```
 */
export function cliCommand(args: string[], run: CliRun & { home: string }): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: cliArgs(args, run.runPrograms),
    env: cliEnv(run),
    clearEnv: true,
    stdin: run.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    signal: run.signal,
  });
}

/**
 * Runs the CLI to its end; it is killed after `timeoutMs` (default 60 s), which stderr then says.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeHome, runCliProcess } from "./cli.ts";
 *
 * const result = await runCliProcess(["--version"], { home: await makeHome() });
 * assert.equal(result.code, 0, result.stderr);
 * assert.match(result.stdout, /^igwn-alert client \d+\.\d+\.\d+\n$/);
 * ```
 */
export async function runCliProcess(
  args: string[],
  run: CliRun & { home: string; timeoutMs?: number },
): Promise<CliResult & { timedOut: boolean }> {
  const result = await runProcess(Deno.execPath(), cliArgs(args, run.runPrograms), {
    env: cliEnv(run),
    clearEnv: true,
    stdin: run.stdin,
    signal: run.signal,
    timeoutMs: run.timeoutMs ?? 60_000,
    name: `igwn-alert ${args.join(" ")}`,
  });
  return {
    code: result.code,
    stdout: result.stdout,
    stderr: result.stderr,
    timedOut: result.timedOut,
  };
}

/**
 * Starts the CLI in the background (e.g. `listen`), its output collected as it arrives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeHome, startCliProcess } from "./cli.ts";
 *
 * await using cli = startCliProcess(["--version"], { home: await makeHome() });
 * await cli.waitFor(/^igwn-alert client/, "stdout", 30_000);
 * assert.equal((await cli.finished(30_000)).code, 0);
 * ```
 */
export function startCliProcess(args: string[], run: CliRun & { home: string }): RunningProcess {
  return startProcess(Deno.execPath(), cliArgs(args, run.runPrograms), {
    env: cliEnv(run),
    clearEnv: true,
    stdin: run.stdin,
    signal: run.signal,
    name: `igwn-alert ${args.join(" ")}`,
  });
}

/**
 * Runs `deno run -A --frozen cli.ts ARGS` in this process's environment, to its end; for
 * commands that need no permission scoping (the playground, the broker).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "./cli.ts";
 *
 * const result = await runCli(["--version"]);
 * assert.equal(result.code, 0, result.stderr);
 * ```
 */
export function runCli(
  args: string[],
  options: Omit<ProcessOptions, "name"> & { timeoutMs?: number } = {},
): Promise<ProcessResult> {
  return runProcess(Deno.execPath(), ["run", "-A", "--frozen", CLI_PATH, ...args], {
    timeoutMs: 90_000,
    ...options,
    name: `igwn-alert ${args.join(" ")}`,
  });
}

/** As {@link runCli}, in the background. */
export function startCli(
  args: string[],
  options: Omit<ProcessOptions, "name"> = {},
): RunningProcess {
  return startProcess(Deno.execPath(), ["run", "-A", "--frozen", CLI_PATH, ...args], {
    ...options,
    name: `igwn-alert ${args.join(" ")}`,
  });
}

/** A broker process started through the CLI. */
export interface CliBroker extends AsyncDisposable {
  /** The exact ready line printed on stdout. */
  readonly readyLine: string;
  /** The port it bound (it reports the port it got for `--port 0`). */
  readonly port: number;
  readonly address: string;
  readonly child: Deno.ChildProcess;
  readonly process: RunningProcess;
  /** Sends a signal and waits for the exit; returns the exit status and everything on stderr. */
  stop(signal?: Deno.Signal): Promise<{ code: number; stderr: string }>;
}

/**
 * Starts `deno run -A cli.ts broker ARGS` and resolves once it printed its ready line, which
 * names the port it bound; fails after `timeoutMs` naming the ready line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startCliBroker } from "./cli.ts";
 *
 * await using broker = await startCliBroker(["--port", "0"]);
 * assert.ok(broker.port > 0);
 * assert.equal((await broker.stop()).code, 0);
 * ```
 */
export async function startCliBroker(args: string[], timeoutMs = 20_000): Promise<CliBroker> {
  const process = startCli(["broker", ...args]);
  let readyLine: string;
  try {
    readyLine = await process.waitForLine(() => true, timeoutMs);
  } catch (error) {
    const result = await process.stop("SIGKILL");
    throw new Error(`broker did not start: ${(error as Error).message}\n${result.stderr}`);
  }
  const match = /^listening on kafka:\/\/([^:]+):(\d+) \(/.exec(readyLine);
  if (!match) {
    const result = await process.stop("SIGKILL");
    throw new Error(`broker did not start: ${readyLine} ${result.stderr}`);
  }
  let stopped: Promise<{ code: number; stderr: string }> | undefined;
  const stop = (signal: Deno.Signal = "SIGTERM") =>
    stopped ??= process.stop(signal).then(({ code, stderr }) => ({ code, stderr }));
  return {
    readyLine,
    port: Number(match[2]),
    address: `${match[1]}:${match[2]}`,
    child: process.child,
    process,
    stop,
    async [Symbol.asyncDispose]() {
      await stop("SIGKILL");
    },
  };
}

/** Whether a file or folder exists (a file a CLI run should, or should not, have written). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * A temporary folder for `listen --exec`: `bin/on-alert.sh` (a shell script running `body`,
 * executable) and an empty `out/` for what the listener writes. They are separate because Deno
 * gives a worker no write access to a folder holding a program it may run.
 *
 * @param body the script after its `#!/bin/sh` line; `dir` is the folder, for writing into it
 * @param prefix the temporary folder's name prefix
 */
export async function execScriptDir(
  body: (dir: string) => string,
  prefix = "igwn-alert-exec-",
): Promise<{ dir: string; script: string }> {
  const dir = await Deno.makeTempDir({ prefix });
  await Deno.mkdir(`${dir}/bin`);
  await Deno.mkdir(`${dir}/out`);
  const script = `${dir}/bin/on-alert.sh`;
  await Deno.writeTextFile(script, `#!/bin/sh\n${body(dir)}`);
  await Deno.chmod(script, 0o755);
  return { dir, script };
}
