import assert from "node:assert/strict";
import { OFFSETS_FILE_NAME, OffsetStore, OffsetStoreError } from "../lib/broker/offset_store.ts";
import { test } from "./support/deadline.ts";

/** These tests run only our own code, so Deno's op and resource sanitizers are on. */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "offset_store_test_" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function logLines(dir: string): string[] {
  return Deno.readTextFileSync(`${dir}/${OFFSETS_FILE_NAME}`).split("\n").filter((l) => l !== "");
}

test("OffsetStore in memory stores offsets per group, topic and partition", async () => {
  await using store = await OffsetStore.open();
  await store.commit("g1", "alerts", 0, 10n, "m0");
  await store.commit("g1", "alerts", 1, 11n, null);
  await store.commit("g2", "alerts", 0, 99n, "other");
  assert.deepEqual(store.get("g1", "alerts", 0), { offset: 10n, metadata: "m0" });
  assert.deepEqual(store.get("g1", "alerts", 1), { offset: 11n, metadata: "" });
  assert.equal(store.get("g1", "alerts", 2), undefined);
  assert.equal(store.get("g3", "alerts", 0), undefined);
  assert.deepEqual(store.committed("g1"), [
    { topic: "alerts", partition: 0, offset: 10n, metadata: "m0" },
    { topic: "alerts", partition: 1, offset: 11n, metadata: "" },
  ]);
  assert.deepEqual(store.committed("nobody"), []);
  assert.deepEqual(store.groups(), ["g1", "g2"]);
}, SANITIZED);

test("OffsetStore.committed() sorts by topic then numeric partition", async () => {
  await using store = await OffsetStore.open();
  await store.commit("g", "b", 10, 1n, null);
  await store.commit("g", "b", 2, 2n, null);
  await store.commit("g", "a", 0, 3n, null);
  assert.deepEqual(
    store.committed("g").map((c) => `${c.topic}/${c.partition}`),
    ["a/0", "b/2", "b/10"],
  );
}, SANITIZED);

test("OffsetStore keeps offsets across reopen of its data directory", async () => {
  await withDir(async (dir) => {
    const store = await OffsetStore.open(dir);
    await store.commit("g", "t", 0, 5n, "first");
    await store.commit("g", "t", 0, 6n, "second");
    await store.commit("g", "u", 3, 9007199254740993n, null);
    // Written before commit resolves: the log already holds the records.
    assert.equal(logLines(dir).length, 3);
    await store.close();

    await using again = await OffsetStore.open(dir);
    assert.deepEqual(again.get("g", "t", 0), { offset: 6n, metadata: "second" });
    assert.deepEqual(again.get("g", "u", 3), { offset: 9007199254740993n, metadata: "" });
  });
}, SANITIZED);

test("OffsetStore compacts its log on open to one record per offset", async () => {
  await withDir(async (dir) => {
    const store = await OffsetStore.open(dir);
    for (let i = 0n; i < 20n; i++) await store.commit("g", "t", 0, i, null);
    await store.commit("g", "t", 1, 7n, null);
    await store.close();
    assert.equal(logLines(dir).length, 21);

    const again = await OffsetStore.open(dir);
    assert.equal(logLines(dir).length, 2);
    assert.deepEqual(again.get("g", "t", 0), { offset: 19n, metadata: "" });
    await again.close();
  });
}, SANITIZED);

test("OffsetStore ignores a torn last line left by a crash", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/${OFFSETS_FILE_NAME}`;
    const good = JSON.stringify({
      group: "g",
      topic: "t",
      partition: 0,
      offset: "4",
      metadata: "",
    });
    await Deno.writeTextFile(path, `${good}\n{"group":"g","topic":"t","partition":0,"off`);
    await using store = await OffsetStore.open(dir);
    assert.deepEqual(store.get("g", "t", 0), { offset: 4n, metadata: "" });
    // The torn bytes are gone, so new records start on a clean line.
    await store.commit("g", "t", 1, 8n, null);
    assert.deepEqual(logLines(dir).map((l) => JSON.parse(l).partition), [0, 1]);
  });
}, SANITIZED);

test("OffsetStore ignores a complete-looking last line without its newline", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/${OFFSETS_FILE_NAME}`;
    const line = (offset: string) =>
      JSON.stringify({ group: "g", topic: "t", partition: 0, offset, metadata: "" });
    await Deno.writeTextFile(path, `${line("1")}\n${line("2")}`);
    await using store = await OffsetStore.open(dir);
    assert.deepEqual(store.get("g", "t", 0), { offset: 1n, metadata: "" });
  });
}, SANITIZED);

test(
  "OffsetStore.open() rejects a corrupt record before the last line, naming file and line",
  async () => {
    await withDir(async (dir) => {
      const path = `${dir}/${OFFSETS_FILE_NAME}`;
      const good = JSON.stringify({
        group: "g",
        topic: "t",
        partition: 0,
        offset: "4",
        metadata: "",
      });
      await Deno.writeTextFile(path, `${good}\nnot json\n${good}\n`);
      await assert.rejects(
        () => OffsetStore.open(dir),
        (error: unknown) => {
          assert.ok(error instanceof OffsetStoreError);
          assert.equal(error.message, `${path}:2: corrupt offset record`);
          return true;
        },
      );
    });
  },
  SANITIZED,
);

test("OffsetStore.deleteTopic() forgets the topic in every group, also after reopen", async () => {
  await withDir(async (dir) => {
    const store = await OffsetStore.open(dir);
    await store.commit("g1", "gone", 0, 1n, null);
    await store.commit("g2", "gone", 1, 2n, null);
    await store.commit("g2", "kept", 0, 3n, null);
    await store.deleteTopic("gone");
    assert.equal(store.get("g1", "gone", 0), undefined);
    assert.deepEqual(store.groups(), ["g2"]);
    await store.close();

    await using again = await OffsetStore.open(dir);
    assert.equal(again.get("g2", "gone", 1), undefined);
    assert.deepEqual(again.get("g2", "kept", 0), { offset: 3n, metadata: "" });
  });
}, SANITIZED);

test("OffsetStore writes concurrent commits in order, the last one winning", async () => {
  await withDir(async (dir) => {
    const store = await OffsetStore.open(dir);
    const commits = [];
    for (let i = 0; i < 200; i++) {
      commits.push(store.commit(`g${i % 3}`, "t", i % 4, BigInt(i), `m${i}`));
    }
    await Promise.all(commits);
    assert.deepEqual(store.get("g2", "t", 3), { offset: 191n, metadata: "m191" });
    assert.equal(logLines(dir).length, 200);
    await store.close();
    await using again = await OffsetStore.open(dir);
    assert.deepEqual(again.get("g2", "t", 3), { offset: 191n, metadata: "m191" });
    assert.deepEqual(again.get("g0", "t", 0), { offset: 192n, metadata: "m192" });
  });
}, SANITIZED);

test("OffsetStore.commit() after close() rejects with OffsetStoreError", async () => {
  await withDir(async (dir) => {
    const store = await OffsetStore.open(dir);
    await store.close();
    await assert.rejects(
      () => store.commit("g", "t", 0, 1n, null),
      (error: unknown) => error instanceof OffsetStoreError && /is closed/.test(error.message),
    );
  });
}, SANITIZED);

test("OffsetStore.open() creates a missing data directory", async () => {
  await withDir(async (dir) => {
    const nested = `${dir}/a/b`;
    const store = await OffsetStore.open(nested);
    await store.commit("g", "t", 0, 1n, null);
    await store.close();
    assert.equal(logLines(nested).length, 1);
  });
}, SANITIZED);

test(
  "OffsetStore keeps every acknowledged commit when its process is killed with SIGKILL",
  async () => {
    await withDir(async (dir) => {
      const moduleUrl = new URL("../lib/broker/offset_store.ts", import.meta.url).href;
      const committer = `
      import { OffsetStore } from ${JSON.stringify(moduleUrl)};
      const store = await OffsetStore.open(${JSON.stringify(dir)});
      const out = Deno.stdout;
      for (let i = 1n; ; i++) {
        await store.commit("g", "t", 0, i, "m" + i);
        await out.write(new TextEncoder().encode(i + "\\n"));
      }
    `;
      const child = new Deno.Command(Deno.execPath(), {
        args: ["eval", committer],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      let acknowledged = 0n;
      let buffered = "";
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      while (acknowledged < 500n) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += value;
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        if (lines.length > 0) acknowledged = BigInt(lines[lines.length - 1]);
      }
      child.kill("SIGKILL");
      await child.status;
      await reader.cancel();
      assert.ok(acknowledged >= 500n, "the committer stopped early");

      await using store = await OffsetStore.open(dir);
      const stored = store.get("g", "t", 0);
      assert.ok(stored, "no offset survived");
      assert.ok(stored.offset >= acknowledged, `${stored.offset} < acknowledged ${acknowledged}`);
      assert.equal(stored.metadata, `m${stored.offset}`);
    });
  },
  SANITIZED,
);
