// GraceDB's alert shapes as its server and documentation define them: early-warning VOEvents,
// EMBB event logs, the older dictionaries still in circulation, and values added after this
// version (accepted, typed as strings, mentioned once at debug level, never warned about).
import assert from "node:assert/strict";
import { startBroker } from "../lib/broker/mod.ts";
import { Client } from "../lib/alert/client.ts";
import { encodeAlert } from "../lib/alert/payload.ts";
import { stderrLogger } from "../lib/hop/log.ts";
import {
  checkAlert,
  EVENT_ALERT_TYPES,
  type GraceDbAlert,
  isEventAlert,
  isKnownAlert,
  isSupereventAlert,
  SUPEREVENT_ALERT_TYPES,
  type UnknownAlert,
  validateAlert,
  type VOEventType,
} from "../lib/alert/types.ts";
import { test } from "./support/deadline.ts";

const ALERTS = new URL("./testdata/alerts/", import.meta.url);

async function read(file: string): Promise<Record<string, unknown> & GraceDbAlert> {
  return JSON.parse(await Deno.readTextFile(new URL(file, ALERTS)));
}

test("the alert-type lists are GraceDB's issuers', embb_event_log in both families", () => {
  const annotations = [
    "log",
    "label_added",
    "label_removed",
    "voevent",
    "emobservation",
    "embb_event_log",
    "signoff_created",
    "signoff_updated",
    "signoff_deleted",
    "exposed",
    "hidden",
  ];
  assert.deepEqual(SUPEREVENT_ALERT_TYPES, [
    "new",
    "update",
    "event_added",
    "event_removed",
    "confirmed_as_gw",
    ...annotations,
  ]);
  assert.deepEqual(EVENT_ALERT_TYPES, [
    "new",
    "update",
    "selected_as_preferred",
    "removed_as_preferred",
    "added_to_superevent",
    "removed_from_superevent",
    ...annotations,
  ]);
});

test("an early-warning VOEvent alert is valid and narrows to voevent_type EW", async () => {
  const alert = await read("gracedb/superevent_voevent_early_warning.json");
  assert.deepEqual(checkAlert(alert), { problems: [], unknown: [] });
  assert.ok(isSupereventAlert(alert) && alert.alert_type === "voevent");
  const type: VOEventType = alert.data.voevent_type;
  assert.equal(type, "EW");
  assert.match(alert.data.ivorn, /-1-EarlyWarning$/);
  assert.ok(alert.object.labels.includes("EARLY_WARNING"));

  const broken = structuredClone(alert) as Record<string, Record<string, unknown>>;
  broken.data.voevent_type = 5;
  broken.data.links = { self: "x", file: 7 };
  assert.deepEqual(validateAlert(broken), [
    "$.data.voevent_type: expected string, got number",
    "$.data.links.file: expected string, got number",
  ]);
});

test("an embb_event_log alert carries GraceDB's EMBB event-log fields, for events and superevents", async () => {
  const alert = await read("gracedb/event_embb_event_log.json");
  assert.deepEqual(checkAlert(alert), { problems: [], unknown: [] });
  assert.ok(isEventAlert(alert) && alert.alert_type === "embb_event_log");
  const log = alert.data;
  assert.deepEqual([log.N, log.group, log.waveband, log.eel_status], [
    1,
    "ZTF",
    "em.opt",
    "observation",
  ]);
  assert.equal(log.raList?.length, log.durationList?.length);

  // GraceDB's documentation lists embb_event_log for superevents too.
  const superevent = await read("superevent_new.json");
  const onSuperevent = { ...superevent, alert_type: "embb_event_log", data: alert.data };
  assert.deepEqual(checkAlert(onSuperevent), { problems: [], unknown: [] });

  const broken = structuredClone(alert) as Record<string, Record<string, unknown>>;
  broken.data.raList = [1, "2"];
  delete broken.data.submitter;
  assert.deepEqual(validateAlert(broken), [
    "$.data.submitter: missing",
    "$.data.raList[1]: expected number, got string",
  ]);
});

test("GraceDB's older VOEvent dictionary (without the later flags and probabilities) is valid", async () => {
  const alert = await read("gracedb/superevent_voevent_legacy.json");
  const data = alert.data as Record<string, unknown>;
  for (const later of ["skymap_type", "internal", "open_alert", "prob_bns", "prob_mass_gap"]) {
    assert.equal(later in data, false, later);
  }
  assert.deepEqual(checkAlert(alert), { problems: [], unknown: [] });
  // What the older dictionary does have stays required.
  delete data.ivorn;
  assert.deepEqual(validateAlert(alert), ["$.data.ivorn: missing"]);
});

test("older and newer event-side dictionaries GraceDB documents are valid", async () => {
  const event = await read("event_new_cbc_gstlal.json");
  const asEvent = (alert_type: string, data: unknown) => ({ ...event, alert_type, data });
  // Event sign-offs have no `self` (signoffToDict); a VOEvent without a file has a null link.
  const signoff = {
    submitter: "operator",
    instrument: "H1",
    status: "OK",
    comment: "",
    signoff_type: "OP",
  };
  assert.deepEqual(validateAlert(asEvent("signoff_created", signoff)), []);
  const voevent = (await read("gracedb/superevent_voevent_legacy.json")).data as object;
  const withoutFile = { ...voevent, links: { self: "x", file: null } };
  assert.deepEqual(validateAlert(asEvent("voevent", withoutFile)), []);

  // Newer pipeline tables: MLy bursts and IceCube neutrinos, with reporting_latency and warnings.
  const object = event.object as unknown as Record<string, unknown>;
  const newer = (extra_attributes: object, more: object) => {
    const changed = { ...object, extra_attributes, ...more, labels: [] };
    return { ...event, data: changed, object: changed };
  };
  const mly = newer({
    MLyBurst: {
      bandwidth: 64.0,
      central_freq: 309.2,
      central_time: 1392456472.4,
      duration: 0.19,
      SNR: 6.0,
      detection_statistic: null,
      scores: { coherency: 0.08, coincidence: 0.21, combined: 0.017 },
    },
  }, { group: "Burst", pipeline: "MLy", reporting_latency: 26.5, nevents: null, likelihood: null });
  assert.deepEqual(checkAlert(mly), { problems: [], unknown: [] });
  const neutrino = newer({
    NeutrinoEvent: {
      ivorn: "ivo://nasa.gsfc.gcn/AMON#ICECUBE_GOLD_Event",
      coord_system: "UTC-FK5-GEO",
      ra: 176.26,
      dec: 52.64,
      error_radius: 0.78,
      far_ne: 0.147,
      far_unit: "yr^-1",
      signalness: 0.63,
      energy: 191.7,
      src_error_90: 0.78,
      src_error_50: 0.3,
      amon_id: 13859939138591,
      run_id: 138599,
      event_id: 39138591,
      stream: 24,
    },
  }, { group: "External", pipeline: "IceCube", search: "HEN", far: 4.7e-9, warnings: [] });
  assert.deepEqual(checkAlert(neutrino), { problems: [], unknown: [] });
  // oLIB and external GRB tables with the columns GraceDB's examples show, some null.
  const olib = newer({
    LalInferenceBurst: {
      bci: 1.1,
      bsn: 7.2,
      quality_mean: 15.2,
      quality_median: 15.1,
      omicron_snr_network: 6.9,
      omicron_snr_H1: 5.0,
      omicron_snr_V1: null,
      hrss_mean: 8.1e-23,
      hrss_median: 2.2e-23,
      frequency_mean: 721.2,
      frequency_median: 718.0,
    },
  }, { group: "Burst", pipeline: "oLIB", nevents: 1, likelihood: null, warnings: [] });
  assert.deepEqual(checkAlert(olib), { problems: [], unknown: [] });
  const grb = {
    ivorn: "ivo://nasa.gsfc.gcn/Fermi#GBM_Flt_Pos",
    author_ivorn: "ivo://nasa.gsfc.tan/gcn",
    author_shortname: "Fermi (via VO-GCN)",
    observatory_location_id: "GEOLUN",
    coord_system: "UTC-FK5-GEO",
    ra: 346.0,
    dec: -67.8,
    error_radius: 8.8,
    how_description: "Fermi Satellite, GBM Instrument",
    how_reference_url: "http://gcn.gsfc.nasa.gov/fermi.html",
    T90: null,
    trigger_duration: null,
    designation: null,
    redshift: null,
    trigger_id: "123456789",
  };
  const external = { group: "External", pipeline: "Fermi", far: null, instruments: "" };
  assert.deepEqual(checkAlert(newer({ GRB: grb }, { ...external, search: null })), {
    problems: [],
    unknown: [],
  });
  // An external event from a 2018 server: no superevent_neighbours yet.
  const early = newer({ GRB: grb }, { ...external, pipeline: "SNEWS", search: "GRB" });
  delete (early.object as Record<string, unknown>).superevent_neighbours;
  assert.deepEqual(checkAlert(early), { problems: [], unknown: [] });

  const wrong = newer({ NeutrinoEvent: { ra: "176" } }, {});
  assert.ok(
    validateAlert(wrong).includes(
      "$.object.extra_attributes.NeutrinoEvent.ra: expected number, got string",
    ),
  );
});

test("values GraceDB adds later are accepted, typed as strings, and listed as unknown", async () => {
  const alert = await read("gracedb/superevent_label_added_future.json");
  const labels = (alert.object as { labels: string[] }).labels;
  assert.deepEqual(checkAlert(alert), {
    problems: [],
    unknown: [
      { path: `$.object.labels[${labels.length - 1}]`, kind: "label", value: "BRAND_NEW_LABEL" },
      { path: "$.data.name", kind: "label", value: "BRAND_NEW_LABEL" },
    ],
  });

  const newType: GraceDbAlert | UnknownAlert = { ...alert, alert_type: "merged", data: [1] };
  assert.deepEqual(checkAlert(newType).problems, []);
  assert.deepEqual(checkAlert(newType).unknown.at(-1), {
    path: "$.alert_type",
    kind: "alert type",
    value: "merged",
  });
  assert.equal(isKnownAlert(newType), false);
  assert.equal(isKnownAlert(alert), true);

  const voevent = await read("superevent_voevent.json");
  (voevent.data as { voevent_type: string }).voevent_type = "XX";
  assert.deepEqual(checkAlert(voevent).unknown, [
    { path: "$.data.voevent_type", kind: "VOEvent type", value: "XX" },
  ]);

  // A type known for the other family is still a mistake, not a newer value.
  assert.deepEqual(validateAlert({ ...alert, alert_type: "added_to_superevent" }), [
    '$.alert_type: "added_to_superevent" is not a superevent alert type',
  ]);
});

test("a listener logs no warning for newer values, and mentions each once at debug level", async () => {
  const future = await read("gracedb/superevent_label_added_future.json");
  const invalid = structuredClone(future) as Record<string, Record<string, unknown>>;
  delete invalid.data.creator;
  const lines: string[] = [];
  const logger = stderrLogger("debug", "igwn-alert", (line) => lines.push(line.trimEnd()));
  await using broker = await startBroker({
    port: 0,
    topics: ["gracedb.superevent"],
    logger: () => {},
  });
  await using client = new Client({
    server: broker.url,
    noAuth: true,
    startAt: "earliest",
    logger,
  });
  for (const alert of [future, future, invalid, future]) {
    await client.publish("superevent", encodeAlert(alert));
  }
  const problems: (string | undefined)[] = [];
  for await (const received of client.listen("superevent")) {
    problems.push(received.problem);
    if (problems.length === 4) break;
  }
  assert.deepEqual(problems, [
    undefined,
    undefined,
    "not a valid GraceDB alert: $.data.creator: missing",
    undefined,
  ]);
  const warnings = lines.filter((line) => /^(WARNING|ERROR)/.test(line));
  assert.deepEqual(warnings, [
    "WARNING igwn-alert: alert at gracedb.superevent offset 2: " +
    "not a valid GraceDB alert: $.data.creator: missing",
  ]);
  const unknownLines = lines.filter((line) => line.includes("does not know"));
  assert.equal(unknownLines.length, 1, lines.join("\n"));
  assert.match(unknownLines[0], /^DEBUG igwn-alert: alert at gracedb\.superevent offset 0 /);
  assert.match(unknownLines[0], /label "BRAND_NEW_LABEL" at \$\.object\.labels\[\d+\]$/);
});
