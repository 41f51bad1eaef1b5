/**
 * InitProducerId (api key 22), versions 0-1.
 *
 * @module
 */

import type { ProtocolReader } from "../reader.ts";
import type { ProtocolWriter } from "../writer.ts";

/**
 * Decodes an InitProducerId request body.
 *
 * @param r reader positioned after the request header
 * @returns the transactional id (null for idempotent producers) and transaction timeout
 * @throws {ProtocolDecodeError} for truncated input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeInitProducerIdRequest } from "./init_producer_id.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const body = new ProtocolWriter().string(null).int32(60000).finish();
 * assert.strictEqual(decodeInitProducerIdRequest(new ProtocolReader(body)).transactionalId, null);
 * ```
 */
export function decodeInitProducerIdRequest(
  r: ProtocolReader,
): { transactionalId: string | null; transactionTimeoutMs: number } {
  return { transactionalId: r.nullableString(), transactionTimeoutMs: r.int32() };
}

/**
 * Encodes an InitProducerId response.
 *
 * @param w writer positioned after the response header
 * @param answer error code, producer id and epoch
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeInitProducerIdResponse } from "./init_producer_id.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeInitProducerIdResponse(w, { errorCode: 0, producerId: 7, producerEpoch: 0 });
 * const r = new ProtocolReader(w.finish());
 * assert.deepStrictEqual([r.int32(), r.int16(), r.int64(), r.int16()], [0, 0, 7n, 0]);
 * ```
 */
export function encodeInitProducerIdResponse(
  w: ProtocolWriter,
  answer: { errorCode: number; producerId: number; producerEpoch: number },
): void {
  w.int32(0).int16(answer.errorCode).int64(answer.producerId).int16(answer.producerEpoch);
}
