/**
 * Start-up narrowing of the program's permissions. The binary is built with file access without
 * paths (see `permissions.ts`); this module, which loads no dependency, works out which files this
 * run needs and runs the CLI in a worker that may touch only those, so that no dependency ever
 * runs with more than the run needs. Once the worker runs, the process's own isolate gives up its
 * file, environment and network access: it only waits for the exit code.
 *
 * Every entry compiled with the permission set of `permissions.ts` (`cli.ts`, and `hop.ts` where
 * it exists) starts its CLI through {@link runSandboxed}, with a worker module named
 * `lib/cli/_sandbox_worker*.ts` (the files `deno task compile` embeds in the binary).
 *
 * @module
 */

import { answerWithoutParser } from "./main.ts";
import { writeStderr } from "./_output.ts";
import { type RuntimeScope, runtimeScope, workerPermissions } from "./permissions.ts";

/** A program that runs in a narrowed worker. */
export interface SandboxedProgram {
  /** Name in messages (`igwn-alert: ...`). */
  name: string;
  /**
   * The worker module: posts one message once loaded, then answers the message holding the
   * arguments with the exit code.
   */
  worker: URL;
  /** Answers what needs no files or dependencies (`--version`, `--help`) at once, else undefined. */
  answerAtOnce?(args: string[]): number | undefined;
  /** Runs the program in this isolate, when the process has every permission (`-A`). */
  runInPlace?(args: string[]): Promise<number>;
}

/** The `igwn-alert` CLI. */
export const IGWN_ALERT: SandboxedProgram = {
  name: "igwn-alert",
  worker: new URL("./_sandbox_worker.ts", import.meta.url),
  answerAtOnce: answerWithoutParser,
  async runInPlace(args) {
    const { runCli } = await import("./main.ts");
    return await runCli(args);
  },
};

/** The `hop` command (hop-client's command line). */
export const HOP: SandboxedProgram = {
  name: "hop",
  worker: new URL("./_sandbox_worker_hop.ts", import.meta.url),
  async runInPlace(args) {
    const { runHop } = await import("./hop/main.ts");
    return await runHop(args);
  },
};

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

function granted(name: "ffi" | "sys" | "run"): boolean {
  return Deno.permissions.querySync({ name }).state === "granted";
}

/**
 * The scope of this run, from the process environment, working directory and `args`.
 *
 * @param args command-line arguments.
 * @returns what the run may touch.
 */
export function currentScope(args: readonly string[]): RuntimeScope {
  let execPath: string | undefined;
  try {
    execPath = Deno.execPath();
  } catch { /* not readable: the playground then names the program by its short name */ }
  return runtimeScope({ args, env, cwd: Deno.cwd(), readText, execPath });
}

function giveUpAccess(): void {
  for (const name of ["read", "write", "env", "net"] as const) {
    try {
      Deno.permissions.revokeSync({ name });
    } catch { /* already none */ }
  }
}

/**
 * Runs a program (default: the CLI) in a worker with the permissions of {@link currentScope}.
 * A process started with every permission (`deno run -A`) has nothing to narrow and runs the
 * program in place.
 *
 * @param args command-line arguments.
 * @param program what to run.
 * @returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { runSandboxed } from "./sandbox.ts";
 * Deno.exit(await runSandboxed(Deno.args));
 * ```
 */
export async function runSandboxed(
  args: string[],
  program: SandboxedProgram = IGWN_ALERT,
): Promise<number> {
  const answered = program.answerAtOnce?.(args);
  if (answered !== undefined) return answered;
  if (program.runInPlace && granted("ffi") && granted("sys") && granted("run")) {
    return await program.runInPlace(args);
  }
  let child: Worker;
  try {
    child = new Worker(program.worker, {
      type: "module",
      name: program.name,
      deno: { permissions: workerPermissions(currentScope(args)) },
    });
  } catch (error) {
    const message = (error as Error).message;
    writeStderr(
      /escalate/i.test(message)
        ? `${program.name}: a folder this run writes holds a program this binary may run, which ` +
          "Deno does not allow; keep --output and --dead-letter files apart from the programs\n"
        : `${program.name}: cannot start with narrowed permissions (${message}); ` +
          "run with the flags of `deno task compile --print-permissions`, or with -A\n",
    );
    return 1;
  }
  return await new Promise<number>((resolve) => {
    let started = false;
    child.onmessage = (event: MessageEvent<unknown>) => {
      if (!started) {
        // The worker's module is loaded (with this isolate's permissions): give them up.
        started = true;
        giveUpAccess();
        child.postMessage(args);
        return;
      }
      const code = event.data;
      resolve(
        typeof code === "number" && Number.isInteger(code) && code >= 0 && code < 256 ? code : 1,
      );
    };
    child.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      writeStderr(
        `${program.name}: ${event.message.replace(/^Uncaught (\(in promise\) )?/, "")}\n`,
      );
      resolve(1);
    };
  });
}
