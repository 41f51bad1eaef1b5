/**
 * `igwn-alert topics`: list the group's topics the credential may read.
 *
 * @module
 */

import { Command } from "commander";
import {
  addConnectionOptions,
  clientOptions,
  cliLogger,
  connectionSettings,
} from "./_connection_options.ts";
import { writeStdout } from "./_output.ts";

/**
 * Builds the `topics` subcommand: prints
 * `Topics for group G associated with the current credential:` then one topic per line.
 *
 * @returns the commander command.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Command } from "commander";
 * import { topicsCommand } from "./topics_command.ts";
 * const program = new Command("igwn-alert").addCommand(topicsCommand());
 * assert.deepStrictEqual(program.commands.map((c) => c.name()), ["topics"]);
 * ```
 */
export function topicsCommand(): Command {
  const command = new Command("topics")
    .summary("list the group's topics the credential may read")
    .description("List the topics of the group (without the prefix) visible to the credential.");
  addConnectionOptions(command, "connection");
  return command.action(async (_flags, cmd: Command) => {
    const settings = connectionSettings(cmd);
    const logger = cliLogger(settings.log);
    const { Client } = await import("../alert/client.ts");
    const client = new Client(await clientOptions(settings, logger));
    const topics = await client.getTopics();
    writeStdout(
      `Topics for group ${settings.group} associated with the current credential:\n` +
        topics.map((topic) => `${topic}\n`).join(""),
    );
  });
}
