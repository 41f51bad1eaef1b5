/**
 * `hop list-topics URL`: the topics the credential may see at a broker.
 *
 * @module
 */
import { Command, Option } from "commander";
import { writeStdout } from "../_output.ts";
import { addHopCommonOptions, type HopCommonFlags, hopLogger, seconds } from "./_hop_common.ts";

/**
 * Builds `list-topics`: prints `Accessible topics:` and one topic per line, each after one space,
 * sorted, or `No accessible topics`, as hop does. A topic list in the URL filters the result.
 *
 * @returns the commander command
 */
export function listTopicsCommand(): Command {
  const command = new Command("list-topics")
    .description("list available topics")
    .argument("<url>", "kafka://[user@]host[:port][/topic,...] to ask")
    .addOption(
      new Option("--timeout <seconds>", "give up after this long").default(10)
        .argParser(seconds("--timeout")),
    );
  addHopCommonOptions(command);
  return command.action(async (url: string, flags: HopCommonFlags & { timeout: number }) => {
    hopLogger(flags);
    const { listTopics } = await import("../../hop/list_topics.ts");
    const timeoutMs = Math.max(1, Math.round(flags.timeout * 1000));
    const topics = await listTopics(url, { auth: flags.auth, timeoutMs });
    writeStdout(
      topics.length
        ? `Accessible topics:\n${topics.map((topic) => ` ${topic}\n`).join("")}`
        : "No accessible topics\n",
    );
  });
}
