/**
 * hop's general configuration file `config.toml`: its `[config]` table of two switches,
 * `fetch_external` and `automatic_offload`, read with hop's precedence (defaults, then the file,
 * then `HOP_FETCH_EXTERNAL` / `HOP_AUTOMATIC_OFFLOAD`) and written back as `hop configure set`
 * does. This package neither offloads large messages nor fetches offloaded ones: the switches are
 * read and written so that the file stays shared with hop, and have no other effect.
 *
 * @module
 */
import { stringify } from "smol-toml";
import { parseTomlFile, writeFileAtomically } from "./_toml_file.ts";
import { type ConfigEnv, configFilePath } from "./auth_file.ts";
import { AuthFileError, HopError } from "./errors.ts";
import type { Logger } from "./log.ts";

/** The names of the settings of the `[config]` table, in hop's order. */
export const CONFIG_SETTINGS = ["fetch_external", "automatic_offload"] as const;

/** One setting of the `[config]` table. */
export type ConfigSetting = (typeof CONFIG_SETTINGS)[number];

/** The effective general configuration: every setting with its value. */
export type HopConfig = Record<ConfigSetting, boolean>;

/** hop's built-in defaults: both settings on. */
export const DEFAULT_CONFIG: Readonly<HopConfig> = Object.freeze({
  fetch_external: true,
  automatic_offload: true,
});

/** The environment variable that overrides `setting` (`HOP_` and the name, upper-cased). */
export function configVariable(setting: ConfigSetting): string {
  return `HOP_${setting.toUpperCase()}`;
}

/**
 * hop's boolean spelling, for `hop configure set` and the environment: `true`, `yes`, `on`, `1`
 * or `false`, `no`, `off`, `0`, in any letter case.
 *
 * @param text the value as typed
 * @returns the boolean
 * @throws {HopError} `Invalid boolean value '<text>'`, with the accepted spellings
 */
export function parseHopBoolean(text: string): boolean {
  const lower = text.toLowerCase();
  if (["true", "yes", "on", "1"].includes(lower)) return true;
  if (["false", "no", "off", "0"].includes(lower)) return false;
  throw new HopError(
    `Invalid boolean value '${text}' (expected true, yes, on, 1, false, no, off or 0)`,
  );
}

/** Python's spelling of a boolean (`True`/`False`), as hop prints settings. */
export function pythonBoolean(value: boolean): string {
  return value ? "True" : "False";
}

function processEnv(): ConfigEnv {
  const names = ["XDG_CONFIG_HOME", "HOME", "USERPROFILE", ...CONFIG_SETTINGS.map(configVariable)];
  return Object.fromEntries(names.map((name) => [name, Deno.env.get(name)]));
}

/** 1-based line where `key` is assigned, when it is written plainly (`key = ...`). */
function lineOfKey(text: string, key: string): number | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^\\s*["']?${escaped}["']?\\s*=`);
  const index = text.split(/\r?\n/).findIndex((line) => pattern.test(line));
  return index < 0 ? undefined : index + 1;
}

/** The file's text, or undefined when there is no file. */
async function readConfigText(path: string): Promise<string | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new AuthFileError(
      `Error loading ${path}: configuration data is malformed: not valid UTF-8`,
      path,
    );
  }
}

function parseDocument(path: string, text: string): Record<string, unknown> {
  // Made here, so that a stack trace starts in this file.
  return parseTomlFile(text, function malformed(detail, error) {
    return new AuthFileError(
      `Error loading ${path}: configuration data is malformed: ${detail}`,
      path,
      error.line,
      {
        cause: error,
      },
    );
  });
}

/** The `[config]` table's settings, checked: only known names, only booleans. */
function configTable(path: string, text: string, table: unknown): Partial<HopConfig> {
  const malformed = (problem: string, line?: number): never => {
    const where = line === undefined ? "" : ` (line ${line})`;
    throw new AuthFileError(
      `Error loading ${path}: configuration data is malformed: ${problem}${where}`,
      path,
      line,
    );
  };
  if (typeof table !== "object" || table === null || Array.isArray(table)) {
    return malformed("'config' must be a table", lineOfKey(text, "config"));
  }
  const settings: Partial<HopConfig> = {};
  for (const [key, value] of Object.entries(table)) {
    if (!(CONFIG_SETTINGS as readonly string[]).includes(key)) {
      malformed(
        `unknown setting '${key}' (known: ${CONFIG_SETTINGS.join(", ")})`,
        lineOfKey(text, key),
      );
    }
    if (typeof value !== "boolean") {
      malformed(
        `'${key}' must be true or false, got ${JSON.stringify(value)}`,
        lineOfKey(text, key),
      );
    }
    settings[key as ConfigSetting] = value as boolean;
  }
  return settings;
}

/**
 * The effective general configuration, with hop's precedence: {@link DEFAULT_CONFIG}, then the
 * `[config]` table of config.toml, then `HOP_FETCH_EXTERNAL` and `HOP_AUTOMATIC_OFFLOAD`. A
 * missing file gives the defaults; a file that exists but cannot be read gives the defaults and
 * hop's warning.
 *
 * @param env variables used to locate the file and to override settings; default: the process's
 * @param log receives the warning about an unreadable file
 * @returns every setting with its value
 * @throws {AuthFileError} `Error loading <path>: configuration data has no config section`, or
 *   `... is malformed: ...` for bad TOML (line, column), an unknown setting or a value that is
 *   not a boolean (line)
 * @throws {HopError} `Error parsing configuration variable HOP_X: Invalid boolean value ...`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "./config_file.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/hop`);
 * await Deno.writeTextFile(`${dir}/hop/config.toml`, "[config]\nfetch_external = false\n");
 * const config = await loadConfig({ XDG_CONFIG_HOME: dir, HOP_AUTOMATIC_OFFLOAD: "no" });
 * assert.deepEqual(config, { fetch_external: false, automatic_offload: false });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadConfig(env: ConfigEnv = processEnv(), log?: Logger): Promise<HopConfig> {
  const path = configFilePath(env);
  const config: HopConfig = { ...DEFAULT_CONFIG };
  let text: string | undefined;
  try {
    text = await readConfigText(path);
  } catch (error) {
    if (error instanceof HopError) throw error;
    log?.warn(`Unable to open ${path} for reading; using default configuration`);
  }
  if (text !== undefined) {
    const document = parseDocument(path, text);
    if (!("config" in document)) {
      throw new AuthFileError(
        `Error loading ${path}: configuration data has no config section`,
        path,
      );
    }
    Object.assign(config, configTable(path, text, document.config));
  }
  for (const setting of CONFIG_SETTINGS) {
    const variable = configVariable(setting);
    const value = env[variable];
    if (value === undefined) continue;
    try {
      config[setting] = parseHopBoolean(value);
    } catch (error) {
      throw new HopError(
        `Error parsing configuration variable ${variable}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return config;
}

/**
 * Sets one setting in config.toml, as `hop configure set` does: the file's own `[config]` table
 * (no defaults, no environment) gets the value and is written back; the file is created when
 * missing. Unlike hop, other top-level tables (such as a legacy `[auth]`) are kept, the file's
 * mode is kept, and the file is replaced atomically (temporary file + rename).
 *
 * @param setting the setting to change
 * @param value its new value
 * @param env variables used to locate the file; default: the process's
 * @returns the path written
 * @throws {AuthFileError} `<path> has no config section` for an existing file without one;
 *   `Error loading <path>: ...` as {@link loadConfig}; `cannot write <path>: ...`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig, writeConfigSetting } from "./config_file.ts";
 * const env = { XDG_CONFIG_HOME: await Deno.makeTempDir() };
 * const path = await writeConfigSetting("automatic_offload", false, env);
 * assert.equal(await Deno.readTextFile(path), "[config]\nautomatic_offload = false\n");
 * assert.deepEqual(await loadConfig(env), { fetch_external: true, automatic_offload: false });
 * await Deno.remove(env.XDG_CONFIG_HOME, { recursive: true });
 * ```
 */
export async function writeConfigSetting(
  setting: ConfigSetting,
  value: boolean,
  env: ConfigEnv = processEnv(),
): Promise<string> {
  const path = configFilePath(env);
  let text: string | undefined;
  try {
    text = await readConfigText(path);
  } catch (error) {
    if (error instanceof HopError) throw error;
    throw new AuthFileError(`cannot read ${path}: ${(error as Error).message}`, path);
  }
  let document: Record<string, unknown> = {};
  let mode = 0o644;
  if (text !== undefined) {
    document = parseDocument(path, text);
    if (!("config" in document)) {
      throw new AuthFileError(`${path} has no config section`, path);
    }
    configTable(path, text, document.config);
    mode = ((await Deno.stat(path)).mode ?? mode) & 0o7777;
  }
  const config = { ...(document.config as Partial<HopConfig> | undefined), [setting]: value };
  const written = stringify({ ...document, config }).replace(/\n*$/, "\n");
  await writeFileAtomically(path, written, mode, text !== undefined);
  return path;
}
