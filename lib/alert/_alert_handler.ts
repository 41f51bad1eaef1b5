/**
 * Running a listener's handler on one alert: retries with back-off, then the dead-letter sink.
 *
 * @module
 */

import type { Logger } from "../hop/log.ts";
import { sleep } from "../_sleep.ts";
import type { Clock } from "../clock.ts";
import { type DeadLetterHandler, MAX_HANDLER_RETRY_WAIT_MS } from "./client_options.ts";
import { alertPlace, appendDeadLetter, errorMessage } from "./_dead_letter.ts";
import type { MetricsCounters } from "./_metrics_counters.ts";
import type { Alert, AlertHandler } from "./listen_types.ts";
import type { GraceDbAlert } from "./types.ts";

/** What the runner needs of its client. */
export interface HandlerRunnerSettings {
  /** Extra attempts for a handler that throws. */
  handlerRetries: number;
  /** First wait before an attempt again, ms; it doubles, capped. */
  retryWaitMs: number;
  /** Where alerts go once their retries are spent; undefined: the listener stops. */
  deadLetter?: string | DeadLetterHandler;
  logger: Logger;
  counters: MetricsCounters;
  clock?: Clock;
}

/** Runs handlers on alerts for one client's listeners. */
export class HandlerRunner {
  readonly #settings: HandlerRunnerSettings;

  /** @param settings the client's retry and dead-letter settings */
  constructor(settings: HandlerRunnerSettings) {
    this.#settings = settings;
  }

  /**
   * Runs the handler until it succeeds, with back-off; once `handlerRetries` are spent, hands the
   * alert to the dead-letter sink. True when the alert may be committed, false when stopped first.
   *
   * @throws what the handler threw when no dead-letter sink is set, or why the sink failed
   */
  async run(
    callback: AlertHandler,
    alert: Alert,
    raw: boolean,
    stopped: AbortSignal,
  ): Promise<boolean> {
    const { counters, logger } = this.#settings;
    for (let attempt = 0;; attempt++) {
      if (attempt > 0) counters.handlerRetries++;
      try {
        await callback(alert.topic, (raw ? alert.raw : alert.payload) as GraceDbAlert, alert);
        counters.handlerSuccesses++;
        return true;
      } catch (error) {
        counters.handlerFailures++;
        if (attempt >= this.#settings.handlerRetries) {
          await this.#deadLetter(alert, error, attempt + 1);
          return true;
        }
        const failed = `handler failed for the alert at ${alertPlace(alert)}: ${
          errorMessage(error)
        }`;
        if (stopped.aborted) {
          logger.error(`${failed}; stopping with the alert uncommitted`);
          return false;
        }
        const delay = handlerRetryDelay(this.#settings.retryWaitMs, attempt);
        logger.error(`${failed}; delivering it again in ${delay} ms`);
        await sleep(delay, stopped, this.#settings.clock);
        if (stopped.aborted) return false;
      }
    }
  }

  /** Hands an alert whose handler retries are spent to `deadLetter`; throws when it cannot. */
  async #deadLetter(alert: Alert, error: unknown, attempts: number): Promise<void> {
    const { deadLetter: sink, logger } = this.#settings;
    const failed = `handler failed ${attempts} times for the alert at ${alertPlace(alert)}: ${
      errorMessage(error)
    }`;
    if (sink === undefined) {
      logger.error(
        `${failed}; no deadLetter is set, so listening stops with the alert uncommitted`,
      );
      throw error;
    }
    const into = typeof sink === "string"
      ? `the dead-letter file ${sink}`
      : "the deadLetter function";
    try {
      if (typeof sink === "string") await appendDeadLetter(sink, alert, error);
      else await sink(alert, error);
      this.#settings.counters.deadLetters++;
    } catch (sinkError) {
      const failure = new Error(
        `could not hand the alert at ${alertPlace(alert)} to ${into}, so it stays uncommitted: ${
          errorMessage(sinkError)
        }`,
        { cause: sinkError },
      );
      logger.error(`${failed}; ${failure.message}`);
      throw failure;
    }
    logger.error(`${failed}; handed to ${into}, committing it`);
  }
}

/** Wait before a failed handler's next attempt: `retryWaitMs` doubling, capped. */
function handlerRetryDelay(retryWaitMs: number, attempt: number): number {
  return Math.min(Math.max(retryWaitMs, 1) * 2 ** Math.min(attempt, 30), MAX_HANDLER_RETRY_WAIT_MS);
}
