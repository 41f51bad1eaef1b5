/**
 * Filters on GraceDB alerts: named criteria (alert type, id pattern, labels, FAR, significance,
 * pipeline, search, analysis group) and a small expression language over the payload fields for
 * the rest. Everything is parsed up front into a predicate; nothing is evaluated as code.
 *
 * Expression grammar (case-sensitive keywords `and`, `or`, `not`, `has`, `in`):
 *
 * ```text
 * expr       := or
 * or         := and ("or" and)*
 * and        := unary ("and" unary)*
 * unary      := "not" unary | "(" expr ")" | comparison
 * comparison := value [ ("==" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "has" | "in") value ]
 * value      := path | number | "text" | 'text' | true | false | null | "[" value, ... "]"
 * path       := name ("." name | "[" integer "]")*
 * ```
 *
 * A path starting with `uid`, `alert_type`, `data` or `object` reads the alert; the names
 * `topic`, `far`, `pipeline`, `search`, `group`, `labels`, `significant` and `superevent` read the
 * same values as the named criteria. `~` matches text against a pattern with `*` and `?`; `has`
 * asks whether a list holds a value; `in` whether a value is in a list. A path that leads nowhere
 * is missing: every comparison with it is false but `!=`, and alone it is false.
 *
 * @module
 */

import type { GraceDbAlert } from "./types.ts";

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

/**
 * A filter expression or option that cannot be used; `position` is the 1-based character at
 * which the expression went wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AlertFilterError, parseFilterExpression } from "@igwn/alert";
 * assert.throws(() => parseFilterExpression("far < "), (error: unknown) => {
 *   assert.ok(error instanceof AlertFilterError);
 *   assert.equal(error.position, 7);
 *   assert.equal(error.message, "filter 'far < ' at position 7: expected a value, got the end");
 *   return true;
 * });
 * ```
 */
export class AlertFilterError extends Error {
  /** The expression, when an expression is at fault. */
  readonly expression?: string;
  /** 1-based character position in `expression`. */
  readonly position?: number;

  /**
   * Creates the error.
   *
   * @param message the whole message.
   * @param expression the expression at fault.
   * @param position 1-based position in it.
   */
  constructor(message: string, expression?: string, position?: number) {
    super(message);
    this.name = "AlertFilterError";
    if (expression !== undefined) this.expression = expression;
    if (position !== undefined) this.position = position;
  }
}

/** A value an expression works on: JSON, or missing. */
type Value = unknown;

/**
 * A parsed filter expression: a tree evaluated against an alert.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type FilterExpression, parseFilterExpression } from "@igwn/alert";
 * const expression: FilterExpression = parseFilterExpression("labels has 'ADVOK'");
 * assert.equal(expression.source, "labels has 'ADVOK'");
 * ```
 */
export interface FilterExpression {
  /** The text it was parsed from. */
  readonly source: string;
  /** Whether `alert` (a decoded payload) satisfies it; `topic` is the unprefixed topic. */
  test(alert: unknown, topic?: string): boolean;
}

type Node =
  | { kind: "and" | "or"; left: Node; right: Node }
  | { kind: "not"; operand: Node }
  | { kind: "compare"; op: Operator; left: Operand; right: Operand }
  | { kind: "truthy"; operand: Operand };

type Operand =
  | { kind: "literal"; value: Value }
  | { kind: "path"; steps: (string | number)[] }
  | { kind: "list"; items: Operand[] };

type Operator = "==" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "has" | "in";

interface Token {
  kind: "name" | "number" | "string" | "op" | "punct" | "end";
  text: string;
  value?: Value;
  /** 0-based offset. */
  at: number;
}

const ALERT_ROOTS = new Set(["uid", "alert_type", "data", "object"]);
const DERIVED = new Set([
  "topic",
  "far",
  "pipeline",
  "search",
  "group",
  "labels",
  "significant",
  "superevent",
]);
const OPERATORS: readonly string[] = ["==", "!=", "<=", ">=", "<", ">", "~"];
const KEYWORDS = new Set(["and", "or", "not", "has", "in", "true", "false", "null"]);

/**
 * Parses one filter expression.
 *
 * @param source the expression, e.g. `far < 1e-10 and pipeline in ['gstlal', 'pycbc']`.
 * @returns the parsed expression.
 * @throws {AlertFilterError} naming the 1-based position where the text went wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFilterExpression } from "@igwn/alert";
 * const skymap = parseFilterExpression("alert_type == 'log' and data.filename ~ '*.fits'");
 * const alert = { uid: "S1", alert_type: "log", data: { filename: "bayestar.multiorder.fits" } };
 * assert.equal(skymap.test(alert), true);
 * assert.equal(skymap.test({ ...alert, data: { filename: "p_astro.json" } }), false);
 * assert.throws(() => parseFilterExpression("far <> 1"), /position 6: expected a value/);
 * ```
 */
export function parseFilterExpression(source: string): FilterExpression {
  if (typeof source !== "string") {
    throw new AlertFilterError(`a filter expression must be text, not ${typeof source}`);
  }
  const tokens = tokenize(source);
  let index = 0;
  const fail = (token: Token, message: string): never => {
    throw new AlertFilterError(
      `filter '${source}' at position ${token.at + 1}: ${message}`,
      source,
      token.at + 1,
    );
  };
  const describe = (token: Token) => token.kind === "end" ? "the end" : `'${token.text}'`;
  const peek = () => tokens[index];
  const isWord = (token: Token, word: string) => token.kind === "name" && token.text === word;
  const next = () => tokens[index++];

  const parseOr = (): Node => {
    let left = parseAnd();
    while (isWord(peek(), "or")) {
      next();
      left = { kind: "or", left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Node => {
    let left = parseUnary();
    while (isWord(peek(), "and")) {
      next();
      left = { kind: "and", left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): Node => {
    const token = peek();
    if (isWord(token, "not")) {
      next();
      return { kind: "not", operand: parseUnary() };
    }
    if (token.kind === "punct" && token.text === "(") {
      next();
      const inner = parseOr();
      const close = next();
      if (close.kind !== "punct" || close.text !== ")") {
        fail(
          close,
          `expected ')' to close the '(' at position ${token.at + 1}, got ${describe(close)}`,
        );
      }
      return inner;
    }
    const left = parseValue();
    const op = peek();
    const isOperator = op.kind === "op" || isWord(op, "has") || isWord(op, "in");
    if (!isOperator) return { kind: "truthy", operand: left };
    next();
    const right = parseValue();
    if (op.text === "~" && !(right.kind === "literal" && typeof right.value === "string")) {
      fail(op, "'~' needs a quoted pattern on its right");
    }
    if (op.text === "in" && right.kind !== "list" && right.kind !== "path") {
      fail(op, "'in' needs a list such as ['a', 'b'] on its right");
    }
    return { kind: "compare", op: op.text as Operator, left, right };
  };
  const parseValue = (): Operand => {
    const token = next();
    switch (token.kind) {
      case "number":
      case "string":
        return { kind: "literal", value: token.value };
      case "punct":
        if (token.text === "[") {
          const items: Operand[] = [];
          if (peek().kind === "punct" && peek().text === "]") {
            next();
            return { kind: "list", items };
          }
          for (;;) {
            items.push(parseValue());
            const separator = next();
            if (separator.kind === "punct" && separator.text === "]") break;
            if (separator.kind !== "punct" || separator.text !== ",") {
              fail(separator, `expected ',' or ']' in the list, got ${describe(separator)}`);
            }
          }
          return { kind: "list", items };
        }
        break;
      case "name": {
        if (token.text === "true") return { kind: "literal", value: true };
        if (token.text === "false") return { kind: "literal", value: false };
        if (token.text === "null") return { kind: "literal", value: null };
        if (KEYWORDS.has(token.text)) break;
        return parsePath(token);
      }
    }
    return fail(token, `expected a value, got ${describe(token)}`);
  };
  const parsePath = (first: Token): Operand => {
    if (!ALERT_ROOTS.has(first.text) && !DERIVED.has(first.text)) {
      fail(
        first,
        `unknown field '${first.text}' (fields start with ${
          [...ALERT_ROOTS, ...DERIVED].join(", ")
        }; quote text values)`,
      );
    }
    const steps: (string | number)[] = [first.text];
    for (;;) {
      const token = peek();
      if (token.kind === "punct" && token.text === "." && token.at === lastEnd()) {
        next();
        const name = next();
        if (name.kind !== "name") {
          fail(name, `expected a field name after '.', got ${describe(name)}`);
        }
        steps.push(name.text);
      } else if (token.kind === "punct" && token.text === "[" && token.at === lastEnd()) {
        next();
        const position = next();
        if (position.kind !== "number" || !Number.isInteger(position.value)) {
          fail(position, `expected a list index after '[', got ${describe(position)}`);
        }
        const close = next();
        if (close.kind !== "punct" || close.text !== "]") {
          fail(close, `expected ']' after the index, got ${describe(close)}`);
        }
        steps.push(position.value as number);
      } else {
        return { kind: "path", steps };
      }
    }
  };
  const lastEnd = () => {
    const previous = tokens[index - 1];
    return previous.at + previous.text.length;
  };

  if (peek().kind === "end") fail(peek(), "the filter is empty");
  const root = parseOr();
  const rest = peek();
  if (rest.kind !== "end") fail(rest, `expected 'and', 'or' or the end, got ${describe(rest)}`);
  return {
    source,
    test: (alert, topic) => evaluate(root, { alert, topic }),
  };
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  const fail = (position: number, message: string): never => {
    throw new AlertFilterError(
      `filter '${source}' at position ${position + 1}: ${message}`,
      source,
      position + 1,
    );
  };
  while (at < source.length) {
    const char = source[at];
    if (/\s/.test(char)) {
      at++;
      continue;
    }
    const start = at;
    if (char === '"' || char === "'") {
      let text = "";
      at++;
      while (at < source.length && source[at] !== char) {
        if (source[at] === "\\" && at + 1 < source.length) at++;
        text += source[at++];
      }
      if (at >= source.length) fail(start, `text opened with ${char} is not closed`);
      at++;
      tokens.push({ kind: "string", text: source.slice(start, at), value: text, at: start });
      continue;
    }
    const number = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(at));
    if (number && (char !== "-" || /[\d.]/.test(source[at + 1] ?? ""))) {
      at += number[0].length;
      if (/[A-Za-z_]/.test(source[at] ?? "")) {
        fail(start, `'${number[0]}${source[at]}' is not a number`);
      }
      tokens.push({ kind: "number", text: number[0], value: Number(number[0]), at: start });
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(at));
    if (name) {
      at += name[0].length;
      tokens.push({ kind: "name", text: name[0], at: start });
      continue;
    }
    const op = OPERATORS.find((candidate) => source.startsWith(candidate, at));
    if (op) {
      at += op.length;
      tokens.push({ kind: "op", text: op, at: start });
      continue;
    }
    if ("()[].,".includes(char)) {
      at++;
      tokens.push({ kind: "punct", text: char, at: start });
      continue;
    }
    if (char === "=") fail(start, "use '==' to compare");
    fail(start, `unexpected character '${char}'`);
  }
  tokens.push({ kind: "end", text: "", at: source.length });
  return tokens;
}

interface Scope {
  alert: unknown;
  topic?: string;
}

function evaluate(node: Node, scope: Scope): boolean {
  switch (node.kind) {
    case "and":
      return evaluate(node.left, scope) && evaluate(node.right, scope);
    case "or":
      return evaluate(node.left, scope) || evaluate(node.right, scope);
    case "not":
      return !evaluate(node.operand, scope);
    case "truthy": {
      const value = resolve(node.operand, scope);
      return value !== undefined && value !== null && value !== false;
    }
    case "compare":
      return compare(node.op, resolve(node.left, scope), resolve(node.right, scope));
  }
}

function resolve(operand: Operand, scope: Scope): Value {
  switch (operand.kind) {
    case "literal":
      return operand.value;
    case "list":
      return operand.items.map((item) => resolve(item, scope));
    case "path": {
      const [root, ...rest] = operand.steps as [string, ...(string | number)[]];
      let value: Value = ALERT_ROOTS.has(root) ? field(scope.alert, root) : derived(root, scope);
      for (const step of rest) value = field(value, step);
      return value;
    }
  }
}

function field(value: Value, step: string | number): Value {
  if (typeof step === "number") return Array.isArray(value) ? value.at(step) : undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, step) ? (value as Record<string, Value>)[step] : undefined;
}

function derived(name: string, scope: Scope): Value {
  const facts = alertFacts(scope.alert);
  switch (name) {
    case "topic":
      return scope.topic;
    case "far":
      return facts.far;
    case "pipeline":
      return facts.pipeline;
    case "search":
      return facts.search;
    case "group":
      return facts.group;
    case "labels":
      return facts.labels;
    case "significant":
      return typeof facts.far === "number" && facts.far < SIGNIFICANT_FAR_HZ;
    case "superevent":
      return facts.superevent;
  }
  return undefined;
}

function compare(op: Operator, left: Value, right: Value): boolean {
  switch (op) {
    case "==":
      return left !== undefined && equal(left, right);
    case "!=":
      return left === undefined || !equal(left, right);
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const comparable = (typeof left === "number" && typeof right === "number") ||
        (typeof left === "string" && typeof right === "string");
      if (!comparable) return false;
      const a = left as number | string;
      const b = right as number | string;
      return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
    }
    case "~":
      return typeof left === "string" && globMatcher(right as string)(left);
    case "has":
      return Array.isArray(left) && left.some((item) => equal(item, right));
    case "in":
      return Array.isArray(right) && right.some((item) => equal(left, item));
  }
}

function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => equal(item, b[i]));
  }
  return false;
}

const globCache = new Map<string, (text: string) => boolean>();

/** A matcher for a pattern where `*` is any run of characters and `?` one character. */
function globMatcher(pattern: string): (text: string) => boolean {
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
interface AlertFacts {
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
function alertFacts(alert: unknown): AlertFacts {
  const object = field(alert, "object");
  const isSuperevent = typeof field(object, "superevent_id") === "string";
  const event = isSuperevent ? field(object, "preferred_event_data") : object;
  const text = (value: Value) => typeof value === "string" ? value : undefined;
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
