import { deepStrictEqual, rejects } from "node:assert/strict";
import { authCommand } from "../lib/cli/auth_command.ts";
import { Auth, loadAuth, writeAuth } from "../lib/hop/mod.ts";
import { hopFixturePath } from "./support/hop_fixtures.ts";
import { runCli } from "./support/cli.ts";
import { test } from "./support/deadline.ts";

interface Run {
  stdout: string;
  stderr: string;
}

function input(text: string): ReadableStream<Uint8Array> {
  return ReadableStream.from([new TextEncoder().encode(text)]);
}

async function runAuth(args: string[], env: { XDG_CONFIG_HOME: string }, stdin = ""): Promise<Run> {
  const run: Run = { stdout: "", stderr: "" };
  await authCommand({
    stdout: (text) => run.stdout += text,
    stderr: (text) => run.stderr += text,
    stdin: input(stdin),
    stdinIsTerminal: false,
    stdoutIsTerminal: true,
    env,
  }).parseAsync(args, { from: "user" });
  return run;
}

async function tempEnv() {
  return { XDG_CONFIG_HOME: await Deno.makeTempDir() };
}

test("auth locate prints the auth.toml path even when it does not exist", async () => {
  const env = await tempEnv();
  deepStrictEqual(
    (await runAuth(["locate"], env)).stdout,
    `${env.XDG_CONFIG_HOME}/hop/auth.toml\n`,
  );
});

test("auth add asks Username, Password, Hostname, Token endpoint and writes auth.toml", async () => {
  const env = await tempEnv();
  const run = await runAuth(["add"], env, "alice\ns3cret\nkafka://kafka.example.org:9092\n\n");
  // Answers that do not come from a terminal are not echoed: each prompt ends its own line.
  deepStrictEqual(
    run.stderr,
    "Username: \nPassword: \nHostname (may be empty): \n" +
      "WARNING igwn-alert: Ignoring 'kafka://' prefix on hostname\n" +
      "Token endpoint (empty if not applicable): \n" +
      `INFO igwn-alert: Wrote configuration to: ${env.XDG_CONFIG_HOME}/hop/auth.toml\n`,
  );
  const [auth] = await loadAuth(undefined, env);
  deepStrictEqual([auth.username, auth.password, auth.hostname, auth.mechanism], [
    "alice",
    "s3cret",
    "kafka.example.org:9092",
    "SCRAM-SHA-512",
  ]);
  const mode = (await Deno.stat(`${env.XDG_CONFIG_HOME}/hop/auth.toml`)).mode! & 0o777;
  deepStrictEqual(mode, 0o600);
});

test("auth add rejects an empty username and a malformed hostname with hop's texts", async () => {
  const env = await tempEnv();
  await rejects(runAuth(["add"], env, "\n"), /Username may not be empty/);
  await rejects(runAuth(["add"], env, "u\n\n"), /Password may not be empty/);
  await rejects(
    runAuth(["add"], env, "u\np\nhttp://example.com\n\n"),
    /Unable to parse hostname\. Please enter either `hostname` or `hostname:port`\./,
  );
  await rejects(runAuth(["add"], env, "u\n"), /no answer to 'Password:' \(end of input\)/);
});

test("auth add keeps an existing credential unless --force, with a warning", async () => {
  const env = await tempEnv();
  await runAuth(["add"], env, "alice\nfirst\n\n\n");
  const conflict = await runAuth(["add"], env, "alice\nsecond\n\n\n");
  deepStrictEqual(
    conflict.stderr.split("\n").at(-2),
    "WARNING igwn-alert: credential 'alice' (for any host) already exists in " +
      `${env.XDG_CONFIG_HOME}/hop/auth.toml; not changed (replace it with --force)`,
  );
  await runAuth(["add"], env, "bob\nfirst\nkafka.example.org\n\n");
  deepStrictEqual(
    (await runAuth(["add"], env, "bob\nsecond\nkafka.example.org\n\n")).stderr.split("\n").at(-2),
    "WARNING igwn-alert: credential 'bob' for kafka.example.org already exists in " +
      `${env.XDG_CONFIG_HOME}/hop/auth.toml; not changed (replace it with --force)`,
  );
  await runAuth(["remove", "bob"], env);
  deepStrictEqual((await loadAuth(undefined, env))[0].password, "first");
  await runAuth(["add", "--force"], env, "alice\nsecond\n\n\n");
  const creds = await loadAuth(undefined, env);
  deepStrictEqual([creds.length, creds[0].password], [1, "second"]);
  await runAuth(["add"], env, "alice\nthird\nother.example\n\n");
  deepStrictEqual((await loadAuth(undefined, env)).length, 2);
});

test("auth add FILE imports a CSV credential with the mechanism written with dashes", async () => {
  const env = await tempEnv();
  const csv = hopFixturePath("credentials.csv");
  await runAuth(["add", csv], env);
  const text = await Deno.readTextFile(`${env.XDG_CONFIG_HOME}/hop/auth.toml`);
  deepStrictEqual(text.includes('mechanism = "SCRAM-SHA-256"'), true);
  deepStrictEqual(text.includes('username = "example-user-1234"'), true);
});

test("auth list pads usernames and never shows passwords", async () => {
  const env = await tempEnv();
  await writeAuth(
    [
      new Auth({ username: "a", password: "pw-one", hostname: "h1" }),
      new Auth({ username: "longer-name", password: "pw-two" }),
      new Auth({ username: "bb", password: "pw-three", hostname: "h2:9092" }),
    ],
    undefined,
    env,
  );
  const run = await runAuth(["list"], env);
  deepStrictEqual(run.stdout, "a           for h1\nlonger-name\nbb          for h2:9092\n");
  deepStrictEqual(run.stdout.includes("pw-"), false);
  await writeAuth([], undefined, env);
  deepStrictEqual((await runAuth(["list"], env)).stdout, "No credentials configured\n");
});

test("auth remove takes USER or USER@HOST and reports no match and ambiguity", async () => {
  const env = await tempEnv();
  await writeAuth(
    [
      new Auth({ username: "a", password: "p", hostname: "h1" }),
      new Auth({ username: "a", password: "p", hostname: "h2:9092" }),
      new Auth({ username: "b", password: "p" }),
    ],
    undefined,
    env,
  );
  await rejects(
    runAuth(["remove", "a"], env),
    (error: unknown) =>
      (error as Error).message ===
        "Ambiguous credentials found for username 'a' with no hostname specified\n" +
          "Matched credentials:\n  a for h1\n  a for h2:9092",
  );
  await rejects(
    runAuth(["remove", "z@h1"], env),
    /No matching credential found with username 'z' with hostname 'h1'/,
  );
  await rejects(runAuth(["remove", "a@b@c"], env), /it contains more than one '@'/);
  await runAuth(["remove", "a@h2"], env);
  await runAuth(["remove", "b"], env);
  deepStrictEqual((await loadAuth(undefined, env)).map((cred) => cred.hostname), ["h1"]);
});

test("auth via cli.ts: conflict exits 0, a failure exits 1 with one line", async () => {
  const env = await tempEnv();
  const run = (args: string[], stdin = "") =>
    runCli(["auth", ...args], {
      stdin,
      env: { XDG_CONFIG_HOME: env.XDG_CONFIG_HOME, NO_COLOR: "1" },
      timeoutMs: 60_000,
    });
  deepStrictEqual((await run(["add"], "u\np\n\n\n")).code, 0);
  const conflict = await run(["add"], "u\nq\n\n\n");
  deepStrictEqual(conflict.code, 0);
  deepStrictEqual(
    conflict.stderr.includes("WARNING igwn-alert: credential 'u' (for any host) already exists"),
    true,
  );
  deepStrictEqual(conflict.stderr.includes("ERROR"), false);
  const missing = await run(["remove", "nobody"]);
  deepStrictEqual(missing.code, 1);
  deepStrictEqual(
    missing.stderr,
    "igwn-alert: No matching credential found with username 'nobody'\n",
  );
  const listed = await run(["list"]);
  deepStrictEqual([listed.code, listed.stdout], [0, "u\n"]);
});
