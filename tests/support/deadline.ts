/**
 * Deadlines for everything a test waits for: one promise (`withDeadline`), a condition
 * (`waitFor`, `Condition`), and the whole test (`test`). Each failure names what was awaited, so
 * that a stuck test reports its cause instead of hanging the suite.
 *
 * @module
 */

/** What a wait ran out of time for; the message names it. */
export class DeadlineError extends Error {
  override name = "DeadlineError";
}

/** How long a wait may take and what it waits for. */
export interface WaitOptions {
  /** Milliseconds before the wait fails. */
  deadlineMs: number;
  /** What is awaited, as the failure message should name it ("the ready line"). */
  what: string;
  /** Aborting ends the wait early with the signal's reason (e.g. a test's budget). */
  signal?: AbortSignal;
  /** Text added to the failure message, e.g. the output seen so far. */
  detail?: () => string;
}

function deadlineError(options: WaitOptions): DeadlineError {
  const detail = options.detail?.();
  return new DeadlineError(
    `timed out after ${options.deadlineMs} ms waiting for ${options.what}` +
      (detail ? `\n${detail}` : ""),
  );
}

/**
 * Settles as `promise` does, or rejects with a {@link DeadlineError} naming `what` once `ms`
 * milliseconds have passed (or with the signal's reason when `signal` aborts first). The timer is
 * cleared either way, so nothing outlives the wait.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DeadlineError, withDeadline } from "./deadline.ts";
 *
 * assert.equal(await withDeadline(Promise.resolve(7), 100, "seven"), 7);
 * await assert.rejects(
 *   withDeadline(new Promise(() => {}), 10, "a promise that never settles"),
 *   (error) =>
 *     error instanceof DeadlineError &&
 *     error.message === "timed out after 10 ms waiting for a promise that never settles",
 * );
 * ```
 */
export function withDeadline<T>(
  promise: PromiseLike<T>,
  ms: number,
  what: string,
  options: { signal?: AbortSignal; detail?: () => string } = {},
): Promise<T> {
  const { signal, detail } = options;
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => finish(() => reject(signal!.reason));
    const timer = setTimeout(
      () => finish(() => reject(deadlineError({ deadlineMs: ms, what, detail }))),
      ms,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    let settled = false;
    function finish(settle: () => void) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      settle();
    }
    promise.then(
      (value) => finish(() => resolve(value)),
      (error) => finish(() => reject(error)),
    );
  });
}

/** A value a check found: anything but `undefined`, `null` or `false`. */
type Found<T> = Exclude<T, undefined | null | false>;

function found<T>(value: T): value is Found<T> {
  return value !== undefined && value !== null && value !== false;
}

/**
 * Something that changes, with waiters that re-check on every change: a producer calls
 * `notify()` whenever state moved (a line arrived, a message was consumed), and `wait(check)`
 * resolves with the first value `check` returns that is not `undefined`, `null` or `false`.
 * No polling: a check runs once at the start and once per `notify()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Condition } from "./deadline.ts";
 *
 * const lines: string[] = [];
 * const changed = new Condition();
 * const ready = changed.wait(() => lines.find((l) => l.startsWith("ready")), {
 *   deadlineMs: 1_000,
 *   what: "the ready line",
 * });
 * lines.push("starting", "ready on port 9092");
 * changed.notify();
 * assert.equal(await ready, "ready on port 9092");
 * ```
 */
export class Condition {
  #waiters = new Set<() => void>();

  /** Re-runs the checks of every pending wait. */
  notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves with what `check` found; fails after `deadlineMs` naming `what`. */
  wait<T>(check: () => T, options: WaitOptions): Promise<Found<T>> {
    return new Promise<Found<T>>((resolve, reject) => {
      let settled = false;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#waiters.delete(recheck);
        options.signal?.removeEventListener("abort", onAbort);
        settle();
      };
      const recheck = () => {
        let value: T;
        try {
          value = check();
        } catch (error) {
          return finish(() => reject(error));
        }
        if (found(value)) finish(() => resolve(value));
      };
      const onAbort = () => finish(() => reject(options.signal!.reason));
      const timer = setTimeout(
        () => finish(() => reject(deadlineError(options))),
        options.deadlineMs,
      );
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(recheck);
      recheck();
    });
  }
}

/**
 * Polls `check` every `intervalMs` (default 10) until it returns something other than
 * `undefined`, `null` or `false`, and resolves with that; fails after `deadlineMs` with a
 * {@link DeadlineError} naming `what`. For state that announces no event of its own; where the
 * code under test can call back, prefer {@link Condition}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { waitFor } from "./deadline.ts";
 *
 * const started = Date.now();
 * const elapsed = await waitFor(() => Date.now() - started >= 20 && Date.now() - started, {
 *   deadlineMs: 1_000,
 *   what: "20 ms to pass",
 * });
 * assert.ok(elapsed >= 20);
 * await assert.rejects(
 *   waitFor(() => false, { deadlineMs: 30, what: "something that never holds" }),
 *   /timed out after 30 ms waiting for something that never holds/,
 * );
 * ```
 */
export function waitFor<T>(
  check: () => T | Promise<T>,
  options: WaitOptions & { intervalMs?: number },
): Promise<Found<T>> {
  const { intervalMs = 10 } = options;
  return new Promise<Found<T>>((resolve, reject) => {
    let settled = false;
    let poll: ReturnType<typeof setTimeout> | undefined;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(poll);
      options.signal?.removeEventListener("abort", onAbort);
      settle();
    };
    const onAbort = () => finish(() => reject(options.signal!.reason));
    const timer = setTimeout(
      () => finish(() => reject(deadlineError(options))),
      options.deadlineMs,
    );
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const attempt = async () => {
      try {
        const value = await check();
        if (found(value)) return finish(() => resolve(value));
      } catch (error) {
        return finish(() => reject(error));
      }
      if (!settled) poll = setTimeout(attempt, intervalMs);
    };
    attempt();
  });
}

/** What a budgeted test body receives. */
export interface TestBudget {
  /** Aborts (with a {@link DeadlineError}) when the test's budget is spent. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds at which the budget ends. */
  readonly deadline: number;
  /** Deno's own test context, for `t.step`. */
  readonly context: Deno.TestContext;
  /** Milliseconds left of the budget (at least 1). */
  remainingMs(): number;
  /** {@link withDeadline} bounded by what is left of the test's budget. */
  within<T>(promise: PromiseLike<T>, what: string): Promise<T>;
}

/** Deno.test options plus the test's budget. */
export interface BudgetOptions extends Omit<Deno.TestDefinition, "name" | "fn"> {
  /** Milliseconds the whole test may take; default {@link DEFAULT_TEST_BUDGET_MS}. */
  deadlineMs?: number;
}

/** A budgeted test body; it may ignore its argument. */
export type BudgetedFn = (budget: TestBudget) => Promise<void> | void;

/** How long a test may run unless it says otherwise: long enough for the slowest child process. */
export const DEFAULT_TEST_BUDGET_MS = 120_000;

/** How long a test body may take to stop after its budget was spent and its signal aborted. */
const WIND_DOWN_MS = 2_000;

/**
 * Registers a Deno test that fails with "test NAME exceeded its N ms budget" when its body has
 * not finished after `deadlineMs` (default {@link DEFAULT_TEST_BUDGET_MS}). Called as Deno.test
 * is: `test(name, fn)`, `test(name, options, fn)`, `test({ name, fn, ...options })`, or
 * `test(name, fn, options)`. The body gets a {@link TestBudget} whose signal aborts at that
 * moment, so waits and child processes tied to it end too; the test fails at most two seconds
 * later even if the body ignores the signal.
 *
 * @example
 * ```ts ignore
 * import { test } from "./deadline.ts";
 *
 * test("the broker answers", async ({ within }) => {
 *   const conn = await within(Deno.connect({ port: 9092 }), "a connection to the broker");
 *   conn.close();
 * }, { deadlineMs: 5_000 });
 * ```
 */
export function test(definition: BudgetOptions & { name: string; fn: BudgetedFn }): void;
export function test(name: string, fn: BudgetedFn, options?: BudgetOptions): void;
export function test(name: string, options: BudgetOptions, fn: BudgetedFn): void;
export function test(
  first: string | (BudgetOptions & { name: string; fn: BudgetedFn }),
  second?: BudgetedFn | BudgetOptions,
  third?: BudgetedFn | BudgetOptions,
): void {
  let name: string;
  let fn: BudgetedFn;
  let options: BudgetOptions;
  if (typeof first === "object") {
    ({ name, fn, ...options } = first);
  } else if (typeof second === "function") {
    [name, fn, options] = [first, second, (third as BudgetOptions | undefined) ?? {}];
  } else {
    [name, fn, options] = [first, third as BudgetedFn, second ?? {}];
  }
  const { deadlineMs = DEFAULT_TEST_BUDGET_MS, ...definition } = options;
  Deno.test({
    // Deno 2.9 leaves its op and resource sanitizers off unless asked: a test of ours has them on.
    sanitizeOps: true,
    sanitizeResources: true,
    ...definition,
    name,
    fn: (context) => runWithBudget(name, deadlineMs, context, fn),
  });
}

async function runWithBudget(
  name: string,
  deadlineMs: number,
  context: Deno.TestContext,
  fn: BudgetedFn,
): Promise<void> {
  const controller = new AbortController();
  const deadline = Date.now() + deadlineMs;
  const spent = new DeadlineError(`test "${name}" exceeded its ${deadlineMs} ms budget`);
  const budget: TestBudget = {
    signal: controller.signal,
    deadline,
    context,
    remainingMs: () => Math.max(1, deadline - Date.now()),
    within: (promise, what) =>
      withDeadline(promise, budget.remainingMs(), what, { signal: controller.signal }),
  };
  const body = Promise.resolve().then(() => fn(budget));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"expired">((resolve) => {
    timer = setTimeout(() => resolve("expired"), deadlineMs);
  });
  try {
    const outcome = await Promise.race([body.then(() => "done" as const), expired]);
    if (outcome === "done") return;
    controller.abort(spent);
    // Give the body a moment to release what it holds once told to stop, but never wait long.
    await withDeadline(body, WIND_DOWN_MS, "the test body to stop").catch(() => {});
    throw spent;
  } finally {
    clearTimeout(timer);
  }
}
