/**
 * The hop fixtures under `tests/testdata/hop/` and the UTF-8 conversions the hop tests compare
 * payloads with.
 *
 * @module
 */

/**
 * The absolute path of `tests/testdata/hop/<name>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hopFixturePath } from "./hop_fixtures.ts";
 * assert.match(hopFixturePath("credentials.csv"), /\/tests\/testdata\/hop\/credentials\.csv$/);
 * ```
 */
export function hopFixturePath(name: string): string {
  return new URL(`../testdata/hop/${name}`, import.meta.url).pathname;
}

/**
 * Reads `tests/testdata/hop/<name>` as bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readHopFixture, utf8Text } from "./hop_fixtures.ts";
 * const xml = await readHopFixture("superevent_preliminary.xml");
 * assert.match(utf8Text(xml), /^<\?xml /);
 * ```
 */
export function readHopFixture(name: string): Promise<Uint8Array> {
  return Deno.readFile(hopFixturePath(name));
}

/**
 * Text as UTF-8 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { utf8Bytes } from "./hop_fixtures.ts";
 * assert.deepEqual(utf8Bytes("é"), new Uint8Array([0xc3, 0xa9]));
 * ```
 */
export function utf8Bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * UTF-8 bytes as text (invalid sequences become U+FFFD).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { utf8Text } from "./hop_fixtures.ts";
 * assert.equal(utf8Text(new Uint8Array([0x68, 0x69])), "hi");
 * ```
 */
export function utf8Text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
