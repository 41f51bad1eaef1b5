/**
 * A Node-compatible socket as a byte stream with `Deno.Conn`'s read/write/close contract, for
 * TLS connections made through `node:tls` (the broker's listener and the direct client's
 * connections).
 *
 * @module
 */

import type tls from "node:tls";
import type { Buffer } from "node:buffer";

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

/** What {@linkcode socketStream} gives. */
export interface SocketStream {
  /** Reads into `p`; resolves to the count read or null at the end of the stream. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes all of `p`; resolves to its length. */
  write(p: Uint8Array): Promise<number>;
  /** Writes pieces together (corked: as few TLS records as possible). */
  writeChunks(chunks: readonly Uint8Array[]): Promise<void>;
  /** Closes the socket. */
  close(): void;
}

/**
 * Reads, writes and closes a Node-style socket (a TLS socket, either side) the way a
 * `Deno.Conn` does: `read` fills a buffer and resolves to the count or null at the end, `write`
 * resolves once the bytes are handed to the socket. Reading pauses while 1 MiB received waits.
 * A failure other than the peer going away is thrown by the next read as
 * `Deno.errors.InvalidData`; writes to a closed socket fail with `Deno.errors.BrokenPipe`.
 *
 * @param socket the socket
 * @returns the stream over it
 */
export function socketStream(socket: tls.TLSSocket): SocketStream {
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
