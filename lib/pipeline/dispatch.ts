/**
 * Runs the commands of a pipeline for each alert: every command whose topics and filter accept
 * the alert, one after the other, in configuration order.
 *
 * @module
 */

import type { Alert } from "../alert/listen_types.ts";
import { matchAlert } from "../alert/filter.ts";
import type { Logger } from "../hop/log.ts";
import { silentLogger } from "../hop/log.ts";
import { alertPlace } from "../alert/_dead_letter.ts";
import type { CommandRoute } from "./config.ts";
import { runAlertCommand } from "./exec.ts";

/** How an {@link AlertDispatcher} runs commands. */
export interface DispatcherOptions {
  /** Longest run of a command without a timeout of its own, ms; default no limit. */
  timeoutMs?: number;
  /** Receives one line per command run. */
  logger?: Logger;
  /** Aborting stops running commands. */
  signal?: AbortSignal;
}

/**
 * Hands each alert to the commands that want it. {@link AlertDispatcher.dispatch} resolves when
 * every one of them exited 0 and rejects with the first failure; when the same alert is
 * dispatched again (a retry), the commands that already succeeded for it are not run again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePipelineConfig } from "./config.ts";
 * import { AlertDispatcher } from "./dispatch.ts";
 * const config = parsePipelineConfig(
 *   '[[command]]\nexec = "true"\nalert_type = "new"\n[[command]]\nexec = "false"\ntopics = ["cbc_gstlal"]',
 *   "p.toml",
 * );
 * const dispatcher = new AlertDispatcher(config.commands);
 * const metadata = { topic: "gracedb.superevent", partition: 0, offset: 0, timestamp: 0, key: null, headers: [] };
 * const alert = { topic: "superevent", fullTopic: "gracedb.superevent", metadata,
 *   payload: { uid: "S1", alert_type: "new" }, raw: "{}" } as never;
 * assert.deepEqual(dispatcher.routesFor(alert).map((route) => route.line), ["true"]);
 * assert.equal(await dispatcher.dispatch(alert), 1);
 * ```
 */
export class AlertDispatcher {
  readonly #routes: { route: CommandRoute; accepts: (alert: Alert) => boolean }[];
  readonly #options: DispatcherOptions;
  /** Per alert in progress: the commands that already succeeded for it. */
  readonly #progress = new Map<string, Set<number>>();

  /**
   * @param routes the commands and the alerts each one wants.
   * @param options timeout, logging and cancellation.
   */
  constructor(routes: readonly CommandRoute[], options: DispatcherOptions = {}) {
    this.#options = options;
    this.#routes = routes.map((route) => {
      const matches = matchAlert(route.filter);
      const topics = route.topics ? new Set(route.topics) : undefined;
      return {
        route,
        accepts: (alert: Alert) =>
          (!topics || topics.has(alert.topic)) && matches(alert.payload, alert.topic),
      };
    });
  }

  /**
   * The commands that want `alert`.
   *
   * @param alert the alert.
   * @returns the routes, in configuration order.
   */
  routesFor(alert: Alert): CommandRoute[] {
    return this.#routes.filter(({ accepts }) => accepts(alert)).map(({ route }) => route);
  }

  /**
   * Runs the commands that want `alert`.
   *
   * @param alert the alert.
   * @returns how many commands ran for it (0 when none wants it).
   * @throws {AlertCommandError} the first command failure.
   */
  async dispatch(alert: Alert): Promise<number> {
    const { topic, partition, offset } = alert.metadata;
    const place = `${topic}\0${partition}\0${offset}`;
    let done = this.#progress.get(place);
    if (!done) {
      // Alerts given up on (dead-lettered) leave their entry: keep the map small.
      if (this.#progress.size >= 1000) this.#progress.clear();
      this.#progress.set(place, done = new Set());
    }
    const logger = this.#options.logger ?? silentLogger;
    let ran = 0;
    for (const [index, { route, accepts }] of this.#routes.entries()) {
      if (!accepts(alert)) continue;
      ran++;
      if (done.has(index)) continue;
      const started = performance.now();
      await runAlertCommand(route.command, alert, {
        timeoutMs: route.timeoutMs ?? this.#options.timeoutMs,
        signal: this.#options.signal,
      });
      done.add(index);
      logger.info(
        `command '${route.line}' succeeded for the alert at ${alertPlace(alert)} in ${
          Math.round(performance.now() - started)
        } ms`,
      );
    }
    this.#progress.delete(place);
    return ran;
  }
}
