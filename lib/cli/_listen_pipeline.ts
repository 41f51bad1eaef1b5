// The pipeline flags of `igwn-alert listen`: filters, a command per alert (--exec, --config),
// recording (--output), metrics (--metrics) and JSON logs. Everything a flag names is checked
// here, before the listener connects.

import { type Command, InvalidArgumentError, Option } from "commander";
import type { ClientOptions } from "../alert/client_options.ts";
import type { Alert, ListenOptions } from "../alert/listen_types.ts";
import type { ClientMetrics } from "../alert/metrics.ts";
import { writeStderr } from "./_output.ts";
import type { AlertFilter } from "../alert/filter.ts";
import { jsonLogger, type Logger, type LogLevel, stderrLogger } from "../hop/log.ts";
import { parseInteger, parseSeconds } from "./_connection_options.ts";

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--type new,update --type log` → `["new", "update", "log"]`. */
function collectList(value: string, previous: string[] | undefined): string[] {
  const items = value.split(",").map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError("give at least one name.");
  return [...(previous ?? []), ...items];
}

function parseFar(value: string): number {
  const number = value.trim() === "" ? NaN : Number(value);
  if (!Number.isFinite(number) || number < 0) {
    throw new InvalidArgumentError(`--far-max must be a rate in Hz >= 0, got '${value}'.`);
  }
  return number;
}

function parseHostPort(value: string): { hostname: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || !Number.isInteger(port) || port > 65535) {
    throw new InvalidArgumentError(
      `--metrics must be HOST:PORT (e.g. 127.0.0.1:9464), got '${value}'.`,
    );
  }
  return { hostname: match[1] ?? (match[2] || "0.0.0.0"), port };
}

/** Adds the pipeline flags to `listen`. */
export function addPipelineOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--type <types>", "only these alert types, comma-separated (e.g. new,update)")
        .argParser(collectList),
    )
    .addOption(
      new Option("--uid <pattern>", "only ids matching this pattern with * and ? (e.g. 'S*')")
        .argParser(collectList),
    )
    .addOption(new Option("--label <name>", "only objects with this label").argParser(collectList))
    .addOption(
      new Option("--without-label <name>", "only objects without this label")
        .argParser(collectList),
    )
    .addOption(
      new Option("--far-max <hz>", "only alerts with a FAR at most this").argParser(parseFar),
    )
    .option("--significant", "only alerts with a FAR under one per month")
    .addOption(
      new Option("--pipeline <name>", "only this pipeline (e.g. gstlal)").argParser(collectList),
    )
    .addOption(
      new Option("--search <name>", "only this search (e.g. AllSky)").argParser(collectList),
    )
    .addOption(
      new Option("--event-group <name>", "only this analysis group (CBC, Burst, ...)")
        .argParser(collectList),
    )
    .addOption(
      new Option(
        "--where <expr>",
        "only alerts for which the expression holds (see docs/pipelines.md)",
      )
        .argParser(collect),
    )
    .addOption(new Option("--exec <command>", "run COMMAND per alert, the alert's JSON on stdin"))
    .addOption(new Option("--config <file>", "TOML file mapping topics and filters to commands"))
    .addOption(
      new Option("--exec-timeout <seconds>", "stop a command running longer than this")
        .argParser(parseSeconds("--exec-timeout")),
    )
    .addOption(
      new Option("--retries <n>", "extra attempts per alert (default: until it succeeds)")
        .argParser(parseInteger("--retries", 0)),
    )
    .addOption(
      new Option("--concurrency <n>", "commands run at once (one at a time per superevent)")
        .argParser(parseInteger("--concurrency", 1)),
    )
    .addOption(
      new Option("--dead-letter <file>", "append alerts whose retries are spent to FILE (NDJSON)"),
    )
    .addOption(
      new Option("--output <file>", "append every alert with its metadata to FILE (NDJSON)"),
    )
    .addOption(
      new Option("--output-max-mb <mb>", "rotate the --output file at this size (default 100)")
        .argParser(parseInteger("--output-max-mb", 1)),
    )
    .addOption(
      new Option("--metrics <host:port>", "serve Prometheus metrics and /healthz")
        .argParser(parseHostPort),
    )
    .addOption(
      new Option("--health-max-lag <n>", "with --metrics: /healthz fails above this lag (1000)")
        .argParser(parseInteger("--health-max-lag", 0)),
    )
    .addOption(
      new Option("--log-format <format>", "stderr log lines as text or one JSON object per line")
        .choices(["text", "json"]),
    );
}

/** The flags' values, as commander gives them. */
interface PipelineFlags {
  type?: string[];
  uid?: string[];
  label?: string[];
  withoutLabel?: string[];
  farMax?: number;
  significant?: boolean;
  pipeline?: string[];
  search?: string[];
  eventGroup?: string[];
  where?: string[];
  exec?: string;
  config?: string;
  execTimeout?: number;
  retries?: number;
  concurrency?: number;
  deadLetter?: string;
  output?: string;
  outputMaxMb?: number;
  metrics?: { hostname: string; port: number };
  healthMaxLag?: number;
  logFormat?: "text" | "json";
}

/** What the flags add to a listener. */
export interface ListenPipeline extends AsyncDisposable {
  /** Client options the flags set (retries, dead letter). */
  clientOptions: Partial<ClientOptions>;
  /** Listen options the flags set (filter). */
  listenOptions: Partial<ListenOptions>;
  /** Topics to listen to when none are given on the command line (from --config). */
  topics: string[];
  /** Whether alerts are still printed on stdout (not with --exec or --config). */
  prints: boolean;
  /** Records and runs the commands for one alert; rejects when a command failed. */
  handle(alert: Alert): Promise<void>;
  /** Called once the client exists: starts the metrics server, if asked for. */
  attach(client: { metrics(): ClientMetrics }): Promise<void>;
}

/**
 * The logger for `--log-format`: warnings at every level but `critical`, as the text logger.
 */
export function pipelineLogger(level: LogLevel, format: "text" | "json" | undefined): Logger {
  const make = format === "json" ? jsonLogger : stderrLogger;
  const leveled = make(level, "igwn-alert");
  const warnings = make(level === "critical" ? "critical" : "warning", "igwn-alert");
  return { debug: leveled.debug, info: leveled.info, warn: warnings.warn, error: leveled.error };
}

/**
 * Writes a line that is shown whatever the log level (the ready line, where metrics are served)
 * to stderr: `igwn-alert: TEXT`, or under `--log-format json` an info object like the logger's.
 */
export function writeStatus(format: "text" | "json" | undefined, text: string): void {
  if (format === "json") jsonLogger("info", "igwn-alert").info(text);
  else writeStderr(`igwn-alert: ${text}\n`);
}

/** Reads the filter flags into an {@link AlertFilter}; undefined when none is given. */
export function filterFromFlags(flags: PipelineFlags): AlertFilter | undefined {
  const filter: AlertFilter = {
    ...(flags.type ? { alertType: flags.type } : {}),
    ...(flags.uid ? { uid: flags.uid } : {}),
    ...(flags.label ? { labels: flags.label } : {}),
    ...(flags.withoutLabel ? { withoutLabels: flags.withoutLabel } : {}),
    ...(flags.farMax !== undefined ? { farAtMost: flags.farMax } : {}),
    ...(flags.significant ? { significant: true } : {}),
    ...(flags.pipeline ? { pipeline: flags.pipeline } : {}),
    ...(flags.search ? { search: flags.search } : {}),
    ...(flags.eventGroup ? { eventGroup: flags.eventGroup } : {}),
    ...(flags.where ? { where: flags.where } : {}),
  };
  return Object.keys(filter).length ? filter : undefined;
}

/**
 * Checks the pipeline flags and prepares what they need (config file read, filters parsed,
 * output file opened), all before connecting. Throws one line naming the flag or file at fault.
 */
export async function listenPipeline(
  flags: PipelineFlags,
  logger: Logger,
): Promise<ListenPipeline> {
  const [{ matchAlert }, { AlertFilterError }, { parsePipelineConfig }, { splitCommandLine }] =
    await Promise.all([
      import("../alert/filter.ts"),
      import("../alert/filter_expression.ts"),
      import("../pipeline/config.ts"),
      import("../pipeline/exec.ts"),
    ]);
  const filter = filterFromFlags(flags);
  if (filter) {
    try {
      matchAlert(filter);
    } catch (error) {
      if (error instanceof AlertFilterError && error.expression !== undefined) {
        throw new Error(`--where: ${error.message}`);
      }
      throw error;
    }
  }
  if (flags.exec !== undefined && flags.config !== undefined) {
    throw new Error("--exec and --config cannot be used together: put the command in the config");
  }
  const routes = [];
  let retries = flags.retries;
  let deadLetter = flags.deadLetter;
  let timeoutMs = flags.execTimeout === undefined ? undefined : flags.execTimeout * 1000;
  if (flags.exec !== undefined) {
    let command;
    try {
      command = splitCommandLine(flags.exec);
    } catch (error) {
      throw new Error(`--exec: ${(error as Error).message}`);
    }
    routes.push({ line: flags.exec, command, filter: {} });
  }
  const topics = new Set<string>();
  if (flags.config !== undefined) {
    let text: string;
    try {
      text = await Deno.readTextFile(flags.config);
    } catch (error) {
      throw new Error(`--config ${flags.config}: ${(error as Error).message}`);
    }
    const config = parsePipelineConfig(text, flags.config);
    routes.push(...config.commands);
    retries ??= config.retries;
    deadLetter ??= config.deadLetter;
    timeoutMs ??= config.timeoutMs;
    // Every command names its topics: listen to those. One without topics wants them all.
    if (config.commands.every((route) => route.topics)) {
      for (const route of config.commands) for (const topic of route.topics!) topics.add(topic);
    }
  }
  // The compiled binary may run only the programs it was built for: say so now, not per alert.
  for (const { command } of routes) {
    const { state } = Deno.permissions.querySync({ name: "run", command: command.program });
    if (state !== "granted") {
      throw new Error(
        `this igwn-alert may not run '${command.program}': build it with ` +
          `'deno task compile --run /path/to/${command.program.replace(/^.*\//, "")}' ` +
          `(see docs/pipelines.md)`,
      );
    }
  }
  if (deadLetter !== undefined && retries === undefined) {
    throw new Error(
      "--dead-letter needs --retries N: alerts are retried until they succeed otherwise",
    );
  }

  const { AlertDispatcher } = await import("../pipeline/dispatch.ts");
  // Ctrl-C or SIGTERM also stops a running command, so that the listener ends with its alert
  // uncommitted instead of waiting for it.
  const stopper = new AbortController();
  const stopCommands = () => stopper.abort();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const dispatcher = routes.length
    ? new AlertDispatcher(routes, { timeoutMs, logger, signal: stopper.signal })
    : undefined;
  if (dispatcher) { for (const signal of signals) Deno.addSignalListener(signal, stopCommands); }
  let recorder: import("../pipeline/record.ts").Recorder | undefined;
  if (flags.output !== undefined) {
    const { Recorder } = await import("../pipeline/record.ts");
    recorder = new Recorder(flags.output, {
      maxBytes: (flags.outputMaxMb ?? 100) * 1024 * 1024,
    });
    try {
      await recorder.open();
    } catch (error) {
      throw new Error(`--output ${flags.output}: ${(error as Error).message}`);
    }
  }
  let metricsServer: { close(): Promise<void> } | undefined;
  const metricsAddress = flags.metrics;
  if (flags.healthMaxLag !== undefined && !metricsAddress) {
    throw new Error("--health-max-lag applies to the --metrics endpoint: give --metrics HOST:PORT");
  }

  return {
    clientOptions: {
      ...(retries !== undefined ? { handlerRetries: retries } : {}),
      ...(deadLetter !== undefined ? { deadLetter } : {}),
    },
    listenOptions: {
      ...(filter ? { filter } : {}),
      ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    },
    topics: [...topics],
    prints: !dispatcher,
    async handle(alert) {
      await recorder?.record(alert);
      await dispatcher?.dispatch(alert);
    },
    async attach(client) {
      if (!metricsAddress) return;
      const { serveMetrics } = await import("../pipeline/metrics_server.ts");
      let server;
      try {
        server = await serveMetrics(() => client.metrics(), {
          ...metricsAddress,
          maxLag: flags.healthMaxLag,
        });
      } catch (error) {
        throw new Error(
          `--metrics ${metricsAddress.hostname}:${metricsAddress.port}: ${
            (error as Error).message
          }`,
        );
      }
      metricsServer = server;
      const host = server.hostname.includes(":") ? `[${server.hostname}]` : server.hostname;
      const text = `metrics on http://${host}:${server.port}/metrics and /healthz`;
      writeStatus(flags.logFormat, text);
    },
    async [Symbol.asyncDispose]() {
      if (dispatcher) {
        for (const signal of signals) Deno.removeSignalListener(signal, stopCommands);
      }
      await recorder?.close();
      await metricsServer?.close();
    },
  };
}
