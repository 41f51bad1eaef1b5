/**
 * `hop publish URL [MESSAGE ...]`: send files (or lines of stdin) in one of hop's formats.
 *
 * @module
 */
import { Command, Option } from "commander";
import { HopError } from "../../hop/errors.ts";
import { parseKafkaUrl, redactUrl } from "../../hop/url.ts";
import type { MessageModel } from "../../hop/models/model.ts";
import { CliExit } from "../cli_exit.ts";
import { addHopCommonOptions, type HopCommonFlags, hopLogger, seconds } from "./_hop_common.ts";
import { HOP_FORMATS, loadMessageFile, parseHopFormat, stdinMessages } from "./_message_files.ts";

interface PublishFlags extends HopCommonFlags {
  format: string;
  test?: boolean;
  timeout: number;
}

/**
 * Builds `publish`: every file is read and parsed first (a bad one stops the command before
 * anything is sent); then all are sent and delivery is awaited. Nothing is printed on stdout;
 * `-v` logs the count sent. Exit 0 only when every message was delivered.
 *
 * @returns the commander command
 */
export function publishCommand(): Command {
  const command = new Command("publish")
    .description("publish messages")
    .argument("<url>", "kafka://[user@]host[:port]/topic to publish messages to")
    .argument("[message...]", "files to send, one message each; none: lines of stdin")
    .addOption(
      new Option("-f, --format <format>", `message format: ${HOP_FORMATS.join(", ")} (any case)`)
        .default("BLOB"),
    )
    .option("-t, --test", "mark the messages as tests (the _test header)")
    .addOption(
      new Option("--timeout <seconds>", "give up on delivery after this long; 0: no limit")
        .default(0).argParser(seconds("--timeout")),
    );
  addHopCommonOptions(command);
  return command.action(async (url: string, files: string[], flags: PublishFlags) => {
    const logger = hopLogger(flags);
    const format = parseHopFormat(flags.format);
    const parsed = parseKafkaUrl(url, { multipleBrokers: true });
    if (!parsed.topics.length) {
      throw new HopError(`no topic to publish to: the URL '${redactUrl(url)}' names none`);
    }
    if (parsed.topics.length > 1) {
      throw new HopError(`the URL '${redactUrl(url)}' names several topics; publish needs one`);
    }
    const messages: MessageModel[] = [];
    if (files.length) {
      for (const path of files) {
        let bytes: Uint8Array;
        try {
          bytes = await Deno.readFile(path);
        } catch (error) {
          if (error instanceof Deno.errors.NotFound) throw new HopError(`${path}: no such file`);
          if (error instanceof Deno.errors.IsADirectory) {
            throw new HopError(`${path}: is a folder, not a file`);
          }
          throw new HopError(`${path}: cannot be read: ${(error as Error).message}`);
        }
        messages.push(loadMessageFile(path, bytes, format));
      }
    } else {
      const input = new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
      messages.push(...stdinMessages(input, format));
    }
    if (!messages.length) {
      logger.info("nothing to publish");
      return;
    }
    const { openStream } = await import("../../hop/stream.ts");
    logger.info(`connecting to ${redactUrl(url)}`);
    const producer = await openStream(url, "w", { auth: flags.auth, logger });
    logger.info(`publishing to topic(s): ${parsed.topics.join(", ")}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let expired = false;
    try {
      for (const message of messages) await producer.write(message, { test: flags.test });
      const delivered = producer.close();
      if (flags.timeout > 0) {
        const deadline = new Promise<"expired">((resolve) => {
          timer = setTimeout(() => resolve("expired"), flags.timeout * 1000);
        });
        if (await Promise.race([delivered, deadline]) === "expired") {
          expired = true;
          delivered.catch(() => {});
          throw new CliExit(
            1,
            `messages remain unsent after ${flags.timeout} s, some data may have been lost!`,
          );
        }
      } else {
        await delivered;
      }
    } finally {
      clearTimeout(timer);
      // After the deadline the process ends without waiting for the broker.
      if (!expired) await producer.close().catch(() => {});
    }
    logger.info(`sent ${messages.length} message${messages.length === 1 ? "" : "s"}`);
  });
}
