/**
 * The `igwn-alert` command line: the Python tool's subcommands and flags, plus the project's
 * `broker`, `auth` and `playground` commands.
 *
 * @module
 */

import denoConfig from "../../deno.json" with { type: "json" };
import { writeStderr, writeStdout } from "./_output.ts";
import { reportFailure } from "./cli_exit.ts";
import { PROGRAM_HELP } from "./_program_help.ts";

const PROGRAM_HELP_ARGS = new Set(["--help", "-h", "help"]);

/** Version printed by `igwn-alert -V` (`igwn-alert client VERSION`). */
export const VERSION: string = denoConfig.version;

/**
 * Runs the CLI with `args` (without the program name) and returns the exit code: 0 on success,
 * 1 when a command fails (`igwn-alert: <message>` on stderr, later lines of the message indented
 * by two spaces), 2 for usage errors, or the code of a `CliExit`.
 *
 * @param args command-line arguments, e.g. `Deno.args`.
 * @returns the process exit code.
 *
 * @example
 * ```ts ignore
 * import { runCli } from "./main.ts";
 * Deno.exit(await runCli(["topics", "--group", "gracedb-playground"]));
 * ```
 */
export async function runCli(args: string[]): Promise<number> {
  const answered = answerWithoutParser(args);
  if (answered !== undefined) return answered;
  // hop-client's command line, with hop's flags, output and `hop:` error lines.
  if (args[0] === "hop") {
    const { runHop } = await import("./hop/main.ts");
    return await runHop(args.slice(1), "igwn-alert hop");
  }
  const { addCommandsFor, buildProgram, commanderExitCode, prepareSubcommands } = await import(
    "./_program.ts"
  );
  const program = buildProgram(VERSION);
  await addCommandsFor(program, args);
  prepareSubcommands(program);
  try {
    await program.parseAsync(withBareNetrc(args, program.commands.map((c) => c.name())), {
      from: "user",
    });
    return 0;
  } catch (error) {
    const code = commanderExitCode(error);
    if (code !== undefined) return code;
    return reportFailure("igwn-alert", error);
  }
}

/**
 * Answers `--version`, `--help` and a bare `igwn-alert` from stored text, since loading commander
 * would cost more than everything else together; loads no dependency.
 *
 * @param args command-line arguments.
 * @returns the exit code when answered, else undefined (the parser must run).
 */
export function answerWithoutParser(args: readonly string[]): number | undefined {
  if (args.length === 1 && (args[0] === "-V" || args[0] === "--version")) {
    writeStdout(`igwn-alert client ${VERSION}\n`);
    return 0;
  }
  if (args.length === 0) {
    writeStderr(PROGRAM_HELP);
    return 2;
  }
  if (args.length === 1 && PROGRAM_HELP_ARGS.has(args[0])) {
    writeStdout(PROGRAM_HELP);
    return 0;
  }
  return undefined;
}

/**
 * `-n`/`--netrc` takes an optional file, so in `igwn-alert -n listen` the parser would take
 * `listen` as the file. A subcommand name right after it means "the default netrc file".
 */
function withBareNetrc(args: string[], commands: string[]): string[] {
  const result: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if ((args[i] === "-n" || args[i] === "--netrc") && commands.includes(args[i + 1])) {
      result.push("--netrc=");
    } else {
      result.push(args[i]);
    }
  }
  return result;
}
