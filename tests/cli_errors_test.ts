// Errors reach the user as one line (or, where hop puts the fix or the list of candidates on the
// following lines, whole), with a meaningful exit code, without a stack trace or a password.

import assert from "node:assert/strict";
import { startAlertBroker, USERS } from "./support/broker.ts";
import { cliCommand, exists, makeHome, runCliProcess } from "./support/cli.ts";
import { test } from "./support/deadline.ts";

// Nothing listens there; every failure below happens before a connection is tried.
const SERVER = ["-s", "kafka://127.0.0.1:1/", "--timeout", "1"];
const PASSWORDS = ["first-secret-9f3", "second-secret-4c1"];

const TWO_WILDCARD_CREDENTIALS = `[[auth]]
username = "alice"
password = "${PASSWORDS[0]}"
protocol = "SASL_PLAINTEXT"
mechanism = "SCRAM-SHA-512"

[[auth]]
username = "bob"
password = "${PASSWORDS[1]}"
protocol = "SASL_PLAINTEXT"
mechanism = "SCRAM-SHA-512"
`;

// hop's listing of the two credentials above, which every way of reaching them must show whole.
const AMBIGUOUS_WILDCARDS =
  "igwn-alert: Ambiguous credentials found for hostname '127.0.0.1:1' with no username specified\n" +
  "  Matched credentials:\n" +
  "    alice which has no associated hostname\n" +
  "    bob which has no associated hostname\n";

/** A HOME with `text` as its default hop auth.toml, with the given mode. */
async function homeWithAuthFile(text: string, mode: number): Promise<[string, string]> {
  const home = await makeHome();
  await Deno.mkdir(`${home}/.config/hop`, { recursive: true });
  const path = `${home}/.config/hop/auth.toml`;
  await Deno.writeTextFile(path, text);
  await Deno.chmod(path, mode);
  return [home, path];
}

function assertNoSecrets(stderr: string): void {
  for (const password of PASSWORDS) assert.ok(!stderr.includes(password), "password printed");
  assert.doesNotMatch(stderr, /^\s+at /m, "stack trace printed");
}

test("ambiguous wildcard credentials in --auth-file are listed in full with the URL hint", async () => {
  const [home, path] = await homeWithAuthFile(TWO_WILDCARD_CREDENTIALS, 0o600);
  const result = await runCliProcess([...SERVER, "--auth-file", path, "listen", "superevent"], {
    home,
  });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    AMBIGUOUS_WILDCARDS +
      "  To select a specific credential to use, embed its username in the URL:\n" +
      "    kafka://<username>@127.0.0.1:1/gracedb.superevent\n",
  );
  assertNoSecrets(result.stderr);
});

test("ambiguous wildcard credentials in the default auth.toml are listed in full", async () => {
  const [home] = await homeWithAuthFile(TWO_WILDCARD_CREDENTIALS, 0o600);
  const result = await runCliProcess([...SERVER, "topics"], { home });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, AMBIGUOUS_WILDCARDS);
  assertNoSecrets(result.stderr);
});

test("an auth.toml readable by others is refused with hop's advice on the next line", async () => {
  const [home, path] = await homeWithAuthFile(TWO_WILDCARD_CREDENTIALS, 0o644);
  const mode = (await Deno.stat(path)).mode!.toString(8);
  assert.match(mode, /644$/);
  const expected = `igwn-alert: ${path} has unsafe permissions: ${mode}\n` +
    "  Please correct it to 0600\n";
  for (
    const args of [
      [...SERVER, "listen", "superevent"],
      [...SERVER, "topics"],
      [...SERVER, "--auth-file", path, "topics"],
      [...SERVER, "--auth-file", path, "listen"],
    ]
  ) {
    const result = await runCliProcess(args, { home });
    assert.equal(result.code, 1, args.join(" "));
    assert.equal(result.stdout, "", args.join(" "));
    assert.equal(result.stderr, expected, args.join(" "));
    assertNoSecrets(result.stderr);
  }
});

// One test per message a user met when trying the CLI as the Python tools are used: each is one
// line and comes with a meaningful exit code.

test("Python's send TOPIC1 TOPIC2 FILE says that send takes one topic (exit 2)", async () => {
  const home = await makeHome();
  const file = `${home}/alert.json`;
  await Deno.writeTextFile(file, '{"uid": "S1"}');
  const args = [...SERVER, "send", "superevent", "cbc_gstlal", file];
  // The name is looked up in the working folder (every word on the command line is readable).
  const readable = await runCliProcess(args, {
    home,
  });
  assert.deepEqual([readable.code, readable.stdout, readable.stderr], [
    2,
    "",
    "igwn-alert: send takes one topic, then files: 'cbc_gstlal' is not a file (to send to " +
    "superevent and cbc_gstlal, run send once per topic)\n",
  ]);
  // A missing file that does not look like a topic is still reported as a file.
  const missing = await runCliProcess([...SERVER, "send", "superevent", `${home}/gone.json`], {
    home,
  });
  assert.deepEqual([missing.code, missing.stderr], [
    1,
    `igwn-alert: cannot read ${home}/gone.json: no such file\n`,
  ]);
});

test("auth list without a credential file says how to get and add one (exit 1)", async () => {
  const home = await makeHome();
  const result = await runCliProcess(["auth", "list"], { home });
  assert.deepEqual([result.code, result.stdout, result.stderr], [
    1,
    "",
    `igwn-alert: credential file ${home}/.config/hop/auth.toml does not exist; get a credential ` +
    "from https://my.hop.scimma.org and store it with 'igwn-alert auth add'\n",
  ]);
});

test("auth add of an existing credential warns and exits 0, as hop, never with ERROR", async () => {
  const [home, path] = await homeWithAuthFile(TWO_WILDCARD_CREDENTIALS, 0o600);
  const before = await Deno.readTextFile(path);
  const result = await runCliProcess(["auth", "add"], { home, stdin: "alice\nnew-secret\n\n\n" });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr.split("\n").at(-2),
    `WARNING igwn-alert: credential 'alice' (for any host) already exists in ${path}; not ` +
      "changed (replace it with --force)",
  );
  assert.doesNotMatch(result.stderr, /ERROR/);
  assert.ok(!result.stderr.includes("new-secret"), "password printed");
  assert.equal(await Deno.readTextFile(path), before);
});

test("end of input during auth add is reported on its own line (exit 1)", async () => {
  const home = await makeHome();
  const result = await runCliProcess(["auth", "add"], { home, stdin: "alice\n" });
  assert.deepEqual([result.code, result.stdout, result.stderr], [
    1,
    "",
    "Username: \nPassword: \nigwn-alert: no answer to 'Password:' (end of input)\n",
  ]);
});

test("SIGINT at an auth add prompt ends with a message and exit code 130", async (budget) => {
  const home = await makeHome();
  // stdin stays open, so the CLI waits at the first prompt until the signal.
  const child = cliCommand(["auth", "add"], { home, stdin: "", signal: budget.signal }).spawn();
  const stdout = new Response(child.stdout).text();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  while (!stderr.includes("Username: ")) {
    const { value, done } = await budget.within(reader.read(), "the Username prompt");
    if (done) break;
    stderr += value;
  }
  child.kill("SIGINT");
  for (;;) {
    const { value, done } = await budget.within(reader.read(), "the end of stderr");
    if (done) break;
    stderr += value;
  }
  const status = await budget.within(child.status, "the CLI to exit");
  await child.stdin.close().catch(() => {});
  assert.deepEqual([status.code, status.signal, await stdout, stderr], [
    130,
    null,
    "",
    "Username: \nigwn-alert: interrupted; no credential was written\n",
  ]);
  assert.equal(await exists(`${home}/.config/hop/auth.toml`), false);
});

test("--timeout 0 is refused in one line (exit 2)", async () => {
  const home = await makeHome();
  for (const args of [["--timeout", "0", "topics"], ["listen", "--timeout", "0"]]) {
    const result = await runCliProcess(args, { home });
    assert.deepEqual([result.code, result.stdout, result.stderr], [
      2,
      "",
      "igwn-alert: --timeout must be a number of seconds > 0 and at most 2147483, got '0'\n",
    ], args.join(" "));
  }
});

test("send to a read-only topic gives the authorization error alone (exit 1)", async () => {
  await using env = await startAlertBroker({ tls: false, acls: true });
  const home = await makeHome();
  const file = `${home}/alert.json`;
  await Deno.writeTextFile(file, '{"uid": "S1"}');
  // bob may read gracedb.superevent but not write it.
  const result = await runCliProcess(
    ["-s", env.server, "--no-tls", "send", "superevent", file],
    {
      home,
      env: { IGWN_ALERT_USER: USERS.bob.username, IGWN_ALERT_PASSWORD: USERS.bob.password },
    },
  );
  assert.deepEqual([result.code, result.stdout, result.stderr], [
    1,
    "",
    "igwn-alert: 1 message remains unsent, some data may have been lost!: user 'bob' is not " +
    `authorized for topic 'gracedb.superevent' (writing) at 127.0.0.1:${env.broker.port}\n`,
  ]);
});
