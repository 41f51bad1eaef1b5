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
 * import { sleep } from "./_sleep.ts";
 * await sleep(5, AbortSignal.timeout(1));
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
