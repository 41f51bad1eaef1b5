// Schemas of what an annotation alert carries as `data`: log entries, labels, sign-offs,
// VOEvents, EM observations, EMBB event logs and permissions, for events and superevents alike.

import {
  array,
  type Infer,
  known,
  maybeNumber,
  maybeString,
  number,
  object,
  type ObjectSchema,
  oneOf,
  optionalBoolean,
  optionalJson,
  optionalMaybeBoolean,
  optionalMaybeNumber,
  optionalMaybeString,
  optionalNumbers,
  optionalString,
  type Other,
  type Schema,
  string,
  strings,
} from "./schema.ts";
import { LABELS, VOEVENT_TYPES } from "./_vocabulary.ts";

const num: Schema<number> = number;
const str: Schema<string> = string;
const maybeNum: Schema<number | null> = maybeNumber;
const maybeStr: Schema<string | null> = maybeString;

/** A label name: one GraceDB defines, or a newer one (reported as unknown). */
export const label: Schema<(typeof LABELS)[number] | Other> = known(LABELS, "label");

const signoffType: Schema<"ADV" | "OP"> = oneOf(["ADV", "OP"]);
const signoffStatus: Schema<"OK" | "NO"> = oneOf(["OK", "NO"]);
const voeventType: Schema<(typeof VOEVENT_TYPES)[number] | Other> = known(
  VOEVENT_TYPES,
  "VOEvent type",
);
const voeventLinks: Schema<{ self: string; file: string | null }> = object({
  self: str,
  file: maybeStr,
});

const logEntryFields = {
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
  tag_names: strings,
  /** URL of the file as `.../files/<name>,<version>`, or null. */
  file: maybeStr,
  /** Event logs only: URL of the log's tags. */
  tags: optionalString,
};
export const logEntry: ObjectSchema<typeof logEntryFields> = object(logEntryFields);

const labelRecordFields = {
  /** API URL of this record. */
  self: str,
  /** Label name, e.g. `EM_READY`. */
  name: label,
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: str,
  /** Username of who applied the label. */
  creator: str,
};
export const labelRecord: ObjectSchema<typeof labelRecordFields> = object(labelRecordFields);

const signoffFields = {
  /** API URL of this record (superevent sign-offs; event sign-offs have none). */
  self: optionalString,
  /** `ADV` for advocates, `OP` for operators. */
  signoff_type: signoffType,
  /** Detector of an operator signoff; empty for advocates. */
  instrument: str,
  /** `OK` approves, `NO` rejects. */
  status: signoffStatus,
  /** Username of who signed off. */
  submitter: str,
  /** Free-text comment. */
  comment: str,
};
export const signoff: ObjectSchema<typeof signoffFields> = object(signoffFields);

const voeventFields = {
  /** `PR` Preliminary, `IN` Initial, `UP` Update, `RE` Retraction, `EW` EarlyWarning. */
  voevent_type: voeventType,
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
  links: voeventLinks,
  /** Pipeline that made the sky map, e.g. `bayestar`. */
  skymap_type: optionalMaybeString,
  /** Sky map file as `name,version`. */
  skymap_filename: optionalMaybeString,
  /** Whether the notice stayed internal. */
  internal: optionalBoolean,
  /** Whether the notice went to the public. */
  open_alert: optionalBoolean,
  /** Whether the candidate is a hardware injection. */
  hardware_inj: optionalBoolean,
  /** Whether the notice mentions an external coincidence. */
  coinc_comment: optionalBoolean,
  /** Probability that a component is a neutron star. */
  prob_has_ns: optionalMaybeNumber,
  /** Probability that matter remained outside the final object. */
  prob_has_remnant: optionalMaybeNumber,
  /** Probability of a binary neutron star merger. */
  prob_bns: optionalMaybeNumber,
  /** Probability of a neutron star-black hole merger. */
  prob_nsbh: optionalMaybeNumber,
  /** Probability of a binary black hole merger. */
  prob_bbh: optionalMaybeNumber,
  /** Probability of terrestrial origin. */
  prob_terrestrial: optionalMaybeNumber,
  /** Probability of a component in the 3-5 solar-mass gap. */
  prob_mass_gap: optionalMaybeNumber,
  /** Whether RAVEN found an external coincidence. */
  raven_coinc: optionalBoolean,
  /** GCN id of the coincident external trigger. */
  ext_gcn: optionalMaybeString,
  /** Pipeline of the coincident external trigger. */
  ext_pipeline: optionalMaybeString,
  /** Search of the coincident external trigger. */
  ext_search: optionalMaybeString,
  /** Combined GW-external sky map file as `name,version`. */
  combined_skymap_filename: optionalMaybeString,
  /** Whether the candidate passed the significance threshold. */
  significant: optionalMaybeBoolean,
  /** Probability of a sub-solar-mass component. */
  prob_has_ssm: optionalMaybeNumber,
};
export const voevent: ObjectSchema<typeof voeventFields> = object(voeventFields);

const emFootprintFields = {
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
};
export const emFootprint: ObjectSchema<typeof emFootprintFields> = object(emFootprintFields);

const footprints: Schema<Infer<typeof emFootprint>[]> = array(emFootprint);

const emObservationFields = {
  /** Observation number. */
  N: num,
  /** API URL of this record (event observations). */
  self: optionalString,
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
  footprints: footprints,
};
export const emObservation: ObjectSchema<typeof emObservationFields> = object(emObservationFields);

const embbEventLogFields = {
  /** Entry number. */
  N: num,
  /** API URL of this record, or null. */
  self: optionalMaybeString,
  /** Creation time, `YYYY-MM-DD HH:MM:SS UTC`. */
  created: str,
  /** Username of who submitted it. */
  submitter: str,
  /** EM group that observed, e.g. `ZTF`. */
  group: optionalString,
  /** Instrument used. */
  instrument: optionalString,
  /** Identifier of the footprint. */
  footprintID: optionalString,
  /** Waveband, e.g. `em.opt`. */
  waveband: optionalString,
  /** Right ascension of the centre, degrees. */
  ra: optionalMaybeNumber,
  /** Declination of the centre, degrees. */
  dec: optionalMaybeNumber,
  /** Width in right ascension, degrees. */
  raWidth: optionalMaybeNumber,
  /** Width in declination, degrees. */
  decWidth: optionalMaybeNumber,
  /** Start, GPS seconds. */
  gpstime: optionalMaybeNumber,
  /** Duration, seconds. */
  duration: optionalMaybeNumber,
  /** Right ascension of each pointing, degrees. */
  raList: optionalNumbers,
  /** Declination of each pointing, degrees. */
  decList: optionalNumbers,
  /** Width in right ascension of each pointing, degrees. */
  raWidthList: optionalNumbers,
  /** Width in declination of each pointing, degrees. */
  decWidthList: optionalNumbers,
  /** Start of each pointing, GPS seconds. */
  gpstimeList: optionalNumbers,
  /** Duration of each pointing, seconds. */
  durationList: optionalNumbers,
  /** Status of the entry, e.g. `observation`, `prediction`. */
  eel_status: optionalString,
  /** Status of the observation, e.g. `on source`, `testing`. */
  obs_status: optionalString,
  /** Free-text comment. */
  comment: optionalString,
  /** Further information as JSON text. */
  extra_info_dict: optionalJson,
};
export const embbEventLog: ObjectSchema<typeof embbEventLogFields> = object(embbEventLogFields);

const permissionFields = {
  /** User group, e.g. `public_users`. */
  group: str,
  /** Permission codename, e.g. `view_superevent`. */
  permission: str,
};
export const permission: ObjectSchema<typeof permissionFields> = object(permissionFields);
