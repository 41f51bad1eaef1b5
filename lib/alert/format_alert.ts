/**
 * Text form of an alert as the `igwn-alert listen` command prints it.
 *
 * @module
 */
import { alertJsonText } from "./payload.ts";

/**
 * The two-part text the Python tool prints for each alert: `New message from topic TOPIC:` on
 * one line, then the payload. A decoded JSON value is printed as Python's `json.dumps` writes it
 * (compact with `", "` and `": "`, or indented by four spaces with `pretty`; non-ASCII as
 * `\uXXXX`), text as it is.
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
 * assert.strictEqual(text, 'New message from topic gracedb.superevent:\n{"uid": "S1"}\n');
 * ```
 */
export function formatAlertMessage(fullTopic: string, payload: unknown, pretty = false): string {
  const body = typeof payload === "string" ? payload : alertJsonText(payload, pretty);
  return `New message from topic ${fullTopic}:\n${body}\n`;
}

/**
 * What `igwn-alert listen` prints for a received alert. By default the payload is read from the
 * text that arrived as Python's json module reads it and written back as `json.dumps` writes it,
 * so the bytes are those the Python tool prints, numbers included (`1.0`, `1e-05`, integers
 * beyond 2^53). With `raw`, the payload as the Python client handed it over (GraceDB's alert
 * text, unchanged).
 *
 * @param alert the topic and the payload as received (`Alert.fullTopic` and `Alert.raw`).
 * @param options `pretty`: indent by four spaces (`-j`); `raw`: print the payload unchanged.
 * @returns the text, ending with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatReceivedAlert } from "./format_alert.ts";
 * const alert = { fullTopic: "gracedb.superevent", raw: '{"uid":"S1","far":1.0E-5}' };
 * assert.strictEqual(
 *   formatReceivedAlert(alert),
 *   'New message from topic gracedb.superevent:\n{"uid": "S1", "far": 1e-05}\n',
 * );
 * assert.strictEqual(
 *   formatReceivedAlert(alert, { raw: true }),
 *   'New message from topic gracedb.superevent:\n{"uid":"S1","far":1.0E-5}\n',
 * );
 * ```
 */
export function formatReceivedAlert(
  alert: { fullTopic: string; raw: unknown },
  options: { pretty?: boolean; raw?: boolean } = {},
): string {
  const pretty = options.pretty ?? false;
  if (options.raw) return formatAlertMessage(alert.fullTopic, alert.raw, pretty);
  return `New message from topic ${alert.fullTopic}:\n${alertJsonText(alert.raw, pretty)}\n`;
}
