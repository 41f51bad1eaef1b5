/**
 * Stream throughput against our broker: reading a backlog of JSON alerts through `Consumer`
 * compared with `kcat -C -e` in the same run, and `Producer` writes + flush (alert objects, then
 * GraceDB-style JSON strings of the alert text).
 *
 * Usage: deno run -A scripts/bench_consumer.ts [--messages 100000] [--size 1024] [--writes 20000]
 *        [--pings 200]
 *
 * The broker runs in its own process (`cli.ts broker`), like kcat, so that each client competes
 * with the broker for the CPU the same way. Prints a Markdown table on stdout.
 *
 * @module
 */
import { openStream } from "../lib/hop/stream.ts";
import { startBrokerProcess } from "./_broker_process.ts";
import { integerOption } from "./_bench_options.ts";

const messageCount = integerOption("messages", 100_000);
const messageSize = integerOption("size", 1024);
const writeCount = integerOption("writes", 20_000);
const latencyRounds = integerOption("pings", 200);

// A GraceDB-like alert padded to the requested JSON size.
function alert(i: number): Record<string, unknown> {
  const base = {
    alert_type: "update",
    time_created: "2026-11-22 16:00:00 UTC",
    superevent_id: `S261122${String(i).padStart(6, "0")}`,
    urls: { gracedb: "https://gracedb.example.org/superevents/S261122a/view/" },
    data: { far: 1.2e-9, labels: ["EM_READY", "PASTRO_READY"], pipeline: "gstlal" },
    padding: "",
  };
  const size = JSON.stringify(base).length;
  base.padding = "x".repeat(Math.max(0, messageSize - size - 10));
  return base;
}

function rate(count: number, ms: number): string {
  return Math.round(count / (ms / 1000)).toLocaleString("en-US");
}

const broker = await startBrokerProcess(["bench.backlog", "bench.writes"]);
const bootstrap = broker.bootstrap;
try {
  // Producer: 20,000 writes + flush.
  let started = performance.now();
  {
    await using producer = await openStream(`${broker.url}/bench.writes`, "w", { auth: false });
    for (let i = 0; i < writeCount; i++) await producer.write(alert(i));
    await producer.flush();
  }
  const writeMs = performance.now() - started;

  // The same as GraceDB publishes: the value is the JSON string literal of the alert's text.
  started = performance.now();
  {
    await using producer = await openStream(`${broker.url}/bench.writes`, "w", { auth: false });
    for (let i = 0; i < writeCount; i++) await producer.write(JSON.stringify(alert(i)));
    await producer.flush();
  }
  const writeTextMs = performance.now() - started;

  // Backlog for the readers.
  started = performance.now();
  {
    await using producer = await openStream(`${broker.url}/bench.backlog`, "w", { auth: false });
    for (let i = 0; i < messageCount; i++) await producer.write(alert(i));
    await producer.flush();
  }
  const backlogMs = performance.now() - started;

  // Our consumer, decoding every alert.
  started = performance.now();
  let read = 0;
  {
    await using consumer = await openStream(`${broker.url}/bench.backlog`, "r", {
      auth: false,
      startAt: "earliest",
      untilEos: true,
    });
    for await (const _message of consumer) read++;
  }
  const readMs = performance.now() - started;
  if (read !== messageCount) throw new Error(`consumer read ${read} of ${messageCount} messages`);

  // kcat on the same broker.
  started = performance.now();
  const kcat = await new Deno.Command("kcat", {
    args: ["-C", "-b", bootstrap, "-t", "bench.backlog", "-o", "beginning", "-e", "-q"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const kcatMs = performance.now() - started;
  if (kcat.code !== 0) throw new Error(`kcat failed: ${new TextDecoder().decode(kcat.stderr)}`);
  let lines = 0;
  for (const byte of kcat.stdout) if (byte === 10) lines++;
  if (lines !== messageCount) throw new Error(`kcat printed ${lines} of ${messageCount} messages`);

  // Latency: one message at a time from write() to the waiting reader.
  const latencies: number[] = [];
  {
    await using consumer = await openStream(`${broker.url}/bench.writes`, "r", { auth: false });
    await consumer.ready;
    await using producer = await openStream(`${broker.url}/bench.writes`, "w", { auth: false });
    const messages = consumer.read();
    for (let i = 0; i < latencyRounds; i++) {
      const sent = performance.now();
      await producer.write({ ping: i });
      const received = await messages.next();
      if (received.done) throw new Error("consumer ended early");
      latencies.push(performance.now() - sent);
    }
    await producer.flush();
  }
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];

  const ratio = (messageCount / readMs) / (messageCount / kcatMs);
  console.log(`| stream benchmark (${messageSize}-byte JSON alerts) | messages | ms | msgs/s |`);
  console.log("| --- | ---: | ---: | ---: |");
  console.log(
    `| Consumer read from earliest (decoded) | ${messageCount} | ${readMs.toFixed(0)} | ${
      rate(messageCount, readMs)
    } |`,
  );
  console.log(
    `| kcat -C -e (same broker) | ${messageCount} | ${kcatMs.toFixed(0)} | ${
      rate(messageCount, kcatMs)
    } |`,
  );
  console.log(`| Consumer / kcat | | | ${ratio.toFixed(2)}x (target >= 0.5x) |`);
  console.log(
    `| Producer write + flush | ${writeCount} | ${writeMs.toFixed(0)} | ${
      rate(writeCount, writeMs)
    } |`,
  );
  console.log(
    `| Producer write + flush, GraceDB-style JSON strings | ${writeCount} | ${
      writeTextMs.toFixed(0)
    } | ${rate(writeCount, writeTextMs)} |`,
  );
  console.log(
    `| write() to reader latency, ${latencyRounds} messages one at a time | ${latencyRounds} | median ${
      percentile(0.5).toFixed(1)
    }, p99 ${percentile(0.99).toFixed(1)} | |`,
  );
  console.log(
    `| Producer backlog write + flush | ${messageCount} | ${backlogMs.toFixed(0)} | ${
      rate(messageCount, backlogMs)
    } |`,
  );
} finally {
  await broker.close();
}
