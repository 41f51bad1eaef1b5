/**
 * How long and how often the Kafka clients retry: one value for the whole library.
 *
 * @module
 */

/**
 * Retry timing. `initialDelayMs`, `maxDelayMs` and `jitter` shape the back-off between attempts;
 * `kafkaRetries` is the Kafka client's own budget of retries per request before it reports a
 * failure; `deliveryTimeoutMs` is how long a producer keeps retrying a retriable failure before it
 * reports the messages as not delivered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry_policy.ts";
 * const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, initialDelayMs: 100, maxDelayMs: 500 };
 * const delays = [0, 1, 2, 3].map((attempt) => backoffDelay(policy, attempt, () => 0.5));
 * assert.deepEqual(delays, [100, 200, 400, 500]);
 * ```
 */
export interface RetryPolicy {
  /** First delay, in ms. */
  initialDelayMs: number;
  /** Longest delay, in ms. */
  maxDelayMs: number;
  /** Share of each delay drawn at random (0 to 1), so that many clients do not retry at once. */
  jitter: number;
  /** Retries of one request inside the Kafka client before it gives up. */
  kafkaRetries: number;
  /** How long a producer keeps retrying a retriable failure, in ms. */
  deliveryTimeoutMs: number;
}

/**
 * Defaults: 0.2 s doubling up to 30 s, ±20 %, 5 client retries, 5 minutes to deliver.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_RETRY_POLICY } from "./retry_policy.ts";
 * assert.equal(DEFAULT_RETRY_POLICY.deliveryTimeoutMs, 300_000);
 * ```
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  initialDelayMs: 200,
  maxDelayMs: 30_000,
  jitter: 0.2,
  kafkaRetries: 5,
  deliveryTimeoutMs: 300_000,
});

/**
 * The delay before attempt `attempt` (0 for the first retry): exponential, capped, jittered.
 *
 * @param policy the retry timing
 * @param attempt 0 for the first retry, 1 for the second, ...
 * @param random source of randomness in [0, 1)
 * @returns the delay in ms
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backoffDelay, DEFAULT_RETRY_POLICY } from "./retry_policy.ts";
 * assert.equal(backoffDelay(DEFAULT_RETRY_POLICY, 0, () => 0.5), 200);
 * assert.equal(backoffDelay(DEFAULT_RETRY_POLICY, 3, () => 0.5), 1_600);
 * assert.equal(backoffDelay(DEFAULT_RETRY_POLICY, 20, () => 0.5), 30_000);
 * ```
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.initialDelayMs * 2 ** Math.min(attempt, 30), policy.maxDelayMs);
  return Math.max(0, Math.round(base * (1 + policy.jitter * (2 * random() - 1))));
}
