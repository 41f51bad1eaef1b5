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
 * Sources (read for the keys, types and value lists): the GraceDB server source
 * (`computing/gracedb/server`, O4 era) and its user documentation, and the igwn-alert client
 * documentation:
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
 *   probabilities added later): `docs/user_docs/source/dicts/*.json` and `dicts/permissions.list`;
 * - VOEvent types (`EW` early warning): `gracedb/events/migrations/0050_add_ew_voevent_type.py`;
 *   VOEvent fields added later: migrations `0034`/`0035_add_voevent_fields`,
 *   `0041_add_raven_voevent_fields`, `0060_voevent_prob_has_mass_gap`, `0075_voevent_significant`;
 * - labels: `docs/user_docs/source/labels.rst` and the label migrations in `gracedb/events/`
 *   (`0005_initial_label_data`, `0024_add_labels`, `0052`/`0053` catalog labels,
 *   `0059_add_raven_labels`, `0070`/`0078` emfollow labels, `0084_lensing_search_label`,
 *   `0094_rename_ssm_label`);
 * - pipeline tables: `dicts/event_cbc.json`, `event_cwb.json`, `event_olib.json`, `event_ml.json`
 *   (`MLyBurst`), `event_external_grb.json`, `event_external_neutrino.json` (`NeutrinoEvent`,
 *   migration `0092_neutrinoevent`), `reporting_latency` (migration `0055`);
 * - pipelines and searches: the pipeline and search migrations (`0045`, `0051`, `0053`, `0073`,
 *   `0082`, `0086`, `0088`, `0090`, `0091`) as named in their file names;
 * - the envelope and topics: `igwn_alert.rst` and the igwn-alert guide
 *   (`igwn-alert.readthedocs.io`).
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
import type { GraceDbEvent, Superevent } from "./record_types.ts";
import type { Infer, JsonValue } from "./schema.ts";

export type { JsonValue } from "./schema.ts";
export * from "./record_types.ts";
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
  alert_type: string;
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
