/**
 * Publishes simulated GraceDB lifecycles to a Kafka broker, paced like GraceDB or as fast as
 * the broker takes them.
 *
 * @module
 */
import { Blob } from "../hop/models/blob.ts";
import { encodePublicAlert, PUBLIC_ALERT_TOPIC } from "../alert/public_alert.ts";
import { publicAlertOf } from "./public_alerts.ts";
import { encodeAlert } from "../alert/payload.ts";
import type { Auth } from "../hop/auth.ts";
import type { Logger } from "../hop/log.ts";
import type { Producer } from "../hop/stream.ts";
import { PublishSchedule } from "./_pacing.ts";
import { type SimulatedStep, simulateLifecycles, type SimulateOptions } from "./simulate.ts";
import { sleep } from "../_sleep.ts";

/**
 * Options of {@linkcode publishLifecycles}: the simulation's (seed, groups, count, start time)
 * plus pacing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { graceDbTopics, PlaygroundOptionError, publishLifecycles } from "./mod.ts";
 * import type { PublishOptions } from "./mod.ts";
 * const topics = graceDbTopics("gracedb-test");
 * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
 * const published: string[] = [];
 * const options: PublishOptions = {
 *   seed: 1, count: 1, groups: ["gracedb-test"], auth: false,
 *   onPublished: (step) => void published.push(step.topic),
 * };
 * const summary = await publishLifecycles(`${broker.url}/`, options);
 * assert.equal(published.length, summary.alerts);
 * assert.ok(published.every((topic) => topics.includes(topic)));
 * await assert.rejects(publishLifecycles(broker.url, { rate: 0 }), PlaygroundOptionError);
 * ```
 */
export interface PublishOptions extends SimulateOptions {
  /**
   * Lifecycles per minute. Without `realtime`, each lifecycle's alerts are spread over its share
   * of the minute in GraceDB's proportions; with it, lifecycles start at this rate (never
   * before the previous one ended) and keep GraceDB's delays.
   */
  rate?: number;
  /** Wait GraceDB-like delays between alerts (a lifecycle then takes many minutes). */
  realtime?: boolean;
  /** Aborting stops publishing at the next alert; already queued alerts are still flushed. */
  signal?: AbortSignal;
  /** Credential when a broker URL is given (default: auth.toml lookup, as `openStream`). */
  auth?: boolean | Auth | Auth[];
  /**
   * Called after each alert is acknowledged by the broker; publishing waits for the returned
   * promise (the playground's listener uses it to print alerts in a reproducible order).
   */
  onPublished?: (step: SimulatedStep) => void | Promise<void>;
  /**
   * Also publish, on `igwn.gwalert`, the public notice GCN would send for each VOEvent (see
   * {@linkcode publicAlertOf}); the topic must exist. Default false.
   */
  publicAlerts?: boolean;
  /** Progress lines (one per lifecycle) go here. */
  logger?: Logger;
}

/**
 * What {@linkcode publishLifecycles} did.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { graceDbTopics, publishLifecycles, type PublishSummary } from "./mod.ts";
 * const topics = graceDbTopics("gracedb");
 * await using broker = await startBroker({ port: 0, topics, logger: () => {} });
 * const stop = new AbortController();
 * const summary: PublishSummary = await publishLifecycles(`${broker.url}/`, {
 *   seed: 1, auth: false, signal: stop.signal, onPublished: () => stop.abort(),
 * });
 * assert.deepEqual(summary, { lifecycles: 0, alerts: 1, aborted: true });
 * ```
 */
export interface PublishSummary {
  /** Lifecycles published completely. */
  lifecycles: number;
  /** Alerts acknowledged by the broker. */
  alerts: number;
  /** True when the signal stopped publishing early. */
  aborted: boolean;
}

/**
 * Error for a pacing option that makes no sense, e.g. a rate of zero.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { PlaygroundOptionError } from "./publish.ts";
 * const error = new PlaygroundOptionError("--rate must be a positive number, got '0'");
 * assert.strictEqual(error.name, "PlaygroundOptionError");
 * assert.strictEqual(error.message, "--rate must be a positive number, got '0'");
 * ```
 */
export class PlaygroundOptionError extends Error {
  /**
   * Builds the error.
   *
   * @param message which option is wrong and why
   */
  constructor(message: string) {
    super(message);
    this.name = "PlaygroundOptionError";
  }
}

/**
 * Publishes simulated lifecycles (see {@linkcode simulateLifecycles}) the way GraceDB does:
 * each alert's JSON text as a JSON string literal with hop's headers, to `<group>.<topic>`.
 *
 * Pacing: as fast as possible by default; `rate` lifecycles per minute; `realtime` for
 * GraceDB-like delays. Ends after `count` lifecycles (or never), or when `signal` aborts.
 *
 * @param target an open {@linkcode Producer} (left open) or a broker URL such as
 *   `kafka://127.0.0.1:9092/` (a producer is opened and closed here)
 * @param options simulation and pacing options
 * @returns how many lifecycles and alerts went out
 * @throws {PlaygroundOptionError} for a non-positive or non-finite `rate`
 * @throws {DeliveryError} when the broker did not acknowledge some alerts
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { startBroker } from "../broker/mod.ts";
 * import { graceDbTopics, publishLifecycles, simulateLifecycles } from "./mod.ts";
 *
 * await using broker = await startBroker({
 *   port: 0,
 *   topics: graceDbTopics("gracedb"),
 *   logger: () => {},
 * });
 * const summary = await publishLifecycles(`${broker.url}/`, { seed: 1, count: 2, auth: false });
 * const simulated = [...simulateLifecycles({ seed: 1, count: 2 })];
 * assert.deepStrictEqual(summary, { lifecycles: 2, alerts: simulated.length, aborted: false });
 * ```
 */
export async function publishLifecycles(
  target: Producer | string,
  options: PublishOptions = {},
): Promise<PublishSummary> {
  const { rate, realtime = false, signal, onPublished, logger } = options;
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) {
    throw new PlaygroundOptionError(
      `rate must be a positive number of lifecycles per minute, got ${rate}`,
    );
  }
  let producer: Producer;
  let owned = false;
  if (typeof target === "string") {
    const { openStream } = await import("../hop/stream.ts");
    producer = await openStream(target, "w", { auth: options.auth ?? true, logger });
    owned = true;
  } else {
    producer = target;
  }

  const summary: PublishSummary = { lifecycles: 0, alerts: 0, aborted: false };
  const schedule = new PublishSchedule({ rate, realtime }, performance.now());
  const paced = schedule.paced;
  let pending = 0;
  try {
    for (const step of simulateLifecycles(options)) {
      if (signal?.aborted) break;
      if (paced) {
        await sleep(schedule.dueAt(step) - performance.now(), signal);
        if (signal?.aborted) break;
      }
      await producer.write(encodeAlert(step.alert, "gracedb"), { topic: step.topic });
      const notice = options.publicAlerts ? publicAlertOf(step) : undefined;
      if (notice) {
        await producer.write(new Blob(encodePublicAlert(notice)), { topic: PUBLIC_ALERT_TOPIC });
      }
      pending++;
      // Alone on the clock, batching a lifecycle is fastest; paced or observed, each alert goes now.
      if (paced || onPublished || step.last) {
        await producer.flush();
        summary.alerts += pending;
        pending = 0;
      }
      if (onPublished) await onPublished(step);
      if (step.last) {
        summary.lifecycles++;
        schedule.lifecycleEnded(performance.now());
        logger?.info(
          `published lifecycle ${step.lifecycle + 1} (${step.superevent}, ${
            step.sequence + 1
          } alerts)`,
        );
      }
    }
    if (pending) {
      await producer.flush();
      summary.alerts += pending;
    }
  } finally {
    summary.aborted = signal?.aborted ?? false;
    if (owned) await producer.close();
  }
  return summary;
}
