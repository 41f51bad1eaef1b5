// The Python tool's global flags, shared by the program and by the igwn-alert subcommands so that
// both `igwn-alert -g G listen` (Python order) and `igwn-alert listen -g G` work. A subcommand
// takes after its name only the flags that apply to it.

import { type Command, Option } from "commander";
import { CliExit } from "./cli_exit.ts";
import type { Logger, LogLevel } from "../hop/log.ts";
import { stderrLogger } from "../hop/log.ts";
import type { ClientOptions } from "../alert/client_options.ts";

export const LOG_LEVELS = ["critical", "error", "warning", "info", "debug"] as const;

/** Values of the global flags after merging program and subcommand. */
export interface ConnectionSettings {
  auth: boolean;
  tls: boolean;
  group: string;
  consumerGroup?: string;
  jsonpp: boolean;
  log: LogLevel;
  netrc?: string | true;
  port?: number;
  retryOnFatal: boolean;
  server: string;
  listenRetries: number;
  username?: string;
  retryWait: number;
  authFile?: string;
  caFile?: string;
  timeout: number;
}

const DEFAULTS = {
  group: "gracedb",
  log: "error",
  server: "kafka://kafka.scimma.org/",
  listen_retries: 3,
  retry_wait: 0.1,
  timeout: 10,
} as const;

/** The longest wait in seconds: a timer set for more than 2^31 - 1 ms would fire at once. */
const MAX_TIMEOUT_SECONDS = 2_147_483;

/**
 * A parser for an integer flag value; a bad value ends the program with exit code 2 and one line
 * naming the flag, the accepted range and the value.
 */
export function parseInteger(what: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const number = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      throw new CliExit(2, `${what} must be an integer ${range}, got '${value}'`);
    }
    return number;
  };
}

/**
 * A parser for a flag value in seconds: at least 0 (more than 0 when `positive`) and at most
 * `max`; a bad value ends the program as {@link parseInteger} describes.
 */
export function parseSeconds(
  what: string,
  { positive = false, max = Number.MAX_VALUE }: { positive?: boolean; max?: number } = {},
) {
  return (value: string): number => {
    const number = value.trim() === "" ? NaN : Number(value);
    const low = positive ? number > 0 : number >= 0;
    if (!Number.isFinite(number) || !low || number > max) {
      const range = max === Number.MAX_VALUE ? "" : ` and at most ${max}`;
      throw new CliExit(
        2,
        `${what} must be a number of seconds ${positive ? "> 0" : ">= 0"}${range}, got '${value}'`,
      );
    }
    return number;
  };
}

/** A parser for one of `choices`; a bad value ends the program as {@link parseInteger} describes. */
function parseChoice<T extends string>(what: string, choices: readonly T[]) {
  return (value: string): T => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new CliExit(2, `${what} must be one of ${choices.join(", ")}, got '${value}'`);
  };
}

/**
 * Which global flags a command takes after its name: `"all"` (the program and `listen`), or
 * `"connection"`, the flags that say where to connect and how to log (`topics`, `send`). The
 * program itself takes them all, so that Python-style `igwn-alert -c G topics` still runs.
 */
export type GlobalOptionScope = "all" | "connection";

const globalOptions = new WeakSet<Option>();

/** Whether `option` is one of the global flags (added by {@link addConnectionOptions}). */
export function isGlobalOption(option: Option): boolean {
  return globalOptions.has(option);
}

/**
 * Adds the global flags that `scope` names to `command`, each with its default. A value given
 * after the subcommand wins over one given before it (see {@link connectionSettings}), so a
 * subcommand default never overrides a flag given before the subcommand.
 */
export function addConnectionOptions(
  command: Command,
  scope: GlobalOptionScope = "all",
): Command {
  const listening = scope === "all";
  const add = (option: Option, forListening = false) => {
    if (forListening && !listening) return;
    globalOptions.add(option);
    command.addOption(option);
  };
  add(new Option("--no-auth", "connect without authentication (plaintext, no SASL)"));
  add(new Option("-g, --group <group>", "GraceDB group (topic prefix)").default(DEFAULTS.group));
  add(
    new Option("-c, --consumer-group <id>", "listen: Kafka consumer group id (default: generated)"),
    true,
  );
  add(new Option("-j, --jsonpp", "listen: pretty-print the alerts"), true);
  add(
    new Option("-l, --log <level>", "log level").choices([...LOG_LEVELS]).default(DEFAULTS.log)
      .argParser(parseChoice("--log", LOG_LEVELS)),
  );
  add(
    new Option(
      "-n, --netrc [file]",
      "take the credential from a netrc file (default: $NETRC, else ~/.netrc)",
    ),
  );
  add(
    new Option("-p, --port <port>", "broker port (default: the port in --server, else 9092)")
      .argParser(parseInteger("--port", 1, 65535)),
  );
  add(new Option("-r, --retry-on-fatal", "listen: reconnect after fatal Kafka errors"), true);
  add(
    new Option("-s, --server <url>", "broker URL kafka://host[:port]/").default(DEFAULTS.server),
  );
  add(
    new Option(
      "-t, --listen_retries <n>",
      "listen, with -r: reconnections allowed after consecutive fatal errors",
    ).default(DEFAULTS.listen_retries).argParser(parseInteger("--listen_retries", 0)),
    true,
  );
  add(new Option("-u, --username <name>", "use the auth.toml credential with this username"));
  add(
    new Option(
      "-w, --retry_wait <seconds>",
      "listen, with -r: seconds to wait before each reconnection",
    ).default(DEFAULTS.retry_wait).argParser(
      parseSeconds("--retry_wait", { max: MAX_TIMEOUT_SECONDS }),
    ),
    true,
  );
  add(new Option("--auth-file <file>", "hop auth.toml to use instead of the default"));
  add(new Option("--no-tls", "SASL without TLS (SASL_PLAINTEXT brokers, e.g. playground)"));
  add(new Option("--ca-file <file>", "PEM CA bundle to verify the broker's certificate"));
  add(
    new Option("--timeout <seconds>", "give up connecting after this many seconds (> 0)").default(
      DEFAULTS.timeout,
    ).argParser(
      parseSeconds("--timeout", { positive: true, max: MAX_TIMEOUT_SECONDS }),
    ),
  );
  return command;
}

const KEYS: [keyof ConnectionSettings, string][] = [
  ["auth", "auth"],
  ["tls", "tls"],
  ["group", "group"],
  ["consumerGroup", "consumerGroup"],
  ["jsonpp", "jsonpp"],
  ["log", "log"],
  ["netrc", "netrc"],
  ["port", "port"],
  ["retryOnFatal", "retryOnFatal"],
  ["server", "server"],
  ["listenRetries", "listen_retries"],
  ["username", "username"],
  ["retryWait", "retry_wait"],
  ["authFile", "authFile"],
  ["caFile", "caFile"],
  ["timeout", "timeout"],
];

/** Global flag values: a flag given on the subcommand wins over the program's. */
export function connectionSettings(command: Command): ConnectionSettings {
  const program = command.parent ?? command;
  const settings: Record<string, unknown> = {};
  for (const [key, name] of KEYS) {
    const fromSub = command !== program && command.getOptionValueSource(name) === "cli";
    const value = fromSub ? command.getOptionValue(name) : program.getOptionValue(name);
    if (value !== undefined) settings[key] = value;
  }
  settings.jsonpp ??= false;
  settings.retryOnFatal ??= false;
  return settings as unknown as ConnectionSettings;
}

/**
 * The CLI's logger: `-l` sets the threshold for debug/info/error lines; warnings (deprecations,
 * malformed alerts, unauthenticated sessions) show at every level but `critical`, as Python
 * warnings do regardless of the logging level.
 */
export function cliLogger(level: LogLevel): Logger {
  const leveled = stderrLogger(level);
  const warnings = stderrLogger(level === "critical" ? "critical" : "warning");
  return { debug: leveled.debug, info: leveled.info, warn: warnings.warn, error: leveled.error };
}

/**
 * Client options from the flags and environment. Credential order: `--no-auth`; `-u USER`
 * (auth.toml entry with that username, matched against the broker `host:port`); `-n [FILE]`
 * (netrc entry for the server URL as given, then `host:port`, then host);
 * `IGWN_ALERT_USER`+`IGWN_ALERT_PASSWORD`; `--auth-file`; then the library's own chain.
 */
export async function clientOptions(
  settings: ConnectionSettings,
  logger: Logger,
): Promise<ClientOptions> {
  const options: ClientOptions = {
    group: settings.group,
    server: settings.server,
    retryOnFatal: settings.retryOnFatal,
    listenRetries: settings.listenRetries,
    retryWaitMs: settings.retryWait * 1000,
    jsonppOn: settings.jsonpp,
    connectTimeoutMs: Math.max(1, settings.timeout * 1000),
    logger,
  };
  if (settings.port !== undefined) options.port = settings.port;
  if (settings.consumerGroup !== undefined) options.consumerGroup = settings.consumerGroup;
  if (!settings.tls) options.tls = false;
  if (settings.caFile !== undefined) options.caFile = settings.caFile;
  if (!settings.auth) {
    options.noAuth = true;
    return options;
  }
  const { resolveBroker } = await import("../alert/topic_naming.ts");
  const broker = resolveBroker(settings.server, settings.port);
  if (settings.username !== undefined) {
    const [{ loadAuth }, { selectCredential }] = await Promise.all([
      import("../hop/auth_file.ts"),
      import("../hop/select_credential.ts"),
    ]);
    const creds = await loadAuth(settings.authFile);
    options.auth = [selectCredential(creds, broker.broker, settings.username)];
    return options;
  }
  if (settings.netrc !== undefined) {
    const [{ lookupNetrc }, { Auth }] = await Promise.all([
      import("../hop/netrc.ts"),
      import("../hop/auth.ts"),
    ]);
    const path = settings.netrc === true || settings.netrc === "" ? undefined : settings.netrc;
    for (const machine of new Set([settings.server, broker.broker, broker.host])) {
      const entry = await lookupNetrc(machine, path);
      if (entry) {
        options.auth = [new Auth({ username: entry.login, password: entry.password })];
        return options;
      }
    }
    throw new Error(
      `netrc information for ${settings.server} (or ${broker.broker}, ${broker.host}) could not ` +
        `be found in ${path ?? "the default netrc ($NETRC or ~/.netrc)"}`,
    );
  }
  const user = Deno.env.get("IGWN_ALERT_USER");
  const password = Deno.env.get("IGWN_ALERT_PASSWORD");
  if (user || password) {
    if (!user || !password) {
      throw new Error(
        `IGWN_ALERT_USER and IGWN_ALERT_PASSWORD must be set together (only ${
          user ? "IGWN_ALERT_USER" : "IGWN_ALERT_PASSWORD"
        } is set)`,
      );
    }
    options.username = user;
    options.password = password;
    return options;
  }
  if (settings.authFile !== undefined) options.authFile = settings.authFile;
  return options;
}
