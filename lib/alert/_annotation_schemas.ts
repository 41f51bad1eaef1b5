// Schemas of what an annotation alert carries as `data`: log entries, labels, sign-offs,
// VOEvents, EM observations, EMBB event logs and permissions, for events and superevents alike.

import {
  array,
  boolean,
  json,
  known,
  nullable,
  number,
  object,
  oneOf,
  optional,
  string,
} from "./schema.ts";
import { LABELS, VOEVENT_TYPES } from "./_vocabulary.ts";

const num = number;
const str = string;
const maybeNum = nullable(number);
const maybeStr = nullable(string);

/** A label name: one GraceDB defines, or a newer one (reported as unknown). */
export const label = known(LABELS, "label");

export const logEntry = object({
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

export const labelRecord = object({
  /** API URL of this record. */
  self: str,
  /** Label name, e.g. `EM_READY`. */
  name: label,
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: str,
  /** Username of who applied the label. */
  creator: str,
});

export const signoff = object({
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

export const voevent = object({
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

export const emFootprint = object({
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

export const emObservation = object({
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

export const embbEventLog = object({
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

export const permission = object({
  /** User group, e.g. `public_users`. */
  group: str,
  /** Permission codename, e.g. `view_superevent`. */
  permission: str,
});
