/**
 * The Kafka client's configuration, made from a {@linkcode KafkaConnection}: brokers with the
 * default port, SASL, TLS with an optional CA file, timeouts, the log bridge and the retry budget
 * (derived from the {@linkcode RetryPolicy} here and nowhere else).
 *
 * @module
 */
import process from "node:process";
import {
  Kafka,
  type KafkaConfig,
  logLevel as KafkaLogLevel,
  type RetryOptions,
  type SASLOptions,
} from "kafkajs";
import { classifyKafkaError, type ErrorContext, redact } from "./classify.ts";
import { registerCompressionCodecs } from "./compression.ts";
import { installIdleTimerFix } from "./_idle_timer_fix.ts";
import { missingTokenProviderError, unknownMechanismError } from "./_sasl_client.ts";
import { ConnectionError, InvalidCredentialError, type KafkaError } from "./errors.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry_policy.ts";
import { processSystemTrust } from "./trust_store.ts";
import type { KafkaConnection, KafkaCredential } from "./types.ts";

/** Default port of Kafka brokers when an address names none. */
export const DEFAULT_KAFKA_PORT = 9092;

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How long a request may wait for its answer unless `requestTimeoutMs` says otherwise, in ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Adds the default port to a broker address that has none (`host` -> `host:9092`).
 *
 * @param address `host`, `host:port` or `[v6]:port`
 * @returns the address with a port
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withDefaultPort } from "./client_config.ts";
 * assert.equal(withDefaultPort("kafka.example.org"), "kafka.example.org:9092");
 * assert.equal(withDefaultPort("127.0.0.1:9093"), "127.0.0.1:9093");
 * ```
 */
export function withDefaultPort(address: string): string {
  return /:\d+$/.test(address) && !/^\[[^\]]*$/.test(address)
    ? address
    : `${address}:${DEFAULT_KAFKA_PORT}`;
}

/** The longest wait between two retries inside the Kafka client, in ms. */
export const KAFKA_CLIENT_MAX_RETRY_MS = 1_000;

/**
 * The Kafka client's retry settings for a policy: its back-off shape and `kafkaRetries` attempts,
 * each wait at most {@linkcode KAFKA_CLIENT_MAX_RETRY_MS}.
 *
 * @param policy the retry timing
 * @returns the client's retry options
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kafkaJsRetry } from "./client_config.ts";
 * import { DEFAULT_RETRY_POLICY } from "./retry_policy.ts";
 * assert.equal(kafkaJsRetry({ ...DEFAULT_RETRY_POLICY, kafkaRetries: 1 }).retries, 1);
 * assert.equal(kafkaJsRetry(DEFAULT_RETRY_POLICY).maxRetryTime, 1_000);
 * ```
 */
export function kafkaJsRetry(policy: RetryPolicy): RetryOptions {
  return {
    initialRetryTime: policy.initialDelayMs,
    // The client's retries are nested (a connection's inside a request's inside the consumer's),
    // so long waits multiply; the long back-off belongs to the callers, which reconnect.
    maxRetryTime: Math.min(policy.maxDelayMs, KAFKA_CLIENT_MAX_RETRY_MS),
    factor: policy.jitter,
    multiplier: 2,
    retries: policy.kafkaRetries,
  };
}

// The client's request queue calls setTimeout with a negative delay when it is not throttled
// (unless the idle timer fix is in force), and Deno's timers report that as a
// TimeoutNegativeWarning on stderr; it is harmless noise.
let negativeTimeoutWarningFiltered = false;
function filterNegativeTimeoutWarning(): void {
  if (negativeTimeoutWarningFiltered) return;
  negativeTimeoutWarningFiltered = true;
  const emitWarning = process.emitWarning;
  process.emitWarning = function (warning: unknown, ...rest: unknown[]) {
    const name = warning instanceof Error ? warning.name : rest[0];
    if (name === "TimeoutNegativeWarning") return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
}

function saslFor(credential: KafkaCredential): SASLOptions {
  const { username, password } = credential;
  switch (credential.mechanism) {
    case "PLAIN":
      return { mechanism: "plain", username, password };
    case "SCRAM-SHA-256":
      return { mechanism: "scram-sha-256", username, password };
    case "SCRAM-SHA-512":
      return { mechanism: "scram-sha-512", username, password };
    case "OAUTHBEARER": {
      const provider = credential.tokenProvider;
      if (provider) {
        return {
          mechanism: "oauthbearer",
          oauthBearerProvider: async () => ({ value: (await provider()).value }),
        };
      }
      throw missingTokenProviderError(credential);
    }
    default:
      throw unknownMechanismError(credential);
  }
}

/**
 * The certificate authorities a TLS connection of a credential trusts: the CA file's, or the
 * system's, and how error messages name that set.
 *
 * @param credential the credential (its `tls` and `caFile`)
 * @returns PEM certificates (none: the runtime's own roots) and their description; undefined
 *   without TLS
 * @throws {InvalidCredentialError} when the CA file cannot be read
 */
export async function tlsTrust(
  credential: KafkaCredential,
): Promise<{ ca: string[]; trust: string } | undefined> {
  if (!credential.tls) return undefined;
  if (!credential.caFile) {
    const system = processSystemTrust();
    return { ca: system.certificates, trust: system.description };
  }
  let ca: string;
  try {
    ca = await Deno.readTextFile(credential.caFile);
  } catch (error) {
    throw new InvalidCredentialError(
      `cannot read the CA certificate file ${credential.caFile} of credential '${credential.username}': ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
  return { ca: [ca], trust: `the public roots and the CA file ${credential.caFile}` };
}

/** TLS settings of a credential for the Kafka client, and the CA set they trust. */
async function tlsFor(
  credential: KafkaCredential,
): Promise<{ ssl: KafkaConfig["ssl"]; trust?: string }> {
  const tls = await tlsTrust(credential);
  if (!tls) return { ssl: undefined };
  return {
    ssl: tls.ca.length ? { rejectUnauthorized: true, ca: tls.ca } : { rejectUnauthorized: true },
    trust: tls.trust,
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v));
  } catch {
    return "";
  }
}

/** A Kafka client made from a connection, with what error texts and deadlines need. */
export interface KafkaClient {
  /** The client. */
  kafka: Kafka;
  /** Brokers (with ports), credential and action, for error messages. */
  context: ErrorContext;
  /** Time budget for connecting, in ms. */
  connectTimeoutMs: number;
  /** The retry timing in force. */
  retry: RetryPolicy;
  /** The last connection failure the client reported, if any (it retries them by itself). */
  lastConnectionError(): Error | undefined;
}

/** The Kafka client's name for a failed connection, as it throws it. */
const CONNECTION_ERROR_NAME = "KafkaJSConnectionError";

/**
 * Makes a Kafka client for a connection (also registers the compression codecs).
 *
 * @param connection brokers, credential, timeouts, logger and retry policy
 * @param action what the client is for, named in error messages (e.g. "writing")
 * @returns the client and its error context
 * @throws {InvalidCredentialError} when the CA file cannot be read or the mechanism is unknown
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createKafkaClient } from "./client_config.ts";
 * const client = await createKafkaClient({ brokers: ["kafka.example.org"] }, "reading");
 * assert.deepEqual(client.context.brokers, ["kafka.example.org:9092"]);
 * ```
 */
export async function createKafkaClient(
  connection: KafkaConnection,
  action: string,
): Promise<KafkaClient> {
  filterNegativeTimeoutWarning();
  registerCompressionCodecs();
  const brokers = connection.brokers.map(withDefaultPort);
  const connectTimeoutMs = connection.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const retry = connection.retry ?? DEFAULT_RETRY_POLICY;
  const { logger, credential } = connection;
  await installIdleTimerFix(logger);
  let lastConnectionError: Error | undefined;
  const config: KafkaConfig = {
    clientId: connection.clientId ?? "igwn-alert",
    brokers,
    connectionTimeout: Math.min(connectTimeoutMs, 5_000),
    authenticationTimeout: connectTimeoutMs,
    requestTimeout: connection.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    retry: kafkaJsRetry(retry),
    logLevel: logger ? KafkaLogLevel.WARN : KafkaLogLevel.ERROR,
    logCreator: () => ({ namespace, level, label, log }) => {
      if (namespace === "Connection" && level === KafkaLogLevel.ERROR) {
        lastConnectionError = Object.assign(new Error(String(log.message)), {
          name: CONNECTION_ERROR_NAME,
        });
      }
      if (!logger) return;
      const { message, timestamp: _t, logger: _l, stack: _s, ...extra } = log;
      const details = Object.keys(extra).length ? ` ${safeJson(extra)}` : "";
      logger.debug(redact(`kafkajs ${label} [${namespace}] ${message}${details}`, credential));
    },
  };
  let trust: string | undefined;
  if (credential) {
    config.sasl = saslFor(credential);
    ({ ssl: config.ssl, trust } = await tlsFor(credential));
  }
  return {
    kafka: new Kafka(config),
    context: { brokers, credential, action, ...(trust ? { trust } : {}) },
    connectTimeoutMs,
    retry,
    lastConnectionError: () => lastConnectionError,
  };
}

/**
 * The error for a connection that did not come up within its time budget: the last connection
 * failure the client retried, classified (an untrusted certificate, a refused connection), or a
 * timeout naming the brokers.
 *
 * @param client the client that was connecting
 * @returns the classified failure, or a transient {@linkcode ConnectionError}
 */
export function connectTimeoutError(client: KafkaClient): KafkaError {
  const last = client.lastConnectionError();
  if (last) return classifyKafkaError(last, client.context);
  const hint = client.context.credential?.tls
    ? "check the address and port"
    : "check the address and port, and whether the broker expects TLS";
  return new ConnectionError(
    `timed out after ${client.connectTimeoutMs} ms connecting to Kafka at ${
      client.context.brokers.join(",")
    } (${hint})`,
    { kind: "transient" },
  );
}

/**
 * Runs `work` but gives up after `ms`, calling `abandon` so that no socket is left behind.
 *
 * @param work the operation
 * @param ms time budget
 * @param onTimeout makes the error thrown on timeout
 * @param abandon cleans up after a timeout or failure
 * @returns what `work` resolved to
 */
export async function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => KafkaError,
  abandon: () => Promise<unknown>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } catch (error) {
    work.catch(() => {});
    await abandon().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
