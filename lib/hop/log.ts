/**
 * Minimal leveled logging: one line per message on stderr, `LEVEL name: message`.
 *
 * @module
 */

/**
 * Where library code sends diagnostics. Each method receives one line without a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Logger } from "./log.ts";
 * const warnings: string[] = [];
 * const logger: Logger = { debug() {}, info() {}, warn: (l) => warnings.push(l), error() {} };
 * logger.warn("message decoded as a Blob");
 * assert.deepEqual(warnings, ["message decoded as a Blob"]);
 * ```
 */
export interface Logger {
  /** Details useful when debugging. */
  debug(message: string): void;
  /** Normal progress (connecting, subscribing, wrote a file). */
  info(message: string): void;
  /** Something unexpected that was handled (a message decoded as a Blob, ...). */
  warn(message: string): void;
  /** A failure. */
  error(message: string): void;
}

/**
 * Threshold names, as hop's `-v`/`-q` flags and Python logging spell them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type LogLevel, stderrLogger } from "./log.ts";
 * const level: LogLevel = "warning";
 * const lines: string[] = [];
 * const log = stderrLogger(level, "demo", (line) => lines.push(line));
 * log.info("dropped");
 * log.warn("kept");
 * assert.deepEqual(lines, ["WARNING demo: kept\n"]);
 * ```
 */
export type LogLevel = "debug" | "info" | "warning" | "error" | "critical";

const RANK: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warning: 30,
  error: 40,
  critical: 50,
};

const lineEncoder = new TextEncoder();

// Writes one whole line to stderr, even when the system takes it in pieces.
function writeStderrLine(line: string): void {
  const bytes = lineEncoder.encode(line);
  for (let done = 0; done < bytes.length;) done += Deno.stderr.writeSync(bytes.subarray(done));
}

/**
 * A logger writing `LEVEL name: message` lines to stderr for messages at or above `level`.
 * `"critical"` silences all four methods (they are below it).
 *
 * @param level lowest level written
 * @param name label after the level
 * @param write receives each line including its newline instead of stderr (for tests and
 *   embedding)
 * @returns the logger
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { stderrLogger } from "@igwn/alert";
 * const lines: string[] = [];
 * const log = stderrLogger("info", "igwn-alert", (line) => lines.push(line));
 * log.info("connecting to kafka://127.0.0.1:9092");
 * log.debug("not shown");
 * assert.deepStrictEqual(lines, ["INFO igwn-alert: connecting to kafka://127.0.0.1:9092\n"]);
 * ```
 */
export function stderrLogger(
  level: LogLevel,
  name = "igwn-alert",
  write?: (line: string) => void,
): Logger {
  return leveledLogger(
    level,
    write,
    (label, message) => `${label.toUpperCase()} ${name}: ${message}\n`,
  );
}

/**
 * A logger writing one JSON object per line to stderr, for log collectors: `time` (ISO 8601),
 * `level` (`debug`, `info`, `warning`, `error`), `name` and `message`; same threshold as
 * {@link stderrLogger}.
 *
 * @param level lowest level written
 * @param name the `name` field
 * @param write receives each line including its newline instead of stderr
 * @returns the logger
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonLogger } from "@igwn/alert";
 * const lines: string[] = [];
 * const log = jsonLogger("info", "igwn-alert", (line) => lines.push(line));
 * log.warn("slow broker");
 * log.debug("not shown");
 * const { time, ...rest } = JSON.parse(lines[0]);
 * assert.deepEqual(rest, { level: "warning", name: "igwn-alert", message: "slow broker" });
 * assert.ok(!Number.isNaN(Date.parse(time)) && lines[0].endsWith("}\n"));
 * ```
 */
export function jsonLogger(
  level: LogLevel,
  name = "igwn-alert",
  write?: (line: string) => void,
): Logger {
  return leveledLogger(level, write, (label, message) => {
    const time = new Date().toISOString();
    return JSON.stringify({ time, level: label, name, message }) + "\n";
  });
}

// The methods of a logger that writes `format`ted lines at `level` and above, to `write` or stderr.
function leveledLogger(
  level: LogLevel,
  write: ((line: string) => void) | undefined,
  format: (label: Exclude<LogLevel, "critical">, message: string) => string,
): Logger {
  const threshold = RANK[level];
  if (threshold === undefined) throw new TypeError(`unknown log level '${level}'`);
  const writeLine = write ?? writeStderrLine;
  const writer = (label: Exclude<LogLevel, "critical">) =>
    RANK[label] < threshold ? () => {} : (message: string) => writeLine(format(label, message));
  return {
    debug: writer("debug"),
    info: writer("info"),
    warn: writer("warning"),
    error: writer("error"),
  };
}

/**
 * A logger that discards everything (the default for library calls).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { silentLogger } from "@igwn/alert";
 * assert.strictEqual(silentLogger.warn("nobody hears this"), undefined);
 * assert.ok(Object.isFrozen(silentLogger));
 * ```
 */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
