/**
 * A timer that an abort signal cuts short, shared by the listener's back-off and the playground's
 * pacing.
 *
 * @module
 */

/**
 * Resolves after `ms` milliseconds, or as soon as `signal` aborts (never rejects), and leaves no
 * timer or listener behind either way.
 *
 * @param ms how long to wait; zero or less resolves at once
 * @param signal ends the wait early
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { sleep } from "./_sleep.ts";
 * const started = performance.now();
 * await sleep(60_000, AbortSignal.timeout(10)); // the signal ends it long before a minute
 * assert.ok(performance.now() - started < 30_000);
 * const aborted = AbortSignal.abort();
 * await sleep(60_000, aborted); // already aborted: resolves at once
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
