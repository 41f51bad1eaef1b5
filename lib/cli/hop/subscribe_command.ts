/**
 * `hop subscribe URL`: print the messages of a topic, as hop 0.12 prints them or as JSON lines.
 *
 * @module
 */
import { Command, Option } from "commander";
import { HopError } from "../../hop/errors.ts";
import type { StartPosition } from "../../hop/start_position.ts";
import { parseKafkaUrl, redactUrl } from "../../hop/url.ts";
import { CliExit } from "../cli_exit.ts";
import {
  addHopCommonOptions,
  type HopCommonFlags,
  hopLogger,
  integerAtLeast,
} from "./_hop_common.ts";
import { hopOutput, parseDelimiter, StdoutBuffer, writeJsonLineRaw } from "./_subscribe_output.ts";
import { unpackMessage } from "../../hop/pack.ts";
import type { Metadata } from "../../hop/stream_options.ts";

interface SubscribeFlags extends HopCommonFlags {
  startAt?: string;
  since?: string;
  last?: number;
  resetOffsets?: boolean;
  persist?: boolean;
  untilEos?: boolean;
  groupId?: string;
  json?: boolean;
  test?: boolean;
  delimiter: string;
  count?: number;
}

function startPosition(flags: SubscribeFlags): StartPosition {
  const given = [
    flags.startAt !== undefined && "-s/--start-at",
    flags.since !== undefined && "--since",
    flags.last !== undefined && "--last",
  ].filter(Boolean);
  if (given.length > 1) throw new CliExit(2, `${given.join(" and ")} exclude each other`);
  if (flags.since !== undefined) return { since: flags.since };
  if (flags.last !== undefined) return { last: flags.last };
  const start = (flags.startAt ?? "LATEST").trim();
  if (/^earliest$/i.test(start)) return "earliest";
  if (/^latest$/i.test(start)) return "latest";
  if (/^\d+$/.test(start) && Number.isSafeInteger(Number(start))) return { offset: Number(start) };
  throw new CliExit(2, `-s/--start-at must be EARLIEST, LATEST or an offset, got '${start}'`);
}

/**
 * Builds `subscribe`. Without `-p/--persist` it stops at the end of the stream (as hop's user
 * guide says); `-e/--until-eos` is accepted for hop 0.12 scripts. Ctrl-C ends it with exit 0.
 *
 * @returns the commander command
 */
export function subscribeCommand(): Command {
  const command = new Command("subscribe")
    .description("subscribe to messages")
    .argument("<url>", "kafka://[user@]host[:port]/topic[,topic...] to read")
    .option(
      "-s, --start-at <position>",
      "EARLIEST, LATEST (default) or an offset, in partitions the group has not committed",
    )
    .option(
      "--since <time>",
      "start at the first message at or after TIME: ISO 8601 (UTC without a zone), GPS " +
        "seconds, or a time before now such as -2h",
    )
    .addOption(
      new Option("--last <n>", "start at the last N messages of each partition")
        .argParser(integerAtLeast("--last", 0)),
    )
    .option("--reset-offsets", "apply the start position even where the group has committed")
    .option("-p, --persist", "keep reading new messages (default: stop at the end of the stream)")
    .option("-e, --until-eos", "stop at the end of the stream (the default; hop 0.12's flag)")
    .option("-g, --group-id <id>", "consumer group (default: random, <username>-XXXXXXXXXX)")
    .option("-j, --json", "print one JSON object per line: the message and its metadata")
    .option("-t, --test", "include test messages (the _test header)")
    .addOption(
      new Option("-D, --delimiter <text>", "written after each message; \\ escapes work")
        .default("\\n"),
    )
    .addOption(
      new Option("--count <n>", "stop after N messages").argParser(integerAtLeast("--count", 1)),
    );
  addHopCommonOptions(command);
  return command.action(async (url: string, flags: SubscribeFlags) => {
    const logger = hopLogger(flags);
    if (flags.persist && flags.untilEos) {
      throw new CliExit(2, "-p/--persist and -e/--until-eos exclude each other");
    }
    const startAt = startPosition(flags);
    const delimiter = parseDelimiter(flags.delimiter);
    if (!parseKafkaUrl(url, { multipleBrokers: true }).topics.length) {
      throw new HopError(`no topic to subscribe to: the URL '${redactUrl(url)}' names none`);
    }
    const { openStream } = await import("../../hop/stream.ts");
    logger.info(`connecting to ${redactUrl(url)}`);
    const consumer = await openStream(url, "r", {
      auth: flags.auth,
      logger,
      startAt,
      resetOffsets: flags.resetOffsets ?? false,
      untilEos: !flags.persist,
      ignoreTest: !flags.test,
      ...(flags.groupId === undefined ? {} : { groupId: flags.groupId }),
    });
    const stop = () => consumer.stop();
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    for (const signal of signals) Deno.addSignalListener(signal, stop);
    const out = new StdoutBuffer(stop);
    const decode = (value: Uint8Array | null, metadata: Metadata) => {
      const { message, warning } = unpackMessage(value, metadata.headers);
      if (warning) {
        logger.warn(
          `${warning} (topic ${metadata.topic}, partition ${metadata.partition}, offset ${metadata.offset})`,
        );
      }
      return message;
    };
    let printed = 0;
    try {
      if (flags.json) {
        // Raw records: a JSON payload is copied into its line without being decoded.
        for await (const { value, metadata } of consumer.readRaw()) {
          writeJsonLineRaw(out, value, metadata, () => decode(value, metadata));
          if (flags.count !== undefined && ++printed >= flags.count) {
            await consumer.markDone(metadata);
            break;
          }
        }
      } else {
        for await (const { message, metadata } of consumer.read({ metadata: true })) {
          for (const part of hopOutput(message, delimiter)) out.write(part);
          if (flags.count !== undefined && ++printed >= flags.count) {
            await consumer.markDone(metadata);
            break;
          }
        }
      }
      out.flush();
    } catch (error) {
      if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    } finally {
      for (const signal of signals) Deno.removeSignalListener(signal, stop);
      await consumer.close();
    }
  });
}
