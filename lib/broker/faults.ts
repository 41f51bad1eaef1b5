/**
 * Fault injection for tests: {@linkcode BrokerFaults} (reached as `broker.faults`) lets a test
 * drop, delay, hold, fail or cut off chosen requests, and wait for a request of a given API to
 * arrive instead of sleeping.
 *
 * @module
 */

import { ApiKey } from "../protocol/api.ts";
import { type BrokerClock, systemClock } from "./clock.ts";
import { ERROR_ANSWERS } from "./_fault_errors.ts";

/**
 * What an injected fault does to a matching request.
 *
 * - `"drop"`: the request is discarded unanswered; the connection stays open and later requests
 *   on it are served (the client's request times out).
 * - `"close"`: the connection is closed without an answer.
 * - `"error"`: the request is answered with `errorCode` in every error field of its API and not
 *   otherwise handled.
 * - `"delay"`: the request is handled `delayMs` later (on the broker's clock); the connection's
 *   later requests queue behind it, as they do behind a slow request.
 * - `"hold"`: like `"delay"`, but until {@linkcode FaultHandle.release} is called.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BrokerFaults, type FaultAction } from "./faults.ts";
 * const faults = new BrokerFaults({ closing: new AbortController().signal });
 * const action: FaultAction = "close";
 * faults.inject({ apiKey: 3, action });
 * const request = {
 *   apiKey: 3, apiName: "Metadata", version: 1, correlationId: 0, clientId: null,
 *   remote: "test", body: new Uint8Array(),
 * };
 * assert.equal((await faults.apply(request)).kind, "close");
 * ```
 */
export type FaultAction = "drop" | "close" | "error" | "delay" | "hold";

/**
 * A request as fault rules and waiters see it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BrokerFaults, type FaultRequest } from "./faults.ts";
 * const faults = new BrokerFaults({ closing: new AbortController().signal });
 * const next = faults.nextRequest();
 * const seen: FaultRequest = {
 *   apiKey: 3, apiName: "Metadata", version: 8, correlationId: 1, clientId: "c",
 *   remote: "127.0.0.1:50000", body: new Uint8Array(),
 * };
 * await faults.apply(seen);
 * assert.equal(await next, seen);
 * ```
 */
export interface FaultRequest {
  /** The request's API key (see `ApiKey` in lib/protocol/api.ts: Produce 0, Fetch 1, ...). */
  readonly apiKey: number;
  /** The API's name as in the ApiVersions table ("Produce", "JoinGroup", ...). */
  readonly apiName: string;
  /** The request's API version. */
  readonly version: number;
  /** The request header's correlation id. */
  readonly correlationId: number;
  /** The request header's client id. */
  readonly clientId: string | null;
  /** `HOST:PORT` of the client. */
  readonly remote: string;
  /** The request body after the header, to decode with lib/protocol when a rule must look inside. */
  readonly body: Uint8Array;
}

/**
 * Which requests a rule or a waiter is about: an API key, a predicate, or both (both must hold).
 * An empty filter matches every request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BrokerFaults, type RequestFilter } from "./faults.ts";
 * const heartbeatsOfC: RequestFilter = { apiKey: 12, match: (r) => r.clientId === "c" };
 * const faults = new BrokerFaults({ closing: new AbortController().signal });
 * const rule = faults.inject({ ...heartbeatsOfC, action: "drop" });
 * const heartbeat = {
 *   apiKey: 12, apiName: "Heartbeat", version: 0, correlationId: 0, clientId: "d",
 *   remote: "test", body: new Uint8Array(),
 * };
 * assert.equal((await faults.apply(heartbeat)).kind, "serve"); // client d: not matched
 * assert.equal((await faults.apply({ ...heartbeat, clientId: "c" })).kind, "drop");
 * assert.equal(rule.hits, 1);
 * ```
 */
export interface RequestFilter {
  /** Only requests of this API key. */
  apiKey?: number;
  /** Only requests for which this returns true. */
  match?: (request: FaultRequest) => boolean;
}

/**
 * A fault to inject with {@linkcode BrokerFaults.inject}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BrokerFaults, type FaultRule } from "./faults.ts";
 * // OffsetCommit (8) answers REBALANCE_IN_PROGRESS (27) twice.
 * const rule: FaultRule = { apiKey: 8, action: "error", errorCode: 27, count: 2 };
 * const faults = new BrokerFaults({ closing: new AbortController().signal });
 * faults.inject(rule);
 * const commit = {
 *   apiKey: 8, apiName: "OffsetCommit", version: 2, correlationId: 0, clientId: null,
 *   remote: "test", body: new Uint8Array(),
 * };
 * const kinds = [];
 * for (let i = 0; i < 3; i++) kinds.push((await faults.apply(commit)).kind);
 * assert.deepEqual(kinds, ["error", "error", "serve"]);
 * ```
 */
export interface FaultRule extends RequestFilter {
  /** What happens to a matching request. */
  action: FaultAction;
  /**
   * How many matching requests the rule applies to before it retires (default 1;
   * `Infinity` until released).
   */
  count?: number;
  /** The Kafka error code answered by `"error"` (required there). */
  errorCode?: number;
  /** How long `"delay"` holds each request, in ms of the broker's clock (required there). */
  delayMs?: number;
}

/**
 * An injected fault: how often it applied, when it first applied, and how to end it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BrokerFaults, type FaultHandle } from "./faults.ts";
 * const faults = new BrokerFaults({ closing: new AbortController().signal });
 * const handle: FaultHandle = faults.inject({ action: "drop", count: Infinity });
 * assert.equal(handle.hits, 0);
 * handle.release();
 * await handle.done;
 * assert.equal(faults.active, 0);
 * ```
 */
export interface FaultHandle {
  /** How many requests the rule applied to so far. */
  readonly hits: number;
  /** Resolves with the first request the rule applied to. */
  readonly reached: Promise<FaultRequest>;
  /** Resolves once the rule is spent (its last request answered, dropped or let through) or released. */
  readonly done: Promise<void>;
  /**
   * Retires the rule: it applies to no further request, and requests it holds or delays are
   * handled now. Safe to call more than once.
   */
  release(): void;
}

/**
 * What the connection does with a request after {@linkcode BrokerFaults.apply} looked at it:
 * serve it, drop it, close the connection, or answer with an error code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BrokerFaults, type FaultOutcome } from "./faults.ts";
 * const faults = new BrokerFaults({ closing: new AbortController().signal });
 * const outcome: FaultOutcome = await faults.apply({
 *   apiKey: 18, apiName: "ApiVersions", version: 0, correlationId: 0, clientId: null,
 *   remote: "test", body: new Uint8Array(),
 * });
 * assert.deepEqual(outcome, { kind: "serve" });
 * ```
 */
export type FaultOutcome =
  | { kind: "serve" }
  | { kind: "drop" }
  | { kind: "close"; reason: string }
  | { kind: "error"; errorCode: number };

interface ActiveRule {
  readonly rule: FaultRule;
  readonly limit: number;
  hits: number;
  retired: boolean;
  readonly waiting: Set<() => void>;
  resolveReached(request: FaultRequest): void;
  resolveDone(): void;
}

interface Waiter {
  readonly filter: RequestFilter;
  resolve(request: FaultRequest): void;
  reject(error: Error): void;
}

const API_NAMES = new Map<number, string>(
  Object.entries(ApiKey).map(([name, key]) => [key, name]),
);

function matches(filter: RequestFilter, request: FaultRequest): boolean {
  if (filter.apiKey !== undefined && filter.apiKey !== request.apiKey) return false;
  return filter.match === undefined || filter.match(request);
}

/**
 * The fault hooks of one broker (`broker.faults`). Rules apply in the order they were injected;
 * the first one that matches a request decides what happens to it. Rules see every request after
 * its header was read and its version checked, before SASL and ACL checks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "./broker.ts";
 *
 * await using broker = await startBroker({ port: 0, logger: () => {} });
 * // FindCoordinator (api key 10) answers COORDINATOR_NOT_AVAILABLE (15) once.
 * const fault = broker.faults.inject({ apiKey: 10, action: "error", errorCode: 15 });
 * using conn = await Deno.connect({ hostname: "127.0.0.1", port: broker.port });
 * // FindCoordinator v0, correlation id 7, no client id, group "g".
 * await conn.write(new Uint8Array([0, 0, 0, 13, 0, 10, 0, 0, 0, 0, 0, 7, 255, 255, 0, 1, 103]));
 * const answer = new Uint8Array(64);
 * let got = 0;
 * while (got < 4 + 4 + 2) got += (await conn.read(answer.subarray(got)))!;
 * const view = new DataView(answer.buffer);
 * assert.equal(view.getInt32(4), 7); // correlation id
 * assert.equal(view.getInt16(8), 15); // the injected error code
 * assert.equal(fault.hits, 1);
 * assert.equal((await fault.reached).apiName, "FindCoordinator");
 * ```
 */
export class BrokerFaults {
  readonly #rules: ActiveRule[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #clock: BrokerClock;
  readonly #closing: AbortSignal;

  /**
   * Created by `startBroker()`; tests reach it as `broker.faults`.
   *
   * @param options the broker's clock, and a signal aborted when the broker closes (held and
   *   delayed requests are then dropped)
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BrokerFaults } from "./faults.ts";
   * const faults = new BrokerFaults({ closing: new AbortController().signal });
   * assert.equal(faults.active, 0);
   * ```
   */
  constructor(options: { clock?: BrokerClock; closing: AbortSignal }) {
    this.#clock = options.clock ?? systemClock;
    this.#closing = options.closing;
    this.#closing.addEventListener("abort", () => {
      for (const waiter of this.#waiters) {
        waiter.reject(new Error("the broker closed before a matching request arrived"));
      }
      this.#waiters.clear();
    }, { once: true });
  }

  /**
   * Adds a rule.
   *
   * @param rule which requests and what to do with them
   * @returns a handle counting the rule's hits, with `release()`
   * @throws {TypeError} for an `"error"` rule without `errorCode` or on an API it cannot answer,
   *   a `"delay"` rule without `delayMs`, or a count below 1
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "./broker.ts";
   *
   * await using broker = await startBroker({ port: 0, logger: () => {} });
   * const hold = broker.faults.inject({ apiKey: 18, action: "hold" }); // ApiVersions
   * using conn = await Deno.connect({ hostname: "127.0.0.1", port: broker.port });
   * // ApiVersions v0, correlation id 1, no client id.
   * await conn.write(new Uint8Array([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 255, 255]));
   * const request = await hold.reached; // it arrived and is held
   * assert.equal(request.correlationId, 1);
   * hold.release();
   * const answer = new Uint8Array(1024);
   * assert.ok((await conn.read(answer))! > 0); // answered once released
   * ```
   */
  inject(rule: FaultRule): FaultHandle {
    const limit = rule.count ?? 1;
    if (!(limit >= 1)) throw new TypeError(`fault count must be at least 1, got ${rule.count}`);
    if (rule.action === "error") {
      if (rule.errorCode === undefined) throw new TypeError(`an "error" fault needs an errorCode`);
      if (rule.apiKey === undefined || !ERROR_ANSWERS.has(rule.apiKey)) {
        const names = [...ERROR_ANSWERS.keys()].map((k) => API_NAMES.get(k)).join(", ");
        throw new TypeError(
          `an "error" fault needs an apiKey of an API it can answer (${names}), got ${rule.apiKey}`,
        );
      }
    }
    if (rule.action === "delay" && !(rule.delayMs! >= 0)) {
      throw new TypeError(`a "delay" fault needs delayMs >= 0, got ${rule.delayMs}`);
    }
    let resolveReached!: (request: FaultRequest) => void;
    let resolveDone!: () => void;
    const reached = new Promise<FaultRequest>((resolve) => resolveReached = resolve);
    const done = new Promise<void>((resolve) => resolveDone = resolve);
    const active: ActiveRule = {
      rule,
      limit,
      hits: 0,
      retired: false,
      waiting: new Set(),
      resolveReached,
      resolveDone,
    };
    this.#rules.push(active);
    const retire = () => this.#retire(active);
    return {
      get hits() {
        return active.hits;
      },
      reached,
      done,
      release: retire,
    };
  }

  /**
   * Resolves with the next request that matches `filter` (every request when omitted), as soon
   * as its header was read: the way to wait for "a JoinGroup arrived" without sleeping. Rejects
   * when the broker closes first.
   *
   * @param filter which request to wait for
   * @returns the request
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { startBroker } from "./broker.ts";
   *
   * await using broker = await startBroker({ port: 0, logger: () => {} });
   * const arrived = broker.faults.nextRequest({ apiKey: 18 }); // ApiVersions
   * using conn = await Deno.connect({ hostname: "127.0.0.1", port: broker.port });
   * await conn.write(new Uint8Array([0, 0, 0, 10, 0, 18, 0, 2, 0, 0, 0, 1, 255, 255]));
   * assert.equal((await arrived).version, 2);
   * assert.ok((await conn.read(new Uint8Array(1024)))! > 0);
   * ```
   */
  nextRequest(filter: RequestFilter = {}): Promise<FaultRequest> {
    if (this.#closing.aborted) {
      return Promise.reject(new Error("the broker is closed; no request will arrive"));
    }
    return new Promise((resolve, reject) => this.#waiters.add({ filter, resolve, reject }));
  }

  /** How many rules are active (neither spent nor released). */
  get active(): number {
    return this.#rules.length;
  }

  /**
   * Releases every rule (held requests proceed).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BrokerFaults } from "./faults.ts";
   * const faults = new BrokerFaults({ closing: new AbortController().signal });
   * faults.inject({ action: "drop", count: Infinity });
   * faults.clear();
   * assert.equal(faults.active, 0);
   * ```
   */
  clear(): void {
    for (const rule of [...this.#rules]) this.#retire(rule);
  }

  /**
   * Tells waiters about a request and applies the first matching rule. Used by the connection
   * code; resolves when a delayed or held request may proceed.
   *
   * @param request the request that arrived
   * @returns what to do with it
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BrokerFaults } from "./faults.ts";
   * const faults = new BrokerFaults({ closing: new AbortController().signal });
   * faults.inject({ apiKey: 18, action: "drop" });
   * const request = {
   *   apiKey: 18, apiName: "ApiVersions", version: 0, correlationId: 0, clientId: null,
   *   remote: "test", body: new Uint8Array(),
   * };
   * assert.deepEqual(await faults.apply(request), { kind: "drop" });
   * assert.deepEqual(await faults.apply(request), { kind: "serve" });
   * ```
   */
  async apply(request: FaultRequest): Promise<FaultOutcome> {
    for (const waiter of [...this.#waiters]) {
      if (matches(waiter.filter, request)) {
        this.#waiters.delete(waiter);
        waiter.resolve(request);
      }
    }
    const active = this.#rules.find((r) => matches(r.rule, request));
    if (!active) return { kind: "serve" };
    active.hits++;
    if (active.hits === 1) active.resolveReached(request);
    const { rule } = active;
    const last = active.hits >= active.limit;
    switch (rule.action) {
      case "drop":
        if (last) this.#retire(active);
        return { kind: "drop" };
      case "close":
        if (last) this.#retire(active);
        return { kind: "close", reason: `${request.apiName} request closed by an injected fault` };
      case "error":
        if (last) this.#retire(active);
        return { kind: "error", errorCode: rule.errorCode! };
      case "delay":
      case "hold": {
        if (last) this.#retireFromMatching(active);
        const proceeded = await this.#wait(active, rule.action === "delay" ? rule.delayMs! : null);
        if (last) this.#retire(active);
        return proceeded ? { kind: "serve" } : { kind: "drop" };
      }
    }
  }

  /** Waits for the delay, a release, or the broker closing (false). */
  #wait(active: ActiveRule, delayMs: number | null): Promise<boolean> {
    if (this.#closing.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = delayMs === null
        ? undefined
        : this.#clock.setTimeout(() => finish(true), delayMs);
      const onClose = () => finish(false);
      const finish = (proceed: boolean) => {
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        this.#closing.removeEventListener("abort", onClose);
        active.waiting.delete(release);
        resolve(proceed);
      };
      const release = () => finish(true);
      active.waiting.add(release);
      this.#closing.addEventListener("abort", onClose, { once: true });
    });
  }

  /** Stops a spent rule from matching while its last request still waits. */
  #retireFromMatching(active: ActiveRule): void {
    const index = this.#rules.indexOf(active);
    if (index >= 0) this.#rules.splice(index, 1);
  }

  #retire(active: ActiveRule): void {
    this.#retireFromMatching(active);
    for (const release of [...active.waiting]) release();
    if (!active.retired) {
      active.retired = true;
      active.resolveDone();
    }
  }
}
