/**
 * `deno task compile`: builds the `igwn-alert` binary (and `hop` where `hop.ts` exists) with the
 * permission set of `lib/cli/permissions.ts` baked in, then checks what it built.
 *
 * Usage: `deno task compile [--target TARGET]... [--out-dir DIR] [--run PROGRAM]...
 * [--print-permissions]`
 *
 * - no `--target`: builds `igwn-alert` (and `hop`) for this machine in `--out-dir` (default `.`)
 *   and runs each with `--version` to check that it answers as itself, not as plain Deno, and
 *   `igwn-alert auth locate` to check that the CLI runs in its narrowed worker.
 * - `--target TARGET` (repeatable, or `all`): cross-compiles to `DIR/igwn-alert-TARGET[.exe]`;
 *   a binary for another system cannot be run here, so its bytes are checked instead (it embeds
 *   this program and is built on Deno's runtime, not on the full `deno` command).
 * - `--run PROGRAM` (repeatable): the binary may run PROGRAM (made absolute), for
 *   `listen --exec` and `--config` commands; it runs no other program.
 * - `--print-permissions`: prints the flags the binaries carry, one line, and builds nothing.
 *
 * Every entry starts its CLI through `runSandboxed` (`lib/cli/sandbox.ts`), which narrows the
 * binary's file access for each run; its worker module is a `lib/cli/_sandbox_worker*.ts` file,
 * all of which are embedded.
 *
 * `deno compile` embeds a Deno runtime (denort) that it downloads unless `DENORT_BIN` names a
 * local copy of the same version; without network access the download fails and this script
 * says so.
 *
 * @module
 */

import { resolve } from "node:path";
import denoConfig from "../deno.json" with { type: "json" };
import { cliRuntimeFlags } from "../lib/cli/permissions.ts";

/** The targets `deno compile --target` accepts. */
export const TARGETS: readonly string[] = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

const USAGE = "usage: deno task compile [--target TARGET|all]... [--out-dir DIR] " +
  "[--run PROGRAM]... [--print-permissions]";

const ROOT = new URL("../", import.meta.url);

/** One program to build: its entry module and how its `--version` answer starts. */
interface Entry {
  name: string;
  module: string;
  version: RegExp;
  /** A command that runs in the narrowed worker (loading the CLI's modules), and its answer. */
  workerCheck?: { args: string[]; stdout: RegExp };
}

/** `igwn-alert`, and `hop` when its entry module exists. */
function entries(): Entry[] {
  const list: Entry[] = [{
    name: "igwn-alert",
    module: "cli.ts",
    version: new RegExp(`^igwn-alert client ${denoConfig.version.replaceAll(".", "\\.")}\\n$`),
    workerCheck: { args: ["auth", "locate"], stdout: /\/hop\/auth\.toml\n$/ },
  }];
  try {
    Deno.statSync(new URL("hop.ts", ROOT));
    list.push({ name: "hop", module: "hop.ts", version: /^hop\b.*\d+\.\d+/ });
  } catch { /* no hop entry in this tree */ }
  return list;
}

/** Worker modules the entries start (a compiled binary holds only what is named or imported). */
function workerModules(): string[] {
  const dir = new URL("lib/cli/", ROOT);
  return [...Deno.readDirSync(dir)]
    .filter((entry) => /^_sandbox_worker.*\.ts$/.test(entry.name))
    .map((entry) => new URL(entry.name, dir).pathname)
    .sort();
}

interface Options {
  targets: string[];
  outDir: string;
  run: string[];
  printPermissions: boolean;
}

function parseArgs(args: string[]): Options {
  const options: Options = { targets: [], outDir: ".", run: [], printPermissions: false };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag === "--print-permissions") {
      options.printPermissions = true;
      continue;
    }
    const value = args[i + 1];
    if (!["--target", "--out-dir", "--run"].includes(flag) || value === undefined) {
      throw new Error(`unexpected argument '${flag}'\n${USAGE}`);
    }
    i++;
    if (flag === "--out-dir") options.outDir = value;
    else if (flag === "--run") options.run.push(resolve(value));
    else if (value === "all") options.targets.push(...TARGETS);
    else if (TARGETS.includes(value)) options.targets.push(value);
    else throw new Error(`unknown target '${value}' (one of ${TARGETS.join(", ")}, or all)`);
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

/** What a bare `deno` binary contains and a Deno runtime for compiled programs does not. */
const FULL_DENO_MARKER = new TextEncoder().encode(
  "Compile the script into a self contained executable",
);

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0];
  for (let i = haystack.indexOf(first); i !== -1; i = haystack.indexOf(first, i + 1)) {
    if (i + needle.length > haystack.length) return false;
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return true;
  }
  return false;
}

/**
 * Checks a built binary: on this machine's target it must answer `--version` as the program; for
 * another target it must embed the program's version text and not be the full `deno` command.
 */
async function checkBinary(entry: Entry, path: string, native: boolean): Promise<string | null> {
  if (native) {
    let result: Deno.CommandOutput;
    try {
      result = await new Deno.Command(path, {
        args: ["--version"],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
    } catch (error) {
      return `${path} could not be run: ${(error as Error).message}`;
    }
    const stdout = new TextDecoder().decode(result.stdout);
    if (!result.success || !entry.version.test(stdout)) {
      const answer = (stdout || new TextDecoder().decode(result.stderr)).trim().split("\n")[0];
      return `${path} --version answered '${answer}' (exit ${result.code}), not as ${entry.name}` +
        (/^deno \d/.test(answer)
          ? ": the binary is plain Deno (is DENORT_BIN a full deno instead of denort?)"
          : "");
    }
    return entry.workerCheck ? await checkWorker(path, entry.workerCheck) : null;
  }
  const bytes = await Deno.readFile(path);
  if (contains(bytes, FULL_DENO_MARKER)) {
    return `${path} is built on the full deno command, not on Deno's runtime for compiled ` +
      "programs (is DENORT_BIN a full deno instead of denort?)";
  }
  if (!contains(bytes, new TextEncoder().encode(entry.name))) {
    return `${path} does not contain the ${entry.name} program`;
  }
  return null;
}

/** Runs a command that needs the narrowed worker, with an empty HOME, and checks its answer. */
async function checkWorker(
  path: string,
  check: { args: string[]; stdout: RegExp },
): Promise<string | null> {
  const home = await Deno.makeTempDir({ prefix: "igwn-alert-compile-check-" });
  try {
    const result = await new Deno.Command(path, {
      args: check.args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      clearEnv: true,
      env: { HOME: home, NO_COLOR: "1" },
    }).output();
    const stdout = new TextDecoder().decode(result.stdout);
    if (result.success && check.stdout.test(stdout)) return null;
    const stderr = new TextDecoder().decode(result.stderr).trim().split("\n")[0];
    return `${path} ${check.args.join(" ")} failed (exit ${result.code}): ${
      stderr || stdout.trim()
    }`;
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

function outputPath(outDir: string, entry: Entry, target: string | undefined): string {
  if (!target) return resolve(outDir, entry.name);
  return resolve(outDir, `${entry.name}-${target}${target.includes("windows") ? ".exe" : ""}`);
}

/** The target triple of the running Deno (what a build without `--target` produces). */
function nativeTarget(): string {
  return Deno.build.target;
}

async function build(
  entry: Entry,
  target: string | undefined,
  outDir: string,
  runPrograms: string[],
): Promise<number> {
  const output = outputPath(outDir, entry, target);
  const args = [
    "compile",
    "--frozen",
    "--no-check",
    ...cliRuntimeFlags({ runPrograms }),
    ...workerModules().flatMap((module) => ["--include", module]),
    ...(target ? ["--target", target] : []),
    "--output",
    output,
    new URL(entry.module, ROOT).pathname,
  ];
  console.error(`compile: deno ${args.join(" ")}`);
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT.pathname,
    stdin: "null",
    stdout: "inherit",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr);
  if (!result.success) {
    if (isRuntimeDownloadFailure(stderr)) {
      console.error(
        "compile: deno compile could not download the Deno runtime (denort) that it embeds in " +
          "the binary: this machine cannot reach the download server. Build on a machine with " +
          "internet access, or set DENORT_BIN to a local denort binary of the same Deno version " +
          `(${Deno.version.deno}${target ? `, for ${target}` : ""}).`,
      );
      return 1;
    }
    Deno.stderr.writeSync(result.stderr);
    console.error("compile: deno compile failed (see above)");
    return 1;
  }
  Deno.stderr.writeSync(result.stderr);
  const problem = await checkBinary(entry, output, !target || target === nativeTarget());
  if (problem) {
    await Deno.remove(output).catch(() => {});
    console.error(`compile: ${problem}; removed it`);
    return 1;
  }
  console.error(`compile: built and checked ${output}`);
  return 0;
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(Deno.args);
  } catch (error) {
    console.error(`compile: ${(error as Error).message}`);
    return 2;
  }
  if (options.printPermissions) {
    console.log(cliRuntimeFlags({ runPrograms: options.run }).join(" "));
    return 0;
  }
  const targets = options.targets.length ? [...new Set(options.targets)] : [undefined];
  for (const target of targets) {
    for (const entry of entries()) {
      const code = await build(entry, target, options.outDir, options.run);
      if (code !== 0) return code;
    }
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main());
