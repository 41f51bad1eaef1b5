/**
 * Time as the library sees it: {@linkcode Clock} (the current time and timers),
 * {@linkcode systemClock} (the real one) and {@linkcode ManualClock} (one a test advances), so that
 * the broker's session expiry, rebalance timeouts, idle connections and delayed requests, and the
 * client's reconnection and retry back-off, can be driven without waiting for wall-clock time.
 *
 * @module
 */

/**
 * An opaque timer returned by {@linkcode Clock.setTimeout}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ClockTimer, ManualClock } from "./clock.ts";
 * const clock = new ManualClock();
 * const fired: string[] = [];
 * const cancelled: ClockTimer = clock.setTimeout(() => fired.push("cancelled"), 10);
 * clock.setTimeout(() => fired.push("kept"), 10);
 * clock.clearTimeout(cancelled);
 * clock.advance(10);
 * assert.deepEqual(fired, ["kept"]);
 * ```
 */
export type ClockTimer = ReturnType<typeof setTimeout> | number;

/**
 * The current time and one-shot timers. The broker and its group coordinator take every duration
 * from a clock (the session timeout, the rebalance and initial rebalance delays, pending member
 * ids, idle connections and delayed requests), and so do the reader's reconnection back-off and
 * the client's handler retries.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Clock, ManualClock } from "./clock.ts";
 * const clock: Clock = new ManualClock();
 * let fired = false;
 * clock.setTimeout(() => fired = true, 5);
 * (clock as ManualClock).advance(5);
 * assert.equal(fired, true);
 * ```
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin; only differences matter. */
  now(): number;
  /** Calls `callback` once, `ms` milliseconds from now. */
  setTimeout(callback: () => void, ms: number): ClockTimer;
  /** Cancels a timer; unknown or fired timers are ignored. */
  clearTimeout(timer: ClockTimer): void;
}

/**
 * The real clock: `performance.now()` and the global timers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "./clock.ts";
 * const fired = await new Promise<boolean>((resolve) => systemClock.setTimeout(() => resolve(true), 1));
 * assert.equal(fired, true);
 * ```
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer),
};

interface ManualTimer {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

/**
 * A clock that stands still until {@linkcode ManualClock.advance} moves it. Timers fire inside
 * `advance()`, in order of their due time (then creation order), including timers that firing
 * callbacks schedule within the advanced span. Nothing runs on its own, so a test that passes one
 * to `startBroker({ clock })` or to a `GroupCoordinator` decides exactly when sessions expire, and
 * one passed to `openStream(url, "r", { clock })` when the reader tries to reconnect.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "./clock.ts";
 * const clock = new ManualClock();
 * const fired: number[] = [];
 * clock.setTimeout(() => fired.push(clock.now()), 30);
 * clock.advance(29);
 * assert.deepEqual(fired, []);
 * clock.advance(1);
 * assert.deepEqual(fired, [30]);
 * assert.equal(clock.pendingTimers, 0);
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers = new Map<number, ManualTimer>();

  /**
   * Creates a clock reading `start` (default 0).
   *
   * @param start the initial reading in milliseconds
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ManualClock } from "./clock.ts";
   * assert.equal(new ManualClock(1000).now(), 1000);
   * ```
   */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The current reading. */
  now(): number {
    return this.#now;
  }

  /** Schedules `callback` at `now() + ms` (negative or NaN counts as 0). */
  setTimeout(callback: () => void, ms: number): ClockTimer {
    const id = this.#nextId++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.#timers.set(id, { id, due: this.#now + delay, callback });
    return id;
  }

  /** Cancels a timer. */
  clearTimeout(timer: ClockTimer): void {
    if (typeof timer === "number") this.#timers.delete(timer);
  }

  /** How many timers are scheduled and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Milliseconds until the earliest scheduled timer fires, or undefined when none is scheduled.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ManualClock } from "./clock.ts";
   * const clock = new ManualClock();
   * clock.setTimeout(() => {}, 250);
   * assert.equal(clock.nextDueInMs(), 250);
   * ```
   */
  nextDueInMs(): number | undefined {
    let due: number | undefined;
    for (const timer of this.#timers.values()) {
      if (due === undefined || timer.due < due) due = timer.due;
    }
    return due === undefined ? undefined : due - this.#now;
  }

  /**
   * Moves the clock forward by `ms`, firing every timer that falls due on the way.
   *
   * @param ms how far to move, at least 0
   * @returns how many timers fired
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ManualClock } from "./clock.ts";
   * const clock = new ManualClock();
   * clock.setTimeout(() => clock.setTimeout(() => {}, 5), 5);
   * assert.equal(clock.advance(10), 2);
   * ```
   */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`cannot move a clock back or by ${ms} ms`);
    const target = this.#now + ms;
    let fired = 0;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const timer of this.#timers.values()) {
        if (timer.due <= target && (!next || timer.due < next.due)) next = timer;
      }
      if (!next) break;
      this.#timers.delete(next.id);
      this.#now = next.due;
      fired++;
      next.callback();
    }
    this.#now = target;
    return fired;
  }
}
