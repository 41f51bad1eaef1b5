/**
 * Start-up narrowing of the program's permissions. The binary is built with file access without
 * paths (see `permissions.ts`); this module, which loads no dependency, works out which files this
 * run needs and runs the CLI in a worker that may touch only those, so that no dependency ever
 * runs with more than the run needs.
 *
 * @module
 */

import { answerWithoutParser } from "./main.ts";
import { writeStderr } from "./_output.ts";
import { type RuntimeScope, runtimeScope, workerPermissions } from "./permissions.ts";

/** The worker module that runs `igwn-alert`. */
export const CLI_WORKER: URL = new URL("./_sandbox_worker.ts", import.meta.url);

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

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
  return runtimeScope({ args, env, cwd: Deno.cwd(), exists, readText, execPath });
}

/**
 * Runs the CLI (or another worker module that answers a string array with an exit code) with the
 * permissions of {@link currentScope}. `--version` and `--help` are answered at once. A process
 * started with every permission (`deno run -A`) has nothing to narrow and runs the CLI in place.
 *
 * @param args command-line arguments.
 * @param worker the worker module; default the `igwn-alert` CLI.
 * @returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { runSandboxed } from "./sandbox.ts";
 * Deno.exit(await runSandboxed(Deno.args));
 * ```
 */
export async function runSandboxed(args: string[], worker: URL = CLI_WORKER): Promise<number> {
  if (worker === CLI_WORKER) {
    const answered = answerWithoutParser(args);
    if (answered !== undefined) return answered;
    if (granted("ffi") && granted("sys") && granted("run")) {
      const { runCli } = await import("./main.ts");
      return await runCli(args);
    }
  }
  const permissions = workerPermissions(currentScope(args));
  const child = new Worker(worker, {
    type: "module",
    name: "igwn-alert",
    deno: { permissions },
  });
  return await new Promise<number>((resolve) => {
    child.onmessage = (event: MessageEvent<unknown>) => {
      const code = event.data;
      resolve(
        Number.isInteger(code) && (code as number) >= 0 && (code as number) < 256
          ? code as number
          : 1,
      );
    };
    child.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      writeStderr(`igwn-alert: ${event.message.replace(/^Uncaught (\(in promise\) )?/, "")}\n`);
      resolve(1);
    };
    child.postMessage(args);
  });
}
