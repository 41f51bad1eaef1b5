/**
 * `igwn-alert subscriptions` and `igwn-alert unsubscribe`, kept so old scripts still run: they
 * print a deprecation warning and exit 0 (the Python tool raised an exception instead).
 *
 * @module
 */

import { Command } from "commander";
import { addConnectionOptions } from "./_connection_options.ts";
import { writeStderr } from "./_output.ts";

/**
 * Builds the deprecated `subscriptions` and `unsubscribe` subcommands.
 *
 * @returns the two commander commands.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Command } from "commander";
 * import { deprecatedCommands } from "./deprecated_commands.ts";
 * const program = new Command("igwn-alert");
 * for (const command of deprecatedCommands()) program.addCommand(command);
 * assert.deepStrictEqual(program.commands.map((c) => c.name()), ["subscriptions", "unsubscribe"]);
 * ```
 */
export function deprecatedCommands(): Command[] {
  const make = (name: string, text: string) =>
    addConnectionOptions(
      new Command(name)
        .summary("deprecated; does nothing")
        .argument("[topics...]", "ignored")
        .action(() => writeStderr(`WARNING igwn-alert: ${text}\n`)),
      false,
    );
  return [
    make(
      "subscriptions",
      "This feature is deprecated. Please refer to the get_topics() API command or the SCIMMA " +
        "auth interface (igwn-alert topics).",
    ),
    make("unsubscribe", "This feature is deprecated."),
  ];
}
