/**
 * `deno task compile`: prints the exact permission set, and checks what it built, so that a
 * runtime that is plain Deno (DENORT_BIN pointed at a full `deno`) is caught, natively and for
 * another target. Without network access, the build stops with a message saying so.
 */
import assert from "node:assert/strict";
import { cliRuntimeFlags } from "../lib/cli/permissions.ts";
import { DENO_DIR } from "./support/cli.ts";
import { runProcess } from "./support/processes.ts";
import { test } from "./support/deadline.ts";

const COMPILE = new URL("../scripts/compile.ts", import.meta.url).pathname;

async function compile(args: string[], env: Record<string, string> = {}) {
  return await runProcess(Deno.execPath(), ["run", "-A", "--frozen", COMPILE, ...args], {
    env: {
      HOME: Deno.env.get("HOME") ?? "/",
      DENO_DIR,
      PATH: "/usr/bin:/bin",
      NO_COLOR: "1",
      ...env,
    },
    clearEnv: true,
    timeoutMs: 240_000,
  });
}

async function entries(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name);
}

test("--print-permissions prints the flags the binary carries, and builds nothing", async () => {
  const result = await compile(["--print-permissions"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `${cliRuntimeFlags().join(" ")}\n`);
  const flags = result.stdout.trim().split(" ");
  assert.ok(flags.includes("--allow-net") && flags.includes("--no-prompt"), result.stdout);
  assert.deepEqual(flags.filter((flag) => /^(-A|--allow-(all|run|ffi|sys|import))/.test(flag)), []);
  assert.ok(flags.some((flag) => flag.startsWith("--allow-env=HOME,")), result.stdout);
});

test("a binary built on a full deno instead of denort is caught and removed", {
  deadlineMs: 300_000,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "igwn-alert-compile-" });
  try {
    const native = await compile(["--out-dir", dir], { DENORT_BIN: Deno.execPath() });
    assert.equal(native.code, 1, native.stderr);
    assert.match(
      native.stderr,
      new RegExp(
        `compile: ${dir}/igwn-alert --version answered 'deno ${
          Deno.version.deno.replaceAll(".", "\\.")
        } .*' \\(exit 0\\), not as igwn-alert: the binary is plain Deno \\(is DENORT_BIN a full ` +
          `deno instead of denort\\?\\); removed it\\n$`,
      ),
    );
    assert.deepEqual(await entries(dir), []);

    const cross = await compile(["--target", "aarch64-unknown-linux-gnu", "--out-dir", dir], {
      DENORT_BIN: Deno.execPath(),
    });
    assert.equal(cross.code, 1, cross.stderr);
    assert.match(
      cross.stderr,
      /igwn-alert-aarch64-unknown-linux-gnu is built on the full deno command, not on Deno's runtime/,
    );
    assert.deepEqual(await entries(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("compile builds and checks the binary, or says it cannot download the runtime", {
  deadlineMs: 300_000,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "igwn-alert-compile-" });
  try {
    const result = await compile(["--out-dir", dir]);
    if (result.code === 0) {
      // A machine with internet access: the checked binary answers as igwn-alert.
      assert.match(result.stderr, new RegExp(`compile: built and checked ${dir}/igwn-alert\\n`));
      const version = await runProcess(`${dir}/igwn-alert`, ["--version"], { timeoutMs: 30_000 });
      assert.match(version.stdout, /^igwn-alert client \d+\.\d+\.\d+\n$/);
    } else {
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /compile: deno compile could not download the Deno runtime \(denort\) .* set DENORT_BIN to a local denort binary of the same Deno version \(\d+\.\d+\.\d+\)\.\n$/,
      );
      assert.deepEqual(await entries(dir), []);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("an unknown target is refused with the list of targets", async () => {
  const result = await compile(["--target", "pdp11"]);
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /^compile: unknown target 'pdp11' \(one of x86_64-unknown-linux-gnu, /,
  );
});

test("every entry that compile builds starts its CLI through the narrowing launcher", async () => {
  // The binaries carry file access without paths; only runSandboxed narrows it per run.
  let checked = 0;
  for (const entry of ["cli.ts", "hop.ts"]) {
    let text: string;
    try {
      text = await Deno.readTextFile(new URL(`../${entry}`, import.meta.url));
    } catch {
      continue; // hop.ts is optional
    }
    assert.match(text, /\bawait runSandboxed\(/, `${entry} must start through runSandboxed`);
    checked++;
  }
  assert.ok(checked >= 1);
});
