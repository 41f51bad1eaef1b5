/**
 * The table `igwn-alert playground --listen` ends with: received alerts by topic and alert type,
 * and one row per superevent with its outcome.
 *
 * @module
 */
import type { Alert } from "../alert/listen_types.ts";
import { EVENT_ALERT_TYPES, SUPEREVENT_ALERT_TYPES } from "../alert/types.ts";

/** `1 lifecycle`, `3 lifecycles`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * What a superevent row is made of, kept as the alerts arrive: only these fields of its latest
 * state, not the alert's `object` itself (several kilobytes with its preferred event and
 * neighbours, which an endless playground would otherwise keep for every superevent).
 */
interface SupereventState {
  id: string;
  far?: number;
  labels: string[];
  preferredEvent?: string;
  pipeline?: string;
  /** Its events and external events, whose alerts count as its own. */
  members: string[];
  voevents: string[];
  significant?: boolean;
}

/**
 * Superevents kept for the table; older ones are dropped (with the alert counts of their events)
 * and the table says how many, so a playground left running keeps a bounded tally.
 */
export const MAX_SUPEREVENT_ROWS = 1000;

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

const TYPE_ORDER: readonly string[] = [
  ...new Set<string>([...SUPEREVENT_ALERT_TYPES, ...EVENT_ALERT_TYPES]),
];

/** Right-aligned numbers, left-aligned text, two spaces between columns. */
function table(rows: string[][], numeric: (column: number) => boolean): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row.map((cell, column) =>
      numeric(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column])
    ).join("  ").trimEnd()
  );
}

/**
 * Counts received alerts by topic and alert type, and follows each superevent (its latest state,
 * the VOEvents sent for it). {@linkcode AlertTally.summary} renders the table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simulateLifecycles } from "../playground/mod.ts";
 * import { AlertTally } from "./_alert_summary.ts";
 * const tally = new AlertTally();
 * const steps = [...simulateLifecycles({ seed: 1, count: 1 })];
 * for (const step of steps) tally.add({ fullTopic: step.topic, payload: step.alert });
 * assert.deepEqual(tally.superevents, ["S260105a"]);
 * assert.equal(tally.alertsOf("S260105a"), steps.length);
 * assert.match(tally.summary(1500), /^received 27 alerts on \d+ topics about 1 superevent in 1\.5 s\n/);
 * ```
 */
export class AlertTally {
  /** @param maxRows superevents kept for the table (the latest ones) */
  constructor(readonly maxRows: number = MAX_SUPEREVENT_ROWS) {}

  /** Alerts counted. */
  total = 0;
  readonly #byTopic = new Map<string, Map<string, number>>();
  readonly #superevents = new Map<string, SupereventState>();
  /** Superevents seen but no longer in the table (beyond `maxRows`). */
  #droppedSuperevents = 0;
  /** Event and superevent uids of each alert, to attribute event alerts to superevents. */
  readonly #uids = new Map<string, number>();

  /** Uids whose alert counts are kept (for tests: bounded however many alerts were added). */
  get trackedUids(): number {
    return this.#uids.size;
  }

  /** Counts one alert. */
  add(alert: Pick<Alert, "fullTopic" | "payload">): void {
    const payload = record(alert.payload);
    const type = typeof payload.alert_type === "string" ? payload.alert_type : "(invalid)";
    const types = this.#byTopic.get(alert.fullTopic) ?? new Map<string, number>();
    this.#byTopic.set(alert.fullTopic, types);
    types.set(type, (types.get(type) ?? 0) + 1);
    this.total++;
    const uid = typeof payload.uid === "string" ? payload.uid : undefined;
    if (uid !== undefined) this.#uids.set(uid, (this.#uids.get(uid) ?? 0) + 1);
    const object = record(payload.object);
    if (uid === undefined || object.superevent_id !== uid) return;
    let state = this.#superevents.get(uid);
    if (!state) {
      state = { id: uid, labels: [], members: [], voevents: [] };
      this.#superevents.set(uid, state);
      if (this.#superevents.size > this.maxRows) this.#dropOldest();
    }
    state.far = typeof object.far === "number" ? object.far : undefined;
    state.labels = strings(object.labels);
    state.preferredEvent = typeof object.preferred_event === "string"
      ? object.preferred_event
      : undefined;
    const pipeline = record(object.preferred_event_data).pipeline;
    state.pipeline = typeof pipeline === "string" ? pipeline : undefined;
    state.members = [...strings(object.gw_events), ...strings(object.em_events)];
    if (type === "voevent") {
      const data = record(payload.data);
      if (typeof data.voevent_type === "string") state.voevents.push(data.voevent_type);
      if (typeof data.significant === "boolean") state.significant = data.significant;
    }
  }

  /** Forgets the oldest superevent and the alert counts of its uids. */
  #dropOldest(): void {
    const [oldest] = this.#superevents.values();
    this.#superevents.delete(oldest.id);
    this.#droppedSuperevents++;
    for (const uid of [oldest.id, ...oldest.members]) this.#uids.delete(uid);
    // Uids that never joined a kept superevent must not pile up either.
    const limit = this.maxRows * 64;
    for (const uid of this.#uids.keys()) {
      if (this.#uids.size <= limit) break;
      this.#uids.delete(uid);
    }
  }

  /** Superevent ids in the order they were first seen (the latest `maxRows`). */
  get superevents(): string[] {
    return [...this.#superevents.keys()];
  }

  /** Alerts about a superevent: its own, and those of its events (as its latest state lists). */
  alertsOf(id: string): number {
    const uids = new Set([id, ...(this.#superevents.get(id)?.members ?? [])]);
    let count = 0;
    for (const uid of uids) count += this.#uids.get(uid) ?? 0;
    return count;
  }

  /**
   * The summary: a heading line (alerts, topics, superevents, elapsed time), the table of alerts
   * by topic and alert type with totals, and the superevent table. Ends with a newline.
   */
  summary(elapsedMs: number): string {
    const topics = [...this.#byTopic.keys()].sort();
    const seconds = (elapsedMs / 1000).toFixed(1);
    const lines = [
      `received ${plural(this.total, "alert")} on ${plural(topics.length, "topic")} about ${
        plural(this.#superevents.size + this.#droppedSuperevents, "superevent")
      } in ${seconds} s`,
    ];
    if (this.total === 0) return lines.join("\n") + "\n";

    const seen = new Set([...this.#byTopic.values()].flatMap((types) => [...types.keys()]));
    const types = [
      ...TYPE_ORDER.filter((type) => seen.has(type)),
      ...[...seen].filter((type) => !TYPE_ORDER.includes(type)).sort(),
    ];
    const rows = [["topic", ...types, "total"]];
    for (const topic of topics) {
      const counts = this.#byTopic.get(topic)!;
      const cells = types.map((type) => String(counts.get(type) ?? ""));
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      rows.push([topic, ...cells, String(total)]);
    }
    rows.push([
      "total",
      ...types.map((type) =>
        String(
          [...this.#byTopic.values()].reduce((sum, counts) => sum + (counts.get(type) ?? 0), 0),
        )
      ),
      String(this.total),
    ]);
    lines.push("", ...table(rows, (column) => column > 0));

    if (this.#superevents.size > 0) {
      const superevents = [[
        "superevent",
        "alerts",
        "far (Hz)",
        "significant",
        "preferred",
        "voevents",
        "advocate",
      ]];
      for (const state of this.#superevents.values()) {
        superevents.push(this.#supereventRow(state));
      }
      lines.push("", ...table(superevents, (column) => column === 1));
      if (this.#droppedSuperevents > 0) {
        lines.push(
          `(the ${plural(this.#droppedSuperevents, "earlier superevent")} are not listed)`,
        );
      }
    }
    return lines.join("\n") + "\n";
  }

  #supereventRow(state: SupereventState): string[] {
    const { labels } = state;
    const significant = state.significant ??
      (labels.includes("SIGNIF_LOCKED")
        ? true
        : labels.includes("LOW_SIGNIF_LOCKED")
        ? false
        : undefined);
    const preferred = state.preferredEvent === undefined
      ? "-"
      : `${state.preferredEvent}${state.pipeline === undefined ? "" : ` (${state.pipeline})`}`;
    const advocate = ["DQV", "ADVNO", "ADVOK", "ADVREQ"].find((label) => labels.includes(label));
    return [
      state.id,
      String(this.alertsOf(state.id)),
      state.far === undefined ? "-" : state.far.toExponential(2),
      significant === undefined ? "-" : significant ? "yes" : "no",
      preferred,
      state.voevents.length ? state.voevents.join(",") : "-",
      advocate ?? "-",
    ];
  }
}
