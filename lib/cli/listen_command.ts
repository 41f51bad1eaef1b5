/**
 * `igwn-alert listen [TOPIC...]`: print alerts as they arrive.
 *
 * @module
 */

import { Command, Option } from "commander";
import { formatReceivedAlert } from "../alert/format_alert.ts";
import {
  addConnectionOptions,
  clientOptions,
  cliLogger,
  connectionSettings,
  parseInteger,
} from "./_connection_options.ts";
import { writeStderr, writeStdout } from "./_output.ts";
import { addPipelineOptions, listenPipeline, pipelineLogger } from "./_listen_pipeline.ts";

/**
 * Builds the `listen` subcommand. Each alert is printed as `New message from topic TOPIC:` and
 * the payload as JSON, byte for byte as Python's `json.dumps` writes it (see
 * {@linkcode formatReceivedAlert}); a line `igwn-alert: ready, ...` goes to stderr once partitions are
 * assigned. Ends on SIGINT/SIGTERM (exit 0) or after `--count` alerts.
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
        "Without topics, listens to every topic of the group the credential may read.",
    )
    .argument("[topics...]", "topic names without the group prefix (e.g. superevent)")
    .option("--earliest", "start from the oldest retained alert when the group has no offsets")
    .addOption(
      new Option("--count <n>", "stop after N alerts").argParser(parseInteger("--count", 1)),
    )
    .option("--raw", "print the payload exactly as the Python client passed it on");
  addConnectionOptions(command, false);
  addPipelineOptions(command);
  return command.action(async (topics: string[], flags, cmd: Command) => {
    const settings = connectionSettings(cmd);
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
            if (pipeline.prints) {
              writeStdout(formatReceivedAlert(alert, { pretty: settings.jsonpp, raw: flags.raw }));
            }
          } catch (error) {
            if (error instanceof Deno.errors.BrokenPipe) return client.stop();
            throw error;
          }
          if (count !== undefined && ++received >= count) client.stop();
        },
        topics,
        {
          ...pipeline.listenOptions,
          startAt: flags.earliest ? "earliest" : undefined,
          onReady: (fullTopics) =>
            writeStderr(
              `igwn-alert: ready, listening to ${fullTopics.join(", ")} on ${client.broker.url}\n`,
            ),
        },
      );
    } finally {
      for (const signal of signals) Deno.removeSignalListener(signal, stop);
      await client[Symbol.asyncDispose]();
    }
  });
}
