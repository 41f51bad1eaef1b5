/**
 * The reader without a group (a read to the end of the stream with no group id) against the
 * built-in broker, with faults injected into the first fetch that starts past offset 0, so that
 * they strike in the middle of the read: a closed connection, errors that send the reader back to
 * the metadata, an out-of-range answer for an offset the log holds, a fetch never answered.
 * Every message is read once, in order; nothing is skipped.
 */
import assert from "node:assert/strict";
import { withBroker } from "./support/broker.ts";
import { test } from "./support/deadline.ts";
import { KAFKAJS_TEST } from "./support/kafkajs.ts";
import { openStream } from "../lib/hop/stream.ts";
import type { FaultRule } from "../lib/broker/mod.ts";
import { ApiKey, ErrorCode } from "../lib/protocol/api.ts";
import { decodeFetchRequest } from "../lib/protocol/messages/fetch.ts";
import { ProtocolReader } from "../lib/protocol/reader.ts";

// Over 1 MiB, so the read takes several fetches of the partition's 1 MiB each.
const MESSAGES = 3_000;
const PADDING = "x".repeat(1_000);

const FAULTS: { name: string; rule: Omit<FaultRule, "apiKey" | "match"> }[] = [
  { name: "the connection closes", rule: { action: "close", count: 1 } },
  {
    name: "two fetches are answered NOT_LEADER_OR_FOLLOWER",
    rule: { action: "error", errorCode: 6, count: 2 },
  },
  {
    name: "a fetch is answered OFFSET_OUT_OF_RANGE for an offset the log holds",
    rule: { action: "error", errorCode: ErrorCode.OffsetOutOfRange, count: 1 },
  },
  { name: "a fetch is never answered", rule: { action: "drop", count: 1 } },
];

for (const fault of FAULTS) {
  test({
    name: `a read to the end without a group reads every message once when ${fault.name}`,
    ...KAFKAJS_TEST,
    deadlineMs: 90_000,
    fn: () =>
      withBroker({ topics: ["t"] }, async (broker) => {
        {
          await using writer = await openStream(`${broker.url}/t`, "w", { auth: false });
          for (let seq = 0; seq < MESSAGES; seq++) await writer.write({ seq, padding: PADDING });
        }
        const offsets: number[] = [];
        const rule = broker.faults.inject({
          ...fault.rule,
          apiKey: ApiKey.Fetch,
          match: (request) => {
            const fetch = decodeFetchRequest(new ProtocolReader(request.body), request.version);
            const offset = fetch.topics[0]?.partitions[0]?.fetchOffset ?? 0;
            offsets.push(offset);
            return offset > 0;
          },
        } as FaultRule);
        const debug: string[] = [];
        await using reader = await openStream(`${broker.url}/t`, "r", {
          auth: false,
          logger: { debug: (line) => debug.push(line), info() {}, warn() {}, error() {} },
          startAt: "earliest",
          untilEos: true,
          requestTimeoutMs: 1_000,
          retry: { initialDelayMs: 50, maxDelayMs: 200 },
        });
        const seqs: number[] = [];
        const decoder = new TextDecoder();
        for await (const { message, metadata } of reader.read({ metadata: true })) {
          assert.equal(metadata.offset, seqs.length, "offsets in order, none skipped");
          seqs.push(JSON.parse(decoder.decode(message.serialize())).seq);
        }
        rule.release();
        // The reader itself never moved past a record: the stream's check for jumps (which
        // would fetch the skipped records again) never had to step in.
        assert.deepEqual(debug.filter((line) => /jumped/.test(line)), []);
        assert.deepEqual(seqs, Array.from({ length: MESSAGES }, (_, n) => n));
        assert.equal(rule.hits, fault.rule.count, `fetches the fault struck (offsets ${offsets})`);
      }),
  });
}
