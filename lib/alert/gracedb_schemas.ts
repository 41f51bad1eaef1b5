/**
 * GraceDB's alert shapes, written once: the validator runs these schemas and `types.ts` derives
 * every alert type from them. The sources are listed at the top of `types.ts`.
 *
 * Keys GraceDB added over the years are `optional` (older dictionaries still circulate: replays,
 * archives, test data); lists of values GraceDB extends (alert types, labels, VOEvent types,
 * pipelines, searches) are `known`, so a newer value is accepted and typed as a string.
 *
 * @module
 */
import {
  array,
  boolean,
  type Infer,
  json,
  type JsonValue,
  known,
  maybeNumber,
  maybeString,
  nullable,
  number,
  object,
  type ObjectSchema,
  oneOf,
  type Optional,
  optional,
  optionalMaybeNumber,
  optionalStrings,
  type Other,
  record,
  type Schema,
  string,
  strings,
} from "./schema.ts";
import {
  embbEventLog,
  emFootprint,
  emObservation,
  label,
  labelRecord,
  logEntry,
  permission,
  signoff,
  voevent,
} from "./_annotation_schemas.ts";
import {
  coincInspiral,
  extraAttributes,
  grb,
  lalInferenceBurst,
  mlyBurst,
  multiBurst,
  neutrinoEvent,
  simInspiral,
  singleInspiral,
} from "./_pipeline_tables.ts";
import { EVENT_GROUPS, PIPELINES, SEARCHES, SUPEREVENT_CATEGORIES } from "./_vocabulary.ts";

const labels: Schema<Infer<typeof label>[]> = array(label);
const num: Schema<number> = number;
const str: Schema<string> = string;
const maybeNum: Schema<number | null> = maybeNumber;
const maybeStr: Schema<string | null> = maybeString;
const group: Schema<(typeof EVENT_GROUPS)[number] | Other> = known(EVENT_GROUPS, "group");
const pipeline: Schema<(typeof PIPELINES)[number] | Other> = known(PIPELINES, "pipeline");
const search: Schema<(typeof SEARCHES)[number] | Other | null> = nullable(
  known(SEARCHES, "search"),
);
const category: Schema<(typeof SUPEREVENT_CATEGORIES)[number]> = oneOf(SUPEREVENT_CATEGORIES);
const pipelinePreferredEvents: Optional<Record<string, JsonValue>> = optional(record(json));
const permissions: Schema<Infer<typeof permission>[]> = array(permission);

// --- Events ------------------------------------------------------------------------------------

const eventSummaryFields = {
  /** Username of the uploading pipeline. */
  submitter: str,
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: str,
  /** Analysis group, e.g. `CBC`. */
  group,
  /** Event id, e.g. `G123456`. */
  graceid: str,
  /** Pipeline name as GraceDB spells it, e.g. `gstlal`. */
  pipeline,
  /** Event time, GPS seconds. */
  gpstime: num,
  /** Seconds between the signal and the upload (newer servers). */
  reporting_latency: optionalMaybeNumber,
  /** Comma-separated detectors, e.g. `H1,L1,V1`. */
  instruments: str,
  /** Number of single-detector triggers. */
  nevents: maybeNum,
  /** True for offline (archival) analyses. */
  offline: boolean,
  /** Search name, e.g. `AllSky`, or null. */
  search,
  /** Null for external triggers, whose significance comes from the joint (RAVEN) FARs. */
  far: maybeNum,
  /** Whether `far` is only an upper bound. */
  far_is_upper_limit: boolean,
  /** Ranking statistic of the pipeline. */
  likelihood: maybeNum,
  /** Names of the labels currently applied. */
  labels,
  /** Pipeline-specific attributes. */
  extra_attributes: extraAttributes,
  /** Upload warnings (newer servers). */
  warnings: optionalStrings,
};

const eventSummary: ObjectSchema<typeof eventSummaryFields> = object(eventSummaryFields);

const supereventNeighbourFields = {
  /** Superevent id, e.g. `S240615dg`. */
  superevent_id: str,
  /** graceids of the member gravitational-wave events. */
  gw_events: strings,
  /** graceid of the preferred event. */
  preferred_event: str,
  /** The preferred event in full. */
  preferred_event_data: eventSummary,
  /** FAR of its preferred event, Hz. */
  far: num,
  /** Start of the time window, GPS seconds. */
  t_start: num,
  /** Central time, GPS seconds. */
  t_0: num,
  /** End of the time window, GPS seconds. */
  t_end: num,
};
const supereventNeighbour: ObjectSchema<typeof supereventNeighbourFields> = object(
  supereventNeighbourFields,
);

const supereventNeighbours: Optional<Record<string, Infer<typeof supereventNeighbour>>> = optional(
  record(supereventNeighbour),
);

const eventLinksFields = {
  /** API URL of the neighbouring events. */
  neighbors: str,
  /** API URL of the log entries. */
  log: str,
  /** API URL of the EM observations. */
  emobservations: str,
  /** API URL of the file list. */
  files: str,
  /** API URL of the labels. */
  labels: str,
  /** API URL of the event (no trailing slash). */
  self: str,
  /** API URL of the tags. */
  tags: str,
};
const eventLinks: ObjectSchema<typeof eventLinksFields> = object(eventLinksFields);

const eventFields = {
  ...eventSummaryFields,
  /** Superevent id the event belongs to, or null. */
  superevent: maybeStr,
  /** Superevents within 100 s, by id (servers since 2020). */
  superevent_neighbours: supereventNeighbours,
  /** API URLs of the event. */
  links: eventLinks,
};
const event: ObjectSchema<typeof eventFields> = object(eventFields);

// --- Superevents -------------------------------------------------------------------------------

const supereventLinksFields = {
  /** API URL of the member events. */
  events: str,
  /** API URL of the labels. */
  labels: str,
  /** API URL of the log entries. */
  logs: str,
  /** API URL of the file list. */
  files: str,
  /** API URL of the superevent (ends with `/`). */
  self: str,
  /** API URL of the VOEvents. */
  voevents: str,
  /** API URL of the EM observations. */
  emobservations: str,
};
const supereventLinks: ObjectSchema<typeof supereventLinksFields> = object(supereventLinksFields);

const supereventFields = {
  /** Superevent id, e.g. `S240615dg`. */
  superevent_id: str,
  /** `GW...` id once confirmed, else null. */
  gw_id: maybeStr,
  /** `Production`, `Test` or `MDC`. */
  category,
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: str,
  /** Username of who created it. */
  submitter: str,
  /** graceid of the preferred event. */
  preferred_event: str,
  /** graceid of the coincident external event, or null. */
  em_type: maybeStr,
  /** Start of the time window, GPS seconds. */
  t_start: num,
  /** Central time, GPS seconds. */
  t_0: num,
  /** End of the time window, GPS seconds. */
  t_end: num,
  /** graceids of the member gravitational-wave events. */
  gw_events: strings,
  /** graceids of coincident external events. */
  em_events: strings,
  /** FAR of the preferred event, Hz. */
  far: num,
  /** Joint FAR of the temporal coincidence with an external trigger, Hz. */
  time_coinc_far: maybeNum,
  /** Joint FAR including sky overlap with an external trigger, Hz. */
  space_coinc_far: maybeNum,
  /** Names of the labels currently applied. */
  labels,
  /** API URLs of the superevent. */
  links: supereventLinks,
  /** The preferred event in full. */
  preferred_event_data: event,
  /** Preferred event of each pipeline (newer servers). */
  pipeline_preferred_events: pipelinePreferredEvents,
};
const superevent: ObjectSchema<typeof supereventFields> = object(supereventFields);

// --- Alerts: which `data` each alert type carries ----------------------------------------------

/** Alert types about an annotation of an event or a superevent, with their `data`. */
const annotationData = {
  log: logEntry,
  label_added: labelRecord,
  label_removed: labelRecord,
  voevent,
  emobservation: emObservation,
  embb_event_log: embbEventLog,
  signoff_created: signoff,
  signoff_updated: signoff,
  signoff_deleted: signoff,
  exposed: permissions,
  hidden: permissions,
};

/**
 * Every schema of GraceDB's alert contents, and which `data` each alert type carries: the one
 * description from which the alert types (`types.ts`) are derived and which `validateAlert` runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GRACEDB_SCHEMAS } from "./mod.ts";
 * const report = { problems: [], unknown: [] };
 * GRACEDB_SCHEMAS.voevent.check({ voevent_type: "EW" }, "$.data", report);
 * assert.equal(report.problems[0], "$.data.file_version: missing");
 * assert.ok("embb_event_log" in GRACEDB_SCHEMAS.eventAlertData);
 * assert.equal(GRACEDB_SCHEMAS.supereventAlertData.new, GRACEDB_SCHEMAS.superevent);
 * ```
 */
export const GRACEDB_SCHEMAS = {
  superevent,
  event,
  eventSummary,
  supereventNeighbour,
  eventLinks,
  supereventLinks,
  extraAttributes,
  coincInspiral,
  singleInspiral,
  multiBurst,
  lalInferenceBurst,
  mlyBurst,
  grb,
  neutrinoEvent,
  simInspiral,
  log: logEntry,
  label: labelRecord,
  signoff,
  voevent,
  emObservation,
  emFootprint,
  embbEventLog,
  permission,
  /** `data` of each superevent alert type, in GraceDB's issuer order. */
  supereventAlertData: {
    new: superevent,
    update: superevent,
    event_added: superevent,
    event_removed: superevent,
    confirmed_as_gw: superevent,
    ...annotationData,
  },
  /** `data` of each event alert type, in GraceDB's issuer order. */
  eventAlertData: {
    new: event,
    update: event,
    selected_as_preferred: event,
    removed_as_preferred: event,
    added_to_superevent: event,
    removed_from_superevent: event,
    ...annotationData,
  },
  /** `data` of the alert types about an annotation, whichever the parent. */
  annotationAlertData: annotationData,
} as const;
