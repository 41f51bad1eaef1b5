/**
 * How `igwn-alert listen` and `igwn-alert playground --listen` print each received alert:
 * `text` (the Python tool's two-part text, the default), `short` (one line per alert for people)
 * and `ndjson` (one JSON object per line, with the Kafka metadata, for scripts).
 *
 * @module
 */
import { Option } from "commander";
import type { Alert } from "../alert/listen_types.ts";
import { formatReceivedAlert } from "../alert/format_alert.ts";
import { alertJsonText } from "../alert/payload.ts";
import { pythonJsonString, pythonJsonStringify } from "../hop/_python_json.ts";

/** The values of `--format`. */
export const ALERT_FORMATS = ["text", "short", "ndjson"] as const;

/** One of {@linkcode ALERT_FORMATS}. */
export type AlertFormat = typeof ALERT_FORMATS[number];

/** What a printed alert needs: the topic, the payload as received and decoded, the metadata. */
export type PrintedAlert = Pick<Alert, "fullTopic" | "raw" | "payload" | "problem" | "metadata">;

/**
 * The `--format` option, shared by `listen` and `playground` so both spell it the same;
 * `context` starts the description (e.g. `with --listen, `).
 */
export function alertFormatOption(context = ""): Option {
  return new Option(
    "--format <format>",
    `${context}how to print alerts: text (as the Python tool), short (one line per alert), ` +
      "ndjson (one JSON object per line, with the Kafka metadata)",
  ).choices([...ALERT_FORMATS]).default("text");
}

/** The printing flags as given; `raw` only exists for `listen`. */
export interface PrintFlags {
  format: AlertFormat;
  jsonpp: boolean;
  raw?: boolean;
}

/**
 * Why the flags contradict each other, or undefined when they do not. `-j` indents the JSON of
 * the text format only; `--raw` applies to `text` (the payload as it arrived) and `ndjson` (the
 * payload member holds the payload as it arrived), not to `short`.
 */
export function printFlagsConflict(flags: PrintFlags): string | undefined {
  if (flags.format === "text") return undefined;
  if (flags.jsonpp) {
    return `-j/--jsonpp only applies to --format text; --format ${flags.format} prints one line per alert`;
  }
  if (flags.raw && flags.format === "short") {
    return "--raw cannot be combined with --format short, which prints selected fields only";
  }
  return undefined;
}

/**
 * The function that turns a received alert into its printed text (ending with a newline) for
 * flags that {@linkcode printFlagsConflict} accepted.
 */
export function alertPrinter(flags: PrintFlags): (alert: PrintedAlert) => string {
  switch (flags.format) {
    case "short":
      return (alert) => shortAlertLine(alert) + "\n";
    case "ndjson":
      return (alert) => ndjsonAlertLine(alert, { raw: flags.raw ?? false }) + "\n";
    default:
      return (alert) => formatReceivedAlert(alert, { pretty: flags.jsonpp, raw: flags.raw });
  }
}

// --- ndjson ------------------------------------------------------------------------------------

/** Bytes as text when they are UTF-8, else as `{"base64": "..."}`, so that nothing is lost. */
function bytesJson(bytes: Uint8Array): string {
  try {
    return pythonJsonString(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return `{"base64": ${pythonJsonString(btoa(binary))}}`;
  }
}

function payloadJson(alert: PrintedAlert, raw: boolean): string {
  const value = raw ? alert.raw : alert.payload;
  if (value instanceof Uint8Array) return bytesJson(value);
  // Text that is not JSON is carried as a JSON string; JSON keeps its numbers' original text.
  if (!raw && typeof value === "string" && alert.problem) return pythonJsonString(value);
  return raw ? pythonJsonStringify(value) : alertJsonText(alert.raw);
}

/**
 * One line of JSON for a received alert: `topic`, `partition`, `offset`, `timestamp` (ms since the
 * epoch), `key` and `headers` (`[name, value]` pairs; a value or key that is not UTF-8 is written
 * as `{"base64": ...}`), `payload` (the decoded alert, numbers as they arrived; with `raw`, the
 * payload as the Python client passed it on, for GraceDB a JSON string holding the alert's
 * text), and `problem` when the payload is not a valid alert. Written as Python's `json.dumps`
 * writes (`", "` and `": "`, non-ASCII as `\uXXXX`), without a newline inside.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ndjsonAlertLine } from "./_alert_formats.ts";
 * const metadata = {
 *   topic: "gracedb.superevent", partition: 0, offset: 3, timestamp: 1767592800000, key: null,
 *   headers: [["_format", new TextEncoder().encode("json")]] as [string, Uint8Array][],
 * };
 * const raw = '{"uid":"S1","far":1E-5}';
 * const line = ndjsonAlertLine({ fullTopic: "gracedb.superevent", raw, payload: {}, metadata } as never);
 * assert.equal(
 *   line,
 *   '{"topic": "gracedb.superevent", "partition": 0, "offset": 3, "timestamp": 1767592800000, ' +
 *     '"key": null, "headers": [["_format", "json"]], "payload": {"uid": "S1", "far": 1e-05}}',
 * );
 * ```
 */
export function ndjsonAlertLine(alert: PrintedAlert, options: { raw?: boolean } = {}): string {
  const { partition, offset, timestamp, key, headers } = alert.metadata;
  const members = [
    `"topic": ${pythonJsonString(alert.fullTopic)}`,
    `"partition": ${partition}`,
    `"offset": ${offset}`,
    `"timestamp": ${timestamp}`,
    `"key": ${key === null ? "null" : bytesJson(key)}`,
    `"headers": [${
      headers.map(([name, value]) => `[${pythonJsonString(name)}, ${bytesJson(value)}]`).join(", ")
    }]`,
    `"payload": ${payloadJson(alert, options.raw ?? false)}`,
  ];
  if (alert.problem !== undefined) members.push(`"problem": ${pythonJsonString(alert.problem)}`);
  return `{${members.join(", ")}}`;
}

// --- short -------------------------------------------------------------------------------------

const TOPIC_WIDTH = 26;
const UID_WIDTH = 10;
const TYPE_WIDTH = 15;
const COMMENT_LENGTH = 60;

type Fields = [name: string, value: unknown][];

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};
}

function fieldValue(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (Array.isArray(value)) return value.length ? fieldValue(name, value.join(",")) : undefined;
  if (typeof value === "number") {
    if (name === "far") return value.toExponential(2);
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(3)));
  }
  if (typeof value === "boolean") return String(value);
  if (typeof value !== "string") return undefined;
  let text = value;
  if (text.length > COMMENT_LENGTH) text = `${text.slice(0, COMMENT_LENGTH - 3)}...`;
  return /^[\x21-\x7e]+$/.test(text) && !text.includes('"') ? text : JSON.stringify(text);
}

function supereventFields(superevent: Record<string, unknown>): Fields {
  const events = superevent.gw_events;
  return [
    ["far", superevent.far],
    ["preferred", superevent.preferred_event],
    ["pipeline", record(superevent.preferred_event_data).pipeline],
    ["events", Array.isArray(events) ? events.length : undefined],
    ["em_type", superevent.em_type],
    ["labels", superevent.labels],
  ];
}

function eventFields(event: Record<string, unknown>): Fields {
  const extra = record(event.extra_attributes);
  const snr = record(extra.CoincInspiral).snr ?? record(extra.MultiBurst).snr;
  return [
    ["pipeline", event.pipeline],
    ["search", event.search],
    ["far", event.far],
    ["snr", snr],
    ["instruments", event.instruments],
    ["superevent", event.superevent],
    ["labels", event.labels],
  ];
}

/** The key fields of each alert type: what changed, and the few values people look for. */
function keyFields(payload: Record<string, unknown>): Fields {
  const data = record(payload.data);
  switch (payload.alert_type) {
    case "label_added":
    case "label_removed":
      return [["label", data.name]];
    case "log":
      return [["file", data.filename], ["comment", data.comment]];
    case "voevent":
      return [
        ["voevent_type", data.voevent_type],
        ["significant", data.significant],
        ["file", data.filename],
      ];
    case "signoff_created":
    case "signoff_updated":
    case "signoff_deleted":
      return [["signoff", data.signoff_type], ["status", data.status], [
        "instrument",
        data.instrument,
      ]];
    case "emobservation":
      return [["group", data.group], ["footprints", data.footprint_count]];
    case "embb_event_log":
      return [["group", data.group], ["comment", data.comment]];
    case "exposed":
    case "hidden":
      return [["permissions", Array.isArray(payload.data) ? payload.data.length : undefined]];
  }
  // new, update, event_added, added_to_superevent, ...: the data is the superevent or the event.
  if (typeof data.superevent_id === "string") return supereventFields(data);
  if (typeof data.graceid === "string") return eventFields(data);
  return [];
}

function timeText(timestamp: number): string {
  return Number.isFinite(timestamp) && timestamp >= 0 ? new Date(timestamp).toISOString() : "-";
}

/**
 * One line for a received alert: the Kafka timestamp (UTC, ISO 8601), the topic, the uid, the
 * alert type, then `name=value` key fields (see docs/client.md for the list per alert type),
 * e.g. `2026-01-05T06:00:01.250Z  gracedb.superevent  S260105a  label_added  label=SKYMAP_READY`.
 * Values with spaces or quotes are written as JSON strings; long comments are shortened. A
 * payload that is not a JSON object shows `-` for uid and type and its `problem`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shortAlertLine } from "./_alert_formats.ts";
 * const metadata = {
 *   topic: "gracedb.superevent", partition: 0, offset: 3, timestamp: Date.UTC(2026, 0, 5, 6),
 *   key: null, headers: [],
 * };
 * const payload = { uid: "S260105a", alert_type: "label_added", data: { name: "EM_READY" } };
 * assert.equal(
 *   shortAlertLine({ fullTopic: "gracedb.superevent", raw: "", payload, metadata } as never),
 *   "2026-01-05T06:00:00.000Z  gracedb.superevent          S260105a    label_added      " +
 *     "label=EM_READY",
 * );
 * ```
 */
export function shortAlertLine(alert: PrintedAlert): string {
  const payload = alert.payload as unknown;
  const isObject = payload !== null && typeof payload === "object" && !Array.isArray(payload);
  const fields: Fields = isObject ? keyFields(record(payload)) : [];
  if (alert.problem !== undefined && !isObject) fields.push(["problem", alert.problem]);
  const object = record(payload);
  const uid = typeof object.uid === "string" ? object.uid : "-";
  const type = typeof object.alert_type === "string" ? object.alert_type : "-";
  const words = fields.flatMap(([name, value]) => {
    const text = fieldValue(name, value);
    return text === undefined ? [] : [`${name}=${text}`];
  });
  return [
    timeText(alert.metadata.timestamp),
    alert.fullTopic.padEnd(TOPIC_WIDTH),
    uid.padEnd(UID_WIDTH),
    type.padEnd(TYPE_WIDTH),
    words.join(" "),
  ].join("  ").trimEnd();
}
