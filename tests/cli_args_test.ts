import assert from "node:assert/strict";
import { cliRuntimeFlags } from "../lib/cli/permissions.ts";
import { CLI_PATH, DENO_DIR, makeHome, runCliProcess } from "./support/cli.ts";
import { runProcess } from "./support/processes.ts";
import denoConfig from "../deno.json" with { type: "json" };
import { test } from "./support/deadline.ts";

test("igwn-alert -V prints the version like the Python tool", async () => {
  const home = await makeHome();
  const result = await runCliProcess(["-V"], { home });
  assert.equal(result.code, 0);
  assert.equal(result.stdout, `igwn-alert client ${denoConfig.version}\n`);
});

test("igwn-alert --help lists the Python subcommands and flags", async () => {
  const home = await makeHome();
  const result = await runCliProcess(["--help"], { home });
  assert.equal(result.code, 0);
  for (const word of ["listen", "topics", "subscriptions", "unsubscribe", "send"]) {
    assert.match(result.stdout, new RegExp(`\\n  ${word} `));
  }
  for (
    const flag of [
      "--no-auth",
      "-g, --group",
      "-c, --consumer-group",
      "-j, --jsonpp",
      "-l, --log",
      "-n, --netrc",
      "-p, --port",
      "-r, --retry-on-fatal",
      "-s, --server",
      "-t, --listen_retries",
      "-u, --username",
      "-w, --retry_wait",
      "-V, --version",
    ]
  ) assert.ok(result.stdout.includes(flag), `missing ${flag}`);
});

test("igwn-alert without a subcommand prints usage and exits 2", async () => {
  const result = await runCliProcess([], { home: await makeHome() });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Usage: igwn-alert/);
});

test("numeric flags are parsed as numbers and bad values are refused with exit 2", async () => {
  const home = await makeHome();
  for (
    const [args, text] of [
      [["-p", "onetwo", "topics"], /--port must be an integer from 1 to 65535, got 'onetwo'/],
      [["-p", "70000", "topics"], /--port must be an integer from 1 to 65535, got '70000'/],
      [["-t", "x", "listen"], /--listen_retries must be an integer >= 0, got 'x'/],
      [
        ["-w", "-1", "listen"],
        /--retry_wait must be a number of seconds >= 0 and at most 2147483, got '-1'/,
      ],
      [["listen", "--count", "0"], /--count must be an integer >= 1, got '0'/],
      [
        ["-l", "loud", "topics"],
        /--log must be one of critical, error, warning, info, debug, got 'loud'/,
      ],
    ] as const
  ) {
    const result = await runCliProcess([...args], { home });
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, new RegExp(`^igwn-alert: ${text.source}\n$`));
  }
});

test("deprecated subcommands warn and exit 0", async () => {
  const home = await makeHome();
  const subscriptions = await runCliProcess(["subscriptions"], { home });
  assert.equal(subscriptions.code, 0);
  assert.match(subscriptions.stderr, /^WARNING igwn-alert: This feature is deprecated\. Please/);
  const unsubscribe = await runCliProcess(["-g", "gracedb-test", "unsubscribe", "superevent"], {
    home,
  });
  assert.equal(unsubscribe.code, 0);
  assert.equal(unsubscribe.stderr, "WARNING igwn-alert: This feature is deprecated.\n");
});

test("send refuses a missing file, naming it, before connecting", async () => {
  const home = await makeHome();
  const result = await runCliProcess(
    ["-s", "kafka://127.0.0.1:1/", "send", "superevent", `${home}/missing.json`],
    { home },
  );
  assert.equal(result.code, 1);
  assert.equal(result.stderr, `igwn-alert: cannot read ${home}/missing.json: no such file\n`);
});

test("send refuses invalid JSON with file, line and column unless --text", async () => {
  const home = await makeHome();
  const file = `${home}/bad.json`;
  await Deno.writeTextFile(file, '{\n  "uid": "S1",\n  "alert_type" "new"\n}\n');
  const result = await runCliProcess(["send", "superevent", file], { home });
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    new RegExp(`^igwn-alert: ${file} is not valid JSON \\(line 3 column 16: .*\\); use --text`),
  );
});

test("send reads standard input only once", async () => {
  const home = await makeHome();
  const result = await runCliProcess(["send", "superevent", "-", "-"], { home, stdin: "{}" });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, "igwn-alert: standard input ('-') can be sent only once\n");
});

test("send reads a file named on the command line wherever it lies", async () => {
  const home = await makeHome();
  const elsewhere = await Deno.makeTempDir({ prefix: "igwn-alert-elsewhere-" });
  const file = `${elsewhere}/bad.json`;
  await Deno.writeTextFile(file, "{ nope");
  try {
    const result = await runCliProcess(["send", "superevent", file], { home });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`^igwn-alert: ${file} is not valid JSON \\(line 1`));
  } finally {
    await Deno.remove(elsewhere, { recursive: true });
  }
});

test("send names a missing file given by a relative path, under the compiled permissions", async () => {
  const home = await makeHome();
  const result = await runProcess(
    Deno.execPath(),
    ["run", "--frozen", ...cliRuntimeFlags(), CLI_PATH, "send", "superevent", "missing.json"],
    { env: { HOME: home, DENO_DIR, NO_COLOR: "1" }, clearEnv: true, cwd: home, timeoutMs: 60_000 },
  );
  assert.equal(result.code, 1);
  assert.equal(result.stderr, "igwn-alert: cannot read missing.json: no such file\n");
});
