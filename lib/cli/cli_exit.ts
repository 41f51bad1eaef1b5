/**
 * The exception a CLI action throws to end the program with a chosen exit code.
 *
 * @module
 */

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
