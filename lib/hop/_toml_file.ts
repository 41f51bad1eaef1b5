// What auth.toml and config.toml share: parsing with the line and column of a syntax error, and
// replacing a file atomically (temporary file + rename).

import { parse, TomlError } from "smol-toml";
import { AuthFileError } from "./errors.ts";

/**
 * Parses a TOML document; a syntax error is thrown as what `malformed` makes of its
 * `line L, column C: REASON`.
 */
export function parseTomlFile(
  text: string,
  malformed: (detail: string, error: TomlError) => Error,
): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = error.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
    throw malformed(`line ${error.line}, column ${error.column}: ${reason}`, error);
  }
}

function parentDir(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? (slash === 0 ? "/" : ".") : path.slice(0, slash);
}

/**
 * Replaces `path` with `text` atomically, creating parent folders. The file is created with
 * `mode` (less the umask), or exactly `mode` when `exactMode` is set.
 *
 * @throws {AuthFileError} `cannot write PATH: ...`
 */
export async function writeFileAtomically(
  path: string,
  text: string,
  mode: number,
  exactMode: boolean,
): Promise<void> {
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.mkdir(parentDir(path), { recursive: true });
    await Deno.writeTextFile(temporary, text, { mode, createNew: true });
    if (exactMode) await Deno.chmod(temporary, mode);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw new AuthFileError(`cannot write ${path}: ${(error as Error).message}`, path);
  }
}
