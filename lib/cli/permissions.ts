/**
 * The Deno permissions of the `igwn-alert` program, in one place so that `scripts/compile.ts`, the
 * tests (which run the CLI with `deno run` and the same flags) and the start-up narrowing agree.
 *
 * Two layers:
 *
 * 1. **Fixed when the binary is built** ({@link cliPermissionFlags}): network, the environment
 *    variables the program reads, and file reading and writing without paths, so that one binary
 *    works for every user. No subprocess, FFI, system information or remote imports. Deno bakes
 *    permission paths into a binary as they are given at build time and expands nothing like `~`
 *    or `$HOME` when it runs, so no per-user path can be named here.
 * 2. **Narrowed at start-up** ({@link runtimeScope}, {@link workerPermissions}): before any
 *    dependency is loaded, `lib/cli/sandbox.ts` works out from the environment and the command
 *    line which files this run needs (the hop folder, the netrc file, the CA bundles, the files and
 *    folders named on the command line) and runs the whole CLI in a worker that may touch only
 *    those. A worker's permissions are the only ones Deno lets a program choose at run time.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { systemTrustPaths } from "../kafka/trust_store.ts";

/**
 * Environment variables the CLI and its libraries read: hop's configuration lookup and settings,
 * netrc, GraceDB's credential variables, the CA bundle variables, and the few that the
 * command-line parser (colour) and the Kafka client library consult.
 */
export const CLI_ENV_VARIABLES: readonly string[] = Object.freeze([
  "HOME",
  "XDG_CONFIG_HOME",
  "USERPROFILE",
  "HOP_FETCH_EXTERNAL",
  "HOP_AUTOMATIC_OFFLOAD",
  "NETRC",
  "IGWN_ALERT_USER",
  "IGWN_ALERT_PASSWORD",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
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

/**
 * Deno permission flags of the program, the same for every user and machine: network (any host:
 * brokers are user-chosen and announce further hosts), the variables of {@link CLI_ENV_VARIABLES},
 * file reading and writing (narrowed per run at start-up, see the module text), never a prompt,
 * and worker options (what the narrowing needs). No subprocess, FFI, system information or
 * remote imports.
 *
 * Programs for `listen --exec` and `--config` are the one exception: a binary built with
 * `deno task compile --run PROGRAM` carries `--allow-run=PROGRAM` for those programs only, and the
 * worker inherits exactly that; without `--run` it may run nothing.
 *
 * @param options the programs the binary may run (absolute paths).
 * @returns flags for `deno run` / `deno compile`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { cliPermissionFlags } from "./permissions.ts";
 * const flags = cliPermissionFlags();
 * assert.ok(flags.includes("--allow-read") && flags.includes("--no-prompt"));
 * assert.ok(!flags.some((flag) => /^--allow-(run|ffi|sys|all)|^-A$/.test(flag)));
 * const paging = cliPermissionFlags({ runPrograms: ["/opt/page.sh"] });
 * assert.ok(paging.includes("--allow-run=/opt/page.sh"));
 * ```
 */
export function cliPermissionFlags(options: CliPermissionOptions = {}): string[] {
  const flags = [
    "--allow-net",
    `--allow-env=${CLI_ENV_VARIABLES.join(",")}`,
    "--allow-read",
    "--allow-write",
    "--no-prompt",
    "--unstable-worker-options",
  ];
  const programs = [...new Set(options.runPrograms ?? [])];
  for (const program of programs) {
    if (!program || program.includes(",")) {
      throw new RangeError(`program '${program}' cannot be named in a permission flag`);
    }
  }
  if (programs.length) flags.push(`--allow-run=${programs.join(",")}`);
  return flags;
}

/** What {@link cliPermissionFlags} and {@link cliRuntimeFlags} add to the fixed set. */
export interface CliPermissionOptions {
  /** Programs `listen --exec` and `--config` commands may run, as absolute paths. */
  runPrograms?: readonly string[];
}

/**
 * V8 settings for the CLI: a 1 MB young generation keeps an idle listener's memory about 10 MB
 * lower, at the cost of more frequent (cheap) minor collections.
 */
export const CLI_V8_FLAGS: readonly string[] = Object.freeze(["--max-semi-space-size=1"]);

/**
 * Everything `deno compile` bakes into the binary and the tests pass to `deno run`: the
 * permission flags of {@link cliPermissionFlags} and the V8 flags. This is the list that
 * `deno task compile --print-permissions` prints.
 *
 * @param options the programs the binary may run.
 * @returns flags for `deno run` / `deno compile`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { cliRuntimeFlags } from "./permissions.ts";
 * assert.ok(cliRuntimeFlags().includes("--allow-net"));
 * assert.ok(cliRuntimeFlags({ runPrograms: ["/bin/true"] }).includes("--allow-run=/bin/true"));
 * ```
 */
export function cliRuntimeFlags(options: CliPermissionOptions = {}): string[] {
  return [...cliPermissionFlags(options), `--v8-flags=${CLI_V8_FLAGS.join(",")}`];
}

/** What one run of the CLI may touch, worked out at start-up. */
export interface RuntimeScope {
  /** Files and folders it may read (absolute). */
  read: string[];
  /** Files and folders it may write (absolute); empty for commands that write nothing. */
  write: string[];
}

/** What {@link runtimeScope} looks at: the environment, the command line and the file system. */
export interface ScopeInput {
  /** Command-line arguments, without the program name. */
  args: readonly string[];
  /** Reads an environment variable. */
  env(name: string): string | undefined;
  /** Absolute working directory, for relative paths on the command line. */
  cwd: string;
  /** A file's text, or undefined when it cannot be read (used for `ssl_ca_location`). */
  readText(path: string): string | undefined;
  /** The program's own executable (read by the playground to print how to run it). */
  execPath?: string;
}

/** Commands that write files: `auth add/remove`, the broker's and playground's data folders. */
const WRITING_COMMANDS = new Set(["auth", "broker", "playground"]);
const COMMANDS = new Set([
  "listen",
  "send",
  "topics",
  "auth",
  "configure",
  "broker",
  "playground",
  "subscriptions",
  "unsubscribe",
  "help",
]);
/**
 * `listen` options whose value is a file it appends to: a recording (rotated beside it) and a
 * dead-letter file. Their folder may be written.
 */
const APPEND_FILE_OPTIONS = new Set(["--output", "--dead-letter"]);
/** Options whose value is a folder the command may create and write. */
const WRITE_DIR_OPTIONS = new Set(["--data-dir"]);
/** Options whose value is a file the command may write (with a temporary file beside it). */
const WRITE_FILE_OPTIONS = new Set(["--auth-file"]);

/** `path` made absolute against `cwd`, with the separators of the system the binary runs on. */
function absolute(path: string, cwd: string): string {
  return resolve(cwd, path);
}

/** hop's folder: `$XDG_CONFIG_HOME/hop`, else `$HOME/.config/hop`. */
function hopConfigDir(env: ScopeInput["env"]): string | undefined {
  const xdg = env("XDG_CONFIG_HOME");
  if (xdg) return `${xdg.replace(/\/+$/, "")}/hop`;
  const home = env("HOME") || env("USERPROFILE");
  return home ? `${home.replace(/\/+$/, "")}/.config/hop` : undefined;
}

/** `ssl_ca_location` values of a hop credential file, found without parsing the TOML. */
function caLocationsIn(text: string | undefined): string[] {
  if (!text) return [];
  return [...text.matchAll(/^\s*ssl_ca_location\s*=\s*(?:"([^"]*)"|'([^']*)')/gm)]
    .map((match) => match[1] ?? match[2]).filter((path) => path.length > 0);
}

/**
 * The files and folders one run of the CLI needs, from its environment and command line:
 *
 * - read: hop's folder (`$XDG_CONFIG_HOME/hop`, else `~/.config/hop`), the netrc file (`$NETRC`,
 *   else `~/.netrc`), the CA bundles (`$SSL_CERT_FILE`, `$SSL_CERT_DIR`, else the system bundle),
 *   the `ssl_ca_location` files its credential files name, every file or folder named on the
 *   command line (`send` files, `--auth-file`, `--ca-file`, `-n FILE`, `auth add FILE`, ...: each
 *   word and option value, URLs aside, taken as a path), and its own executable;
 * - write: nothing, except for `auth` (hop's folder or the `--auth-file`'s folder), `hop
 *   configure` (hop's folder), `broker` and `playground` (their `--data-dir`, and the
 *   playground's credential file).
 *
 * @param input the environment, command line and file system to look at.
 * @returns the scope.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { runtimeScope } from "./permissions.ts";
 * const env: Record<string, string> = { HOME: "/home/alice" };
 * const scope = runtimeScope({
 *   args: ["send", "superevent", "alert.json"],
 *   env: (name) => env[name],
 *   cwd: "/data",
 *   readText: () => undefined,
 * });
 * assert.ok(scope.read.includes("/home/alice/.config/hop"));
 * assert.ok(scope.read.includes("/home/alice/.netrc"));
 * assert.ok(scope.read.includes("/data/alert.json"));
 * assert.deepEqual(scope.write, []);
 * ```
 */
export function runtimeScope(input: ScopeInput): RuntimeScope {
  const { args, env, cwd } = input;
  const read = new Set<string>();
  const write = new Set<string>();
  const hopDir = hopConfigDir(env);
  const home = env("HOME") || env("USERPROFILE");
  const netrc = env("NETRC") || (home ? `${home.replace(/\/+$/, "")}/.netrc` : undefined);
  const command = args.find((arg) => COMMANDS.has(arg));
  const writes = command !== undefined && WRITING_COMMANDS.has(command);
  if (hopDir) {
    read.add(absolute(hopDir, cwd));
    if (command === "auth" || command === "configure" || command === "playground") {
      write.add(absolute(hopDir, cwd));
    }
  }
  if (netrc) read.add(absolute(netrc, cwd));
  for (const path of systemTrustPaths(env)) read.add(absolute(path, cwd));
  if (input.execPath) read.add(input.execPath);
  const credentialFiles = hopDir ? [`${hopDir}/auth.toml`, `${hopDir}/config.toml`] : [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = inline ?? args[i + 1];
    if (value !== undefined && value !== "" && WRITE_DIR_OPTIONS.has(flag) && writes) {
      write.add(absolute(value, cwd));
      read.add(absolute(value, cwd));
    }
    if (
      value !== undefined && value !== "" && APPEND_FILE_OPTIONS.has(flag) && command === "listen"
    ) {
      write.add(dirname(absolute(value, cwd)));
      read.add(dirname(absolute(value, cwd)));
    }
    if (value !== undefined && value !== "" && WRITE_FILE_OPTIONS.has(flag)) {
      const file = absolute(value, cwd);
      read.add(file);
      credentialFiles.push(file);
      if (writes) write.add(dirname(file));
    }
    const candidate = inline ?? arg;
    if (candidate === "" || candidate === "-") continue;
    const path = absolute(candidate, cwd);
    // Any word may name a file (`send TOPIC a.json`): one that names nothing grants nothing.
    const named = inline !== undefined || !arg.startsWith("-");
    if (named && !candidate.includes("://")) read.add(path);
  }
  for (const file of credentialFiles) {
    for (const ca of caLocationsIn(input.readText(file))) read.add(absolute(ca, cwd));
  }
  return { read: [...read].sort(), write: [...write].sort() };
}

/**
 * The permissions of the worker that runs the CLI: the scope's files, the network, the variables
 * of {@link CLI_ENV_VARIABLES}, the programs the binary was built to run (inherited: none unless
 * built with `--run`), and nothing else.
 *
 * @param scope what the run may touch.
 * @returns the worker's `deno.permissions` option.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { workerPermissions } from "./permissions.ts";
 * const permissions = workerPermissions({ read: ["/home/alice/.netrc"], write: [] });
 * assert.deepEqual(permissions.read, ["/home/alice/.netrc"]);
 * assert.equal(permissions.write, false);
 * assert.equal(permissions.ffi, false);
 * ```
 */
export function workerPermissions(scope: RuntimeScope): {
  read: string[] | false;
  write: string[] | false;
  net: true;
  env: string[];
  run: "inherit";
  ffi: false;
  sys: false;
  import: false;
} {
  return {
    read: scope.read.length ? scope.read : false,
    write: scope.write.length ? scope.write : false,
    net: true,
    env: [...CLI_ENV_VARIABLES],
    run: "inherit",
    ffi: false,
    sys: false,
    import: false,
  };
}
