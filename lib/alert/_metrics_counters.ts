// The counters behind Client.metrics(); the client adds what its streams know (lag, connection).

import type { AlertCount } from "./metrics.ts";

/** The counters a Client keeps; the snapshot is built by the client, which knows its streams. */
export class MetricsCounters {
  readonly #received = new Map<string, AlertCount>();
  filteredOut = 0;
  handlerSuccesses = 0;
  handlerFailures = 0;
  handlerRetries = 0;
  deadLetters = 0;
  /** Reconnections of streams already closed, and reopenings of the stream. */
  reconnections = 0;
  lastAlertTime?: number;
  readyListeners = 0;

  /** Counts one received alert. */
  receive(topic: string, payload: unknown): void {
    const type = (payload as { alert_type?: unknown } | null)?.alert_type;
    const alertType = typeof type === "string" ? type : "unknown";
    const key = `${topic}\0${alertType}`;
    const entry = this.#received.get(key);
    if (entry) entry.count++;
    else this.#received.set(key, { topic, alertType, count: 1 });
    this.lastAlertTime = Date.now();
  }

  /** The received counts, sorted by topic then alert type. */
  received(): AlertCount[] {
    return [...this.#received.values()].map((entry) => ({ ...entry })).sort((a, b) =>
      a.topic === b.topic ? a.alertType.localeCompare(b.alertType) : a.topic.localeCompare(b.topic)
    );
  }
}
