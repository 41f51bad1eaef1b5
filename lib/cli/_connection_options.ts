// The Python tool's global flags, shared by the program and by each igwn-alert subcommand so
// that both `igwn-alert -g G listen` (Python order) and `igwn-alert listen -g G` work.

import { type Command, InvalidArgumentError, Option } from "commander";
import type { Logger, LogLevel } from "../hop/log.ts";
import { stderrLogger } from "../hop/log.ts";
import type { ClientOptions } from "../alert/client.ts";

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
  auth: true,
  tls: true,
  group: "gracedb",
  jsonpp: false,
  log: "error",
  retryOnFatal: false,
  server: "kafka://kafka.scimma.org/",
  listen_retries: 3,
  retry_wait: 0.1,
  timeout: 10,
} as const;

export function parseInteger(what: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const number = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      throw new InvalidArgumentError(`${what} must be an integer ${range}, got '${value}'.`);
    }
    return number;
  };
}

export function parseSeconds(what: string) {
  return (value: string): number => {
    const number = value.trim() === "" ? NaN : Number(value);
    if (!Number.isFinite(number) || number < 0) {
      throw new InvalidArgumentError(`${what} must be a number of seconds >= 0, got '${value}'.`);
    }
    return number;
  };
}

/**
 * Adds the global flags to `command`. The program gets the defaults; subcommands get none so that
 * a flag given before the subcommand is not overridden by a subcommand default.
 */
export function addConnectionOptions(command: Command, withDefaults: boolean): Command {
  const option = (flags: string, description: string, defaultValue?: unknown) => {
    const o = new Option(flags, description);
    if (withDefaults && defaultValue !== undefined) o.default(defaultValue);
    return o;
  };
  command
    .addOption(option("--no-auth", "connect without authentication (plaintext, no SASL)"))
    .addOption(option("-g, --group <group>", "GraceDB group (topic prefix)", DEFAULTS.group))
    .addOption(option("-c, --consumer-group <id>", "Kafka consumer group id (default: generated)"))
    .addOption(option("-j, --jsonpp", "pretty-print JSON payloads"))
    .addOption(
      option("-l, --log <level>", "log level", DEFAULTS.log).choices([...LOG_LEVELS]),
    )
    .addOption(
      option(
        "-n, --netrc [file]",
        "take the credential from a netrc file (default: $NETRC, else ~/.netrc)",
      ),
    )
    .addOption(
      option("-p, --port <port>", "broker port (default: the port in --server, else 9092)")
        .argParser(parseInteger("--port", 1, 65535)),
    )
    .addOption(option("-r, --retry-on-fatal", "reconnect the listener after fatal Kafka errors"))
    .addOption(option("-s, --server <url>", "broker URL kafka://host[:port]/", DEFAULTS.server))
    .addOption(
      option(
        "-t, --listen_retries <n>",
        "reconnections allowed after consecutive fatal errors (with -r)",
        DEFAULTS.listen_retries,
      ).argParser(parseInteger("--listen_retries", 0)),
    )
    .addOption(
      option("-u, --username <name>", "use the auth.toml credential with this username"),
    )
    .addOption(
      option(
        "-w, --retry_wait <seconds>",
        "wait before each reconnection after a fatal error",
        DEFAULTS.retry_wait,
      ).argParser(parseSeconds("--retry_wait")),
    )
    .addOption(option("--auth-file <file>", "hop auth.toml to use instead of the default"))
    .addOption(option("--no-tls", "SASL without TLS (SASL_PLAINTEXT brokers, e.g. playground)"))
    .addOption(option("--ca-file <file>", "PEM CA bundle to verify the broker's certificate"))
    .addOption(
      option("--timeout <seconds>", "give up connecting after this long", DEFAULTS.timeout)
        .argParser(parseSeconds("--timeout")),
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
