/**
 * The TLS listener. Deno's own TLS connections cannot set TCP_NODELAY, so a response that spans
 * two TLS records (over 16 KiB) would wait for the client's delayed ACK (about 40 ms). The
 * listener therefore accepts plain TCP sockets (node:net), sets TCP_NODELAY on each, and runs
 * the server side of TLS over it (node:tls).
 *
 * @module
 */

import net from "node:net";
import tls from "node:tls";
import type { Buffer } from "node:buffer";
import type { Transport } from "./_connection.ts";

/** Stop reading from the socket while this many received bytes wait to be read. */
const HIGH_WATER = 1 << 20;

/** Errors that only mean the peer went away. */
const PEER_GONE = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ENOTCONN",
  "ERR_STREAM_DESTROYED",
]);

/** A TLS listener bound to a port; connections arrive through `onConnection`. */
export interface TlsListener {
  readonly port: number;
  /** Stops listening; resolves once the port is released. */
  close(): Promise<void>;
}

/** One accepted TCP socket, not yet wrapped in TLS. */
export interface PendingTlsConnection {
  readonly remote: string;
  /** Sets TCP_NODELAY, starts the TLS handshake and returns the connection. */
  open(): Transport;
  /** Closes the socket at once (a refused connection). */
  refuse(): void;
}

/**
 * Listens for TLS connections on `host:port`.
 *
 * @throws the listen error (EADDRINUSE, EADDRNOTAVAIL, ...) or a certificate/key error
 */
export async function listenTls(
  options: { host: string; port: number; cert: string; key: string },
  onConnection: (connection: PendingTlsConnection) => void,
): Promise<TlsListener> {
  const secureContext = tls.createSecureContext({ cert: options.cert, key: options.key });
  const server = net.createServer((socket) => {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.on("error", () => {/* reported through the TLS socket, or the peer is gone */});
    onConnection({
      remote,
      open: () => {
        socket.setNoDelay(true);
        return tlsTransport(new tls.TLSSocket(socket, { isServer: true, secureContext }), remote);
      },
      refuse: () => socket.destroy(),
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", () => {/* accept errors concern single peers; the server keeps listening */});
  const port = (server.address() as net.AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    port,
    close: () => closed ??= new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Adapts a server-side TLS socket to the broker's read/write/close contract. */
function tlsTransport(socket: tls.TLSSocket, remote: string): Transport {
  const chunks: Uint8Array[] = [];
  let buffered = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  socket.on("data", (chunk: Buffer) => {
    chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    buffered += chunk.byteLength;
    if (buffered >= HIGH_WATER) socket.pause();
    notify();
  });
  socket.on("end", () => {
    ended = true;
    notify();
  });
  socket.on("close", () => {
    ended = true;
    notify();
  });
  socket.on("error", (error: Error & { code?: string }) => {
    if (!PEER_GONE.has(error.code ?? "")) {
      // The connection code reports InvalidData on a TLS listener as a failed handshake.
      failure ??= new Deno.errors.InvalidData(error.message);
    }
    ended = true;
    notify();
  });
  return {
    remote,
    async read(p: Uint8Array): Promise<number | null> {
      while (chunks.length === 0) {
        if (failure) throw failure;
        if (ended) return null;
        await new Promise<void>((resolve) => wake = resolve);
      }
      let n = 0;
      while (n < p.length && chunks.length > 0) {
        const chunk = chunks[0];
        const take = Math.min(chunk.length, p.length - n);
        p.set(chunk.subarray(0, take), n);
        n += take;
        if (take === chunk.length) chunks.shift();
        else chunks[0] = chunk.subarray(take);
      }
      buffered -= n;
      if (buffered < HIGH_WATER && socket.isPaused()) socket.resume();
      return n;
    },
    write(p: Uint8Array): Promise<number> {
      if (socket.destroyed) return Promise.reject(new Deno.errors.BrokenPipe("connection closed"));
      return new Promise((resolve, reject) => {
        socket.write(p, (error?: Error | null) => {
          if (error) reject(new Deno.errors.BrokenPipe(error.message));
          else resolve(p.length);
        });
      });
    },
    writeChunks(chunks: readonly Uint8Array[]): Promise<void> {
      if (socket.destroyed) return Promise.reject(new Deno.errors.BrokenPipe("connection closed"));
      // Corked, the pieces of a response go out together: as few TLS records and one flush.
      return new Promise((resolve, reject) => {
        socket.cork();
        chunks.forEach((chunk, i) =>
          socket.write(
            chunk,
            i < chunks.length - 1 ? undefined : (error?: Error | null) => {
              if (error) reject(new Deno.errors.BrokenPipe(error.message));
              else resolve();
            },
          )
        );
        socket.uncork();
      });
    },
    close() {
      if (!socket.destroyed) socket.destroy();
      ended = true;
      notify();
    },
  };
}
