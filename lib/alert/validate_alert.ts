/**
 * Runtime check that a decoded value is a GraceDB alert, running the schemas of
 * `gracedb_schemas.ts` from which the alert types are derived.
 *
 * @module
 */
import { GRACEDB_SCHEMAS } from "./gracedb_schemas.ts";
import { kindOf, type Schema, type SchemaReport, type UnknownValue } from "./schema.ts";

/**
 * Result of {@linkcode checkAlert}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type AlertCheck, checkAlert } from "./validate_alert.ts";
 * const result: AlertCheck = checkAlert({ uid: "S1" });
 * assert.deepEqual(result.problems, ["$.alert_type: missing", "$.data: missing", "$.object: missing"]);
 * assert.deepEqual(result.unknown, []);
 * ```
 */
export interface AlertCheck {
  /** Why the value is not a valid alert, each with its JSON path; empty when valid. */
  problems: string[];
  /**
   * Values accepted although no list of known values holds them (a label, VOEvent type or
   * alert type newer than this version).
   */
  unknown: UnknownValue[];
}

const FAMILIES = {
  superevent: {
    schema: GRACEDB_SCHEMAS.superevent as Schema<unknown>,
    id: "superevent_id",
    data: GRACEDB_SCHEMAS.supereventAlertData as Record<string, Schema<unknown>>,
    other: GRACEDB_SCHEMAS.eventAlertData as Record<string, Schema<unknown>>,
    name: "a superevent",
  },
  event: {
    schema: GRACEDB_SCHEMAS.event as Schema<unknown>,
    id: "graceid",
    data: GRACEDB_SCHEMAS.eventAlertData as Record<string, Schema<unknown>>,
    other: GRACEDB_SCHEMAS.supereventAlertData as Record<string, Schema<unknown>>,
    name: "an event",
  },
};

/**
 * Checks a decoded value against GraceDB's alert shapes and says what it found: shape problems,
 * and values accepted although this version does not know them.
 *
 * Keys GraceDB added over time may be missing (older dictionaries still circulate), extra keys
 * are accepted, and so are values outside the known lists (alert types, labels, VOEvent types,
 * pipelines, searches): those are listed in `unknown`, not in `problems`. An alert type known only
 * for the other family (an event alert of type `event_added`) is a problem, as is a `uid` that
 * does not name the alert's object.
 *
 * @param value a decoded alert (for example `JSON.parse` of a message)
 * @returns the problems and the unknown values found
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAlert } from "./validate_alert.ts";
 * const text = await Deno.readTextFile("tests/testdata/alerts/superevent_voevent.json");
 * const alert = JSON.parse(text);
 * alert.data.voevent_type = "XX";
 * const { problems, unknown } = checkAlert(alert);
 * assert.deepEqual(problems, []);
 * assert.deepEqual(unknown, [{ path: "$.data.voevent_type", kind: "VOEvent type", value: "XX" }]);
 * ```
 */
export function checkAlert(value: unknown): AlertCheck {
  const report: SchemaReport = { problems: [], unknown: [] };
  const { problems } = report;
  if (kindOf(value) !== "object") {
    problems.push(`$: expected object, got ${kindOf(value)}`);
    return report;
  }
  const alert = value as Record<string, unknown>;
  for (const key of ["uid", "alert_type", "data", "object"]) {
    if (!(key in alert)) problems.push(`$.${key}: missing`);
  }
  for (const key of ["uid", "alert_type"]) {
    if (key in alert && typeof alert[key] !== "string") {
      problems.push(`$.${key}: expected string, got ${kindOf(alert[key])}`);
    }
  }
  if (!("object" in alert)) return report;
  if (kindOf(alert.object) !== "object") {
    problems.push(`$.object: expected object, got ${kindOf(alert.object)}`);
    return report;
  }
  const object = alert.object as Record<string, unknown>;
  const family = FAMILIES["superevent_id" in object ? "superevent" : "event"];
  family.schema.check(object, "$.object", report);

  const id = object[family.id];
  if (typeof alert.uid === "string" && typeof id === "string" && alert.uid !== id) {
    problems.push(
      `$.uid: ${JSON.stringify(alert.uid)} differs from $.object.${family.id} ${
        JSON.stringify(id)
      }`,
    );
  }

  const type = alert.alert_type;
  if (typeof type !== "string") return report;
  if (Object.hasOwn(family.data, type)) {
    if ("data" in alert) family.data[type].check(alert.data, "$.data", report);
  } else if (Object.hasOwn(family.other, type)) {
    problems.push(`$.alert_type: ${JSON.stringify(type)} is not ${family.name} alert type`);
  } else {
    report.unknown.push({ path: "$.alert_type", kind: "alert type", value: type });
  }
  return report;
}

/**
 * Checks that a decoded value is a GraceDB alert shaped as `GraceDbAlert` (or, for an alert type
 * newer than this version, `UnknownAlert`) describes; {@linkcode checkAlert} also lists the
 * unknown values it accepted.
 *
 * @param value a decoded alert (for example `JSON.parse` of a message)
 * @returns the problems found, each with its JSON path; empty when the value is a valid alert
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { validateAlert } from "./validate_alert.ts";
 *
 * const problems = validateAlert({ uid: "S240615dg", alert_type: "sent", data: {}, object: {} });
 * assert.ok(problems.includes("$.object.graceid: missing"));
 * assert.ok(!problems.some((problem) => problem.startsWith("$.alert_type")), problems.join("\n"));
 * ```
 */
export function validateAlert(value: unknown): string[] {
  return checkAlert(value).problems;
}
