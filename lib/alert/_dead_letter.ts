// Where an alert goes when its handler failed more often than `handlerRetries` allows: one NDJSON
// line per alert in a file, or the caller's function. The alert is committed only after this
// returned, so a sink that fails leaves it uncommitted.

import type { Alert } from "./listen_types.ts";

/** The line written for one dead-lettered alert (keys in this order). */
export interface DeadLetterRecord {
  /** Kafka topic name, e.g. `gracedb.superevent`. */
  topic: string;
  partition: number;
  offset: number;
  /** Kafka timestamp, ms since the epoch. */
  timestamp: number;
  /** The alert's `uid` (or its object's `superevent_id` / `graceid`), when it has one. */
  uid?: string;
  /** The handler's last error message. */
  error: string;
  /** The alert as the Python client passed it on (for GraceDB: the alert's JSON text). */
  payload?: string;
  /** The payload as base64, when it was bytes rather than text or JSON. */
  payloadBase64?: string;
}

/** The GraceDB id an alert is about, for log lines and dead letters. */
export function alertUid(alert: Alert): string | undefined {
  const payload = alert.payload as unknown;
  if (!payload || typeof payload !== "object") return undefined;
  const { uid, object } = payload as { uid?: unknown; object?: unknown };
  if (typeof uid === "string" && uid) return uid;
  if (object && typeof object === "object") {
    const { superevent_id, graceid } = object as { superevent_id?: unknown; graceid?: unknown };
    if (typeof superevent_id === "string" && superevent_id) return superevent_id;
    if (typeof graceid === "string" && graceid) return graceid;
  }
  return undefined;
}

/** Where an alert is, in the words of every handler log line. */
export function alertPlace(alert: Alert): string {
  const { partition, offset } = alert.metadata;
  const uid = alertUid(alert);
  return `${alert.fullTopic} partition ${partition} offset ${offset}${uid ? ` (uid ${uid})` : ""}`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function deadLetterRecord(alert: Alert, error: unknown): DeadLetterRecord {
  const { topic, partition, offset, timestamp } = alert.metadata;
  const uid = alertUid(alert);
  const record: DeadLetterRecord = {
    topic,
    partition,
    offset,
    timestamp,
    ...(uid ? { uid } : {}),
    error: errorMessage(error),
  };
  const raw = alert.raw;
  if (raw instanceof Uint8Array) record.payloadBase64 = base64(raw);
  else record.payload = typeof raw === "string" ? raw : JSON.stringify(raw ?? null);
  return record;
}

/**
 * Appends the alert's line to `path` (created when missing) and waits until it is on disk, so
 * that committing the alert afterwards cannot lose it.
 */
export async function appendDeadLetter(path: string, alert: Alert, error: unknown): Promise<void> {
  const line = new TextEncoder().encode(JSON.stringify(deadLetterRecord(alert, error)) + "\n");
  const file = await Deno.open(path, { append: true, create: true });
  try {
    // O_APPEND: listeners sharing the file add lines without overwriting each other's.
    let written = 0;
    while (written < line.length) written += await file.write(line.subarray(written));
    await file.syncData();
  } finally {
    file.close();
  }
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
