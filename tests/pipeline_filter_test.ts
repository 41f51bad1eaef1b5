/**
 * Filters on `igwn-alert listen` and `Client.listen`, checked against simulated lifecycles: the
 * expected alerts are picked here from the simulator's output with plain code of this file, not
 * with the filter module.
 */
import assert from "node:assert/strict";
import { startBroker } from "../lib/broker/mod.ts";
import { Client } from "../lib/alert/client.ts";
import { encodeAlert } from "../lib/alert/payload.ts";
import type { Logger } from "../lib/hop/log.ts";
import {
  graceDbTopics,
  publishLifecycles,
  type SimulatedStep,
  simulateLifecycles,
} from "../lib/playground/mod.ts";
import { makeHome, runCliProcess } from "./support/cli.ts";
import { test } from "./support/deadline.ts";
import { REFUSED_ADDRESS } from "./support/network.ts";

const SEED = 3;
const COUNT = 8;
const ONE_PER_MONTH = 1 / (30 * 86400);

// deno-lint-ignore no-explicit-any
type Loose = any;

/** The simulated steps, with what the expectations below need read directly off the JSON. */
function steps(): { step: SimulatedStep; alert: Loose; far: number | null; group: string }[] {
  return simulateLifecycles({ seed: SEED, count: COUNT }).map((step) => {
    const alert = step.alert as Loose;
    const event = "superevent_id" in alert.object
      ? alert.object.preferred_event_data
      : alert.object;
    return { step, alert, far: alert.object.far, group: event.group };
  }).toArray();
}

/** `New message from topic T:` + one JSON line, as listen prints them. */
function printed(stdout: string): { topic: string; body: string }[] {
  const lines = stdout.split("\n");
  assert.equal(lines.pop(), "");
  const messages = [];
  for (let i = 0; i < lines.length; i += 2) {
    const match = /^New message from topic (\S+):$/.exec(lines[i]);
    assert.ok(match, `line ${i + 1}: ${lines[i].slice(0, 80)}`);
    messages.push({ topic: match[1], body: lines[i + 1] });
  }
  return messages;
}

const asPrinted = (step: SimulatedStep) => ({
  topic: step.topic,
  body: encodeAlert(step.alert) as string,
});

async function seededBroker() {
  const broker = await startBroker({ port: 0, topics: graceDbTopics("gracedb"), logger: () => {} });
  await publishLifecycles(`${broker.url}/`, { seed: SEED, count: COUNT, auth: false });
  return broker;
}

test({
  name: "listen filters: the CLI prints exactly the simulated alerts the criteria pick",
  deadlineMs: 180_000,
  async fn({ signal }) {
    await using broker = await seededBroker();
    const home = await makeHome();
    const all = steps();
    const listen = (args: string[], count: number) =>
      runCliProcess([
        "listen",
        "--no-auth",
        "--server",
        `${broker.url}/`,
        "--earliest",
        "--count",
        String(count),
        ...args,
      ], { home, signal, timeoutMs: 60_000 });

    // Significant CBC superevents: their sky map uploads, one topic so the order is GraceDB's.
    const skymaps = all.filter(({ step, alert, far, group }) =>
      step.topic === "gracedb.superevent" && alert.alert_type === "log" &&
      String(alert.data.filename).endsWith(".multiorder.fits") && group === "CBC" &&
      far !== null && far < ONE_PER_MONTH && alert.uid.startsWith("S")
    ).map(({ step }) => asPrinted(step));
    assert.ok(skymaps.length >= 2, `seed ${SEED} gives ${skymaps.length} significant sky maps`);
    const significant = await listen([
      "superevent",
      "--uid",
      "S*",
      "--event-group",
      "CBC",
      "--significant",
      "--type",
      "log",
      "--where",
      "data.filename ~ '*.multiorder.fits'",
    ], skymaps.length);
    assert.equal(significant.code, 0, significant.stderr);
    assert.deepEqual(printed(significant.stdout), skymaps);

    // Labels present and absent, on label_added alerts.
    const labelled = all.filter(({ step, alert }) =>
      step.topic === "gracedb.superevent" && alert.alert_type === "label_added" &&
      alert.object.labels.includes("EM_READY") && !alert.object.labels.includes("ADVREQ")
    ).map(({ step }) => asPrinted(step));
    assert.ok(labelled.length > 0);
    const labels = await listen(
      ["superevent", "--type", "label_added", "--label", "EM_READY", "--without-label", "ADVREQ"],
      labelled.length,
    );
    assert.equal(labels.code, 0, labels.stderr);
    assert.deepEqual(printed(labels.stdout), labelled);

    // Pipeline, search and FAR on every topic of the group: topics interleave, so compare sets.
    const gstlal = all.filter(({ alert, far }) =>
      !("superevent_id" in alert.object) && alert.object.pipeline === "gstlal" &&
      alert.object.search === "AllSky" && far !== null && far <= 1e-9
    ).map(({ step }) => asPrinted(step));
    assert.ok(gstlal.length > 0);
    const pipelines = await listen(
      ["--pipeline", "GSTLAL", "--search", "allsky", "--far-max", "1e-9", "--uid", "G*"],
      gstlal.length,
    );
    assert.equal(pipelines.code, 0, pipelines.stderr);
    const sorted = (list: { topic: string; body: string }[]) =>
      list.map((m) => `${m.topic} ${m.body}`).sort();
    assert.deepEqual(sorted(printed(pipelines.stdout)), sorted(gstlal));
  },
});

test({
  name: "a bad filter is one line naming the position, before any connection",
  async fn({ signal }) {
    const home = await makeHome();
    const cases: [string[], string][] = [
      [
        ["--where", "far <"],
        "igwn-alert: --where: filter 'far <' at position 6: expected a value, got the end",
      ],
      [
        ["--where", "labels has ADVOK"],
        "igwn-alert: --where: filter 'labels has ADVOK' at position 12: unknown field 'ADVOK' " +
        "(fields start with uid, alert_type, data, object, topic, far, pipeline, search, group, " +
        "labels, significant, superevent; quote text values)",
      ],
      [
        ["--where", "alert_type = 'new'"],
        "igwn-alert: --where: filter 'alert_type = 'new'' at position 12: use '==' to compare",
      ],
      [
        ["--far-max", "often"],
        "igwn-alert: option '--far-max <hz>' argument 'often' is invalid. " +
        "--far-max must be a rate in Hz >= 0, got 'often'.",
      ],
    ];
    for (const [args, line] of cases) {
      const result = await runCliProcess(
        ["listen", "--no-auth", "--server", `kafka://${REFUSED_ADDRESS}/`, ...args],
        { home, signal, timeoutMs: 30_000 },
      );
      assert.equal(result.stderr, `${line}\n`);
      assert.notEqual(result.code, 0);
      assert.equal(result.stdout, "");
    }
  },
});

test({
  name: "Client.listen with a filter hands over matches only and commits the others",
  async fn({ within }) {
    await using broker = await seededBroker();
    const superevents = steps().filter(({ step }) => step.topic === "gracedb.superevent");
    const wanted = superevents.filter(({ alert }) =>
      alert.alert_type === "voevent" && alert.data.voevent_type === "PR"
    );
    assert.ok(wanted.length > 0);
    const lastOffset = superevents.length - 1;
    const lastPassed = Promise.withResolvers<void>();
    const logger: Logger = {
      debug(line) {
        if (line.includes(`offset ${lastOffset} `) && line.includes("does not match")) {
          lastPassed.resolve();
        }
      },
      info() {},
      warn() {},
      error() {},
    };
    const options = { server: broker.url, noAuth: true, consumerGroup: "filtered", logger };
    await using client = new Client({ ...options, startAt: "earliest" });
    const seen: unknown[] = [];
    const listening = client.listen((_topic, payload) => void seen.push(payload), "superevent", {
      filter: { alertType: "voevent", where: "data.voevent_type == 'PR'" },
    });
    // The last superevent alert is not a preliminary notice: wait until it was passed over.
    assert.ok(!wanted.includes(superevents[lastOffset]));
    await within(lastPassed.promise, "the last alert to be passed over by the filter");
    client.stop();
    await within(listening, "the listener to end");
    assert.deepEqual(seen, wanted.map(({ alert }) => alert));

    // The same group resumes after the last alert, although no alert after the match was handed over.
    await using publisher = new Client({ server: broker.url, noAuth: true });
    await publisher.publish("superevent", { uid: "S-after", alert_type: "new" });
    await using again = new Client({ ...options, logger: undefined });
    for await (const alert of again.listen("superevent")) {
      assert.equal(alert.payload.uid, "S-after");
      break;
    }
    await assert.rejects(
      client.listen(() => {}, "superevent", { filter: { where: "far <" } }),
      /position 6/,
    );
    assert.throws(
      () => client.listen("superevent", { filter: { colour: "red" } as never }),
      /colour/,
    );
  },
});
