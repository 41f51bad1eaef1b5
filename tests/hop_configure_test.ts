/**
 * `hop configure locate|show|set`, hop's `-d/--debug`, and the program name in `auth`'s lines,
 * run as users run them (`igwn-alert hop ...` and the `./hop` entry point, with the binary's
 * permissions narrowed for the run) in a HOME of their own.
 */
import assert from "node:assert/strict";
import { cliRuntimeFlags } from "../lib/cli/permissions.ts";
import { DENO_DIR, exists, makeHome, runCliProcess } from "./support/cli.ts";
import { runProcess } from "./support/processes.ts";
import { test } from "./support/deadline.ts";

const HOP_ENTRY = new URL("../hop.ts", import.meta.url).pathname;

function hop(home: string, args: string[], env: Record<string, string> = {}) {
  return runCliProcess(["hop", ...args], { home, env });
}

/** Runs the `./hop` entry point with the permissions of the compiled binary. */
async function hopEntry(home: string, args: string[]) {
  const { code, stdout, stderr } = await runProcess(
    Deno.execPath(),
    ["run", "--frozen", ...cliRuntimeFlags(), HOP_ENTRY, ...args],
    { env: { HOME: home, DENO_DIR }, clearEnv: true, timeoutMs: 60_000, name: "hop" },
  );
  return { code, stdout, stderr };
}

async function writeConfig(home: string, text: string): Promise<string> {
  await Deno.mkdir(`${home}/.config/hop`, { recursive: true });
  const path = `${home}/.config/hop/config.toml`;
  await Deno.writeTextFile(path, text);
  return path;
}

test("configure locate prints config.toml or auth.toml, under XDG_CONFIG_HOME when set", async () => {
  const home = await makeHome();
  const cases: [string[], Record<string, string>, string][] = [
    [[], {}, `${home}/.config/hop/config.toml`],
    [["-t", "general"], {}, `${home}/.config/hop/config.toml`],
    [["--type", "auth"], {}, `${home}/.config/hop/auth.toml`],
    [[], { XDG_CONFIG_HOME: `${home}/xdg` }, `${home}/xdg/hop/config.toml`],
    [["-t", "auth"], { XDG_CONFIG_HOME: `${home}/xdg/` }, `${home}/xdg/hop/auth.toml`],
  ];
  for (const [flags, env, path] of cases) {
    const result = await hop(home, ["configure", "locate", ...flags], env);
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, `${path}\n`, ""], path);
  }
  // Nothing is created by looking.
  assert.equal(await exists(`${home}/.config`), false);
  const bad = await hop(home, ["configure", "locate", "-t", "netrc"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, "");
  assert.match(bad.stderr, /^hop: option '-t, --type <type>' argument 'netrc' is invalid\./);
});

test("configure show: defaults, then the file, then HOP_* variables win", async () => {
  const home = await makeHome();
  const defaults = await hop(home, ["configure", "show"]);
  assert.deepEqual([defaults.code, defaults.stdout, defaults.stderr], [
    0,
    "fetch_external: True\nautomatic_offload: True\n",
    "",
  ]);
  await writeConfig(home, "[config]\nfetch_external = false\nautomatic_offload = false\n");
  const fromFile = await hop(home, ["configure", "show"]);
  assert.deepEqual([fromFile.code, fromFile.stdout], [
    0,
    "fetch_external: False\nautomatic_offload: False\n",
  ]);
  const overridden = await hop(home, ["configure", "show"], { HOP_AUTOMATIC_OFFLOAD: "YES" });
  assert.deepEqual([overridden.code, overridden.stdout, overridden.stderr], [
    0,
    "fetch_external: False\nautomatic_offload: True\n",
    "",
  ]);
  const badVariable = await hop(home, ["configure", "show"], { HOP_FETCH_EXTERNAL: "maybe" });
  assert.deepEqual([badVariable.code, badVariable.stdout], [1, ""]);
  assert.equal(
    badVariable.stderr,
    "hop: Error parsing configuration variable HOP_FETCH_EXTERNAL: Invalid boolean value " +
      "'maybe' (expected true, yes, on, 1, false, no, off or 0)\n",
  );
});

test("configure set writes [config] and logs it; show reads it back; other tables stay", async () => {
  const home = await makeHome();
  const path = `${home}/.config/hop/config.toml`;
  const first = await hopEntry(home, ["configure", "set", "fetch_external", "Off"]);
  assert.deepEqual([first.code, first.stdout, first.stderr], [
    0,
    "",
    `INFO hop: Wrote fetch_external = False to ${path}\n`,
  ]);
  assert.equal(await Deno.readTextFile(path), "[config]\nfetch_external = false\n");
  const second = await hopEntry(home, ["configure", "-q", "set", "automatic_offload", "0"]);
  assert.deepEqual([second.code, second.stdout, second.stderr], [0, "", ""]);
  assert.equal(
    await Deno.readTextFile(path),
    "[config]\nfetch_external = false\nautomatic_offload = false\n",
  );
  const shown = await hopEntry(home, ["configure", "show"]);
  assert.deepEqual([shown.code, shown.stdout], [
    0,
    "fetch_external: False\nautomatic_offload: False\n",
  ]);
  // A legacy [auth] table beside [config] is kept (hop drops it), and so is the file's mode.
  await writeConfig(home, '[config]\nfetch_external = false\n\n[auth]\nusername = "u"\n');
  await Deno.chmod(path, 0o600);
  const third = await hop(home, ["configure", "set", "fetch_external", "yes"]);
  assert.equal(third.code, 0, third.stderr);
  assert.equal(
    await Deno.readTextFile(path),
    '[config]\nfetch_external = true\n\n[auth]\nusername = "u"\n',
  );
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
});

test("configure set: an unknown NAME is a usage error (2), a bad VALUE one line (1)", async () => {
  const home = await makeHome();
  const path = `${home}/.config/hop/config.toml`;
  const name = await hop(home, ["configure", "set", "offload", "true"]);
  assert.deepEqual([name.code, name.stdout], [2, ""]);
  assert.equal(
    name.stderr,
    "hop: command-argument value 'offload' is invalid for argument 'name'. " +
      "Allowed choices are fetch_external, automatic_offload.\n",
  );
  const value = await hop(home, ["configure", "set", "fetch_external", "maybe"]);
  assert.deepEqual([value.code, value.stdout, value.stderr], [
    1,
    "",
    "hop: fetch_external: Invalid boolean value 'maybe' (expected true, yes, on, 1, false, no, " +
    "off or 0)\n",
  ]);
  assert.equal(await exists(path), false);
});

test("a config.toml hop cannot load is one line naming the file, for show and set", async () => {
  const home = await makeHome();
  const path = await writeConfig(home, "[config]\nfetch_external = tru\n");
  const show = await hop(home, ["configure", "show"]);
  assert.deepEqual([show.code, show.stdout], [1, ""]);
  assert.match(
    show.stderr,
    new RegExp(
      `^hop: Error loading ${path}: configuration data is malformed: line 2, column \\d+: [^\\n]+\\n$`,
    ),
  );
  const set = await hop(home, ["configure", "set", "automatic_offload", "false"]);
  assert.deepEqual([set.code, set.stderr], [1, show.stderr]);
  assert.equal(await Deno.readTextFile(path), "[config]\nfetch_external = tru\n");

  await writeConfig(home, "[config]\nfetch_external = true\nlarge_messages = false\n");
  const unknown = await hop(home, ["configure", "show"]);
  assert.deepEqual([unknown.code, unknown.stderr], [
    1,
    `hop: Error loading ${path}: configuration data is malformed: unknown setting ` +
    "'large_messages' (known: fetch_external, automatic_offload) (line 3)\n",
  ]);

  await writeConfig(home, '[auth]\nusername = "u"\npassword = "p"\n');
  const noSection = await hop(home, ["configure", "show"]);
  assert.deepEqual([noSection.code, noSection.stderr], [
    1,
    `hop: Error loading ${path}: configuration data has no config section\n`,
  ]);
  const setNoSection = await hop(home, ["configure", "set", "fetch_external", "1"]);
  assert.deepEqual([setNoSection.code, setNoSection.stderr], [
    1,
    `hop: ${path} has no config section\n`,
  ]);
  assert.equal(await Deno.readTextFile(path), '[auth]\nusername = "u"\npassword = "p"\n');
});

test("-d/--debug prints the stack trace of a failing command; without it one line", async () => {
  const home = await makeHome();
  const path = await writeConfig(home, "[config\n");
  const plain = await hop(home, ["configure", "show"]);
  assert.equal(plain.code, 1);
  assert.equal(plain.stderr.split("\n").length, 2, plain.stderr);
  assert.match(plain.stderr, /^hop: Error loading .*: line 1, column \d+: /);
  for (const flag of ["-d", "--debug"]) {
    const debug = await hop(home, [flag, "configure", "show"]);
    assert.equal(debug.code, 1);
    assert.equal(debug.stdout, "");
    const lines = debug.stderr.split("\n");
    assert.equal(lines[0], `hop: AuthFileError: ${plain.stderr.slice("hop: ".length, -1)}`);
    assert.match(lines[1], /^ {4}at .*config_file\.ts:\d+:\d+\)$/);
    // The TOML parser's own error follows as the cause.
    assert.ok(lines.some((line) => line.startsWith("Caused by: ")), debug.stderr);
  }
  // A usage error stays a usage error.
  const usage = await hop(home, ["-d", "configure", "set", "nothing", "1"]);
  assert.equal(usage.code, 2);
  assert.equal(usage.stderr.split("\n").length, 2, usage.stderr);
  assert.ok(!usage.stderr.includes(path));
});

test("auth under hop speaks as hop, under igwn-alert as igwn-alert", async () => {
  const home = await makeHome();
  const authPath = `${home}/.config/hop/auth.toml`;
  const missingHop = await hop(home, ["auth", "list"]);
  assert.deepEqual([missingHop.code, missingHop.stderr], [
    1,
    `hop: credential file ${authPath} does not exist; get a credential from ` +
    "https://my.hop.scimma.org and store it with 'hop auth add'\n",
  ]);
  const missingOurs = await runCliProcess(["auth", "list"], { home });
  assert.deepEqual([missingOurs.code, missingOurs.stderr], [
    1,
    `igwn-alert: credential file ${authPath} does not exist; get a credential from ` +
    "https://my.hop.scimma.org and store it with 'igwn-alert auth add'\n",
  ]);
  await Deno.mkdir(`${home}/.config/hop`, { recursive: true });
  await Deno.writeTextFile(
    authPath,
    '[[auth]]\nusername = "alice"\npassword = "p1"\n\n[[auth]]\nusername = "bob"\npassword = "p2"\n',
    { mode: 0o600 },
  );
  const nobodyHop = await hop(home, ["auth", "remove", "nobody"]);
  assert.deepEqual([nobodyHop.code, nobodyHop.stdout, nobodyHop.stderr], [
    1,
    "",
    "hop: No matching credential found with username 'nobody'\n",
  ]);
  const nobodyOurs = await runCliProcess(["auth", "remove", "nobody"], { home });
  assert.deepEqual([nobodyOurs.code, nobodyOurs.stdout, nobodyOurs.stderr], [
    1,
    "",
    "igwn-alert: No matching credential found with username 'nobody'\n",
  ]);
  const removedHop = await hopEntry(home, ["auth", "remove", "alice"]);
  assert.deepEqual([removedHop.code, removedHop.stderr], [
    0,
    `INFO hop: Wrote configuration to: ${authPath}\n`,
  ]);
  const removedOurs = await runCliProcess(["auth", "remove", "bob"], { home });
  assert.deepEqual([removedOurs.code, removedOurs.stderr], [
    0,
    `INFO igwn-alert: Wrote configuration to: ${authPath}\n`,
  ]);
});
