/**
 * A small schema language: each schema value both checks a decoded JSON value at runtime and
 * carries, as a type parameter, the TypeScript type it accepts ({@linkcode Infer}). GraceDB's
 * alert shapes are written once in it (`gracedb_schemas.ts`), so their types and their
 * validation cannot drift apart.
 *
 * Values a schema knows only as a list (alert types, labels, VOEvent types) are checked with
 * {@linkcode known}: a value outside the list is accepted, typed as a plain string, and recorded
 * as an {@linkcode UnknownValue} instead of a problem, since GraceDB adds such values over time.
 *
 * @module
 */

/**
 * What a check found: `problems` (the value does not have the shape; each names its JSON path)
 * and `unknown` (values outside a known list, accepted).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GRACEDB_SCHEMAS, type SchemaReport } from "./mod.ts";
 * const report: SchemaReport = { problems: [], unknown: [] };
 * GRACEDB_SCHEMAS.label.check({ self: "", name: "NEW_LABEL", created: "", creator: "" }, "$", report);
 * assert.deepEqual(report.problems, []);
 * assert.deepEqual(report.unknown, [{ path: "$.name", kind: "label", value: "NEW_LABEL" }]);
 * ```
 */
export interface SchemaReport {
  /** Shape problems, e.g. `$.data.N: expected number, got string`. */
  problems: string[];
  /** Accepted values that no list of known values holds. */
  unknown: UnknownValue[];
}

/**
 * A value outside a list of known values (a label, alert type or VOEvent type GraceDB introduced
 * after this version), accepted and typed as a plain string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAlert, type UnknownValue } from "./mod.ts";
 * const alert = JSON.parse(await Deno.readTextFile("tests/testdata/alerts/superevent_label_added.json"));
 * alert.data.name = "BRAND_NEW";
 * const [first]: UnknownValue[] = checkAlert(alert).unknown;
 * assert.deepEqual(first, { path: "$.data.name", kind: "label", value: "BRAND_NEW" });
 * ```
 */
export interface UnknownValue {
  /** JSON path of the value, e.g. `$.data.voevent_type`. */
  path: string;
  /** What the value names, e.g. `label`, `VOEvent type`, `alert type`. */
  kind: string;
  /** The value as it arrived. */
  value: string;
}

/**
 * A runtime check of a decoded JSON value whose type parameter is the TypeScript type of the
 * values it accepts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GRACEDB_SCHEMAS, type Label, type Schema } from "./mod.ts";
 * const schema: Schema<Label> = GRACEDB_SCHEMAS.label;
 * const report = { problems: [], unknown: [] };
 * schema.check({ name: "DQV" }, "$.data", report);
 * assert.deepEqual(report.problems, ["$.data.self: missing", "$.data.created: missing", "$.data.creator: missing"]);
 * ```
 */
export interface Schema<T> {
  /** Never set: holds the accepted type for {@linkcode Infer}. */
  readonly type?: T;
  /** Whether an object may lack the key this schema describes. */
  readonly optional?: boolean;
  /**
   * Checks `value`, adding what it finds to `report`.
   *
   * @param value the decoded value
   * @param path its JSON path, for messages (`$` for the root)
   * @param report where problems and unknown values are added
   */
  check(value: unknown, path: string, report: SchemaReport): void;
}

/**
 * The TypeScript type a {@linkcode Schema} accepts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GRACEDB_SCHEMAS, type Infer } from "./mod.ts";
 * type Signoff = Infer<typeof GRACEDB_SCHEMAS.signoff>;
 * const signoff: Signoff = {
 *   signoff_type: "OP", instrument: "H1", status: "OK", submitter: "operator", comment: "",
 * };
 * assert.equal(signoff.status, "OK");
 * ```
 */
export type Infer<S> = S extends Schema<infer T> ? T : never;

/** A string outside the known values: keeps editor completion for the known ones. */
export type Other = string & Record<never, never>;

// ---------------------------------------------------------------------------------------------
// Builders. Object fields are written as schema values; `optional(...)` marks a key that older
// servers do not send. A field's JSDoc comment documents the key; the mapping below maps over
// the fields' own keys, so editors can show it on the derived type's property too.

type Shape = Record<string, Schema<unknown>>;
type RequiredKeys<F extends Shape> = {
  [K in keyof F]: F[K] extends { readonly optional: true } ? never : K;
}[keyof F];
type OptionalKeys<F extends Shape> = Exclude<keyof F, RequiredKeys<F>>;
type Simplify<T> = { [K in keyof T]: T[K] } & unknown;
/** The type of an object whose fields `F` (key to schema) describe. */
export type ObjectOf<F extends Shape> = Simplify<
  & { -readonly [K in keyof F as K extends RequiredKeys<F> ? K : never]: Infer<F[K]> }
  & { -readonly [K in keyof F as K extends OptionalKeys<F> ? K : never]?: Infer<F[K]> }
>;

/**
 * Any value JSON can hold; used where GraceDB's content is free-form.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import type { JsonValue } from "./mod.ts";
 * const value: JsonValue = { ok: [1, "two", null] };
 * assert.deepStrictEqual(JSON.parse(JSON.stringify(value)), value);
 * ```
 */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Type name of a JSON value, in the words of the messages. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** `.name` for identifier-like keys, `["a key"]` otherwise. */
export function keyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function primitive<T>(kind: string): Schema<T> {
  return {
    check(value, path, report) {
      const actual = kindOf(value);
      const ok = kind === "number"
        ? typeof value === "number" && Number.isFinite(value)
        : actual === kind;
      if (!ok) report.problems.push(`${path}: expected ${kind}, got ${actual}`);
    },
  };
}

/** A string. */
export const string: Schema<string> = primitive("string");
/** A finite number. */
export const number: Schema<number> = primitive("number");
/** `true` or `false`. */
export const boolean: Schema<boolean> = primitive("boolean");
/** Any JSON value, unchecked. */
export const json: Schema<JsonValue> = { check() {} };

/** Any value, unchecked and typed `unknown`. */
export const anything: Schema<unknown> = { check() {} };

/** `null` or what `schema` accepts. */
export function nullable<T>(schema: Schema<T>): Schema<T | null> {
  return {
    check(value, path, report) {
      if (value !== null) schema.check(value, path, report);
    },
  };
}

/** A schema of a key that may be missing. */
export type Optional<T> = Schema<T> & { readonly optional: true };

/** The schema of an object with the fields `F`. */
export type ObjectSchema<F extends Shape> = Schema<ObjectOf<F>>;

/** The schema of an object with the fields `F` and further columns typed `Rest`. */
export type OpenObjectSchema<F extends Shape, Rest = JsonValue | undefined> = Schema<
  ObjectOf<F> & { [column: string]: Rest }
>;

/** A key that may be missing (older servers do not send it). */
export function optional<T>(schema: Schema<T>): Optional<T> {
  return { optional: true, check: schema.check };
}

/** One of a closed set of strings: anything else is a problem. */
export function oneOf<const V extends readonly string[]>(values: V): Schema<V[number]> {
  return {
    check(value, path, report) {
      if (typeof value !== "string" || !values.includes(value)) {
        const got = typeof value === "string" ? JSON.stringify(value) : kindOf(value);
        const list = values.map((v) => JSON.stringify(v)).join(", ");
        report.problems.push(`${path}: expected one of ${list}, got ${got}`);
      }
    },
  };
}

/**
 * One of the `values` known today, or any other string: an unknown one is recorded in
 * `report.unknown` as a `kind`, not as a problem.
 */
export function known<const V extends readonly string[]>(
  values: V,
  kind: string,
): Schema<V[number] | Other> {
  const set = new Set<string>(values);
  return {
    check(value, path, report) {
      if (typeof value !== "string") {
        report.problems.push(`${path}: expected string, got ${kindOf(value)}`);
      } else if (!set.has(value)) {
        report.unknown.push({ path, kind, value });
      }
    },
  };
}

/** An array whose items `item` accepts. */
export function array<T>(item: Schema<T>): Schema<T[]> {
  return {
    check(value, path, report) {
      if (!Array.isArray(value)) {
        report.problems.push(`${path}: expected array, got ${kindOf(value)}`);
        return;
      }
      value.forEach((entry, index) => item.check(entry, `${path}[${index}]`, report));
    },
  };
}

/** An object used as a map: any keys, every value accepted by `item`. */
export function record<T>(item: Schema<T>): Schema<Record<string, T>> {
  return {
    check(value, path, report) {
      if (kindOf(value) !== "object") {
        report.problems.push(`${path}: expected object, got ${kindOf(value)}`);
        return;
      }
      for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
        item.check(entry, `${path}${keyPath(key)}`, report);
      }
    },
  };
}

/**
 * An object with these keys (missing required keys are problems; keys not listed are accepted,
 * since GraceDB adds fields over time, and are not typed).
 */
export function object<const F extends Shape>(fields: F): ObjectSchema<F> {
  // Paths are built only for a value that needs one (a problem, or a nested check).
  const keys = Object.entries(fields).map(([key, field]) => ({ key, field, at: keyPath(key) }));
  return {
    check(value, path, report) {
      if (kindOf(value) !== "object") {
        report.problems.push(`${path}: expected object, got ${kindOf(value)}`);
        return;
      }
      const entries = value as Record<string, unknown>;
      for (const { key, field, at } of keys) {
        if (!(key in entries)) {
          if (!field.optional) report.problems.push(`${path}${at}: missing`);
        } else if (!(field.optional && entries[key] === undefined)) {
          field.check(entries[key], `${path}${at}`, report);
        }
      }
    },
  };
}

/**
 * An object with these keys whose further keys are typed as `Rest` (pipeline tables with dozens
 * of LIGO_LW columns, of which the common ones are named).
 */
export function openObject<const F extends Shape, Rest = JsonValue | undefined>(
  fields: F,
  _rest?: Schema<Rest>,
): OpenObjectSchema<F, Rest> {
  return object(fields) as OpenObjectSchema<F, Rest>;
}

/** What either schema accepts, judged by the value's kind (object or array). */
export function eitherKind<A, B>(
  forObject: Schema<A>,
  forArray: Schema<B>,
): Schema<A | B> {
  return {
    check(value, path, report) {
      (Array.isArray(value) ? forArray : forObject).check(value, path, report);
    },
  };
}

// Field schemas used across the GraceDB shapes, typed so that the shapes built from them have
// explicit types (what JSR's fast type check asks of a published module).

/** A number or null. */
export const maybeNumber: Schema<number | null> = nullable(number);
/** A string or null. */
export const maybeString: Schema<string | null> = nullable(string);
/** A list of numbers. */
export const numbers: Schema<number[]> = array(number);
/** A list of strings. */
export const strings: Schema<string[]> = array(string);
/** An optional string. */
export const optionalString: Optional<string> = optional(string);
/** An optional boolean. */
export const optionalBoolean: Optional<boolean> = optional(boolean);
/** An optional number or null. */
export const optionalMaybeNumber: Optional<number | null> = optional(maybeNumber);
/** An optional string or null. */
export const optionalMaybeString: Optional<string | null> = optional(maybeString);
/** An optional boolean or null. */
export const optionalMaybeBoolean: Optional<boolean | null> = optional(nullable(boolean));
/** An optional list of numbers. */
export const optionalNumbers: Optional<number[]> = optional(numbers);
/** An optional list of strings. */
export const optionalStrings: Optional<string[]> = optional(strings);
/** An optional JSON value. */
export const optionalJson: Optional<JsonValue> = optional(json);
