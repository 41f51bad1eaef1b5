/**
 * One client connection: reads frames, enforces the SASL state machine, dispatches requests one
 * at a time and writes responses in request order.
 *
 * @module
 */

import { ApiKey } from "../protocol/api.ts";
import { ProtocolDecodeError } from "../protocol/errors.ts";
import { readFrames, readRequestHeader } from "../protocol/frames.ts";
import { ProtocolReader } from "../protocol/reader.ts";
import { ProtocolWriter } from "../protocol/writer.ts";
import { API_TABLE, writeApiVersions } from "./_api_table.ts";
import type { BrokerContext, ConnectionSession, RequestInfo } from "./_context.ts";
import { saslStep } from "./_sasl_handlers.ts";
import { ERROR_ANSWERS } from "./_fault_errors.ts";

class CloseConnection extends Error {}

/** The byte stream of one client connection (a Deno TCP or TLS connection, or a wrapper). */
export interface Transport {
  /** `HOST:PORT` of the peer, for log lines. */
  readonly remote: string;
  /** Deno's `read(p)` contract: the count read, or null at end of stream. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes some of `p`; resolves to how much. */
  write(p: Uint8Array): Promise<number>;
  /**
   * Writes all of `chunks` in order as one response, where the transport can do that in fewer
   * records or system calls than one write per chunk (TLS: one corked write).
   */
  writeChunks?(chunks: readonly Uint8Array[]): Promise<void>;
  /** Closes the connection; a pending read then fails or ends. Safe to call twice. */
  close(): void;
}

/** `HOST:PORT` of a Deno connection's peer. */
export function describeRemote(conn: Deno.Conn): string {
  try {
    const addr = conn.remoteAddr as Deno.NetAddr;
    return addr.hostname ? `${addr.hostname}:${addr.port}` : "unknown peer";
  } catch {
    return "unknown peer";
  }
}

/** Wraps a Deno connection as a {@linkcode Transport}. */
export function denoTransport(conn: Deno.Conn): Transport {
  return {
    remote: describeRemote(conn),
    read: (p) => conn.read(p),
    write: (p) => conn.write(p),
    close() {
      try {
        conn.close();
      } catch { /* already closed */ }
    },
  };
}

async function writeAll(conn: Transport, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

/** Answers a raw (pre-KIP-152) SASL token: i32 length + bytes, no Kafka header. */
async function handleLegacyToken(
  ctx: BrokerContext,
  session: ConnectionSession,
  conn: Transport,
  token: Uint8Array,
): Promise<void> {
  const state = session.sasl;
  if (state.kind !== "legacyTokens") throw new CloseConnection("unexpected raw SASL token");
  const result = await saslStep(session, state.mechanism, state.session, token, ctx.log);
  if ("error" in result) throw new CloseConnection("authentication failed");
  const out = new ProtocolWriter(result.response.length + 4);
  out.bytes(result.response);
  await writeAll(conn, out.finish());
}

async function handleFrame(
  ctx: BrokerContext,
  session: ConnectionSession,
  conn: Transport,
  frame: Uint8Array,
): Promise<void> {
  if (session.sasl.kind === "legacyTokens") {
    return await handleLegacyToken(ctx, session, conn, frame);
  }
  if (frame.length < 10) {
    throw new CloseConnection(`request of ${frame.length} bytes is too short for a header`);
  }
  const apiKey = (frame[0] << 24 >> 16) | frame[1];
  const version = (frame[2] << 24 >> 16) | frame[3];
  const api = API_TABLE.get(apiKey);
  if (!api) throw new CloseConnection(`unknown api key ${apiKey}`);
  const r = new ProtocolReader(frame);
  const header = readRequestHeader(r, apiKey === ApiKey.ApiVersions && version >= 3);
  const w = new ProtocolWriter(512);
  w.int32(0).int32(header.correlationId);
  const unsupportedApiVersions = apiKey === ApiKey.ApiVersions && version > api.maxVersion;
  if (!unsupportedApiVersions && (version < api.minVersion || version > api.maxVersion)) {
    throw new CloseConnection(
      `${api.name} v${version} is not supported (v${api.minVersion}-v${api.maxVersion})`,
    );
  }
  const outcome = await ctx.faults.apply({
    apiKey,
    apiName: api.name,
    version,
    correlationId: header.correlationId,
    clientId: header.clientId,
    remote: session.remote,
    body: frame.subarray(r.offset),
  });
  if (outcome.kind === "drop") return;
  if (outcome.kind === "close") throw new CloseConnection(outcome.reason);
  if (outcome.kind === "error") {
    ERROR_ANSWERS.get(apiKey)!(ctx, version, r, w, outcome.errorCode);
  } else if (unsupportedApiVersions) {
    // KIP-511: the client learns our range from a v0-shaped error answer.
    writeApiVersions(w, version);
  } else {
    if (
      session.sessionExpiresAt !== undefined && session.sasl.kind === "authenticated" &&
      Date.now() >= session.sessionExpiresAt && apiKey !== ApiKey.ApiVersions &&
      apiKey !== ApiKey.SaslHandshake
    ) {
      // KIP-368: a client that did not re-authenticate in time loses the connection.
      throw new CloseConnection(
        `${api.name} after the session of ${session.principal} expired (no re-authentication)`,
      );
    }
    if (ctx.saslEnabled && session.sasl.kind !== "authenticated") {
      const allowed = session.sasl.kind === "start"
        ? apiKey === ApiKey.ApiVersions || apiKey === ApiKey.SaslHandshake
        : apiKey === ApiKey.SaslAuthenticate;
      if (!allowed) throw new CloseConnection(`${api.name} before SASL authentication completed`);
    }
    const req: RequestInfo = {
      ctx,
      session,
      apiKey,
      version,
      correlationId: header.correlationId,
      clientId: header.clientId,
    };
    const respond = await api.handle(req, r, w);
    if (respond === false) {
      if (session.closeAfterResponse) throw new CloseConnection(session.closeAfterResponse);
      return;
    }
  }
  w.patchInt32(0, w.length - 4);
  // Large fetched batches are written straight from the log rather than copied into one buffer.
  const chunks = w.finishChunks();
  if (chunks.length > 1 && conn.writeChunks) await conn.writeChunks(chunks);
  else for (const chunk of chunks) await writeAll(conn, chunk);
  if (session.closeAfterResponse) throw new CloseConnection(session.closeAfterResponse);
}

/**
 * Serves one connection until the peer closes it, a protocol violation closes it, it stays idle
 * for `ctx.idleTimeoutMs`, or the broker shuts down. Never throws.
 */
export async function serveConnection(ctx: BrokerContext, conn: Transport): Promise<void> {
  const remote = conn.remote;
  const session: ConnectionSession = {
    remote,
    principal: "ANONYMOUS",
    sasl: ctx.saslEnabled ? { kind: "start" } : { kind: "authenticated" },
  };
  const { clock, idleTimeoutMs } = ctx;
  let lastActive = clock.now();
  let busy = false;
  let ended = false;
  let idleTimer: ReturnType<typeof clock.setTimeout> | undefined;
  const checkIdle = () => {
    idleTimer = undefined;
    if (ended) return;
    const idle = clock.now() - lastActive;
    if (busy || idle < idleTimeoutMs) {
      idleTimer = clock.setTimeout(checkIdle, busy ? idleTimeoutMs : idleTimeoutMs - idle);
      return;
    }
    ctx.log(
      `closing connection from ${remote}: idle for ${Math.round(idle)} ms ` +
        `(idleTimeoutMs ${idleTimeoutMs})`,
    );
    ended = true;
    conn.close();
  };
  if (Number.isFinite(idleTimeoutMs)) idleTimer = clock.setTimeout(checkIdle, idleTimeoutMs);
  const source = {
    read: async (p: Uint8Array) => {
      const n = await conn.read(p);
      if (n) lastActive = clock.now();
      return n;
    },
  };
  try {
    for await (const frame of readFrames(source, ctx.maxRequestBytes)) {
      busy = true;
      await handleFrame(ctx, session, conn, frame);
      busy = false;
      lastActive = clock.now();
    }
  } catch (e) {
    if (ended) {
      // Closed for idleness (already logged); the read it interrupted fails.
    } else if (e instanceof CloseConnection || e instanceof ProtocolDecodeError) {
      ctx.log(`closing connection from ${remote}: ${e.message}`);
    } else if (
      ctx.tls && (e instanceof Deno.errors.InvalidData || e instanceof Deno.errors.UnexpectedEof)
    ) {
      ctx.log(`closing connection from ${remote}: TLS failed: ${e.message}`);
    } else if (
      !ctx.closing.aborted &&
      !(e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe ||
        e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted ||
        e instanceof Deno.errors.NotConnected || e instanceof Deno.errors.ConnectionAborted)
    ) {
      ctx.log(`closing connection from ${remote} after an error: ${(e as Error)?.message ?? e}`);
    }
  } finally {
    ended = true;
    if (idleTimer !== undefined) clock.clearTimeout(idleTimer);
    conn.close();
  }
}
