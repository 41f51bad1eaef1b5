/**
 * The filter expression language: a small language over a GraceDB alert's payload fields, parsed
 * up front into a tree; nothing is evaluated as code.
 *
 * Grammar (case-sensitive keywords `and`, `or`, `not`, `has`, `in`):
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

import { alertFacts, field, globMatcher, SIGNIFICANT_FAR_HZ } from "./_alert_facts.ts";

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
