/**
 * The exception a CLI action throws to end the program with a chosen exit code.
 *
 * @module
 */
import { writeStderr } from "./_output.ts";

/**
 * Thrown by a subcommand action to make `runCli()` return `code`. When `message` is given, it is
 * printed as one line `igwn-alert: <message>` on stderr; without it nothing is printed, which suits
 * commands that already reported the outcome themselves.
 *
 * @example Exit 3 with a message
 * ```ts
 * import assert from "node:assert";
 * import { CliExit } from "./cli_exit.ts";
 *
 * function requireTopic(topic: string | undefined): string {
 *   if (!topic) throw new CliExit(3, "no topic given");
 *   return topic;
 * }
 * try {
 *   requireTopic(undefined);
 * } catch (error) {
 *   if (error instanceof CliExit) assert.strictEqual(error.code, 3);
 * }
 * ```
 */
export class CliExit extends Error {
  /** Process exit code that `runCli()` returns. */
  readonly code: number;

  /**
   * Creates the exit request.
   *
   * @param code process exit code that `runCli()` returns.
   * @param message optional one-line explanation printed on stderr; never include a password.
   */
  constructor(code: number, message?: string) {
    super(message ?? "");
    this.code = code;
    this.name = "CliExit";
  }
}

/**
 * Reports what ended a command on stderr and gives the exit code: a {@linkcode CliExit}'s own code
 * and message, else 1 and the error's message. The first line starts with `program: `, later
 * lines (advice, such as how to fix a file's permissions) are indented by two spaces, so the whole
 * reads as one diagnostic. A permission Deno refused is named as such, without Deno's advice to
 * run again with a flag, which a compiled binary cannot follow.
 *
 * With `options.stack` (hop's `-d/--debug`), an error other than a {@linkcode CliExit} is shown
 * with its stack trace, and those of its causes, instead of the one line; the exit code is the
 * same.
 *
 * @param program the name before the message (`igwn-alert`, `hop`)
 * @param error what was thrown
 * @param options `stack`: print the stack trace
 * @returns the exit code
 */
export function reportFailure(
  program: string,
  error: unknown,
  options: { stack?: boolean } = {},
): number {
  if (error instanceof CliExit) {
    if (error.message) writeStderr(diagnostic(program, error.message));
    return error.code;
  }
  if (options.stack && error instanceof Error && error.stack) {
    writeStderr(`${program}: ${stackTrace(error)}\n`);
    return 1;
  }
  writeStderr(diagnostic(program, describeError(error)));
  return 1;
}

/** The error's stack trace, followed by those of its causes (at most ten in all). */
function stackTrace(error: Error): string {
  const traces: string[] = [];
  for (let current: unknown = error; current !== undefined && traces.length < 10;) {
    traces.push(current instanceof Error ? current.stack ?? String(current) : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return traces.join("\nCaused by: ").replace(/\s+$/, "");
}

function describeError(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable) {
    return `${error.message.replace(/, run again with.*$/, "")} (not permitted for this program)`;
  }
  if (error instanceof Error) return error.message.trim() ? error.message : error.name;
  return String(error);
}

function diagnostic(program: string, message: string): string {
  const [first, ...rest] = message.replace(/\s+$/, "").split(/\r?\n/);
  return [`${program}: ${first}`, ...rest.map((line) => line ? `  ${line}` : line)].join("\n") +
    "\n";
}
