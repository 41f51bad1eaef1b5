/**
 * `hop subscribe -s EARLIEST -j` of a backlog to the end of the stream, into /dev/null, compared
 * with `kcat -C -e -o beginning` on the same broker in the same run (target: at least 0.8x
 * kcat's rate). Both are timed as whole processes, start-up included.
 *
 * Usage: deno run -A scripts/bench_hop.ts [--messages 100000] [--size 1024] [--rounds 2]
 *
 * The broker runs in its own process (`cli.ts broker`). Prints a Markdown table on stdout.
 *
 * @module
 */
import { openStream } from "../lib/hop/stream.ts";
import { startBrokerProcess } from "./_broker_process.ts";
import { integerOption } from "./_bench_options.ts";

const messageCount = integerOption("messages", 100_000);
const messageSize = integerOption("size", 1024);
const rounds = integerOption("rounds", 2);
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
const broker = await startBrokerProcess([topic]);
try {
  {
    await using producer = await openStream(`${broker.url}/${topic}`, "w", { auth: false });
    for (let i = 0; i < messageCount; i++) await producer.write(alert(i));
    await producer.flush();
  }
  const hopArgs = ["run", "-A", "--frozen", HOP, "subscribe", `${broker.url}/${topic}`];
  hopArgs.push("-s", "EARLIEST", "-j", "--no-auth");
  const kcatArgs = ["-C", "-b", broker.bootstrap, "-t", topic, "-o", "beginning", "-e", "-q"];

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
  for (let round = 0; round < rounds; round++) {
    hopMs = Math.min(hopMs, (await timed(Deno.execPath(), hopArgs, "null")).ms);
    kcatMs = Math.min(kcatMs, (await timed("kcat", kcatArgs, "null")).ms);
  }
  const ratio = kcatMs / hopMs;
  console.log(
    `| hop subscribe benchmark (${messageSize}-byte JSON alerts) | messages | ms | msgs/s |`,
  );
  console.log("| --- | ---: | ---: | ---: |");
  console.log(
    `| hop subscribe -s EARLIEST -j > /dev/null | ${messageCount} | ${hopMs.toFixed(0)} | ${
      rate(hopMs)
    } |`,
  );
  console.log(
    `| kcat -C -e -o beginning > /dev/null | ${messageCount} | ${kcatMs.toFixed(0)} | ${
      rate(kcatMs)
    } |`,
  );
  console.log(`| hop / kcat | | | ${ratio.toFixed(2)}x (target >= 0.8x) |`);
} finally {
  await broker.close();
}
