/**
 * A deterministic simulator of GraceDB superevent lifecycles: the alerts GraceDB publishes while
 * pipelines upload candidates and the low-latency follow-up annotates them.
 *
 * @module
 */
import type {
  EventSummary,
  ExtraAttributes,
  GraceDbAlert,
  GraceDbEvent,
  Label,
  LogEntry,
  Signoff,
  SingleInspiral,
  Superevent,
  SupereventCategory,
  SupereventNeighbour,
  VOEventInfo,
} from "../alert/types.ts";
import { API_ROOTS, eventTopicNames } from "./_catalog.ts";
import { round, SeededRandom } from "./_random.ts";
import type { PlaygroundGroup } from "./topics.ts";

/**
 * Options of {@linkcode simulateLifecycles}.
 *
 * @example
 * ```ts
 * import type { SimulateOptions } from "./simulate.ts";
 * const options: SimulateOptions = { seed: 7, count: 2, groups: ["gracedb-playground"] };
 * ```
 */
export interface SimulateOptions {
  /** Same seed, same alerts, byte for byte. Default 1. */
  seed?: number | string;
  /** Instance groups; lifecycles take turns among them. Default `["gracedb"]`. */
  groups?: readonly PlaygroundGroup[];
  /** Number of superevent lifecycles; default: no end. */
  count?: number;
  /** Simulated wall clock of the first lifecycle. Default {@linkcode DEFAULT_START_TIME}. */
  startTime?: Date | number;
}

/**
 * Simulated clock start used when none is given (2026-01-05 06:00:00 UTC), fixed so that a seed
 * alone decides every byte.
 *
 * @example
 * ```ts
 * import { DEFAULT_START_TIME } from "./simulate.ts";
 * console.log(new Date(DEFAULT_START_TIME).toISOString()); // 2026-01-05T06:00:00.000Z
 * ```
 */
export const DEFAULT_START_TIME: number = Date.UTC(2026, 0, 5, 6);

/**
 * One alert of a simulated lifecycle and where to publish it.
 *
 * @example
 * ```ts
 * import { simulateLifecycles, type SimulatedStep } from "./simulate.ts";
 * const first: SimulatedStep = simulateLifecycles({ count: 1 }).next().value!;
 * console.log(first.topic); // e.g. "gracedb.cbc_gstlal"
 * ```
 */
export interface SimulatedStep {
  /** Full Kafka topic, `<group>.<topic>`. */
  topic: string;
  /** The instance group (the topic's prefix). */
  group: PlaygroundGroup;
  /** The decoded alert, as GraceDB builds it. */
  alert: GraceDbAlert;
  /** 0-based lifecycle number. */
  lifecycle: number;
  /** Superevent id this alert belongs to (event alerts included). */
  superevent: string;
  /** 0-based position of this step within its lifecycle. */
  sequence: number;
  /** GraceDB-like time since the lifecycle's first alert, in ms. */
  offsetMs: number;
  /** GraceDB-like wait since the previous step, in ms (between lifecycles: a short pause). */
  delayMs: number;
  /** GraceDB-like duration of this step's whole lifecycle, in ms. */
  lifecycleDurationMs: number;
  /** True for the last step of its lifecycle. */
  last: boolean;
}

const GPS_EPOCH_UNIX_S = 315964800;
const LEAP_SECONDS = 18;
const ONE_PER_MONTH = 1 / (30 * 86400);

function gpsFromUnixMs(ms: number): number {
  return ms / 1000 - GPS_EPOCH_UNIX_S + LEAP_SECONDS;
}

function unixMsFromGps(gps: number): number {
  return (gps + GPS_EPOCH_UNIX_S - LEAP_SECONDS) * 1000;
}

function graceDbTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace("T", " ").replace(
    ".000Z",
    " UTC",
  );
}

/** GraceDB's suffix: 1 -> a, 26 -> z, 27 -> aa. */
function suffixLetters(n: number): string {
  let letters = "";
  while (n > 0) {
    const rem = (n - 1) % 26;
    letters = String.fromCharCode(97 + rem) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

interface InstanceState {
  clockMs: number;
  nextGraceid: number;
  supereventsPerDay: Map<string, number>;
}

interface SimEvent {
  graceid: string;
  group: string;
  pipeline: string;
  search: string | null;
  submitter: string;
  created: string;
  gpstime: number;
  instruments: string;
  nevents: number | null;
  far: number | null;
  likelihood: number | null;
  labels: string[];
  extra: ExtraAttributes;
  superevent: string | null;
}

interface SimSuperevent {
  id: string;
  category: SupereventCategory;
  created: string;
  preferred: SimEvent;
  emType: string | null;
  tStart: number;
  t0: number;
  tEnd: number;
  gwEvents: SimEvent[];
  emEvents: SimEvent[];
  timeCoincFar: number | null;
  spaceCoincFar: number | null;
  labels: string[];
}

type SourceKind = "BNS" | "NSBH" | "BBH";
type LifecycleKind = "CBC" | "Burst";

const SUBMITTERS: Record<string, string> = {
  gstlal: "gstlalcbc",
  pycbc: "pycbclive",
  MBTA: "mbtaalert",
  spiir: "spiir",
  CWB: "waveburst",
  oLIB: "olib",
  Fermi: "fermi",
  Swift: "swift",
  INTEGRAL: "integral",
};

const CHANNELS: Record<string, string> = {
  H1: "GDS-CALIB_STRAIN_CLEAN",
  L1: "GDS-CALIB_STRAIN_CLEAN",
  V1: "Hrec_hoft_16384Hz",
};

const ADVOCATES = [
  "marie.curie@ligo.org",
  "emmy.noether@ligo.org",
  "lise.meitner@ligo.org",
  "chien-shiung.wu@ligo.org",
  "henrietta.leavitt@ligo.org",
];

class Lifecycle {
  readonly steps: Omit<SimulatedStep, "delayMs" | "lifecycleDurationMs" | "last">[] = [];
  #offsetMs = 0;
  #logN = 0;
  #voeventN = 0;
  readonly api: string;
  readonly startMs: number;
  readonly t0: number;
  superevent!: SimSuperevent;
  readonly supereventId: string;

  constructor(
    readonly rng: SeededRandom,
    readonly group: PlaygroundGroup,
    readonly index: number,
    readonly instance: InstanceState,
    readonly category: SupereventCategory,
    startMs: number,
  ) {
    this.api = API_ROOTS[group];
    // The first upload happens now; the signal reached the detectors a pipeline latency earlier.
    this.startMs = startMs;
    this.t0 = round(gpsFromUnixMs(startMs) - rng.range(8, 25), 6);
    this.supereventId = this.#allocateSupereventId();
    this.#logN = rng.int(1, 4);
  }

  #allocateSupereventId(): string {
    const prefix = this.category === "Production" ? "S" : this.category === "MDC" ? "MS" : "TS";
    const day = new Date(unixMsFromGps(this.t0)).toISOString().slice(2, 10).replaceAll("-", "");
    const key = prefix + day;
    const n = (this.instance.supereventsPerDay.get(key) ?? 0) + 1;
    this.instance.supereventsPerDay.set(key, n);
    return key + suffixLetters(n);
  }

  get nowMs(): number {
    return this.startMs + this.#offsetMs;
  }

  get now(): string {
    return graceDbTime(this.nowMs);
  }

  wait(minSeconds: number, maxSeconds: number): void {
    this.#offsetMs += Math.round(this.rng.range(minSeconds, maxSeconds) * 1000);
  }

  graceid(prefix: string): string {
    this.instance.nextGraceid += this.rng.int(1, 6);
    return `${prefix}${this.instance.nextGraceid}`;
  }

  #emit(topicName: string, alert: GraceDbAlert): void {
    this.steps.push({
      topic: `${this.group}.${topicName}`,
      group: this.group,
      alert: structuredClone(alert),
      lifecycle: this.index,
      superevent: this.supereventId,
      sequence: this.steps.length,
      offsetMs: this.#offsetMs,
    });
  }

  get supereventTopic(): string {
    return this.category === "Production"
      ? "superevent"
      : this.category === "MDC"
      ? "mdc_superevent"
      : "test_superevent";
  }

  // --- serialization, in GraceDB's key order -------------------------------------------------

  eventLinks(graceid: string): GraceDbEvent["links"] {
    const base = `${this.api}events/${graceid}`;
    return {
      neighbors: `${base}/neighbors/`,
      log: `${base}/log/`,
      emobservations: `${base}/emobservation/`,
      files: `${base}/files/`,
      labels: `${base}/labels/`,
      self: base,
      tags: `${base}/tag/`,
    };
  }

  eventSummary(event: SimEvent): EventSummary {
    return {
      submitter: event.submitter,
      created: event.created,
      group: event.group,
      graceid: event.graceid,
      pipeline: event.pipeline,
      gpstime: event.gpstime,
      instruments: event.instruments,
      nevents: event.nevents,
      offline: false,
      search: event.search,
      far: event.far,
      far_is_upper_limit: false,
      likelihood: event.likelihood,
      labels: [...event.labels],
      extra_attributes: event.extra,
    };
  }

  neighbour(s: SimSuperevent): SupereventNeighbour {
    return {
      superevent_id: s.id,
      gw_events: s.gwEvents.map((e) => e.graceid),
      preferred_event: s.preferred.graceid,
      preferred_event_data: this.eventSummary(s.preferred),
      far: s.preferred.far ?? 0,
      t_start: s.tStart,
      t_0: s.t0,
      t_end: s.tEnd,
    };
  }

  eventDict(event: SimEvent): GraceDbEvent {
    // GraceDB lists every superevent within 100 s, member or not; ours is the only one near.
    const near = this.superevent !== undefined;
    return {
      ...this.eventSummary(event),
      superevent: event.superevent,
      superevent_neighbours: near ? { [this.superevent.id]: this.neighbour(this.superevent) } : {},
      links: this.eventLinks(event.graceid),
    };
  }

  supereventDict(): Superevent {
    const s = this.superevent;
    const base = `${this.api}superevents/${s.id}/`;
    return {
      superevent_id: s.id,
      gw_id: null,
      category: s.category,
      created: s.created,
      submitter: "emfollow",
      preferred_event: s.preferred.graceid,
      em_type: s.emType,
      t_start: s.tStart,
      t_0: s.t0,
      t_end: s.tEnd,
      gw_events: s.gwEvents.map((e) => e.graceid),
      em_events: s.emEvents.map((e) => e.graceid),
      far: s.preferred.far ?? 0,
      time_coinc_far: s.timeCoincFar,
      space_coinc_far: s.spaceCoincFar,
      labels: [...s.labels],
      links: {
        events: `${base}events/`,
        labels: `${base}labels/`,
        logs: `${base}logs/`,
        files: `${base}files/`,
        self: base,
        voevents: `${base}voevents/`,
        emobservations: `${base}emobservations/`,
      },
      preferred_event_data: this.eventDict(s.preferred),
      pipeline_preferred_events: {},
    };
  }

  // --- actions --------------------------------------------------------------------------------

  /** An upload: the event alert goes to `<group>_<pipeline>` and `<group>_<pipeline>_<search>`. */
  eventAlert(event: SimEvent, alertType: "new" | "update"): void {
    const dict = this.eventDict(event);
    for (const topic of eventTopicNames(event.group, event.pipeline, event.search)) {
      this.#emit(topic, { uid: event.graceid, alert_type: alertType, data: dict, object: dict });
    }
  }

  supereventAlert(alertType: "new" | "update" | "event_added"): void {
    const dict = this.supereventDict();
    this.#emit(this.supereventTopic, {
      uid: this.superevent.id,
      alert_type: alertType,
      data: dict,
      object: dict,
    });
  }

  createSuperevent(first: SimEvent): void {
    first.superevent = this.supereventId;
    this.superevent = {
      id: this.supereventId,
      category: this.category,
      created: this.now,
      preferred: first,
      emType: null,
      ...this.window(first),
      gwEvents: [first],
      emEvents: [],
      timeCoincFar: null,
      spaceCoincFar: null,
      labels: [],
    };
    this.supereventAlert("new");
  }

  window(event: SimEvent): { tStart: number; t0: number; tEnd: number } {
    const halfWidth = event.extra.MultiBurst ? Math.max(1, event.extra.MultiBurst.duration) : 1;
    return {
      tStart: round(event.gpstime - halfWidth, 6),
      t0: event.gpstime,
      tEnd: round(event.gpstime + halfWidth, 6),
    };
  }

  addEvent(event: SimEvent): void {
    event.superevent = this.supereventId;
    this.superevent.gwEvents.push(event);
    this.supereventAlert("event_added");
    const preferredFar = this.superevent.preferred.far ?? Infinity;
    if (event.far !== null && event.far < preferredFar) {
      this.wait(0.2, 1.5);
      this.superevent.preferred = event;
      Object.assign(this.superevent, this.window(event));
      this.supereventAlert("update");
    }
  }

  label(name: string, creator = "emfollow"): void {
    this.superevent.labels.push(name);
    const data: Label = {
      self: `${this.api}superevents/${this.superevent.id}/labels/${name}/`,
      name,
      created: this.now,
      creator,
    };
    this.#emit(this.supereventTopic, {
      uid: this.superevent.id,
      alert_type: "label_added",
      data,
      object: this.supereventDict(),
    });
  }

  log(comment: string, filename = "", tagNames: string[] = []): void {
    this.#logN += this.rng.int(1, 3);
    const base = `${this.api}superevents/${this.superevent.id}/`;
    const data: LogEntry = {
      self: `${base}logs/${this.#logN}/`,
      N: this.#logN,
      comment,
      created: this.now,
      issuer: "emfollow",
      filename,
      file_version: filename ? 0 : null,
      tag_names: tagNames,
      file: filename ? `${base}files/${filename},0` : null,
    };
    this.#emit(this.supereventTopic, {
      uid: this.superevent.id,
      alert_type: "log",
      data,
      object: this.supereventDict(),
    });
  }

  signoff(status: "OK" | "NO", submitter: string, comment: string): void {
    const data: Signoff = {
      self: `${this.api}superevents/${this.superevent.id}/signoffs/ADV/`,
      signoff_type: "ADV",
      instrument: "",
      status,
      submitter,
      comment,
    };
    this.#emit(this.supereventTopic, {
      uid: this.superevent.id,
      alert_type: "signoff_created",
      data,
      object: this.supereventDict(),
    });
  }

  voevent(
    type: VOEventInfo["voevent_type"],
    details: Omit<
      VOEventInfo,
      | "voevent_type"
      | "file_version"
      | "ivorn"
      | "created"
      | "issuer"
      | "filename"
      | "N"
      | "links"
      | "internal"
      | "open_alert"
      | "hardware_inj"
    >,
  ): void {
    this.#voeventN += 1;
    const id = this.superevent.id;
    const word = { PR: "Preliminary", IN: "Initial", UP: "Update", RE: "Retraction" }[type];
    const filename = `${id}-${this.#voeventN}-${word}.xml`;
    const base = `${this.api}superevents/${id}/`;
    const data: VOEventInfo = {
      voevent_type: type,
      file_version: 0,
      ivorn: `ivo://gwnet/LVC#${id}-${this.#voeventN}-${word}`,
      created: this.now,
      issuer: "emfollow",
      filename,
      N: this.#voeventN,
      links: { self: `${base}voevents/${this.#voeventN}/`, file: `${base}files/${filename},0` },
      ...details,
      internal: false,
      open_alert: true,
      hardware_inj: false,
    };
    // Keep GraceDB's key order: the flags come right after the links.
    const ordered: VOEventInfo = {
      voevent_type: data.voevent_type,
      file_version: data.file_version,
      ivorn: data.ivorn,
      created: data.created,
      issuer: data.issuer,
      filename: data.filename,
      N: data.N,
      links: data.links,
      skymap_type: data.skymap_type,
      skymap_filename: data.skymap_filename,
      internal: data.internal,
      open_alert: data.open_alert,
      hardware_inj: data.hardware_inj,
      coinc_comment: data.coinc_comment,
      prob_has_ns: data.prob_has_ns,
      prob_has_remnant: data.prob_has_remnant,
      prob_bns: data.prob_bns,
      prob_nsbh: data.prob_nsbh,
      prob_bbh: data.prob_bbh,
      prob_terrestrial: data.prob_terrestrial,
      prob_mass_gap: data.prob_mass_gap,
      raven_coinc: data.raven_coinc,
      ext_gcn: data.ext_gcn,
      ext_pipeline: data.ext_pipeline,
      ext_search: data.ext_search,
      combined_skymap_filename: data.combined_skymap_filename,
      significant: data.significant,
      prob_has_ssm: data.prob_has_ssm,
    };
    this.#emit(this.supereventTopic, {
      uid: id,
      alert_type: "voevent",
      data: ordered,
      object: this.supereventDict(),
    });
  }

  externalAlert(event: SimEvent): void {
    const dict = this.eventDict(event);
    for (const topic of eventTopicNames(event.group, event.pipeline, event.search)) {
      this.#emit(topic, { uid: event.graceid, alert_type: "new", data: dict, object: dict });
    }
  }
}

// --- pipeline uploads ---------------------------------------------------------------------------

interface Source {
  kind: SourceKind;
  mass1: number;
  mass2: number;
  spin1z: number;
  spin2z: number;
  instruments: string[];
}

function drawSource(rng: SeededRandom): Source {
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

function chirpMass(m1: number, m2: number): number {
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
  const endTime = gps + rng.range(-0.012, 0.012);
  const whole = Math.floor(endTime);
  const mtotal = mass1 + mass2;
  const duration = round(2.18 * (1.21 / chirpMass(mass1, mass2)) ** (5 / 3) * 16, 5);
  return {
    ifo,
    channel: CHANNELS[ifo],
    end_time: whole,
    end_time_ns: Math.round((endTime - whole) * 1e9),
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

function cbcExtraAttributes(
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
  const whole = Math.floor(gps);
  return {
    CoincInspiral: {
      ifos: instruments.join(","),
      end_time: whole,
      end_time_ns: Math.round((gps - whole) * 1e9),
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

function burstExtraAttributes(
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
  const start = gps - duration / 2;
  const whole = Math.floor(start);
  return {
    MultiBurst: {
      ifos: instruments.join(","),
      start_time: whole,
      start_time_ns: Math.round((start - whole) * 1e9),
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
function drawSignificance(rng: SeededRandom): { far: number; snr: number } {
  const far = Number(rng.logRange(1e-13, 3e-6).toPrecision(6));
  const snr = 8 + (-Math.log10(far) - 5.5) * 1.1 + rng.range(-0.5, 0.5);
  return { far, snr };
}

// --- one lifecycle ------------------------------------------------------------------------------

function runLifecycle(life: Lifecycle, kind: LifecycleKind, mdc: boolean, test: boolean): void {
  const rng = life.rng;
  const source = drawSource(rng);
  const eventGroup = test ? "Test" : kind;
  const search = mdc ? "MDC" : "AllSky";
  const prefix = test ? "T" : mdc ? "M" : "G";
  const pipelines = kind === "CBC"
    ? rng.subset(["gstlal", "pycbc", "MBTA", "spiir"], 1)
    : rng.subset(["CWB", "oLIB"], 1);
  // Upload order follows pipeline latency, not the list order.
  const order = pipelines.map((p) => ({ p, key: rng.next() })).sort((a, b) => a.key - b.key)
    .map((x) => x.p);

  const makeEvent = (pipeline: string): SimEvent => {
    const gps = round(life.t0 + rng.range(-0.01, 0.01), 6);
    const instruments = rng.chance(0.8) ? source.instruments : rng.subset(source.instruments, 1);
    const { far, snr } = drawSignificance(rng);
    const extra = kind === "CBC"
      ? cbcExtraAttributes(rng, source, instruments, gps, snr, far)
      : burstExtraAttributes(rng, pipeline, instruments, gps, snr, far);
    return {
      graceid: life.graceid(prefix),
      group: eventGroup,
      pipeline,
      search,
      submitter: SUBMITTERS[pipeline],
      created: life.now,
      gpstime: gps,
      instruments: instruments.join(","),
      nevents: instruments.length,
      far,
      likelihood: round(snr * snr / 4 + rng.range(-2, 2), 3),
      labels: [],
      extra,
      superevent: null,
    };
  };

  const first = makeEvent(order[0]);
  life.eventAlert(first, "new");
  life.wait(1, 3);
  life.createSuperevent(first);

  for (const pipeline of order.slice(1)) {
    life.wait(1, 8);
    const event = makeEvent(pipeline);
    life.eventAlert(event, "new");
    life.wait(0.5, 2);
    life.addEvent(event);
  }

  // A pipeline replaces its upload with refined attributes; FAR and time stay as they were.
  life.wait(2, 6);
  const coinc = first.extra.CoincInspiral;
  if (coinc && first.extra.SingleInspiral) {
    const factor = rng.range(1.0, 1.04);
    coinc.snr = round(coinc.snr * factor, 3);
    for (const single of first.extra.SingleInspiral) single.snr = round(single.snr * factor, 3);
  } else if (first.extra.MultiBurst) {
    first.extra.MultiBurst.snr = round(first.extra.MultiBurst.snr * rng.range(1.0, 1.04), 3);
  } else if (first.extra.LalInferenceBurst) {
    first.extra.LalInferenceBurst.bsn = round(
      first.extra.LalInferenceBurst.bsn * rng.range(1, 1.1),
      3,
    );
  }
  first.likelihood = round((first.likelihood ?? 0) + rng.range(0, 1), 3);
  life.eventAlert(first, "update");

  const preferred = () => life.superevent.preferred;
  const far = () => preferred().far ?? 1;
  const significant = far() < ONE_PER_MONTH;

  life.wait(4, 12);
  const skymap = kind === "CBC"
    ? "bayestar.multiorder.fits"
    : `${preferred().pipeline.toLowerCase()}.multiorder.fits`;
  life.log(`Localization copied from ${preferred().graceid}`, skymap, ["sky_loc", "public"]);
  life.wait(0.2, 1);
  life.label("SKYMAP_READY");

  // Source classification, consistent with the source drawn above and the FAR.
  const pTerrestrial = round(Math.min(0.99, far() / (far() + 3e-9)), 4);
  const astro = 1 - pTerrestrial;
  const split =
    { BNS: [0.96, 0.03, 0.01], NSBH: [0.05, 0.9, 0.05], BBH: [0, 0.02, 0.98] }[source.kind];
  const pBns = round(astro * split[0], 4);
  const pNsbh = round(astro * split[1], 4);
  const pBbh = round(Math.max(0, 1 - pTerrestrial - pBns - pNsbh), 4);
  const hasNs = source.kind === "BBH" ? round(rng.range(0, 0.02), 4) : round(rng.range(0.95, 1), 4);
  const hasRemnant = source.kind === "BNS"
    ? 1
    : source.kind === "NSBH"
    ? round(rng.range(0.1, 0.9), 4)
    : 0;
  if (kind === "CBC") {
    life.wait(1, 4);
    life.log("Source properties computed", "em_bright.json", ["em_bright", "public"]);
    life.wait(0.2, 1);
    life.label("EMBRIGHT_READY");
    life.wait(0.5, 2);
    life.log("Source classification computed", "p_astro.json", ["p_astro", "public"]);
    life.wait(0.2, 1);
    life.label("PASTRO_READY");
  }

  life.wait(1, 3);
  life.label(significant ? "SIGNIF_LOCKED" : "LOW_SIGNIF_LOCKED");

  if (rng.chance(0.08)) {
    life.wait(2, 8);
    life.label("DQV", "dqr");
    life.wait(0.5, 2);
    life.log("Data quality veto: a glitch overlaps the candidate; no alert will be sent");
    return;
  }

  life.wait(1, 3);
  life.label("EM_READY");

  const voeventDetails = (coincidence?: SimEvent) => ({
    skymap_type: kind === "CBC" ? "bayestar" : preferred().pipeline.toLowerCase(),
    skymap_filename: `${skymap},0`,
    coinc_comment: coincidence !== undefined,
    prob_has_ns: kind === "CBC" ? hasNs : null,
    prob_has_remnant: kind === "CBC" ? hasRemnant : null,
    prob_bns: kind === "CBC" ? pBns : null,
    prob_nsbh: kind === "CBC" ? pNsbh : null,
    prob_bbh: kind === "CBC" ? pBbh : null,
    prob_terrestrial: kind === "CBC" ? pTerrestrial : null,
    prob_mass_gap: kind === "CBC" ? 0 : null,
    raven_coinc: coincidence !== undefined,
    ext_gcn: coincidence ? String(coincidence.extra.GRB?.trigger_id ?? "") : "",
    ext_pipeline: coincidence?.pipeline ?? "",
    ext_search: coincidence?.search ?? "",
    combined_skymap_filename: coincidence ? "combined-ext.multiorder.fits,0" : "",
    significant,
    prob_has_ssm: null,
  });

  life.wait(3, 10);
  life.voevent("PR", voeventDetails());
  life.wait(0.5, 2);
  life.label("GCN_PRELIM_SENT");
  if (significant) {
    life.wait(0.5, 2);
    life.label("ADVREQ");
  }

  let coincidence: SimEvent | undefined;
  if (!test && !mdc && rng.chance(0.15)) {
    life.wait(10, 60);
    const pipeline = rng.pick(["Fermi", "Fermi", "Swift", "INTEGRAL"]);
    const triggerId = String(rng.int(700000000, 799999999));
    const grbGps = round(life.t0 + rng.range(-1, 5), 6);
    coincidence = {
      graceid: life.graceid("E"),
      group: "External",
      pipeline,
      search: "GRB",
      submitter: SUBMITTERS[pipeline],
      created: life.now,
      gpstime: grbGps,
      instruments: "",
      nevents: null,
      far: null,
      likelihood: null,
      labels: [],
      extra: {
        GRB: {
          ivorn: `ivo://nasa.gsfc.gcn/${pipeline}#Flt_Pos_${triggerId}`,
          ra: round(rng.range(0, 360), 4),
          dec: round(rng.range(-90, 90), 4),
          error_radius: round(rng.range(0.05, 12), 4),
          T90: round(rng.range(0.1, 2.5), 3),
          trigger_id: triggerId,
          trigger_duration: null,
          designation: null,
          redshift: null,
        },
      },
      superevent: null,
    };
    life.externalAlert(coincidence);
    life.wait(3, 15);
    life.superevent.emType = coincidence.graceid;
    life.superevent.emEvents.push(coincidence);
    life.superevent.timeCoincFar = Number((far() * rng.range(1e-3, 1e-1)).toPrecision(6));
    life.superevent.spaceCoincFar = Number(
      (life.superevent.timeCoincFar * rng.range(1e-2, 1)).toPrecision(6),
    );
    life.supereventAlert("update");
    life.wait(0.5, 2);
    life.label("EM_COINC", "raven");
    if (significant) {
      life.wait(0.5, 2);
      life.label("RAVEN_ALERT", "raven");
    }
  }

  if (!significant) return;
  life.wait(120, 900);
  const advocate = rng.pick(ADVOCATES);
  const approve = rng.chance(0.85);
  life.signoff(
    approve ? "OK" : "NO",
    advocate,
    approve ? "Advocate checks passed" : "Candidate is likely instrumental; retracting",
  );
  life.wait(0.3, 1.5);
  life.label(approve ? "ADVOK" : "ADVNO", advocate);
  life.wait(20, 90);
  life.voevent(approve ? "IN" : "RE", voeventDetails(approve ? coincidence : undefined));
}

/**
 * Generates GraceDB superevent lifecycles as `{ topic, alert }` steps, deterministically.
 *
 * Each lifecycle: pipeline uploads (`new` on `<group>_<pipeline>` and
 * `<group>_<pipeline>_<search>`, a later `update`), the superevent's `new`, `event_added` and
 * `update` as more pipelines report, skymap / `em_bright.json` / `p_astro.json` uploads as `log`
 * alerts with their `*_READY` labels, significance and `EM_READY` labels, a preliminary `voevent`,
 * `ADVREQ`, sometimes an external GRB coincidence (`EM_COINC`, `RAVEN_ALERT`) or a data quality
 * veto (`DQV`), then the advocate's signoff (`ADVOK` or `ADVNO`) and an Initial or Retraction
 * VOEvent. Ids, times and FARs agree across one lifecycle; superevent ids follow GraceDB's
 * per-day, per-category lettering. `gracedb-test` lifecycles use the Test category (`TS` ids,
 * `test_*` topics); half of the `gracedb-playground` lifecycles are MDC ones (`MS` ids,
 * `mdc_superevent`).
 *
 * @param options seed, groups, count and simulated start time
 * @returns an iterator of steps; endless unless `count` is set
 * @example
 * ```ts
 * import { simulateLifecycles } from "./simulate.ts";
 *
 * for (const step of simulateLifecycles({ seed: 1, count: 1 })) {
 *   console.log(step.topic, step.alert.uid, step.alert.alert_type);
 * }
 * ```
 */
export function* simulateLifecycles(
  options: SimulateOptions = {},
): Generator<SimulatedStep, void, undefined> {
  const seed = String(options.seed ?? 1);
  const groups = options.groups?.length ? options.groups : ["gracedb" as const];
  const count = options.count ?? Infinity;
  const start = options.startTime instanceof Date
    ? options.startTime.getTime()
    : options.startTime ?? DEFAULT_START_TIME;
  const instances = new Map<PlaygroundGroup, InstanceState>();
  const setup = new SeededRandom(`${seed}/instances`);
  for (const group of groups) {
    if (instances.has(group)) continue;
    instances.set(group, {
      clockMs: start,
      nextGraceid: setup.int(100000, 900000),
      supereventsPerDay: new Map(),
    });
  }

  for (let index = 0; index < count; index++) {
    const rng = new SeededRandom(`${seed}/lifecycle/${index}`);
    const group = groups[index % groups.length];
    const instance = instances.get(group)!;
    // Real candidates arrive hours apart; that only moves the simulated clock.
    if (index >= groups.length) instance.clockMs += Math.round(rng.range(0.3, 8) * 3600_000);
    const test = group === "gracedb-test";
    const mdc = group === "gracedb-playground" && rng.chance(0.5);
    const category: SupereventCategory = test ? "Test" : mdc ? "MDC" : "Production";
    const kind: LifecycleKind = mdc || rng.chance(0.75) ? "CBC" : "Burst";
    const life = new Lifecycle(rng, group, index, instance, category, instance.clockMs);
    runLifecycle(life, kind, mdc, test);
    instance.clockMs = life.nowMs;

    const pauseMs = index === 0 ? 0 : Math.round(rng.range(5, 20) * 1000);
    const durationMs = life.steps.at(-1)!.offsetMs;
    let previous = 0;
    for (const [i, step] of life.steps.entries()) {
      yield {
        ...step,
        delayMs: i === 0 ? pauseMs : step.offsetMs - previous,
        lifecycleDurationMs: durationMs,
        last: i === life.steps.length - 1,
      };
      previous = step.offsetMs;
    }
  }
}
