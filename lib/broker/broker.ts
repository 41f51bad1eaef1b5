/**
 * {@linkcode startBroker}: a single-node broker speaking the Kafka wire protocol over TCP or TLS,
 * with optional SASL, ACLs and persistence.
 *
 * @module
 */

import { Cluster, MAX_PARTITIONS, topicConfigProblem, topicNameProblem } from "./_cluster.ts";
import { AccessControl } from "./acl.ts";
import type { BrokerContext } from "./_context.ts";
import { serveConnection } from "./_connection.ts";
import { BrokerStartError } from "./errors.ts";
import { GroupCoordinator } from "./group_coordinator.ts";
import { OffsetStore } from "./offset_store.ts";
import { UserStore } from "./sasl.ts";

/**
 * A user allowed to authenticate with SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512).
 *
 * @example
 * ```ts
 * import type { BrokerUser } from "./broker.ts";
 * const alice: BrokerUser = { username: "alice", password: "secret" };
 * ```
 */
export interface BrokerUser {
  /** Login name; also the ACL principal. */
  username: string;
  /** Plain password; only salted SCRAM credentials are kept. */
  password: string;
}

/**
 * A topic to create at start-up: a name, or a name with partitions and config overrides.
 *
 * @example
 * ```ts
 * import type { BrokerTopic } from "./broker.ts";
 * const t: BrokerTopic = { name: "alerts", partitions: 2, config: { "retention.ms": "60000" } };
 * ```
 */
export type BrokerTopic = string | {
  /** Topic name. */
  name: string;
  /** Partition count (default 1). */
  partitions?: number;
  /** Topic config overrides such as `max.message.bytes`. */
  config?: Record<string, string>;
};

/**
 * Options of {@linkcode startBroker}. Every field is optional.
 *
 * @example
 * ```ts
 * import type { BrokerOptions } from "./broker.ts";
 * const options: BrokerOptions = { port: 0, topics: ["alerts"], autoCreateTopics: true };
 * ```
 */
export interface BrokerOptions {
  /** Address to listen on and to advertise (default "127.0.0.1"). */
  host?: string;
  /** Port (default 9092); 0 picks a free port. */
  port?: number;
  /** Directory for topic logs and committed offsets; in memory when omitted. */
  dataDir?: string;
  /** Users; a non-empty list turns SASL on. */
  users?: BrokerUser[];
  /** ACL specs "NAME:OPS:PATTERN" (OPS read, write or all; PATTERN a topic or prefix*). */
  acls?: string[];
  /** PEM certificate and key (inline or as files); turns TLS on. */
  tls?: { certFile?: string; keyFile?: string; cert?: string; key?: string };
  /** Topics created at start-up (existing persisted topics are kept). */
  topics?: BrokerTopic[];
  /** Create unknown topics named in Metadata requests (default false). */
  autoCreateTopics?: boolean;
  /**
   * How long the first join of an empty consumer group waits for more members, in ms. Default 0:
   * a group's first member is answered at once and later joiners trigger an ordinary rebalance,
   * so a lone consumer (the common case here) is ready without delay. A positive value lets
   * consumers started together land in one generation (Kafka's
   * `group.initial.rebalance.delay.ms`, 3000 there), extended while members keep arriving.
   */
  initialRebalanceDelayMs?: number;
  /** Receives log lines (default: stderr). */
  logger?: (line: string) => void;
  /** Aborting it closes the broker. */
  signal?: AbortSignal;
}

/**
 * A running broker. Closing it stops the listener, closes every connection and flushes logs.
 *
 * @example
 * ```ts
 * import { startBroker } from "./broker.ts";
 * await using broker = await startBroker({ port: 0 });
 * console.log(broker.url, broker.protocol);
 * ```
 */
export interface BrokerHandle extends AsyncDisposable {
  /** Host clients connect to. */
  readonly host: string;
  /** Port clients connect to. */
  readonly port: number;
  /** Kafka security protocol of the listener. */
  readonly protocol: "PLAINTEXT" | "SSL" | "SASL_PLAINTEXT" | "SASL_SSL";
  /** `kafka://HOST:PORT`. */
  readonly url: string;
  /** `HOST:PORT` bootstrap addresses. */
  readonly addresses: string[];
  /** Creates a topic (no error when it already exists). */
  createTopic(name: string, partitions?: number, config?: Record<string, string>): Promise<void>;
  /** Stops the broker; safe to call twice. */
  close(): Promise<void>;
}

function stderrLog(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`broker: ${line}\n`));
}

async function readPem(
  inline: string | undefined,
  file: string | undefined,
  what: string,
): Promise<string> {
  if (inline) return inline;
  if (!file) {
    throw new BrokerStartError(`TLS needs both a certificate and a key; the ${what} is missing`);
  }
  try {
    return await Deno.readTextFile(file);
  } catch (e) {
    throw new BrokerStartError(`cannot read TLS ${what} file ${file}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function validateTopicSpec(name: string, partitions: number, config: Record<string, string>): void {
  const problem = topicNameProblem(name);
  if (problem) throw new BrokerStartError(problem);
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
    throw new BrokerStartError(
      `topic ${name}: partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${partitions}`,
    );
  }
  for (const [key, value] of Object.entries(config)) {
    const configProblem = topicConfigProblem(key, value);
    if (configProblem) throw new BrokerStartError(`topic ${name}: ${configProblem}`);
  }
}

/**
 * Starts a broker and resolves once it accepts connections.
 *
 * @param options listener, security, storage and topic settings
 * @returns a handle with the address and `close()`; supports `await using`
 * @throws {BrokerStartError} when the port is in use, a certificate cannot be read, or an option is invalid
 * @example
 * ```ts
 * import { startBroker } from "./broker.ts";
 * const broker = await startBroker({ port: 0, topics: [{ name: "alerts", partitions: 2 }] });
 * console.log(`bootstrap: ${broker.addresses[0]}`);
 * await broker.close();
 * ```
 */
export async function startBroker(options: BrokerOptions = {}): Promise<BrokerHandle> {
  const host = options.host ?? "127.0.0.1";
  const requestedPort = options.port ?? 9092;
  const log = options.logger ?? stderrLog;
  const users = options.users ?? [];
  const topicSpecs = (options.topics ?? []).map((t) =>
    typeof t === "string" ? { name: t, partitions: 1, config: {} } : {
      name: t.name,
      partitions: t.partitions ?? 1,
      config: t.config ?? {},
    }
  );
  for (const t of topicSpecs) validateTopicSpec(t.name, t.partitions, t.config);
  const initialRebalanceDelayMs = options.initialRebalanceDelayMs ?? 0;
  if (!Number.isFinite(initialRebalanceDelayMs) || initialRebalanceDelayMs < 0) {
    throw new BrokerStartError(
      `initialRebalanceDelayMs ${initialRebalanceDelayMs}: expected a number of ms >= 0`,
    );
  }
  const userStore = await UserStore.create(users);
  const acl = AccessControl.parse(options.acls ?? [], userStore.usernames);

  let tlsPem: { cert: string; key: string } | undefined;
  if (options.tls) {
    tlsPem = {
      cert: await readPem(options.tls.cert, options.tls.certFile, "certificate"),
      key: await readPem(options.tls.key, options.tls.keyFile, "key"),
    };
  }

  let listener: Deno.Listener;
  try {
    listener = tlsPem
      ? Deno.listenTls({ hostname: host, port: requestedPort, cert: tlsPem.cert, key: tlsPem.key })
      : Deno.listen({ hostname: host, port: requestedPort });
  } catch (e) {
    if (e instanceof Deno.errors.AddrInUse) {
      throw new BrokerStartError(`address ${host}:${requestedPort} is already in use`, {
        cause: e,
      });
    }
    if (e instanceof Deno.errors.AddrNotAvailable) {
      throw new BrokerStartError(`address ${host} is not available on this machine`, { cause: e });
    }
    const detail = (e as Error).message;
    throw new BrokerStartError(
      tlsPem
        ? `cannot start TLS listener on ${host}:${requestedPort}: ${detail}`
        : `cannot listen on ${host}:${requestedPort}: ${detail}`,
      { cause: e },
    );
  }
  const port = (listener.addr as Deno.NetAddr).port;
  const advertisedHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;

  const closing = new AbortController();
  const cluster = new Cluster({ dataDir: options.dataDir, log });
  let offsets: OffsetStore | undefined;
  let groups: GroupCoordinator | undefined;
  try {
    await cluster.load();
    for (const t of topicSpecs) {
      if (!cluster.topics.has(t.name)) await cluster.createTopic(t.name, t.partitions, t.config);
    }
    offsets = await OffsetStore.open(options.dataDir);
    groups = new GroupCoordinator({ offsets, initialRebalanceDelayMs, logger: log });
  } catch (e) {
    listener.close();
    await cluster.close();
    await offsets?.close();
    if (e instanceof BrokerStartError) throw e;
    throw new BrokerStartError(
      `cannot open data directory ${options.dataDir}: ${(e as Error).message}`,
      { cause: e },
    );
  }

  let producerIds = Math.floor(Date.now() / 1000) % 1_000_000 * 1000;
  const ctx: BrokerContext = {
    cluster,
    nodeId: 0,
    host: advertisedHost,
    port,
    clusterId: "igwn-alert-local-kafka",
    autoCreateTopics: options.autoCreateTopics ?? false,
    acl,
    users: userStore,
    saslEnabled: userStore.enabled,
    tls: tlsPem !== undefined,
    groups,
    offsets,
    closing: closing.signal,
    log,
    nextProducerId: () => producerIds++,
  };

  const connections = new Set<Deno.Conn>();
  const serving = new Set<Promise<void>>();
  const acceptLoop = (async () => {
    try {
      for await (const conn of listener) {
        if (closing.signal.aborted) {
          conn.close();
          break;
        }
        try {
          (conn as Deno.TcpConn).setNoDelay?.(true);
        } catch { /* TLS connections may not expose it */ }
        connections.add(conn);
        const task = serveConnection(ctx, conn).finally(() => {
          connections.delete(conn);
          serving.delete(task);
        });
        serving.add(task);
      }
    } catch (e) {
      if (!closing.signal.aborted) {
        log(`listener on ${host}:${port} failed: ${(e as Error).message}`);
      }
    }
  })();

  const protocol = tlsPem
    ? (ctx.saslEnabled ? "SASL_SSL" : "SSL")
    : (ctx.saslEnabled ? "SASL_PLAINTEXT" : "PLAINTEXT");
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      closing.abort();
      try {
        listener.close();
      } catch { /* already closed */ }
      for (const conn of connections) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
      await acceptLoop;
      // Held JoinGroup/SyncGroup requests keep their connections busy until the coordinator
      // answers them, so it closes first (answering them) and the connections can then finish.
      await groups!.close();
      await Promise.allSettled([...serving]);
      await cluster.close();
      await offsets!.close();
    })();
    return closed;
  };
  options.signal?.addEventListener("abort", () => void close(), { once: true });
  if (options.signal?.aborted) await close();

  return {
    host: advertisedHost,
    port,
    protocol,
    url: `kafka://${advertisedHost}:${port}`,
    addresses: [`${advertisedHost}:${port}`],
    async createTopic(name, partitions = 1, config = {}) {
      validateTopicSpec(name, partitions, config);
      await cluster.createTopic(name, partitions, config);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
