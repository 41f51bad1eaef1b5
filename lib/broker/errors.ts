/**
 * Errors raised when a broker cannot start.
 *
 * @module
 */

/**
 * The broker could not start: the address is in use, a certificate cannot be read, or an option
 * is invalid. The message names the address, file or option.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "./broker.ts";
 * import { BrokerStartError } from "./errors.ts";
 * await using first = await startBroker({ port: 0, logger: () => {} });
 * const second = startBroker({ port: first.port, logger: () => {} });
 * await assert.rejects(second, (error) => {
 *   assert.ok(error instanceof BrokerStartError);
 *   assert.match(error.message, new RegExp(`127.0.0.1:${first.port}`));
 *   return true;
 * });
 * ```
 */
export class BrokerStartError extends Error {
  /**
   * Creates the error.
   *
   * @param message what prevented the start
   * @param options standard error options (`cause`)
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokerStartError";
  }
}
