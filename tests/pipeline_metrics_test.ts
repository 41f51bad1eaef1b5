/**
 * `listen --metrics`: a real HTTP client scrapes the Prometheus endpoint and `/healthz` of a
 * listener running a command per alert, and the counters match the alerts sent.
 */
import assert from "node:assert/strict";
import { startBroker } from "../lib/broker/mod.ts";
import { graceDbTopics, publishLifecycles, simulateLifecycles } from "../lib/playground/mod.ts";
import { execScriptDir, makeHome, startCliProcess } from "./support/cli.ts";
import { test, waitFor } from "./support/deadline.ts";

const SEED = 5;
const COUNT = 2;

/** Prometheus text → `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    map.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return map;
}

test({
  name: "listen --metrics serves counters that match the alerts sent, and /healthz",
  async fn({ signal }) {
    await using broker = await startBroker({
      port: 0,
      topics: graceDbTopics("gracedb"),
      logger: () => {},
    });
    const started = Date.now();
    await publishLifecycles(`${broker.url}/`, { seed: SEED, count: COUNT, auth: false });
    const superevent = simulateLifecycles({ seed: SEED, count: COUNT })
      .filter((step) => step.topic === "gracedb.superevent").map((step) => step.alert.alert_type)
      .toArray();
    const count = (type: string) => superevent.filter((t) => t === type).length;
    const handled = ["new", "event_added", "label_added"];
    assert.ok(count("event_added") > 0 && count("new") > 0);

    // Alerts of events added always fail; the rest succeed.
    const { dir, script } = await execScriptDir(
      () => 'cat >/dev/null\n[ "$IGWN_ALERT_TYPE" != event_added ]\n',
      "igwn-alert-metrics-",
    );
    const home = await makeHome();
    try {
      await using listener = startCliProcess([
        "listen",
        "superevent",
        "--no-auth",
        "--server",
        `${broker.url}/`,
        "--earliest",
        "--type",
        handled.join(","),
        "--exec",
        script,
        "--retries",
        "1",
        "--dead-letter",
        `${dir}/out/dead.ndjson`,
        "-w",
        "0.01",
        "--metrics",
        "127.0.0.1:0",
      ], {
        home,
        signal,
        env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
        runPrograms: [script],
      });
      const [, port] = await listener.waitFor(
        /^igwn-alert: metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics and \/healthz$/m,
        "stderr",
        60_000,
      );
      const url = `http://127.0.0.1:${port}`;
      const scrape = async () => {
        const response = await fetch(`${url}/metrics`);
        assert.equal(response.status, 200);
        assert.match(response.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
        return samples(await response.text());
      };
      const want = {
        successes: count("new") + count("label_added"),
        failures: 2 * count("event_added"),
      };
      const metrics = await waitFor(async () => {
        const found = await scrape();
        const done = (found.get("igwn_alert_handler_successes_total") ?? 0) +
          (found.get("igwn_alert_handler_failures_total") ?? 0);
        return done === want.successes + want.failures &&
            found.get("igwn_alert_alerts_filtered_out_total") ===
              superevent.length - handled.reduce((n, type) => n + count(type), 0)
          ? found
          : undefined;
      }, { deadlineMs: 60_000, what: "every alert to be handled or passed over" });

      for (const type of new Set(superevent)) {
        assert.equal(
          metrics.get(
            `igwn_alert_alerts_received_total{topic="superevent",alert_type="${type}"}`,
          ),
          count(type),
          type,
        );
      }
      assert.equal(metrics.get("igwn_alert_handler_successes_total"), want.successes);
      assert.equal(metrics.get("igwn_alert_handler_failures_total"), want.failures);
      assert.equal(metrics.get("igwn_alert_handler_retries_total"), count("event_added"));
      assert.equal(metrics.get("igwn_alert_dead_letters_total"), count("event_added"));
      assert.equal(metrics.get("igwn_alert_consumer_lag"), 0);
      assert.equal(metrics.get("igwn_alert_reconnections_total"), 0);
      assert.equal(metrics.get("igwn_alert_ready"), 1);
      assert.equal(metrics.get("igwn_alert_connected"), 1);
      const last = metrics.get("igwn_alert_last_alert_timestamp_seconds")! * 1000;
      assert.ok(last >= started && last <= Date.now(), `last alert at ${last}`);
      const dead = (await Deno.readTextFile(`${dir}/out/dead.ndjson`)).trimEnd().split("\n");
      assert.equal(dead.length, count("event_added"));

      const healthz = await fetch(`${url}/healthz`);
      assert.equal([healthz.status, await healthz.text()].join(" "), "200 ok\n");
      const missing = await fetch(`${url}/other`);
      assert.equal(missing.status, 404);
      await missing.body?.cancel();

      const stopped = await listener.stop("SIGTERM");
      assert.equal(stopped.code, 0, stopped.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

test({
  name: "listen --log-format json writes one JSON object per stderr line",
  async fn({ signal }) {
    await using broker = await startBroker({
      port: 0,
      topics: graceDbTopics("gracedb"),
      logger: () => {},
    });
    await publishLifecycles(`${broker.url}/`, { seed: SEED, count: 1, auth: false });
    const { dir, script } = await execScriptDir(
      () => 'cat >/dev/null\n[ "$IGWN_ALERT_OFFSET" != 0 ]\n',
      "igwn-alert-json-log-",
    );
    const home = await makeHome();
    try {
      await using listener = startCliProcess([
        "listen",
        "superevent",
        "--no-auth",
        "--server",
        `${broker.url}/`,
        "--earliest",
        "--exec",
        script,
        "--retries",
        "0",
        "--dead-letter",
        `${dir}/out/dead.ndjson`,
        "--count",
        "1",
        "--log-format",
        "json",
        "-l",
        "info",
        "--metrics",
        "127.0.0.1:0",
      ], {
        home,
        signal,
        env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
        runPrograms: [script],
      });
      const result = await listener.finished(60_000);
      assert.equal(result.code, 0, result.stderr);
      const records = result.stderr.trimEnd().split("\n").map((line) => JSON.parse(line));
      for (const record of records) {
        assert.deepEqual(Object.keys(record), ["time", "level", "name", "message"]);
        assert.ok(!Number.isNaN(Date.parse(record.time)));
      }
      assert.ok(records.some((r) => r.level === "info" && /^metrics on http:/.test(r.message)));
      assert.ok(
        records.some((r) =>
          r.level === "info" && /^ready, listening to 1 topic of /.test(r.message)
        ),
        result.stderr,
      );
      assert.ok(
        records.some((r) =>
          r.level === "error" &&
          /^handler failed 1 times for the alert at gracedb\.superevent partition 0 offset 0 .* exited with status 1; handed to the dead-letter file/
            .test(r.message)
        ),
        result.stderr,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
