// Runs the CLI as a separate process with exactly the permissions the compiled binary gets.

import { cliRuntimeFlags, type PermissionScope } from "../lib/cli/permissions.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const CLI_PATH = new URL("../cli.ts", import.meta.url).pathname;

// The test HOME is empty, so deno must be told where its module cache is.
const DENO_DIR = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;

export interface CliRun {
  scope?: PermissionScope;
  env?: Record<string, string>;
  stdin?: string;
  signal?: AbortSignal;
}

const homes: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const home of homes) Deno.removeSync(home, { recursive: true });
});

/** A HOME of its own for a test (removed when the test file ends), so that the developer's
 * credentials never leak in. */
export async function makeHome(): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "igwn-alert-home-" });
  homes.push(home);
  return home;
}

export function cliCommand(args: string[], run: CliRun & { home: string }): Deno.Command {
  const scope = run.scope ?? { home: run.home };
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--frozen", "--no-prompt", ...cliRuntimeFlags(scope), CLI_PATH, ...args],
    env: { HOME: run.home, DENO_DIR: DENO_DIR, ...run.env },
    clearEnv: true,
    stdin: run.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    signal: run.signal,
  });
}

export async function runCliProcess(
  args: string[],
  run: CliRun & { home: string },
): Promise<CliResult> {
  const child = cliCommand(args, run).spawn();
  if (run.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(run.stdin));
    await writer.close();
  }
  const output = await child.output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}
