// Schemas of the pipeline tables GraceDB copies into an event's `extra_attributes`. Each names
// the columns in common use; the other LIGO_LW columns are typed as JSON values.

import {
  anything,
  array,
  eitherKind,
  type Infer,
  maybeNumber,
  maybeString,
  nullable,
  number,
  openObject,
  type OpenObjectSchema,
  type Optional,
  optional,
  optionalMaybeNumber,
  optionalMaybeString,
  optionalString,
  record,
  type Schema,
  string,
} from "./schema.ts";

const num: Schema<number> = number;
const str: Schema<string> = string;
const maybeNum: Schema<number | null> = maybeNumber;
const maybeStr: Schema<string | null> = maybeString;

const coincInspiralFields = {
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
};
export const coincInspiral: OpenObjectSchema<typeof coincInspiralFields> = openObject(
  coincInspiralFields,
);

const singleInspiralFields = {
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
};
export const singleInspiral: OpenObjectSchema<typeof singleInspiralFields> = openObject(
  singleInspiralFields,
);

const multiBurstFields = {
  /** Comma-separated detectors, e.g. `H1,L1`. */
  ifos: str,
  /** Start time, integer GPS seconds. */
  start_time: num,
  /** Nanoseconds part of the start time. */
  start_time_ns: optionalMaybeNumber,
  /** Duration, seconds. */
  duration: num,
  /** Peak time, integer GPS seconds. */
  peak_time: optionalMaybeNumber,
  /** Nanoseconds part of the peak time. */
  peak_time_ns: optionalMaybeNumber,
  /** Central frequency, Hz. */
  central_freq: num,
  /** Bandwidth, Hz. */
  bandwidth: num,
  /** Signal-to-noise ratio. */
  snr: num,
  /** Amplitude statistic. */
  amplitude: num,
  /** Confidence statistic. */
  confidence: optionalMaybeNumber,
  /** Comma-separated per-detector times. */
  single_ifo_times: optionalString,
  /** Right ascension of the LIGO detector axis, degrees. */
  ligo_axis_ra: optionalMaybeNumber,
  /** Declination of the LIGO detector axis, degrees. */
  ligo_axis_dec: optionalMaybeNumber,
  /** Angle to the LIGO detector axis, degrees. */
  ligo_angle: optionalMaybeNumber,
  /** Significance of that angle. */
  ligo_angle_sig: optionalMaybeNumber,
  /** Pipeline false alarm rate as the pipeline reports it. */
  false_alarm_rate: optionalMaybeNumber,
};
export const multiBurst: OpenObjectSchema<typeof multiBurstFields> = openObject(multiBurstFields);

const lalInferenceBurstFields = {
  /** Mean central frequency, Hz. */
  frequency_mean: num,
  /** Median central frequency, Hz. */
  frequency_median: optionalMaybeNumber,
  /** Mean quality factor. */
  quality_mean: num,
  /** Median quality factor. */
  quality_median: optionalMaybeNumber,
  /** Log Bayes factor signal versus noise. */
  bsn: num,
  /** Log Bayes factor coherent versus incoherent. */
  bci: num,
  /** Network SNR from Omicron. */
  omicron_snr_network: num,
  /** Mean root-sum-square strain. */
  hrss_mean: optionalMaybeNumber,
  /** Median root-sum-square strain. */
  hrss_median: optionalMaybeNumber,
};
export const lalInferenceBurst: OpenObjectSchema<typeof lalInferenceBurstFields> = openObject(
  lalInferenceBurstFields,
);

const mlyScores: Optional<Record<string, number | null> | null> = optional(
  nullable(record(maybeNum)),
);

const mlyBurstFields = {
  /** Bandwidth, Hz. */
  bandwidth: optionalMaybeNumber,
  /** Central frequency, Hz. */
  central_freq: optionalMaybeNumber,
  /** Central time, GPS seconds. */
  central_time: optionalMaybeNumber,
  /** Duration, seconds. */
  duration: optionalMaybeNumber,
  /** Signal-to-noise ratio. */
  SNR: optionalMaybeNumber,
  /** Detection statistic. */
  detection_statistic: optionalMaybeNumber,
  /** Network scores, e.g. `coherency`, `coincidence`, `combined`. */
  scores: mlyScores,
};
export const mlyBurst: OpenObjectSchema<typeof mlyBurstFields> = openObject(mlyBurstFields);

const grbFields = {
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
  trigger_duration: optionalMaybeNumber,
  /** GRB designation, when assigned. */
  designation: optionalMaybeString,
  /** Redshift, when known. */
  redshift: optionalMaybeNumber,
  /** IVOA identifier of the VOEvent's author. */
  author_ivorn: optionalMaybeString,
  /** Short name of the VOEvent's author. */
  author_shortname: optionalMaybeString,
  /** Observatory location id of the VOEvent. */
  observatory_location_id: optionalMaybeString,
  /** Coordinate system of the VOEvent. */
  coord_system: optionalMaybeString,
  /** How the trigger was found. */
  how_description: optionalMaybeString,
  /** Reference URL for that. */
  how_reference_url: optionalMaybeString,
};
export const grb: OpenObjectSchema<typeof grbFields> = openObject(grbFields);

const neutrinoEventFields = {
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
};
export const neutrinoEvent: OpenObjectSchema<typeof neutrinoEventFields> = openObject(
  neutrinoEventFields,
);

const simInspiralFields = {
  /** Primary (heavier) component mass, solar masses. */
  mass1: num,
  /** Secondary component mass, solar masses. */
  mass2: num,
  /** Luminosity distance, Mpc. */
  distance: num,
};
export const simInspiral: OpenObjectSchema<typeof simInspiralFields> = openObject(
  simInspiralFields,
);

const optionalCoincInspiral: Optional<Infer<typeof coincInspiral>> = optional(coincInspiral);
const optionalSingleInspirals: Optional<Infer<typeof singleInspiral>[]> = optional(
  array(singleInspiral),
);
const optionalMultiBurst: Optional<Infer<typeof multiBurst>> = optional(multiBurst);
const optionalLalInferenceBurst: Optional<Infer<typeof lalInferenceBurst>> = optional(
  lalInferenceBurst,
);
const optionalMLyBurst: Optional<Infer<typeof mlyBurst>> = optional(mlyBurst);
const optionalGrb: Optional<Infer<typeof grb>> = optional(grb);
const optionalNeutrinoEvent: Optional<Infer<typeof neutrinoEvent>> = optional(neutrinoEvent);
const optionalSimInspiral: Optional<Infer<typeof simInspiral> | Infer<typeof simInspiral>[]> =
  optional(eitherKind(simInspiral, array(simInspiral)));

const extraAttributesFields = {
  /** CBC coincidence summary. */
  CoincInspiral: optionalCoincInspiral,
  /** Per-detector CBC triggers. */
  SingleInspiral: optionalSingleInspirals,
  /** cWB burst summary. */
  MultiBurst: optionalMultiBurst,
  /** oLIB burst summary. */
  LalInferenceBurst: optionalLalInferenceBurst,
  /** MLy burst summary. */
  MLyBurst: optionalMLyBurst,
  /** External GRB trigger. */
  GRB: optionalGrb,
  /** External neutrino trigger (IceCube). */
  NeutrinoEvent: optionalNeutrinoEvent,
  /** Injected signal parameters: one table from GraceDB, a list from some uploaders. */
  SimInspiral: optionalSimInspiral,
};
export const extraAttributes: OpenObjectSchema<typeof extraAttributesFields, unknown> = openObject(
  extraAttributesFields,
  anything,
);
