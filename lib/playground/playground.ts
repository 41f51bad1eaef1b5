/**
 * The offline playground: the project's broker with GraceDB's topic layout, a credential, the
 * lifecycle simulator publishing into it and, optionally, a listener in the same process.
 *
 * @module
 */
import type { Alert } from "../alert/listen_types.ts";
import { startBroker, startTokenEndpoint, type TokenEndpointHandle } from "../broker/mod.ts";
import { PUBLIC_ALERT_TOPIC } from "../alert/public_alert.ts";
import { Auth } from "../hop/auth.ts";
import { loadAuth, writeAuth } from "../hop/auth_file.ts";
import { AuthFileNotFoundError } from "../hop/errors.ts";
import type { Logger } from "../hop/log.ts";
import type { Producer } from "../hop/stream.ts";
import { Arrivals } from "./_arrivals.ts";
import { PlaygroundOptionError, publishLifecycles, type PublishSummary } from "./publish.ts";
import type { SimulatedStep } from "./simulate.ts";
import {
  graceDbTopics,
  parsePlaygroundGroup,
  PLAYGROUND_GROUPS,
  type PlaygroundGroup,
} from "./topics.ts";

/**
 * Options of {@linkcode startPlayground}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Alert } from "../alert/listen_types.ts";
 * import { type PlaygroundOptions, startPlayground } from "./playground.ts";
 * const alerts: Alert[] = [];
 * const options: PlaygroundOptions = {
 *   port: 0, count: 1, seed: 1, groups: ["gracedb-playground"], listen: ["superevent"],
 *   onAlert: (alert) => alerts.push(alert), brokerLogger: () => {},
 * };
 * await using playground = await startPlayground(options);
 * assert.equal((await playground.done).lifecycles, 1);
 * assert.equal(alerts[0].payload.alert_type, "new");
 * assert.ok(alerts.every((alert) => alert.fullTopic === "gracedb-playground.superevent"));
 * ```
 */
export interface PlaygroundOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port; 0 picks a free one. Default 9092. */
  port?: number;
  /** Keep topics, alerts and offsets here across runs. Default: in memory. */
  dataDir?: string;
  /** No SASL: anyone may connect over PLAINTEXT. Default false. */
  noAuth?: boolean;
  /**
   * OpenID Connect instead of SCRAM: a local token endpoint issues signed JWTs for the
   * client-credentials grant (client id `username`, secret `password`), and the broker accepts
   * them with SASL OAUTHBEARER. Default false.
   */
  oidc?: boolean;
  /**
   * Also publish GCN's public notices (`igwn.gwalert`, see `publicAlertOf`) for the simulated
   * superevents; the topic is created. Default false.
   */
  publicAlerts?: boolean;
  /** Lifetime of the OIDC tokens, in seconds. Default 3600. */
  tokenLifetimeSeconds?: number;
  /** Username of the broker's only user (with `oidc`: the client id). Default `playground`. */
  username?: string;
  /** Its password. Default: generated for this run. */
  password?: string;
  /**
   * Store the credential in hop's auth.toml (`true`: the default file; a string: that file),
   * replacing an entry with the same username and hostname.
   */
  writeAuth?: boolean | string;
  /** Groups the simulator publishes to (all three get topics). Default `["gracedb"]`. */
  groups?: readonly (PlaygroundGroup | string)[];
  /** Run the simulator. Default true. */
  simulate?: boolean;
  /** Simulation seed; same seed, same alerts. Default: a random one. */
  seed?: number | string;
  /** Lifecycles to publish; default: no end. */
  count?: number;
  /** Lifecycles per minute (see {@linkcode PublishOptions.rate}). */
  rate?: number;
  /** GraceDB-like delays between alerts. */
  realtime?: boolean;
  /** Simulated clock start; default: fixed with a seed, now without one. */
  startTime?: Date | number;
  /**
   * Listen in this process: `true` for every topic, or topic names without the group prefix.
   * Alerts are then published one at a time, each once the listener has it, so that output is
   * reproducible.
   */
  listen?: boolean | readonly string[];
  /** Receives each listened alert, in publication order. */
  onAlert?: (alert: Alert) => void;
  /** Progress and warnings of the simulator and listener. */
  logger?: Logger;
  /** Where the broker's own log lines go. Default: standard error. */
  brokerLogger?: (line: string) => void;
  /** Aborting shuts the playground down. */
  signal?: AbortSignal;
}

/**
 * Where the playground's broker listens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PlaygroundBroker } from "./playground.ts";
 * const broker: PlaygroundBroker = {
 *   host: "127.0.0.1",
 *   port: 9092,
 *   protocol: "SASL_PLAINTEXT",
 *   url: "kafka://127.0.0.1:9092",
 * };
 * assert.equal(broker.url, `kafka://${broker.host}:${broker.port}`);
 * ```
 */
export interface PlaygroundBroker {
  /** Address it listens on. */
  readonly host: string;
  /** Port it listens on. */
  readonly port: number;
  /** Security protocol clients must use. */
  readonly protocol: "PLAINTEXT" | "SSL" | "SASL_PLAINTEXT" | "SASL_SSL";
  /** `kafka://HOST:PORT`. */
  readonly url: string;
}

/**
 * A running playground. `done` settles when the simulator has published `count` lifecycles
 * (and the listener has received them all); closing stops everything.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { startPlayground } from "./playground.ts";
 * await using playground = await startPlayground({
 *   port: 0,
 *   count: 1,
 *   seed: 1,
 *   brokerLogger: () => {},
 * });
 * assert.strictEqual(playground.server, `kafka://127.0.0.1:${playground.broker.port}/`);
 * assert.strictEqual(playground.credential?.username, "playground");
 * assert.strictEqual((await playground.done).lifecycles, 1);
 * ```
 */
export interface PlaygroundHandle extends AsyncDisposable {
  /** Where the playground's broker listens. */
  readonly broker: PlaygroundBroker;
  /** Server URL for clients, `kafka://HOST:PORT/`. */
  readonly server: string;
  /** The user clients log in as; undefined with `noAuth`. */
  readonly credential?: Auth;
  /** With `oidc`: the local token endpoint's URL (also the credential's `tokenEndpoint`). */
  readonly tokenEndpoint?: string;
  /** The auth.toml written, when `writeAuth` was asked for. */
  readonly authFile?: string;
  /** Groups the simulator publishes to. */
  readonly groups: readonly PlaygroundGroup[];
  /** The simulation seed in use. */
  readonly seed: string;
  /** Settles when publishing (and listening for it) is over. */
  readonly done: Promise<PublishSummary>;
  /** Stops the simulator and listener, then the broker. */
  close(): Promise<void>;
}

function generatePassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}

async function checkDataDir(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    const probe = `${dir}/.playground-write-check-${crypto.randomUUID()}`;
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (error) {
    throw new PlaygroundOptionError(
      `data directory ${dir} is not writable: ${(error as Error).message.split("\n")[0]}`,
    );
  }
}

async function storeCredential(auth: Auth, path: string | undefined): Promise<string> {
  let existing: Auth[] = [];
  try {
    existing = await loadAuth(path);
  } catch (error) {
    if (!(error instanceof AuthFileNotFoundError) && !(error instanceof Deno.errors.NotFound)) {
      throw error;
    }
  }
  const kept = existing.filter((c) =>
    !(c.username === auth.username && c.hostname === auth.hostname)
  );
  return await writeAuth([...kept, auth], path);
}

/**
 * Bytes each in-memory partition of the playground's broker keeps (`retention.bytes`): a few
 * hundred alerts per topic, for `--earliest` readers, while the broker's own default (256 MiB per
 * partition, over 174 topics) would let a fast playground grow by about 90 MB a minute.
 */
const PLAYGROUND_RETENTION_BYTES = 4 * 1024 * 1024;

/**
 * Bytes all in-memory topics of the playground's broker keep together (`memoryBudgetBytes`),
 * oldest alerts deleted first: the pipeline topics' alerts of about 350 lifecycles (an hour and a
 * half at the default pace) beside the superevent topic's 4 MiB. At 600 lifecycles a minute it is
 * full within a minute, so a fast playground's memory levels off early instead of growing until
 * every one of its 19 busy topics holds its 4 MiB.
 */
const PLAYGROUND_MEMORY_BUDGET_BYTES = 32 * 1024 * 1024;

/**
 * Starts the playground: the broker (in memory or in `dataDir`) with the topic layout of
 * `gracedb`, `gracedb-playground` and `gracedb-test`, a user with a generated password (unless
 * `noAuth`), an auth.toml entry when asked, the simulator, and an optional listener.
 *
 * @param options where to listen, credentials, simulation and pacing
 * @returns the running playground
 * @throws {UnknownGroupError} for a group other than the three above
 * @throws {PlaygroundOptionError} for a bad rate or an unwritable data directory
 * @throws {BrokerStartError} when the port is in use
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { startPlayground } from "./playground.ts";
 *
 * const received: string[] = [];
 * await using playground = await startPlayground({
 *   port: 0,
 *   seed: 1,
 *   count: 2,
 *   listen: ["superevent"],
 *   onAlert: (alert) => received.push(alert.fullTopic),
 *   brokerLogger: () => {},
 * });
 * await playground.done;
 * assert.ok(received.length > 0);
 * assert.ok(received.every((topic) => topic === "gracedb.superevent"));
 * ```
 */
export async function startPlayground(options: PlaygroundOptions = {}): Promise<PlaygroundHandle> {
  const groups = [
    ...new Set((options.groups?.length ? options.groups : ["gracedb"]).map(parsePlaygroundGroup)),
  ];
  if (options.rate !== undefined && !(Number.isFinite(options.rate) && options.rate > 0)) {
    throw new PlaygroundOptionError(
      `rate must be a positive number of lifecycles per minute, got ${options.rate}`,
    );
  }
  if (options.count !== undefined && !(Number.isInteger(options.count) && options.count >= 0)) {
    throw new PlaygroundOptionError(
      `count must be a whole number of lifecycles, got ${options.count}`,
    );
  }
  if (Array.isArray(options.listen)) {
    const known = new Set(graceDbTopics("").map((t) => t.slice(1)));
    const unknown = options.listen.filter((topic) => !known.has(topic));
    if (unknown.length) {
      throw new PlaygroundOptionError(
        `no playground topic is named ${unknown.map((t) => `"${t}"`).join(", ")} ` +
          `(topics are given without the group prefix, e.g. superevent, cbc_gstlal, burst_cwb_allsky)`,
      );
    }
  }
  if (options.dataDir !== undefined) await checkDataDir(options.dataDir);
  const host = options.host ?? "127.0.0.1";
  const username = options.username ?? "playground";
  const password = options.password ?? generatePassword();
  const seed = String(options.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]);
  const startTime = options.startTime ?? (options.seed === undefined ? Date.now() : undefined);
  const logger = options.logger;
  // Client and producer chatter (group ids, connection notes) stays out of the progress lines.
  const quiet = logger && { ...logger, info() {}, debug() {} };

  const oidc = options.oidc === true && !options.noAuth;
  let endpoint: TokenEndpointHandle | undefined;
  if (oidc) {
    endpoint = await startTokenEndpoint({
      host,
      clients: [{ clientId: username, clientSecret: password }],
      lifetimeSeconds: options.tokenLifetimeSeconds,
      logger: options.brokerLogger,
    });
  }
  let broker;
  try {
    broker = await startBroker({
      host,
      port: options.port ?? 9092,
      dataDir: options.dataDir,
      users: options.noAuth || oidc ? undefined : [{ username, password }],
      oauthBearer: endpoint && { publicKey: endpoint.publicKey, audience: endpoint.audience },
      topics: [
        ...PLAYGROUND_GROUPS.flatMap((group) => graceDbTopics(group)),
        ...(options.publicAlerts ? [PUBLIC_ALERT_TOPIC] : []),
      ],
      // In memory, a playground left running at a high rate keeps a bounded log.
      ...(options.dataDir === undefined
        ? {
          retentionBytes: PLAYGROUND_RETENTION_BYTES,
          memoryBudgetBytes: PLAYGROUND_MEMORY_BUDGET_BYTES,
        }
        : {}),
      logger: options.brokerLogger,
    });
  } catch (error) {
    await endpoint?.close();
    throw error;
  }
  const server = `kafka://${broker.host}:${broker.port}/`;
  const credential = options.noAuth ? undefined : new Auth({
    username,
    password,
    hostname: `${broker.host}:${broker.port}`,
    protocol: "SASL_PLAINTEXT",
    ...(endpoint ? { tokenEndpoint: endpoint.url } : { mechanism: "SCRAM-SHA-512" }),
  });

  const stopping = new AbortController();
  const clients: { stop(): void; [Symbol.asyncDispose](): Promise<void> }[] = [];
  const listeners: Promise<void>[] = [];
  let producer: Producer | undefined;
  let authFile: string | undefined;
  const onAbort = () => stopping.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stopping.abort();

  let closing: Promise<void> | undefined;
  const shutDown = () => closing ??= closeAll();
  const closeAll = async () => {
    options.signal?.removeEventListener("abort", onAbort);
    stopping.abort();
    for (const client of clients) client.stop();
    await Promise.allSettled(listeners);
    await Promise.allSettled(clients.map((client) => client[Symbol.asyncDispose]()));
    await producer?.close().catch((error) =>
      logger?.warn(`closing the publisher: ${error.message}`)
    );
    await broker.close();
    await endpoint?.close();
  };

  try {
    if (options.writeAuth && credential) {
      authFile = await storeCredential(
        credential,
        typeof options.writeAuth === "string" ? options.writeAuth : undefined,
      );
    }

    let listened: Set<string> | undefined;
    const arrivals = new Arrivals();
    let listenerFailure: Promise<never> | undefined;
    if (options.listen) {
      const { Client } = await import("../alert/client.ts");
      const names = options.listen === true ? undefined : [...options.listen];
      listened = new Set();
      const ready: Promise<void>[] = [];
      const failures: Promise<never>[] = [];
      for (const group of groups) {
        const topics = names ?? graceDbTopics(group).map((t) => t.slice(group.length + 1));
        for (const topic of topics) listened.add(`${group}.${topic}`);
        const client = new Client({
          server,
          group,
          ...(credential ? { auth: [credential] } : { noAuth: true }),
          logger: quiet,
        });
        clients.push(client);
        let resolveReady!: () => void;
        ready.push(new Promise<void>((resolve) => (resolveReady = resolve)));
        const listening = client.listen(
          (_topic, _payload, alert) => {
            options.onAlert?.(alert);
            arrivals.arrive(alert.fullTopic);
          },
          topics,
          { onReady: () => resolveReady(), signal: stopping.signal },
        );
        listeners.push(listening);
        failures.push(listening.then(
          () => new Promise<never>(() => {}),
          (error) => {
            arrivals.fail(error as Error);
            return Promise.reject(error);
          },
        ));
      }
      listenerFailure = Promise.race(failures);
      listenerFailure.catch(() => {});
      const aborted = new Promise<void>((resolve) =>
        stopping.signal.aborted
          ? resolve()
          : stopping.signal.addEventListener("abort", () => resolve(), { once: true })
      );
      await Promise.race([Promise.all(ready), listenerFailure, aborted]);
      logger?.info(`listening to ${listened.size} topics`);
    }

    let done: Promise<PublishSummary>;
    if (options.simulate === false) {
      done = new Promise((resolve) =>
        stopping.signal.addEventListener(
          "abort",
          () => resolve({ lifecycles: 0, alerts: 0, aborted: true }),
          { once: true },
        )
      );
    } else {
      const { openStream } = await import("../hop/stream.ts");
      producer = await openStream(server, "w", { auth: credential ?? false, logger: quiet });
      const onPublished = listened
        ? (step: SimulatedStep) =>
          listened.has(step.topic) ? arrivals.next(step.topic, stopping.signal) : undefined
        : undefined;
      done = publishLifecycles(producer, {
        seed,
        groups,
        count: options.count,
        startTime,
        rate: options.rate,
        realtime: options.realtime,
        signal: stopping.signal,
        onPublished,
        publicAlerts: options.publicAlerts,
        logger,
      });
    }
    done.catch(() => {});

    return {
      broker,
      server,
      credential,
      tokenEndpoint: endpoint?.url,
      authFile,
      groups,
      seed,
      done,
      close: shutDown,
      [Symbol.asyncDispose]: shutDown,
    };
  } catch (error) {
    await shutDown().catch(() => {});
    throw error;
  }
}
