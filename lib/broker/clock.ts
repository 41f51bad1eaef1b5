/**
 * The broker's clock: the library's {@linkcode Clock}, under the name the broker's API has used.
 *
 * @module
 */
import type { Clock } from "../clock.ts";

export { type Clock, type ClockTimer, ManualClock, systemClock } from "../clock.ts";

/**
 * The current time and timers the broker takes every duration from; the same as
 * {@linkcode Clock}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type BrokerClock, ManualClock } from "./clock.ts";
 * const clock: BrokerClock = new ManualClock();
 * let fired = false;
 * clock.setTimeout(() => fired = true, 5);
 * (clock as ManualClock).advance(5);
 * assert.equal(fired, true);
 * ```
 */
export type BrokerClock = Clock;
