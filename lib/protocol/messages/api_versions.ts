/**
 * ApiVersions (api key 18) v0-v3 answers. v3 uses the flexible body encoding but, like every
 * ApiVersions response, response header v0.
 *
 * @module
 */

import type { ProtocolReader } from "../reader.ts";
import type { ProtocolWriter } from "../writer.ts";

/**
 * One supported API with its version range.
 *
 * @example
 * ```ts
 * import type { ApiVersionRange } from "./api_versions.ts";
 * const produce: ApiVersionRange = { apiKey: 0, minVersion: 3, maxVersion: 7 };
 * ```
 */
export interface ApiVersionRange {
  /** Api key. */
  apiKey: number;
  /** Lowest version implemented. */
  minVersion: number;
  /** Highest version implemented. */
  maxVersion: number;
}

/**
 * Encodes an ApiVersions response for a version the broker supports (0-3).
 *
 * @param w writer positioned after the response header (v0)
 * @param version request version (0-3)
 * @param apis every implemented API
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeApiVersionsResponse } from "./api_versions.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeApiVersionsResponse(w, 2, [{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
 * const r = new ProtocolReader(w.finish());
 * assert.strictEqual(r.int16(), 0); // error code
 * assert.deepStrictEqual(r.array((r) => [r.int16(), r.int16(), r.int16()]), [[18, 0, 3]]);
 * assert.strictEqual(r.int32(), 0); // throttle time
 * ```
 */
export function encodeApiVersionsResponse(
  w: ProtocolWriter,
  version: number,
  apis: readonly ApiVersionRange[],
): void {
  w.int16(0);
  const entry = (w: ProtocolWriter, a: ApiVersionRange) =>
    w.int16(a.apiKey).int16(a.minVersion).int16(a.maxVersion);
  if (version >= 3) w.compactArray(apis, (w, a) => entry(w, a).taggedFields());
  else w.array(apis, entry);
  if (version >= 1) w.int32(0);
  if (version >= 3) w.taggedFields();
}

/**
 * Encodes the KIP-511 answer to an ApiVersions version above the broker's maximum: the v0 body
 * layout with UNSUPPORTED_VERSION (35) and only the ApiVersions entry, which every client can
 * parse whatever version it sent.
 *
 * @param w writer positioned after the response header (v0)
 * @param own the broker's ApiVersions range
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeUnsupportedApiVersionsResponse } from "./api_versions.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeUnsupportedApiVersionsResponse(w, { apiKey: 18, minVersion: 0, maxVersion: 3 });
 * const r = new ProtocolReader(w.finish());
 * assert.strictEqual(r.int16(), 35); // UNSUPPORTED_VERSION
 * assert.deepStrictEqual(r.array((r) => [r.int16(), r.int16(), r.int16()]), [[18, 0, 3]]);
 * ```
 */
export function encodeUnsupportedApiVersionsResponse(
  w: ProtocolWriter,
  own: ApiVersionRange,
): void {
  w.int16(35).int32(1).int16(own.apiKey).int16(own.minVersion).int16(own.maxVersion);
}

/**
 * Decodes an ApiVersions response of version 0 (the body every broker can answer), as a client
 * reads it.
 *
 * @param r reader positioned after the response header
 * @returns the error code and the supported range of each api
 * @throws {ProtocolDecodeError} for truncated input
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { decodeApiVersionsResponse, encodeApiVersionsResponse } from "./api_versions.ts";
 * import { ProtocolReader } from "../reader.ts";
 * import { ProtocolWriter } from "../writer.ts";
 * const w = new ProtocolWriter();
 * encodeApiVersionsResponse(w, 0, [{ apiKey: 1, minVersion: 4, maxVersion: 11 }]);
 * assert.deepStrictEqual(decodeApiVersionsResponse(new ProtocolReader(w.finish())), {
 *   errorCode: 0,
 *   apis: [{ apiKey: 1, minVersion: 4, maxVersion: 11 }],
 * });
 * ```
 */
export function decodeApiVersionsResponse(
  r: ProtocolReader,
): { errorCode: number; apis: ApiVersionRange[] } {
  const errorCode = r.int16();
  const apis = r.array((r) => ({
    apiKey: r.int16(),
    minVersion: r.int16(),
    maxVersion: r.int16(),
  }));
  return { errorCode, apis };
}
