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
 * import assert from "node:assert";
 * import { ProtocolReader } from "./reader.ts";
 * import { ProtocolDecodeError } from "./errors.ts";
 * // A string that claims 40 bytes where only 1 is left.
 * const r = new ProtocolReader(new Uint8Array([0, 40, 0x68]));
 * assert.throws(() => r.string(), ProtocolDecodeError);
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
