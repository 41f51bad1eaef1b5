/**
 * One binary for everyone: the CLI run with exactly the compiled permission set
 * (`cliRuntimeFlags()`), as two different system users, each with a HOME, XDG_CONFIG_HOME and
 * netrc of their own, finds each user's files at run time; and a dependency inside the process
 * cannot reach past what the run needs.
 *
 * The users are created with `useradd` and removed again, so these tests need root; otherwise they
 * are skipped (the reason is in the test name).
 */
import assert from "node:assert/strict";
import { cliRuntimeFlags } from "../lib/cli/permissions.ts";
import { type AlertBroker, startAlertBroker, USERS } from "./support/broker.ts";
import { CLI_PATH, DENO_DIR, makeHome, startCliProcess } from "./support/cli.ts";
import { runProcess, startProcess } from "./support/processes.ts";
import { test } from "./support/deadline.ts";

const PROBE = new URL("./support/sandbox_probe.ts", import.meta.url).pathname;
const ALERT = new URL("./testdata/alerts/superevent_new.json", import.meta.url).pathname;
const CAN_CREATE_USERS = Deno.uid() === 0 && ["/usr/sbin/useradd", "/usr/bin/setpriv"].every(
  (path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  },
);
const SKIP_REASON = CAN_CREATE_USERS ? "" : " (skipped: needs root, useradd and setpriv)";

/** A system user made for one test, with files only they can read. */
interface TestUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  xdg: string;
  netrc: string;
  env: Record<string, string>;
}

async function run(command: string, args: string[]): Promise<string> {
  const result = await runProcess(command, args, { timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** Creates a system user with a private home, its own XDG folder, netrc and Deno cache copy. */
async function createUser(tag: string): Promise<TestUser> {
  const name = `igwnt${tag}${crypto.randomUUID().slice(0, 6)}`;
  const home = await Deno.makeTempDir({ prefix: `igwn-alert-user-${tag}-` });
  await run("/usr/sbin/useradd", [
    "--home-dir",
    home,
    "--no-create-home",
    "--shell",
    "/bin/sh",
    name,
  ]);
  const uid = Number((await run("id", ["-u", name])).trim());
  const gid = Number((await run("id", ["-g", name])).trim());
  const xdg = `${home}/xdg-config`;
  const netrc = `${home}/credentials.netrc`;
  // The CLI's npm packages, where this user can read them (the developer's cache is private).
  await Deno.mkdir(`${home}/deno-dir`);
  await run("cp", ["-r", `${DENO_DIR}/npm`, `${home}/deno-dir/npm`]);
  await Deno.mkdir(xdg, { recursive: true });
  await run("chown", ["-R", `${uid}:${gid}`, home]);
  await Deno.chmod(home, 0o700);
  return {
    name,
    uid,
    gid,
    home,
    xdg,
    netrc,
    env: {
      HOME: home,
      XDG_CONFIG_HOME: xdg,
      NETRC: netrc,
      DENO_DIR: `${home}/deno-dir`,
      NO_COLOR: "1",
      PATH: "/usr/bin:/bin",
    },
  };
}

async function removeUser(user: TestUser): Promise<void> {
  await runProcess("/usr/sbin/userdel", [user.name], { timeoutMs: 30_000 });
  await Deno.remove(user.home, { recursive: true }).catch(() => {});
}

/** `deno run <compiled permission set> MODULE ARGS`, as `user`, in their home. */
function asUser(user: TestUser, module: string, args: string[]): [string, string[]] {
  return [
    "/usr/bin/setpriv",
    [
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      "--clear-groups",
      "--",
      Deno.execPath(),
      "run",
      "--frozen",
      ...cliRuntimeFlags(),
      module,
      ...args,
    ],
  ];
}

async function cli(user: TestUser, args: string[], stdin?: string) {
  const [command, full] = asUser(user, CLI_PATH, args);
  return await runProcess(command, full, {
    env: user.env,
    clearEnv: true,
    cwd: user.home,
    stdin,
    timeoutMs: 60_000,
    name: `${user.name}: igwn-alert ${args.join(" ")}`,
  });
}

/** Writes a file as the user would (owned by them, private). */
async function writePrivate(user: TestUser, path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text, { mode: 0o600 });
  await Deno.chown(path, user.uid, user.gid);
}

async function exercise(env: AlertBroker, user: TestUser, account: keyof typeof USERS) {
  const port = env.broker.port;
  const { username, password } = USERS[account];
  // `auth add` from the CSV that SCiMMA's site hands out, into $XDG_CONFIG_HOME/hop.
  const csv = `${user.home}/${username}-credentials.csv`;
  await writePrivate(
    user,
    csv,
    "username,password,hostname,mechanism,protocol\n" +
      `${username},${password},127.0.0.1:${port},SCRAM_SHA_512,SASL_PLAINTEXT\n`,
  );
  const added = await cli(user, ["auth", "add", csv]);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stderr, new RegExp(`Wrote configuration to: ${user.xdg}/hop/auth\\.toml`));
  const info = await Deno.stat(`${user.xdg}/hop/auth.toml`);
  assert.equal(info.uid, user.uid);
  assert.equal(info.mode! & 0o777, 0o600);

  const listed = await cli(user, ["auth", "list"]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout, `${username} for 127.0.0.1:${port}\n`);

  const server = `kafka://127.0.0.1:${port}/`;
  const topics = await cli(user, ["-s", server, "--no-tls", "topics"]);
  assert.equal(topics.code, 0, topics.stderr);
  assert.match(topics.stdout, /superevent/);

  // listen takes its credential from $NETRC (`-n`), send from auth.toml and a file in the home.
  await writePrivate(
    user,
    user.netrc,
    `machine 127.0.0.1 login ${username} password ${password}\n`,
  );
  const alert = `${user.home}/alert.json`;
  await writePrivate(user, alert, await Deno.readTextFile(ALERT));
  const [command, args] = asUser(user, CLI_PATH, [
    "-s",
    server,
    "--no-tls",
    "-n",
    "-c",
    `group-${user.name}`,
    "listen",
    "--count",
    "1",
    "superevent",
  ]);
  await using listener = startProcess(command, args, {
    env: user.env,
    clearEnv: true,
    cwd: user.home,
    name: `${user.name}: igwn-alert listen`,
  });
  await listener.waitFor(/^igwn-alert: ready, listening to /m, "stderr", 60_000);
  const sent = await cli(user, ["-s", server, "--no-tls", "send", "superevent", alert]);
  assert.equal(sent.code, 0, sent.stderr);
  const heard = await listener.finished(60_000);
  assert.equal(heard.code, 0, heard.stderr);
  const expected = JSON.parse(await Deno.readTextFile(ALERT)) as { uid: string };
  assert.ok(heard.stdout.includes(`"uid": "${expected.uid}"`), heard.stdout);
}

test(
  `the CLI under the compiled permission set works for two users with their own files${SKIP_REASON}`,
  { ignore: !CAN_CREATE_USERS, deadlineMs: 240_000 },
  async () => {
    await using env = await startAlertBroker({ tls: false });
    const users = [await createUser("a"), await createUser("b")];
    try {
      await exercise(env, users[0], "alice");
      await exercise(env, users[1], "bob");
      // Each user's files stay their own: the second user's list shows only their credential.
      const listed = await cli(users[1], ["auth", "list"]);
      assert.equal(listed.stdout, `bob for 127.0.0.1:${env.broker.port}\n`);
    } finally {
      for (const user of users) await removeUser(user);
    }
  },
);

test(
  `inside the CLI process, files outside this run's set cannot be read or written${SKIP_REASON}`,
  { ignore: !CAN_CREATE_USERS, deadlineMs: 120_000 },
  async () => {
    const user = await createUser("p");
    const other = await createUser("q");
    try {
      await writePrivate(user, user.netrc, "machine example.org login u password p\n");
      const mine = `${user.home}/mine.json`;
      await writePrivate(user, mine, "{}\n");
      const notNamed = `${user.home}/not-named.txt`;
      await writePrivate(user, notNamed, "secret\n");
      const [command, args] = asUser(user, PROBE, [
        mine,
        `read:${user.netrc}`,
        `read:${mine}`,
        `read:${notNamed}`,
        "read:/etc/hostname",
        `read:${other.home}/deno-dir`,
        `write:${user.home}/.profile`,
        `write:${user.xdg}/hop/auth.toml`,
        "env:PATH",
        "env:HOME",
      ]);
      const result = await runProcess(command, args, {
        env: user.env,
        clearEnv: true,
        cwd: user.home,
        timeoutMs: 60_000,
      });
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split("\n");
      const denied = (what: string, kind: string, path: string) =>
        `denied ${what}: NotCapable: Requires ${kind} access to "${path}", run again with the ` +
        `--allow-${kind} flag`;
      assert.deepEqual(lines, [
        `ok read:${user.netrc}`,
        `ok read:${mine}`,
        denied(`read:${notNamed}`, "read", notNamed),
        denied("read:/etc/hostname", "read", "/etc/hostname"),
        denied(`read:${other.home}/deno-dir`, "read", `${other.home}/deno-dir`),
        denied(`write:${user.home}/.profile`, "write", `${user.home}/.profile`),
        denied(`write:${user.xdg}/hop/auth.toml`, "write", `${user.xdg}/hop/auth.toml`),
        denied("env:PATH", "env", "PATH"),
        "ok env:HOME",
      ]);
    } finally {
      await removeUser(user);
      await removeUser(other);
    }
  },
);

test("the playground under the compiled permission set prints how to listen to it", async () => {
  const home = await makeHome();
  await using playground = startCliProcess(["playground", "--port", "0", "--count", "1"], { home });
  await playground.waitFor(/listen from another terminal with:\n {2}.*\n/, "stdout", 60_000);
  assert.match(
    playground.stdout,
    /\n {2}IGWN_ALERT_USER=playground IGWN_ALERT_PASSWORD=\S+ deno run -A \S*cli\.ts --server kafka:\/\/127\.0\.0\.1:\d+\/ --no-tls listen\n/,
  );
});
