/**
 * The mock Kafka cluster harness itself: kcat (librdkafka) sees its brokers on loopback, leader
 * moves in its metadata, brokers that go down and up, and answers to every command.
 */
import assert from "node:assert/strict";
import { test } from "./support/deadline.ts";
import { kcat, kcatConsume } from "./support/processes.ts";
import { ApiKey, ErrorCode, MockCluster, MockClusterError } from "./support/mock_cluster.ts";

/** kcat's metadata listing as seen through one bootstrap address. */
function metadata(bootstrap: string, topic?: string, waitSeconds = 5) {
  const args = ["-L", "-m", String(waitSeconds), ...(topic ? ["-t", topic] : [])];
  return kcat(bootstrap, args, { timeoutMs: 20_000 });
}

test("kcat -L sees three brokers on 127.0.0.1, in id order", async () => {
  await using cluster = await MockCluster.start({ brokers: 3 });
  assert.equal(cluster.brokers.length, 3);
  for (const address of cluster.brokers) assert.match(address, /^127\.0\.0\.1:\d+$/);
  const result = await metadata(cluster.bootstrap);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^ 3 brokers:$/m);
  for (const [i, address] of cluster.brokers.entries()) {
    assert.match(result.stdout, new RegExp(`broker ${i + 1} at ${address.replace(/\./g, "\\.")}`));
  }
});

test("a leader move shows in the partition's metadata", async () => {
  await using cluster = await MockCluster.start();
  await cluster.createTopic("moves", 2, 3);
  await cluster.setLeader("moves", 0, 2);
  await cluster.setLeader("moves", 1, 1);
  let result = await metadata(cluster.bootstrap, "moves");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /partition 0, leader 2, replicas: 1,2,3/);
  assert.match(result.stdout, /partition 1, leader 1,/);
  await cluster.setLeader("moves", 0, 3);
  result = await metadata(cluster.bootstrap, "moves");
  assert.match(result.stdout, /partition 0, leader 3,/);
});

test("a broker that is down refuses kcat until it is up again", async () => {
  await using cluster = await MockCluster.start();
  const only2 = cluster.broker(2);
  assert.equal((await metadata(only2)).code, 0);
  await cluster.brokerDown(2);
  const down = await metadata(only2, undefined, 2);
  assert.notEqual(down.code, 0, down.stdout);
  // The other brokers still answer, and still list broker 2 (a down broker keeps its place).
  const others = await metadata(cluster.broker(1));
  assert.equal(others.code, 0, others.stderr);
  assert.match(others.stdout, /broker 2 at /);
  await cluster.brokerUp(2);
  const up = await metadata(only2);
  assert.equal(up.code, 0, up.stderr);
});

test("errors pushed for one broker fail its next requests of that API, and are counted until then", async () => {
  await using cluster = await MockCluster.start();
  await cluster.createTopic("f", 1, 3);
  await cluster.setLeader("f", 0, 1);
  const produced = await kcat(cluster.bootstrap, ["-P", "-t", "f", "-X", "acks=all"], {
    stdin: "one\n",
    timeoutMs: 20_000,
  });
  assert.equal(produced.code, 0, produced.stderr);
  await cluster.pushBrokerErrors(1, ApiKey.Fetch, [
    { code: ErrorCode.NOT_LEADER_OR_FOLLOWER },
    { code: ErrorCode.NOT_LEADER_OR_FOLLOWER, rttMs: 5 },
  ]);
  assert.equal(await cluster.pendingBrokerErrors(1, ApiKey.Fetch), 2);
  assert.equal(await cluster.pendingBrokerErrors(2, ApiKey.Fetch), 0);
  // kcat's fetches from the leader (broker 1) meet both errors, retry, and still read the message.
  const read = await kcatConsume(cluster.bootstrap, "f", "%s\n", {
    quiet: true,
    timeoutMs: 20_000,
  });
  assert.equal(read.code, 0, read.stderr);
  assert.equal(read.stdout, "one\n");
  assert.equal(await cluster.pendingBrokerErrors(1, ApiKey.Fetch), 0);
  await cluster.pushErrors(ApiKey.Heartbeat, [ErrorCode.REBALANCE_IN_PROGRESS]);
  await cluster.clearErrors(ApiKey.Heartbeat);
  await cluster.setCoordinator("group", "g", 3);
  await cluster.setRtt(2, 0);
});

test("bad commands are answered with an error naming them, and the cluster carries on", async () => {
  await using cluster = await MockCluster.start();
  await assert.rejects(
    cluster.command("bogus 1"),
    /"bogus 1" failed: error unknown command: bogus/,
  );
  await assert.rejects(cluster.brokerDown(9), /"down 9" failed: error/);
  await assert.rejects(cluster.command("create t x 3"), /usage: create TOPIC/);
  await assert.rejects(cluster.command("a\nb"), RangeError);
  await cluster.createTopic("still-fine");
  await cluster.close();
  await cluster.close();
  assert.equal(cluster.exitReport()?.code, 0);
  await assert.rejects(cluster.createTopic("late"), MockClusterError);
});
