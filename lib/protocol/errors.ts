/**
 * Errors raised while decoding Kafka protocol bytes.
 *
 * @module
 */

/**
 * A request or record could not be decoded: it is truncated, a length is out of range, or a
 * field holds a value the protocol forbids.
 *
 * @example
 * ```ts
 * import { ProtocolDecodeError } from "./errors.ts";
 * try {
 *   throw new ProtocolDecodeError("string length 40 exceeds the 3 bytes left at offset 12");
 * } catch (e) {
 *   if (e instanceof ProtocolDecodeError) console.error(e.message);
 * }
 * ```
 */
export class ProtocolDecodeError extends Error {
  /**
   * Creates the error.
   *
   * @param message what could not be decoded and where
   */
  constructor(message: string) {
    super(message);
    this.name = "ProtocolDecodeError";
  }
}
