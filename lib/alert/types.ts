/**
 * TypeScript shapes of the alerts GraceDB publishes on igwn-alert topics, and a runtime check
 * that a decoded value has that shape.
 *
 * Every alert is `{ uid, alert_type, data, object }`. Superevent alerts (topics `superevent`,
 * `mdc_superevent`, `test_superevent`) carry a {@linkcode Superevent} as `object`; event alerts
 * (topics `<group>_<pipeline>[_<search>]`) carry a {@linkcode GraceDbEvent}. Within each family,
 * `alert_type` narrows `data`.
 *
 * @example Narrow an alert without casts
 * ```ts
 * import assert from "node:assert";
 * import { isSupereventAlert, validateAlert, type GraceDbAlert } from "./types.ts";
 *
 * function describe(alert: GraceDbAlert): string {
 *   if (isSupereventAlert(alert) && alert.alert_type === "label_added") {
 *     return `${alert.uid} got label ${alert.data.name}`;
 *   }
 *   return `${alert.uid}: ${alert.alert_type}`;
 * }
 * const problems = validateAlert(JSON.parse('{"uid": "S1"}'));
 * assert.strictEqual(problems[0], "$.alert_type: missing");
 * ```
 *
 * @module
 */

/**
 * Any value JSON can hold; used where GraceDB's content is free-form.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import type { JsonValue } from "./types.ts";
 * const value: JsonValue = { ok: [1, "two", null] };
 * assert.deepStrictEqual(JSON.parse(JSON.stringify(value)), value);
 * ```
 */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * The `alert_type` values GraceDB sends for superevents.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { SUPEREVENT_ALERT_TYPES, type SupereventAlertType } from "./types.ts";
 * const kind: SupereventAlertType = "event_added";
 * assert.ok(SUPEREVENT_ALERT_TYPES.includes(kind));
 * ```
 */
export type SupereventAlertType =
  | "new"
  | "update"
  | "event_added"
  | "event_removed"
  | "confirmed_as_gw"
  | "log"
  | "label_added"
  | "label_removed"
  | "voevent"
  | "emobservation"
  | "signoff_created"
  | "signoff_updated"
  | "signoff_deleted"
  | "exposed"
  | "hidden";

/**
 * The `alert_type` values GraceDB sends for pipeline events.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { EVENT_ALERT_TYPES, type EventAlertType } from "./types.ts";
 * const kind: EventAlertType = "added_to_superevent";
 * assert.ok(EVENT_ALERT_TYPES.includes(kind));
 * ```
 */
export type EventAlertType =
  | "new"
  | "update"
  | "log"
  | "label_added"
  | "label_removed"
  | "voevent"
  | "emobservation"
  | "embb_event_log"
  | "signoff_created"
  | "signoff_updated"
  | "signoff_deleted"
  | "added_to_superevent"
  | "removed_from_superevent"
  | "selected_as_preferred"
  | "removed_as_preferred"
  | "exposed"
  | "hidden";

/**
 * Every `alert_type` GraceDB sends.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { type AlertType, EVENT_ALERT_TYPES, SUPEREVENT_ALERT_TYPES } from "./types.ts";
 * const kind: AlertType = "voevent";
 * // Some alert types are sent for both superevents and events.
 * assert.ok(SUPEREVENT_ALERT_TYPES.includes(kind) && EVENT_ALERT_TYPES.includes(kind));
 * ```
 */
export type AlertType = SupereventAlertType | EventAlertType;

/**
 * The `alert_type` values of superevents, in GraceDB's documentation order.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { SUPEREVENT_ALERT_TYPES } from "./types.ts";
 * assert.strictEqual(SUPEREVENT_ALERT_TYPES.includes("event_added"), true);
 * ```
 */
export const SUPEREVENT_ALERT_TYPES: readonly SupereventAlertType[] = [
  "new",
  "update",
  "event_added",
  "event_removed",
  "confirmed_as_gw",
  "log",
  "label_added",
  "label_removed",
  "voevent",
  "emobservation",
  "signoff_created",
  "signoff_updated",
  "signoff_deleted",
  "exposed",
  "hidden",
];

/**
 * The `alert_type` values of events, in GraceDB's documentation order.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { EVENT_ALERT_TYPES } from "./types.ts";
 * assert.strictEqual(EVENT_ALERT_TYPES.includes("embb_event_log"), true);
 * ```
 */
export const EVENT_ALERT_TYPES: readonly EventAlertType[] = [
  "new",
  "update",
  "log",
  "label_added",
  "label_removed",
  "voevent",
  "emobservation",
  "embb_event_log",
  "signoff_created",
  "signoff_updated",
  "signoff_deleted",
  "added_to_superevent",
  "removed_from_superevent",
  "selected_as_preferred",
  "removed_as_preferred",
  "exposed",
  "hidden",
];

/**
 * Superevent category; it decides the superevent topic and the id prefix.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { simulateLifecycles } from "@igwn/alert/playground";
 * import { isSupereventAlert, type SupereventCategory } from "./types.ts";
 * const category: SupereventCategory = "MDC"; // topic mdc_superevent, ids MS...
 * const production = [...simulateLifecycles({ seed: 1, count: 1 })]
 *   .map((step) => step.alert)
 *   .filter(isSupereventAlert);
 * assert.ok(production.every((alert) => alert.object.category !== category));
 * ```
 */
export type SupereventCategory = "Production" | "Test" | "MDC";

/**
 * Event analysis group as GraceDB spells it (topics use it lower-cased).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { simulateLifecycles } from "@igwn/alert/playground";
 * import { type EventGroup, isEventAlert } from "./types.ts";
 * const group: EventGroup = "CBC";
 * const events = [...simulateLifecycles({ seed: 1, count: 1 })]
 *   .map((step) => step.alert)
 *   .filter(isEventAlert);
 * const cbc = events.filter((alert) => alert.object.group === group);
 * assert.ok(cbc.length > 0);
 * assert.ok(cbc.every((alert) => alert.object.pipeline.length > 0));
 * ```
 */
export type EventGroup =
  | "CBC"
  | "Burst"
  | "Detchar"
  | "External"
  | "Test"
  | (string & Record<never, never>);

/**
 * Coincidence summary uploaded by CBC pipelines (`extra_attributes.CoincInspiral`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { type CoincInspiral, isEventAlert } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const [first] = alerts.filter(isEventAlert);
 * const coinc: CoincInspiral = first.object.extra_attributes.CoincInspiral!;
 * assert.equal(coinc.ifos, first.object.instruments);
 * assert.equal(coinc.end_time, Math.floor(first.object.gpstime));
 * assert.equal(coinc.combined_far, first.object.far);
 * ```
 */
export interface CoincInspiral {
  /** Comma-separated detectors, e.g. `H1,L1`. */
  ifos: string;
  /** End time, integer GPS seconds. */
  end_time: number;
  /** Nanoseconds part of the end time. */
  end_time_ns: number;
  /** Total mass, solar masses. */
  mass: number;
  /** Chirp mass, solar masses. */
  mchirp: number;
  /** Shortest template duration among detectors, seconds. */
  minimum_duration: number | null;
  /** Network signal-to-noise ratio. */
  snr: number;
  /** Pipeline false alarm rate as the pipeline reports it. */
  false_alarm_rate: number | null;
  /** FAR combined over pipelines, Hz. */
  combined_far: number | null;
  /** Further LIGO_LW columns. */
  [column: string]: JsonValue | undefined;
}

/**
 * One detector's trigger from a CBC pipeline (`extra_attributes.SingleInspiral[]`); GraceDB
 * copies about seventy LIGO_LW columns, the commonly used ones are named here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { isEventAlert, type SingleInspiral } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const [first] = alerts.filter(isEventAlert);
 * const singles: SingleInspiral[] = first.object.extra_attributes.SingleInspiral!;
 * assert.equal(singles.map((single) => single.ifo).join(","), first.object.instruments);
 * assert.ok(singles.every((single) => single.mass1 >= single.mass2));
 * ```
 */
export interface SingleInspiral {
  /** Detector, e.g. `H1`. */
  ifo: string;
  /** Strain channel analysed. */
  channel: string;
  /** End time, integer GPS seconds. */
  end_time: number;
  /** Nanoseconds part of the end time. */
  end_time_ns: number;
  /** Signal-to-noise ratio. */
  snr: number;
  /** Signal-consistency chi-squared. */
  chisq: number | null;
  /** Primary (heavier) component mass, solar masses. */
  mass1: number;
  /** Secondary component mass, solar masses. */
  mass2: number;
  /** Primary spin along the orbital angular momentum. */
  spin1z: number;
  /** Secondary spin along the orbital angular momentum. */
  spin2z: number;
  /** Coalescence phase, radians. */
  coa_phase: number | null;
  /** Template normalisation (sensitivity), squared. */
  sigmasq: number | null;
  /** Further LIGO_LW columns. */
  [column: string]: JsonValue | undefined;
}

/**
 * Burst trigger summary from cWB (`extra_attributes.MultiBurst`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { isEventAlert, type MultiBurst } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 20 })].map((step) => step.alert);
 * const cwb = alerts.filter(isEventAlert).find((alert) => alert.object.pipeline === "CWB")!;
 * const burst: MultiBurst = cwb.object.extra_attributes.MultiBurst!;
 * assert.equal(cwb.object.group, "Burst");
 * assert.equal(burst.ifos, cwb.object.instruments);
 * assert.ok(burst.central_freq - burst.bandwidth / 2 > 0);
 * ```
 */
export interface MultiBurst {
  /** Comma-separated detectors, e.g. `H1,L1`. */
  ifos: string;
  /** Start time, integer GPS seconds. */
  start_time: number;
  /** Nanoseconds part of the start time. */
  start_time_ns?: number;
  /** Duration, seconds. */
  duration: number;
  /** Central frequency, Hz. */
  central_freq: number;
  /** Bandwidth, Hz. */
  bandwidth: number;
  /** Signal-to-noise ratio. */
  snr: number;
  /** Amplitude statistic. */
  amplitude: number;
  /** Comma-separated per-detector times. */
  single_ifo_times?: string;
  /** Right ascension of the LIGO detector axis, degrees. */
  ligo_axis_ra?: number;
  /** Declination of the LIGO detector axis, degrees. */
  ligo_axis_dec?: number;
  /** Pipeline false alarm rate as the pipeline reports it. */
  false_alarm_rate?: number | null;
  /** Further LIGO_LW columns. */
  [column: string]: JsonValue | undefined;
}

/**
 * oLIB trigger summary (`extra_attributes.LalInferenceBurst`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { isEventAlert, type LalInferenceBurst } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 20 })].map((step) => step.alert);
 * const olib = alerts.filter(isEventAlert).find((alert) => alert.object.pipeline === "oLIB")!;
 * const burst: LalInferenceBurst = olib.object.extra_attributes.LalInferenceBurst!;
 * assert.equal(olib.object.group, "Burst");
 * assert.ok(burst.frequency_mean > 0 && burst.quality_mean > 0);
 * ```
 */
export interface LalInferenceBurst {
  /** Mean central frequency, Hz. */
  frequency_mean: number;
  /** Mean quality factor. */
  quality_mean: number;
  /** Log Bayes factor signal versus noise. */
  bsn: number;
  /** Log Bayes factor coherent versus incoherent. */
  bci: number;
  /** Network SNR from Omicron. */
  omicron_snr_network: number;
  /** Further LIGO_LW columns. */
  [column: string]: JsonValue | undefined;
}

/**
 * External GRB trigger (`extra_attributes.GRB`) from Fermi, Swift, INTEGRAL, SVOM and others.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { type GrbAttributes, isEventAlert } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 20 })].map((step) => step.alert);
 * const grbs = alerts.filter(isEventAlert).filter((alert) => alert.object.extra_attributes.GRB);
 * const grb: GrbAttributes = grbs[0].object.extra_attributes.GRB!;
 * assert.equal(grbs[0].object.group, "External");
 * assert.equal(grbs[0].object.far, null); // significance comes from the joint FARs
 * assert.match(grb.ivorn!, /^ivo:\/\//);
 * ```
 */
export interface GrbAttributes {
  /** IVOA identifier of the VOEvent. */
  ivorn: string | null;
  /** Right ascension, degrees. */
  ra: number | null;
  /** Declination, degrees. */
  dec: number | null;
  /** Localization error radius, degrees. */
  error_radius: number | null;
  /** Duration containing 90% of the GRB fluence, seconds. */
  T90: number | null;
  /** Trigger number of the external instrument. */
  trigger_id: string | null;
  /** Trigger duration, seconds. */
  trigger_duration?: number | null;
  /** GRB designation, when assigned. */
  designation?: string | null;
  /** Redshift, when known. */
  redshift?: number | null;
  /** Further LIGO_LW columns. */
  [column: string]: JsonValue | undefined;
}

/**
 * Injection parameters of simulated signals (`extra_attributes.SimInspiral`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { isEventAlert, type SimInspiral, validateAlert } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const [first] = alerts.filter(isEventAlert);
 * const injection: SimInspiral = { mass1: 1.4, mass2: 1.3, distance: 40 };
 * const withInjection = (SimInspiral: unknown) => {
 *   const extra_attributes = { ...first.object.extra_attributes, SimInspiral };
 *   return { ...first, object: { ...first.object, extra_attributes } };
 * };
 * assert.deepEqual(validateAlert(withInjection([injection])), []);
 * assert.match(validateAlert(withInjection([{ mass1: 1.4 }])).join(), /SimInspiral\[0\]\.mass2/);
 * ```
 */
export interface SimInspiral {
  /** Primary (heavier) component mass, solar masses. */
  mass1: number;
  /** Secondary component mass, solar masses. */
  mass2: number;
  /** Luminosity distance, Mpc. */
  distance: number;
  /** Further LIGO_LW columns. */
  [column: string]: JsonValue | undefined;
}

/**
 * Pipeline-specific attributes of an event; which keys exist depends on the pipeline family.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { type ExtraAttributes, isEventAlert } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 20 })].map((step) => step.alert);
 * const events = alerts.filter(isEventAlert);
 * const tables = (pipeline: string) => {
 *   const event = events.find((alert) => alert.object.pipeline === pipeline)!;
 *   const extra: ExtraAttributes = event.object.extra_attributes;
 *   return Object.keys(extra);
 * };
 * assert.deepEqual(tables("gstlal"), ["CoincInspiral", "SingleInspiral"]);
 * assert.deepEqual(tables("CWB"), ["MultiBurst"]);
 * assert.deepEqual(tables("Swift"), ["GRB"]);
 * ```
 */
export interface ExtraAttributes {
  /** CBC coincidence summary. */
  CoincInspiral?: CoincInspiral;
  /** Per-detector CBC triggers. */
  SingleInspiral?: SingleInspiral[];
  /** cWB burst summary. */
  MultiBurst?: MultiBurst;
  /** oLIB burst summary. */
  LalInferenceBurst?: LalInferenceBurst;
  /** External GRB trigger. */
  GRB?: GrbAttributes;
  /** Injected signal parameters. */
  SimInspiral?: SimInspiral[];
  /** Other pipeline tables. */
  [table: string]: unknown;
}

/**
 * API links of an event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { type EventLinks, isEventAlert } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const [first] = alerts.filter(isEventAlert);
 * const links: EventLinks = first.object.links;
 * assert.equal(links.self, `https://gracedb.ligo.org/api/events/${first.uid}`);
 * assert.ok(Object.values(links).every((url) => url.startsWith(links.self)));
 * ```
 */
export interface EventLinks {
  /** API URL of the neighbouring events. */
  neighbors: string;
  /** API URL of the log entries. */
  log: string;
  /** API URL of the EM observations. */
  emobservations: string;
  /** API URL of the file list. */
  files: string;
  /** API URL of the labels. */
  labels: string;
  /** API URL of the event (no trailing slash). */
  self: string;
  /** API URL of the tags. */
  tags: string;
}

/**
 * The event fields every event dict has, including the short copies GraceDB embeds in
 * `superevent_neighbours`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { type EventSummary, isEventAlert } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const event = alerts.filter(isEventAlert)
 *   .find((alert) => Object.keys(alert.object.superevent_neighbours).length > 0)!;
 * const [neighbour] = Object.values(event.object.superevent_neighbours);
 * const summary: EventSummary = neighbour.preferred_event_data;
 * assert.equal(summary.graceid, neighbour.preferred_event);
 * assert.equal("links" in summary, false); // the short copy has no links
 * ```
 */
export interface EventSummary {
  /** Username of the uploading pipeline. */
  submitter: string;
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: string;
  /** Analysis group, e.g. `CBC`. */
  group: EventGroup;
  /** Event id, e.g. `G123456`. */
  graceid: string;
  /** Pipeline name as GraceDB spells it, e.g. `gstlal`. */
  pipeline: string;
  /** Event time, GPS seconds. */
  gpstime: number;
  /** Comma-separated detectors, e.g. `H1,L1,V1`. */
  instruments: string;
  /** Number of single-detector triggers. */
  nevents: number | null;
  /** True for offline (archival) analyses. */
  offline: boolean;
  /** Search name, e.g. `AllSky`, or null. */
  search: string | null;
  /** Null for external triggers, whose significance comes from the joint (RAVEN) FARs. */
  far: number | null;
  /** Whether `far` is only an upper bound. */
  far_is_upper_limit: boolean;
  /** Ranking statistic of the pipeline. */
  likelihood: number | null;
  /** Names of the labels currently applied. */
  labels: string[];
  /** Pipeline-specific attributes. */
  extra_attributes: ExtraAttributes;
  /** Seconds between the signal and the upload (newer servers). */
  reporting_latency?: number | null;
}

/**
 * A superevent near an event, as listed in the event's `superevent_neighbours`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { isEventAlert, type SupereventNeighbour } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const event = alerts.filter(isEventAlert)
 *   .find((alert) => Object.keys(alert.object.superevent_neighbours).length > 0)!;
 * const [[id, neighbour]] = Object.entries(event.object.superevent_neighbours);
 * const n: SupereventNeighbour = neighbour;
 * assert.equal(n.superevent_id, id);
 * assert.ok(n.gw_events.includes(n.preferred_event));
 * assert.ok(n.t_start <= n.t_0 && n.t_0 <= n.t_end);
 * ```
 */
export interface SupereventNeighbour {
  /** Superevent id, e.g. `S240615dg`. */
  superevent_id: string;
  /** graceids of the member gravitational-wave events. */
  gw_events: string[];
  /** graceid of the preferred event. */
  preferred_event: string;
  /** The preferred event in full. */
  preferred_event_data: EventSummary;
  /** FAR of its preferred event, Hz. */
  far: number;
  /** Start of the time window, GPS seconds. */
  t_start: number;
  /** Central time, GPS seconds. */
  t_0: number;
  /** End of the time window, GPS seconds. */
  t_end: number;
}

/**
 * A pipeline event (G..., M..., T..., E..., H... graceids): `data` of event `new`/`update`,
 * `object` of every event alert, and `preferred_event_data` of a superevent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { type GraceDbEvent, isEventAlert } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const [first] = alerts.filter(isEventAlert);
 * const event: GraceDbEvent = first.object;
 * assert.equal(event.graceid, first.uid);
 * assert.equal(`${event.group}_${event.pipeline}`.toLowerCase(), "cbc_spiir");
 * assert.equal(event.superevent, null); // uploaded before its superevent exists
 * ```
 */
export interface GraceDbEvent extends EventSummary {
  /** Superevent id the event belongs to, or null. */
  superevent: string | null;
  /** Superevents within 100 s, by id. */
  superevent_neighbours: Record<string, SupereventNeighbour>;
  /** API URLs of the event. */
  links: EventLinks;
}

/**
 * API links of a superevent (`self` ends with `/`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { isSupereventAlert, type SupereventLinks } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const [first] = alerts.filter(isSupereventAlert);
 * const links: SupereventLinks = first.object.links;
 * assert.equal(links.self, `https://gracedb.ligo.org/api/superevents/${first.uid}/`);
 * assert.equal(links.logs, `${links.self}logs/`);
 * ```
 */
export interface SupereventLinks {
  /** API URL of the member events. */
  events: string;
  /** API URL of the labels. */
  labels: string;
  /** API URL of the log entries. */
  logs: string;
  /** API URL of the file list. */
  files: string;
  /** API URL of the superevent (ends with `/`). */
  self: string;
  /** API URL of the VOEvents. */
  voevents: string;
  /** API URL of the EM observations. */
  emobservations: string;
}

/**
 * A superevent: `object` of every superevent alert and `data` of the membership alerts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { isSupereventAlert, type Superevent } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const created = alerts.filter(isSupereventAlert).find((alert) => alert.alert_type === "new")!;
 * const superevent: Superevent = created.object;
 * assert.equal(superevent.superevent_id, created.uid);
 * assert.equal(superevent.preferred_event_data.graceid, superevent.preferred_event);
 * assert.ok(superevent.gw_events.includes(superevent.preferred_event));
 * assert.equal(superevent.category, "Production");
 * ```
 */
export interface Superevent {
  /** Superevent id, e.g. `S240615dg`. */
  superevent_id: string;
  /** `GW...` id once confirmed, else null. */
  gw_id: string | null;
  /** `Production`, `Test` or `MDC`. */
  category: SupereventCategory;
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: string;
  /** Username of who created it. */
  submitter: string;
  /** graceid of the preferred event. */
  preferred_event: string;
  /** graceid of the coincident external event, or null. */
  em_type: string | null;
  /** Start of the time window, GPS seconds. */
  t_start: number;
  /** Central time, GPS seconds. */
  t_0: number;
  /** End of the time window, GPS seconds. */
  t_end: number;
  /** graceids of the member gravitational-wave events. */
  gw_events: string[];
  /** graceids of coincident external events. */
  em_events: string[];
  /** FAR of the preferred event, Hz. */
  far: number;
  /** Joint FAR of the temporal coincidence with an external trigger, Hz. */
  time_coinc_far: number | null;
  /** Joint FAR including sky overlap with an external trigger, Hz. */
  space_coinc_far: number | null;
  /** Names of the labels currently applied. */
  labels: string[];
  /** API URLs of the superevent. */
  links: SupereventLinks;
  /** The preferred event in full. */
  preferred_event_data: GraceDbEvent;
  /** Preferred event of each pipeline (newer servers). */
  pipeline_preferred_events?: Record<string, JsonValue>;
}

/**
 * A log message, possibly announcing a file upload (`filename` non-empty, `file` its URL).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { isSupereventAlert, type LogEntry } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const uploads = alerts.filter(isSupereventAlert)
 *   .filter((alert) => alert.alert_type === "log" && alert.data.filename !== "");
 * const log = uploads[0].data as LogEntry;
 * const files = uploads[0].object.links.files;
 * assert.equal(log.file, `${files}${log.filename},${log.file_version}`);
 * ```
 */
export interface LogEntry {
  /** API URL of this record. */
  self: string;
  /** Log entry number within its parent. */
  N: number;
  /** Free-text comment. */
  comment: string;
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: string;
  /** Username of who wrote it. */
  issuer: string;
  /** Uploaded file name; empty when the entry carries no file. */
  filename: string;
  /** Version of the uploaded file; null without a file. */
  file_version: number | null;
  /** Tags of the entry, e.g. `sky_loc`, `public`. */
  tag_names: string[];
  /** URL of the file as `.../files/<name>,<version>`, or null. */
  file: string | null;
  /** Event logs only: URL of the log's tags. */
  tags?: string;
}

/**
 * A label applied to or removed from an event or superevent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { isSupereventAlert, type Label } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const labels: Label[] = alerts.filter(isSupereventAlert)
 *   .flatMap((alert) => alert.alert_type === "label_added" ? [alert.data] : []);
 * assert.ok(labels.some((label) => label.name === "SKYMAP_READY"));
 * assert.ok(labels.every((label) => label.self.endsWith(`/labels/${label.name}/`)));
 * ```
 */
export interface Label {
  /** API URL of this record. */
  self: string;
  /** Label name, e.g. `EM_READY`. */
  name: string;
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: string;
  /** Username of who applied the label. */
  creator: string;
}

/**
 * An advocate (`ADV`, instrument `""`) or operator (`OP`, instrument `H1`...) sign-off.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { isSupereventAlert, type Signoff } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const signoffs: Signoff[] = alerts.filter(isSupereventAlert)
 *   .flatMap((alert) => alert.alert_type === "signoff_created" ? [alert.data] : []);
 * const summary = signoffs.map((s) => [s.signoff_type, s.instrument, s.status]);
 * assert.deepEqual(summary, [["ADV", "", "OK"]]); // one advocate sign-off
 * ```
 */
export interface Signoff {
  /** API URL of this record. */
  self: string;
  /** `ADV` for advocates, `OP` for operators. */
  signoff_type: "ADV" | "OP";
  /** Detector of an operator signoff; empty for advocates. */
  instrument: string;
  /** `OK` approves, `NO` rejects. */
  status: "OK" | "NO";
  /** Username of who signed off. */
  submitter: string;
  /** Free-text comment. */
  comment: string;
}

/**
 * A VOEvent GraceDB built for a superevent (Preliminary, Initial, Update or Retraction).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { isSupereventAlert, type VOEventInfo } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const notices: VOEventInfo[] = alerts.filter(isSupereventAlert)
 *   .flatMap((alert) => alert.alert_type === "voevent" ? [alert.data] : []);
 * const [first] = notices;
 * assert.equal(first.voevent_type, "PR");
 * assert.match(first.ivorn, /^ivo:\/\/gwnet\/LVC#S\d{6}[a-z]+-1-Preliminary$/);
 * const classes = [first.prob_bns, first.prob_nsbh, first.prob_bbh, first.prob_terrestrial];
 * assert.ok(Math.abs(classes.reduce((sum: number, p) => sum + p!, 0) - 1) < 1e-9);
 * ```
 */
export interface VOEventInfo {
  /** `PR` Preliminary, `IN` Initial, `UP` Update, `RE` Retraction. */
  voevent_type: "PR" | "IN" | "UP" | "RE";
  /** Version of the VOEvent file. */
  file_version: number;
  /** IVOA identifier of the VOEvent. */
  ivorn: string;
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: string;
  /** Username of who wrote it. */
  issuer: string;
  /** VOEvent XML file name. */
  filename: string;
  /** VOEvent number within its superevent. */
  N: number;
  /** API URLs of the VOEvent and its file. */
  links: { self: string; file: string };
  /** Pipeline that made the sky map, e.g. `bayestar`. */
  skymap_type: string | null;
  /** Sky map file as `name,version`. */
  skymap_filename: string | null;
  /** Whether the notice stayed internal. */
  internal: boolean;
  /** Whether the notice went to the public. */
  open_alert: boolean;
  /** Whether the candidate is a hardware injection. */
  hardware_inj: boolean;
  /** Whether the notice mentions an external coincidence. */
  coinc_comment: boolean;
  /** Probability that a component is a neutron star. */
  prob_has_ns: number | null;
  /** Probability that matter remained outside the final object. */
  prob_has_remnant: number | null;
  /** Probability of a binary neutron star merger. */
  prob_bns: number | null;
  /** Probability of a neutron star-black hole merger. */
  prob_nsbh: number | null;
  /** Probability of a binary black hole merger. */
  prob_bbh: number | null;
  /** Probability of terrestrial origin. */
  prob_terrestrial: number | null;
  /** Probability of a component in the 3-5 solar-mass gap. */
  prob_mass_gap: number | null;
  /** Whether RAVEN found an external coincidence. */
  raven_coinc?: boolean;
  /** GCN id of the coincident external trigger. */
  ext_gcn?: string;
  /** Pipeline of the coincident external trigger. */
  ext_pipeline?: string;
  /** Search of the coincident external trigger. */
  ext_search?: string;
  /** Combined GW-external sky map file as `name,version`. */
  combined_skymap_filename?: string;
  /** Whether the candidate passed the significance threshold. */
  significant?: boolean | null;
  /** Probability of a sub-solar-mass component. */
  prob_has_ssm?: number | null;
}

/**
 * One pointing of an electromagnetic observation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { type EMFootprint, isSupereventAlert, validateAlert } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const [first] = alerts.filter(isSupereventAlert);
 * const footprint: EMFootprint = {
 *   N: 1, ra: 120, dec: -30, raWidth: 2, decWidth: 2,
 *   start_time: "2026-01-05T06:30:00", exposure_time: 60,
 * };
 * const observation = (footprints: unknown[]) => ({
 *   N: 1, created: "2026-01-05 07:00:00 UTC", submitter: "observer", group: "ZTF",
 *   ra: 120, dec: -30, raWidth: 2, decWidth: 2, comment: "",
 *   footprint_count: footprints.length, footprints,
 * });
 * const check = (footprints: unknown[]) =>
 *   validateAlert({ ...first, alert_type: "emobservation", data: observation(footprints) });
 * assert.deepEqual(check([footprint]), []);
 * assert.match(check([{ ...footprint, ra: "120" }]).join(), /footprints\[0\]\.ra: expected num/);
 * ```
 */
export interface EMFootprint {
  /** Pointing number. */
  N: number;
  /** Right ascension, degrees. */
  ra: number;
  /** Declination, degrees. */
  dec: number;
  /** Width in right ascension, degrees. */
  raWidth: number;
  /** Width in declination, degrees. */
  decWidth: number;
  /** Start of the exposure, ISO time. */
  start_time: string;
  /** Exposure, seconds. */
  exposure_time: number;
}

/**
 * An electromagnetic follow-up observation reported to GraceDB.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { type EMObservation, isSupereventAlert, validateAlert } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const [first] = alerts.filter(isSupereventAlert);
 * const footprints = [1, 2].map((N) => ({
 *   N, ra: 119 + N, dec: -30, raWidth: 1, decWidth: 2,
 *   start_time: "2026-01-05T06:30:00", exposure_time: 60,
 * }));
 * const data: EMObservation = {
 *   N: 1, created: "2026-01-05 07:00:00 UTC", submitter: "observer", group: "ZTF",
 *   ra: 120, dec: -30, raWidth: 2, decWidth: 2, comment: "two tiles",
 *   footprint_count: footprints.length, footprints,
 * };
 * assert.deepEqual(validateAlert({ ...first, alert_type: "emobservation", data }), []);
 * assert.equal(data.footprints.length, data.footprint_count);
 * ```
 */
export interface EMObservation {
  /** Observation number. */
  N: number;
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: string;
  /** Username of who submitted it. */
  submitter: string;
  /** EM group that observed. */
  group: string;
  /** Right ascension, degrees. */
  ra: number;
  /** Declination, degrees. */
  dec: number;
  /** Width in right ascension, degrees. */
  raWidth: number;
  /** Width in declination, degrees. */
  decWidth: number;
  /** Free-text comment. */
  comment: string;
  /** Number of pointings. */
  footprint_count: number;
  /** Individual pointings. */
  footprints: EMFootprint[];
}

/**
 * An EMBB event-log entry (legacy; free-form beyond these keys).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { type EmbbEventLog, isEventAlert, validateAlert } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const [first] = alerts.filter(isEventAlert);
 * const data: EmbbEventLog = { N: 1, created: "2026-01-05 07:00:00 UTC", submitter: "observer" };
 * assert.deepEqual(validateAlert({ ...first, alert_type: "embb_event_log", data }), []);
 * assert.notDeepEqual(validateAlert({ ...first, alert_type: "embb_event_log", data: [] }), []);
 * ```
 */
export interface EmbbEventLog {
  /** Entry number. */
  N?: number;
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created?: string;
  /** Username of who submitted it. */
  submitter?: string;
  /** Further free-form fields. */
  [key: string]: JsonValue | undefined;
}

/**
 * A permission change of an `exposed`/`hidden` alert, e.g. `public_users` / `view_superevent`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { isSupereventAlert, type Permission, validateAlert } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * const [first] = alerts.filter(isSupereventAlert);
 * const data: Permission[] = [{ group: "public_users", permission: "view_superevent" }];
 * assert.deepEqual(validateAlert({ ...first, alert_type: "exposed", data }), []);
 * const incomplete = { ...first, alert_type: "exposed", data: [{ group: "public_users" }] };
 * assert.match(validateAlert(incomplete).join(), /permission/);
 * ```
 */
export interface Permission {
  /** User group, e.g. `public_users`. */
  group: string;
  /** Permission codename, e.g. `view_superevent`. */
  permission: string;
}

/**
 * The envelope every alert shares: `T` is the alert type, `D` its data, `O` the parent object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { type AlertEnvelope, isSupereventAlert, type Label, type Superevent } from "./types.ts";
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * type LabelAdded = AlertEnvelope<"label_added", Label, Superevent>;
 * const added = alerts.filter(isSupereventAlert)
 *   .filter((alert): alert is LabelAdded => alert.alert_type === "label_added");
 * assert.ok(added.length > 0);
 * assert.ok(added.every((alert) => alert.uid === alert.object.superevent_id));
 * assert.ok(added.every((alert) => alert.object.labels.includes(alert.data.name)));
 * ```
 */
export interface AlertEnvelope<T extends AlertType, D, O> {
  /** graceid or superevent id the alert is about. */
  uid: string;
  /** What happened (see {@linkcode AlertType}). */
  alert_type: T;
  /** The record the action concerns. */
  data: D;
  /** The parent event or superevent after the action. */
  object: O;
}

/**
 * Alerts about an annotation of a superevent or event (log, label, VOEvent, EM observation,
 * sign-off, visibility); `Parent` is the annotated object carried in `object`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { simulateLifecycles } from "@igwn/alert/playground";
 * import { type AnnotationAlert, isSupereventAlert, type Superevent } from "./types.ts";
 * function labelOf(alert: AnnotationAlert<Superevent>): string | undefined {
 *   return alert.alert_type === "label_added" ? alert.data.name : undefined;
 * }
 * const labels = [...simulateLifecycles({ seed: 1, count: 1 })]
 *   .map((step) => step.alert)
 *   .filter(isSupereventAlert)
 *   .map((alert) => alert.alert_type === "label_added" ? labelOf(alert) : undefined);
 * assert.ok(labels.includes("SKYMAP_READY"));
 * ```
 */
export type AnnotationAlert<Parent> =
  | AlertEnvelope<"log", LogEntry, Parent>
  | AlertEnvelope<"label_added" | "label_removed", Label, Parent>
  | AlertEnvelope<"voevent", VOEventInfo, Parent>
  | AlertEnvelope<"emobservation", EMObservation, Parent>
  | AlertEnvelope<"signoff_created" | "signoff_updated" | "signoff_deleted", Signoff, Parent>
  | AlertEnvelope<"exposed" | "hidden", Permission[], Parent>;

/**
 * Alerts about a superevent; `alert_type` narrows `data`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { simulateLifecycles } from "@igwn/alert/playground";
 * import { isSupereventAlert, type SupereventAlert } from "./types.ts";
 * function fileOf(alert: SupereventAlert): string | undefined {
 *   return alert.alert_type === "log" && alert.data.filename ? alert.data.filename : undefined;
 * }
 * const files = [...simulateLifecycles({ seed: 1, count: 1 })]
 *   .map((step) => step.alert)
 *   .filter(isSupereventAlert)
 *   .map(fileOf);
 * assert.ok(files.includes("bayestar.multiorder.fits"));
 * ```
 */
export type SupereventAlert =
  | AlertEnvelope<
    "new" | "update" | "event_added" | "event_removed" | "confirmed_as_gw",
    Superevent,
    Superevent
  >
  | AnnotationAlert<Superevent>;

/**
 * Alerts about a pipeline event; `alert_type` narrows `data`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { simulateLifecycles } from "@igwn/alert/playground";
 * import { type EventAlert, isEventAlert } from "./types.ts";
 * function farOf(alert: EventAlert): number | null | undefined {
 *   return alert.alert_type === "new" ? alert.data.far : undefined;
 * }
 * const [first] = [...simulateLifecycles({ seed: 1, count: 1 })]
 *   .map((step) => step.alert)
 *   .filter(isEventAlert);
 * assert.strictEqual(typeof farOf(first), "number");
 * ```
 */
export type EventAlert =
  | AlertEnvelope<
    | "new"
    | "update"
    | "added_to_superevent"
    | "removed_from_superevent"
    | "selected_as_preferred"
    | "removed_as_preferred",
    GraceDbEvent,
    GraceDbEvent
  >
  | AlertEnvelope<"embb_event_log", EmbbEventLog, GraceDbEvent>
  | AnnotationAlert<GraceDbEvent>;

/**
 * Any GraceDB alert. Use {@linkcode isSupereventAlert} / {@linkcode isEventAlert} to pick the
 * family, then `alert_type` to narrow `data`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { simulateLifecycles } from "@igwn/alert/playground";
 * import { type GraceDbAlert, isEventAlert } from "./types.ts";
 * const pipelineOf = (a: GraceDbAlert) => isEventAlert(a) ? a.object.pipeline : undefined;
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * assert.ok(alerts.some((alert) => pipelineOf(alert) !== undefined));
 * assert.ok(alerts.some((alert) => pipelineOf(alert) === undefined)); // superevent alerts
 * ```
 */
export type GraceDbAlert = SupereventAlert | EventAlert;

/**
 * True when the alert concerns a superevent (its `object` is a superevent).
 *
 * @param alert an alert that passed {@linkcode validateAlert} or came typed
 * @returns whether `alert.object` is a {@linkcode Superevent}
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { simulateLifecycles } from "@igwn/alert/playground";
 * import { type GraceDbAlert, isSupereventAlert } from "./types.ts";
 * const ids = (alerts: GraceDbAlert[]) =>
 *   alerts.filter(isSupereventAlert).map((a) => a.object.superevent_id);
 * const steps = [...simulateLifecycles({ seed: 1, count: 1 })];
 * assert.deepStrictEqual(new Set(ids(steps.map((step) => step.alert))), new Set([steps[0].superevent]));
 * ```
 */
export function isSupereventAlert(alert: GraceDbAlert): alert is SupereventAlert {
  return typeof (alert.object as { superevent_id?: unknown }).superevent_id === "string";
}

/**
 * True when the alert concerns a pipeline event (its `object` is an event).
 *
 * @param alert an alert that passed {@linkcode validateAlert} or came typed
 * @returns whether `alert.object` is a {@linkcode GraceDbEvent}
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { simulateLifecycles } from "@igwn/alert/playground";
 * import { type GraceDbAlert, isEventAlert } from "./types.ts";
 * const graceids = (alerts: GraceDbAlert[]) =>
 *   alerts.filter(isEventAlert).map((a) => a.object.graceid);
 * const alerts = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * assert.ok(graceids(alerts).every((id) => /^[GMT]\d+$/.test(id)));
 * ```
 */
export function isEventAlert(alert: GraceDbAlert): alert is EventAlert {
  return !isSupereventAlert(alert);
}

// ---------------------------------------------------------------------------------------------
// Runtime validation. Checks the keys our types declare (extra keys are allowed, since GraceDB
// adds fields over time) and reports every problem with its JSON path.

type Check = (value: unknown, path: string, problems: string[]) => void;

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function expect(kind: string): Check {
  return (value, path, problems) => {
    const actual = kindOf(value);
    if (actual !== kind) problems.push(`${path}: expected ${kind}, got ${actual}`);
  };
}

const str = expect("string");
const num: Check = (value, path, problems) => {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    problems.push(`${path}: expected number, got ${kindOf(value)}`);
  }
};
const bool = expect("boolean");

function nullable(check: Check): Check {
  return (value, path, problems) => {
    if (value !== null) check(value, path, problems);
  };
}

function oneOf(...allowed: string[]): Check {
  return (value, path, problems) => {
    if (typeof value !== "string" || !allowed.includes(value)) {
      problems.push(
        `${path}: expected one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${
          typeof value === "string" ? JSON.stringify(value) : kindOf(value)
        }`,
      );
    }
  };
}

function arrayOf(check: Check): Check {
  return (value, path, problems) => {
    if (!Array.isArray(value)) {
      problems.push(`${path}: expected array, got ${kindOf(value)}`);
      return;
    }
    value.forEach((item, index) => check(item, `${path}[${index}]`, problems));
  };
}

function recordOf(check: Check): Check {
  return (value, path, problems) => {
    if (kindOf(value) !== "object") {
      problems.push(`${path}: expected object, got ${kindOf(value)}`);
      return;
    }
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      check(item, `${path}${keyPath(key)}`, problems);
    }
  };
}

function keyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** `?` after a key name marks it optional. */
function shape(fields: Record<string, Check>): Check {
  return (value, path, problems) => {
    if (kindOf(value) !== "object") {
      problems.push(`${path}: expected object, got ${kindOf(value)}`);
      return;
    }
    const record = value as Record<string, unknown>;
    for (const [spec, check] of Object.entries(fields)) {
      const optional = spec.endsWith("?");
      const key = optional ? spec.slice(0, -1) : spec;
      if (!(key in record)) {
        if (!optional) problems.push(`${path}${keyPath(key)}: missing`);
        continue;
      }
      if (optional && record[key] === undefined) continue;
      check(record[key], `${path}${keyPath(key)}`, problems);
    }
  };
}

const coincInspiral = shape({
  ifos: str,
  end_time: num,
  end_time_ns: num,
  mass: num,
  mchirp: num,
  minimum_duration: nullable(num),
  snr: num,
  false_alarm_rate: nullable(num),
  combined_far: nullable(num),
});

const singleInspiral = shape({
  ifo: str,
  channel: str,
  end_time: num,
  end_time_ns: num,
  snr: num,
  chisq: nullable(num),
  mass1: num,
  mass2: num,
  spin1z: num,
  spin2z: num,
  coa_phase: nullable(num),
  sigmasq: nullable(num),
});

const multiBurst = shape({
  ifos: str,
  start_time: num,
  duration: num,
  central_freq: num,
  bandwidth: num,
  snr: num,
  amplitude: num,
  "single_ifo_times?": str,
  "ligo_axis_ra?": num,
  "ligo_axis_dec?": num,
});

const lalInferenceBurst = shape({
  frequency_mean: num,
  quality_mean: num,
  bsn: num,
  bci: num,
  omicron_snr_network: num,
});

const grb = shape({
  ivorn: nullable(str),
  ra: nullable(num),
  dec: nullable(num),
  error_radius: nullable(num),
  T90: nullable(num),
  trigger_id: nullable(str),
  "trigger_duration?": nullable(num),
  "designation?": nullable(str),
  "redshift?": nullable(num),
});

const simInspiral = shape({ mass1: num, mass2: num, distance: num });

const extraAttributes = shape({
  "CoincInspiral?": coincInspiral,
  "SingleInspiral?": arrayOf(singleInspiral),
  "MultiBurst?": multiBurst,
  "LalInferenceBurst?": lalInferenceBurst,
  "GRB?": grb,
  "SimInspiral?": arrayOf(simInspiral),
});

const eventSummaryFields: Record<string, Check> = {
  submitter: str,
  created: str,
  group: str,
  graceid: str,
  pipeline: str,
  gpstime: num,
  instruments: str,
  nevents: nullable(num),
  offline: bool,
  search: nullable(str),
  far: nullable(num),
  far_is_upper_limit: bool,
  likelihood: nullable(num),
  labels: arrayOf(str),
  extra_attributes: extraAttributes,
  "reporting_latency?": nullable(num),
};

const eventSummary = shape(eventSummaryFields);

const supereventNeighbour = shape({
  superevent_id: str,
  gw_events: arrayOf(str),
  preferred_event: str,
  preferred_event_data: eventSummary,
  far: num,
  t_start: num,
  t_0: num,
  t_end: num,
});

const eventLinks = shape({
  neighbors: str,
  log: str,
  emobservations: str,
  files: str,
  labels: str,
  self: str,
  tags: str,
});

const graceDbEvent = shape({
  ...eventSummaryFields,
  superevent: nullable(str),
  superevent_neighbours: recordOf(supereventNeighbour),
  links: eventLinks,
});

const supereventLinks = shape({
  events: str,
  labels: str,
  logs: str,
  files: str,
  self: str,
  voevents: str,
  emobservations: str,
});

const superevent = shape({
  superevent_id: str,
  gw_id: nullable(str),
  category: oneOf("Production", "Test", "MDC"),
  created: str,
  submitter: str,
  preferred_event: str,
  em_type: nullable(str),
  t_start: num,
  t_0: num,
  t_end: num,
  gw_events: arrayOf(str),
  em_events: arrayOf(str),
  far: num,
  time_coinc_far: nullable(num),
  space_coinc_far: nullable(num),
  labels: arrayOf(str),
  links: supereventLinks,
  preferred_event_data: graceDbEvent,
  "pipeline_preferred_events?": expect("object"),
});

const logEntry = shape({
  self: str,
  N: num,
  comment: str,
  created: str,
  issuer: str,
  filename: str,
  file_version: nullable(num),
  tag_names: arrayOf(str),
  file: nullable(str),
  "tags?": str,
});

const label = shape({ self: str, name: str, created: str, creator: str });

const signoff = shape({
  self: str,
  signoff_type: oneOf("ADV", "OP"),
  instrument: str,
  status: oneOf("OK", "NO"),
  submitter: str,
  comment: str,
});

const voevent = shape({
  voevent_type: oneOf("PR", "IN", "UP", "RE"),
  file_version: num,
  ivorn: str,
  created: str,
  issuer: str,
  filename: str,
  N: num,
  links: shape({ self: str, file: str }),
  skymap_type: nullable(str),
  skymap_filename: nullable(str),
  internal: bool,
  open_alert: bool,
  hardware_inj: bool,
  coinc_comment: bool,
  prob_has_ns: nullable(num),
  prob_has_remnant: nullable(num),
  prob_bns: nullable(num),
  prob_nsbh: nullable(num),
  prob_bbh: nullable(num),
  prob_terrestrial: nullable(num),
  prob_mass_gap: nullable(num),
  "raven_coinc?": bool,
  "ext_gcn?": str,
  "ext_pipeline?": str,
  "ext_search?": str,
  "combined_skymap_filename?": str,
  "significant?": nullable(bool),
  "prob_has_ssm?": nullable(num),
});

const emObservation = shape({
  N: num,
  created: str,
  submitter: str,
  group: str,
  ra: num,
  dec: num,
  raWidth: num,
  decWidth: num,
  comment: str,
  footprint_count: num,
  footprints: arrayOf(shape({
    N: num,
    ra: num,
    dec: num,
    raWidth: num,
    decWidth: num,
    start_time: str,
    exposure_time: num,
  })),
});

const permissions = arrayOf(shape({ group: str, permission: str }));

function dataCheck(alertType: AlertType, family: "superevent" | "event"): Check {
  switch (alertType) {
    case "new":
    case "update":
    case "event_added":
    case "event_removed":
    case "confirmed_as_gw":
    case "added_to_superevent":
    case "removed_from_superevent":
    case "selected_as_preferred":
    case "removed_as_preferred":
      return family === "superevent" ? superevent : graceDbEvent;
    case "log":
      return logEntry;
    case "label_added":
    case "label_removed":
      return label;
    case "voevent":
      return voevent;
    case "emobservation":
      return emObservation;
    case "embb_event_log":
      return expect("object");
    case "signoff_created":
    case "signoff_updated":
    case "signoff_deleted":
      return signoff;
    case "exposed":
    case "hidden":
      return permissions;
  }
}

/**
 * Checks that a decoded value is a GraceDB alert shaped as {@linkcode GraceDbAlert} describes.
 *
 * Extra keys are accepted (GraceDB adds fields over time); missing keys, wrong value kinds,
 * unknown `alert_type`s for the family, and a `uid` that does not name the alert's object are
 * reported, each with the JSON path of the offending value.
 *
 * @param value a decoded alert (for example `JSON.parse` of a message)
 * @returns the problems found, empty when the value is a valid alert
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { validateAlert } from "./types.ts";
 *
 * const problems = validateAlert({ uid: "S240615dg", alert_type: "sent", data: {}, object: {} });
 * assert.ok(problems.some((problem) => problem.startsWith("$.alert_type")), problems.join("\n"));
 * ```
 */
export function validateAlert(value: unknown): string[] {
  const problems: string[] = [];
  if (kindOf(value) !== "object") {
    return [`$: expected object, got ${kindOf(value)}`];
  }
  const alert = value as Record<string, unknown>;
  for (const key of ["uid", "alert_type", "data", "object"]) {
    if (!(key in alert)) problems.push(`$.${key}: missing`);
  }
  if ("uid" in alert) str(alert.uid, "$.uid", problems);
  if ("alert_type" in alert) str(alert.alert_type, "$.alert_type", problems);
  if (!("object" in alert) || kindOf(alert.object) !== "object") {
    if ("object" in alert) problems.push(`$.object: expected object, got ${kindOf(alert.object)}`);
    return problems;
  }
  const object = alert.object as Record<string, unknown>;
  const family = "superevent_id" in object ? "superevent" : "event";
  (family === "superevent" ? superevent : graceDbEvent)(object, "$.object", problems);

  const id = family === "superevent" ? object.superevent_id : object.graceid;
  if (typeof alert.uid === "string" && typeof id === "string" && alert.uid !== id) {
    const field = family === "superevent" ? "superevent_id" : "graceid";
    problems.push(
      `$.uid: ${JSON.stringify(alert.uid)} differs from $.object.${field} ${JSON.stringify(id)}`,
    );
  }

  if (typeof alert.alert_type !== "string") return problems;
  const allowed: readonly string[] = family === "superevent"
    ? SUPEREVENT_ALERT_TYPES
    : EVENT_ALERT_TYPES;
  if (!allowed.includes(alert.alert_type)) {
    problems.push(
      `$.alert_type: ${JSON.stringify(alert.alert_type)} is not ${
        family === "event" ? "an event" : "a superevent"
      } alert type`,
    );
    return problems;
  }
  if ("data" in alert) {
    dataCheck(alert.alert_type as AlertType, family)(alert.data, "$.data", problems);
  }
  return problems;
}
