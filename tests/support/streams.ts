/**
 * Reading a whole topic back through our own stream API, for tests that check what another
 * client wrote.
 *
 * @module
 */

import type { JSONBlob } from "../../lib/hop/models/blob.ts";
import type { MessageModel } from "../../lib/hop/models/model.ts";
import { type Metadata, openStream } from "../../lib/hop/stream.ts";
import { withDeadline } from "./deadline.ts";

/**
 * Reads every message of the topics in `url` from the earliest offset to the current end, without
 * credentials, and closes the consumer; fails after `deadlineMs` naming the URL and how many
 * messages it read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../../lib/broker/mod.ts";
 * import { readToEnd } from "./streams.ts";
 *
 * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
 * assert.deepEqual(await readToEnd(`${broker.url}/t`), []);
 * ```
 */
export async function readToEnd(
  url: string,
  deadlineMs = 30_000,
): Promise<{ message: MessageModel; metadata: Metadata }[]> {
  await using consumer = await withDeadline(
    openStream(url, "r", { auth: false, startAt: "earliest", untilEos: true }),
    deadlineMs,
    `a consumer of ${url}`,
  );
  const read: { message: MessageModel; metadata: Metadata }[] = [];
  const reading = (async () => {
    for await (const item of consumer.read({ metadata: true })) read.push(item);
  })();
  try {
    await withDeadline(reading, deadlineMs, `the end of ${url}`, {
      detail: () => `read ${read.length} messages`,
    });
  } catch (error) {
    consumer.stop();
    await reading.catch(() => {});
    throw error;
  }
  return read;
}

/**
 * The value of `name` in a message that was written as a JSON object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JSONBlob } from "../../lib/hop/models/blob.ts";
 * import { jsonField } from "./streams.ts";
 * assert.equal(jsonField(new JSONBlob({ uid: "S1" }), "uid"), "S1");
 * ```
 */
export function jsonField(message: MessageModel, name: string): unknown {
  return ((message as JSONBlob).content as Record<string, unknown>)[name];
}
