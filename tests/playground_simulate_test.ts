import assert from "node:assert/strict";
import {
  type GraceDbAlert,
  type GraceDbEvent,
  isEventAlert,
  isSupereventAlert,
  type Superevent,
  validateAlert,
} from "../lib/alert/types.ts";
import {
  graceDbTopics,
  parsePlaygroundGroup,
  PLAYGROUND_GROUPS,
  type SimulatedStep,
  simulateLifecycles,
  UnknownGroupError,
} from "../lib/playground/mod.ts";
import { test } from "./support/deadline.ts";

const ALL_GROUPS = PLAYGROUND_GROUPS;

function collect(seed: number | string, count: number, groups = ALL_GROUPS): SimulatedStep[] {
  return [...simulateLifecycles({ seed, count, groups })];
}

function byLifecycle(steps: SimulatedStep[]): SimulatedStep[][] {
  const lifecycles: SimulatedStep[][] = [];
  for (const step of steps) (lifecycles[step.lifecycle] ??= []).push(step);
  return lifecycles;
}

test("simulateLifecycles() repeats itself byte for byte for the same seed", () => {
  const first = JSON.stringify(collect(42, 6));
  const second = JSON.stringify(collect(42, 6));
  assert.equal(first, second);
  assert.notEqual(JSON.stringify(collect(43, 6)), first);
});

test("simulateLifecycles() gives the first lifecycles the same content whatever the count", () => {
  const short = collect("abc", 2);
  const long = collect("abc", 5).filter((step) => step.lifecycle < 2);
  assert.equal(JSON.stringify(long), JSON.stringify(short));
});

test("simulateLifecycles() stops after count lifecycles and marks each lifecycle's end", () => {
  const steps = collect(3, 4);
  assert.deepEqual([...new Set(steps.map((s) => s.lifecycle))], [0, 1, 2, 3]);
  for (const lifecycle of byLifecycle(steps)) {
    assert.deepEqual(
      lifecycle.map((s) => s.last),
      lifecycle.map((_, i) => i === lifecycle.length - 1),
    );
    assert.deepEqual(lifecycle.map((s) => s.sequence), lifecycle.map((_, i) => i));
  }
});

test("every simulated alert passes validateAlert()", () => {
  let checked = 0;
  for (const seed of [1, 2, 3, 4, 5]) {
    for (const step of collect(seed, 12)) {
      assert.deepEqual(validateAlert(step.alert), [], `${step.topic} ${step.alert.uid}`);
      // What goes on the wire must survive a JSON round trip unchanged.
      assert.deepEqual(JSON.parse(JSON.stringify(step.alert)), step.alert);
      checked++;
    }
  }
  assert.ok(checked > 1000, `only ${checked} alerts checked`);
});

test("every simulated topic exists in graceDbTopics() of its group", () => {
  const layouts = new Map(ALL_GROUPS.map((g) => [g, new Set(graceDbTopics(g))]));
  for (const step of collect(9, 30)) {
    assert.ok(layouts.get(step.group)!.has(step.topic), step.topic);
    assert.ok(step.topic.startsWith(`${step.group}.`));
  }
});

test("graceDbTopics() lists the superevent, pipeline, external and test topics", () => {
  const topics = graceDbTopics("gracedb-playground");
  for (
    const name of [
      "superevent",
      "mdc_superevent",
      "test_superevent",
      "cbc_gstlal",
      "cbc_gstlal_allsky",
      "cbc_pycbc_mdc",
      "burst_cwb_allsky",
      "burst_olib",
      "external_fermi",
      "external_swift_grb",
      "test_gstlal",
    ]
  ) {
    assert.ok(topics.includes(`gracedb-playground.${name}`), name);
  }
  assert.deepEqual(topics, [...new Set(topics)].sort());
});

test("parsePlaygroundGroup() rejects a group the playground does not simulate", () => {
  assert.equal(parsePlaygroundGroup("gracedb-test"), "gracedb-test");
  assert.throws(() => parsePlaygroundGroup("lvalert-dev"), (error: unknown) => {
    assert.ok(error instanceof UnknownGroupError);
    assert.match(error.message, /unknown group "lvalert-dev"/);
    assert.match(error.message, /"gracedb", "gracedb-playground", "gracedb-test"/);
    return true;
  });
});

test("each event alert goes to <group>_<pipeline> then <group>_<pipeline>_<search>", () => {
  const steps = collect(11, 10);
  let pairs = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    if (!isEventAlert(step.alert)) continue;
    const event = step.alert.object;
    const base = `${step.group}.${event.group}_${event.pipeline}`.toLowerCase();
    assert.equal(step.topic, base);
    const twin = steps[++i];
    assert.equal(twin.topic, `${base}_${event.search!.toLowerCase()}`);
    assert.deepEqual(twin.alert, step.alert);
    assert.equal(twin.delayMs, 0);
    pairs++;
  }
  assert.ok(pairs > 20);
});

test("a lifecycle keeps ids, times and FARs consistent", () => {
  for (const lifecycle of byLifecycle(collect(21, 24))) {
    const id = lifecycle[0].superevent;
    const uploaded = new Map<string, GraceDbEvent>();
    let superevent: Superevent | undefined;
    let lastCreated = "";
    let voeventN = 0;
    for (const step of lifecycle) {
      const alert: GraceDbAlert = step.alert;
      assert.equal(step.superevent, id);
      if (isEventAlert(alert)) {
        const event = alert.object;
        assert.equal(alert.uid, event.graceid);
        if (alert.alert_type === "new" && event.group !== "External") {
          assert.equal(event.superevent, null, "an upload joins its superevent afterwards");
        }
        if (alert.alert_type === "update") {
          const before = uploaded.get(event.graceid)!;
          assert.equal(event.far, before.far, "an update keeps the FAR");
          assert.equal(event.gpstime, before.gpstime, "an update keeps the time");
          assert.equal(event.superevent, id);
        }
        if (event.group !== "External") uploaded.set(event.graceid, event);
        continue;
      }
      assert.ok(isSupereventAlert(alert));
      const object = alert.object;
      assert.equal(alert.uid, id);
      assert.equal(object.superevent_id, id);
      if (superevent === undefined) assert.equal(alert.alert_type, "new");
      // The superevent only names events that were uploaded before it.
      for (const graceid of object.gw_events) assert.ok(uploaded.has(graceid), graceid);
      assert.ok(object.gw_events.includes(object.preferred_event));
      const preferred = object.preferred_event_data;
      assert.equal(preferred.graceid, object.preferred_event);
      assert.equal(object.far, preferred.far);
      assert.equal(object.t_0, preferred.gpstime);
      assert.ok(object.t_start < object.t_0 && object.t_0 < object.t_end);
      assert.equal(preferred.superevent, id);
      const neighbour = preferred.superevent_neighbours![id];
      assert.deepEqual(neighbour.gw_events, object.gw_events);
      assert.equal(neighbour.far, object.far);
      // The preferred event is the lowest-FAR member; a just-added event becomes preferred in
      // the `update` that follows its `event_added`.
      const members = alert.alert_type === "event_added"
        ? object.gw_events.slice(0, -1)
        : object.gw_events;
      const fars = members.map((g) => uploaded.get(g)!.far!);
      assert.equal(object.far, Math.min(...fars));
      if (superevent) {
        assert.equal(object.created, superevent.created);
        assert.ok(object.labels.length >= superevent.labels.length);
      }
      switch (alert.alert_type) {
        case "new":
          assert.deepEqual(alert.data, alert.object);
          break;
        case "label_added":
          assert.equal(object.labels.at(-1), alert.data.name);
          assert.ok(alert.data.self.endsWith(`/superevents/${id}/labels/${alert.data.name}/`));
          break;
        case "log":
          if (alert.data.filename) {
            assert.ok(
              alert.data.file!.endsWith(`/superevents/${id}/files/${alert.data.filename},0`),
            );
          } else assert.equal(alert.data.file, null);
          break;
        case "voevent":
          assert.equal(alert.data.N, ++voeventN);
          assert.ok(alert.data.ivorn.startsWith(`ivo://gwnet/LVC#${id}-${voeventN}-`));
          break;
      }
      // Annotations carry their own creation time; it never goes backwards.
      if (
        alert.alert_type === "log" || alert.alert_type === "label_added" ||
        alert.alert_type === "voevent"
      ) {
        assert.ok(alert.data.created >= lastCreated, `${alert.data.created} < ${lastCreated}`);
        assert.ok(alert.data.created >= object.created);
        lastCreated = alert.data.created;
      }
      superevent = object;
    }
    assert.ok(superevent, "every lifecycle creates its superevent");
  }
});

test("superevent ids follow GraceDB's prefix, date and per-day lettering", () => {
  const steps = collect(5, 60);
  const seen = new Map<string, string[]>();
  for (const lifecycle of byLifecycle(steps)) {
    const first = lifecycle.find((s) => isSupereventAlert(s.alert))!;
    assert.ok(isSupereventAlert(first.alert));
    const superevent = first.alert.object;
    const match = /^(S|MS|TS)(\d{6})([a-z]+)$/.exec(superevent.superevent_id);
    assert.ok(match, superevent.superevent_id);
    const expectedPrefix = { Production: "S", MDC: "MS", Test: "TS" }[superevent.category];
    assert.equal(match[1], expectedPrefix);
    const day = new Date((superevent.t_0 + 315964800 - 18) * 1000).toISOString();
    assert.equal(match[2], day.slice(2, 10).replaceAll("-", ""));
    const key = `${first.group}/${match[1]}${match[2]}`;
    seen.set(key, [...(seen.get(key) ?? []), match[3]]);
  }
  const letters = "abcdefghijklmnopqrstuvwxyz";
  for (const [key, suffixes] of seen) {
    assert.deepEqual(suffixes, [...letters.slice(0, suffixes.length)], key);
  }
});

test("groups decide category, topics and graceid prefixes", () => {
  const steps = collect(8, 30);
  const categories = new Map<string, Set<string>>();
  for (const step of steps) {
    const { alert, group } = step;
    if (isSupereventAlert(alert)) {
      const category = alert.object.category;
      (categories.get(group) ?? categories.set(group, new Set()).get(group)!).add(category);
      const topic = { Production: "superevent", MDC: "mdc_superevent", Test: "test_superevent" }[
        category
      ];
      assert.equal(step.topic, `${group}.${topic}`);
    } else if (alert.object.group === "External") {
      assert.match(alert.uid, /^E\d+$/);
      assert.notEqual(group, "gracedb-test");
    } else if (group === "gracedb-test") {
      assert.match(alert.uid, /^T\d+$/);
      assert.match(step.topic, /^gracedb-test\.test_/);
    } else if (alert.object.search === "MDC") {
      assert.match(alert.uid, /^M\d+$/);
    } else {
      assert.match(alert.uid, /^G\d+$/);
    }
  }
  assert.deepEqual([...categories.get("gracedb")!], ["Production"]);
  assert.deepEqual([...categories.get("gracedb-test")!], ["Test"]);
  assert.deepEqual([...categories.get("gracedb-playground")!].sort(), ["MDC", "Production"]);
});

test("lifecycles include uploads, labels, files, VOEvents, signoffs and external GRBs", () => {
  const steps = collect(1, 80, ["gracedb"]);
  const kinds = new Set<string>();
  for (const { alert } of steps) {
    kinds.add(alert.alert_type);
    if (alert.alert_type === "label_added") kinds.add(alert.data.name);
    if (alert.alert_type === "log" && alert.data.filename) kinds.add(alert.data.filename);
    if (isEventAlert(alert)) kinds.add(alert.object.group);
  }
  for (
    const expected of [
      "new",
      "update",
      "event_added",
      "label_added",
      "log",
      "voevent",
      "signoff_created",
      "EM_READY",
      "SKYMAP_READY",
      "PASTRO_READY",
      "EMBRIGHT_READY",
      "ADVREQ",
      "ADVOK",
      "ADVNO",
      "DQV",
      "EM_COINC",
      "bayestar.multiorder.fits",
      "p_astro.json",
      "em_bright.json",
      "CBC",
      "Burst",
      "External",
    ]
  ) {
    assert.ok(kinds.has(expected), `no ${expected} in 80 lifecycles`);
  }
});

test("step delays add up to each lifecycle's offsets", () => {
  for (const lifecycle of byLifecycle(collect(4, 5))) {
    let offset = 0;
    for (const [i, step] of lifecycle.entries()) {
      if (i > 0) offset += step.delayMs;
      assert.equal(step.offsetMs, offset);
      assert.ok(step.delayMs >= 0);
    }
    assert.equal(lifecycle[0].lifecycleDurationMs, lifecycle.at(-1)!.offsetMs);
  }
});

test("validateAlert() accepts the six sample alerts", async () => {
  const folder = new URL("./testdata/alerts/", import.meta.url);
  let count = 0;
  for await (const entry of Deno.readDir(folder)) {
    if (!entry.name.endsWith(".json")) continue;
    const alert = JSON.parse(await Deno.readTextFile(new URL(entry.name, folder)));
    assert.deepEqual(validateAlert(alert), [], entry.name);
    count++;
  }
  assert.ok(count >= 6);
});

test("validateAlert() names the JSON path of each problem", async () => {
  const text = await Deno.readTextFile(
    new URL("./testdata/alerts/superevent_log.json", import.meta.url),
  );
  const alert = JSON.parse(text);
  alert.object.far = "1e-9";
  delete alert.data.filename;
  alert.object.preferred_event_data.extra_attributes.SingleInspiral[1].snr = null;
  alert.object.category = "Bogus";
  assert.deepEqual(validateAlert(alert), [
    '$.object.category: expected one of "Production", "Test", "MDC", got "Bogus"',
    "$.object.far: expected number, got string",
    "$.object.preferred_event_data.extra_attributes.SingleInspiral[1].snr: expected number, got null",
    "$.data.filename: missing",
  ]);
});

test("validateAlert() rejects non-alerts, unknown alert types and mismatched uids", async () => {
  assert.deepEqual(validateAlert("text"), ["$: expected object, got string"]);
  assert.deepEqual(validateAlert([]), ["$: expected object, got array"]);
  assert.deepEqual(validateAlert({}), [
    "$.uid: missing",
    "$.alert_type: missing",
    "$.data: missing",
    "$.object: missing",
  ]);
  const text = await Deno.readTextFile(
    new URL("./testdata/alerts/event_new_cbc_gstlal.json", import.meta.url),
  );
  const event = JSON.parse(text);
  event.alert_type = "event_added";
  event.uid = "G1";
  assert.deepEqual(validateAlert(event), [
    '$.uid: "G1" differs from $.object.graceid "G512385"',
    '$.alert_type: "event_added" is not an event alert type',
  ]);
});
