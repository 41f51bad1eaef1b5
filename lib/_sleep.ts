/**
 * A timer that an abort signal cuts short, shared by the listener's back-off and the playground's
 * pacing.
 *
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";

/**
 * Resolves after `ms` milliseconds of `clock`, or as soon as `signal` aborts (never rejects), and
 * leaves no timer or listener behind either way.
 *
 * @param ms how long to wait; zero or less resolves at once
 * @param signal ends the wait early
 * @param clock whose milliseconds; default the real clock
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { sleep } from "./_sleep.ts";
 * import { ManualClock } from "./clock.ts";
 * const started = performance.now();
 * await sleep(60_000, AbortSignal.timeout(10)); // the signal ends it long before a minute
 * assert.ok(performance.now() - started < 30_000);
 * const aborted = AbortSignal.abort();
 * await sleep(60_000, aborted); // already aborted: resolves at once
 * const clock = new ManualClock();
 * const slept = sleep(60_000, undefined, clock);
 * clock.advance(60_000); // a driven clock: the minute passes at once
 * await slept;
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal, clock: Clock = systemClock): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = clock.setTimeout(done, ms);
    function done() {
      clock.clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
