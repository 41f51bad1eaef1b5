/**
 * `hop subscribe -s EARLIEST -j` of a backlog to the end of the stream, into /dev/null, compared
 * with `kcat -C -e -o beginning` on the same broker in the same run (target: at least 0.8x
 * kcat's rate). Both are timed as whole processes, start-up included. Without `-g` hop reads the
 * partitions directly (no group); beside it the same read in a consumer group, plain kafkajs
 * reading the same backlog with `eachBatch` and writing nothing (what the Kafka client alone
 * costs), our reader (`openStream`'s raw records) writing nothing, kcat with a 10 ms
 * `fetch.wait.max.ms` (its default 500 ms is spent waiting once the backlog is read), and
 * `hop subscribe` of an empty topic (start-up to the end of the stream).
 *
 * Usage: deno run -A scripts/bench_hop.ts [--messages 100000] [--size 1024] [--rounds 2]
 * [--batch N]
 *
 * The backlog is written by an `openStream` writer, which groups what is written while a request
 * is under way (up to 1,000 records a request). `--batch N` flushes after every N messages
 * instead, for a layout of exactly N records per batch: GraceDB publishes one alert at a time, so
 * a topic of alerts holds batches of one (`--batch 1`, slower to write).
 *
 * The broker runs in its own process (`cli.ts broker`). Prints a Markdown table on stdout.
 * (`bench_hop.ts kafkajs-drain BOOTSTRAP TOPIC COUNT` and `bench_hop.ts reader-drain URL COUNT` are
 * the plain kafkajs reader and our reader it starts.)
 *
 * @module
 */
import { Kafka, logLevel } from "kafkajs";
import { openStream } from "../lib/hop/stream.ts";
import { startBrokerProcess } from "./_broker_process.ts";
import { integerOption } from "./_bench_options.ts";

// The plain kafkajs reader: a consumer group from the beginning, eachBatch counting records
// until COUNT, then disconnect and exit.
if (Deno.args[0] === "kafkajs-drain") {
  const [, bootstrap, topic, count] = Deno.args;
  const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `drain-${crypto.randomUUID()}`, maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const done = Promise.withResolvers<void>();
  let read = 0;
  await consumer.run({
    autoCommit: false,
    eachBatch: ({ batch }) => {
      read += batch.messages.length;
      if (read >= Number(count)) done.resolve();
      return Promise.resolve();
    },
  });
  await done.promise;
  await consumer.disconnect();
  Deno.exit(0);
}

// Our reader without the command line or any output: openStream's raw records from the
// earliest offset to the end of the stream, counted.
if (Deno.args[0] === "reader-drain") {
  const [, url, count] = Deno.args;
  await using consumer = await openStream(url, "r", {
    auth: false,
    startAt: "earliest",
    untilEos: true,
  });
  let read = 0;
  for await (const _ of consumer.readRaw()) read++;
  if (read !== Number(count)) throw new Error(`the reader read ${read} records`);
  Deno.exit(0);
}

const messageCount = integerOption("messages", 100_000);
const messageSize = integerOption("size", 1024);
const rounds = integerOption("rounds", 2);
const batchSize = integerOption("batch", 0);
const HOP = new URL("../hop.ts", import.meta.url).pathname;

// A GraceDB-like alert padded to the requested JSON size.
function alert(i: number): Record<string, unknown> {
  const base = {
    alert_type: "update",
    time_created: "2026-11-22 16:00:00 UTC",
    superevent_id: `S261122${String(i).padStart(6, "0")}`,
    data: { far: 1.2e-9, labels: ["EM_READY", "PASTRO_READY"], pipeline: "gstlal" },
    padding: "",
  };
  base.padding = "x".repeat(Math.max(0, messageSize - JSON.stringify(base).length - 10));
  return base;
}

async function timed(command: string, args: string[], stdout: "null" | "piped") {
  const started = performance.now();
  const result = await new Deno.Command(command, { args, stdout, stderr: "piped" }).output();
  const ms = performance.now() - started;
  if (result.code !== 0) {
    throw new Error(`${command} failed: ${new TextDecoder().decode(result.stderr)}`);
  }
  return { ms, stdout: stdout === "piped" ? result.stdout : new Uint8Array() };
}

const rate = (ms: number) => Math.round(messageCount / (ms / 1000)).toLocaleString("en-US");

const topic = "bench.hop";
const broker = await startBrokerProcess([topic, "bench.empty"]);
try {
  {
    await using producer = await openStream(`${broker.url}/${topic}`, "w", { auth: false });
    for (let i = 0; i < messageCount; i++) {
      await producer.write(alert(i));
      if (batchSize && (i + 1) % batchSize === 0) await producer.flush();
    }
    await producer.flush();
  }
  const hopArgs = ["run", "-A", "--frozen", HOP, "subscribe", `${broker.url}/${topic}`];
  hopArgs.push("-s", "EARLIEST", "-j", "--no-auth");
  const kcatArgs = ["-C", "-b", broker.bootstrap, "-t", topic, "-o", "beginning", "-e", "-q"];
  const drainArgs = ["run", "-A", "--frozen", new URL(import.meta.url).pathname, "kafkajs-drain"];
  drainArgs.push(broker.bootstrap, topic, String(messageCount));
  const readerArgs = ["run", "-A", "--frozen", new URL(import.meta.url).pathname, "reader-drain"];
  readerArgs.push(`${broker.url}/${topic}`, String(messageCount));
  // kcat's own end-of-stream check waits for librdkafka's fetch.wait.max.ms (500 ms by default).
  const kcatShortArgs = [...kcatArgs, "-X", "fetch.wait.max.ms=10"];
  const emptyArgs = hopArgs.map((arg) =>
    arg === `${broker.url}/${topic}` ? `${broker.url}/bench.empty` : arg
  );

  // Once with the output kept, to check that both print every message.
  const check = await timed(Deno.execPath(), hopArgs, "piped");
  const lines = new TextDecoder().decode(check.stdout).split("\n").filter(Boolean);
  if (lines.length !== messageCount) throw new Error(`hop printed ${lines.length} lines`);
  JSON.parse(lines[lines.length - 1]);
  const kcatCheck = await timed("kcat", kcatArgs, "piped");
  let kcatLines = 0;
  for (const byte of kcatCheck.stdout) if (byte === 10) kcatLines++;
  if (kcatLines !== messageCount) throw new Error(`kcat printed ${kcatLines} lines`);

  // Timed rounds, alternating, into /dev/null; the best of each.
  let hopMs = Infinity;
  let kcatMs = Infinity;
  let drainMs = Infinity;
  let emptyMs = Infinity;
  let readerMs = Infinity;
  let kcatShortMs = Infinity;
  let groupHopMs = Infinity;
  for (let round = 0; round < rounds; round++) {
    hopMs = Math.min(hopMs, (await timed(Deno.execPath(), hopArgs, "null")).ms);
    // A fresh group each time, so that no commit of an earlier round moves the start.
    const groupArgs = [...hopArgs, "-g", `bench-${crypto.randomUUID()}`];
    groupHopMs = Math.min(groupHopMs, (await timed(Deno.execPath(), groupArgs, "null")).ms);
    kcatMs = Math.min(kcatMs, (await timed("kcat", kcatArgs, "null")).ms);
    drainMs = Math.min(drainMs, (await timed(Deno.execPath(), drainArgs, "null")).ms);
    readerMs = Math.min(readerMs, (await timed(Deno.execPath(), readerArgs, "null")).ms);
    kcatShortMs = Math.min(kcatShortMs, (await timed("kcat", kcatShortArgs, "null")).ms);
    emptyMs = Math.min(emptyMs, (await timed(Deno.execPath(), emptyArgs, "null")).ms);
  }
  const ratio = kcatMs / hopMs;
  console.log(
    `| hop subscribe benchmark (${messageSize}-byte JSON alerts, ${
      batchSize ? `${batchSize} per record batch` : "as the writer batched them"
    }) | messages | ms | msgs/s |`,
  );
  console.log("| --- | ---: | ---: | ---: |");
  console.log(
    `| hop subscribe -s EARLIEST -j > /dev/null | ${messageCount} | ${hopMs.toFixed(0)} | ${
      rate(hopMs)
    } |`,
  );
  console.log(
    `| the same in a consumer group (-g, read by the Kafka client) | ${messageCount} | ${
      groupHopMs.toFixed(0)
    } | ${rate(groupHopMs)} |`,
  );
  console.log(
    `| kcat -C -e -o beginning > /dev/null | ${messageCount} | ${kcatMs.toFixed(0)} | ${
      rate(kcatMs)
    } |`,
  );
  console.log(
    `| plain kafkajs eachBatch, nothing written | ${messageCount} | ${drainMs.toFixed(0)} | ${
      rate(drainMs)
    } |`,
  );
  console.log(
    `| our reader (openStream readRaw), nothing written | ${messageCount} | ${
      readerMs.toFixed(0)
    } | ${rate(readerMs)} |`,
  );
  console.log(
    `| kcat, fetch.wait.max.ms=10 (a shorter end-of-stream wait) | ${messageCount} | ${
      kcatShortMs.toFixed(0)
    } | ${rate(kcatShortMs)} |`,
  );
  console.log(`| hop / kcat | | | ${ratio.toFixed(2)}x (target >= 0.8x) |`);
  console.log(`| hop -g / kcat | | | ${(kcatMs / groupHopMs).toFixed(2)}x |`);
  console.log(`| plain kafkajs / kcat | | | ${(kcatMs / drainMs).toFixed(2)}x |`);
  console.log(`| our reader, nothing written / kcat | | | ${(kcatMs / readerMs).toFixed(2)}x |`);
  console.log(
    `| hop subscribe of an empty topic (start-up to end) | 0 | ${emptyMs.toFixed(0)} | |`,
  );
} finally {
  await broker.close();
}
