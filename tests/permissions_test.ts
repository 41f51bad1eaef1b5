/** What one run may touch (`runtimeScope`), command by command; no process is started. */
import assert from "node:assert/strict";
import { cliPermissionFlags, runtimeScope, workerPermissions } from "../lib/cli/permissions.ts";
import { test } from "./support/deadline.ts";

const ENV: Record<string, string> = {
  HOME: "/home/alice",
  XDG_CONFIG_HOME: "/home/alice/xdg",
  NETRC: "/home/alice/secrets/netrc",
  SSL_CERT_FILE: "/etc/site/ca.pem",
};

function scopeOf(args: string[], files: Record<string, string> = {}) {
  return runtimeScope({
    args,
    env: (name) => ENV[name],
    cwd: "/work",
    readText: (path) => files[path],
    execPath: "/opt/bin/igwn-alert",
  });
}

test("listen reads the user's hop folder, netrc, CA bundle and itself, and writes nothing", () => {
  const scope = scopeOf(["-s", "kafka://kafka.scimma.org/", "listen", "superevent"]);
  for (
    const path of [
      "/home/alice/xdg/hop",
      "/home/alice/secrets/netrc",
      "/etc/site/ca.pem",
      "/opt/bin/igwn-alert",
    ]
  ) {
    assert.ok(scope.read.includes(path), `${path} in ${scope.read}`);
  }
  assert.ok(!scope.read.some((path) => path.includes("kafka.scimma.org")), `${scope.read}`);
  assert.ok(!scope.read.includes("/home/alice/.config/hop"), "XDG_CONFIG_HOME wins");
  assert.ok(!scope.read.includes("/home/alice/.netrc"), "NETRC wins");
  assert.deepEqual(scope.write, []);
});

test("listen writes the folders of its --output recording and --dead-letter file only", () => {
  const scope = scopeOf([
    "listen",
    "--output",
    "rec/night.ndjson",
    "--dead-letter=/var/dead.ndjson",
  ]);
  assert.deepEqual(scope.write, ["/var", "/work/rec"]);
  // The same options elsewhere grant nothing.
  assert.deepEqual(scopeOf(["--output", "x/y", "topics"]).write, []);
});

test("auth writes the hop folder; broker and playground write their --data-dir", () => {
  assert.deepEqual(scopeOf(["auth", "add", "creds.csv"]).write, ["/home/alice/xdg/hop"]);
  assert.deepEqual(scopeOf(["hop", "configure", "set", "fetch_external", "no"]).write, [
    "/home/alice/xdg/hop",
  ]);
  assert.deepEqual(scopeOf(["hop", "list-topics", "kafka://h/"]).write, []);
  assert.ok(scopeOf(["auth", "add", "creds.csv"]).read.includes("/work/creds.csv"));
  assert.deepEqual(scopeOf(["broker", "--data-dir", "data"]).write, ["/work/data"]);
  assert.deepEqual(scopeOf(["broker", "--data-dir=../d"]).write, ["/d"]);
  assert.deepEqual(scopeOf(["playground", "--data-dir", "/srv/p"]).write.sort(), [
    "/home/alice/xdg/hop",
    "/srv/p",
  ]);
  // A --data-dir given to a command that writes nothing grants no writing.
  assert.deepEqual(scopeOf(["--data-dir", "x", "topics"]).write, []);
});

test("credential files' ssl_ca_location files and --ca-file become readable", () => {
  const scope = scopeOf(["--auth-file", "/etc/igwn/auth.toml", "--ca-file=site.pem", "topics"], {
    "/home/alice/xdg/hop/auth.toml": '[[auth]]\nssl_ca_location = "/opt/ca/hop.pem"\n',
    "/etc/igwn/auth.toml": "[[auth]]\n  ssl_ca_location = 'relative/ca.pem'\n",
  });
  for (
    const path of [
      "/opt/ca/hop.pem",
      "/work/relative/ca.pem",
      "/etc/igwn/auth.toml",
      "/work/site.pem",
    ]
  ) {
    assert.ok(scope.read.includes(path), `${path} in ${scope.read}`);
  }
  assert.deepEqual(scope.write, []);
});

test("the worker gets the scope's paths, the binary's programs, no FFI, system or imports", () => {
  const permissions = workerPermissions(scopeOf(["listen"]));
  assert.equal(permissions.write, false);
  // Exactly the programs the binary was built to run (none without `compile --run`).
  assert.equal(permissions.run, "inherit");
  assert.equal(permissions.ffi, false);
  assert.equal(permissions.sys, false);
  assert.equal(permissions.import, false);
  assert.equal(permissions.net, true);
  assert.ok(Array.isArray(permissions.read) && permissions.read.includes("/home/alice/xdg/hop"));
  // Every variable the worker may read is one the binary may read.
  const envFlag = cliPermissionFlags().find((flag) => flag.startsWith("--allow-env="))!;
  assert.deepEqual(permissions.env, envFlag.slice("--allow-env=".length).split(","));
});
