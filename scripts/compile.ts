/**
 * `deno task compile`: builds the `igwn-alert` binary with scoped permissions baked in (see
 * `lib/cli/permissions.ts` for what is allowed and why paths are fixed at build time).
 *
 * Usage: `deno task compile [--output FILE] [--read PATH]... [--write DIR]... [--run PROGRAM]...
 * [--home DIR]`
 *
 * - `--read PATH` also allows reading PATH (e.g. the folder holding alert files for `send`).
 * - `--write DIR` also allows reading and writing DIR (e.g. a broker `--data-dir`).
 * - `--run PROGRAM` also allows running PROGRAM (a command of `listen --exec` or `--config`);
 *   the binary runs no other program.
 * - `--home DIR` scopes the binary to another user's `~/.config/hop` and `~/.netrc`.
 *
 * `deno compile` embeds a Deno runtime (denort) that it downloads unless `DENORT_BIN` names a
 * local copy of the same version; without network access the download fails and this script
 * says so.
 *
 * @module
 */

import { resolve } from "node:path";
import { cliRuntimeFlags, permissionScopeFromEnv } from "../lib/cli/permissions.ts";

const USAGE = "usage: deno task compile [--output FILE] [--read PATH]... [--write DIR]... " +
  "[--run PROGRAM]... [--home DIR]";

function parseArgs(args: string[]) {
  const options = {
    output: "igwn-alert",
    read: [] as string[],
    write: [] as string[],
    run: [] as string[],
  } as { output: string; read: string[]; write: string[]; run: string[]; home?: string };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if (
      !["--output", "--read", "--write", "--run", "--home"].includes(flag) || value === undefined
    ) {
      throw new Error(`unexpected argument '${flag}'\n${USAGE}`);
    }
    i++;
    if (flag === "--output") options.output = value;
    else if (flag === "--home") options.home = resolve(value);
    else if (flag === "--read") options.read.push(resolve(value));
    else if (flag === "--run") options.run.push(resolve(value));
    else options.write.push(resolve(value));
  }
  return options;
}

// deno compile reports a failed runtime download with the denort URL and a network error.
function isRuntimeDownloadFailure(stderr: string): boolean {
  return /denort/.test(stderr) &&
    /(error sending request|dns error|Setting up base binary|Failed downloading|Download)/i.test(
      stderr,
    );
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseArgs(Deno.args);
  } catch (error) {
    console.error(`compile: ${(error as Error).message}`);
    return 2;
  }
  const scope = {
    ...permissionScopeFromEnv(),
    readPaths: options.read,
    writePaths: options.write,
    runPrograms: options.run,
  };
  if (options.home) {
    scope.home = options.home;
    scope.xdgConfigHome = undefined;
    scope.netrc = undefined;
  }
  const root = new URL("../", import.meta.url);
  const args = [
    "compile",
    "--frozen",
    "--no-check",
    ...cliRuntimeFlags(scope),
    "--output",
    resolve(options.output),
    new URL("cli.ts", root).pathname,
  ];
  console.error(`compile: deno ${args.join(" ")}`);
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root.pathname,
    stdout: "inherit",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr);
  if (result.success) {
    Deno.stderr.writeSync(result.stderr);
    console.error(`compile: built ${resolve(options.output)}`);
    return 0;
  }
  if (isRuntimeDownloadFailure(stderr)) {
    console.error(
      "compile: deno compile could not download the Deno runtime (denort) that it embeds in the " +
        "binary: this machine cannot reach the download server. Build on a machine with " +
        "internet access, or set DENORT_BIN to a local denort binary of the same Deno version " +
        `(${Deno.version.deno}).`,
    );
    return 1;
  }
  Deno.stderr.writeSync(result.stderr);
  console.error("compile: deno compile failed (see above)");
  return 1;
}

if (import.meta.main) Deno.exit(await main());
