// The commander program. Kept out of main.ts so that `igwn-alert --version` and the program help
// answer without loading commander (whose Node built-ins cost tens of milliseconds at start-up).

import { Command, CommanderError, Help, type Option } from "commander";
import { addConnectionOptions, isGlobalOption } from "./_connection_options.ts";
import { writeStderr, writeStdout } from "./_output.ts";
import { deprecatedCommands } from "./deprecated_commands.ts";
import { listenCommand } from "./listen_command.ts";
import { sendCommand } from "./send_command.ts";
import { topicsCommand } from "./topics_command.ts";

const OTHER_COMMANDS = new Set(["auth", "broker", "playground"]);
const HELP_WORDS = new Set(["help", "-h", "--help"]);
/**
 * Help is wrapped at a fixed width (commander's default), whatever the terminal: `main.ts` prints
 * the program help from `_program_help.ts`, written once from this program, and every command's
 * help reads the same everywhere (and matches its copy in `tests/testdata/help/`).
 */
export const PROGRAM_HELP_WIDTH = 80;
const GLOBAL_OPTIONS_TITLE = "Global options (also accepted before the command):";
const OWN_COMMANDS = new Set(["listen", "topics", "send", "subscriptions", "unsubscribe"]);

function routeOutput(command: Command): Command {
  return command.exitOverride().configureOutput({
    writeOut: (text) => writeStdout(text),
    writeErr: (text) => writeStderr(text),
    outputError: (text, write) => write(text.replace(/^error: /, "igwn-alert: ")),
  });
}

/** The program with the igwn-alert subcommands (without `auth`, `broker`, `playground`). */
export function buildProgram(version: string): Command {
  const program = routeOutput(
    new Command("igwn-alert")
      .description("Listen to and publish IGWN (GraceDB) alerts on a Hopskotch Kafka broker.")
      .version(`igwn-alert client ${version}`, "-V, --version", "print the version and exit")
      .enablePositionalOptions()
      .showSuggestionAfterError(),
  );
  addConnectionOptions(program);
  program.addCommand(listenCommand());
  program.addCommand(topicsCommand());
  for (const command of deprecatedCommands()) program.addCommand(command);
  program.addCommand(sendCommand());
  return program;
}

/** Adds the real `auth`, `broker` and `playground` commands (literal specifiers for compile). */
export async function addOtherCommands(program: Command): Promise<void> {
  const [auth, broker, playground] = await Promise.all([
    import("./auth_command.ts"),
    import("./broker_command.ts"),
    import("./playground_command.ts"),
  ]);
  program.addCommand(auth.authCommand());
  program.addCommand(broker.brokerCommand());
  program.addCommand(playground.playgroundCommand());
  // Listed in the help only: main.ts hands `igwn-alert hop ...` to lib/cli/hop/ before commander.
  program.command("hop")
    .summary("hop-client's command line: publish, subscribe, list-topics, auth, configure")
    .argument("[args...]");
}

/**
 * Adds the real `auth`, `broker` and `playground` commands when `args` names one of them or may
 * ask for program help (which lists them), nothing otherwise (so that `listen` does not load the
 * broker). Plain `--help`, `-h`, `help` and no arguments never get here (see `main.ts`).
 */
export async function addCommandsFor(program: Command, args: readonly string[]): Promise<void> {
  const programHelp = args.length === 0 ||
    (args.some((arg) => HELP_WORDS.has(arg)) && !args.some((arg) => OWN_COMMANDS.has(arg)));
  if (programHelp || args.some((arg) => OTHER_COMMANDS.has(arg))) await addOtherCommands(program);
}

/**
 * Help layout of a command; a subcommand lists its own options under `Options:`, then the global
 * flags it takes under their own heading. Wrapped at {@link PROGRAM_HELP_WIDTH}.
 */
function configureHelpLayout(command: Command): void {
  const subcommand = command.parent !== null;
  command.helpOption("-h, --help", "print this help and exit");
  if (command.commands.length > 0) {
    command.helpCommand("help [command]", "print the help of a command");
  }
  command.configureHelp({
    helpWidth: PROGRAM_HELP_WIDTH,
    showGlobalOptions: subcommand,
    visibleOptions(cmd: Command): Option[] {
      const options = Help.prototype.visibleOptions.call(this, cmd);
      return subcommand ? options.filter((option) => !isGlobalOption(option)) : options;
    },
    visibleGlobalOptions(cmd: Command): Option[] {
      return cmd.options.filter((option) => isGlobalOption(option) && !option.hidden);
    },
    styleTitle: (title: string) => title === "Global Options:" ? GLOBAL_OPTIONS_TITLE : title,
  });
}

/**
 * Routes the output of the program and of every subcommand, and their exits, through runCli, and
 * lays out their help.
 */
export function prepareSubcommands(program: Command): void {
  const visit = (command: Command) => {
    routeOutput(command);
    configureHelpLayout(command);
    command.commands.forEach(visit);
  };
  visit(program);
}

/** Exit code for a commander parse outcome: 0 for help/version, 2 for usage errors. */
export function commanderExitCode(error: unknown): number | undefined {
  if (!(error instanceof CommanderError)) return undefined;
  return ["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code)
    ? 0
    : 2;
}
