/**
 * The `hop` command line: hop-client's `publish`, `subscribe`, `list-topics`, `version` and
 * `auth`, with hop's flags and output (see docs/hop.md). Run as `hop ...` (the `./hop` entry
 * point) or as `igwn-alert hop ...`.
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import denoConfig from "../../../deno.json" with { type: "json" };
import { writeStderr, writeStdout } from "../_output.ts";
import { CliExit } from "../cli_exit.ts";
import { authCommand } from "../auth_command.ts";
import { publishCommand } from "./publish_command.ts";
import { subscribeCommand } from "./subscribe_command.ts";
import { listTopicsCommand } from "./list_topics_command.ts";
import { versionCommand } from "./version_command.ts";

function routeOutput(command: Command): Command {
  return command.exitOverride().configureOutput({
    writeOut: (text) => writeStdout(text),
    writeErr: (text) => writeStderr(text),
    outputError: (text, write) => write(text.replace(/^error: /, "hop: ")),
  });
}

/** The program; `name` is what help shows (`hop`, or `igwn-alert hop`). */
function buildHopProgram(name: string): Command {
  const program = routeOutput(
    new Command(name)
      .description("hop-client's command line: publish, subscribe, list topics, credentials")
      .version(`hop version ${denoConfig.version}`, "--version", "print the version and exit")
      .showSuggestionAfterError(),
  );
  for (
    const command of [
      publishCommand(),
      subscribeCommand(),
      listTopicsCommand(),
      versionCommand(),
      authCommand(),
    ]
  ) {
    program.addCommand(command);
    routeOutput(command);
  }
  return program;
}

function describeError(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable) {
    return `${error.message.replace(/, run again with.*$/, "")} (not permitted for this program)`;
  }
  if (error instanceof Error) return error.message.trim() ? error.message : error.name;
  return String(error);
}

function errorLines(message: string): string {
  const [first, ...rest] = message.replace(/\s+$/, "").split(/\r?\n/);
  return [`hop: ${first}`, ...rest.map((line) => line ? `  ${line}` : line)].join("\n") + "\n";
}

/**
 * Runs the hop command line and returns the exit code: 0 on success (and on Ctrl-C), 1 when a
 * command fails (one line `hop: <problem>` on stderr), 2 for usage errors.
 *
 * @param args the arguments after the program name
 * @param name the program name shown in help
 * @returns the process exit code
 */
export async function runHop(args: string[], name = "hop"): Promise<number> {
  const program = buildHopProgram(name);
  if (args.length === 0) {
    writeStderr(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return ["commander.helpDisplayed", "commander.version", "commander.help"].includes(
          error.code,
        )
        ? 0
        : 2;
    }
    if (error instanceof CliExit) {
      if (error.message) writeStderr(errorLines(error.message));
      return error.code;
    }
    writeStderr(errorLines(describeError(error)));
    return 1;
  }
}
