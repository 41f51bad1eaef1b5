/**
 * A deterministic simulator of GraceDB superevent lifecycles: the alerts GraceDB publishes while
 * pipelines upload candidates and the low-latency follow-up annotates them.
 *
 * @module
 */
import type { GraceDbAlert, SupereventCategory } from "../alert/types.ts";
import {
  ADVOCATES,
  type InstanceState,
  Lifecycle,
  type LifecycleKind,
  ONE_PER_MONTH,
  type SimEvent,
  SUBMITTERS,
} from "./_lifecycle.ts";
import {
  burstExtraAttributes,
  cbcExtraAttributes,
  drawSignificance,
  drawSource,
} from "./_pipeline_uploads.ts";
import { round, SeededRandom } from "./_random.ts";
import type { PlaygroundGroup } from "./topics.ts";

/**
 * Options of {@linkcode simulateLifecycles}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles, type SimulateOptions } from "./simulate.ts";
 * const options: SimulateOptions = { seed: 7, count: 2, groups: ["gracedb", "gracedb-test"] };
 * const steps = [...simulateLifecycles(options)];
 * assert.deepEqual([...new Set(steps.map((step) => step.lifecycle))], [0, 1]);
 * assert.deepEqual([...new Set(steps.map((step) => step.group))], ["gracedb", "gracedb-test"]);
 * assert.deepEqual([...simulateLifecycles(options)], steps); // same seed, same alerts
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
 * import assert from "node:assert";
 * import { DEFAULT_START_TIME } from "./simulate.ts";
 * assert.strictEqual(new Date(DEFAULT_START_TIME).toISOString(), "2026-01-05T06:00:00.000Z");
 * ```
 */
export const DEFAULT_START_TIME: number = Date.UTC(2026, 0, 5, 6);

/**
 * One alert of a simulated lifecycle and where to publish it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { simulateLifecycles, type SimulatedStep } from "./simulate.ts";
 * const first: SimulatedStep = simulateLifecycles({ count: 1 }).next().value!;
 * assert.match(first.topic, /^gracedb\./);
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
 * import assert from "node:assert";
 * import { simulateLifecycles } from "./simulate.ts";
 *
 * const steps = [...simulateLifecycles({ seed: 1, count: 1 })];
 * assert.ok(steps.length > 1);
 * // One lifecycle: every alert is about the same superevent.
 * const superevents = new Set(
 *   steps.filter((s) => s.topic.endsWith(".superevent")).map((s) => s.alert.uid),
 * );
 * assert.strictEqual(superevents.size, 1);
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
      supereventsToday: new Map(),
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
