/**
 * TypeScript shapes of the alerts GraceDB publishes on igwn-alert topics, derived from the one
 * description in `gracedb_schemas.ts` that {@linkcode validateAlert} also runs.
 *
 * Every alert is `{ uid, alert_type, data, object }`. Superevent alerts (topics `superevent`,
 * `mdc_superevent`, `test_superevent`) carry a {@linkcode Superevent} as `object`; event alerts
 * (topics `<group>_<pipeline>[_<search>]`) carry a {@linkcode GraceDbEvent}. Within each family,
 * `alert_type` narrows `data`. Values GraceDB adds later (a new label, VOEvent type or alert type)
 * are accepted: typed as plain strings, and an alert of an unknown type is an
 * {@linkcode UnknownAlert}.
 *
 * Sources (read for the keys, types and value lists; GraceDB server repository, O4 era, and the
 * igwn-alert documentation):
 * - alert types and their `data`: `gracedb/alerts/issuers/events.py`,
 *   `gracedb/alerts/issuers/superevents.py`, `docs/user_docs/source/igwn_alert.rst` (which also
 *   lists `embb_event_log` for superevents);
 * - event, log, label, EMBB event log, EM observation, VOEvent, sign-off and permission
 *   dictionaries: `gracedb/events/view_utils.py` (`eventToDict`, `eventLogToDict`, `labelToDict`,
 *   `embbEventLogToDict`, `emObservationToDict`, `voeventToDict`, `signoffToDict`,
 *   `groupeventpermissionToDict`);
 * - superevent, superevent log/VOEvent/EM observation/sign-off dictionaries:
 *   `gracedb/api/v1/superevents/serializers.py`;
 * - documented examples, including the older dictionaries (a VOEvent without the flags and
 *   probabilities added later): `docs/user_docs/source/dicts/*.json`, `dicts/permissions.list`,
 *   `models.rst`;
 * - VOEvent types (`EW` early warning): `gracedb/events/migrations/0050_add_ew_voevent_type.py`;
 *   VOEvent fields added later: migrations `0034`/`0035_add_voevent_fields`,
 *   `0041_add_raven_voevent_fields`, `0060_voevent_prob_has_mass_gap`, `0075_voevent_significant`;
 * - labels: `docs/user_docs/source/labels.rst` and the label migrations (`0005`, `0009`, `0010`,
 *   `0024`, `0031`, `0043`, `0044`, `0052`, `0053`, `0056`, `0057`, `0059`, `0070`, `0072`, `0074`,
 *   `0076`, `0078`, `0079`, `0093`, `0094`);
 * - pipeline tables: `dicts/event_cbc.json`, `event_cwb.json`, `event_olib.json`, `event_ml.json`
 *   (`MLyBurst`), `event_external_grb.json`, `event_external_neutrino.json` (`NeutrinoEvent`,
 *   migration `0092_neutrinoevent`), `reporting_latency` (migration `0055`);
 * - igwn-alert client documentation (`igwn-alert.readthedocs.io`, guide) for the envelope and
 *   topics.
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
import { GRACEDB_SCHEMAS } from "./gracedb_schemas.ts";
import type { Infer, JsonValue, Other } from "./schema.ts";

export type { JsonValue } from "./schema.ts";
export { checkAlert, validateAlert } from "./validate_alert.ts";
export type { AlertCheck } from "./validate_alert.ts";

/**
 * The alert envelopes of a table of alert types and their `data` schemas (such as
 * `GRACEDB_SCHEMAS.supereventAlertData`) about a `Parent`: one envelope per distinct `data`
 * schema with its alert types together (`"label_added" | "label_removed"`), so that an alert built
 * with a union of alert types is assignable, and `alert_type` narrows `data`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type AlertsOf, GRACEDB_SCHEMAS, type Superevent } from "./mod.ts";
 * type Annotation = AlertsOf<typeof GRACEDB_SCHEMAS.annotationAlertData, Superevent>;
 * const removedLabel = (alert: Annotation) =>
 *   alert.alert_type === "label_removed" ? alert.data.name : undefined;
 * const data = { self: "", name: "DQV", created: "", creator: "" };
 * const object = {} as Superevent;
 * assert.equal(removedLabel({ uid: "S1", alert_type: "label_removed", data, object }), "DQV");
 * ```
 */
export type AlertsOf<Table, Parent> = {
  [K in keyof Table]: AlertEnvelope<
    & {
      [J in keyof Table]: [Table[J]] extends [Table[K]] ? [Table[K]] extends [Table[J]] ? J
        : never
        : never;
    }[keyof Table]
    & AlertType,
    Infer<Table[K]>,
    Parent
  >;
}[keyof Table];

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
export type SupereventAlertType = keyof typeof GRACEDB_SCHEMAS.supereventAlertData;

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
export type EventAlertType = keyof typeof GRACEDB_SCHEMAS.eventAlertData;

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
 * The `alert_type` values of superevents, in GraceDB's issuer order.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { SUPEREVENT_ALERT_TYPES } from "./types.ts";
 * assert.strictEqual(SUPEREVENT_ALERT_TYPES.includes("event_added"), true);
 * assert.strictEqual((SUPEREVENT_ALERT_TYPES as string[]).includes("added_to_superevent"), false);
 * ```
 */
export const SUPEREVENT_ALERT_TYPES: readonly SupereventAlertType[] = Object.freeze(
  Object.keys(GRACEDB_SCHEMAS.supereventAlertData) as SupereventAlertType[],
);

/**
 * The `alert_type` values of events, in GraceDB's issuer order.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { EVENT_ALERT_TYPES } from "./types.ts";
 * assert.strictEqual(EVENT_ALERT_TYPES.includes("embb_event_log"), true);
 * assert.strictEqual((EVENT_ALERT_TYPES as string[]).includes("event_added"), false);
 * ```
 */
export const EVENT_ALERT_TYPES: readonly EventAlertType[] = Object.freeze(
  Object.keys(GRACEDB_SCHEMAS.eventAlertData) as EventAlertType[],
);

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
 *   .find((alert) => Object.keys(alert.object.superevent_neighbours).length > 0)!;
 * const [neighbour] = Object.values(event.object.superevent_neighbours);
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
 *   .find((alert) => Object.keys(alert.object.superevent_neighbours).length > 0)!;
 * const [[id, neighbour]] = Object.entries(event.object.superevent_neighbours);
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
export type AnnotationAlert<Parent> = AlertsOf<typeof GRACEDB_SCHEMAS.annotationAlertData, Parent>;

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
export type SupereventAlert = AlertsOf<typeof GRACEDB_SCHEMAS.supereventAlertData, Superevent>;

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
export type EventAlert = AlertsOf<typeof GRACEDB_SCHEMAS.eventAlertData, GraceDbEvent>;

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

/**
 * An alert whose `alert_type` this version does not know (GraceDB added it later): accepted by
 * {@linkcode validateAlert}, with its `data` untyped. {@linkcode isKnownAlert} tells it apart.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type GraceDbAlert, isKnownAlert, type UnknownAlert } from "./types.ts";
 * const text = await Deno.readTextFile("tests/testdata/alerts/superevent_new.json");
 * const alert: GraceDbAlert | UnknownAlert = { ...JSON.parse(text), alert_type: "merged" };
 * if (!isKnownAlert(alert)) assert.equal(alert.alert_type, "merged");
 * assert.equal(isKnownAlert(alert), false);
 * ```
 */
export interface UnknownAlert {
  /** graceid or superevent id the alert is about. */
  uid: string;
  /** An alert type GraceDB introduced after this version. */
  alert_type: Other;
  /** The record the action concerns, unchecked. */
  data: JsonValue;
  /** The parent event or superevent after the action. */
  object: Superevent | GraceDbEvent;
}

/**
 * True when the alert's `alert_type` is one this version knows for the alert's family, so that
 * `alert_type` narrows `data`.
 *
 * @param alert a decoded alert that passed {@linkcode validateAlert}
 * @returns whether it is a {@linkcode GraceDbAlert} rather than an {@linkcode UnknownAlert}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { isKnownAlert } from "./types.ts";
 * const [first] = [...simulateLifecycles({ seed: 1, count: 1 })].map((step) => step.alert);
 * assert.equal(isKnownAlert(first), true);
 * assert.equal(isKnownAlert({ ...first, alert_type: "merged", data: null }), false);
 * ```
 */
export function isKnownAlert(alert: GraceDbAlert | UnknownAlert): alert is GraceDbAlert {
  const table = "superevent_id" in alert.object
    ? GRACEDB_SCHEMAS.supereventAlertData
    : GRACEDB_SCHEMAS.eventAlertData;
  return Object.hasOwn(table, alert.alert_type);
}

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
