/**
 * The Deno permissions the `igwn-alert` binary is compiled with, in one place so that
 * `scripts/compile.ts` and the tests (which run the CLI with `deno run` and the same flags) agree.
 *
 * Deno bakes permission paths into a compiled binary as absolute paths when it is built; nothing
 * like `~` or `$HOME` is expanded when the binary runs. The scope is therefore computed at build
 * time from the builder's environment (or from explicit paths): the hop configuration folder
 * (`$XDG_CONFIG_HOME/hop`, else `$HOME/.config/hop`) may be read and written, the netrc file
 * (`$NETRC`, else `$HOME/.netrc`) read, and extra folders given at build time read (e.g. where
 * alert files for `send` live). Standard input needs no permission, so `send TOPIC - < FILE`
 * works for any file the shell can open.
 *
 * Running programs follows the same rule: the binary may run only the programs named when it is
 * built (`deno task compile --run PROGRAM`, one per command of `listen --exec` or `--config`),
 * each as an absolute path, and nothing else; a listener asked to run another program refuses
 * before connecting.
 *
 * @module
 */

/**
 * Environment variables the CLI and its libraries read: hop's configuration lookup, netrc,
 * GraceDB's credential variables, and the few that the command-line parser (colour) and the Kafka
 * client library consult.
 */
export const CLI_ENV_VARIABLES: readonly string[] = Object.freeze([
  "HOME",
  "XDG_CONFIG_HOME",
  "USERPROFILE",
  "NETRC",
  "IGWN_ALERT_USER",
  "IGWN_ALERT_PASSWORD",
  "NO_COLOR",
  "FORCE_COLOR",
  "CLICOLOR_FORCE",
  "VERBOSE",
  "NODE_ENV",
  "KAFKAJS_LOG_LEVEL",
  "KAFKAJS_NO_PARTITIONER_WARNING",
  "KAFKAJS_DEBUG_PROTOCOL_BUFFERS",
  "KAFKAJS_DEBUG_EXTENDED_PROTOCOL_BUFFERS",
]);

/** Which files the binary may touch. */
export interface PermissionScope {
  /** Home directory (for `~/.config/hop` and `~/.netrc`). */
  home?: string;
  /** `XDG_CONFIG_HOME`; when set, hop's folder is `<it>/hop` instead of `~/.config/hop`. */
  xdgConfigHome?: string;
  /** netrc file; default `<home>/.netrc`. */
  netrc?: string;
  /** Extra files or folders the binary may read (alert files for `send`, CA bundles, ...). */
  readPaths?: readonly string[];
  /** Extra folders the binary may read and write (e.g. a broker `--data-dir`). */
  writePaths?: readonly string[];
  /** Programs the binary may run (`listen --exec`, `--config` commands), as absolute paths. */
  runPrograms?: readonly string[];
}

/**
 * The scope for the current user, from `HOME`, `XDG_CONFIG_HOME` and `NETRC`.
 *
 * @param env where to read the variables (default: the process environment).
 * @returns the scope, without extra paths.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { permissionScopeFromEnv } from "./permissions.ts";
 * const scope = permissionScopeFromEnv({ get: (name) => name === "HOME" ? "/home/alice" : undefined });
 * assert.strictEqual(scope.home, "/home/alice");
 * ```
 */
export function permissionScopeFromEnv(
  env: { get(name: string): string | undefined } = Deno.env,
): PermissionScope {
  return {
    home: env.get("HOME") || undefined,
    xdgConfigHome: env.get("XDG_CONFIG_HOME") || undefined,
    netrc: env.get("NETRC") || undefined,
  };
}

/**
 * The hop configuration folder of a scope (`<xdg>/hop`, else `<home>/.config/hop`).
 *
 * @param scope the scope.
 * @returns the folder, or undefined when neither home nor XDG folder is known.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { hopConfigDir } from "./permissions.ts";
 * assert.strictEqual(hopConfigDir({ home: "/home/alice" }), "/home/alice/.config/hop");
 * ```
 */
export function hopConfigDir(scope: PermissionScope): string | undefined {
  if (scope.xdgConfigHome) return `${scope.xdgConfigHome.replace(/\/+$/, "")}/hop`;
  if (scope.home) return `${scope.home.replace(/\/+$/, "")}/.config/hop`;
  return undefined;
}

/**
 * Deno permission flags for the CLI: network (any host: brokers are user-chosen), the listed
 * environment variables, read of the hop folder, netrc and extra paths, write of the hop folder
 * and extra write paths, running of the listed programs only. No other subprocess, no FFI or
 * system-information access.
 *
 * @param scope which files to allow.
 * @returns flags for `deno run` / `deno compile`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { cliPermissionFlags } from "./permissions.ts";
 * const flags = cliPermissionFlags({ home: "/home/alice" });
 * assert.ok(flags.includes("--allow-write=/home/alice/.config/hop"));
 * assert.ok(!flags.some((flag) => flag.startsWith("--allow-run")));
 * const runs = cliPermissionFlags({ home: "/home/alice", runPrograms: ["/opt/page.sh"] });
 * assert.ok(runs.includes("--allow-run=/opt/page.sh"));
 * ```
 */
export function cliPermissionFlags(scope: PermissionScope): string[] {
  const hopDir = hopConfigDir(scope);
  const netrc = scope.netrc ??
    (scope.home ? `${scope.home.replace(/\/+$/, "")}/.netrc` : undefined);
  const writable = [hopDir, ...(scope.writePaths ?? [])].filter(isPath);
  const readable = [...writable, netrc, ...(scope.readPaths ?? [])].filter(isPath);
  const programs = (scope.runPrograms ?? []).filter(isPath);
  for (const path of [...readable, ...writable, ...programs]) {
    if (path.includes(",")) throw new RangeError(`permission path '${path}' contains a comma`);
  }
  const flags = ["--allow-net", `--allow-env=${CLI_ENV_VARIABLES.join(",")}`];
  if (readable.length) flags.push(`--allow-read=${[...new Set(readable)].join(",")}`);
  if (writable.length) flags.push(`--allow-write=${[...new Set(writable)].join(",")}`);
  if (programs.length) flags.push(`--allow-run=${[...new Set(programs)].join(",")}`);
  return flags;
}

function isPath(path: string | undefined): path is string {
  return typeof path === "string" && path.length > 0;
}

/**
 * V8 settings for the CLI: a 1 MB young generation keeps an idle listener's memory about 10 MB
 * lower, at the cost of more frequent (cheap) minor collections.
 */
export const CLI_V8_FLAGS: readonly string[] = Object.freeze(["--max-semi-space-size=1"]);

/**
 * Everything `deno compile` bakes into the binary and the tests pass to `deno run`: the
 * permission flags of {@link cliPermissionFlags} and the V8 flags.
 *
 * @param scope which files to allow.
 * @returns flags for `deno run` / `deno compile`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { cliRuntimeFlags } from "./permissions.ts";
 * assert.ok(cliRuntimeFlags({ home: "/home/alice" }).includes("--allow-net"));
 * ```
 */
export function cliRuntimeFlags(scope: PermissionScope): string[] {
  return [...cliPermissionFlags(scope), `--v8-flags=${CLI_V8_FLAGS.join(",")}`];
}
