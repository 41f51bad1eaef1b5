/**
 * The Deno subjects of `bench_stack.ts`, each run as a process of its own: our `Client` and
 * `openStream`, and plain kafkajs (2.2.4 as it is, without our idle-timer fix, like the "plain
 * kafkajs consumer" of `bench_idle.ts`). Each prints one JSON line on stdout at the end; listeners
 * print "ready" on stderr once they receive, and with `--print` one short line per alert.
 *
 * Usage: `deno run -A scripts/_stack_subject.ts MODE ARGS...` with MODE one of
 * `latency-ours URL TOPIC COUNT`, `latency-kafkajs BOOTSTRAP TOPIC COUNT`,
 * `listen-ours URL TOPIC GROUP COUNT [--print] [--forever]`, `listen-kafkajs BOOTSTRAP TOPIC GROUP
 * COUNT [--print] [--forever]` (`--forever`: on after COUNT alerts, until killed), `read-stream URL TOPIC COUNT`, `publish-ours URL TOPIC COUNT`,
 * `publish-stream URL TOPIC COUNT`, `publish-kafkajs BOOTSTRAP TOPIC COUNT`. Topics are full Kafka
 * names (`gracedb.NAME`).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { Kafka, logLevel } from "kafkajs";
import { Client, openStream } from "../mod.ts";

const TEMPLATE = JSON.parse(
  Deno.readTextFileSync(new URL("bench_stack_alert.json", import.meta.url)),
);

/**
 * Alert `i` of the benchmark: a superevent `log` alert as GraceDB sends it, trimmed to about 1.5
 * KB of JSON text (the Python subjects write the same), with uid `S261203` and `i` in six digits.
 */
export function benchAlert(i: number): { uid: string; [key: string]: unknown } {
  const uid = `S261203${String(i).padStart(6, "0")}`;
  return { ...TEMPLATE, uid, object: { ...TEMPLATE.object, superevent_id: uid } };
}

/** The peak resident set size of this process (VmHWM), in kB. */
function peakRssKb(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function finish(result: Record<string, unknown>): never {
  console.log(JSON.stringify({ ...result, peakRssKb: peakRssKb() }));
  Deno.exit(0);
}

function printLine(line: string): void {
  Deno.stdout.writeSync(encoder.encode(`${line}\n`));
}

function unprefixed(topic: string): string {
  return topic.slice(topic.indexOf(".") + 1);
}

/** What a kafkajs user writes to publish like hop: headers `_id` and `_format`, GraceDB's value. */
function kafkajsMessage(i: number) {
  return {
    value: JSON.stringify(JSON.stringify(benchAlert(i))),
    headers: { _id: Buffer.from(crypto.getRandomValues(new Uint8Array(16))), _format: "json" },
  };
}

/** hop's decoding (`_format` header, JSON) and the alert text parsed once more. */
function kafkajsDecode(
  value: Uint8Array | null,
  headers: Record<string, unknown> | undefined,
): { uid: string; alert_type: string } {
  const format = headers?._format;
  const text = decoder.decode(value ?? new Uint8Array());
  let content: unknown = String(format) === "json" ? JSON.parse(text) : text;
  if (typeof content === "string") content = JSON.parse(content);
  return content as { uid: string; alert_type: string };
}

function kafka(bootstrap: string): Kafka {
  Deno.env.set("KAFKAJS_NO_PARTITIONER_WARNING", "1");
  return new Kafka({ brokers: [bootstrap], logLevel: logLevel.ERROR });
}

/**
 * Times alerts published one at a time until the listener reports each: `arrived` is what the
 * listener calls with an alert's uid; `time` publishes `count` alerts with `publish` and returns
 * the milliseconds from publishing to arrival.
 */
function arrivalClock() {
  let expect = (_uid: string) => {};
  return {
    arrived: (uid: string) => expect(uid),
    /** Until the next arrival, `onAny` runs for whatever arrives (to see fetching has begun). */
    onAny(onAny: () => void) {
      expect = () => onAny();
    },
    async time(count: number, publish: (i: number) => Promise<unknown>): Promise<number[]> {
      const samples: number[] = [];
      for (let i = 0; i < count; i++) {
        const uid = benchAlert(i).uid;
        const sent = performance.now();
        const received = new Promise<void>((resolve) => {
          expect = (got) => {
            if (got !== uid) return;
            samples.push(performance.now() - sent);
            resolve();
          };
        });
        await Promise.all([publish(i), received]);
      }
      return samples;
    },
  };
}

async function latencyOurs(url: string, topic: string, count: number): Promise<never> {
  await using listener = new Client({
    server: `${url}/`,
    noAuth: true,
    consumerGroup: `latency-ours-${crypto.randomUUID()}`,
  });
  await using publisher = new Client({ server: `${url}/`, noAuth: true });
  const clock = arrivalClock();
  const { promise: ready, resolve: isReady } = Promise.withResolvers<void>();
  const listening = listener.listen(
    (_topic, payload) => clock.arrived(payload.uid),
    unprefixed(topic),
    { onReady: () => isReady() },
  );
  await ready;
  await publisher.connect(unprefixed(topic));
  const samples = await clock.time(
    count,
    (i) => publisher.publishToTopic(unprefixed(topic), benchAlert(i)),
  );
  listener.stop();
  await listening;
  finish({ samples });
}

async function latencyKafkajs(bootstrap: string, topic: string, count: number): Promise<never> {
  const client = kafka(bootstrap);
  const consumer = client.consumer({ groupId: `latency-kafkajs-${crypto.randomUUID()}` });
  const producer = client.producer();
  await Promise.all([consumer.connect(), producer.connect()]);
  const { promise: joined, resolve: hasJoined } = Promise.withResolvers<void>();
  consumer.on(consumer.events.GROUP_JOIN, () => hasJoined());
  await consumer.subscribe({ topic });
  const clock = arrivalClock();
  await consumer.run({
    eachMessage: ({ message }) => {
      clock.arrived(kafkajsDecode(message.value, message.headers).uid);
      return Promise.resolve();
    },
  });
  await joined;
  // The group has joined; wait until its fetches see what is published.
  const { promise: fetching, resolve: isFetching } = Promise.withResolvers<void>();
  clock.onAny(isFetching);
  const probe = setInterval(() => {
    producer.send({ topic, acks: -1, messages: [kafkajsMessage(999_999)] }).catch(() => {});
  }, 200);
  await fetching;
  clearInterval(probe);
  const samples = await clock.time(
    count,
    (i) => producer.send({ topic, acks: -1, messages: [kafkajsMessage(i)] }),
  );
  await consumer.disconnect();
  await producer.disconnect();
  finish({ samples });
}

async function listenOurs(
  url: string,
  topic: string,
  group: string,
  count: number,
  print: boolean,
  forever: boolean,
): Promise<never> {
  await using client = new Client({
    server: `${url}/`,
    noAuth: true,
    consumerGroup: group,
    startAt: "earliest",
  });
  let handled = 0;
  let problems = 0;
  await client.listen(
    (name, payload, alert) => {
      if (alert.problem) problems++;
      if (print) printLine(`${name} ${payload.uid} ${payload.alert_type}`);
      if (++handled === count && !forever) client.stop();
    },
    unprefixed(topic),
    { onReady: () => console.error("ready") },
  );
  finish({ handled, problems });
}

async function listenKafkajs(
  bootstrap: string,
  topic: string,
  group: string,
  count: number,
  print: boolean,
  forever: boolean,
): Promise<never> {
  const consumer = kafka(bootstrap).consumer({ groupId: group });
  await consumer.connect();
  consumer.on(consumer.events.GROUP_JOIN, () => console.error("ready"));
  await consumer.subscribe({ topic, fromBeginning: true });
  let handled = 0;
  const { promise: done, resolve: isDone } = Promise.withResolvers<void>();
  await consumer.run({
    eachMessage: ({ message }) => {
      const alert = kafkajsDecode(message.value, message.headers);
      if (print) printLine(`${unprefixed(topic)} ${alert.uid} ${alert.alert_type}`);
      if (++handled === count && !forever) isDone();
      return Promise.resolve();
    },
  });
  await done;
  await consumer.disconnect();
  finish({ handled });
}

async function readStream(url: string, topic: string, count: number): Promise<never> {
  await using stream = await openStream(`${url}/${topic}`, "r", {
    auth: false,
    startAt: "earliest",
    untilEos: true,
  });
  let handled = 0;
  for await (const _message of stream) handled++;
  finish({ handled, expected: count });
}

async function publishOurs(url: string, topic: string, count: number): Promise<never> {
  const alerts = Array.from({ length: count }, (_, i) => benchAlert(i));
  const started = performance.now();
  await using client = new Client({ server: `${url}/`, noAuth: true });
  await client.connect(unprefixed(topic));
  for (const alert of alerts) await client.publishToTopic(unprefixed(topic), alert);
  await client.flushByTopic(unprefixed(topic));
  finish({ seconds: (performance.now() - started) / 1000 });
}

async function publishStream(url: string, topic: string, count: number): Promise<never> {
  const texts = Array.from({ length: count }, (_, i) => JSON.stringify(benchAlert(i)));
  const started = performance.now();
  await using stream = await openStream(`${url}/${topic}`, "w", { auth: false });
  for (const text of texts) await stream.write(text);
  await stream.flush();
  finish({ seconds: (performance.now() - started) / 1000 });
}

async function publishKafkajs(bootstrap: string, topic: string, count: number): Promise<never> {
  const messages = Array.from({ length: count }, (_, i) => kafkajsMessage(i));
  const started = performance.now();
  const producer = kafka(bootstrap).producer();
  await producer.connect();
  for (let i = 0; i < count; i += 100) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 100) });
  }
  await producer.disconnect();
  finish({ seconds: (performance.now() - started) / 1000 });
}

if (import.meta.main) {
  const [mode, target, topic, ...rest] = Deno.args;
  const print = rest.includes("--print");
  const forever = rest.includes("--forever");
  const last = Number(rest.filter((arg) => !arg.startsWith("--")).at(-1));
  const modes: Record<string, () => Promise<never>> = {
    "latency-ours": () => latencyOurs(target, topic, last),
    "latency-kafkajs": () => latencyKafkajs(target, topic, last),
    "listen-ours": () => listenOurs(target, topic, rest[0], last, print, forever),
    "listen-kafkajs": () => listenKafkajs(target, topic, rest[0], last, print, forever),
    "read-stream": () => readStream(target, topic, last),
    "publish-ours": () => publishOurs(target, topic, last),
    "publish-stream": () => publishStream(target, topic, last),
    "publish-kafkajs": () => publishKafkajs(target, topic, last),
  };
  const run = modes[mode];
  if (!run) {
    console.error(`unknown mode ${mode}`);
    Deno.exit(2);
  }
  await run();
}
