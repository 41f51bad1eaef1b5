/**
 * `listen --output` records a playground session; `playground --replay` publishes it into a fresh
 * playground, whose recording then holds the same alerts in the same order per superevent.
 */
import assert from "node:assert/strict";
import { simulateLifecycles } from "../lib/playground/mod.ts";
import { parseRecording, type RecordedAlert } from "../lib/pipeline/record.ts";
import { makeHome, runCliProcess, startCli } from "./support/cli.ts";
import { test } from "./support/deadline.ts";
import type { RunningProcess } from "./support/processes.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** Starts `playground ARGS` and returns it with the server it printed, once it serves. */
async function playground(args: string[]): Promise<{ process: RunningProcess; server: string }> {
  const process = startCli(["playground", "--port", "0", "--no-auth", ...args], { cwd: ROOT });
  const line = await process.waitForLine((l) => l.startsWith("server: "), 60_000);
  await process.waitForLine((l) => l.startsWith("stop with Ctrl-C"), 60_000);
  return { process, server: line.slice("server: ".length) };
}

/** The superevent an alert belongs to. */
function supereventOf(record: RecordedAlert): string {
  const alert = JSON.parse(record.payload);
  return alert.object.superevent_id ?? alert.object.superevent ?? alert.uid;
}

/** Payloads grouped by topic and superevent, in recording order. */
function sequences(records: RecordedAlert[]): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const record of records) {
    (groups[`${record.topic} ${supereventOf(record)}`] ??= []).push(record.payload);
  }
  return groups;
}

test({
  name: "a recorded playground session replayed into a fresh playground records the same",
  deadlineMs: 180_000,
  async fn({ signal }) {
    const dir = await Deno.makeTempDir({ prefix: "igwn-alert-record-" });
    const home = await makeHome();
    const total = simulateLifecycles({ seed: "6", count: 2 }).toArray().length;
    const record = async (server: string, file: string) => {
      const result = await runCliProcess(
        [
          "listen",
          "--no-auth",
          "--server",
          server,
          "--earliest",
          "--output",
          file,
          "--count",
          String(total),
        ],
        { home, signal, timeoutMs: 90_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      return parseRecording(await Deno.readTextFile(file), file);
    };
    try {
      const first = await playground(["--count", "2", "--seed", "6", "--rate", "60"]);
      let original: RecordedAlert[];
      try {
        original = await record(first.server, `${dir}/original.ndjson`);
      } finally {
        assert.equal((await first.process.stop("SIGINT")).code, 0);
      }
      assert.equal(original.length, total);
      // Metadata of every alert: its place in the log and hop's headers.
      for (const r of original) {
        assert.equal(r.partition, 0);
        assert.ok(r.headers.some(([name, value]) => name === "_format" && value === "json"));
      }
      const superevent = original.filter((r) => r.topic === "gracedb.superevent");
      assert.deepEqual(superevent.map((r) => r.offset), superevent.map((_, i) => i));

      const second = await playground(["--replay", `${dir}/original.ndjson`]);
      let replayed: RecordedAlert[];
      try {
        replayed = await record(second.server, `${dir}/replayed.ndjson`);
      } finally {
        const stopped = await second.process.stop("SIGINT");
        assert.equal(stopped.code, 0, stopped.stderr);
        assert.match(stopped.stderr, new RegExp(`replayed ${total} of ${total} alerts`));
      }
      assert.deepEqual(sequences(replayed), sequences(original));
      assert.deepEqual(
        replayed.map((r) => r.payload).sort(),
        original.map((r) => r.payload).sort(),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

test({
  name: "playground --replay refuses a file that is not a recording, with one line",
  async fn({ signal }) {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/bad.ndjson`, '{"topic": "gracedb.superevent"}\n');
      const process = startCli(["playground", "--port", "0", "--replay", `${dir}/bad.ndjson`], {
        cwd: ROOT,
        signal,
      });
      const result = await process.finished(60_000);
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr,
        `igwn-alert: ${dir}/bad.ndjson line 1: no 'timestamp' number\n`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
