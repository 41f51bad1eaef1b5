// What pipelines upload: a simulated source and the pipeline-specific attributes (LIGO_LW
// columns) derived from it, consistent across the pipelines that see the same candidate.

import type { ExtraAttributes, SingleInspiral } from "../alert/types.ts";
import type { SourceKind } from "./_lifecycle.ts";
import { round, type SeededRandom } from "./_random.ts";

const CHANNELS: Record<string, string> = {
  H1: "GDS-CALIB_STRAIN_CLEAN",
  L1: "GDS-CALIB_STRAIN_CLEAN",
  V1: "Hrec_hoft_16384Hz",
};

export interface Source {
  kind: SourceKind;
  mass1: number;
  mass2: number;
  spin1z: number;
  spin2z: number;
  instruments: string[];
}

export function drawSource(rng: SeededRandom): Source {
  const kind = rng.pick<SourceKind>(["BNS", "BNS", "NSBH", "BBH", "BBH", "BBH"]);
  let mass1: number, mass2: number;
  if (kind === "BNS") {
    mass1 = rng.range(1.2, 2.1);
    mass2 = rng.range(1.1, mass1);
  } else if (kind === "NSBH") {
    mass1 = rng.range(5, 20);
    mass2 = rng.range(1.2, 2.0);
  } else {
    mass1 = rng.range(8, 60);
    mass2 = rng.range(5, mass1);
  }
  return {
    kind,
    mass1,
    mass2,
    spin1z: rng.range(-0.3, 0.6),
    spin2z: rng.range(-0.05, 0.05),
    instruments: rng.subset(["H1", "L1", "V1"], 2),
  };
}

/** LIGO_LW keeps a GPS time in two columns: whole seconds and the nanoseconds after them. */
function gpsColumns(time: number): [seconds: number, nanoseconds: number] {
  const seconds = Math.floor(time);
  return [seconds, Math.round((time - seconds) * 1e9)];
}

export function chirpMass(m1: number, m2: number): number {
  return (m1 * m2) ** 0.6 / (m1 + m2) ** 0.2;
}

function singleInspiral(
  rng: SeededRandom,
  ifo: string,
  gps: number,
  mass1: number,
  mass2: number,
  snr: number,
  source: Source,
): SingleInspiral {
  const [endTime, endTimeNs] = gpsColumns(gps + rng.range(-0.012, 0.012));
  const mtotal = mass1 + mass2;
  const duration = round(2.18 * (1.21 / chirpMass(mass1, mass2)) ** (5 / 3) * 16, 5);
  return {
    ifo,
    channel: CHANNELS[ifo],
    end_time: endTime,
    end_time_ns: endTimeNs,
    end_time_gmst: round(rng.range(0, 86400), 5),
    impulse_time: 0,
    impulse_time_ns: 0,
    template_duration: duration,
    event_duration: 0,
    amplitude: 0,
    coa_phase: round(rng.range(-Math.PI, Math.PI), 4),
    mass1: round(mass1, 4),
    mass2: round(mass2, 4),
    mchirp: round(chirpMass(mass1, mass2), 4),
    mtotal: round(mtotal, 4),
    eta: round(mass1 * mass2 / mtotal ** 2, 5),
    kappa: 0,
    chi: 0,
    tau0: round(duration * 0.9, 4),
    tau2: 0,
    tau3: round(rng.range(0.5, 2.5), 4),
    tau4: 0,
    tau5: 0,
    ttotal: 0,
    psi0: 0,
    psi3: 0,
    alpha: 0,
    alpha1: 0,
    alpha2: 0,
    alpha3: 0,
    alpha4: 0,
    alpha5: 0,
    alpha6: 0,
    beta: 0,
    f_final: 1024,
    snr: round(snr, 3),
    chisq: round(rng.range(0.6, 1.6), 4),
    chisq_dof: 1,
    bank_chisq: 0,
    bank_chisq_dof: 0,
    cont_chisq: 0,
    cont_chisq_dof: 0,
    sigmasq: round(rng.range(1e9, 5e9), 0),
    rsqveto_duration: 0,
    Gamma0: round(rng.range(1e5, 9e5), 1),
    Gamma1: round(rng.range(1e3, 2e4), 1),
    Gamma2: 0,
    Gamma3: 0,
    Gamma4: 0,
    Gamma5: 0,
    Gamma6: 0,
    Gamma7: 0,
    Gamma8: 0,
    Gamma9: 0,
    spin1x: 0,
    spin1y: 0,
    spin1z: round(source.spin1z, 4),
    spin2x: 0,
    spin2y: 0,
    spin2z: round(source.spin2z, 4),
    search: "",
  };
}

export function cbcExtraAttributes(
  rng: SeededRandom,
  source: Source,
  instruments: string[],
  gps: number,
  networkSnr: number,
  far: number,
): ExtraAttributes {
  const jitter = () => rng.range(0.97, 1.03);
  const mass1 = source.mass1 * jitter();
  const mass2 = Math.min(mass1, source.mass2 * jitter());
  const weights = instruments.map(() => rng.range(0.5, 1));
  const norm = Math.sqrt(weights.reduce((sum, w) => sum + w * w, 0));
  const singles = instruments.map((ifo, i) =>
    singleInspiral(rng, ifo, gps, mass1, mass2, networkSnr * weights[i] / norm, source)
  );
  const [endTime, endTimeNs] = gpsColumns(gps);
  return {
    CoincInspiral: {
      ifos: instruments.join(","),
      end_time: endTime,
      end_time_ns: endTimeNs,
      mass: round(mass1 + mass2, 4),
      mchirp: round(chirpMass(mass1, mass2), 4),
      minimum_duration: Math.min(...singles.map((s) => Number(s.template_duration))),
      snr: round(networkSnr, 3),
      false_alarm_rate: round(rng.range(0.5, 3), 3),
      combined_far: far,
    },
    SingleInspiral: singles,
  };
}

export function burstExtraAttributes(
  rng: SeededRandom,
  pipeline: string,
  instruments: string[],
  gps: number,
  snr: number,
  far: number,
): ExtraAttributes {
  if (pipeline === "oLIB") {
    return {
      LalInferenceBurst: {
        frequency_mean: round(rng.range(60, 400), 3),
        quality_mean: round(rng.range(3, 20), 3),
        bsn: round(rng.range(5, 30), 3),
        bci: round(rng.range(1, 8), 3),
        omicron_snr_network: round(snr, 3),
        hrss_mean: rng.logRange(1e-23, 1e-21),
      },
    };
  }
  const duration = round(rng.range(0.02, 0.4), 5);
  const [startTime, startTimeNs] = gpsColumns(gps - duration / 2);
  return {
    MultiBurst: {
      ifos: instruments.join(","),
      start_time: startTime,
      start_time_ns: startTimeNs,
      duration,
      central_freq: round(rng.range(60, 500), 4),
      bandwidth: round(rng.range(20, 300), 4),
      snr: round(snr, 3),
      amplitude: round(snr * rng.range(0.6, 0.9), 4),
      single_ifo_times: instruments.map(() => round(gps + rng.range(-0.01, 0.01), 4)).join(","),
      ligo_axis_ra: round(rng.range(0, 360), 3),
      ligo_axis_dec: round(rng.range(-90, 90), 3),
      false_alarm_rate: far,
    },
  };
}

/** FAR and SNR drawn together so that louder candidates are more significant. */
export function drawSignificance(rng: SeededRandom): { far: number; snr: number } {
  const far = Number(rng.logRange(1e-13, 3e-6).toPrecision(6));
  const snr = 8 + (-Math.log10(far) - 5.5) * 1.1 + rng.range(-0.5, 0.5);
  return { far, snr };
}
