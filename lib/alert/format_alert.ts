/**
 * Text form of an alert as the `igwn-alert listen` command prints it.
 *
 * @module
 */

/**
 * The two-part text the Python tool prints for each alert: `New message from topic TOPIC:` on
 * one line, then the payload. A decoded JSON value is printed as JSON (compact, or indented by
 * four spaces with `pretty`), text as it is.
 *
 * @param fullTopic Kafka topic name, e.g. `gracedb.superevent`.
 * @param payload decoded alert (or text).
 * @param pretty indent JSON (the `-j/--jsonpp` flag).
 * @returns the text, ending with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatAlertMessage } from "./format_alert.ts";
 * const text = formatAlertMessage("gracedb.superevent", { uid: "S1" });
 * assert.strictEqual(text, 'New message from topic gracedb.superevent:\n{"uid":"S1"}\n');
 * ```
 */
export function formatAlertMessage(fullTopic: string, payload: unknown, pretty = false): string {
  let body: string;
  if (typeof payload === "string") body = payload;
  else if (payload instanceof Uint8Array) body = new TextDecoder().decode(payload);
  else body = JSON.stringify(payload, null, pretty ? 4 : undefined) ?? String(payload);
  return `New message from topic ${fullTopic}:\n${body}\n`;
}
