import assert from "node:assert/strict";
import { runProcess } from "./support/processes.ts";
import { startCliBroker } from "./support/cli.ts";
import { parseTopicSpec, parseUserSpec } from "../lib/cli/broker_command.ts";
import { test } from "./support/deadline.ts";

/** These tests run only our own code, so Deno's op and resource sanitizers are on. */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };

const CLI = new URL("../cli.ts", import.meta.url).pathname;

function cli(args: string[]) {
  return runProcess(Deno.execPath(), ["run", "-A", "--frozen", CLI, "broker", ...args], {
    timeoutMs: 30_000,
  });
}

test("parseUserSpec() and parseTopicSpec() accept the documented forms", () => {
  assert.deepEqual(parseUserSpec("alice:pa:ss"), { username: "alice", password: "pa:ss" });
  assert.deepEqual(parseTopicSpec("igwn.gwalert"), { name: "igwn.gwalert", partitions: 1 });
  assert.deepEqual(parseTopicSpec("a.b:12"), { name: "a.b", partitions: 12 });
  assert.throws(() => parseUserSpec(":pw"), /--user \(empty\): expected NAME:PASSWORD/);
  assert.throws(() => parseTopicSpec("t:0"), /--topic t:0: partitions must be a positive integer/);
}, SANITIZED);

test("broker command rejects bad flags with one clear line and exit code 1", async () => {
  const cases: [string[], RegExp][] = [
    [["--user", "bob"], /^igwn-alert: --user bob: expected NAME:PASSWORD/],
    [["--topic", "bad name:2"], /^igwn-alert: topic name "bad name" may only contain/],
    [["--topic", "t:many"], /^igwn-alert: --topic t:many: partitions must be a positive integer/],
    [
      ["--user", "bob:pw", "--acl", "bob:admin:t"],
      /^igwn-alert: .*bob:admin:t.*read, write or all/,
    ],
    [["--acl", "carol:read:t"], /^igwn-alert: .*unknown user "carol"/],
    [
      ["--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"],
      /^igwn-alert: cannot read TLS certificate file \/nonexistent\/cert.pem/,
    ],
    [
      ["--tls-cert", "/nonexistent/cert.pem"],
      /^igwn-alert: --tls-cert and --tls-key must be given together/,
    ],
  ];
  for (const [args, expected] of cases) {
    const r = await cli(["--port", "0", ...args]);
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, expected);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.equal(r.stdout, "");
    assert.ok(!r.stderr.includes("pw"), "no password in errors");
  }
}, SANITIZED);

test("broker command reports a port in use and shuts down cleanly on SIGINT", async () => {
  await using first = await startCliBroker(["--port", "0", "--user", "u:p", "--topic", "t:3"]);
  assert.match(first.readyLine, /^listening on kafka:\/\/127\.0\.0\.1:\d+ \(SASL_PLAINTEXT\)$/);
  const second = await cli(["--port", String(first.port)]);
  assert.equal(second.code, 1);
  assert.equal(second.stderr, `igwn-alert: address 127.0.0.1:${first.port} is already in use\n`);
  const { code } = await first.stop("SIGINT");
  assert.equal(code, 0);
}, SANITIZED);
