/**
 * The broker's long-polling Fetch and an append that lands while the fetch reads the partitions:
 * the fetch must answer with it at once, not wait out `max_wait_ms`.
 */
import assert from "node:assert/strict";
import { handleFetch } from "../lib/broker/_data_handlers.ts";
import type { RequestInfo } from "../lib/broker/_context.ts";
import { encodeRecordBatch, ProtocolReader, ProtocolWriter } from "../lib/protocol/mod.ts";
import { test, withDeadline } from "./support/deadline.ts";

/** A partition log reduced to what Fetch uses; `onRead` runs inside each read. */
class FakeLog {
  highWatermark = 0;
  logStartOffset = 0;
  batches: Uint8Array[] = [];
  onRead = () => {};
  #waiters = new Set<() => void>();

  append(batch: Uint8Array): void {
    this.batches.push(batch);
    this.highWatermark++;
    for (const wake of this.#waiters) wake();
  }

  onAppend(wake: () => void): () => void {
    this.#waiters.add(wake);
    return () => this.#waiters.delete(wake);
  }

  async read(): Promise<{ batches: Uint8Array[]; bytes: number }> {
    await Promise.resolve();
    this.onRead();
    const batches = [...this.batches];
    return { batches, bytes: batches.reduce((sum, b) => sum + b.length, 0) };
  }
}

/** Fetch v11 of partitions 0 and 1 of `t` from offset 0, waiting up to a minute for 1 byte. */
function fetchRequest(): ProtocolReader {
  const w = new ProtocolWriter();
  w.int32(-1).int32(60_000).int32(1).int32(1 << 20).int8(0).int32(0).int32(-1);
  w.array(["t"], (w, t) => {
    w.string(t).array([0, 1], (w, p) => w.int32(p).int32(-1).int64(0).int64(-1).int32(1 << 20));
  });
  w.array([], () => {}).string("");
  return new ProtocolReader(w.finish());
}

test("an append while a long-polling fetch reads the partitions answers it at once", async () => {
  const [first, second] = [new FakeLog(), new FakeLog()];
  const batch = encodeRecordBatch([{ value: new TextEncoder().encode("appended meanwhile") }]);
  // Partition 0 has been read (empty) when the append lands, during the read of partition 1.
  let appended = false;
  second.onRead = () => {
    if (appended) return;
    appended = true;
    first.append(batch);
  };
  const closing = new AbortController();
  const req = {
    version: 11,
    ctx: {
      cluster: { topics: new Map([["t", { partitions: [first, second] }]]) },
      acl: { canTopic: () => true },
      closing: closing.signal,
    },
    session: { principal: "User:ANONYMOUS" },
  } as unknown as RequestInfo;
  const w = new ProtocolWriter();
  try {
    await withDeadline(
      Promise.resolve(handleFetch(req, fetchRequest(), w)),
      10_000,
      "the fetch to answer with the append instead of waiting its 60 s",
    );
  } finally {
    closing.abort();
  }
  assert.ok(appended);
  const response = w.finish();
  const text = new TextDecoder().decode(response);
  assert.ok(text.includes("appended meanwhile"), "the response carries the appended batch");
});
