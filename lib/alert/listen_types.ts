/**
 * What {@link Client.listen} hands over and takes: the alert, the handler, the per-call options.
 *
 * @module
 */

import type { Metadata, StartPosition } from "../hop/stream.ts";
import type { AlertFilter } from "./filter.ts";
import type { GraceDbAlert } from "./types.ts";

/**
 * One alert received by {@link Client.listen}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { Client } from "./client.ts";
 * import type { Alert } from "./listen_types.ts";
 * import { encodeAlert } from "./payload.ts";
 * const topics = ["gracedb.superevent"];
 * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
 * await using client = new Client({ server: broker.url, noAuth: true, startAt: "earliest" });
 * const steps = simulateLifecycles({ seed: 1, count: 1 });
 * const { alert } = steps.find((step) => step.topic === "gracedb.superevent")!;
 * await client.publish("superevent", alert);
 * for await (const received of client.listen("superevent")) {
 *   const first: Alert = received;
 *   assert.deepEqual([first.topic, first.fullTopic], ["superevent", "gracedb.superevent"]);
 *   assert.deepEqual([first.payload, first.problem], [alert, undefined]);
 *   assert.equal(first.raw, encodeAlert(alert)); // what the Python client hands over
 *   assert.equal(first.metadata.offset, 0);
 *   break;
 * }
 * ```
 */
export interface Alert {
  /** Topic name without the group prefix, e.g. `superevent`. */
  topic: string;
  /** Kafka topic name, e.g. `gracedb.superevent`. */
  fullTopic: string;
  /**
   * The decoded alert object. When {@link Alert.problem} is set, this is whatever arrived (text or
   * another JSON value) and may not match the type.
   */
  payload: GraceDbAlert;
  /** Exactly what the Python client handed to callbacks (for GraceDB: the alert's JSON text). */
  raw: unknown;
  /** Why the payload is not a valid GraceDB alert, when it is not. */
  problem?: string;
  /** Kafka position, timestamp, key and headers. */
  metadata: Metadata;
}

/**
 * Handler for the callback form of {@link Client.listen}. It may be async; the alert is
 * committed only after it returns (or its promise resolves).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { Client } from "./client.ts";
 * import type { AlertHandler } from "./listen_types.ts";
 * const topics = ["gracedb.superevent"];
 * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
 * await using client = new Client({ server: broker.url, noAuth: true, startAt: "earliest" });
 * const steps = simulateLifecycles({ seed: 1, count: 1 });
 * const { alert } = steps.find((step) => step.topic === "gracedb.superevent")!;
 * await client.publish("superevent", alert);
 * const seen: string[] = [];
 * const handler: AlertHandler = (topic, payload) => {
 *   seen.push(`${topic} ${payload.alert_type}`);
 *   client.stop(); // listen() resolves once this alert is committed
 * };
 * await client.listen(handler, "superevent");
 * assert.deepEqual(seen, ["superevent new"]);
 * ```
 */
export type AlertHandler = (topic: string, payload: GraceDbAlert, alert: Alert) => unknown;

/**
 * Per-call options of {@link Client.listen}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { Client } from "./client.ts";
 * import type { ListenOptions } from "./listen_types.ts";
 * import { encodeAlert } from "./payload.ts";
 * const topics = ["gracedb.superevent"];
 * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
 * await using client = new Client({ server: broker.url, noAuth: true }); // starts at "latest"
 * const steps = simulateLifecycles({ seed: 1, count: 1 });
 * const { alert } = steps.find((step) => step.topic === "gracedb.superevent")!;
 * await client.publish("superevent", alert);
 * const ready: string[][] = [];
 * const payloads: unknown[] = [];
 * const options: ListenOptions = { startAt: "earliest", raw: true, onReady: (t) => ready.push(t) };
 * await client.listen((_topic, payload) => {
 *   payloads.push(payload); // with `raw`, the JSON text the Python client would get
 *   client.stop();
 * }, "superevent", options);
 * assert.deepEqual(ready, [["gracedb.superevent"]]);
 * assert.deepEqual(payloads, [encodeAlert(alert)]);
 * ```
 */
export interface ListenOptions {
  /** Aborting it ends this listener (like {@link Client.stop}). */
  signal?: AbortSignal;
  /** Called each time the listener has its partitions assigned and is ready to receive. */
  onReady?: (topics: string[]) => void;
  /** Hand the Python client's value to callbacks instead of the decoded object. */
  raw?: boolean;
  /**
   * Overrides the client's `startAt` for this listener: `"earliest"`, `"latest"`, `{ offset }`,
   * `{ since }` (a relative time counts from the call to `listen`) or `{ last: N }`.
   */
  startAt?: StartPosition;
  /**
   * Apply `startAt` even where the consumer group has committed offsets (see
   * {@linkcode StartPosition}); only when the listener first opens, not when it reopens.
   */
  resetOffsets?: boolean;
  /**
   * Hand over only the alerts that satisfy this: criteria (see {@link AlertFilter}, checked when
   * `listen` is called, before connecting) or a function of the alert. The others are committed
   * without being handed over, so a restarted listener does not see them again.
   */
  filter?: AlertFilter | ((alert: Alert) => boolean);
  /**
   * Callback form only: how many alerts the handler may work on at once. Default 1. Alerts with
   * the same {@link ListenOptions.orderKey} are still handled one after the other, in order, and
   * an alert is committed only once every alert before it on its partition has been handled.
   */
  concurrency?: number;
  /**
   * With `concurrency`: alerts with the same key are handled in order. Default: the superevent
   * the alert is about (its `superevent_id`, an event's `superevent`, else its `uid`).
   */
  orderKey?: (alert: Alert) => string;
}
