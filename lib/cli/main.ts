/**
 * The `igwn-alert` command line: the Python tool's subcommands and flags, plus the project's
 * `broker`, `auth` and `playground` commands.
 *
 * @module
 */

import denoConfig from "../../deno.json" with { type: "json" };
import { writeStderr, writeStdout } from "./_output.ts";
import { CliExit } from "./cli_exit.ts";
import { PROGRAM_HELP } from "./_program_help.ts";

const PROGRAM_HELP_ARGS = new Set(["--help", "-h", "help"]);

/** Version printed by `igwn-alert -V` (`igwn-alert client VERSION`). */
export const VERSION: string = denoConfig.version;

/**
 * Runs the CLI with `args` (without the program name) and returns the exit code: 0 on success,
 * 1 when a command fails (`igwn-alert: <message>` on stderr, later lines of the message indented
 * by two spaces), 2 for usage errors, or the code of a {@link CliExit}.
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
    if (error instanceof CliExit) {
      if (error.message) writeStderr(errorLines(error.message));
      return error.code;
    }
    writeStderr(errorLines(describeError(error)));
    return 1;
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

function describeError(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable) {
    return `${error.message.replace(/, run again with.*$/, "")} (not permitted for this program)`;
  }
  if (error instanceof Error) return error.message.trim() ? error.message : error.name;
  return String(error);
}

/**
 * `igwn-alert: ` before the first line of a message and two spaces before each following one, so
 * that the advice hop puts on later lines (how to fix a file's permissions, which credentials
 * matched) is printed and still reads as one diagnostic.
 */
function errorLines(message: string): string {
  const [first, ...rest] = message.replace(/\s+$/, "").split(/\r?\n/);
  return [`igwn-alert: ${first}`, ...rest.map((line) => line ? `  ${line}` : line)].join("\n") +
    "\n";
}
