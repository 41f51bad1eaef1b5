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
 * const csv = hopFixturePath("credentials.csv");
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
 * const xml = await readHopFixture("superevent_preliminary.xml");
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
 * utf8Bytes("é"); // Uint8Array [0xc3, 0xa9]
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
 * utf8Text(new Uint8Array([0x68, 0x69])); // "hi"
 * ```
 */
export function utf8Text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
