/**
 * Broker throughput benchmark: kcat produces N messages of SIZE bytes to a fresh broker (acks=1)
 * and then consumes them back, once in memory and once with a data directory; prints messages per
 * second each way as a Markdown table.
 *
 * Usage: deno run -A scripts/bench_broker.ts [--messages 100000] [--size 1024] [--data-dir DIR]
 * (`--data-dir` picks where the persisted run writes; default a temporary directory).
 *
 * @module
 */

import { startBroker } from "../lib/broker/mod.ts";

function flag(name: string, fallback: string): string {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 && Deno.args[at + 1] ? Deno.args[at + 1] : fallback;
}

const messages = Number(flag("messages", "100000"));
const size = Number(flag("size", "1024"));
const dataDir = flag("data-dir", "");

async function timed(
  command: string[],
  stdin?: Uint8Array,
): Promise<{ seconds: number; stdout: string }> {
  const started = performance.now();
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(stdin);
    await writer.close();
  }
  const out = await child.output();
  const seconds = (performance.now() - started) / 1000;
  if (out.code !== 0) {
    throw new Error(
      `${command.join(" ")} exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return { seconds, stdout: new TextDecoder().decode(out.stdout) };
}

const line = new Uint8Array(size + 1).fill(0x61);
line[size] = 0x0a;
const input = new Uint8Array(line.length * messages);
for (let i = 0; i < messages; i++) input.set(line, i * line.length);

async function run(storage: string | undefined): Promise<string[]> {
  const broker = await startBroker({
    port: 0,
    topics: ["bench"],
    dataDir: storage,
    logger: () => {},
  });
  try {
    const bootstrap = broker.addresses[0];
    const produce = await timed(
      [
        "kcat",
        "-b",
        bootstrap,
        "-P",
        "-t",
        "bench",
        "-p",
        "0",
        "-X",
        "acks=1",
        "-X",
        "linger.ms=5",
      ],
      input,
    );
    const consume = await timed([
      "kcat",
      "-b",
      bootstrap,
      "-C",
      "-t",
      "bench",
      "-p",
      "0",
      "-o",
      "beginning",
      "-e",
      "-q",
      "-f",
      "%o\\n",
    ]);
    const received = consume.stdout.trim().split("\n").length;
    if (received !== messages) throw new Error(`consumed ${received} of ${messages} messages`);
    const mb = (messages * size) / 1e6;
    const label = storage ? "data dir" : "memory";
    const row = (what: string, seconds: number) =>
      `| ${label} | ${what} | ${messages} | ${size} | ${seconds.toFixed(2)} | ${
        Math.round(messages / seconds)
      } | ${(mb / seconds).toFixed(1)} |`;
    return [
      row("produce (kcat -P, acks=1)", produce.seconds),
      row("consume (kcat -C -e)", consume.seconds),
    ];
  } finally {
    await broker.close();
  }
}

const rows = await run(undefined);
const storage = dataDir || await Deno.makeTempDir({ prefix: "bench-broker-" });
try {
  rows.push(...await run(storage));
} finally {
  if (!dataDir) await Deno.remove(storage, { recursive: true });
}
console.log("| storage | direction | messages | bytes each | seconds | msgs/s | MB/s |");
console.log("|---|---|---|---|---|---|---|");
for (const row of rows) console.log(row);
