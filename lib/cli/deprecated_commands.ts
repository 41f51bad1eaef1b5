/**
 * `igwn-alert subscriptions` and `igwn-alert unsubscribe`, kept so old scripts still run: they
 * print a deprecation warning and exit 0 (the Python tool raised an exception instead), whatever
 * arguments and flags follow them.
 *
 * @module
 */

import { Command } from "commander";
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
    new Command(name)
      .summary("deprecated; does nothing")
      .description(
        `Deprecated: prints a warning and exits 0, whatever follows (the Python tool's ${name} ` +
          "raised an error). Topics are managed in the SCiMMA auth interface; igwn-alert topics " +
          "lists those the credential may read.",
      )
      .argument("[arguments...]", "ignored")
      .allowUnknownOption()
      .action(() => writeStderr(`WARNING igwn-alert: ${text}\n`));
  return [
    make(
      "subscriptions",
      "This feature is deprecated. Please refer to the get_topics() API command or the SCIMMA " +
        "auth interface (igwn-alert topics).",
    ),
    make("unsubscribe", "This feature is deprecated."),
  ];
}
