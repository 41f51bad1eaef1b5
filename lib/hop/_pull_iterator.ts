/**
 * An async iterator over items taken synchronously from a buffer: a buffered item costs no extra
 * promise turn, and only an empty buffer waits.
 *
 * @module
 */

/** What a `take` function returns when nothing is buffered yet. */
export const WAIT: unique symbol = Symbol("wait");

/**
 * Iterates over what `take` hands out. `take` returns the next item, `undefined` when iteration
 * is over, or {@linkcode WAIT} when nothing is buffered; then `waitForMore` resolves once it may
 * have something. Calls of `next()` that overlap a wait are served after it, in order; `take`
 * throwing ends iteration with that error; `return()` ends it without taking anything more.
 *
 * @param take the next item, `undefined` at the end, or `WAIT`
 * @param waitForMore resolves when `take` may have an item again
 * @param make what the iterator yields for an item
 * @returns the iterator (its own async iterable)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pullIterator, WAIT } from "./_pull_iterator.ts";
 * const buffer = [1, 2];
 * let ended = false;
 * let more = () => {};
 * const iterator = pullIterator(
 *   () => buffer.length ? buffer.shift()! : ended ? undefined : WAIT,
 *   () => new Promise<void>((resolve) => (more = resolve)),
 *   (n: number) => n * 10,
 * );
 * assert.deepEqual(await iterator.next(), { done: false, value: 10 });
 * assert.deepEqual(await iterator.next(), { done: false, value: 20 });
 * const third = iterator.next(); // nothing buffered: it waits
 * buffer.push(3);
 * more();
 * assert.deepEqual(await third, { done: false, value: 30 });
 * ended = true;
 * assert.deepEqual(await iterator.next(), { done: true, value: undefined });
 * ```
 */
export function pullIterator<R, T>(
  take: () => R | undefined | typeof WAIT,
  waitForMore: () => Promise<void>,
  make: (item: R) => T,
): AsyncIterableIterator<T> {
  let finished = false;
  let waiting: Promise<IteratorResult<T>> | undefined;
  const end = (): IteratorResult<T> => {
    finished = true;
    return { done: true, value: undefined };
  };
  const nextItem = async (): Promise<R | undefined> => {
    while (true) {
      const item = take();
      if (item !== WAIT) return item;
      await waitForMore();
    }
  };
  const step = (): Promise<IteratorResult<T>> => {
    if (finished) return Promise.resolve({ done: true, value: undefined });
    let item: R | undefined | typeof WAIT;
    try {
      item = take();
    } catch (error) {
      finished = true;
      return Promise.reject(error);
    }
    if (item === undefined) return Promise.resolve(end());
    if (item !== WAIT) return Promise.resolve({ done: false, value: make(item) });
    const waited = nextItem().then(
      (next) => (next === undefined || finished ? end() : { done: false, value: make(next) }),
      (error) => {
        finished = true;
        throw error;
      },
    );
    waiting = waited;
    const settle = () => {
      if (waiting === waited) waiting = undefined;
    };
    waited.then(settle, settle);
    return waited;
  };
  return {
    next: () => (waiting ? waiting.then(step, step) : step()),
    return: () => Promise.resolve(end()),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
