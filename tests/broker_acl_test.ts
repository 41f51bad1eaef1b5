import assert from "node:assert/strict";
import {
  AccessControl,
  type AclOperation,
  AclSpecError,
  ANONYMOUS_PRINCIPAL,
} from "../lib/broker/acl.ts";
import { test } from "./support/deadline.ts";

/** These tests run only our own code, so Deno's op and resource sanitizers are on. */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };

const ALL_OPS: AclOperation[] = [
  "read",
  "write",
  "describe",
  "create",
  "delete",
  "describeConfigs",
];

function allowed(acl: AccessControl, principal: string, topic: string): AclOperation[] {
  return ALL_OPS.filter((op) => acl.canTopic(principal, op, topic));
}

test("AccessControl without specs lets every user and ANONYMOUS do everything", () => {
  const acl = AccessControl.parse([], ["alice"]);
  assert.deepEqual(allowed(acl, "alice", "any.topic"), ALL_OPS);
  assert.deepEqual(allowed(acl, ANONYMOUS_PRINCIPAL, "any.topic"), ALL_OPS);
  assert.equal(acl.canCluster("alice", "create"), true);
  assert.equal(acl.canGroup("alice", "read", "g"), true);
}, SANITIZED);

test(
  "read grants read and describe; write grants write and describe; all grants everything",
  () => {
    const acl = AccessControl.parse(
      ["reader:read:t", "writer:write:t", "admin:all:t"],
      ["reader", "writer", "admin"],
    );
    assert.deepEqual(allowed(acl, "reader", "t"), ["read", "describe"]);
    assert.deepEqual(allowed(acl, "writer", "t"), ["write", "describe"]);
    assert.deepEqual(allowed(acl, "admin", "t"), ALL_OPS);
  },
  SANITIZED,
);

test("an exact pattern matches only that topic; a prefix* pattern matches by prefix", () => {
  const acl = AccessControl.parse(["alice:read:igwn.gwalert", "bob:read:gracedb.*"], [
    "alice",
    "bob",
  ]);
  assert.equal(acl.canTopic("alice", "read", "igwn.gwalert"), true);
  assert.equal(acl.canTopic("alice", "read", "igwn.gwalert2"), false);
  assert.equal(acl.canTopic("alice", "read", "igwn"), false);
  assert.equal(acl.canTopic("bob", "read", "gracedb.superevent"), true);
  assert.equal(acl.canTopic("bob", "read", "gracedb."), true);
  assert.equal(acl.canTopic("bob", "read", "gracedb"), false);
  assert.equal(acl.canTopic("bob", "read", "xgracedb.superevent"), false);
}, SANITIZED);

test("specs for one user add up; users without specs may do nothing once specs exist", () => {
  const acl = AccessControl.parse(["alice:read:in", "alice:write:out*", "alice:read:*"], [
    "alice",
    "carol",
  ]);
  assert.deepEqual(allowed(acl, "alice", "in"), ["read", "describe"]);
  assert.deepEqual(allowed(acl, "alice", "outbox"), ["read", "write", "describe"]);
  assert.deepEqual(allowed(acl, "carol", "in"), []);
  assert.deepEqual(allowed(acl, "mallory", "in"), []);
  assert.deepEqual(allowed(acl, ANONYMOUS_PRINCIPAL, "in"), ALL_OPS);
}, SANITIZED);

test(
  "canCluster(create) needs all on * when specs exist; canTopic(create) needs all on a match",
  () => {
    const acl = AccessControl.parse(
      ["root:all:*", "alice:all:alice.*", "bob:write:*"],
      ["root", "alice", "bob"],
    );
    assert.equal(acl.canCluster("root", "create"), true);
    assert.equal(acl.canCluster("alice", "create"), false);
    assert.equal(acl.canCluster("bob", "create"), false);
    assert.equal(acl.canCluster(ANONYMOUS_PRINCIPAL, "create"), true);
    assert.equal(acl.canCluster("bob", "describe"), true);
    assert.equal(acl.canTopic("alice", "create", "alice.new"), true);
    assert.equal(acl.canTopic("alice", "create", "bob.new"), false);
    assert.equal(acl.canTopic("bob", "create", "anything"), false);
    assert.equal(acl.canTopic("root", "delete", "anything"), true);
  },
  SANITIZED,
);

test("canGroup() admits every authenticated user to any group", () => {
  const acl = AccessControl.parse(["alice:read:t"], ["alice", "bob"]);
  assert.equal(acl.canGroup("alice", "read", "alice-0123456789"), true);
  assert.equal(acl.canGroup("bob", "describe", "gracedb"), true);
}, SANITIZED);

test("user names may contain ':' because specs are split from the right", () => {
  const acl = AccessControl.parse(["svc:alerts:read:t"], ["svc:alerts"]);
  assert.equal(acl.canTopic("svc:alerts", "read", "t"), true);
}, SANITIZED);

test("AccessControl.parse() rejects bad specs with an AclSpecError quoting the spec", () => {
  const cases: [string, string][] = [
    ["alice:read", 'ACL "alice:read": expected NAME:OPS:PATTERN'],
    ["alice", 'ACL "alice": expected NAME:OPS:PATTERN'],
    [":read:t", 'ACL ":read:t": expected NAME:OPS:PATTERN'],
    ["alice:delete:t", 'ACL "alice:delete:t": operations must be read, write or all, not "delete"'],
    ["alice:READ:t", 'ACL "alice:READ:t": operations must be read, write or all, not "READ"'],
    ["alice:read:", 'ACL "alice:read:": the topic pattern is empty'],
    ["alice:read:a*b", 'ACL "alice:read:a*b": "*" may only end the topic pattern'],
    ["alice:read:**", 'ACL "alice:read:**": "*" may only end the topic pattern'],
    [
      "alice:read:bad/topic",
      'ACL "alice:read:bad/topic": "bad/topic" is not a topic name (letters, digits, ".", "_", "-"), optionally ending in "*"',
    ],
    ["bob:read:t", 'ACL "bob:read:t": unknown user "bob"'],
  ];
  for (const [spec, message] of cases) {
    assert.throws(
      () => AccessControl.parse([spec], ["alice"]),
      (error: unknown) => {
        assert.ok(error instanceof AclSpecError, spec);
        assert.equal(error.message, message);
        assert.equal(error.spec, spec);
        return true;
      },
    );
  }
}, SANITIZED);

test("AccessControl.parse() rejects specs when the broker has no users", () => {
  assert.throws(
    () => AccessControl.parse(["alice:all:*"], []),
    (error: unknown) => error instanceof AclSpecError && /unknown user "alice"/.test(error.message),
  );
}, SANITIZED);
