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
import type { Transport } from "./_connection.ts";
import { socketStream } from "../_socket_stream.ts";

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
        const secured = new tls.TLSSocket(socket, { isServer: true, secureContext });
        return { remote, ...socketStream(secured) };
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
