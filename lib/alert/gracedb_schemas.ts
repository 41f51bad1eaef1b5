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
  anything,
  array,
  boolean,
  eitherKind,
  json,
  known,
  nullable,
  number,
  object,
  oneOf,
  openObject,
  optional,
  record,
  string,
} from "./schema.ts";

// --- Vocabularies ------------------------------------------------------------------------------

/** VOEvent types: Preliminary, Initial, Update, Retraction, EarlyWarning. */
export const VOEVENT_TYPES = ["PR", "IN", "UP", "RE", "EW"] as const;

/** Labels GraceDB defines (labels.rst and the label migrations). */
export const LABELS = [
  "2022_LENSING_MDC",
  "ADVNO",
  "ADVOK",
  "ADVREQ",
  "COMBINEDSKYMAP_READY",
  "cWB_r",
  "cWB_s",
  "DQOK",
  "DQR_REQUEST",
  "DQV",
  "EARLY_WARNING",
  "EMBRIGHT_READY",
  "EM_COINC",
  "EM_READY",
  "EM_SENT",
  "EM_Selected",
  "EM_SelectedConfident",
  "EM_Superseded",
  "EM_Throttled",
  "EXT_SKYMAP_READY",
  "GCN_PRELIM_SENT",
  "GRB_OFFLINE",
  "GRB_ONLINE",
  "H1NO",
  "H1OK",
  "H1OPS",
  "HIGH_PROFILE",
  "HWINJNO",
  "HWINJOK",
  "HWINJREQ",
  "INJ",
  "L1NO",
  "L1OK",
  "L1OPS",
  "LENSED_CANDIDATE",
  "LLAMA_COMPLETE",
  "LOW_SIGNIF_LOCKED",
  "LOW_SIGNIF_PRELIM_SENT",
  "LUMIN_GO",
  "LUMIN_NO",
  "NOT_GRB",
  "PASTRO_READY",
  "PE_READY",
  "RAVEN_ALERT",
  "SIGNIF_LOCKED",
  "SKYMAP_READY",
  "SNR_OPTIMIZED",
  "SOG_READY",
  "SSM",
  "SWIFT_GO",
  "SWIFT_NO",
  "V1NO",
  "V1OK",
  "V1OPS",
] as const;

/** Analysis groups. */
export const EVENT_GROUPS = ["CBC", "Burst", "Detchar", "External", "Test"] as const;

/** Pipelines, as GraceDB spells them. */
export const PIPELINES = [
  "CWB2G",
  "spiir",
  "HardwareInjection",
  "X",
  "Q",
  "Omega",
  "Ringdown",
  "Fermi",
  "Swift",
  "CWB",
  "SNEWS",
  "oLIB",
  "pycbc",
  "INTEGRAL",
  "AGILE",
  "gstlal",
  "MLy",
  "MBTAOnline",
  "MBTA",
  "CHIME",
  "PyGRB",
  "aframe",
  "SVOM",
  "IceCube",
] as const;

/** Searches. */
export const SEARCHES = [
  "AllSky",
  "LowMass",
  "HighMass",
  "GRB",
  "Supernova",
  "MDC",
  "LowMassSim",
  "AllSkyLong",
  "O2VirgoTest",
  "BBH",
  "IMBH",
  "SubGRB",
  "EarlyWarning",
  "SubGRBTargeted",
  "SSM",
  "FRB",
  "LensingSubthreshold",
  "VTInjection",
  "HEN",
] as const;

/** Superevent categories; each has its own topic and id prefix. */
export const SUPEREVENT_CATEGORIES = ["Production", "Test", "MDC"] as const;

const label = known(LABELS, "label");
const labels = array(label);
const num = number;
const str = string;
const maybeNum = nullable(number);
const maybeStr = nullable(string);

// --- Pipeline tables (`extra_attributes`) ------------------------------------------------------

const coincInspiral = openObject({
  /** Comma-separated detectors, e.g. `H1,L1`. */
  ifos: str,
  /** End time, integer GPS seconds. */
  end_time: num,
  /** Nanoseconds part of the end time. */
  end_time_ns: num,
  /** Total mass, solar masses. */
  mass: num,
  /** Chirp mass, solar masses. */
  mchirp: num,
  /** Shortest template duration among detectors, seconds. */
  minimum_duration: maybeNum,
  /** Network signal-to-noise ratio. */
  snr: num,
  /** Pipeline false alarm rate as the pipeline reports it. */
  false_alarm_rate: maybeNum,
  /** FAR combined over pipelines, Hz. */
  combined_far: maybeNum,
});

const singleInspiral = openObject({
  /** Detector, e.g. `H1`. */
  ifo: str,
  /** Strain channel analysed. */
  channel: str,
  /** End time, integer GPS seconds. */
  end_time: num,
  /** Nanoseconds part of the end time. */
  end_time_ns: num,
  /** Signal-to-noise ratio. */
  snr: num,
  /** Signal-consistency chi-squared. */
  chisq: maybeNum,
  /** Primary (heavier) component mass, solar masses. */
  mass1: num,
  /** Secondary component mass, solar masses. */
  mass2: num,
  /** Primary spin along the orbital angular momentum. */
  spin1z: num,
  /** Secondary spin along the orbital angular momentum. */
  spin2z: num,
  /** Coalescence phase, radians. */
  coa_phase: maybeNum,
  /** Template normalisation (sensitivity), squared. */
  sigmasq: maybeNum,
});

const multiBurst = openObject({
  /** Comma-separated detectors, e.g. `H1,L1`. */
  ifos: str,
  /** Start time, integer GPS seconds. */
  start_time: num,
  /** Nanoseconds part of the start time. */
  start_time_ns: optional(maybeNum),
  /** Duration, seconds. */
  duration: num,
  /** Peak time, integer GPS seconds. */
  peak_time: optional(maybeNum),
  /** Nanoseconds part of the peak time. */
  peak_time_ns: optional(maybeNum),
  /** Central frequency, Hz. */
  central_freq: num,
  /** Bandwidth, Hz. */
  bandwidth: num,
  /** Signal-to-noise ratio. */
  snr: num,
  /** Amplitude statistic. */
  amplitude: num,
  /** Confidence statistic. */
  confidence: optional(maybeNum),
  /** Comma-separated per-detector times. */
  single_ifo_times: optional(str),
  /** Right ascension of the LIGO detector axis, degrees. */
  ligo_axis_ra: optional(maybeNum),
  /** Declination of the LIGO detector axis, degrees. */
  ligo_axis_dec: optional(maybeNum),
  /** Angle to the LIGO detector axis, degrees. */
  ligo_angle: optional(maybeNum),
  /** Significance of that angle. */
  ligo_angle_sig: optional(maybeNum),
  /** Pipeline false alarm rate as the pipeline reports it. */
  false_alarm_rate: optional(maybeNum),
});

const lalInferenceBurst = openObject({
  /** Mean central frequency, Hz. */
  frequency_mean: num,
  /** Median central frequency, Hz. */
  frequency_median: optional(maybeNum),
  /** Mean quality factor. */
  quality_mean: num,
  /** Median quality factor. */
  quality_median: optional(maybeNum),
  /** Log Bayes factor signal versus noise. */
  bsn: num,
  /** Log Bayes factor coherent versus incoherent. */
  bci: num,
  /** Network SNR from Omicron. */
  omicron_snr_network: num,
  /** Mean root-sum-square strain. */
  hrss_mean: optional(maybeNum),
  /** Median root-sum-square strain. */
  hrss_median: optional(maybeNum),
});

const mlyBurst = openObject({
  /** Bandwidth, Hz. */
  bandwidth: optional(maybeNum),
  /** Central frequency, Hz. */
  central_freq: optional(maybeNum),
  /** Central time, GPS seconds. */
  central_time: optional(maybeNum),
  /** Duration, seconds. */
  duration: optional(maybeNum),
  /** Signal-to-noise ratio. */
  SNR: optional(maybeNum),
  /** Detection statistic. */
  detection_statistic: optional(maybeNum),
  /** Network scores, e.g. `coherency`, `coincidence`, `combined`. */
  scores: optional(nullable(record(maybeNum))),
});

const grb = openObject({
  /** IVOA identifier of the VOEvent. */
  ivorn: maybeStr,
  /** Right ascension, degrees. */
  ra: maybeNum,
  /** Declination, degrees. */
  dec: maybeNum,
  /** Localization error radius, degrees. */
  error_radius: maybeNum,
  /** Duration containing 90% of the GRB fluence, seconds. */
  T90: maybeNum,
  /** Trigger number of the external instrument. */
  trigger_id: maybeStr,
  /** Trigger duration, seconds. */
  trigger_duration: optional(maybeNum),
  /** GRB designation, when assigned. */
  designation: optional(maybeStr),
  /** Redshift, when known. */
  redshift: optional(maybeNum),
  /** IVOA identifier of the VOEvent's author. */
  author_ivorn: optional(maybeStr),
  /** Short name of the VOEvent's author. */
  author_shortname: optional(maybeStr),
  /** Observatory location id of the VOEvent. */
  observatory_location_id: optional(maybeStr),
  /** Coordinate system of the VOEvent. */
  coord_system: optional(maybeStr),
  /** How the trigger was found. */
  how_description: optional(maybeStr),
  /** Reference URL for that. */
  how_reference_url: optional(maybeStr),
});

const neutrinoEvent = openObject({
  /** IVOA identifier of the notice. */
  ivorn: maybeStr,
  /** Coordinate system, e.g. `UTC-FK5-GEO`. */
  coord_system: maybeStr,
  /** Right ascension, degrees. */
  ra: maybeNum,
  /** Declination, degrees. */
  dec: maybeNum,
  /** Localization error radius, degrees. */
  error_radius: maybeNum,
  /** False alarm rate of the neutrino, in `far_unit`. */
  far_ne: maybeNum,
  /** Unit of `far_ne`, e.g. `yr^-1`. */
  far_unit: maybeStr,
  /** Probability that the neutrino is astrophysical. */
  signalness: maybeNum,
  /** Energy, TeV. */
  energy: maybeNum,
  /** 90% error radius, degrees. */
  src_error_90: maybeNum,
  /** 50% error radius, degrees. */
  src_error_50: maybeNum,
  /** AMON id. */
  amon_id: maybeNum,
  /** Detector run id. */
  run_id: maybeNum,
  /** Event id within the run. */
  event_id: maybeNum,
  /** Alert stream number. */
  stream: maybeNum,
});

const simInspiral = openObject({
  /** Primary (heavier) component mass, solar masses. */
  mass1: num,
  /** Secondary component mass, solar masses. */
  mass2: num,
  /** Luminosity distance, Mpc. */
  distance: num,
});

const extraAttributes = openObject({
  /** CBC coincidence summary. */
  CoincInspiral: optional(coincInspiral),
  /** Per-detector CBC triggers. */
  SingleInspiral: optional(array(singleInspiral)),
  /** cWB burst summary. */
  MultiBurst: optional(multiBurst),
  /** oLIB burst summary. */
  LalInferenceBurst: optional(lalInferenceBurst),
  /** MLy burst summary. */
  MLyBurst: optional(mlyBurst),
  /** External GRB trigger. */
  GRB: optional(grb),
  /** External neutrino trigger (IceCube). */
  NeutrinoEvent: optional(neutrinoEvent),
  /** Injected signal parameters: one table from GraceDB, a list from some uploaders. */
  SimInspiral: optional(eitherKind(simInspiral, array(simInspiral))),
}, anything);

// --- Events ------------------------------------------------------------------------------------

const eventSummaryFields = {
  /** Username of the uploading pipeline. */
  submitter: str,
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: str,
  /** Analysis group, e.g. `CBC`. */
  group: known(EVENT_GROUPS, "group"),
  /** Event id, e.g. `G123456`. */
  graceid: str,
  /** Pipeline name as GraceDB spells it, e.g. `gstlal`. */
  pipeline: known(PIPELINES, "pipeline"),
  /** Event time, GPS seconds. */
  gpstime: num,
  /** Seconds between the signal and the upload (newer servers). */
  reporting_latency: optional(maybeNum),
  /** Comma-separated detectors, e.g. `H1,L1,V1`. */
  instruments: str,
  /** Number of single-detector triggers. */
  nevents: maybeNum,
  /** True for offline (archival) analyses. */
  offline: boolean,
  /** Search name, e.g. `AllSky`, or null. */
  search: nullable(known(SEARCHES, "search")),
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
  warnings: optional(array(str)),
};

const eventSummary = object(eventSummaryFields);

const supereventNeighbour = object({
  /** Superevent id, e.g. `S240615dg`. */
  superevent_id: str,
  /** graceids of the member gravitational-wave events. */
  gw_events: array(str),
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
});

const eventLinks = object({
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
});

const event = object({
  ...eventSummaryFields,
  /** Superevent id the event belongs to, or null. */
  superevent: maybeStr,
  /** Superevents within 100 s, by id. */
  superevent_neighbours: record(supereventNeighbour),
  /** API URLs of the event. */
  links: eventLinks,
});

// --- Superevents -------------------------------------------------------------------------------

const supereventLinks = object({
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
});

const superevent = object({
  /** Superevent id, e.g. `S240615dg`. */
  superevent_id: str,
  /** `GW...` id once confirmed, else null. */
  gw_id: maybeStr,
  /** `Production`, `Test` or `MDC`. */
  category: oneOf(SUPEREVENT_CATEGORIES),
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
  gw_events: array(str),
  /** graceids of coincident external events. */
  em_events: array(str),
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
  pipeline_preferred_events: optional(record(json)),
});

// --- Annotations -------------------------------------------------------------------------------

const logEntry = object({
  /** API URL of this record. */
  self: str,
  /** Log entry number within its parent. */
  N: num,
  /** Free-text comment. */
  comment: str,
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: str,
  /** Username of who wrote it. */
  issuer: str,
  /** Uploaded file name; empty when the entry carries no file. */
  filename: str,
  /** Version of the uploaded file; null without a file. */
  file_version: maybeNum,
  /** Tags of the entry, e.g. `sky_loc`, `public`. */
  tag_names: array(str),
  /** URL of the file as `.../files/<name>,<version>`, or null. */
  file: maybeStr,
  /** Event logs only: URL of the log's tags. */
  tags: optional(str),
});

const labelRecord = object({
  /** API URL of this record. */
  self: str,
  /** Label name, e.g. `EM_READY`. */
  name: label,
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: str,
  /** Username of who applied the label. */
  creator: str,
});

const signoff = object({
  /** API URL of this record (superevent sign-offs; event sign-offs have none). */
  self: optional(str),
  /** `ADV` for advocates, `OP` for operators. */
  signoff_type: oneOf(["ADV", "OP"]),
  /** Detector of an operator signoff; empty for advocates. */
  instrument: str,
  /** `OK` approves, `NO` rejects. */
  status: oneOf(["OK", "NO"]),
  /** Username of who signed off. */
  submitter: str,
  /** Free-text comment. */
  comment: str,
});

const voevent = object({
  /** `PR` Preliminary, `IN` Initial, `UP` Update, `RE` Retraction, `EW` EarlyWarning. */
  voevent_type: known(VOEVENT_TYPES, "VOEvent type"),
  /** Version of the VOEvent file. */
  file_version: num,
  /** IVOA identifier of the VOEvent. */
  ivorn: str,
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: str,
  /** Username of who wrote it. */
  issuer: str,
  /** VOEvent XML file name. */
  filename: str,
  /** VOEvent number within its superevent. */
  N: num,
  /** API URLs of the VOEvent and its file (null while there is no file). */
  links: object({ self: str, file: maybeStr }),
  /** Pipeline that made the sky map, e.g. `bayestar`. */
  skymap_type: optional(maybeStr),
  /** Sky map file as `name,version`. */
  skymap_filename: optional(maybeStr),
  /** Whether the notice stayed internal. */
  internal: optional(boolean),
  /** Whether the notice went to the public. */
  open_alert: optional(boolean),
  /** Whether the candidate is a hardware injection. */
  hardware_inj: optional(boolean),
  /** Whether the notice mentions an external coincidence. */
  coinc_comment: optional(boolean),
  /** Probability that a component is a neutron star. */
  prob_has_ns: optional(maybeNum),
  /** Probability that matter remained outside the final object. */
  prob_has_remnant: optional(maybeNum),
  /** Probability of a binary neutron star merger. */
  prob_bns: optional(maybeNum),
  /** Probability of a neutron star-black hole merger. */
  prob_nsbh: optional(maybeNum),
  /** Probability of a binary black hole merger. */
  prob_bbh: optional(maybeNum),
  /** Probability of terrestrial origin. */
  prob_terrestrial: optional(maybeNum),
  /** Probability of a component in the 3-5 solar-mass gap. */
  prob_mass_gap: optional(maybeNum),
  /** Whether RAVEN found an external coincidence. */
  raven_coinc: optional(boolean),
  /** GCN id of the coincident external trigger. */
  ext_gcn: optional(maybeStr),
  /** Pipeline of the coincident external trigger. */
  ext_pipeline: optional(maybeStr),
  /** Search of the coincident external trigger. */
  ext_search: optional(maybeStr),
  /** Combined GW-external sky map file as `name,version`. */
  combined_skymap_filename: optional(maybeStr),
  /** Whether the candidate passed the significance threshold. */
  significant: optional(nullable(boolean)),
  /** Probability of a sub-solar-mass component. */
  prob_has_ssm: optional(maybeNum),
});

const emFootprint = object({
  /** Pointing number. */
  N: num,
  /** Right ascension, degrees. */
  ra: num,
  /** Declination, degrees. */
  dec: num,
  /** Width in right ascension, degrees. */
  raWidth: num,
  /** Width in declination, degrees. */
  decWidth: num,
  /** Start of the exposure, `YYYY-MM-DD HH:MM:SS UTC`. */
  start_time: str,
  /** Exposure, seconds. */
  exposure_time: num,
});

const emObservation = object({
  /** Observation number. */
  N: num,
  /** API URL of this record (event observations). */
  self: optional(str),
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: str,
  /** Username of who submitted it. */
  submitter: str,
  /** EM group that observed. */
  group: str,
  /** Right ascension, degrees. */
  ra: num,
  /** Declination, degrees. */
  dec: num,
  /** Width in right ascension, degrees. */
  raWidth: num,
  /** Width in declination, degrees. */
  decWidth: num,
  /** Free-text comment. */
  comment: str,
  /** Number of pointings. */
  footprint_count: num,
  /** Individual pointings. */
  footprints: array(emFootprint),
});

const numbers = array(num);

const embbEventLog = object({
  /** Entry number. */
  N: num,
  /** API URL of this record, or null. */
  self: optional(maybeStr),
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: str,
  /** Username of who submitted it. */
  submitter: str,
  /** EM group that observed, e.g. `ZTF`. */
  group: optional(str),
  /** Instrument used. */
  instrument: optional(str),
  /** Identifier of the footprint. */
  footprintID: optional(str),
  /** Waveband, e.g. `em.opt`. */
  waveband: optional(str),
  /** Right ascension of the centre, degrees. */
  ra: optional(maybeNum),
  /** Declination of the centre, degrees. */
  dec: optional(maybeNum),
  /** Width in right ascension, degrees. */
  raWidth: optional(maybeNum),
  /** Width in declination, degrees. */
  decWidth: optional(maybeNum),
  /** Start, GPS seconds. */
  gpstime: optional(maybeNum),
  /** Duration, seconds. */
  duration: optional(maybeNum),
  /** Right ascension of each pointing, degrees. */
  raList: optional(numbers),
  /** Declination of each pointing, degrees. */
  decList: optional(numbers),
  /** Width in right ascension of each pointing, degrees. */
  raWidthList: optional(numbers),
  /** Width in declination of each pointing, degrees. */
  decWidthList: optional(numbers),
  /** Start of each pointing, GPS seconds. */
  gpstimeList: optional(numbers),
  /** Duration of each pointing, seconds. */
  durationList: optional(numbers),
  /** Status of the entry, e.g. `observation`, `prediction`. */
  eel_status: optional(str),
  /** Status of the observation, e.g. `on source`, `testing`. */
  obs_status: optional(str),
  /** Free-text comment. */
  comment: optional(str),
  /** Further information as JSON text. */
  extra_info_dict: optional(json),
});

const permission = object({
  /** User group, e.g. `public_users`. */
  group: str,
  /** Permission codename, e.g. `view_superevent`. */
  permission: str,
});

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
  exposed: array(permission),
  hidden: array(permission),
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
