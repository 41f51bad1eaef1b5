/**
 * Recordings of an alert stream: one NDJSON line per alert with its Kafka metadata, appended to a
 * file that is rotated by size, and read back for replay.
 *
 * @module
 */

import type { Alert } from "../alert/listen_types.ts";
import { alertUid } from "../alert/_dead_letter.ts";

/**
 * One line of a recording (keys in this order).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRecording, type RecordedAlert } from "./record.ts";
 * const line: RecordedAlert = {
 *   topic: "gracedb.superevent", partition: 0, offset: 3, timestamp: 1767592800000,
 *   key: null, headers: [["_format", "json"]], uid: "S1", payload: '{"uid": "S1"}',
 * };
 * assert.deepEqual(parseRecording(JSON.stringify(line) + "\n", "night.ndjson"), [line]);
 * ```
 */
export interface RecordedAlert {
  /** Kafka topic, e.g. `gracedb.superevent`. */
  topic: string;
  partition: number;
  offset: number;
  /** Kafka timestamp, ms since the epoch. */
  timestamp: number;
  /** The Kafka key as text, or null. */
  key: string | null;
  /** Kafka headers as `[name, value]` pairs, values as text. */
  headers: [string, string][];
  /** The alert's uid, when it has one. */
  uid?: string;
  /**
   * The payload as the listener got it: for GraceDB, the alert's JSON text (sent as a JSON
   * string); with `kind` `"json"`, the JSON of another value; with `"text"`, text that was not
   * JSON at all.
   */
  payload: string;
  /** How `payload` went over the wire when it was not GraceDB's JSON string. */
  kind?: "json" | "text";
}

const decoder = new TextDecoder();

/**
 * The recording line of an alert.
 *
 * @param alert the alert as {@link Client.listen} hands it over.
 * @returns the line's fields.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordedAlert } from "./record.ts";
 * const metadata = { topic: "gracedb.superevent", partition: 1, offset: 2, timestamp: 3,
 *   key: null, headers: [["_format", new TextEncoder().encode("json")]] };
 * const alert = { topic: "superevent", fullTopic: "gracedb.superevent", metadata,
 *   payload: { uid: "S1" }, raw: '{"uid": "S1"}' } as never;
 * assert.deepEqual(recordedAlert(alert).headers, [["_format", "json"]]);
 * assert.equal(recordedAlert(alert).payload, '{"uid": "S1"}');
 * ```
 */
export function recordedAlert(alert: Alert): RecordedAlert {
  const { topic, partition, offset, timestamp, key, headers } = alert.metadata;
  const text = (value: unknown) =>
    value instanceof Uint8Array ? decoder.decode(value) : value == null ? "" : String(value);
  const uid = alertUid(alert);
  return {
    topic,
    partition,
    offset,
    timestamp,
    key: key === null || key === undefined ? null : text(key),
    headers: (headers ?? []).map(([name, value]) => [name, text(value)]),
    ...(uid ? { uid } : {}),
    ...recordedPayload(alert),
  };
}

/** A JSON-format message gives its content (GraceDB's: a string); others their text or bytes. */
function recordedPayload(alert: Alert): Pick<RecordedAlert, "payload" | "kind"> {
  const raw = alert.raw;
  const format = alert.metadata.headers?.find(([name]) => name === "_format")?.[1];
  const json = format === undefined || decoder.decode(format).toLowerCase() === "json";
  if (typeof raw === "string") return json ? { payload: raw } : { payload: raw, kind: "text" };
  if (raw instanceof Uint8Array) return { payload: decoder.decode(raw), kind: "text" };
  return { payload: JSON.stringify(raw ?? null), kind: "json" };
}

/** How a {@link Recorder} writes. */
export interface RecorderOptions {
  /** Start a new file once the current one would grow past this many bytes. Default 100 MB. */
  maxBytes?: number;
  /** Rotated files kept (`FILE.1` the newest); older ones are removed. Default 10. */
  keep?: number;
}

/**
 * Appends alerts to an NDJSON file. When a line would take the file past `maxBytes`, the file is
 * renamed `FILE.1` (`FILE.1` to `FILE.2`, and so on) and a new one started. Each line is on disk
 * before {@link Recorder.record} resolves, so an alert committed afterwards is never missing from
 * the recording.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Recorder } from "./record.ts";
 * const dir = await Deno.makeTempDir();
 * const metadata = { topic: "gracedb.superevent", partition: 0, offset: 0, timestamp: 1, key: null, headers: [] };
 * const alert = (offset: number) => ({ topic: "superevent", fullTopic: "gracedb.superevent",
 *   metadata: { ...metadata, offset }, payload: { uid: "S1" }, raw: '{"uid": "S1"}' }) as never;
 * {
 *   await using recorder = new Recorder(`${dir}/night.ndjson`, { maxBytes: 300 });
 *   for (let offset = 0; offset < 3; offset++) await recorder.record(alert(offset));
 * }
 * const lines = (name: string) => Deno.readTextFileSync(`${dir}/${name}`).trim().split("\n").length;
 * assert.deepEqual([lines("night.ndjson.1"), lines("night.ndjson")], [2, 1]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Recorder implements AsyncDisposable {
  /** The file written to. */
  readonly path: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  #file?: Deno.FsFile;
  #size = 0;
  #queue: Promise<void> = Promise.resolve();
  /** Recently recorded alerts, so that a retried alert is written once. */
  readonly #recent = new Set<string>();

  /**
   * @param path the NDJSON file (created when missing, appended to otherwise).
   * @param options rotation.
   */
  constructor(path: string, options: RecorderOptions = {}) {
    if (!path) throw new RangeError("the recording needs a file name");
    this.path = path;
    this.#maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
    this.#keep = options.keep ?? 10;
    if (!(this.#maxBytes > 0)) throw new RangeError("maxBytes must be a number > 0");
    if (!Number.isInteger(this.#keep) || this.#keep < 1) {
      throw new RangeError("keep must be an integer >= 1");
    }
  }

  /**
   * Opens the file now, so that a path that cannot be written is reported before listening.
   *
   * @returns this recorder.
   */
  async open(): Promise<this> {
    await this.#ensureOpen();
    return this;
  }

  /**
   * Appends `alert`'s line. An alert recorded again (its handler was retried) is written once.
   *
   * @param alert the alert.
   * @returns when the line is on disk.
   */
  record(alert: Alert): Promise<void> {
    const { topic, partition, offset } = alert.metadata;
    const place = `${topic}\0${partition}\0${offset}`;
    if (this.#recent.has(place)) return this.#queue;
    if (this.#recent.size >= 1000) this.#recent.delete(this.#recent.values().next().value!);
    this.#recent.add(place);
    const line = new TextEncoder().encode(JSON.stringify(recordedAlert(alert)) + "\n");
    const next = this.#queue.then(() => this.#write(line));
    this.#queue = next.catch(() => {});
    return next;
  }

  async #ensureOpen(): Promise<Deno.FsFile> {
    if (!this.#file) {
      this.#file = await Deno.open(this.path, { append: true, create: true });
      this.#size = (await this.#file.stat()).size;
    }
    return this.#file;
  }

  async #write(line: Uint8Array): Promise<void> {
    let file = await this.#ensureOpen();
    if (this.#size > 0 && this.#size + line.length > this.#maxBytes) {
      file.close();
      this.#file = undefined;
      await this.#rotate();
      file = await this.#ensureOpen();
    }
    for (let done = 0; done < line.length;) done += await file.write(line.subarray(done));
    await file.syncData();
    this.#size += line.length;
  }

  async #rotate(): Promise<void> {
    await Deno.remove(`${this.path}.${this.#keep}`).catch(() => {});
    for (let n = this.#keep - 1; n >= 1; n--) {
      await Deno.rename(`${this.path}.${n}`, `${this.path}.${n + 1}`).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    }
    await Deno.rename(this.path, `${this.path}.1`);
  }

  /** Waits for pending lines and closes the file. */
  async close(): Promise<void> {
    await this.#queue;
    this.#file?.close();
    this.#file = undefined;
  }

  /** Same as {@link Recorder.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Reads a recording's text: one {@link RecordedAlert} per non-empty line.
 *
 * @param text the file's content.
 * @param name how errors name the file.
 * @returns the lines, in file order.
 * @throws {SyntaxError} naming the file and line of the first line that is not a recorded alert.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRecording } from "./record.ts";
 * assert.throws(() => parseRecording('{"topic": "t"}\n', "night.ndjson"), /night.ndjson line 1: /);
 * ```
 */
export function parseRecording(text: string, name: string): RecordedAlert[] {
  const records: RecordedAlert[] = [];
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new SyntaxError(`${name} line ${index + 1}: ${(error as Error).message}`);
    }
    const record = value as Partial<RecordedAlert>;
    const problem = record === null || typeof record !== "object"
      ? "not a JSON object"
      : typeof record.topic !== "string"
      ? "no 'topic' text"
      : typeof record.timestamp !== "number"
      ? "no 'timestamp' number"
      : typeof record.payload !== "string"
      ? "no 'payload' text"
      : undefined;
    if (problem) throw new SyntaxError(`${name} line ${index + 1}: ${problem}`);
    records.push({
      topic: record.topic!,
      partition: record.partition ?? 0,
      offset: record.offset ?? 0,
      timestamp: record.timestamp!,
      key: record.key ?? null,
      headers: Array.isArray(record.headers) ? record.headers : [],
      ...(record.uid ? { uid: record.uid } : {}),
      payload: record.payload!,
      ...(record.kind === "json" || record.kind === "text" ? { kind: record.kind } : {}),
    });
  }
  return records;
}
