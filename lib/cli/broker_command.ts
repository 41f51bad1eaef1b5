/**
 * `igwn-alert broker`: runs the local Kafka-protocol broker until SIGINT or SIGTERM.
 *
 * @module
 */

import { Command } from "commander";
import { type BrokerOptions, type BrokerUser, startBroker } from "../broker/mod.ts";

export type { BrokerUser };

/**
 * A `broker` command-line value has the wrong syntax. The message names the flag and the value
 * (never a password).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { BrokerArgumentError } from "./broker_command.ts";
 * const e = new BrokerArgumentError("--topic alerts:x: partitions must be a positive integer");
 * assert.ok(e instanceof Error);
 * assert.strictEqual(e.message, "--topic alerts:x: partitions must be a positive integer");
 * ```
 */
export class BrokerArgumentError extends Error {
  /**
   * Creates the error.
   *
   * @param message what is wrong, naming the flag
   */
  constructor(message: string) {
    super(message);
    this.name = "BrokerArgumentError";
  }
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Parses `--user NAME:PASSWORD` (the password may itself contain `:`).
 *
 * @param spec the flag value
 * @returns the user
 * @throws {BrokerArgumentError} when the name or password is missing
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseUserSpec } from "./broker_command.ts";
 * assert.deepStrictEqual(parseUserSpec("alice:s3cret"), { username: "alice", password: "s3cret" });
 * ```
 */
export function parseUserSpec(spec: string): BrokerUser {
  const colon = spec.indexOf(":");
  const username = colon < 0 ? spec : spec.slice(0, colon);
  if (colon <= 0 || colon === spec.length - 1) {
    throw new BrokerArgumentError(
      `--user ${username || "(empty)"}: expected NAME:PASSWORD with a non-empty name and password`,
    );
  }
  return { username, password: spec.slice(colon + 1) };
}

/**
 * Parses `--topic NAME[:PARTITIONS]`.
 *
 * @param spec the flag value
 * @returns the topic name and partition count
 * @throws {BrokerArgumentError} when the name is empty or the partition count is not a positive integer
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseTopicSpec } from "./broker_command.ts";
 * assert.deepStrictEqual(parseTopicSpec("igwn.gwalert:2"), { name: "igwn.gwalert", partitions: 2 });
 * ```
 */
export function parseTopicSpec(spec: string): { name: string; partitions: number } {
  const colon = spec.lastIndexOf(":");
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const count = colon < 0 ? "1" : spec.slice(colon + 1);
  if (!name) throw new BrokerArgumentError(`--topic ${spec}: expected NAME[:PARTITIONS]`);
  if (!/^[1-9]\d{0,3}$/.test(count)) {
    throw new BrokerArgumentError(`--topic ${spec}: partitions must be a positive integer`);
  }
  return { name, partitions: Number(count) };
}

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new BrokerArgumentError(`--port ${value}: expected a number from 0 to 65535`);
  }
  return Number(value);
}

const BYTE_UNITS: Record<string, number> = { "": 1, K: 1 << 10, M: 1 << 20, G: 1 << 30 };

function parseMemoryBudget(value: string): number {
  if (value === "-1") return -1;
  const match = /^(\d{1,12})([KMG]?)(?:i?B)?$/i.exec(value);
  const bytes = match ? Number(match[1]) * BYTE_UNITS[match[2].toUpperCase()] : NaN;
  if (!Number.isSafeInteger(bytes)) {
    throw new BrokerArgumentError(
      `--memory-budget ${value}: expected bytes, optionally with K, M or G (KiB, MiB, GiB), ` +
        "or -1 for no limit",
    );
  }
  return bytes;
}

function parseDelay(value: string): number {
  if (!/^\d{1,9}$/.test(value)) {
    throw new BrokerArgumentError(
      `--initial-rebalance-delay-ms ${value}: expected a whole number of milliseconds`,
    );
  }
  return Number(value);
}

/**
 * Builds the `broker` subcommand.
 *
 * @returns the commander command; its action resolves after a clean shutdown
 * @example
 * ```ts ignore
 * import { brokerCommand } from "./broker_command.ts";
 * await brokerCommand().parseAsync(["--port", "0", "--topic", "alerts:2"], { from: "user" });
 * ```
 */
export function brokerCommand(): Command {
  return new Command("broker")
    .summary("run a local Kafka-protocol broker (for tests and offline playgrounds)")
    .description(
      "Run a local single-node Kafka-protocol broker until SIGINT or SIGTERM. Prints " +
        "'listening on URL (PROTOCOL)' on standard output once it accepts connections.",
    )
    .option("--host <host>", "address to listen on and advertise", "127.0.0.1")
    .option("--port <port>", "port to listen on (0 = any free port)", parsePort, 9092)
    .option("--data-dir <dir>", "persist topics and committed offsets here (default: memory)")
    .option(
      "--memory-budget <bytes>",
      "in memory: what all partitions may hold together before the oldest batches go, " +
        "e.g. 64M (-1: no limit; default 512M)",
      parseMemoryBudget,
    )
    .option("--user <name:password>", "SASL user (repeatable; turns SASL on)", collect)
    .option(
      "--acl <name:ops:pattern>",
      "ACL, OPS read|write|all, PATTERN topic or prefix*",
      collect,
    )
    .option("--tls-cert <file>", "PEM certificate (TLS listener)")
    .option("--tls-key <file>", "PEM private key (TLS listener)")
    .option("--topic <name[:partitions]>", "topic to create at start (repeatable)", collect)
    .option("--auto-create-topics", "create unknown topics named in Metadata requests")
    .option(
      "--initial-rebalance-delay-ms <ms>",
      "how long a new consumer group's first join waits for more members",
      parseDelay,
      0,
    )
    .action(async (flags: {
      host: string;
      port: number;
      dataDir?: string;
      memoryBudget?: number;
      user?: string[];
      acl?: string[];
      tlsCert?: string;
      tlsKey?: string;
      topic?: string[];
      autoCreateTopics?: boolean;
      initialRebalanceDelayMs: number;
    }) => {
      if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) {
        throw new BrokerArgumentError("--tls-cert and --tls-key must be given together");
      }
      const options: BrokerOptions = {
        host: flags.host,
        port: flags.port,
        dataDir: flags.dataDir,
        ...(flags.memoryBudget !== undefined ? { memoryBudgetBytes: flags.memoryBudget } : {}),
        users: (flags.user ?? []).map(parseUserSpec),
        acls: flags.acl ?? [],
        topics: (flags.topic ?? []).map(parseTopicSpec),
        autoCreateTopics: flags.autoCreateTopics ?? false,
        initialRebalanceDelayMs: flags.initialRebalanceDelayMs,
        tls: flags.tlsCert ? { certFile: flags.tlsCert, keyFile: flags.tlsKey } : undefined,
      };
      const broker = await startBroker(options);
      const stopped = Promise.withResolvers<void>();
      const stop = () => stopped.resolve();
      Deno.addSignalListener("SIGINT", stop);
      Deno.addSignalListener("SIGTERM", stop);
      try {
        await Deno.stdout.write(
          new TextEncoder().encode(`listening on ${broker.url} (${broker.protocol})\n`),
        );
        await stopped.promise;
      } finally {
        Deno.removeSignalListener("SIGINT", stop);
        Deno.removeSignalListener("SIGTERM", stop);
        await broker.close();
      }
    });
}
