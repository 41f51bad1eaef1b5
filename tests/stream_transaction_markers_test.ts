/**
 * Transaction markers in a partition: control batches take offsets but are no records. A read to
 * the end of the stream must still end when a partition ends with one, and one between records is
 * no gap (no warning, no second fetch). Producers may not write control batches, so the markers
 * are appended to the built-in broker's segment file while it is stopped; it then serves them as
 * stored. Read without a group (directly) and in a group (through the Kafka client).
 */
import assert from "node:assert/strict";
import { startBroker } from "../lib/broker/mod.ts";
import { openStream } from "../lib/hop/stream.ts";
import { crc32c } from "../lib/protocol/crc32c.ts";
import { encodeRecordBatch, stampRecordBatch } from "../lib/protocol/record_batch.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";
import { recordingLogger } from "./support/recording_logger.ts";
import { test } from "./support/deadline.ts";

const ATTRIBUTES_COMMIT_MARKER = 0x30; // transactional + control

/** Appends a commit marker of producer 7 at `offset` to partition 0's segment file. */
async function appendMarker(dataDir: string, offset: number): Promise<void> {
  // A control record: key = version 0, type 1 (commit); value = version 0, coordinator epoch 0.
  const batch = encodeRecordBatch(
    [{ key: new Uint8Array([0, 0, 0, 1]), value: new Uint8Array([0, 0, 0, 0, 0, 0]) }],
    { producerId: 7, producerEpoch: 0 },
  );
  stampRecordBatch(batch, offset, 0);
  const view = new DataView(batch.buffer);
  view.setInt16(21, ATTRIBUTES_COMMIT_MARKER);
  view.setUint32(17, crc32c(batch.subarray(21)));
  // Segment entry: batch length, CRC-32C of the batch's first 21 bytes, the batch.
  const entry = new Uint8Array(8 + batch.length);
  const entryView = new DataView(entry.buffer);
  entryView.setInt32(0, batch.length);
  entryView.setUint32(4, crc32c(batch.subarray(0, 21)));
  entry.set(batch, 8);
  const [topicDir] = await Array.fromAsync(Deno.readDir(`${dataDir}/topics`));
  await Deno.writeFile(`${dataDir}/topics/${topicDir.name}/0.log`, entry, { append: true });
}

async function write(dataDir: string, values: number[]): Promise<void> {
  await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {}, dataDir });
  await using writer = await openStream(`${broker.url}/t`, "w", { auth: false });
  for (const n of values) await writer.write({ n });
  await writer.flush();
}

test({
  name:
    "a read to the end ends at transaction markers and reads past them, with and without a group",
  ...KAFKAJS_TEST,
  deadlineMs: 60_000,
  fn: async ({ within }) => {
    const dataDir = await Deno.makeTempDir();
    try {
      // Offsets: 0-2 records, 3 marker, 4-5 records, 6 marker (the end).
      await write(dataDir, [0, 1, 2]);
      await appendMarker(dataDir, 3);
      await write(dataDir, [4, 5]);
      await appendMarker(dataDir, 6);
      await using broker = await startBroker({
        port: 0,
        topics: ["t"],
        logger: () => {},
        dataDir,
      });
      for (const groupId of [undefined, "g"]) {
        const logger = recordingLogger();
        await using reader = await openStream(`${broker.url}/t`, "r", {
          auth: false,
          startAt: "earliest",
          untilEos: true,
          logger,
          ...(groupId ? { groupId } : {}),
        });
        const read = await within(
          Array.fromAsync(reader.read({ metadata: true })),
          `the read ${groupId ? "in a group" : "without a group"} to end`,
        );
        assert.deepEqual(read.map(({ metadata }) => metadata.offset), [0, 1, 2, 4, 5]);
        assert.deepEqual(logger.lines.filter((line) => line.startsWith("WARNING")), []);
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
