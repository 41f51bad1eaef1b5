/**
 * `igwn-alert send TOPIC FILE...`: publish alert files to one topic.
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
import { CliExit } from "./cli_exit.ts";
import { loadsPython, PythonJsonError } from "../hop/_python_json.ts";

/** One file to send, after reading and checking it. */
export interface AlertFile {
  /** File name as given (`-` for standard input). */
  name: string;
  /** Its text. */
  text: string;
}

/**
 * Reads the files for `send`: `-` is standard input (at most once), each file must be UTF-8 and,
 * unless `asText`, valid JSON (the error names the file, line and column).
 *
 * @param names file names as given on the command line.
 * @param asText skip the JSON check.
 * @param stdin reader for `-` (default: all of standard input).
 * @returns the files' texts in order.
 * @throws {CliExit} code 1 with a one-line message naming the file and the problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { CliExit } from "./cli_exit.ts";
 * import { readAlertFiles } from "./send_command.ts";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, '{"uid": "S1"}');
 * const [file] = await readAlertFiles([path], false);
 * assert.deepStrictEqual(file, { name: path, text: '{"uid": "S1"}' });
 * // Standard input comes from the given reader; broken JSON is refused naming the file.
 * const stdin = () => Promise.resolve(new TextEncoder().encode("{oops"));
 * await assert.rejects(readAlertFiles(["-"], false, stdin), CliExit);
 * await Deno.remove(path);
 * ```
 */
export async function readAlertFiles(
  names: readonly string[],
  asText: boolean,
  stdin: () => Promise<Uint8Array> = () => new Response(Deno.stdin.readable).bytes(),
): Promise<AlertFile[]> {
  if (names.filter((name) => name === "-").length > 1) {
    throw new CliExit(1, "standard input ('-') can be sent only once");
  }
  const files: AlertFile[] = [];
  for (const name of names) {
    const label = name === "-" ? "standard input" : name;
    let bytes: Uint8Array;
    try {
      bytes = name === "-" ? await stdin() : await Deno.readFile(name);
    } catch (error) {
      throw new CliExit(1, `cannot read ${label}: ${describeReadError(error)}`);
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new CliExit(1, `${label} is not UTF-8 text`);
    }
    // Read as Python's json module reads it (NaN and Infinity included); the error names the
    // line and column.
    const problem = asText ? undefined : describeJsonError(text);
    if (problem) {
      throw new CliExit(
        1,
        `${label} is not valid JSON (${problem}); use --text to send it as text`,
      );
    }
    files.push({ name, text });
  }
  return files;
}

/**
 * Builds the `send` subcommand. Each file is one alert, encoded once as GraceDB does (the JSON
 * text sent as a JSON string; `--object` sends the parsed object instead).
 *
 * @returns the commander command.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Command } from "commander";
 * import { sendCommand } from "./send_command.ts";
 * const program = new Command("igwn-alert").addCommand(sendCommand());
 * assert.deepStrictEqual(program.commands.map((c) => c.name()), ["send"]);
 * ```
 */
export function sendCommand(): Command {
  const command = new Command("send")
    .summary("publish alert files to a topic")
    .description(
      "Publish each FILE as one alert to TOPIC (without the group prefix). '-' reads standard " +
        "input.\nFiles must be JSON unless --text is given.",
    )
    .argument("<topic>", "topic name without the group prefix (e.g. superevent)")
    .argument("<files...>", "alert files (JSON), '-' for standard input")
    .option("--text", "send files that are not JSON, as text")
    .option("--object", "send the alert as a JSON object instead of GraceDB's JSON string");
  addConnectionOptions(command, "connection");
  return command.action(async (topic: string, names: string[], flags, cmd: Command) => {
    const settings = connectionSettings(cmd);
    const logger = cliLogger(settings.log);
    if (flags.object && flags.text) throw new CliExit(2, "--object and --text exclude each other");
    await refuseTopicsAsFiles(topic, names);
    const files = await readAlertFiles(names, Boolean(flags.text));
    const { Client } = await import("../alert/client.ts");
    await using client = new Client({
      ...(await clientOptions(settings, logger)),
      encoding: flags.object ? "object" : "gracedb",
    });
    await client.connect(topic);
    for (const file of files) {
      await client.publishToTopic(topic, file.text, { text: Boolean(flags.text) });
    }
    await client.flushByTopic(topic);
    logger.info(`sent ${files.length} alert${files.length === 1 ? "" : "s"} to ${topic}`);
  });
}

/**
 * The Python tool's `send TOPIC1 TOPIC2 FILE` form: a "file" that cannot be read and whose name
 * looks like a topic (no folder, no extension) is taken for a second topic, and refused as a
 * usage error.
 */
async function refuseTopicsAsFiles(topic: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    if (name === "-" || !/^[A-Za-z0-9_-]+$/.test(name)) continue;
    const problem = await unreadable(name);
    if (problem === undefined) continue;
    throw new CliExit(
      2,
      `send takes one topic, then files: '${name}' is ${problem} (to send to ${topic} and ` +
        `${name}, run send once per topic)`,
    );
  }
}

/** Why `path` certainly cannot be read as a file, or undefined when it may be. */
async function unreadable(path: string): Promise<string | undefined> {
  try {
    await Deno.lstat(path);
    return undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "not a file";
    if (error instanceof Deno.errors.NotCapable) return "not a file this program may read";
    return undefined;
  }
}

function describeReadError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotCapable) {
    return "outside the paths this program may read";
  }
  return error instanceof Error ? error.message : String(error);
}

/** Where and why Python's json.loads would refuse `text`, or undefined when it reads it. */
function describeJsonError(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch {
    // JSON.parse refuses NaN and Infinity, which Python reads; its messages vary by engine.
  }
  try {
    loadsPython(text);
  } catch (error) {
    if (error instanceof PythonJsonError) {
      return `line ${error.lineno} column ${error.colno}: ${error.msg}`;
    }
    throw error;
  }
  return undefined;
}
