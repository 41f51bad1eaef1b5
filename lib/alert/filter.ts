/**
 * Filters on GraceDB alerts: named criteria (alert type, id pattern, labels, FAR, significance,
 * pipeline, search, analysis group) and a small expression language over the payload fields for
 * the rest. Everything is parsed up front into a predicate; nothing is evaluated as code.
 * Expressions are described in `filter_expression.ts`.
 *
 * @module
 */

import type { GraceDbAlert } from "./types.ts";
import {
  type AlertFacts,
  alertFacts,
  field,
  globMatcher,
  SIGNIFICANT_FAR_HZ,
} from "./_alert_facts.ts";
import { AlertFilterError, parseFilterExpression } from "./filter_expression.ts";

export { SIGNIFICANT_FAR_HZ };

/**
 * What an alert must satisfy to be handed over; every criterion given must hold. A list means
 * any of its values. Names compare case-insensitively (`gstlal` matches `gstlal` and `GSTLAL`),
 * ids and alert types exactly.
 *
 * @example Significant CBC superevent alerts that carry a sky map label
 * ```ts
 * import assert from "node:assert/strict";
 * import { type AlertFilter, matchAlert } from "@igwn/alert";
 * import { simulateLifecycles } from "@igwn/alert/playground";
 * const filter: AlertFilter = {
 *   uid: "S*", eventGroup: "CBC", significant: true, labels: ["SKYMAP_READY"],
 *   where: "alert_type == 'label_added' and data.name == 'EM_READY'",
 * };
 * const alerts = simulateLifecycles({ seed: 1, count: 20 }).map((step) => step.alert).toArray();
 * const matches = matchAlert(filter);
 * const matched = alerts.filter((alert) => matches(alert));
 * assert.ok(matched.length > 0);
 * assert.ok(matched.every((alert) => alert.uid.startsWith("S") && (alert.object.far ?? 1) < 4e-7));
 * ```
 */
export interface AlertFilter {
  /** GraceDB `alert_type` values, e.g. `new`, `label_added`, `voevent`. */
  alertType?: string | readonly string[];
  /** Patterns of the alert's `uid` (superevent or event id), with `*` and `?`, e.g. `S2406*`. */
  uid?: string | readonly string[];
  /** Labels that must all be on the alert's object. */
  labels?: readonly string[];
  /** Labels none of which may be on the alert's object. */
  withoutLabels?: readonly string[];
  /** Largest false alarm rate, Hz; an alert without a FAR does not match. */
  farAtMost?: number;
  /** `true`: FAR below {@link SIGNIFICANT_FAR_HZ}; `false`: not below it (or no FAR). */
  significant?: boolean;
  /** Pipelines (of the event, or of a superevent's preferred event), e.g. `gstlal`. */
  pipeline?: string | readonly string[];
  /** Searches, e.g. `AllSky`, `BBH`, `EarlyWarning`. */
  search?: string | readonly string[];
  /** Analysis groups, e.g. `CBC`, `Burst`. */
  eventGroup?: string | readonly string[];
  /** Expressions over the payload (see the module documentation); all must hold. */
  where?: string | readonly string[];
}

function listOf(name: string, value: string | readonly string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.some((item) => typeof item !== "string")) {
    throw new AlertFilterError(`filter "${name}" must be text or a list of text`);
  }
  if (list.length === 0) throw new AlertFilterError(`filter "${name}" must not be an empty list`);
  return [...list];
}

const FILTER_KEYS = new Set([
  "alertType",
  "uid",
  "labels",
  "withoutLabels",
  "farAtMost",
  "significant",
  "pipeline",
  "search",
  "eventGroup",
  "where",
]);

/**
 * Checks a filter and turns it into a predicate on decoded alerts. Call it once, before
 * listening: every mistake (unknown criterion, bad value, bad expression) is reported here.
 *
 * @param filter the criteria.
 * @returns a predicate, true for alerts that satisfy every criterion; it never throws, whatever
 *   the alert holds.
 * @throws {AlertFilterError} for an unknown criterion, a value of the wrong kind or an expression
 *   that does not parse.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matchAlert } from "@igwn/alert";
 * const newOrUpdate = matchAlert({ alertType: ["new", "update"], farAtMost: 1e-8 });
 * assert.equal(newOrUpdate({ uid: "S1", alert_type: "new", object: { far: 1e-9 } }), true);
 * assert.equal(newOrUpdate({ uid: "S1", alert_type: "new", object: { far: 1e-7 } }), false);
 * assert.equal(newOrUpdate("not an alert"), false);
 * assert.throws(() => matchAlert({ farAtMost: -1 }), /farAtMost/);
 * ```
 */
export function matchAlert(filter: AlertFilter): (alert: unknown, topic?: string) => boolean {
  if (filter === null || typeof filter !== "object") {
    throw new AlertFilterError("a filter must be an object of criteria");
  }
  for (const key of Object.keys(filter)) {
    if (!FILTER_KEYS.has(key)) throw new AlertFilterError(`unknown filter criterion "${key}"`);
  }
  const tests: ((alert: unknown, facts: () => AlertFacts, topic?: string) => boolean)[] = [];
  const types = listOf("alertType", filter.alertType);
  if (types) {
    const wanted = new Set(types);
    tests.push((alert) => wanted.has(field(alert, "alert_type") as string));
  }
  const uids = listOf("uid", filter.uid)?.map(globMatcher);
  if (uids) {
    tests.push((alert) => {
      const uid = field(alert, "uid");
      return typeof uid === "string" && uids.some((match) => match(uid));
    });
  }
  const labels = filter.labels === undefined ? undefined : listOf("labels", filter.labels);
  if (labels) tests.push((_, facts) => labels.every((label) => facts().labels.includes(label)));
  const without = filter.withoutLabels === undefined
    ? undefined
    : listOf("withoutLabels", filter.withoutLabels);
  if (without) tests.push((_, facts) => !without.some((label) => facts().labels.includes(label)));
  if (filter.farAtMost !== undefined) {
    const limit = filter.farAtMost;
    if (typeof limit !== "number" || !(limit >= 0)) {
      throw new AlertFilterError(`filter "farAtMost" must be a number >= 0, got ${limit}`);
    }
    tests.push((_, facts) => {
      const far = facts().far;
      return typeof far === "number" && far <= limit;
    });
  }
  if (filter.significant !== undefined) {
    if (typeof filter.significant !== "boolean") {
      throw new AlertFilterError(`filter "significant" must be true or false`);
    }
    const wanted = filter.significant;
    tests.push((_, facts) => {
      const far = facts().far;
      return (typeof far === "number" && far < SIGNIFICANT_FAR_HZ) === wanted;
    });
  }
  for (
    const [key, pick] of [
      ["pipeline", (facts: AlertFacts) => facts.pipeline],
      ["search", (facts: AlertFacts) => facts.search],
      ["eventGroup", (facts: AlertFacts) => facts.group],
    ] as const
  ) {
    const names = listOf(key, filter[key])?.map((name) => name.toLowerCase());
    if (names) {
      tests.push((_, facts) => {
        const value = pick(facts());
        return typeof value === "string" && names.includes(value.toLowerCase());
      });
    }
  }
  const expressions = listOf("where", filter.where)?.map(parseFilterExpression);
  if (expressions) {
    tests.push((alert, _, topic) =>
      expressions.every((expression) => expression.test(alert, topic))
    );
  }
  return (alert, topic) => {
    let facts: AlertFacts | undefined;
    const lazyFacts = () => facts ??= alertFacts(alert);
    try {
      return tests.every((test) => test(alert, lazyFacts, topic));
    } catch {
      return false;
    }
  };
}

/**
 * Whether a typed alert satisfies a filter, for a one-off check; prefer {@link matchAlert} to test
 * many alerts.
 *
 * @param alert the decoded alert.
 * @param filter the criteria.
 * @returns true when every criterion holds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { alertMatches } from "@igwn/alert";
 * const alert = { uid: "S1", alert_type: "label_added", data: { name: "ADVOK" } };
 * assert.equal(alertMatches(alert as never, { where: "data.name == 'ADVOK'" }), true);
 * ```
 */
export function alertMatches(alert: GraceDbAlert, filter: AlertFilter): boolean {
  return matchAlert(filter)(alert);
}
