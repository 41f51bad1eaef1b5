/**
 * Reading compressed batches: kcat (librdkafka) writes gzip, snappy, lz4 and zstd batches into the
 * built-in broker, which stores them as sent, and openStream reads back the exact payloads.
 *
 * librdkafka 2.0 compresses with gzip, snappy and lz4 only for brokers that also offer the old
 * Produce v2 and Fetch v2 (its "MsgVer1" feature); the built-in broker starts at Produce v3 and
 * Fetch v4, as Kafka 4 does. kcat therefore talks to the broker through {@linkcode VersionRelay},
 * which lowers the advertised minimum versions (librdkafka still uses the newest version both
 * sides support) and points Metadata answers at itself so that every connection goes through it.
 */
import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";
import { kcat } from "./support/processes.ts";
import { test } from "./support/deadline.ts";
import { openStream } from "../lib/hop/stream.ts";
import { Blob } from "../lib/hop/models/blob.ts";
import { readRecordBatchHeader } from "../lib/protocol/record_batch.ts";

const API_PRODUCE = 0;
const API_FETCH = 1;
const API_METADATA = 3;
const API_VERSIONS = 18;

/** Reads length-prefixed Kafka frames from a connection. */
class FrameReader {
  #pending = new Uint8Array(0);
  constructor(private readonly conn: Deno.Conn) {}

  async #fill(bytes: number): Promise<boolean> {
    while (this.#pending.length < bytes) {
      const chunk = new Uint8Array(65_536);
      const read = await this.conn.read(chunk).catch(() => null);
      if (read === null) return false;
      const joined = new Uint8Array(this.#pending.length + read);
      joined.set(this.#pending);
      joined.set(chunk.subarray(0, read), this.#pending.length);
      this.#pending = joined;
    }
    return true;
  }

  /** The next frame including its 4-byte length, or null at the end of the stream. */
  async next(): Promise<Uint8Array | null> {
    if (!(await this.#fill(4))) return null;
    const size = new DataView(this.#pending.buffer).getInt32(0);
    if (!(await this.#fill(4 + size))) return null;
    const frame = this.#pending.slice(0, 4 + size);
    this.#pending = this.#pending.slice(4 + size);
    return frame;
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

function readUvarint(view: DataView, at: number): [number, number] {
  let value = 0;
  for (let shift = 0;; shift += 7) {
    const byte = view.getUint8(at++);
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
  }
}

/** Lowers the minimum versions of Produce and Fetch in an ApiVersions answer, in place. */
function patchApiVersions(view: DataView, version: number): void {
  let at = 4 + 4 + 2; // length, correlation id, error code
  let count: number;
  if (version >= 3) {
    [count, at] = readUvarint(view, at);
    count -= 1;
  } else {
    count = view.getInt32(at);
    at += 4;
  }
  for (let i = 0; i < count; i++) {
    const key = view.getInt16(at);
    if (key === API_PRODUCE || key === API_FETCH) view.setInt16(at + 2, 0);
    at += 6;
    if (version >= 3) {
      let tags: number;
      [tags, at] = readUvarint(view, at);
      for (let t = 0; t < tags; t++) {
        let size: number;
        [, at] = readUvarint(view, at);
        [size, at] = readUvarint(view, at);
        at += size;
      }
    }
  }
}

/** Makes the brokers of a Metadata answer (v1 to v8) point at `port`, in place. */
function patchMetadata(view: DataView, version: number, port: number): void {
  assert.ok(version >= 1 && version <= 8, `Metadata v${version}`);
  let at = 4 + 4 + (version >= 3 ? 4 : 0); // length, correlation id, throttle time
  const brokers = view.getInt32(at);
  at += 4;
  for (let i = 0; i < brokers; i++) {
    at += 4; // node id
    at += 2 + view.getInt16(at); // host
    view.setInt32(at, port);
    at += 4;
    const rack = view.getInt16(at);
    at += 2 + Math.max(rack, 0);
  }
}

/** A relay in front of the broker; see the module documentation. */
class VersionRelay implements AsyncDisposable {
  readonly #listener: Deno.TcpListener;
  readonly #connections = new Set<Deno.Conn>();
  readonly #serving: Promise<void>;

  constructor(private readonly brokerPort: number) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#serving = this.#accept();
  }

  get port(): number {
    return this.#listener.addr.port;
  }

  async #accept(): Promise<void> {
    const relays: Promise<void>[] = [];
    try {
      for await (const client of this.#listener) relays.push(this.#relay(client));
    } catch {
      // closed
    }
    await Promise.all(relays);
  }

  async #relay(client: Deno.Conn): Promise<void> {
    const upstream = await Deno.connect({ hostname: "127.0.0.1", port: this.brokerPort });
    this.#connections.add(client).add(upstream);
    const asked = new Map<number, { apiKey: number; version: number }>();
    const requests = (async () => {
      const reader = new FrameReader(client);
      for (let frame; (frame = await reader.next()) !== null;) {
        const view = new DataView(frame.buffer);
        asked.set(view.getInt32(8), { apiKey: view.getInt16(4), version: view.getInt16(6) });
        await writeAll(upstream, frame);
      }
    })();
    const answers = (async () => {
      const reader = new FrameReader(upstream);
      for (let frame; (frame = await reader.next()) !== null;) {
        const view = new DataView(frame.buffer);
        const request = asked.get(view.getInt32(4));
        if (request?.apiKey === API_VERSIONS) patchApiVersions(view, request.version);
        if (request?.apiKey === API_METADATA) patchMetadata(view, request.version, this.port);
        await writeAll(client, frame);
      }
    })();
    await Promise.race([requests, answers]).catch(() => {});
    for (const conn of [client, upstream]) {
      this.#connections.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    await Promise.allSettled([requests, answers]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    for (const conn of this.#connections) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    await this.#serving;
  }
}

const CODECS = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
// Bytes before each batch in a segment file of the broker (length and checksum).
const SEGMENT_ENTRY_HEADER = 8;

/** Lines kcat sends as messages: small ones, repetitive ones and one over 64 KiB. */
function payloads(codec: string): string[] {
  const lines = [`first ${codec}`, "x".repeat(5_000), `{"codec": "${codec}", "n": 3}`];
  let big = "";
  for (let i = 0; big.length < 200_000; i++) big += `${i.toString(36)}:${(i * 7919) % 1000} `;
  lines.push(big, `last ${codec}`);
  return lines;
}

/** Compression codec of every batch in the broker's segment files under `dir`. */
async function storedCodecs(dir: string): Promise<number[]> {
  const codecs: number[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      codecs.push(...await storedCodecs(path));
      continue;
    }
    if (!entry.isFile || !entry.name.endsWith(".log")) continue;
    const data = await Deno.readFile(path);
    const view = new DataView(data.buffer);
    for (let at = 0; at + SEGMENT_ENTRY_HEADER <= data.length;) {
      const length = view.getInt32(at);
      const batch = data.subarray(at + SEGMENT_ENTRY_HEADER, at + SEGMENT_ENTRY_HEADER + length);
      codecs.push(readRecordBatchHeader(batch).attributes & 7);
      at += SEGMENT_ENTRY_HEADER + length;
    }
  }
  return codecs;
}

for (const [codec, id] of Object.entries(CODECS)) {
  test({
    name: `a ${codec} batch written by kcat is stored as sent and read back byte for byte`,
    ...KAFKAJS_TEST,
    fn: async () => {
      const dataDir = await Deno.makeTempDir();
      try {
        await withBroker({ topics: ["t"], dataDir }, async (broker) => {
          const lines = payloads(codec);
          await using relay = new VersionRelay(broker.port);
          const result = await kcat(
            `127.0.0.1:${relay.port}`,
            ["-P", "-t", "t", "-z", codec, "-H", "_format=blob"],
            {
              stdin: lines.join("\n") + "\n",
              timeoutMs: 30_000,
              config: { "linger.ms": "100" },
            },
          );
          assert.equal(result.code, 0, result.stderr);

          const stored = await storedCodecs(dataDir);
          assert.ok(stored.length >= 1, "no batch in the segment files");
          // librdkafka sends a batch uncompressed when compressing would not make it smaller,
          // which happens to a batch holding only a short line when the lines are split
          // across batches (as on a loaded machine); the large lines always compress.
          assert.ok(stored.includes(id), `no ${codec} batch among stored codecs ${stored}`);
          assert.ok(
            stored.every((codecId) => codecId === id || codecId === 0),
            `stored codecs ${stored}`,
          );

          // Read without a group (directly in Kafka's protocol) and in a group (by the Kafka
          // client): both decompress.
          for (const groupId of [undefined, "g"]) {
            await using consumer = await openStream(`${broker.url}/t`, "r", {
              auth: false,
              startAt: "earliest",
              untilEos: true,
              ...(groupId ? { groupId } : {}),
            });
            const read = await Array.fromAsync(consumer.read());
            const decoder = new TextDecoder();
            assert.deepEqual(
              read.map((message) => {
                assert.ok(message instanceof Blob, String(message));
                return decoder.decode(message.serialize());
              }),
              lines,
              groupId ? "read in a group" : "read without a group",
            );
          }
        });
      } finally {
        await Deno.remove(dataDir, { recursive: true });
      }
    },
  });
}
