/**
 * Notices a Kafka client that stops making progress without failing. kafkajs can be left waiting
 * for an answer on a connection that is already gone (its request timeouts are checked only
 * while the connection counts as connected); nothing then fails, and a reader would wait for
 * ever. The watchdog is told of every sign of progress (a fetch, a heartbeat, a join) and calls
 * `onStall` once when none came for longer than its limit.
 *
 * While progress comes, its timer fires about once per limit, not once per sign.
 *
 * @module
 */
import { type Clock, type ClockTimer, systemClock } from "../clock.ts";

/**
 * See the module documentation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "../clock.ts";
 * import { StallWatchdog } from "./_stall_watchdog.ts";
 * const clock = new ManualClock();
 * const stalls: number[] = [];
 * const watchdog = new StallWatchdog(10_000, (silentMs) => stalls.push(silentMs), clock);
 * clock.advance(6_000);
 * watchdog.alive();
 * clock.advance(6_000); // 6 s since the last sign
 * assert.deepEqual(stalls, []);
 * clock.advance(4_000); // 10 s since the last sign
 * assert.deepEqual(stalls, [10_000]);
 * clock.advance(60_000); // called once only
 * assert.deepEqual(stalls, [10_000]);
 * ```
 */
export class StallWatchdog {
  #clock: Clock;
  #limitMs: number;
  #onStall: (silentMs: number) => void;
  #last: number;
  #timer?: ClockTimer;
  #done = false;

  /**
   * Starts watching; the time until the first sign counts.
   *
   * @param limitMs how long without a sign of progress is a stall
   * @param onStall called once, with how long nothing came
   * @param clock whose time; default the real clock
   */
  constructor(limitMs: number, onStall: (silentMs: number) => void, clock: Clock = systemClock) {
    this.#clock = clock;
    this.#limitMs = limitMs;
    this.#onStall = onStall;
    this.#last = clock.now();
    this.#arm(limitMs);
  }

  /** Records a sign of progress. */
  alive(): void {
    this.#last = this.#clock.now();
  }

  /**
   * Changes the limit, counted from the last sign (a join may wait longer than a fetch).
   *
   * @param limitMs the new limit
   */
  setLimit(limitMs: number): void {
    if (this.#done || limitMs === this.#limitMs) return;
    this.#limitMs = limitMs;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#check();
  }

  /** Stops watching; `onStall` is not called after this. */
  stop(): void {
    this.#done = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = this.#clock.setTimeout(() => this.#check(), ms);
  }

  #check(): void {
    this.#timer = undefined;
    if (this.#done) return;
    const silent = this.#clock.now() - this.#last;
    if (silent < this.#limitMs) {
      this.#arm(this.#limitMs - silent);
      return;
    }
    this.#done = true;
    this.#onStall(silent);
  }
}
