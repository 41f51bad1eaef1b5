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
 * import { BrokerStartError } from "./errors.ts";
 * const e = new BrokerStartError("address 127.0.0.1:9092 is already in use");
 * console.error(e.message);
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
