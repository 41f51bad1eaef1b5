/**
 * hop-compatible core: Kafka URLs, credentials (`auth.toml`, netrc, CSV), message models and the
 * packing rules that make our messages byte-compatible with the Python `hop-client`.
 *
 * @example Pack and unpack a JSON alert
 * ```ts
 * import assert from "node:assert/strict";
 * import { JSONBlob, packMessage, unpackMessage } from "./mod.ts";
 *
 * const { value, headers } = packMessage({ alert_type: "new" }, { sender: "alice" });
 * const { message } = unpackMessage(value, headers);
 * assert.ok(message instanceof JSONBlob);
 * assert.deepEqual(message.content, { alert_type: "new" });
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./log.ts";
export * from "./url.ts";
export * from "./auth.ts";
export * from "./auth_file.ts";
export * from "./select_credential.ts";
export * from "./models/model.ts";
export * from "./models/blob.ts";
export * from "./pack.ts";
export * from "./models/voevent.ts";
export * from "./models/gcn.ts";
export * from "./models/avro_blob.ts";
export * from "./stream.ts";
export * from "./list_topics.ts";
export * from "./netrc.ts";
export * from "./csv_import.ts";
export { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from "../kafka/retry_policy.ts";
export { type Clock, type ClockTimer, ManualClock, systemClock } from "../clock.ts";
