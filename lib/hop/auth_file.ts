/**
 * hop's credential file: where `auth.toml` lives, reading it (with the legacy `[auth]` table of
 * `config.toml` as fallback and hop's permission check) and writing it back.
 *
 * @module
 */
import { parse, stringify, TomlError } from "smol-toml";
import { parseTomlFile, writeFileAtomically } from "./_toml_file.ts";
import { Auth, normalizeMechanism, SASL_MECHANISMS } from "./auth.ts";
import { AuthFileError, AuthFileNotFoundError, HopError } from "./errors.ts";

/**
 * Environment variables consulted to locate the files; defaults to the process environment.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { authFilePath, type ConfigEnv } from "./auth_file.ts";
 * const env: ConfigEnv = { HOME: "/home/alice", XDG_CONFIG_HOME: undefined };
 * assert.equal(authFilePath(env), "/home/alice/.config/hop/auth.toml");
 * ```
 */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

function processEnv(): ConfigEnv {
  return {
    XDG_CONFIG_HOME: Deno.env.get("XDG_CONFIG_HOME"),
    HOME: Deno.env.get("HOME"),
    USERPROFILE: Deno.env.get("USERPROFILE"),
  };
}

function configDir(env: ConfigEnv): string {
  // hop uses XDG_CONFIG_HOME whenever it is set, so an empty value gives a relative path; the XDG
  // specification says an empty value means unset, which is what we do.
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg) return `${xdg.replace(/\/+$/, "") || "/"}/hop`.replace(/^\/\/+/, "/");
  const home = env.HOME || env.USERPROFILE;
  if (!home) {
    throw new HopError(
      "cannot locate the hop configuration directory: neither XDG_CONFIG_HOME nor HOME is set",
    );
  }
  return `${home.replace(/\/+$/, "")}/.config/hop`;
}

/**
 * Path of hop's credential file: `$XDG_CONFIG_HOME/hop/auth.toml`, else
 * `$HOME/.config/hop/auth.toml`. The file need not exist.
 *
 * @param env variables to use instead of the process environment
 * @returns the path
 * @throws {HopError} when neither variable is set
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { authFilePath } from "@igwn/alert";
 * assert.strictEqual(authFilePath({ XDG_CONFIG_HOME: "/tmp/cfg" }), "/tmp/cfg/hop/auth.toml");
 * ```
 */
export function authFilePath(env: ConfigEnv = processEnv()): string {
  return `${configDir(env)}/auth.toml`;
}

/**
 * Path of hop's general configuration file `config.toml` (which may hold a legacy `[auth]` table).
 *
 * @param env variables to use instead of the process environment
 * @returns the path
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { configFilePath } from "@igwn/alert";
 * assert.strictEqual(configFilePath({ HOME: "/home/alice" }), "/home/alice/.config/hop/config.toml");
 * ```
 */
export function configFilePath(env: ConfigEnv = processEnv()): string {
  return `${configDir(env)}/config.toml`;
}

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new AuthFileError(`cannot read ${path}: ${(error as Error).message}`, path);
  }
}

/**
 * Throws hop's error when a credential file can be read by others: any group/other permission bit,
 * or setuid/setgid/sticky (mask `0o7077`).
 *
 * @param path the file
 * @param info its stat result
 * @throws {AuthFileError} `<path> has unsafe permissions: <octal mode>\nPlease correct it to 0600`
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { AuthFileError, checkFilePermissions } from "@igwn/alert";
 * const path = await Deno.makeTempFile();
 * await Deno.chmod(path, 0o600);
 * checkFilePermissions(path, await Deno.stat(path)); // owner-only: accepted
 * await Deno.chmod(path, 0o644);
 * const readable = await Deno.stat(path);
 * assert.throws(() => checkFilePermissions(path, readable), AuthFileError);
 * await Deno.remove(path);
 * ```
 */
export function checkFilePermissions(path: string, info: Deno.FileInfo): void {
  if (info.mode === null || (info.mode & 0o7077) === 0) return;
  throw new AuthFileError(
    `${path} has unsafe permissions: ${info.mode.toString(8)}\nPlease correct it to 0600`,
    path,
  );
}

async function readText(path: string): Promise<string> {
  const bytes = await Deno.readFile(path).catch((error: Error) => {
    if (error instanceof Deno.errors.NotFound) {
      throw new AuthFileNotFoundError(`credential file ${path} does not exist`, path);
    }
    throw new AuthFileError(`cannot read ${path}: ${error.message}`, path);
  });
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new AuthFileError(`configuration file ${path} is not valid UTF-8`, path);
  }
}

function parseToml(path: string, text: string): Record<string, unknown> {
  // Made here, so that a stack trace starts in this file.
  return parseTomlFile(text, function malformed(detail, error) {
    return new AuthFileError(
      `configuration file ${path} is not configured correctly: ${detail}`,
      path,
      error.line,
      {
        cause: error,
      },
    );
  });
}

/** 1-based lines where `[[auth]]` (or a legacy `[auth]`) tables start, in order. */
function tableLines(text: string, legacy: boolean): number[] {
  const header = legacy ? /^\s*\[\s*auth\s*\]/ : /^\s*\[\[\s*auth\s*\]\]/;
  return text.split(/\r?\n/).flatMap((line, index) => header.test(line) ? [index + 1] : []);
}

const STRING_KEYS = [
  "username",
  "password",
  "hostname",
  "protocol",
  "mechanism",
  "ssl_ca_location",
  "token_endpoint",
] as const;

function credentialFromTable(
  path: string,
  entry: unknown,
  index: number,
  line: number | undefined,
): Auth {
  const where = line === undefined
    ? ` (entry ${index + 1})`
    : ` (entry ${index + 1}, line ${line})`;
  const fail = (problem: string): never => {
    throw new AuthFileError(
      `configuration file ${path} is not configured correctly: ${problem}${where}`,
      path,
      line,
    );
  };
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    return fail("each auth entry must be a table");
  }
  const table = entry as Record<string, unknown>;
  for (const key of ["username", "password"]) {
    if (!(key in table)) fail(`missing auth property '${key}'`);
  }
  for (const key of STRING_KEYS) {
    if (key in table && typeof table[key] !== "string") {
      fail(`auth property '${key}' must be a string`);
    }
  }
  const field = (key: (typeof STRING_KEYS)[number]) => table[key] as string | undefined;
  const mechanism = field("mechanism");
  if (mechanism !== undefined && normalizeMechanism(mechanism) === undefined) {
    fail(`unknown SASL mechanism '${mechanism}' (expected one of ${SASL_MECHANISMS.join(", ")})`);
  }
  for (const key of ["username", "password"] as const) {
    if (field(key) === "") fail(`auth property '${key}' is empty`);
  }
  return new Auth({
    username: field("username")!,
    password: field("password")!,
    hostname: field("hostname"),
    protocol: field("protocol"),
    mechanism,
    sslCaLocation: field("ssl_ca_location"),
    tokenEndpoint: field("token_endpoint"),
  });
}

/**
 * Reads credentials from one file with hop's rules: permission check, TOML parse, an `auth` key
 * holding an array of tables (or one legacy table), `username` and `password` required.
 */
async function readCredentialFile(path: string): Promise<Auth[]> {
  const info = await statOrUndefined(path);
  if (info === undefined) {
    throw new AuthFileNotFoundError(`credential file ${path} does not exist`, path);
  }
  checkFilePermissions(path, info);
  const text = await readText(path);
  const document = parseToml(path, text);
  if (!("auth" in document)) {
    throw new AuthFileError(`configuration file ${path} has no auth section`, path);
  }
  const legacy = !Array.isArray(document.auth);
  const entries = legacy ? [document.auth] : document.auth as unknown[];
  const lines = tableLines(text, legacy);
  // Line numbers are only trustworthy when every entry is a [[auth]] header of its own.
  const lineOf = (index: number) => lines.length === entries.length ? lines[index] : undefined;
  return entries.map((entry, index) => credentialFromTable(path, entry, index, lineOf(index)));
}

/**
 * Loads the stored credentials, in file order. With an explicit `path`, exactly that file. Without
 * one, `auth.toml` at {@linkcode authFilePath}; when it is missing, the legacy `[auth]` table of
 * `config.toml` next to it (hop's fallback). The file must not be readable by group or others.
 *
 * @param path explicit file; default: hop's location
 * @param env variables used to locate the default files
 * @returns the credentials (possibly empty for `auth = []`)
 * @throws {AuthFileNotFoundError} when no file exists (names auth.toml)
 * @throws {AuthFileError} for unsafe permissions, bad TOML (file, line, column), a missing
 *   `auth` section, missing username/password, or an unknown mechanism (file, entry, line)
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { loadAuth } from "@igwn/alert";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/auth.toml`, '[[auth]]\nusername = "u"\npassword = "p"\n', { mode: 0o600 });
 * const [auth] = await loadAuth(`${dir}/auth.toml`);
 * assert.deepStrictEqual([auth.username, auth.mechanism], ["u", "SCRAM-SHA-512"]);
 * ```
 */
export async function loadAuth(path?: string, env?: ConfigEnv): Promise<Auth[]> {
  if (path !== undefined) return await readCredentialFile(path);
  const authPath = authFilePath(env);
  if (await statOrUndefined(authPath) !== undefined) return await readCredentialFile(authPath);
  const configPath = configFilePath(env);
  if (await statOrUndefined(configPath) !== undefined) {
    try {
      return await readCredentialFile(configPath);
    } catch (error) {
      if (!(error instanceof AuthFileError)) throw error;
      throw new AuthFileNotFoundError(
        `credential file ${authPath} does not exist (and the legacy ${configPath} ` +
          `cannot stand in for it: ${error.message})`,
        authPath,
        undefined,
        { cause: error },
      );
    }
  }
  throw new AuthFileNotFoundError(`credential file ${authPath} does not exist`, authPath);
}

function tomlString(value: string): string {
  // deno-lint-ignore no-control-regex -- TOML requires escaping control characters
  const escaped = value.replace(/[\\"\u0000-\u001f\u007f]/g, (char) => {
    switch (char) {
      case "\\":
        return "\\\\";
      case '"':
        return '\\"';
      case "\b":
        return "\\b";
      case "\t":
        return "\\t";
      case "\n":
        return "\\n";
      case "\f":
        return "\\f";
      case "\r":
        return "\\r";
      default:
        return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}`;
    }
  });
  return `"${escaped}"`;
}

/**
 * The text {@linkcode writeAuth} writes: hop's layout, one `[[auth]]` table per credential with
 * `username`, `password`, `protocol`, `mechanism` (always with dashes), then `token_endpoint`,
 * `hostname` and `ssl_ca_location` when set; `auth = []` for none.
 *
 * @param creds credentials in the order to store them
 * @returns TOML text
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Auth, formatAuthToml } from "@igwn/alert";
 * const toml = formatAuthToml([new Auth({ username: "u", password: "p", hostname: "h" })]);
 * assert.match(toml, /^\[\[auth\]\]$/m);
 * assert.match(toml, /^username = "u"$/m);
 * assert.match(toml, /^hostname = "h"$/m);
 * ```
 */
export function formatAuthToml(creds: readonly Auth[]): string {
  if (creds.length === 0) return "auth = []\n";
  return creds.map((cred) => {
    const lines = [
      "[[auth]]",
      `username = ${tomlString(cred.username)}`,
      `password = ${tomlString(cred.password)}`,
      `protocol = ${tomlString(cred.protocol)}`,
      `mechanism = ${tomlString(cred.mechanism)}`,
    ];
    if (cred.tokenEndpoint) lines.push(`token_endpoint = ${tomlString(cred.tokenEndpoint)}`);
    if (cred.hostname) lines.push(`hostname = ${tomlString(cred.hostname)}`);
    if (cred.sslCaLocation) lines.push(`ssl_ca_location = ${tomlString(cred.sslCaLocation)}`);
    return lines.join("\n") + "\n";
  }).join("\n");
}

/**
 * Writes credentials in hop's layout, creating parent directories. The file is replaced
 * atomically (temporary file + rename) and always has mode 0600.
 *
 * @param creds credentials to store (replaces the file's contents)
 * @param path file; default {@linkcode authFilePath}
 * @param env variables used to locate the default file
 * @returns the path written
 * @throws {AuthFileError} when the file cannot be written
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Auth, loadAuth, writeAuth } from "@igwn/alert";
 * const path = `${await Deno.makeTempDir()}/hop/auth.toml`;
 * await writeAuth([new Auth({ username: "u", password: "p" })], path);
 * assert.strictEqual((await loadAuth(path)).length, 1);
 * ```
 */
export async function writeAuth(
  creds: readonly Auth[],
  path?: string,
  env?: ConfigEnv,
): Promise<string> {
  const target = path ?? authFilePath(env);
  await writeFileAtomically(target, formatAuthToml(creds), 0o600, true);
  return target;
}

/**
 * Removes a legacy `[auth]` table from `config.toml` after credentials were written to auth.toml
 * (what hop does after `hop auth add/remove`). Unlike hop, a config.toml left with nothing in it
 * is deleted instead of kept empty, because an empty config.toml makes hop itself fail.
 *
 * @param env variables used to locate config.toml
 * @returns whether config.toml changed
 * @throws {AuthFileError} `configuration file <path> is malformed: ...`
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { pruneLegacyAuth } from "@igwn/alert";
 * assert.strictEqual(await pruneLegacyAuth({ XDG_CONFIG_HOME: await Deno.makeTempDir() }), false);
 * ```
 */
export async function pruneLegacyAuth(env?: ConfigEnv): Promise<boolean> {
  const path = configFilePath(env);
  if (await statOrUndefined(path) === undefined) return false;
  const text = await readText(path);
  let document: Record<string, unknown>;
  try {
    document = parse(text) as Record<string, unknown>;
  } catch (error) {
    const line = error instanceof TomlError ? error.line : undefined;
    throw new AuthFileError(
      `configuration file ${path} is malformed: ${(error as Error).message.split("\n")[0]}`,
      path,
      line,
    );
  }
  if (!("auth" in document)) return false;
  delete document.auth;
  try {
    if (Object.keys(document).length === 0) await Deno.remove(path);
    else await Deno.writeTextFile(path, stringify(document) + "\n");
  } catch (error) {
    throw new AuthFileError(`cannot rewrite ${path}: ${(error as Error).message}`, path);
  }
  return true;
}
