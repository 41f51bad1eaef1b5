/**
 * ListOffsets (api key 2), versions 1-3.
 *
 * @module
 */

import type { ProtocolReader } from "../reader.ts";
import type { ProtocolWriter } from "../writer.ts";

/** Timestamp asking for the next offset to be written. */
export const LATEST_TIMESTAMP: number = -1;
/** Timestamp asking for the first stored offset. */
export const EARLIEST_TIMESTAMP: number = -2;

/**
 * Decodes a ListOffsets request body into the asked timestamps per partition.
 *
 * @param r reader positioned after the request header
 * @param version request version (1-3)
 * @returns partitions per topic with the timestamp to look up
 * @throws {ProtocolDecodeError} for truncated or malformed input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeListOffsetsRequest } from "./list_offsets.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter().int32(-1);
 * w.array(["t"], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(-2)));
 * assert.strictEqual(decodeListOffsetsRequest(new ProtocolReader(w.finish()), 1)[0].partitions[0].timestamp, -2);
 * ```
 */
export function decodeListOffsetsRequest(
  r: ProtocolReader,
  version: number,
): { name: string; partitions: { partition: number; timestamp: number }[] }[] {
  r.int32();
  if (version >= 2) r.int8();
  return r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => {
      const partition = r.int32();
      if (version >= 4) r.int32();
      const timestamp = r.int64Number();
      if (version === 0) r.int32();
      return { partition, timestamp };
    }),
  }));
}

/**
 * Encodes a ListOffsets response.
 *
 * @param w writer positioned after the response header
 * @param version request version (1-3)
 * @param topics answers per topic
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeListOffsetsResponse } from "./list_offsets.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeListOffsetsResponse(w, 3, [{ name: "t", partitions: [
 *   { partition: 0, errorCode: 0, timestamp: -1, offset: 10 },
 * ] }]);
 * const r = new ProtocolReader(w.finish());
 * assert.strictEqual(r.int32(), 0); // throttle time
 * assert.deepStrictEqual(
 *   r.array((r) => [r.string(), r.array((r) => [r.int32(), r.int16(), r.int64(), r.int64()])]),
 *   [["t", [[0, 0, -1n, 10n]]]],
 * );
 * ```
 */
export function encodeListOffsetsResponse(
  w: ProtocolWriter,
  version: number,
  topics: {
    name: string;
    partitions: { partition: number; errorCode: number; timestamp: number; offset: number }[];
  }[],
): void {
  if (version >= 2) w.int32(0);
  w.array(topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partition).int16(p.errorCode).int64(p.timestamp).int64(p.offset);
    });
  });
}
