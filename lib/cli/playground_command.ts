/**
 * `igwn-alert playground`: an offline GraceDB on the project's broker, optionally with a
 * listener in the same process.
 *
 * @module
 */
import { Command, Option } from "commander";
import { stderrLogger } from "../hop/log.ts";
import {
  type AlertFormat,
  alertFormatOption,
  alertPrinter,
  printFlagsConflict,
} from "./_alert_formats.ts";
import { AlertTally, plural } from "./_alert_summary.ts";
import { writeStderr } from "./_output.ts";
import { CliExit } from "./cli_exit.ts";
import { loadReplay } from "./_playground_replay.ts";

/** Pace used when nothing bounds the run, so that an endless playground does not flood memory. */
const DEFAULT_ENDLESS_RATE = 4;

function positiveNumber(flag: string) {
  return (value: string): number => {
    const number = value.trim() === "" ? NaN : Number(value);
    if (!Number.isFinite(number) || number <= 0) {
      throw new CliExit(2, `${flag} must be a positive number, got '${value}'`);
    }
    return number;
  };
}

function integer(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const number = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      throw new CliExit(2, `${flag} must be an integer from ${min} to ${max}, got '${value}'`);
    }
    return number;
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** How this program was started, so the printed command works when pasted. */
function programWords(): string[] {
  const exec = Deno.execPath();
  if (!/(^|[/\\])deno(\.exe)?$/.test(exec)) return ["igwn-alert"];
  // In the worker that runs the CLI (see sandbox.ts) there is no main module: it is cli.ts.
  const mainModule = Deno.mainModule ?? new URL("../../cli.ts", import.meta.url).href;
  let main = mainModule.startsWith("file://")
    ? decodeURIComponent(new URL(mainModule).pathname)
    : mainModule;
  let cwd: string | undefined;
  try {
    cwd = Deno.cwd();
  } catch { /* the working folder is not readable here: keep the absolute path */ }
  if (cwd && main.startsWith(`${cwd}/`)) main = main.slice(cwd.length + 1);
  return ["deno", "run", "-A", main];
}

interface PlaygroundFlags {
  host: string;
  port?: number;
  dataDir?: string;
  auth: boolean;
  oidc?: boolean;
  publicAlerts?: boolean;
  writeAuth?: boolean;
  authFile?: string;
  group?: string[];
  rate?: number;
  realtime?: boolean;
  count?: number;
  seed?: string;
  listen?: boolean | string[];
  jsonpp?: boolean;
  format: AlertFormat;
  verbose?: boolean;
  replay?: string;
  speed?: number;
}

/**
 * Builds the `playground` subcommand: starts the broker with GraceDB's topic layout and a
 * generated credential, publishes simulated superevent lifecycles, and prints how to connect
 * (or, with `--listen`, prints the alerts themselves as `igwn-alert listen` does, in any of its
 * `--format`s, and ends with a summary table on stderr). Ends on SIGINT/SIGTERM, or with
 * `--listen --count N` once N lifecycles were received.
 *
 * @returns the commander command.
 * @example
 * ```ts ignore
 * import { Command } from "commander";
 * import { playgroundCommand } from "./playground_command.ts";
 * await new Command("igwn-alert").addCommand(playgroundCommand())
 *   .parseAsync(["playground", "--listen", "--count", "1", "--seed", "1"], { from: "user" });
 * ```
 */
export function playgroundCommand(): Command {
  return new Command("playground")
    .summary("run an offline GraceDB: a local broker fed with simulated alerts")
    .description(
      "Start a local Kafka broker with the topics of gracedb, gracedb-playground and " +
        "gracedb-test, and publish simulated superevent lifecycles into it. Prints the server, " +
        "the credential and the igwn-alert listen command to use from another terminal. With " +
        "--listen, prints the alerts here instead, exactly as igwn-alert listen does.",
    )
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .addOption(
      new Option(
        "--port <port>",
        "port to listen on, 0 for any free one (default: 9092; with --listen: any free one)",
      )
        .argParser(integer("--port", 0, 65535)),
    )
    .option("--data-dir <dir>", "keep topics, alerts and offsets in this directory")
    .option("--no-auth", "no credential: clients connect without SASL")
    .option(
      "--oidc",
      "OpenID Connect: a local token endpoint issues tokens for the credential (client id and\n" +
        "secret), and the broker takes them with SASL OAUTHBEARER",
    )
    .option(
      "--public-alerts",
      "also publish the public notices GCN would send (topic igwn.gwalert) for the superevents",
    )
    .option(
      "--write-auth",
      "store the credential in hop's auth.toml (replacing one for the same server)",
    )
    .option("--auth-file <file>", "with --write-auth: the auth.toml to write")
    .addOption(
      new Option(
        "-g, --group <group>",
        "simulate this GraceDB group (gracedb, gracedb-playground, gracedb-test); repeatable " +
          '(default: "gracedb")',
      ).argParser(collect),
    )
    .addOption(
      new Option("--rate <n>", "lifecycles per minute").argParser(positiveNumber("--rate")),
    )
    .option("--realtime", "wait GraceDB-like delays between alerts (minutes per lifecycle)")
    .addOption(
      new Option("--count <n>", "stop after N lifecycles").argParser(integer("--count", 1)),
    )
    .option("--seed <seed>", "reproduce a run: same seed, same alerts, same output")
    .option(
      "--listen [topics...]",
      "listen here and print the alerts (topics without the group prefix; default: all)",
    )
    .option("-j, --jsonpp", "with --listen: pretty-print the alerts")
    .addOption(alertFormatOption("with --listen, "))
    .option("--verbose", "also log the broker's own lines on stderr")
    .option("--replay <file>", "publish a listen --output recording instead of simulated alerts")
    .addOption(
      new Option("--speed <x>", "with --replay: this many times faster than recorded (default 1)")
        .argParser(positiveNumber("--speed")),
    )
    .action(async (flags: PlaygroundFlags, command: Command) => {
      await runPlayground(withProgramFlags(flags, command));
    });
}

/**
 * The Python tool puts global flags before the subcommand (`igwn-alert -g gracedb-test ...`);
 * those given explicitly there count as if given to `playground`.
 */
function withProgramFlags(flags: PlaygroundFlags, command: Command): PlaygroundFlags {
  const program = command.parent;
  if (!program) return flags;
  const given = (name: string) => program.getOptionValueSource(name) === "cli";
  const merged = { ...flags };
  if (merged.group === undefined && given("group")) merged.group = [program.opts().group];
  if (command.getOptionValueSource("auth") !== "cli" && given("auth")) {
    merged.auth = program.opts().auth;
  }
  if (merged.port === undefined && given("port")) merged.port = program.opts().port;
  if (!merged.jsonpp && given("jsonpp")) merged.jsonpp = true;
  return merged;
}

async function runPlayground(flags: PlaygroundFlags): Promise<void> {
  const { startPlayground, parsePlaygroundGroup } = await import("../playground/mod.ts");
  const groups = (flags.group ?? ["gracedb"]).map(parsePlaygroundGroup);
  if (flags.authFile !== undefined && !flags.writeAuth) {
    throw new CliExit(2, "--auth-file only applies together with --write-auth");
  }
  if (flags.oidc && !flags.auth) {
    throw new CliExit(2, "--oidc needs a credential; it cannot be combined with --no-auth");
  }
  if (flags.writeAuth && !flags.auth) {
    throw new CliExit(2, "--write-auth needs a credential; it cannot be combined with --no-auth");
  }
  const listening = flags.listen !== undefined && flags.listen !== false;
  const printFlags = { format: flags.format, jsonpp: flags.jsonpp ?? false };
  const conflict = printFlagsConflict(printFlags);
  if (conflict) throw new CliExit(2, conflict);
  const print = alertPrinter(printFlags);
  const tally = new AlertTally();
  const started = performance.now();
  const logger = stderrLogger("info", "igwn-alert playground");
  // A recording to publish instead of the simulator (see _playground_replay.ts), read first.
  const replay = flags.replay === undefined ? undefined : await loadReplay(flags, logger);
  const rate = flags.rate ??
    (flags.count === undefined && !flags.realtime ? DEFAULT_ENDLESS_RATE : undefined);

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  const encoder = new TextEncoder();
  const writeOut = (text: string) => {
    let bytes = encoder.encode(text);
    while (bytes.length) bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
  };
  const info = (text: string) => (listening ? logger.info(text) : writeOut(`${text}\n`));

  try {
    const playground = await startPlayground({
      host: flags.host,
      port: flags.port ?? (listening ? 0 : 9092),
      dataDir: flags.dataDir,
      noAuth: !flags.auth,
      oidc: flags.oidc ?? false,
      publicAlerts: flags.publicAlerts ?? false,
      writeAuth: flags.writeAuth ? (flags.authFile ?? true) : false,
      groups,
      seed: flags.seed,
      count: flags.count,
      rate,
      realtime: flags.realtime,
      ...(replay ? { simulate: false } : {}),
      listen: listening ? (flags.listen === true ? true : flags.listen) : undefined,
      onAlert: (alert) => {
        try {
          tally.add(alert);
          writeOut(print(alert));
        } catch (error) {
          if (error instanceof Deno.errors.BrokenPipe) stop.abort();
          else throw error;
        }
      },
      logger,
      brokerLogger: flags.verbose ? (line) => logger.info(line) : () => {},
      signal: stop.signal,
    });
    try {
      const { broker, server, credential } = playground;
      info(`playground broker listening on ${broker.url} (${broker.protocol})`);
      info(`server: ${server}`);
      if (credential) {
        info(`username: ${credential.username}`);
        info(`password: ${credential.password}`);
      }
      if (playground.tokenEndpoint) info(`token endpoint: ${playground.tokenEndpoint}`);
      if (playground.authFile) info(`credential stored in ${playground.authFile}`);
      if (replay) {
        info(replay.start(playground.server, credential, stop.signal));
      } else {
        info(
          `simulating ${groups.join(", ")} (seed ${playground.seed}${
            flags.count ? `, ${plural(flags.count, "lifecycle")}` : ""
          }${rate ? `, ${rate} per minute` : ""}${flags.realtime ? ", real time" : ""})`,
        );
      }
      if (!listening && playground.tokenEndpoint && !playground.authFile) {
        info(
          "OpenID Connect credentials are read from auth.toml: run with --write-auth, or add it " +
            "with igwn-alert auth add (the token endpoint above)",
        );
        info("stop with Ctrl-C");
      } else if (!listening) {
        info("listen from another terminal with:");
        info(
          `  ${
            listenCommandLine(server, groups[0], credential, playground.authFile, flags.authFile)
          }`,
        );
        info("stop with Ctrl-C");
      }
      const outcome = await Promise.race([
        playground.done.then((summary) => ({ summary })),
        new Promise<{ summary?: undefined }>((resolve) =>
          stop.signal.addEventListener("abort", () => resolve({}), { once: true })
        ),
      ]);
      if (outcome.summary) {
        const { alerts, lifecycles } = outcome.summary;
        logger.info(`published ${plural(alerts, "alert")} in ${plural(lifecycles, "lifecycle")}`);
        // Without a listener here, keep serving so other terminals can still read.
        if (!listening) {
          await new Promise((resolve) =>
            stop.signal.addEventListener("abort", resolve, { once: true })
          );
        }
      }
    } finally {
      await playground.close();
    }
    if (listening) writeStderr(`\n${tally.summary(performance.now() - started)}`);
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
  }
}

function listenCommandLine(
  server: string,
  group: string,
  credential: { username: string; password: string } | undefined,
  authFile: string | undefined,
  customAuthFile: string | undefined,
): string {
  const words: string[] = [];
  if (credential && !authFile) {
    words.push(`IGWN_ALERT_USER=${shellWord(credential.username)}`);
    words.push(`IGWN_ALERT_PASSWORD=${shellWord(credential.password)}`);
  }
  words.push(...programWords(), "--server", server);
  if (!credential) words.push("--no-auth");
  else if (!authFile) words.push("--no-tls");
  if (authFile && customAuthFile) words.push("--auth-file", authFile);
  if (group !== "gracedb") words.push("--group", group);
  words.push("listen");
  return words.map((w, i) => (i < 2 && w.includes("=") ? w : shellWord(w))).join(" ");
}
