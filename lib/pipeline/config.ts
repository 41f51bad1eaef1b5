/**
 * The pipeline configuration file (TOML): which command runs for which alerts, as
 * `lvalert_listen`'s configuration mapped nodes to executables.
 *
 * ```toml
 * retries = 3                    # extra attempts per alert (default: until it succeeds)
 * dead_letter = "failed.ndjson"  # where alerts go once the retries are spent
 * timeout = 120                  # seconds a command may run (default: no limit)
 *
 * [[command]]
 * exec = "/opt/pipeline/page-on-call.sh"
 * topics = ["superevent"]
 * alert_type = "new"
 * significant = true
 *
 * [[command]]
 * exec = "/opt/pipeline/follow-up.sh --fast"
 * alert_type = "log"
 * where = "data.filename ~ '*.multiorder.fits*'"
 * timeout = 600
 * ```
 *
 * A `[[command]]` takes `exec` (required), `topics` (unprefixed names; default: every topic
 * listened to), `timeout`, and the filter criteria `alert_type`, `uid`, `labels`,
 * `without_labels`, `far_at_most`, `significant`, `pipeline`, `search`, `event_group`, `where`.
 *
 * @module
 */

import { parse as parseToml } from "smol-toml";
import { type AlertFilter, matchAlert } from "../alert/filter.ts";
import { AlertFilterError } from "../alert/filter_expression.ts";
import { type AlertCommand, splitCommandLine } from "./exec.ts";

/**
 * One `[[command]]` of the configuration.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CommandRoute, parsePipelineConfig } from "./config.ts";
 * const config = parsePipelineConfig('[[command]]\nexec = "./notify"\nalert_type = "new"', "p.toml");
 * const route: CommandRoute = config.commands[0];
 * assert.deepEqual(route.filter, { alertType: "new" });
 * ```
 */
export interface CommandRoute {
  /** The command line as written (for log lines). */
  line: string;
  /** The program and its arguments. */
  command: AlertCommand;
  /** Unprefixed topics whose alerts it gets; undefined: all. */
  topics?: string[];
  /** Which alerts it gets. */
  filter: AlertFilter;
  /** Longest run, ms; undefined: the file's `timeout`, else no limit. */
  timeoutMs?: number;
}

/**
 * A parsed configuration file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePipelineConfig, type PipelineConfig } from "./config.ts";
 * const config: PipelineConfig = parsePipelineConfig(
 *   'retries = 2\ndead_letter = "dead.ndjson"\n[[command]]\nexec = "true"', "p.toml",
 * );
 * assert.deepEqual([config.retries, config.deadLetter, config.commands.length], [2, "dead.ndjson", 1]);
 * assert.throws(() => parsePipelineConfig('[[command]]\nexec = "true"\ncolour = 1', "p.toml"),
 *   /^Error: p.toml: \[\[command\]\] 1: unknown key 'colour'/);
 * ```
 */
export interface PipelineConfig {
  /** Extra attempts per alert; undefined: until it succeeds. */
  retries?: number;
  /** Dead-letter NDJSON file. */
  deadLetter?: string;
  /** Default longest run of a command, ms. */
  timeoutMs?: number;
  /** The commands, in file order. */
  commands: CommandRoute[];
}

const FILTER_KEYS: Record<string, keyof AlertFilter> = {
  alert_type: "alertType",
  uid: "uid",
  labels: "labels",
  without_labels: "withoutLabels",
  far_at_most: "farAtMost",
  significant: "significant",
  pipeline: "pipeline",
  search: "search",
  event_group: "eventGroup",
  where: "where",
};
const TOP_KEYS = new Set(["retries", "dead_letter", "timeout", "command"]);

/**
 * Parses and checks a configuration file's text; every filter is compiled here, so a mistake is
 * reported before connecting.
 *
 * @param text the TOML text.
 * @param name how errors name the file.
 * @returns the configuration.
 * @throws {Error} one line naming the file and, for TOML syntax, the line and column; for a
 *   command, its number and the key at fault.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePipelineConfig } from "./config.ts";
 * assert.throws(
 *   () => parsePipelineConfig("[[command]]\nexec = 'true'\nwhere = 'far <'", "p.toml"),
 *   /p.toml: \[\[command\]\] 1: where: filter 'far <' at position 6: expected a value/,
 * );
 * ```
 */
export function parsePipelineConfig(text: string, name: string): PipelineConfig {
  let table: Record<string, unknown>;
  try {
    table = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const first = (error as Error).message.split("\n")[0];
    throw new Error(`${name}: ${first}`);
  }
  const fail = (message: string): never => {
    throw new Error(`${name}: ${message}`);
  };
  for (const key of Object.keys(table)) {
    if (!TOP_KEYS.has(key)) fail(`unknown key '${key}' (use ${[...TOP_KEYS].join(", ")})`);
  }
  const config: PipelineConfig = { commands: [] };
  if (table.retries !== undefined) config.retries = count(table.retries, "retries", fail);
  if (table.dead_letter !== undefined) {
    if (typeof table.dead_letter !== "string" || !table.dead_letter) {
      fail("dead_letter must be a file name");
    }
    config.deadLetter = table.dead_letter as string;
  }
  if (table.timeout !== undefined) config.timeoutMs = seconds(table.timeout, "timeout", fail);
  const commands = table.command;
  if (!Array.isArray(commands) || commands.length === 0) {
    fail('no [[command]] table: give at least one, with its exec = "..."');
  }
  (commands as unknown[]).forEach((entry, index) => {
    const where = `[[command]] ${index + 1}`;
    const failIn = (message: string): never => fail(`${where}: ${message}`);
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      failIn("must be a table");
    }
    const route = entry as Record<string, unknown>;
    const filter: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(route)) {
      if (key in FILTER_KEYS) filter[FILTER_KEYS[key]] = value;
      else if (!["exec", "topics", "timeout"].includes(key)) {
        failIn(
          `unknown key '${key}' (use exec, topics, timeout, ${
            Object.keys(FILTER_KEYS).join(", ")
          })`,
        );
      }
    }
    if (typeof route.exec !== "string") failIn('exec = "COMMAND" is missing');
    let command: AlertCommand;
    try {
      command = splitCommandLine(route.exec as string);
    } catch (error) {
      return failIn(`exec: ${(error as Error).message}`);
    }
    try {
      matchAlert(filter as AlertFilter);
    } catch (error) {
      if (!(error instanceof AlertFilterError)) throw error;
      const key = Object.entries(FILTER_KEYS).find(([, option]) =>
        error.message.includes(`"${option}"`)
      )?.[0];
      failIn(
        error.expression !== undefined
          ? `where: ${error.message}`
          : key
          ? `${key}: ${error.message.replace(`filter "${FILTER_KEYS[key]}"`, "it")}`
          : error.message,
      );
    }
    const topics = route.topics;
    if (
      topics !== undefined &&
      (!Array.isArray(topics) || topics.some((topic) => typeof topic !== "string" || !topic))
    ) {
      failIn('topics must be a list of topic names, e.g. ["superevent"]');
    }
    config.commands.push({
      line: route.exec as string,
      command: command!,
      ...(topics ? { topics: topics as string[] } : {}),
      filter: filter as AlertFilter,
      ...(route.timeout !== undefined
        ? { timeoutMs: seconds(route.timeout, "timeout", failIn) }
        : {}),
    });
  });
  return config;
}

function count(value: unknown, key: string, fail: (message: string) => never): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    fail(`${key} must be an integer >= 0, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

function seconds(value: unknown, key: string, fail: (message: string) => never): number {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    fail(`${key} must be a number of seconds > 0, got ${JSON.stringify(value)}`);
  }
  return (value as number) * 1000;
}
