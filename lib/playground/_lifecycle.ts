// The state of one simulated candidate (its events and superevent) and the alerts each action
// on it produces, serialized with GraceDB's keys in GraceDB's order.

import type {
  EventSummary,
  ExtraAttributes,
  GraceDbAlert,
  GraceDbEvent,
  Label,
  LogEntry,
  Signoff,
  Superevent,
  SupereventCategory,
  SupereventNeighbour,
  VOEventInfo,
} from "../alert/types.ts";
import { API_ROOTS, eventTopicNames } from "./_catalog.ts";
import { round, type SeededRandom } from "./_random.ts";
import type { SimulatedStep } from "./simulate.ts";
import type { PlaygroundGroup } from "./topics.ts";

const GPS_EPOCH_UNIX_S = 315964800;
const LEAP_SECONDS = 18;
export const ONE_PER_MONTH = 1 / (30 * 86400);

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

export interface InstanceState {
  clockMs: number;
  nextGraceid: number;
  /**
   * Per id prefix (S, MS, TS), the day of the latest superevent and how many that day got. The
   * simulated clock only moves forward, so earlier days are never needed again (keeping them all
   * would grow by one entry every few lifecycles, for as long as the playground runs).
   */
  supereventsToday: Map<string, { day: string; count: number }>;
}

export interface SimEvent {
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

export type SourceKind = "BNS" | "NSBH" | "BBH";
export type LifecycleKind = "CBC" | "Burst";

export const SUBMITTERS: Record<string, string> = {
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

export const ADVOCATES = [
  "marie.curie@ligo.org",
  "emmy.noether@ligo.org",
  "lise.meitner@ligo.org",
  "chien-shiung.wu@ligo.org",
  "henrietta.leavitt@ligo.org",
];

export class Lifecycle {
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
    const today = this.instance.supereventsToday.get(prefix);
    const n = today?.day === day ? today.count + 1 : 1;
    this.instance.supereventsToday.set(prefix, { day, count: n });
    return prefix + day + suffixLetters(n);
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
    type: "PR" | "IN" | "UP" | "RE",
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
