/**
 * The `igwn-alert` command line: the Python tool's subcommands and flags, plus the project's
 * `broker`, `auth` and `playground` commands.
 *
 * @module
 */

import { Command, CommanderError } from "commander";
import denoConfig from "../../deno.json" with { type: "json" };
import { addConnectionOptions } from "./_connection_options.ts";
import { writeStderr, writeStdout } from "./_output.ts";
import { CliExit } from "./cli_exit.ts";
import { deprecatedCommands } from "./deprecated_commands.ts";
import { listenCommand } from "./listen_command.ts";
import { sendCommand } from "./send_command.ts";
import { topicsCommand } from "./topics_command.ts";

/** Version printed by `igwn-alert -V` (`igwn-alert client VERSION`). */
export const VERSION: string = denoConfig.version;

/**
 * Builds the commander program with every subcommand.
 *
 * @returns the program (not yet parsed).
 *
 * @example
 * ```ts ignore
 * import { buildProgram } from "./main.ts";
 * console.log(buildProgram().commands.map((command) => command.name()));
 * ```
 */
export function buildProgram(): Command {
  const program = new Command("igwn-alert")
    .description("Listen to and publish IGWN (GraceDB) alerts on a Hopskotch Kafka broker.")
    .version(`igwn-alert client ${VERSION}`, "-V, --version", "print the version and exit")
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => writeStdout(text),
      writeErr: (text) => writeStderr(text),
      outputError: (text, write) => write(text.replace(/^error: /, "igwn-alert: ")),
    });
  addConnectionOptions(program, true);
  program.addCommand(listenCommand());
  program.addCommand(topicsCommand());
  for (const command of deprecatedCommands()) program.addCommand(command);
  program.addCommand(sendCommand());
  return program;
}

/**
 * Runs the CLI with `args` (without the program name) and returns the exit code: 0 on success,
 * 1 when a command fails (one line `igwn-alert: <message>` on stderr), 2 for usage errors, or the
 * code of a {@link CliExit}.
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
  const program = buildProgram();
  const versionOnly = args.length === 1 && (args[0] === "-V" || args[0] === "--version");
  if (!versionOnly) await addOtherCommands(program);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: (text) => writeStdout(text),
      writeErr: (text) => writeStderr(text),
      outputError: (text, write) => write(text.replace(/^error: /, "igwn-alert: ")),
    });
  }
  if (args.length === 0) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (error) {
    return reportError(error);
  }
}

/**
 * Adds the `auth`, `broker` and `playground` commands. Loaded on demand so that `--version` does
 * not pay for them; the specifiers are literal so that `deno compile` embeds the modules.
 */
async function addOtherCommands(program: Command): Promise<void> {
  const [auth, broker, playground] = await Promise.all([
    import("./auth_command.ts"),
    import("./broker_command.ts"),
    import("./playground_command.ts"),
  ]);
  program.addCommand(auth.authCommand());
  program.addCommand(broker.brokerCommand());
  program.addCommand(playground.playgroundCommand());
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    if (
      error.code === "commander.helpDisplayed" || error.code === "commander.version" ||
      error.code === "commander.help"
    ) return 0;
    return 2;
  }
  if (error instanceof CliExit) {
    if (error.message) writeStderr(`igwn-alert: ${error.message}\n`);
    return error.code;
  }
  writeStderr(`igwn-alert: ${describeError(error)}\n`);
  return 1;
}

function describeError(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable) {
    return `${error.message.replace(/, run again with.*$/, "")} (not permitted for this program)`;
  }
  if (error instanceof Error) return error.message.split("\n")[0] || error.name;
  return String(error);
}
