/**
 * The listener's numbers over HTTP: `/metrics` in Prometheus' text format and `/healthz` for
 * systemd watchdogs and Kubernetes probes.
 *
 * @module
 */

import type { ClientMetrics } from "../alert/metrics.ts";

/** Default of `maxLag`: more messages behind than this and `/healthz` answers 503. */
export const DEFAULT_HEALTHY_LAG = 1000;

function label(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/**
 * The metrics in Prometheus' text exposition format.
 *
 * @param metrics a snapshot from `client.metrics()`.
 * @returns the text, ending with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prometheusText } from "./metrics_server.ts";
 * const text = prometheusText({
 *   received: [{ topic: "superevent", alertType: "new", count: 2 }], filteredOut: 1,
 *   handlerSuccesses: 2, handlerFailures: 0, handlerRetries: 0, deadLetters: 0,
 *   consumerLag: 0, reconnections: 0, lastAlertTime: 1500, ready: true, connected: true,
 * });
 * assert.match(text, /^igwn_alert_alerts_received_total\{topic="superevent",alert_type="new"\} 2$/m);
 * assert.match(text, /^igwn_alert_last_alert_timestamp_seconds 1\.5$/m);
 * ```
 */
export function prometheusText(metrics: ClientMetrics): string {
  const lines: string[] = [];
  const family = (name: string, type: "counter" | "gauge", help: string, samples: string[]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  };
  family(
    "igwn_alert_alerts_received_total",
    "counter",
    "Alerts received, by topic (without the group prefix) and alert type.",
    metrics.received.map(({ topic, alertType, count }) =>
      `igwn_alert_alerts_received_total{topic="${label(topic)}",alert_type="${
        label(alertType)
      }"} ${count}`
    ),
  );
  const single = (name: string, type: "counter" | "gauge", help: string, value: number) =>
    family(name, type, help, [`${name} ${value}`]);
  single(
    "igwn_alert_alerts_filtered_out_total",
    "counter",
    "Alerts that did not match the filter (committed without handling).",
    metrics.filteredOut,
  );
  single(
    "igwn_alert_handler_successes_total",
    "counter",
    "Handler (command) runs that succeeded.",
    metrics.handlerSuccesses,
  );
  single(
    "igwn_alert_handler_failures_total",
    "counter",
    "Handler (command) runs that failed.",
    metrics.handlerFailures,
  );
  single(
    "igwn_alert_handler_retries_total",
    "counter",
    "Handler (command) runs that repeated a failed one.",
    metrics.handlerRetries,
  );
  single(
    "igwn_alert_dead_letters_total",
    "counter",
    "Alerts handed to the dead-letter file after their retries.",
    metrics.deadLetters,
  );
  single(
    "igwn_alert_consumer_lag",
    "gauge",
    "Messages of the assigned partitions not yet handled.",
    metrics.consumerLag,
  );
  single(
    "igwn_alert_reconnections_total",
    "counter",
    "Connection losses ridden through and streams opened again.",
    metrics.reconnections,
  );
  if (metrics.lastAlertTime !== undefined) {
    single(
      "igwn_alert_last_alert_timestamp_seconds",
      "gauge",
      "When the last alert was received, seconds since the epoch.",
      metrics.lastAlertTime / 1000,
    );
  }
  single("igwn_alert_ready", "gauge", "1 once partitions are assigned.", metrics.ready ? 1 : 0);
  single(
    "igwn_alert_connected",
    "gauge",
    "1 while connected to the broker.",
    metrics.connected ? 1 : 0,
  );
  return lines.join("\n") + "\n";
}

/**
 * Whether the listener is healthy: ready, connected, and at most `maxLag` messages behind.
 *
 * @param metrics a snapshot from `client.metrics()`.
 * @param maxLag largest healthy lag.
 * @returns the verdict and why.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { health } from "./metrics_server.ts";
 * const base = { received: [], filteredOut: 0, handlerSuccesses: 0, handlerFailures: 0,
 *   handlerRetries: 0, deadLetters: 0, reconnections: 0, ready: true, connected: true };
 * assert.equal(health({ ...base, consumerLag: 5 }, 10).healthy, true);
 * assert.deepEqual(health({ ...base, consumerLag: 50 }, 10).problems, ["lag 50 is over 10"]);
 * ```
 */
export function health(
  metrics: ClientMetrics,
  maxLag: number = DEFAULT_HEALTHY_LAG,
): { healthy: boolean; problems: string[] } {
  const problems: string[] = [];
  if (!metrics.ready) problems.push("not ready: no partitions assigned yet");
  if (!metrics.connected) problems.push("not connected to the broker");
  if (metrics.consumerLag > maxLag) problems.push(`lag ${metrics.consumerLag} is over ${maxLag}`);
  return { healthy: problems.length === 0, problems };
}

/** Where and how {@link serveMetrics} serves. */
export interface MetricsServerOptions {
  /** Interface to bind. */
  hostname: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Largest lag `/healthz` accepts. Default {@link DEFAULT_HEALTHY_LAG}. */
  maxLag?: number;
}

/**
 * Serves `/metrics` and `/healthz` (200 `ok`, else 503 with the problems, one per line).
 *
 * @param metrics returns the current snapshot.
 * @param options address and health threshold.
 * @returns the bound address and a way to stop serving.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Client } from "../alert/client.ts";
 * import { serveMetrics } from "./metrics_server.ts";
 * const client = new Client({ noAuth: true });
 * await using server = await serveMetrics(() => client.metrics(), { hostname: "127.0.0.1", port: 0 });
 * const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
 * assert.equal(response.status, 503); // nothing listens yet
 * assert.match(await response.text(), /not ready/);
 * const metrics = await fetch(`http://127.0.0.1:${server.port}/metrics`);
 * assert.match(await metrics.text(), /^igwn_alert_ready 0$/m);
 * ```
 */
export async function serveMetrics(
  metrics: () => ClientMetrics,
  options: MetricsServerOptions,
): Promise<{ port: number; hostname: string } & AsyncDisposable & { close(): Promise<void> }> {
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    onListen: (addr) => listening.resolve(addr as Deno.NetAddr),
    onError: () => new Response("internal error\n", { status: 500 }),
  }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/metrics") {
      return new Response(prometheusText(metrics()), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    }
    if (path === "/healthz") {
      const { healthy, problems } = health(metrics(), options.maxLag);
      return new Response(healthy ? "ok\n" : problems.join("\n") + "\n", {
        status: healthy ? 200 : 503,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    return new Response("not found: try /metrics or /healthz\n", { status: 404 });
  });
  const addr = await listening.promise;
  const close = () => server.shutdown();
  return { port: addr.port, hostname: addr.hostname, close, [Symbol.asyncDispose]: close };
}
