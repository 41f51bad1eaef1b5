/**
 * Lock-step between the playground's publisher and its in-process listener: the publisher waits,
 * per topic, for the listener to receive what it published.
 *
 * @module
 */

/** How long the in-process listener may take to receive one alert before the run fails. */
const RECEIVE_TIMEOUT_MS = 30_000;

/**
 * Arrivals per topic, so the publisher can wait for "the n-th alert on topic T". A listener's
 * failure is delivered through {@linkcode Arrivals.fail} rather than by racing each wait against
 * a failure promise: that promise stays pending for the whole run, and every `Promise.race` on it
 * would leave one reaction on it for good (about 250 bytes per published alert).
 */
export class Arrivals {
  #arrived = new Map<string, number>();
  #expected = new Map<string, number>();
  #waiters = new Set<{ topic: string; n: number; resolve: () => void; reject(e: Error): void }>();
  #failure: Error | undefined;

  /** @param timeoutMs how long one alert may take to arrive before its wait rejects */
  constructor(readonly timeoutMs = RECEIVE_TIMEOUT_MS) {}

  /** Waits in progress (for tests: it returns to 0 once every wait is over). */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** Counts one received alert of `topic`, releasing the wait for it. */
  arrive(topic: string): void {
    const n = (this.#arrived.get(topic) ?? 0) + 1;
    this.#arrived.set(topic, n);
    for (const waiter of this.#waiters) {
      if (waiter.topic === topic && waiter.n <= n) waiter.resolve();
    }
  }

  /** The listener stopped with `error`: current and later waits reject with it. */
  fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#waiters) waiter.reject(error);
  }

  /** Resolves once the next expected alert of `topic` arrived (or `signal` aborts). */
  next(topic: string, signal: AbortSignal): Promise<void> {
    const n = (this.#expected.get(topic) ?? 0) + 1;
    this.#expected.set(topic, n);
    if (this.#failure) return Promise.reject(this.#failure);
    if ((this.#arrived.get(topic) ?? 0) >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        signal.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        finish();
        resolve();
      };
      const waiter = {
        topic,
        n,
        resolve: onAbort,
        reject: (error: Error) => {
          finish();
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        waiter.reject(
          new Error(
            `the listener did not receive alert ${n} of topic ${topic} within ${
              this.timeoutMs / 1000
            } s`,
          ),
        );
      }, this.timeoutMs);
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }
}
