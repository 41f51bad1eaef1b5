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
 * What `igwn-alert listen` prints for a received alert: the bytes the Python tool prints. GraceDB's
 * payload is JSON text, which Python prints as it arrived (`str()` of the text), and with
 * `pretty` reads with its json module and writes back with `json.dumps(..., indent=4)`: numbers
 * keep their Python form (`1.0`, `1e-05`, integers beyond 2^53). A payload that arrived as a
 * decoded JSON value is written as `json.dumps` writes it. With `raw`, the payload as the Python
 * client handed it over, unchanged, also with `pretty`.
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
 *   'New message from topic gracedb.superevent:\n{"uid":"S1","far":1.0E-5}\n',
 * );
 * assert.strictEqual(
 *   formatReceivedAlert(alert, { pretty: true }),
 *   'New message from topic gracedb.superevent:\n{\n    "uid": "S1",\n    "far": 1e-05\n}\n',
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
  if (options.raw || (!pretty && typeof alert.raw === "string")) {
    return formatAlertMessage(alert.fullTopic, alert.raw, pretty);
  }
  return `New message from topic ${alert.fullTopic}:\n${alertJsonText(alert.raw, pretty)}\n`;
}
