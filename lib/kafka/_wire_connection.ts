/**
 * One connection to one broker, spoken directly in Kafka's protocol: TCP or TLS, the api versions
 * the broker supports, SASL authentication, then requests answered in order of their correlation
 * ids. Used where the Kafka client's own decoding is the cost (reading a backlog to its end).
 *
 * @module
 */
import { connect as connectTls, type TLSSocket } from "node:tls";
import { socketStream } from "../_socket_stream.ts";
import { ApiKey, ErrorCode } from "../protocol/api.ts";
import { readFrames } from "../protocol/frames.ts";
import {
  type ApiVersionRange,
  decodeApiVersionsResponse,
} from "../protocol/messages/api_versions.ts";
import {
  decodeSaslAuthenticateResponse,
  decodeSaslHandshakeResponse,
} from "../protocol/messages/sasl.ts";
import { ProtocolReader } from "../protocol/reader.ts";
import { ProtocolWriter } from "../protocol/writer.ts";
import {
  classifyKafkaError,
  connectionFailure,
  type ErrorContext,
  isTlsCertificateText,
  redact,
} from "./classify.ts";
import { withDeadline } from "./client_config.ts";
import { AuthenticationError, ConnectionError, type KafkaError } from "./errors.ts";
import { authenticateSasl } from "./_sasl_client.ts";
import type { KafkaCredential } from "./types.ts";

/** How to open a {@linkcode WireConnection}. */
export interface WireConnectionOptions {
  /** Credential; none means PLAINTEXT without SASL. */
  credential?: KafkaCredential;
  /** PEM certificates to trust for TLS (none: the runtime's own roots). */
  caCerts?: string[];
  /** The CA set trusted, as named in TLS error messages. */
  trust?: string;
  /** Client id sent with every request. */
  clientId: string;
  /** Budget for TCP, TLS, api versions and SASL together, in ms. */
  connectTimeoutMs: number;
  /** Budget for one request, in ms. */
  requestTimeoutMs: number;
  /** What the connection is for, named in error messages (e.g. "reading"). */
  action: string;
}

/** Kafka error codes that classification turns into their own kinds (authentication, ...). */
const CLASSIFIED_CODES = new Set<number>([
  ErrorCode.SaslAuthenticationFailed,
  ErrorCode.IllegalSaslState,
  ErrorCode.UnsupportedSaslMechanism,
  ErrorCode.TopicAuthorizationFailed,
  ErrorCode.GroupAuthorizationFailed,
  ErrorCode.ClusterAuthorizationFailed,
  ErrorCode.UnknownTopicOrPartition,
  ErrorCode.UnsupportedVersion,
]);

/** Kafka's names of the codes in {@linkcode ErrorCode} (`NotLeaderOrFollower` -> `NOT_LEADER_OR_FOLLOWER`). */
const ERROR_NAMES = new Map<number, string>(
  Object.entries(ErrorCode).map(([name, code]) => [
    code,
    name.replace(/(?<=[a-z])(?=[A-Z])/g, "_").toUpperCase(),
  ]),
);

/**
 * Kafka's name of an error code, or `error code N` for one not named here.
 *
 * @param code the code
 * @returns the name
 */
export function kafkaErrorName(code: number): string {
  return ERROR_NAMES.get(code) ?? `error code ${code}`;
}

/**
 * Whether an error code is one that classification gives a kind of its own (authentication,
 * authorization, a missing topic, an unsupported version): waiting does not make it pass.
 *
 * @param code the code
 * @returns true for those codes
 */
export function isClassifiedCode(code: number): boolean {
  return CLASSIFIED_CODES.has(code);
}

/**
 * A Kafka error code as the error {@linkcode classifyKafkaError} makes of it.
 *
 * @param code the code
 * @param message the broker's text, if any
 * @param context who, where and what
 * @returns the classified error (codes other than those classification knows are transient)
 */
export function kafkaCodeError(
  code: number,
  message: string | null,
  context: ErrorContext,
): KafkaError {
  const type = kafkaErrorName(code);
  const cause = Object.assign(new Error(message ?? type), { type, retriable: true });
  const error = classifyKafkaError(cause, context);
  if (isClassifiedCode(code)) return error;
  return new ConnectionError(error.message, { cause, code, kind: "transient" });
}

/** The byte stream under a connection: plain TCP, or TLS. */
interface ByteStream {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
}

/**
 * A TLS connection through the runtime's Node-compatible TLS, which verifies certificates as
 * the Kafka client's connections do (a self-signed certificate named as the CA file is trusted
 * as the broker's own).
 */
async function openTls(
  host: string,
  port: number,
  ca: string[] | undefined,
  signal: AbortSignal,
): Promise<ByteStream> {
  const socket: TLSSocket = connectTls({
    host,
    port,
    servername: /^[\d.]+$|:/.test(host) ? undefined : host,
    rejectUnauthorized: true,
    ...(ca ? { ca } : {}),
  });
  // A handshake the peer never finishes is abandoned when the connection's time is up.
  const abandon = () => socket.destroy(new Error("the TLS handshake did not finish in time"));
  signal.addEventListener("abort", abandon, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", () => resolve());
      socket.once("error", reject);
    });
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    signal.removeEventListener("abort", abandon);
  }
  // Requests are single writes; they go out at once rather than waiting for an ACK.
  socket.setNoDelay(true);
  return socketStream(socket);
}

/** A connection to one broker; see the module documentation. */
export class WireConnection {
  readonly #conn: ByteStream;
  readonly #options: WireConnectionOptions;
  readonly #context: ErrorContext;
  readonly #peer: { host: string; port: number };
  readonly #pending = new Map<number, {
    resolve(frame: Uint8Array): void;
    reject(error: KafkaError): void;
  }>();
  #versions = new Map<number, ApiVersionRange>();
  #nextCorrelationId = 1;
  #failure?: KafkaError;
  #writing: Promise<void> = Promise.resolve();

  private constructor(
    conn: ByteStream,
    options: WireConnectionOptions,
    context: ErrorContext,
    peer: { host: string; port: number },
  ) {
    this.#peer = peer;
    this.#conn = conn;
    this.#options = options;
    this.#context = context;
    void this.#readAnswers();
  }

  /** Whether the connection failed or was closed (requests fail at once). */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** The broker's address, `host:port`. */
  get address(): string {
    return this.#context.brokers[0];
  }

  /** The host and port connected to, as given to {@linkcode WireConnection.open}. */
  get peer(): { host: string; port: number } {
    return this.#peer;
  }

  /**
   * Connects, reads the broker's api versions and authenticates.
   *
   * @param host broker host
   * @param port broker port
   * @param options credential, TLS trust, time budgets
   * @returns the open connection
   * @throws {KafkaError} classified: a refused or lost connection is transient, a failed
   *   authentication or an untrusted certificate is not
   */
  static async open(
    host: string,
    port: number,
    options: WireConnectionOptions,
  ): Promise<WireConnection> {
    const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    const context: ErrorContext = {
      brokers: [address],
      credential: options.credential,
      action: options.action,
      ...(options.trust ? { trust: options.trust } : {}),
    };
    let connection: WireConnection | undefined;
    const expired = new AbortController();
    const opening = (async () => {
      let conn: ByteStream;
      try {
        conn = options.credential?.tls
          ? await openTls(host, port, options.caCerts, expired.signal)
          : await Deno.connect({ hostname: host, port });
      } catch (error) {
        throw WireConnection.#lost(error, context, false);
      }
      connection = new WireConnection(conn, options, context, { host, port });
      await connection.#negotiate();
      return connection;
    })();
    return await withDeadline(
      opening,
      options.connectTimeoutMs,
      () =>
        new ConnectionError(
          `timed out after ${options.connectTimeoutMs} ms connecting to Kafka at ${address}`,
          { kind: "transient" },
        ),
      () => {
        // A handshake still under way is abandoned; a connection made later is closed.
        expired.abort();
        connection?.close();
        opening.then((c) => c.close(), () => {});
        return Promise.resolve();
      },
    );
  }

  static #lost(error: unknown, context: ErrorContext, closed: boolean): KafkaError {
    const reason = redact(
      error instanceof Error ? error.message : String(error),
      context.credential,
    );
    // An untrusted certificate does not pass by waiting; anything else about the connection may.
    const kind = isTlsCertificateText(reason) ? "fatal" : "transient";
    // Given a TLS text or a transient kind, there is always an answer.
    return connectionFailure(reason, context, closed, { cause: error, kind })!;
  }

  async #negotiate(): Promise<void> {
    const versions = await this.request(
      ApiKey.ApiVersions,
      0,
      () => {},
      (r) => decodeApiVersionsResponse(r),
    );
    if (versions.errorCode !== 0) {
      throw kafkaCodeError(
        versions.errorCode,
        "the broker refused the api versions request",
        this.#context,
      );
    }
    for (const range of versions.apis) this.#versions.set(range.apiKey, range);
    const credential = this.#options.credential;
    if (!credential) return;
    const mechanism = credential.mechanism;
    const handshake = await this.request(
      ApiKey.SaslHandshake,
      1,
      (w) => w.string(mechanism),
      (r) => decodeSaslHandshakeResponse(r),
    );
    if (handshake.errorCode !== 0) {
      throw new AuthenticationError(
        `authentication failed for user '${credential.username}' at ${this.address}: the broker ` +
          `does not enable ${mechanism} (it enables ${handshake.mechanisms.join(", ") || "none"})`,
        { code: handshake.errorCode, kind: "authentication", fatal: true },
      );
    }
    const version = this.version(ApiKey.SaslAuthenticate, 0, 1);
    await authenticateSasl(credential, async (message) => {
      const answer = await this.request(
        ApiKey.SaslAuthenticate,
        version,
        (w) => w.bytes(message),
        (r) => decodeSaslAuthenticateResponse(r, version),
      );
      if (answer.errorCode !== 0) {
        throw new AuthenticationError(
          `authentication failed for user '${credential.username}' at ${this.address}: ${
            redact(answer.errorMessage ?? `error code ${answer.errorCode}`, credential)
          }`,
          { code: answer.errorCode, kind: "authentication", fatal: true },
        );
      }
      return answer.token;
    }, this.address);
  }

  /**
   * The highest version of an api that both sides support.
   *
   * @param apiKey the api
   * @param min lowest version this side speaks
   * @param max highest version this side speaks
   * @returns the version to use
   * @throws {KafkaError} when the ranges do not meet (a bad request: retrying cannot help)
   */
  version(apiKey: number, min: number, max: number): number {
    const range = this.#versions.get(apiKey);
    const version = Math.min(max, range?.maxVersion ?? -1);
    if (range === undefined || version < min || version < range.minVersion) {
      throw new ConnectionError(
        `the broker at ${this.address} does not support api ${apiKey} in versions ${min}-${max}`,
        { kind: "bad-request", code: "UNSUPPORTED_VERSION" },
      );
    }
    return version;
  }

  /**
   * Sends a request and decodes its answer. Requests on one connection are answered in order.
   *
   * @param apiKey the api
   * @param version its version
   * @param encode writes the request body
   * @param decode reads the response body
   * @returns what `decode` returned
   * @throws {KafkaError} transient when the connection is lost or the answer is late (the
   *   connection is then closed)
   */
  request<T>(
    apiKey: number,
    version: number,
    encode: (w: ProtocolWriter) => void,
    decode: (r: ProtocolReader) => T,
  ): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure);
    const correlationId = this.#nextCorrelationId++ & 0x7fffffff;
    const w = new ProtocolWriter(256);
    w.int32(0).int16(apiKey).int16(version).int32(correlationId).string(this.#options.clientId);
    encode(w);
    w.patchInt32(0, w.length - 4);
    const bytes = w.finish();
    const { promise, resolve, reject } = Promise.withResolvers<Uint8Array>();
    const timer = setTimeout(() => {
      this.#fail(
        new ConnectionError(`request to Kafka at ${this.address} timed out`, { kind: "transient" }),
      );
    }, this.#options.requestTimeoutMs);
    this.#pending.set(correlationId, {
      resolve: (frame) => {
        clearTimeout(timer);
        resolve(frame);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    this.#writing = this.#writing.then(async () => {
      if (this.#failure) return;
      try {
        for (let at = 0; at < bytes.length;) at += await this.#conn.write(bytes.subarray(at));
      } catch (error) {
        this.#fail(WireConnection.#lost(error, this.#context, true));
      }
    });
    return promise.then((frame) => {
      // The response header (v0) is the correlation id alone.
      return decode(new ProtocolReader(frame, 4));
    });
  }

  async #readAnswers(): Promise<void> {
    try {
      for await (const frame of readFrames(this.#conn)) {
        const correlationId = (frame[0] << 24) | (frame[1] << 16) | (frame[2] << 8) | frame[3];
        const pending = this.#pending.get(correlationId);
        if (!pending) {
          throw new Error(`an answer to request ${correlationId}, which was not sent`);
        }
        this.#pending.delete(correlationId);
        pending.resolve(frame);
      }
      this.#fail(WireConnection.#lost(new Error("connection closed"), this.#context, true));
    } catch (error) {
      this.#fail(WireConnection.#lost(error, this.#context, true));
    }
  }

  #fail(error: KafkaError): void {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) pending.reject(this.#failure);
    this.#pending.clear();
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  /** Closes the connection; requests still waiting fail. */
  close(): void {
    this.#fail(new ConnectionError(`connection to ${this.address} closed`, { kind: "transient" }));
  }
}
