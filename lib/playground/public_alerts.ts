/**
 * The public notices GCN would distribute on `igwn.gwalert` for the simulated superevents: one per
 * VOEvent GraceDB issues (preliminary, initial, update, retraction), built from the same
 * superevent and VOEvent data, so that a playground can feed GCN-style consumers too.
 *
 * @module
 */
import type { PublicAlert, PublicAlertType } from "../alert/public_alert.ts";
import type { Superevent, VOEventInfo } from "../alert/types.ts";
import type { SimulatedStep } from "./simulate.ts";

const NOTICE_TYPES: Record<string, PublicAlertType> = {
  PR: "PRELIMINARY",
  IN: "INITIAL",
  UP: "UPDATE",
  RE: "RETRACTION",
};

/** GPS time zero, 1980-01-06T00:00:00Z, in ms since the Unix epoch. */
const GPS_EPOCH_MS = Date.UTC(1980, 0, 6);
/** GPS runs ahead of UTC by the leap seconds since 1980 (18 since 2017). */
const GPS_LEAP_SECONDS = 18;

function gpsToIso(gps: number): string {
  return new Date(GPS_EPOCH_MS + (gps - GPS_LEAP_SECONDS) * 1000).toISOString();
}

/** GraceDB's `2024-06-15 12:34:56 UTC` as ISO 8601; other text is kept. */
function isoTime(text: string): string {
  const match = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?) UTC$/.exec(text);
  return match ? `${match[1]}T${match[2]}Z` : text;
}

/**
 * A stand-in sky map: one FITS header block naming the superevent (not a real HEALPix map, but
 * bytes a consumer can store and recognise).
 */
function skymapFor(supereventId: string, notice: number): Uint8Array {
  const card = (text: string) => text.padEnd(80);
  const header = card("SIMPLE  =                    T") +
    card("BITPIX  =                    8") + card("NAXIS   =                    0") +
    card(`OBJECT  = '${supereventId}'`) + card(`COMMENT playground sky map of notice ${notice}`) +
    card("END");
  return new TextEncoder().encode(header.padEnd(2880));
}

/**
 * The public notice for a simulated step, when the step is a VOEvent of a superevent; undefined
 * for every other step. Fields come from the superevent (its preferred event: time, FAR,
 * instruments, group, pipeline, search) and from the VOEvent (classification and source
 * properties, significance); the sky map is a one-block FITS stand-in.
 *
 * @param step one step of {@linkcode simulateLifecycles}
 * @returns the notice, or undefined
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "./simulate.ts";
 * import { publicAlertOf } from "./public_alerts.ts";
 * const notices = [...simulateLifecycles({ seed: 1, count: 1 })].map(publicAlertOf)
 *   .filter((notice) => notice !== undefined);
 * assert.equal(notices[0].alertType, "PRELIMINARY");
 * assert.ok(["INITIAL", "RETRACTION"].includes(notices.at(-1)!.alertType));
 * ```
 */
export function publicAlertOf(step: SimulatedStep): PublicAlert | undefined {
  const alert = step.alert;
  if (alert.alert_type !== "voevent") return undefined;
  const object = alert.object as { superevent_id?: unknown };
  if (typeof object.superevent_id !== "string") return undefined;
  const superevent = alert.object as Superevent;
  const voevent = alert.data as VOEventInfo;
  const alertType = NOTICE_TYPES[voevent.voevent_type];
  if (!alertType) return undefined;
  const id = superevent.superevent_id;
  const view = superevent.links.self.replace(
    /\/api\/superevents\/([^/]+)\/$/,
    "/superevents/$1/view/",
  );
  const base: PublicAlert = {
    alertType,
    timeCreated: isoTime(voevent.created),
    supereventId: id,
    urls: { gracedb: view },
    event: null,
    externalCoinc: null,
  };
  if (alertType === "RETRACTION") return base;
  const preferred = superevent.preferred_event_data;
  const probabilities = (entries: [string, number | null | undefined][]) =>
    Object.fromEntries(entries.filter((e): e is [string, number] => typeof e[1] === "number"));
  return {
    ...base,
    event: {
      time: gpsToIso(preferred.gpstime),
      far: superevent.far,
      significant: voevent.significant ?? superevent.far < 1 / (30 * 86400),
      instruments: preferred.instruments.split(",").filter((i) => i !== ""),
      group: preferred.group,
      pipeline: preferred.pipeline,
      search: preferred.search ?? "AllSky",
      properties: probabilities([
        ["HasNS", voevent.prob_has_ns],
        ["HasRemnant", voevent.prob_has_remnant],
        ["HasMassGap", voevent.prob_mass_gap],
      ]),
      classification: probabilities([
        ["BNS", voevent.prob_bns],
        ["NSBH", voevent.prob_nsbh],
        ["BBH", voevent.prob_bbh],
        ["Terrestrial", voevent.prob_terrestrial],
      ]),
      duration: null,
      centralFrequency: null,
      skymap: skymapFor(id, voevent.N),
    },
  };
}
