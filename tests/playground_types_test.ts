import assert from "node:assert/strict";
import {
  type GraceDbAlert,
  isEventAlert,
  isSupereventAlert,
  validateAlert,
} from "../lib/alert/types.ts";
import { test } from "./support/deadline.ts";

// A handler written against the types alone: every field below is reached without a cast, so
// this file only compiles while the types narrow as documented.
function summarize(alert: GraceDbAlert): string {
  if (isSupereventAlert(alert)) {
    const superevent = alert.object;
    switch (alert.alert_type) {
      case "new":
      case "update":
      case "event_added":
        return `${alert.data.superevent_id} ${alert.alert_type} preferred=${alert.data.preferred_event} far=${alert.data.far}`;
      case "label_added":
        return `${superevent.superevent_id} +${alert.data.name} by ${alert.data.creator}`;
      case "log":
        return `${superevent.superevent_id} log ${alert.data.N}: ${alert.data.filename || "-"}`;
      case "voevent":
        return `${superevent.superevent_id} ${alert.data.voevent_type} p_bns=${alert.data.prob_bns}`;
      case "signoff_created":
        return `${superevent.superevent_id} ${alert.data.signoff_type} ${alert.data.status}`;
      default:
        return `${superevent.superevent_id} ${alert.alert_type}`;
    }
  }
  const event = alert.object;
  const snr = event.extra_attributes.CoincInspiral?.snr ??
    event.extra_attributes.MultiBurst?.snr;
  const singles = event.extra_attributes.SingleInspiral?.map((s) => `${s.ifo}:${s.snr}`) ?? [];
  return `${event.graceid} ${alert.alert_type} ${event.pipeline}/${event.search} snr=${snr} ${
    singles.join(",")
  }`;
}

async function samples(): Promise<Map<string, GraceDbAlert>> {
  const folder = new URL("./testdata/alerts/", import.meta.url);
  const alerts = new Map<string, GraceDbAlert>();
  for await (const entry of Deno.readDir(folder)) {
    if (!entry.name.endsWith(".json")) continue;
    const value: unknown = JSON.parse(await Deno.readTextFile(new URL(entry.name, folder)));
    assert.deepEqual(validateAlert(value), []);
    alerts.set(entry.name, value as GraceDbAlert);
  }
  return alerts;
}

test("GraceDbAlert narrows by family and alert_type on the sample alerts", async () => {
  const alerts = await samples();
  assert.equal(
    summarize(alerts.get("superevent_label_added.json")!),
    "S240615dg +EM_READY by emfollow",
  );
  assert.equal(
    summarize(alerts.get("superevent_log.json")!),
    "S240615dg log 27: bayestar.multiorder.fits",
  );
  assert.equal(summarize(alerts.get("superevent_voevent.json")!), "S240615dg PR p_bns=0.9978");
  assert.equal(
    summarize(alerts.get("playground_mdc_superevent_signoff_created.json")!),
    "MS240615ab ADV OK",
  );
  assert.match(
    summarize(alerts.get("superevent_new.json")!),
    /^S240615dg new preferred=G512385 far=3\.17\d+e-10$/,
  );
  assert.match(
    summarize(alerts.get("event_new_cbc_gstlal.json")!),
    /^G512385 new gstlal\/AllSky snr=12\.927 H1:7\.412,L1:[\d.]+,V1:[\d.]+$/,
  );
});

test("isSupereventAlert() and isEventAlert() split the samples by their object", async () => {
  for (const [name, alert] of await samples()) {
    assert.equal(isSupereventAlert(alert), !name.startsWith("event_"), name);
    assert.equal(isEventAlert(alert), name.startsWith("event_"), name);
  }
});
