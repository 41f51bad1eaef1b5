/**
 * `igwn-alert listen [TOPIC...]`: print alerts as they arrive.
 *
 * @module
 */

import { Command, Option } from "commander";
import { alertFormatOption, alertPrinter, printFlagsConflict } from "./_alert_formats.ts";
import { CliExit } from "./cli_exit.ts";
import {
  addConnectionOptions,
  clientOptions,
  cliLogger,
  connectionSettings,
  parseInteger,
} from "./_connection_options.ts";
import { writeStdout } from "./_output.ts";
import type { StartPosition } from "../hop/start_position.ts";

function listenStart(
  flags: { earliest?: boolean; since?: string; last?: number },
): StartPosition | undefined {
  const given = [flags.earliest && "--earliest", flags.since !== undefined && "--since"];
  given.push(flags.last !== undefined && "--last");
  const names = given.filter(Boolean);
  if (names.length > 1) {
    throw new CliExit(2, `${names.join(" and ")} exclude each other`);
  }
  if (flags.since !== undefined) return { since: flags.since };
  if (flags.last !== undefined) return { last: flags.last };
  return flags.earliest ? "earliest" : undefined;
}
import {
  addPipelineOptions,
  listenPipeline,
  pipelineLogger,
  writeStatus,
} from "./_listen_pipeline.ts";

/**
 * Builds the `listen` subcommand. By default each alert is printed as `New message from topic
 * TOPIC:` and the payload as JSON, byte for byte as Python's `json.dumps` writes it (see
 * `formatReceivedAlert`); `--format short` prints one line per alert, `--format ndjson` one JSON
 * object per line with the Kafka metadata. A line `igwn-alert: ready, listening to N topics of
 * GROUP on SERVER` goes to stderr once partitions are assigned (the topic names at debug level).
 * Ends on SIGINT/SIGTERM (exit 0) or after `--count` alerts.
 *
 * @returns the commander command.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Command } from "commander";
 * import { listenCommand } from "./listen_command.ts";
 * const program = new Command("igwn-alert").addCommand(listenCommand());
 * assert.deepStrictEqual(program.commands.map((c) => c.name()), ["listen"]);
 * ```
 */
export function listenCommand(): Command {
  const command = new Command("listen")
    .summary("print alerts from the group's topics")
    .description(
      "Print each alert as it arrives: 'New message from topic TOPIC:' then the payload as JSON.\n" +
        "--format short: one line per alert; --format ndjson: one JSON object per line.\n" +
        "Without topics, listens to every topic of the group the credential may read.",
    )
    .argument("[topics...]", "topic names without the group prefix (e.g. superevent)")
    .option("--earliest", "start from the oldest retained alert when the group has no offsets")
    .option(
      "--since <time>",
      "start at the first alert written at or after TIME: ISO 8601 (UTC without a zone), " +
        "GPS seconds, or a time before now such as -2h",
    )
    .addOption(
      new Option("--last <n>", "start at the last N alerts of each partition")
        .argParser(parseInteger("--last", 0)),
    )
    .option(
      "--reset-offsets",
      "apply --earliest/--since/--last even where the consumer group has committed offsets",
    )
    .addOption(
      new Option("--count <n>", "stop after N alerts").argParser(parseInteger("--count", 1)),
    )
    .option("--raw", "print the payload exactly as the Python client passed it on")
    .addOption(alertFormatOption());
  addConnectionOptions(command);
  addPipelineOptions(command);
  return command.action(async (topics: string[], flags, cmd: Command) => {
    const settings = connectionSettings(cmd);
    const printFlags = { format: flags.format, jsonpp: settings.jsonpp, raw: flags.raw };
    const conflict = printFlagsConflict(printFlags);
    if (conflict) throw new CliExit(2, conflict);
    const print = alertPrinter(printFlags);
    const logger = flags.logFormat
      ? pipelineLogger(settings.log, flags.logFormat)
      : cliLogger(settings.log);
    // Filters, commands, recording and metrics (see _listen_pipeline.ts), checked before connecting.
    await using pipeline = await listenPipeline(flags, logger);
    if (topics.length === 0) topics = pipeline.topics;
    const { Client } = await import("../alert/client.ts");
    const client = new Client({
      ...await clientOptions(settings, logger),
      ...pipeline.clientOptions,
    });
    await pipeline.attach(client);
    const count: number | undefined = flags.count;
    let received = 0;
    const stop = () => client.stop();
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    for (const signal of signals) Deno.addSignalListener(signal, stop);
    try {
      await client.listen(
        async (_topic, _payload, alert) => {
          await pipeline.handle(alert);
          try {
            if (pipeline.prints) writeStdout(print(alert));
          } catch (error) {
            if (error instanceof Deno.errors.BrokenPipe) return client.stop();
            throw error;
          }
          if (count !== undefined && ++received >= count) client.stop();
        },
        topics,
        {
          ...pipeline.listenOptions,
          startAt: listenStart(flags),
          resetOffsets: flags.resetOffsets ?? false,
          onReady: (fullTopics) => {
            writeStatus(
              flags.logFormat,
              readyLine(fullTopics.length, settings.group, client.broker.url),
            );
            logger.debug(`listening to ${fullTopics.join(", ")}`);
          },
        },
      );
    } finally {
      for (const signal of signals) Deno.removeSignalListener(signal, stop);
      await client[Symbol.asyncDispose]();
    }
  });
}

/** The line that tells people and scripts the listener is in place: counts, not all 58 names. */
function readyLine(topicCount: number, group: string, server: string): string {
  const topics = `${topicCount} topic${topicCount === 1 ? "" : "s"}`;
  return `ready, listening to ${topics} of ${group} on ${server}`;
}
