// Schemas of the pipeline tables GraceDB copies into an event's `extra_attributes`. Each names
// the columns in common use; the other LIGO_LW columns are typed as JSON values.

import {
  anything,
  array,
  eitherKind,
  nullable,
  number,
  openObject,
  optional,
  record,
  string,
} from "./schema.ts";

const num = number;
const str = string;
const maybeNum = nullable(number);
const maybeStr = nullable(string);

export const coincInspiral = openObject({
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

export const singleInspiral = openObject({
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

export const multiBurst = openObject({
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

export const lalInferenceBurst = openObject({
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

export const mlyBurst = openObject({
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

export const grb = openObject({
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

export const neutrinoEvent = openObject({
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

export const simInspiral = openObject({
  /** Primary (heavier) component mass, solar masses. */
  mass1: num,
  /** Secondary component mass, solar masses. */
  mass2: num,
  /** Luminosity distance, Mpc. */
  distance: num,
});

export const extraAttributes = openObject({
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
