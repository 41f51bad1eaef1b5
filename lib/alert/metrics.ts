/**
 * What a {@link Client}'s listeners have done: the numbers behind `client.metrics()` and the
 * CLI's Prometheus endpoint.
 *
 * @module
 */

/**
 * Alerts received on one topic with one `alert_type`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AlertCount } from "@igwn/alert";
 * const count: AlertCount = { topic: "superevent", alertType: "new", count: 2 };
 * assert.equal(count.count, 2);
 * ```
 */
export interface AlertCount {
  /** Topic without the group prefix. */
  topic: string;
  /** The alert's `alert_type`, or `"unknown"` for a payload without one. */
  alertType: string;
  /** Alerts received. */
  count: number;
}

/**
 * A snapshot of the listeners' numbers, as {@link Client.metrics} returns it. Counters add up over
 * every `listen` call of the client.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Client, type ClientMetrics } from "@igwn/alert";
 * const metrics: ClientMetrics = new Client({ noAuth: true }).metrics();
 * assert.deepEqual(metrics.received, []);
 * assert.equal(metrics.handlerSuccesses, 0);
 * assert.equal(metrics.lastAlertTime, undefined);
 * ```
 */
export interface ClientMetrics {
  /** Alerts received (matching the filter or not), by topic and alert type. */
  received: AlertCount[];
  /** Alerts passed over (and committed) because they did not match the listener's filter. */
  filteredOut: number;
  /** Handler calls that returned (callback form). */
  handlerSuccesses: number;
  /** Handler calls that threw. */
  handlerFailures: number;
  /** Handler calls that were repeats of a failed one. */
  handlerRetries: number;
  /** Alerts handed to `deadLetter`. */
  deadLetters: number;
  /** Messages of the assigned partitions not yet handed over, summed over running listeners. */
  consumerLag: number;
  /** Connection losses ridden through, and streams opened again, since the client was made. */
  reconnections: number;
  /** When the last alert was received, ms since the epoch. */
  lastAlertTime?: number;
  /** Whether a listener has its partitions assigned. */
  ready: boolean;
  /** Whether every running listener is connected (false when none runs). */
  connected: boolean;
}
