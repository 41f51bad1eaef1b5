// Errors whose messages span several lines (hop puts the fix or the list of candidates on the
// following lines) reach the user whole, without a stack trace or a password.

import assert from "node:assert/strict";
import { makeHome, runCliProcess } from "./support/cli.ts";
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
