/**
 * What the named filter criteria and the expressions' derived names read from an alert: its FAR,
 * pipeline, search, analysis group, labels and superevent, and the `*`/`?` patterns both match
 * text with.
 *
 * @module
 */

/**
 * Alerts with a false alarm rate below this, in Hz (one per month), count as significant, the
 * threshold of the LVK's significant public alerts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SIGNIFICANT_FAR_HZ } from "@igwn/alert";
 * assert.equal(SIGNIFICANT_FAR_HZ, 1 / (30 * 86400));
 * ```
 */
export const SIGNIFICANT_FAR_HZ: number = 1 / (30 * 86400);

/** One step into a JSON value: a field of an object, an item of a list; else missing. */
export function field(value: unknown, step: string | number): unknown {
  if (typeof step === "number") return Array.isArray(value) ? value.at(step) : undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, step) ? (value as Record<string, unknown>)[step] : undefined;
}

const globCache = new Map<string, (text: string) => boolean>();

/** A matcher for a pattern where `*` is any run of characters and `?` one character. */
export function globMatcher(pattern: string): (text: string) => boolean {
  let matcher = globCache.get(pattern);
  if (!matcher) {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")
      .replaceAll("?", ".");
    const regex = new RegExp(`^${source}$`, "s");
    matcher = (text) => regex.test(text);
    if (globCache.size < 1000) globCache.set(pattern, matcher);
  }
  return matcher;
}

/** What the named criteria read from an alert. */
export interface AlertFacts {
  far?: number | null;
  pipeline?: string;
  search?: string | null;
  group?: string;
  labels: string[];
  superevent?: string;
}

/**
 * Values of the named criteria: a superevent alert speaks through its preferred event for
 * pipeline, search and group; FAR and labels are the object's own.
 */
export function alertFacts(alert: unknown): AlertFacts {
  const object = field(alert, "object");
  const isSuperevent = typeof field(object, "superevent_id") === "string";
  const event = isSuperevent ? field(object, "preferred_event_data") : object;
  const text = (value: unknown) => typeof value === "string" ? value : undefined;
  const far = field(object, "far");
  const search = field(event, "search");
  const labels = field(object, "labels");
  return {
    far: typeof far === "number" || far === null ? far : undefined,
    pipeline: text(field(event, "pipeline")),
    search: typeof search === "string" || search === null ? search : undefined,
    group: text(field(event, "group")),
    labels: Array.isArray(labels) ? labels.filter((label) => typeof label === "string") : [],
    superevent: isSuperevent
      ? text(field(object, "superevent_id"))
      : text(field(object, "superevent")),
  };
}
