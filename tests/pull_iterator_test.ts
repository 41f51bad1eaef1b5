/**
 * The reader's iterator over its record buffer: order of overlapping calls, errors, early ends.
 */
import assert from "node:assert/strict";
import { pullIterator, WAIT } from "../lib/hop/_pull_iterator.ts";
import { test } from "./support/deadline.ts";

/** A buffer that `take` empties, with a way to add items and to end it. */
function buffered<T>() {
  const items: T[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake = () => {};
  let takes = 0;
  const iterator = pullIterator(
    () => {
      takes++;
      if (failure) throw failure;
      return items.length ? items.shift()! : ended ? undefined : WAIT;
    },
    () => new Promise<void>((resolve) => (wake = resolve)),
    (item: T) => item,
  );
  return {
    iterator,
    add: (...more: T[]) => {
      items.push(...more);
      wake();
    },
    end: () => {
      ended = true;
      wake();
    },
    fail: (error: Error) => {
      failure = error;
      wake();
    },
    takes: () => takes,
  };
}

test("calls made while the buffer is empty are answered in order once items arrive", async () => {
  const b = buffered<string>();
  const first = b.iterator.next();
  const second = b.iterator.next();
  const third = b.iterator.next();
  b.add("a", "b");
  assert.deepEqual(await first, { done: false, value: "a" });
  assert.deepEqual(await second, { done: false, value: "b" });
  b.add("c");
  assert.deepEqual(await third, { done: false, value: "c" });
  b.end();
  assert.deepEqual(await b.iterator.next(), { done: true, value: undefined });
  assert.deepEqual(await b.iterator.next(), { done: true, value: undefined });
});

test("a failing take rejects the waiting call, and iteration is over after it", async () => {
  const b = buffered<number>();
  b.add(1);
  assert.deepEqual(await b.iterator.next(), { done: false, value: 1 });
  const waiting = b.iterator.next();
  b.fail(new Error("broker gone"));
  await assert.rejects(waiting, /broker gone/);
  assert.deepEqual(await b.iterator.next(), { done: true, value: undefined });
  // A failure found without waiting rejects the same way.
  const c = buffered<number>();
  c.fail(new Error("denied"));
  await assert.rejects(c.iterator.next(), /denied/);
  assert.deepEqual(await c.iterator.next(), { done: true, value: undefined });
});

test("return() ends iteration without taking another item; for await stops on break", async () => {
  const b = buffered<number>();
  b.add(1, 2, 3);
  const seen: number[] = [];
  for await (const n of b.iterator) {
    seen.push(n);
    if (n === 2) break;
  }
  assert.deepEqual(seen, [1, 2]);
  const takes = b.takes();
  assert.deepEqual(await b.iterator.next(), { done: true, value: undefined });
  assert.equal(b.takes(), takes, "nothing was taken after the end");
});
