/**
 * Keeps kafkajs 2.2.4 from waking up hundreds of times a second on an idle connection.
 *
 * Each kafkajs connection has a request queue with two timers:
 *
 * - `scheduleCheckPendingRequests` arms a timeout even when no request waits to be sent; its
 *   delay is then `throttledUntil - now`, a negative number, so the timer fires after about a
 *   millisecond, checks the empty queue and arms the next one, for as long as the connection is
 *   open (kafkajs issues #1556, #1604 and #1704; kafkajs has had no release since). Here the
 *   timer is armed only while requests wait: for the end of a broker-requested throttle, or else
 *   after kafkajs' own 10 ms re-check interval. A request starts waiting only in `push()`, which
 *   schedules the check after enqueueing it, and a queue that is merely full (too many requests
 *   in flight) is re-checked whenever a response arrives, as before.
 * - `scheduleRequestTimeoutCheck` looks for requests past their time budget every 100 ms, ten
 *   wake-ups a second per connection. Here it looks every tenth of the budget, at most every
 *   second and never more often than kafkajs did: a request times out at most 1 s after its
 *   (30 s by default) budget instead of 0.1 s.
 *
 * At start-up the fix checks that the request queue is the one it was written for; when it is
 * not, or when the environment variable `IGWN_ALERT_KAFKAJS_IDLE_FIX` is `0`, kafkajs is left as
 * it is and the first logger given to {@linkcode installIdleTimerFix} gets one debug line.
 *
 * @module
 */

/** Environment variable that turns the fix off when set to `0` (to measure kafkajs as it is). */
export const IDLE_FIX_ENV = "IGWN_ALERT_KAFKAJS_IDLE_FIX";

/** kafkajs' re-check interval for requests waiting without a throttle, in ms. */
const RECHECK_PENDING_MS = 10;
/** Longest interval between two looks for requests past their time budget, in ms. */
const MAX_TIMEOUT_CHECK_MS = 1_000;

/** A request sent and not yet answered, as the request queue keeps it. */
interface InflightRequest {
  sentAt: number;
  requestTimeout: number;
  timeoutRequest(): void;
}

/** The request-queue fields and methods the replacements rely on. */
interface RequestQueueInternals {
  pending: unknown[];
  inflight: Map<number, InflightRequest>;
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  requestTimeoutIntervalId: unknown;
  requestTimeout: number;
  enforceRequestTimeout: boolean;
  isConnected(): boolean;
  checkPendingRequests(): void;
  destroy(): void;
}

/** Whether the fix is in force, and if not, why. */
export interface IdleTimerFixStatus {
  /** `installed`, `disabled` (by the environment variable) or `unsupported` (self-check). */
  state: "installed" | "disabled" | "unsupported";
  /** One line saying what was done. */
  message: string;
}

// The replacements use the global (Node-compatible) timers, as kafkajs does: its destroy() clears
// them.
function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.pending.length === 0 || this.throttleCheckTimeoutId) return;
  const throttledFor = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, throttledFor > 0 ? throttledFor : RECHECK_PENDING_MS);
}

function scheduleRequestTimeoutCheck(this: RequestQueueInternals): void {
  if (!this.enforceRequestTimeout) return;
  this.destroy();
  const budget = this.requestTimeout;
  const period = Math.max(Math.min(budget, 100), Math.min(budget / 10, MAX_TIMEOUT_CHECK_MS));
  this.requestTimeoutIntervalId = setInterval(() => {
    this.inflight.forEach((request) => {
      if (Date.now() - request.sentAt > request.requestTimeout) request.timeoutRequest();
    });
    if (!this.isConnected()) this.destroy();
  }, period);
}

function disabledByEnvironment(): boolean {
  try {
    const env = Deno.permissions.querySync({ name: "env", variable: IDLE_FIX_ENV });
    return env.state === "granted" && Deno.env.get(IDLE_FIX_ENV) === "0";
  } catch {
    return false;
  }
}

/** The words each replaced method of kafkajs 2.2.4 uses, as a check that it does what we think. */
const EXPECTED_SOURCE: Record<string, string[]> = {
  scheduleCheckPendingRequests: ["throttleCheckTimeoutId", "throttledUntil", "pending"],
  scheduleRequestTimeoutCheck: [
    "enforceRequestTimeout",
    "requestTimeoutIntervalId",
    "inflight",
    "sentAt",
    "timeoutRequest",
    "isConnected",
  ],
};

/**
 * The start-up self-check: what about a request queue class does not fit the fix.
 *
 * @param RequestQueue the class kafkajs' `src/network/requestQueue/index.js` exports
 * @returns what does not fit, or undefined when the fix can be installed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestQueueMismatch } from "./_idle_timer_fix.ts";
 * assert.equal(requestQueueMismatch(class {}), "it has no method checkPendingRequests");
 * const { default: RequestQueue } = await import("kafkajs/src/network/requestQueue/index.js");
 * assert.equal(requestQueueMismatch(RequestQueue), undefined);
 * ```
 */
export function requestQueueMismatch(RequestQueue: unknown): string | undefined {
  if (typeof RequestQueue !== "function") return "the module exports no class";
  const proto = RequestQueue.prototype as Record<string, unknown>;
  for (const name of ["checkPendingRequests", "destroy", ...Object.keys(EXPECTED_SOURCE)]) {
    if (typeof proto[name] !== "function") return `it has no method ${name}`;
  }
  for (const [name, words] of Object.entries(EXPECTED_SOURCE)) {
    const source = String(proto[name]);
    const missing = words.find((word) => !source.includes(word));
    if (missing) return `${name} does not use ${missing}`;
  }
  const noop = () => {};
  const probe = new (RequestQueue as new (options: object) => Record<string, unknown>)({
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: true,
    clientId: "idle-timer-fix",
    broker: "self-check",
    logger: { debug: noop, info: noop, warn: noop, error: noop },
  });
  const fits = Array.isArray(probe.pending) && probe.inflight instanceof Map &&
    typeof probe.throttledUntil === "number" && probe.throttleCheckTimeoutId === null &&
    probe.requestTimeout === 30_000 && probe.enforceRequestTimeout === true &&
    typeof probe.isConnected === "function";
  return fits ? undefined : "its instances do not hold the expected fields";
}

async function install(): Promise<IdleTimerFixStatus> {
  if (disabledByEnvironment()) {
    return { state: "disabled", message: `kafkajs idle timer fix disabled by ${IDLE_FIX_ENV}=0` };
  }
  let problem: string | undefined;
  try {
    const { default: RequestQueue } = await import("kafkajs/src/network/requestQueue/index.js");
    problem = requestQueueMismatch(RequestQueue);
    if (!problem) {
      RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
      RequestQueue.prototype.scheduleRequestTimeoutCheck = scheduleRequestTimeoutCheck;
      return { state: "installed", message: "kafkajs idle timer fix installed" };
    }
  } catch (error) {
    problem = `it cannot be loaded (${error instanceof Error ? error.message : String(error)})`;
  }
  return {
    state: "unsupported",
    message:
      `kafkajs idle timer fix not installed: the request queue is not as expected, ${problem}`,
  };
}

let installation: Promise<IdleTimerFixStatus> | undefined;
let reported = false;

/**
 * Replaces kafkajs' request-queue timers once per process (later calls return the same status).
 * Never throws: when the self-check fails, kafkajs keeps its own behaviour.
 *
 * @param logger gets one debug line if the fix is not in force (only the first such logger)
 * @returns whether the fix is in force
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { installIdleTimerFix } from "./_idle_timer_fix.ts";
 * const status = await installIdleTimerFix();
 * assert.ok(["installed", "disabled", "unsupported"].includes(status.state));
 * assert.equal(await installIdleTimerFix(), status);
 * ```
 */
export async function installIdleTimerFix(
  logger?: { debug(line: string): void },
): Promise<IdleTimerFixStatus> {
  installation ??= install();
  const status = await installation;
  if (status.state !== "installed" && logger && !reported) {
    reported = true;
    logger.debug(status.message);
  }
  return status;
}
