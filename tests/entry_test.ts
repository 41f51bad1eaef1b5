/**
 * The package's main module is both the library and, when run, the CLI
 * (`deno run -A jsr:@igwn/alert listen`).
 */
import assert from "node:assert/strict";
import { runProcess } from "./support/processes.ts";
import { test } from "./support/deadline.ts";

const MOD = new URL("../mod.ts", import.meta.url).pathname;

/** Runs `deno <args>` and collects its exit code and output. */
async function deno(args: string[]) {
  const { code, stdout, stderr } = await runProcess(Deno.execPath(), args, {
    env: { NO_COLOR: "1" },
    timeoutMs: 60_000,
  });
  return { code, stdout, stderr };
}

test("running mod.ts acts as the igwn-alert CLI", async () => {
  const version = await deno(["run", "-A", "--frozen", MOD, "--version"]);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^igwn-alert client \d+\.\d+\.\d+\n$/);

  const bad = await deno(["run", "-A", "--frozen", MOD, "listen", "--port", "onetwo"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--port/);
  assert.equal(bad.stdout, "");
});

test("importing mod.ts runs no CLI and exports the library", async () => {
  const script = `import * as lib from ${JSON.stringify(MOD)};
console.log(typeof lib.Client, typeof lib.openStream, "simulateLifecycles" in lib);`;
  const imported = await deno(["eval", script]);
  assert.equal(imported.code, 0, imported.stderr);
  // The playground is the "./playground" entry point, not part of the root module.
  assert.equal(imported.stdout, "function function false\n");
});

test("the playground and the broker have entry points of their own", async () => {
  const playground = new URL("../lib/playground/mod.ts", import.meta.url).pathname;
  const broker = new URL("../lib/broker/mod.ts", import.meta.url).pathname;
  const script = `import * as playground from ${JSON.stringify(playground)};
import * as broker from ${JSON.stringify(broker)};
console.log(typeof playground.simulateLifecycles, typeof playground.startPlayground,
  typeof broker.startBroker);`;
  const imported = await deno(["eval", script]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(imported.stdout, "function function function\n");
});
