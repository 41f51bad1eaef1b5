/**
 * {@linkcode startBroker}: a single-node broker speaking the Kafka wire protocol over TCP or TLS,
 * with optional SASL, ACLs and persistence.
 *
 * @module
 */

import {
  Cluster,
  MAX_PARTITIONS,
  RETENTION_CHECK_INTERVAL_MS,
  topicConfigProblem,
  topicNameProblem,
} from "./_cluster.ts";
import { AccessControl } from "./acl.ts";
import type { BrokerContext } from "./_context.ts";
import { denoTransport, serveConnection, type Transport } from "./_connection.ts";
import type { PendingTlsConnection, TlsListener } from "./_tls_transport.ts";
import { type BrokerClock, systemClock } from "./clock.ts";
import { BrokerFaults } from "./faults.ts";
import { MAX_FRAME_SIZE } from "../protocol/frames.ts";
import { BrokerStartError } from "./errors.ts";
import { GroupCoordinator } from "./group_coordinator.ts";
import { OffsetStore } from "./offset_store.ts";
import { SASL_MECHANISMS, UserStore } from "./sasl.ts";
import type { OAuthBearerOptions } from "./oauth_bearer.ts";

/**
 * A user allowed to authenticate with SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Auth } from "../hop/auth.ts";
 * import { listTopics } from "../hop/list_topics.ts";
 * import { type BrokerUser, startBroker } from "./broker.ts";
 * const alice: BrokerUser = { username: "alice", password: "secret" };
 * const users = [alice];
 * await using broker = await startBroker({ port: 0, users, topics: ["t"], logger: () => {} });
 * assert.equal(broker.protocol, "SASL_PLAINTEXT");
 * const auth = new Auth({ ...alice, protocol: "SASL_PLAINTEXT" });
 * assert.deepEqual(await listTopics(broker.url, { auth }), ["t"]);
 * const wrong = new Auth({ username: "alice", password: "wrong", protocol: "SASL_PLAINTEXT" });
 * await assert.rejects(listTopics(broker.url, { auth: wrong }), { name: "AuthenticationError" });
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
 * import assert from "node:assert/strict";
 * import { KafkaAdmin } from "../kafka/admin.ts";
 * import { type BrokerTopic, startBroker } from "./broker.ts";
 * const topics: BrokerTopic[] = ["plain", { name: "alerts", partitions: 2 }];
 * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
 * const admin = await KafkaAdmin.connect({ brokers: broker.addresses });
 * try {
 *   assert.deepEqual(await admin.listTopics(), ["alerts", "plain"]);
 *   assert.equal((await admin.watermarks("alerts")).length, 2);
 * } finally {
 *   await admin.close();
 * }
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
 * import assert from "node:assert/strict";
 * import { listTopics } from "../hop/list_topics.ts";
 * import { type BrokerOptions, startBroker } from "./broker.ts";
 * import { BrokerStartError } from "./errors.ts";
 * const options: BrokerOptions = { host: "127.0.0.1", port: 0, topics: ["a", "b"] };
 * await using broker = await startBroker({ ...options, logger: () => {} });
 * assert.deepEqual(broker.addresses, [`127.0.0.1:${broker.port}`]);
 * assert.deepEqual(await listTopics(broker.url, { auth: false }), ["a", "b"]);
 * const invalid: BrokerOptions = { port: 0, initialRebalanceDelayMs: -1, logger: () => {} };
 * await assert.rejects(startBroker(invalid), BrokerStartError);
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
  /**
   * Accept SASL OAUTHBEARER with signed JWTs (RS256 or ES256) checked against this key, audience
   * and issuer; turns SASL on. The token's `sub` is the principal (ACLs then name subjects), and
   * its `exp` ends the session unless the client re-authenticates (KIP-368). See
   * `startTokenEndpoint` for an issuer.
   */
  oauthBearer?: OAuthBearerOptions;
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
  /**
   * Smallest session timeout a consumer group member may ask for, in ms (Kafka's
   * `group.min.session.timeout.ms`; default 1000 here, 6000 in Kafka, so that clients may use
   * short sessions and notice a restarted broker quickly). Shorter ones get
   * `INVALID_SESSION_TIMEOUT` (26).
   */
  groupMinSessionTimeoutMs?: number;
  /**
   * Largest session timeout a member may ask for, in ms (Kafka's `group.max.session.timeout.ms`,
   * default 1800000).
   */
  groupMaxSessionTimeoutMs?: number;
  /**
   * Largest request accepted, in bytes (Kafka's `socket.request.max.bytes`, default 104857600 =
   * 100 MiB). A request announcing more, or a negative size, closes its connection with one log
   * line. Requests on a connection are read one at a time, so this also bounds the bytes buffered
   * per connection (plus a 64 KiB read buffer).
   */
  maxRequestBytes?: number;
  /**
   * Most client connections open at once (default 1000). Further connections are accepted and
   * closed at once; the broker logs one line when it starts refusing and one when it accepts
   * again.
   */
  maxConnections?: number;
  /**
   * A connection that sent nothing and has no request in progress for this long is closed, in
   * ms (Kafka's `connections.max.idle.ms`, default 600000 = 10 minutes; `Infinity` never).
   */
  idleTimeoutMs?: number;
  /**
   * Where the broker measures time: group sessions and rebalances, idle connections, delayed
   * faults. Default the system clock; tests pass a `ManualClock` and advance it. A Fetch's
   * `max_wait_ms` and record timestamps always follow real time, so clients keep polling as usual.
   */
  clock?: BrokerClock;
  /**
   * `retention.bytes` of every partition whose topic does not set its own, in memory only (with
   * `dataDir` nothing is deleted). Default 268435456 (256 MiB) per partition, so that a broker
   * left running stays bounded; -1 keeps everything. Batches are deleted whole, oldest first,
   * while the rest still hold at least this many bytes, and the log start offset follows.
   * `retention.ms` (Kafka's default 7 days, or the topic's) counts from when the broker stored a
   * batch, on its `clock`, and is checked every 30 s and on every produce.
   */
  retentionBytes?: number;
  /**
   * Bytes that the in-memory partitions of topics without a `retention.bytes` of their own may
   * hold together (ignored with `dataDir`). Default 536870912 (512 MiB); -1 sets no limit. When a
   * produce takes the total beyond it, the oldest batches of the whole broker (in the order it
   * stored them, whatever their partition) are deleted first, as long as the rest still hold at
   * least this many bytes, and each partition's log start offset follows, as with
   * `retention.bytes`: ListOffsets for the earliest offset answers the new start, and a Fetch
   * below it gets `OFFSET_OUT_OF_RANGE`. Topics that set `retention.bytes` are bounded by that
   * alone; `retention.ms` applies as well.
   */
  memoryBudgetBytes?: number;
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
 * import assert from "node:assert/strict";
 * import { startBroker } from "./broker.ts";
 * await using broker = await startBroker({ port: 0, logger: () => {} });
 * assert.equal(broker.url, `kafka://127.0.0.1:${broker.port}`);
 * assert.equal(broker.protocol, "PLAINTEXT");
 * // An outage on the same port: connections are closed and refused until resume().
 * await broker.pause();
 * using conn = await Deno.connect({ hostname: "127.0.0.1", port: broker.port });
 * assert.equal(await conn.read(new Uint8Array(8)).catch(() => null), null);
 * broker.resume();
 * assert.equal(broker.paused, false);
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
  /** Fault injection and request waiters for tests; see {@linkcode BrokerFaults}. */
  readonly faults: BrokerFaults;
  /** Client connections open now. */
  readonly openConnections: number;
  /** Whether the broker is paused (see {@linkcode BrokerHandle.pause}). */
  readonly paused: boolean;
  /**
   * Simulates an outage without giving up the port: closes every client connection and, until
   * {@linkcode BrokerHandle.resume}, closes new ones as soon as they are accepted. Topics, offsets
   * and groups stay (members expire as their sessions run out). Safe to call twice.
   */
  pause(): Promise<void>;
  /** Serves new connections again after {@linkcode BrokerHandle.pause}. */
  resume(): void;
  /** Stops the broker; safe to call twice. */
  close(): Promise<void>;
}

/** How long the accept loop waits after a failed accept that is not a single peer's problem. */
const ACCEPT_RETRY_MS = 100;
/** Accept failures are logged at most once per this many ms. */
const ACCEPT_FAILURE_REPORT_MS = 10_000;

async function checkOAuthBearerKey(options: OAuthBearerOptions): Promise<void> {
  const key = options.publicKey;
  if (key instanceof CryptoKey) {
    if (key.type !== "public" || !["RSASSA-PKCS1-v1_5", "ECDSA"].includes(key.algorithm.name)) {
      throw new BrokerStartError("oauthBearer.publicKey must be an RSA or ECDSA public key");
    }
    return;
  }
  const params = key?.kty === "RSA"
    ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }
    : key?.kty === "EC"
    ? { name: "ECDSA", namedCurve: "P-256" }
    : undefined;
  if (!params) throw new BrokerStartError("oauthBearer.publicKey must be an RSA or EC P-256 JWK");
  const { d: _d, key_ops: _ops, ...pub } = key;
  try {
    await crypto.subtle.importKey("jwk", pub, params, false, ["verify"]);
  } catch (error) {
    throw new BrokerStartError(`oauthBearer.publicKey: ${(error as Error).message}`);
  }
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
 * import assert from "node:assert/strict";
 * import { startBroker } from "./broker.ts";
 * const broker = await startBroker({
 *   port: 0,
 *   topics: [{ name: "alerts", partitions: 2 }],
 *   logger: () => {},
 * });
 * assert.deepEqual(broker.addresses, [`127.0.0.1:${broker.port}`]);
 * assert.ok(broker.port > 0);
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
  const positive = (
    name: string,
    value: number | undefined,
    fallback: number,
    integer: boolean,
  ) => {
    const v = value ?? fallback;
    if (!(v > 0) || (integer && !Number.isInteger(v))) {
      throw new BrokerStartError(
        `${name} ${value}: expected a${integer ? "n integer" : " number"} greater than 0`,
      );
    }
    return v;
  };
  const maxRequestBytes = positive(
    "maxRequestBytes",
    options.maxRequestBytes,
    MAX_FRAME_SIZE,
    true,
  );
  const maxConnections = positive("maxConnections", options.maxConnections, 1000, true);
  const idleTimeoutMs = positive("idleTimeoutMs", options.idleTimeoutMs, 600_000, false);
  const minSessionTimeoutMs = positive(
    "groupMinSessionTimeoutMs",
    options.groupMinSessionTimeoutMs,
    1000,
    false,
  );
  const maxSessionTimeoutMs = positive(
    "groupMaxSessionTimeoutMs",
    options.groupMaxSessionTimeoutMs,
    1_800_000,
    false,
  );
  if (minSessionTimeoutMs > maxSessionTimeoutMs) {
    throw new BrokerStartError(
      `groupMinSessionTimeoutMs ${minSessionTimeoutMs} is above groupMaxSessionTimeoutMs ${maxSessionTimeoutMs}`,
    );
  }
  if (
    options.retentionBytes !== undefined &&
    !(Number.isSafeInteger(options.retentionBytes) && options.retentionBytes >= -1)
  ) {
    throw new BrokerStartError(
      `retentionBytes ${options.retentionBytes}: expected an integer >= -1 (-1: no limit)`,
    );
  }
  if (
    options.memoryBudgetBytes !== undefined &&
    !(Number.isSafeInteger(options.memoryBudgetBytes) && options.memoryBudgetBytes >= -1)
  ) {
    throw new BrokerStartError(
      `memoryBudgetBytes ${options.memoryBudgetBytes}: expected an integer >= -1 (-1: no limit)`,
    );
  }
  const clock = options.clock ?? systemClock;
  const userStore = await UserStore.create(users);
  if (options.oauthBearer) await checkOAuthBearerKey(options.oauthBearer);
  const acl = AccessControl.parse(
    options.acls ?? [],
    options.oauthBearer ? undefined : userStore.usernames,
  );
  const saslMechanisms = [
    ...(userStore.enabled ? SASL_MECHANISMS : []),
    ...(options.oauthBearer ? ["OAUTHBEARER"] : []),
  ];

  let tlsPem: { cert: string; key: string } | undefined;
  if (options.tls) {
    tlsPem = {
      cert: await readPem(options.tls.cert, options.tls.certFile, "certificate"),
      key: await readPem(options.tls.key, options.tls.keyFile, "key"),
    };
  }

  // Connections reaching the TLS listener before the broker is ready are refused.
  let onTlsConnection = (connection: PendingTlsConnection) => connection.refuse();
  let listener: Deno.Listener | undefined;
  let tlsListener: TlsListener | undefined;
  try {
    if (tlsPem) {
      // Loaded only for TLS, so that plaintext brokers do not load node:net and node:tls.
      const { listenTls } = await import("./_tls_transport.ts");
      tlsListener = await listenTls(
        { host, port: requestedPort, cert: tlsPem.cert, key: tlsPem.key },
        (connection) => onTlsConnection(connection),
      );
    } else {
      listener = Deno.listen({ hostname: host, port: requestedPort });
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (e instanceof Deno.errors.AddrInUse || code === "EADDRINUSE") {
      throw new BrokerStartError(`address ${host}:${requestedPort} is already in use`, {
        cause: e,
      });
    }
    if (e instanceof Deno.errors.AddrNotAvailable || code === "EADDRNOTAVAIL") {
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
  const closeListener = async () => {
    try {
      listener?.close();
    } catch { /* already closed */ }
    await tlsListener?.close();
  };
  const port = tlsListener ? tlsListener.port : (listener!.addr as Deno.NetAddr).port;
  const advertisedHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;

  const closing = new AbortController();
  const cluster = new Cluster({
    dataDir: options.dataDir,
    log,
    retentionBytes: options.retentionBytes,
    memoryBudgetBytes: options.memoryBudgetBytes,
  });
  let offsets: OffsetStore | undefined;
  let groups: GroupCoordinator | undefined;
  try {
    await cluster.load();
    for (const t of topicSpecs) {
      if (!cluster.topics.has(t.name)) await cluster.createTopic(t.name, t.partitions, t.config);
    }
    offsets = await OffsetStore.open(options.dataDir);
    groups = new GroupCoordinator({
      offsets,
      initialRebalanceDelayMs,
      minSessionTimeoutMs,
      maxSessionTimeoutMs,
      logger: log,
      clock,
    });
  } catch (e) {
    await closeListener();
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
    saslEnabled: saslMechanisms.length > 0,
    saslMechanisms,
    oauthBearer: options.oauthBearer,
    tls: tlsPem !== undefined,
    groups,
    offsets,
    closing: closing.signal,
    clock,
    faults: new BrokerFaults({ clock, closing: closing.signal }),
    maxRequestBytes,
    idleTimeoutMs,
    log,
    nextProducerId: () => producerIds++,
  };

  const connections = new Set<Transport>();
  const serving = new Set<Promise<void>>();
  let paused = false;
  let refused = 0;
  /** Serves a new connection, or refuses it while paused or at the connection limit. */
  const admit = (open: () => Transport, refuse: () => void) => {
    if (paused) {
      refused++;
      refuse();
      return;
    }
    if (connections.size >= maxConnections) {
      if (refused === 0) {
        log(
          `refusing connections: ${connections.size} are open, the most allowed ` +
            `(maxConnections ${maxConnections})`,
        );
      }
      refused++;
      refuse();
      return;
    }
    if (refused > 0) {
      log(`accepting connections again after refusing ${refused}`);
      refused = 0;
    }
    const transport = open();
    connections.add(transport);
    const task = serveConnection(ctx, transport).finally(() => {
      connections.delete(transport);
      serving.delete(task);
    });
    serving.add(task);
  };
  const admitDeno = (conn: Deno.Conn) =>
    admit(() => {
      try {
        (conn as Deno.TcpConn).setNoDelay(true);
      } catch { /* the peer may already be gone */ }
      return denoTransport(conn);
    }, () => {
      try {
        conn.close();
      } catch { /* already closed */ }
    });
  onTlsConnection = (connection) => {
    if (closing.signal.aborted) connection.refuse();
    else admit(connection.open, connection.refuse);
  };
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const acceptLoop = (async () => {
    if (!listener) return;
    // Failures to accept (such as running out of file descriptors) are reported at most once per
    // ACCEPT_FAILURE_REPORT_MS, with how many happened since, so a flood yields a few lines.
    let lastReport = -Infinity;
    let unreported = 0;
    while (!closing.signal.aborted) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (e) {
        if (closing.signal.aborted) break;
        // A peer that reset or vanished between connecting and being accepted concerns only
        // itself; the listener keeps serving everyone else.
        if (
          e instanceof Deno.errors.NotConnected || e instanceof Deno.errors.ConnectionReset ||
          e instanceof Deno.errors.ConnectionAborted || e instanceof Deno.errors.Interrupted
        ) {
          continue;
        }
        if (e instanceof Deno.errors.BadResource) {
          log(`listener on ${host}:${port} was closed: ${(e as Error).message}`);
          break;
        }
        // Anything else (such as running out of file descriptors) may pass: retry shortly rather
        // than spinning.
        unreported++;
        if (performance.now() - lastReport >= ACCEPT_FAILURE_REPORT_MS) {
          log(
            `accepting connections on ${host}:${port} failed: ${(e as Error).message}; ` +
              `retrying every ${ACCEPT_RETRY_MS} ms` +
              (unreported > 1 ? ` (${unreported} failures since the last report)` : ""),
          );
          lastReport = performance.now();
          unreported = 0;
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(retryTimer);
            closing.signal.removeEventListener("abort", done);
            resolve();
          };
          retryTimer = setTimeout(done, ACCEPT_RETRY_MS);
          closing.signal.addEventListener("abort", done, { once: true });
        });
        continue;
      }
      if (closing.signal.aborted) {
        conn.close();
        break;
      }
      admitDeno(conn);
    }
  })();

  const closeConnections = () => {
    for (const conn of connections) conn.close();
  };
  let retentionTimer: ReturnType<typeof clock.setTimeout> | undefined;
  const checkRetention = () => {
    cluster.enforceRetention(clock.now());
    retentionTimer = clock.setTimeout(checkRetention, RETENTION_CHECK_INTERVAL_MS);
  };
  if (cluster.retains) {
    retentionTimer = clock.setTimeout(checkRetention, RETENTION_CHECK_INTERVAL_MS);
  }
  const protocol = tlsPem
    ? (ctx.saslEnabled ? "SASL_SSL" : "SSL")
    : (ctx.saslEnabled ? "SASL_PLAINTEXT" : "PLAINTEXT");
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      closing.abort();
      if (retentionTimer !== undefined) clock.clearTimeout(retentionTimer);
      // A node:net server finishes closing only once its connections are gone.
      const listenerClosed = closeListener();
      closeConnections();
      await listenerClosed;
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
    faults: ctx.faults,
    get openConnections() {
      return connections.size;
    },
    get paused() {
      return paused;
    },
    pause() {
      if (!paused) {
        paused = true;
        log(`paused: closing ${connections.size} connection(s) and refusing new ones`);
        closeConnections();
      }
      return Promise.resolve();
    },
    resume() {
      if (!paused || closing.signal.aborted) return;
      paused = false;
      log(`resumed after refusing ${refused} connection(s)`);
      refused = 0;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
