import assert from "node:assert/strict";
import { ManualClock, startBroker } from "../lib/broker/mod.ts";
import { test, waitFor } from "./support/deadline.ts";
import { python, startProcess } from "./support/processes.ts";
import { RawKafkaConnection } from "./support/raw_client.ts";

/** These tests run only our own code, so Deno's op and resource sanitizers are on. */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };

/** ApiVersions v0 answers error code 0 on a fresh connection: the broker serves. */
async function answersApiVersions(
  port: number,
  within: <T>(p: PromiseLike<T>, what: string) => Promise<T>,
) {
  await using c = await within(RawKafkaConnection.connect(port), "a connection to the broker");
  const answer = await within(c.request(18, 0, () => {}), "an ApiVersions answer");
  assert.ok(answer, "the broker closed the connection instead of answering ApiVersions");
  assert.equal(answer.r.int16(), 0);
}

/** Resolves to null once the broker closed the connection (EOF or reset). */
function closedByBroker(c: RawKafkaConnection): Promise<Uint8Array | null> {
  return c.readFrame();
}

const RESET_SCRIPT = `
import os, socket, struct
port = int(os.environ["PORT"])
for _ in range(int(os.environ["COUNT"])):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.connect(("127.0.0.1", port))
    s.close()  # linger 0: the kernel sends RST instead of FIN
print("done")
`;

test("connections reset right after connecting leave the listener serving", async ({ within }) => {
  const logs: string[] = [];
  await using broker = await startBroker({ port: 0, logger: (line) => logs.push(line) });
  // Before the fix, three such resets ended the accept loop with ENOTCONN (os error 107).
  const resets = await python(RESET_SCRIPT, { PORT: String(broker.port), COUNT: "50" });
  assert.equal(resets.stdout, "done\n", resets.stderr);
  await answersApiVersions(broker.port, within);
  assert.deepEqual(logs.filter((l) => /listener|accept/.test(l)), []);
}, { ...SANITIZED, deadlineMs: 30_000 });

test(
  "negative and oversized length prefixes close only their connection, with one line each",
  async ({ within }) => {
    const logs: string[] = [];
    await using broker = await startBroker({
      port: 0,
      maxRequestBytes: 1000,
      logger: (line) => logs.push(line),
    });
    await using bystander = await within(RawKafkaConnection.connect(broker.port), "a connection");
    for (const prefix of [[0xff, 0xff, 0xff, 0xfe], [0, 0, 0x03, 0xe9], [0x7f, 0xff, 0xff, 0xff]]) {
      await using c = await within(RawKafkaConnection.connect(broker.port), "a connection");
      await c.writeRaw(new Uint8Array(prefix));
      assert.equal(await within(closedByBroker(c), "the broker to close the connection"), null);
    }
    // A request of exactly the limit is still read (and answered: ApiVersions ignores the padding).
    const exact = bystander.frame(18, 0, (w) => w.raw(new Uint8Array(1000 - 18)));
    assert.equal(exact.length, 1004);
    await bystander.writeRaw(exact);
    const answer = await within(bystander.readFrame(), "the answer to a request at the limit");
    assert.ok(answer, "a request of exactly maxRequestBytes was refused");
    assert.deepEqual(logs.map((l) => l.replace(/127\.0\.0\.1:\d+/, "peer")), [
      "closing connection from peer: frame size -2 is outside 0..1000",
      "closing connection from peer: frame size 1001 is outside 0..1000",
      "closing connection from peer: frame size 2147483647 is outside 0..1000",
    ]);
  },
  SANITIZED,
);

test(
  "a slow sender stalled inside a frame does not hold up other connections",
  async ({ within }) => {
    await using broker = await startBroker({ port: 0, logger: () => {} });
    await using slow = await within(RawKafkaConnection.connect(broker.port), "a connection");
    const request = slow.frame(18, 0, () => {});
    await slow.writeRaw(request.subarray(0, 6));
    await answersApiVersions(broker.port, within);
    await slow.writeRaw(request.subarray(6));
    assert.ok(await within(slow.readFrame(), "the slow sender's answer"));
  },
  SANITIZED,
);

test(
  "maxConnections refuses extra connections with one log line and admits again below it",
  async ({ within }) => {
    const logs: string[] = [];
    await using broker = await startBroker({
      port: 0,
      maxConnections: 3,
      logger: (line) => logs.push(line),
    });
    const admitted: RawKafkaConnection[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const c = await within(RawKafkaConnection.connect(broker.port), "a connection");
        admitted.push(c);
        assert.ok(await within(c.request(18, 0, () => {}), `an answer on connection ${i}`));
      }
      assert.equal(broker.openConnections, 3);
      for (let i = 0; i < 4; i++) {
        await using extra = await within(RawKafkaConnection.connect(broker.port), "a connection");
        await extra.writeRaw(extra.frame(18, 0, () => {})).catch(() => {});
        assert.equal(
          await within(closedByBroker(extra), "the refusal of an extra connection"),
          null,
        );
      }
      assert.deepEqual(logs, [
        "refusing connections: 3 are open, the most allowed (maxConnections 3)",
      ]);
      admitted.pop()!.close();
      await waitFor(() => broker.openConnections === 2, {
        deadlineMs: 10_000,
        what: "the broker to notice a closed connection",
      });
      await answersApiVersions(broker.port, within);
      assert.equal(logs[1], "accepting connections again after refusing 4");
      assert.equal(logs.length, 2);
    } finally {
      for (const c of admitted) c.close();
    }
  },
  SANITIZED,
);

test("a flood of concurrent connections is served and leaves nothing open", async ({ within }) => {
  await using broker = await startBroker({ port: 0, logger: () => {} });
  const flood = await within(
    Promise.all(Array.from({ length: 200 }, () => RawKafkaConnection.connect(broker.port))),
    "200 connections",
  );
  try {
    const answers = await within(
      Promise.all(flood.map((c) => c.request(18, 0, () => {}))),
      "200 ApiVersions answers",
    );
    assert.equal(answers.filter((a) => a?.r.int16() === 0).length, 200);
  } finally {
    for (const c of flood) c.close();
  }
  await waitFor(() => broker.openConnections === 0, {
    deadlineMs: 10_000,
    what: "every flooded connection to be closed",
  });
  await answersApiVersions(broker.port, within);
}, SANITIZED);

test(
  "idle connections, half-open ones included, are closed after idleTimeoutMs of the broker's clock",
  async ({ within }) => {
    const clock = new ManualClock();
    const logs: string[] = [];
    await using broker = await startBroker({
      port: 0,
      clock,
      idleTimeoutMs: 1000,
      logger: (line) => logs.push(line),
    });
    await using active = await within(RawKafkaConnection.connect(broker.port), "a connection");
    assert.ok(await within(active.request(18, 0, () => {}), "an answer"));
    await using halfOpen = await within(RawKafkaConnection.connect(broker.port), "a connection");
    await halfOpen.writeRaw(new Uint8Array([0, 0, 0])); // a size field it never finishes
    // Connections are accepted in order, so an answer on a later one proves the broker holds
    // the half-open one (and started its idle timer) while the clock still reads 0.
    await answersApiVersions(broker.port, within);

    clock.advance(999);
    assert.ok(await within(active.request(18, 0, () => {}), "an answer before the idle timeout"));
    clock.advance(1); // 1000 ms after the half frame; only 1 ms after the active connection's request
    assert.equal(
      await within(closedByBroker(halfOpen), "the half-open connection to be closed"),
      null,
    );
    clock.advance(998);
    assert.ok(await within(active.request(18, 0, () => {}), "an answer while still active"));
    // The broker marks a connection active again only after writing an answer, which the client
    // may see first; advancing twice the timeout covers that.
    clock.advance(2000);
    assert.equal(await within(closedByBroker(active), "the idle connection to be closed"), null);
    const idle = logs.filter((l) => l.includes("idle")).map((l) =>
      l.replace(/127\.0\.0\.1:\d+/, "peer")
    );
    assert.equal(idle.length, 2);
    assert.equal(idle[0], "closing connection from peer: idle for 1000 ms (idleTimeoutMs 1000)");
    assert.match(
      idle[1],
      /^closing connection from peer: idle for 1\d{3} ms \(idleTimeoutMs 1000\)$/,
    );
  },
  SANITIZED,
);

test("startBroker() refuses limits that are not positive, naming the option", async () => {
  for (
    const [options, message] of [
      [{ maxConnections: 0 }, "maxConnections 0: expected an integer greater than 0"],
      [{ maxConnections: 1.5 }, "maxConnections 1.5: expected an integer greater than 0"],
      [{ maxRequestBytes: -1 }, "maxRequestBytes -1: expected an integer greater than 0"],
      [{ idleTimeoutMs: 0 }, "idleTimeoutMs 0: expected a number greater than 0"],
      [
        { groupMinSessionTimeoutMs: 5000, groupMaxSessionTimeoutMs: 4000 },
        "groupMinSessionTimeoutMs 5000 is above groupMaxSessionTimeoutMs 4000",
      ],
    ] as const
  ) {
    await assert.rejects(
      startBroker({ port: 0, logger: () => {}, ...options }),
      (e: Error) => e.name === "BrokerStartError" && e.message === message,
    );
  }
}, SANITIZED);

test(
  "running out of file descriptors pauses accepting, with one log line, and serving resumes",
  async ({ within, signal }) => {
    const brokerModule = new URL("../lib/broker/mod.ts", import.meta.url).href;
    const script = `
    import { startBroker } from ${JSON.stringify(brokerModule)};
    const broker = await startBroker({ port: 0, logger: (line) => console.error("broker: " + line) });
    console.log("port " + broker.port);
    await new Promise((resolve) => Deno.addSignalListener("SIGTERM", resolve));
    await broker.close();
  `;
    // 40 descriptors: the runtime takes most of them, so a few dozen connections exhaust the rest.
    await using child = startProcess("sh", [
      "-c",
      `ulimit -n 40 && exec "$0" eval "$1"`,
      Deno.execPath(),
      script,
    ], { signal, name: "a broker limited to 40 file descriptors" });
    const port = Number((await child.waitFor(/^port (\d+)$/m, "stdout", 20_000))[1]);
    const flood: Deno.Conn[] = [];
    try {
      for (let i = 0; i < 60; i++) {
        flood.push(await within(Deno.connect({ hostname: "127.0.0.1", port }), "a connection"));
      }
      await child.waitFor(/Too many open files/, "stderr", 20_000);
    } finally {
      for (const c of flood) c.close();
    }
    // Queued connections are accepted (and found closed) as descriptors free up; then this one.
    await answersApiVersions(port, within);
    const result = await child.stop("SIGTERM");
    assert.equal(result.code, 0, result.stderr);
    const failures = result.stderr.split("\n").filter((l) => l.includes("failed"));
    assert.equal(failures.length, 1, result.stderr);
    assert.match(
      failures[0],
      /^broker: accepting connections on 127\.0\.0\.1:\d+ failed: Too many open files \(os error 24\); retrying every 100 ms$/,
    );
  },
  { ...SANITIZED, deadlineMs: 60_000 },
);
