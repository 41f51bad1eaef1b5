/**
 * The `hop` command line: hop-client's `publish`, `subscribe`, `list-topics`, `version`, `auth`
 * and `configure`, with hop's flags and output (see docs/hop.md). Run as `hop ...` (the `./hop`
 * entry point) or as `igwn-alert hop ...`.
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import denoConfig from "../../../deno.json" with { type: "json" };
import { writeStderr, writeStdout } from "../_output.ts";
import { reportFailure } from "../cli_exit.ts";
import { authCommand } from "../auth_command.ts";
import { publishCommand } from "./publish_command.ts";
import { subscribeCommand } from "./subscribe_command.ts";
import { listTopicsCommand } from "./list_topics_command.ts";
import { configureCommand } from "./configure_command.ts";
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
      .description(
        "hop-client's command line: publish, subscribe, list topics, credentials, configuration",
      )
      .version(`hop version ${denoConfig.version}`, "--version", "print the version and exit")
      .option("-d, --debug", "print the stack trace of an error instead of its one-line message")
      .showSuggestionAfterError(),
  );
  for (
    const command of [
      publishCommand(),
      subscribeCommand(),
      listTopicsCommand(),
      versionCommand(),
      authCommand({ program: "hop" }),
      configureCommand(),
    ]
  ) {
    program.addCommand(command);
    routeOutput(command);
  }
  return program;
}

/**
 * Runs the hop command line and returns the exit code: 0 on success (and on Ctrl-C), 1 when a
 * command fails (one line `hop: <problem>` on stderr, or with `-d/--debug` the error's stack
 * trace), 2 for usage errors.
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
      // Help asked for, or the version: 0; help shown for a missing subcommand (`hop auth`), as
      // any usage error: 2.
      const answered = ["commander.helpDisplayed", "commander.version", "commander.help"]
        .includes(error.code);
      return answered && error.exitCode === 0 ? 0 : 2;
    }
    return reportFailure("hop", error, { stack: program.opts<{ debug?: boolean }>().debug });
  }
}
