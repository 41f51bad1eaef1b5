/**
 * The records GraceDB puts in alerts (events, superevents, their pipeline tables, and the logs,
 * labels, VOEvents, sign-offs, EM observations and permissions that annotate them), each derived
 * from its schema in `GRACEDB_SCHEMAS`. `types.ts` re-exports them with the alert envelopes.
 *
 * @module
 */
import type { GRACEDB_SCHEMAS } from "./gracedb_schemas.ts";
import type { Infer } from "./schema.ts";

/**
 * A VOEvent type: `PR` Preliminary, `IN` Initial, `UP` Update, `RE` Retraction, `EW` early
 * warning, or one GraceDB adds later.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { VOEventInfo, VOEventType } from "./types.ts";
 * const type: VOEventType = "EW";
 * const words: Record<string, string> = { PR: "Preliminary", EW: "EarlyWarning" };
 * const notice: Pick<VOEventInfo, "voevent_type"> = { voevent_type: type };
 * assert.equal(words[notice.voevent_type], "EarlyWarning");
 * ```
 */
export type VOEventType = VOEventInfo["voevent_type"];

/**
 * A label name: one GraceDB defines (`EM_READY`, `SKYMAP_READY`, ...) or one it adds later.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LabelName } from "./types.ts";
 * const waitFor: LabelName[] = ["SKYMAP_READY", "EMBRIGHT_READY", "PASTRO_READY"];
 * assert.ok(waitFor.every((name) => name.endsWith("_READY")));
 * ```
 */
export type LabelName = Label["name"];

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
export type SupereventCategory = Superevent["category"];

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
export type EventGroup = EventSummary["group"];

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
export type CoincInspiral = Infer<typeof GRACEDB_SCHEMAS.coincInspiral>;

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
export type SingleInspiral = Infer<typeof GRACEDB_SCHEMAS.singleInspiral>;

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
export type MultiBurst = Infer<typeof GRACEDB_SCHEMAS.multiBurst>;

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
export type LalInferenceBurst = Infer<typeof GRACEDB_SCHEMAS.lalInferenceBurst>;

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
export type GrbAttributes = Infer<typeof GRACEDB_SCHEMAS.grb>;

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
export type SimInspiral = Infer<typeof GRACEDB_SCHEMAS.simInspiral>;

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
export type ExtraAttributes = Infer<typeof GRACEDB_SCHEMAS.extraAttributes>;

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
export type EventLinks = Infer<typeof GRACEDB_SCHEMAS.eventLinks>;

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
 *   .find((alert) => Object.keys(alert.object.superevent_neighbours ?? {}).length > 0)!;
 * const [neighbour] = Object.values(event.object.superevent_neighbours!);
 * const summary: EventSummary = neighbour.preferred_event_data;
 * assert.equal(summary.graceid, neighbour.preferred_event);
 * assert.equal("links" in summary, false); // the short copy has no links
 * ```
 */
export type EventSummary = Infer<typeof GRACEDB_SCHEMAS.eventSummary>;

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
 *   .find((alert) => Object.keys(alert.object.superevent_neighbours ?? {}).length > 0)!;
 * const [[id, neighbour]] = Object.entries(event.object.superevent_neighbours!);
 * const n: SupereventNeighbour = neighbour;
 * assert.equal(n.superevent_id, id);
 * assert.ok(n.gw_events.includes(n.preferred_event));
 * assert.ok(n.t_start <= n.t_0 && n.t_0 <= n.t_end);
 * ```
 */
export type SupereventNeighbour = Infer<typeof GRACEDB_SCHEMAS.supereventNeighbour>;

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
export type GraceDbEvent = Infer<typeof GRACEDB_SCHEMAS.event>;

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
export type SupereventLinks = Infer<typeof GRACEDB_SCHEMAS.supereventLinks>;

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
export type Superevent = Infer<typeof GRACEDB_SCHEMAS.superevent>;

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
export type LogEntry = Infer<typeof GRACEDB_SCHEMAS.log>;

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
export type Label = Infer<typeof GRACEDB_SCHEMAS.label>;

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
export type Signoff = Infer<typeof GRACEDB_SCHEMAS.signoff>;

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
export type VOEventInfo = Infer<typeof GRACEDB_SCHEMAS.voevent>;

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
export type EMFootprint = Infer<typeof GRACEDB_SCHEMAS.emFootprint>;

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
export type EMObservation = Infer<typeof GRACEDB_SCHEMAS.emObservation>;

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
export type EmbbEventLog = Infer<typeof GRACEDB_SCHEMAS.embbEventLog>;

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
export type Permission = Infer<typeof GRACEDB_SCHEMAS.permission>;

/**
 * A pipeline table of ML burst searches (`extra_attributes.MLyBurst`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MLyBurst } from "./types.ts";
 * const table: MLyBurst = { central_freq: 310, duration: 0.19, SNR: 6, scores: { combined: 0.02 } };
 * assert.equal(table.scores?.combined, 0.02);
 * ```
 */
export type MLyBurst = Infer<typeof GRACEDB_SCHEMAS.mlyBurst>;

/**
 * A neutrino trigger, e.g. from IceCube (`extra_attributes.NeutrinoEvent`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NeutrinoEvent } from "./types.ts";
 * const neutrino: NeutrinoEvent = {
 *   ivorn: null, coord_system: "UTC-FK5-GEO", ra: 176.3, dec: 52.6, error_radius: 0.8,
 *   far_ne: 0.15, far_unit: "yr^-1", signalness: 0.63, energy: 192, src_error_90: 0.8,
 *   src_error_50: 0.3, amon_id: null, run_id: 138599, event_id: 39138591, stream: 24,
 * };
 * assert.equal(neutrino.far_unit, "yr^-1");
 * ```
 */
export type NeutrinoEvent = Infer<typeof GRACEDB_SCHEMAS.neutrinoEvent>;
