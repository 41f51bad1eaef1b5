/**
 * A command run once per alert: the alert's JSON on standard input, where it came from in
 * environment variables, success meaning exit status 0 within the time allowed.
 *
 * @module
 */

import { alertUid } from "../alert/_dead_letter.ts";
import type { Alert } from "../alert/listen_types.ts";
import { encodeAlert } from "../alert/payload.ts";

/**
 * A command line split into the program and its arguments, as {@link splitCommandLine} reads it.
 * No shell runs it: to use shell syntax, name the shell (`sh -c '...'`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type AlertCommand, splitCommandLine } from "./exec.ts";
 * const command: AlertCommand = splitCommandLine("./notify.sh --channel 'on call'");
 * assert.deepEqual(command, { program: "./notify.sh", args: ["--channel", "on call"] });
 * ```
 */
export interface AlertCommand {
  /** The program, a path or a name looked up in `PATH`. */
  program: string;
  /** Its arguments. */
  args: string[];
}

/**
 * Splits a command line into words: blanks separate words, `'...'` and `"..."` keep blanks
 * inside, a backslash outside single quotes keeps the next character as it is.
 *
 * @param line the command line.
 * @returns the program and its arguments.
 * @throws {RangeError} for an empty command or an unclosed quote, naming the position.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitCommandLine } from "./exec.ts";
 * assert.deepEqual(splitCommandLine('sh -c "exit 3"').args, ["-c", "exit 3"]);
 * assert.throws(() => splitCommandLine("notify 'oops"), /position 8/);
 * ```
 */
export function splitCommandLine(line: string): AlertCommand {
  const words: string[] = [];
  let word: string | undefined;
  for (let at = 0; at < line.length; at++) {
    const char = line[at];
    if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (char === "'" || char === '"') {
      const close = line.indexOf(char, at + 1);
      if (close < 0) {
        throw new RangeError(
          `command '${line}': the quote at position ${at + 1} is not closed`,
        );
      }
      let inner = line.slice(at + 1, close);
      if (char === '"') inner = inner.replace(/\\(.)/g, "$1");
      word = (word ?? "") + inner;
      at = close;
    } else if (char === "\\" && at + 1 < line.length) {
      word = (word ?? "") + line[++at];
    } else {
      word = (word ?? "") + char;
    }
  }
  if (word !== undefined) words.push(word);
  if (words.length === 0 || words[0] === "") throw new RangeError("the command is empty");
  const [program, ...args] = words;
  return { program, args };
}

/**
 * The environment variables a command gets for an alert, besides `PATH`, `HOME` and the others
 * it inherits.
 *
 * @param alert the alert.
 * @returns variable names and values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { alertEnvironment } from "./exec.ts";
 * const metadata = { topic: "gracedb.superevent", partition: 0, offset: 7, timestamp: 1, key: null, headers: [] };
 * const alert = { topic: "superevent", fullTopic: "gracedb.superevent", metadata,
 *   payload: { uid: "S1", alert_type: "new" }, raw: "{}" } as never;
 * assert.deepEqual(alertEnvironment(alert), {
 *   IGWN_ALERT_TOPIC: "superevent", IGWN_ALERT_KAFKA_TOPIC: "gracedb.superevent",
 *   IGWN_ALERT_PARTITION: "0", IGWN_ALERT_OFFSET: "7", IGWN_ALERT_TIMESTAMP: "1",
 *   IGWN_ALERT_UID: "S1", IGWN_ALERT_TYPE: "new",
 * });
 * ```
 */
export function alertEnvironment(alert: Alert): Record<string, string> {
  const env: Record<string, string> = {
    IGWN_ALERT_TOPIC: alert.topic,
    IGWN_ALERT_KAFKA_TOPIC: alert.fullTopic,
    IGWN_ALERT_PARTITION: String(alert.metadata.partition),
    IGWN_ALERT_OFFSET: String(alert.metadata.offset),
    IGWN_ALERT_TIMESTAMP: String(alert.metadata.timestamp),
  };
  const uid = alertUid(alert);
  if (uid !== undefined) env.IGWN_ALERT_UID = uid;
  const type = (alert.payload as { alert_type?: unknown } | null)?.alert_type;
  if (typeof type === "string") env.IGWN_ALERT_TYPE = type;
  return env;
}

/** The bytes a command reads on stdin: the alert's JSON as GraceDB sent it, with a newline. */
function alertInput(alert: Alert): Uint8Array {
  const raw = alert.raw;
  if (raw instanceof Uint8Array) return raw;
  const text = typeof raw === "string" ? raw : encodeAlert(alert.payload) as string;
  return new TextEncoder().encode(text.endsWith("\n") ? text : `${text}\n`);
}

/** Why a command did not succeed. */
export class AlertCommandError extends Error {
  /**
   * @param message what happened.
   * @param exitCode the exit status, when the command exited.
   * @param timedOut whether it was stopped for running too long.
   */
  constructor(message: string, readonly exitCode?: number, readonly timedOut = false) {
    super(message);
    this.name = "AlertCommandError";
  }
}

/** How {@link runAlertCommand} runs a command. */
export interface RunAlertCommandOptions {
  /** Stop the command (SIGTERM, then SIGKILL 2 s later) after this many ms; default: no limit. */
  timeoutMs?: number;
  /** Aborting stops the command as a timeout does, and the run then fails. */
  signal?: AbortSignal;
}

/** Grace between SIGTERM and SIGKILL for a command that must stop. */
const KILL_GRACE_MS = 2_000;

/**
 * Runs `command` for `alert` and resolves when it exited with status 0; its standard output and
 * error are this process's.
 *
 * @param command the program and arguments.
 * @param alert the alert, written to the command's standard input.
 * @param options timeout and cancellation.
 * @throws {AlertCommandError} when it exits with another status, is killed by a signal, runs
 *   longer than `timeoutMs`, or cannot be started (missing program, no permission to run it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runAlertCommand, splitCommandLine } from "./exec.ts";
 * const metadata = { topic: "gracedb.superevent", partition: 0, offset: 7, timestamp: 1, key: null, headers: [] };
 * const alert = { topic: "superevent", fullTopic: "gracedb.superevent", metadata,
 *   payload: { uid: "S1", alert_type: "new" }, raw: '{"uid": "S1"}' } as never;
 * await runAlertCommand(splitCommandLine('sh -c "grep -q S1 && test $IGWN_ALERT_OFFSET = 7"'), alert);
 * await assert.rejects(runAlertCommand(splitCommandLine("sh -c 'exit 3'"), alert), /exited with status 3/);
 * await assert.rejects(
 *   runAlertCommand(splitCommandLine("sleep 5"), alert, { timeoutMs: 50 }),
 *   /ran longer than 0.05 s/,
 * );
 * ```
 */
export async function runAlertCommand(
  command: AlertCommand,
  alert: Alert,
  options: RunAlertCommandOptions = {},
): Promise<void> {
  const name = `'${[command.program, ...command.args].join(" ")}'`;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command.program, {
      args: command.args,
      env: alertEnvironment(alert),
      stdin: "piped",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such program"
      : error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied
      ? "not permitted to run it"
      : (error as Error).message;
    throw new AlertCommandError(`command ${name} could not be started: ${reason}`);
  }
  let timedOut = false;
  let stopping: ReturnType<typeof setTimeout> | undefined;
  let killer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    killer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, KILL_GRACE_MS);
  };
  if (options.timeoutMs !== undefined && Number.isFinite(options.timeoutMs)) {
    stopping = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
  }
  const onAbort = () => stop();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const writer = child.stdin.getWriter();
    // A command that does not read its input (or exits early) closes the pipe: not a failure.
    await writer.write(alertInput(alert)).catch(() => {});
    await writer.close().catch(() => {});
    const status = await child.status;
    if (timedOut) {
      throw new AlertCommandError(
        `command ${name} ran longer than ${options.timeoutMs! / 1000} s and was stopped`,
        undefined,
        true,
      );
    }
    if (options.signal?.aborted) throw new AlertCommandError(`command ${name} was stopped`);
    if (status.success) return;
    throw new AlertCommandError(
      status.signal
        ? `command ${name} was killed by ${status.signal}`
        : `command ${name} exited with status ${status.code}`,
      status.code,
    );
  } finally {
    clearTimeout(stopping);
    clearTimeout(killer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}
