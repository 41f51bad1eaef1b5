import assert from "node:assert/strict";
import { Client } from "../lib/alert/client.ts";
import { Auth } from "../lib/hop/auth.ts";
import type { Logger } from "../lib/hop/log.ts";
import { test } from "./support/deadline.ts";

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`DEBUG ${m}`),
    info: (m) => lines.push(`INFO ${m}`),
    warn: (m) => lines.push(`WARNING ${m}`),
    error: (m) => lines.push(`ERROR ${m}`),
  };
}

/** Runs `body` with HOME (and no XDG/NETRC) pointing at a fresh folder. */
async function withHome<T>(body: (home: string) => Promise<T>): Promise<T> {
  const home = await Deno.makeTempDir();
  const saved = ["HOME", "XDG_CONFIG_HOME", "NETRC"].map((name) => [name, Deno.env.get(name)]);
  Deno.env.set("HOME", home);
  Deno.env.delete("XDG_CONFIG_HOME");
  Deno.env.delete("NETRC");
  try {
    return await body(home);
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) Deno.env.delete(name!);
      else Deno.env.set(name!, value);
    }
    await Deno.remove(home, { recursive: true });
  }
}

test("Client has the Python client's defaults", () => {
  const client = new Client();
  assert.equal(client.server, "kafka://kafka.scimma.org/");
  assert.equal(client.port, 9092);
  assert.equal(client.group, "gracedb");
  assert.equal(client.consumerGroup, undefined);
  assert.equal(client.batchSize, 1);
  assert.equal(client.batchTimeoutMs, 500);
  assert.equal(client.retryOnFatal, false);
  assert.equal(client.listenRetries, 3);
  assert.equal(client.retryWaitMs, 100);
  assert.equal(client.jsonppOn, false);
  assert.equal(client.encoding, "gracedb");
  assert.equal(client.broker.broker, "kafka.scimma.org:9092");
});

test("batchTimeoutMs is a finite wait in ms (the fetch's long poll); batchSize an integer >= 1", () => {
  assert.equal(new Client({ batchTimeoutMs: 0 }).batchTimeoutMs, 0);
  assert.equal(new Client({ batchTimeoutMs: 1500 }).batchTimeoutMs, 1500);
  assert.throws(() => new Client({ batchTimeoutMs: Infinity }), {
    name: "RangeError",
    message: '"batchTimeoutMs" must be a finite number >= 0, got Infinity',
  });
  assert.throws(() => new Client({ batchTimeoutMs: -1 }), {
    name: "RangeError",
    message: '"batchTimeoutMs" must be a number >= 0, got -1',
  });
  assert.equal(new Client({ batchSize: 10 }).batchSize, 10);
  assert.throws(() => new Client({ batchSize: 0 }), {
    name: "RangeError",
    message: '"batchSize" must be an integer >= 1, got 0',
  });
});

test("server and group follow the URL parser's and Kafka's topic-name rules", () => {
  assert.equal(new Client({ server: "KAFKA://alice@[::1]/" }).broker.broker, "[::1]:9092");
  assert.throws(() => new Client({ server: "kafka://alice:secret@h/" }), (error: unknown) => {
    assert.ok(error instanceof RangeError);
    assert.ok(!error.message.includes("secret"), error.message);
    return true;
  });
  assert.throws(() => new Client({ server: "kafka://h/gracedb.superevent" }), /names a topic/);
  assert.throws(() => new Client({ group: "grace db" }), {
    name: "RangeError",
    message: `"group" 'grace db' holds characters Kafka does not allow`,
  });
});

test("Client refuses wrong option types naming the option", () => {
  assert.throws(() => new Client({ server: null as unknown as string }), {
    name: "TypeError",
    message: '"server" must be a string, not null',
  });
  assert.throws(() => new Client({ port: "onetwo" as unknown as number }), {
    name: "TypeError",
    message: '"port" must be a number, not string',
  });
  assert.throws(() => new Client({ group: null as unknown as string }), {
    name: "TypeError",
    message: '"group" must be a string, not null',
  });
  assert.throws(() => new Client({ listenRetries: -1 }), {
    name: "RangeError",
    message: '"listenRetries" must be an integer >= 0, got -1',
  });
  assert.throws(() => new Client({ port: 0 }), RangeError);
});

test("handler failures: retried without limit by default, deadLetter needs a bound", () => {
  const client = new Client();
  assert.equal(client.handlerRetries, Infinity);
  assert.equal(client.deadLetter, undefined);
  const bounded = new Client({ handlerRetries: 2, deadLetter: "dead.ndjson" });
  assert.equal(bounded.handlerRetries, 2);
  assert.equal(bounded.deadLetter, "dead.ndjson");
  assert.throws(() => new Client({ handlerRetries: -1 }), {
    name: "RangeError",
    message: '"handlerRetries" must be an integer >= 0, got -1',
  });
  assert.throws(() => new Client({ deadLetter: "dead.ndjson" }), {
    name: "RangeError",
    message:
      '"deadLetter" is used only once "handlerRetries" are spent: give a finite "handlerRetries"',
  });
  assert.throws(() => new Client({ handlerRetries: 1, deadLetter: 7 as unknown as string }), {
    name: "TypeError",
    message: '"deadLetter" must be a file path or a function, not number',
  });
  assert.throws(() => new Client({ handlerRetries: 1, deadLetter: "" }), {
    name: "RangeError",
    message: '"deadLetter" must not be an empty path',
  });
});

test("Client refuses an unknown option with a TypeError", () => {
  assert.throws(
    () => new Client({ consumer_group: "x" } as unknown as Record<string, never>),
    { name: "TypeError", message: 'unknown Client option "consumer_group"' },
  );
});

test("Client needs both username and password, with the Python client's text", () => {
  const text = "You must provide both a username and a password for basic authentication.";
  assert.throws(() => new Client({ username: "user" }), { message: text });
  assert.throws(() => new Client({ password: "pw" }), { message: text });
});

test("a port inside the server URL wins over the default, an explicit port over both", () => {
  assert.equal(new Client({ server: "kafka://localhost:9093/" }).port, 9093);
  assert.equal(new Client({ server: "kafka://localhost:9093/", port: 1234 }).port, 1234);
});

test("credentials(): username and password become one SCRAM-SHA-512 credential", async () => {
  const auth = await new Client({ username: "user-asdf", password: "pw123" }).credentials();
  assert.ok(auth);
  assert.equal(auth.length, 1);
  assert.equal(auth[0].username, "user-asdf");
  assert.equal(auth[0].password, "pw123");
  assert.equal(auth[0].mechanism, "SCRAM-SHA-512");
  assert.equal(auth[0].protocol, "SASL_SSL");
});

test("credentials(): noAuth means no credential", async () => {
  assert.equal(await new Client({ noAuth: true }).credentials(), false);
});

test("credentials(): tls false turns the credential into SASL_PLAINTEXT", async () => {
  const auth = await new Client({
    auth: new Auth({ username: "u", password: "p" }),
    tls: false,
  }).credentials();
  assert.ok(auth);
  assert.equal(auth[0].protocol, "SASL_PLAINTEXT");
});

test("credentials(): a missing authFile is an error naming the file", async () => {
  await assert.rejects(
    new Client({ authFile: "/nonexistent/auth.toml" }).credentials(),
    /\/nonexistent\/auth\.toml/,
  );
});

test("credentials(): an authFile with unsafe permissions is refused", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/auth.toml`;
  await Deno.writeTextFile(path, '[[auth]]\nusername = "u"\npassword = "p"\n', { mode: 0o644 });
  await Deno.chmod(path, 0o644);
  await assert.rejects(new Client({ authFile: path }).credentials(), /unsafe permissions/);
  await Deno.chmod(path, 0o600);
  const auth = await new Client({ authFile: path }).credentials();
  assert.ok(auth);
  assert.equal(auth[0].username, "u");
});

test("credentials(): the default auth.toml is used when it holds a credential", async () => {
  await withHome(async (home) => {
    await Deno.mkdir(`${home}/.config/hop`, { recursive: true });
    await Deno.writeTextFile(
      `${home}/.config/hop/auth.toml`,
      '[[auth]]\nusername = "user-asdf"\npassword = "pw123"\n',
      { mode: 0o600 },
    );
    const auth = await new Client().credentials();
    assert.ok(auth);
    assert.equal(auth[0].username, "user-asdf");
  });
});

test("credentials(): a broken default auth.toml is reported, not skipped", async () => {
  await withHome(async (home) => {
    await Deno.mkdir(`${home}/.config/hop`, { recursive: true });
    await Deno.writeTextFile(`${home}/.config/hop/auth.toml`, "[[auth]\nusername = ", {
      mode: 0o600,
    });
    await Deno.writeTextFile(
      `${home}/.netrc`,
      "machine kafka://kafka.scimma.org/ login n password p\n",
      { mode: 0o600 },
    );
    await assert.rejects(new Client().credentials(), /auth\.toml/);
  });
});

test("credentials(): netrc keyed by the server URL as given, then by host", async () => {
  await withHome(async (home) => {
    await Deno.writeTextFile(
      `${home}/.netrc`,
      "machine kafka://kafka.test/ login user-asdf password pw123\n" +
        "machine other.test login by-host password pw456\n",
      { mode: 0o600 },
    );
    const byUrl = await new Client({ server: "kafka://kafka.test/" }).credentials();
    assert.ok(byUrl);
    assert.equal(byUrl[0].username, "user-asdf");
    const byHost = await new Client({ server: "kafka://other.test:9093/" }).credentials();
    assert.ok(byHost);
    assert.equal(byHost[0].username, "by-host");
  });
});

test("credentials(): nothing found means unauthenticated with the Python warning", async () => {
  await withHome(async () => {
    const logger = recordingLogger();
    assert.equal(await new Client({ logger }).credentials(), false);
    assert.deepEqual(logger.lines.filter((line) => !line.startsWith("DEBUG")), [
      "WARNING No authentication found. Proceeding with unauthenticated session",
    ]);
  });
});

test("deprecated methods warn and return undefined", () => {
  const logger = recordingLogger();
  const client = new Client({ logger });
  assert.equal(client.getSubscriptions(), undefined);
  assert.equal(client.subscribe("a"), undefined);
  assert.equal(client.unsubscribe("a"), undefined);
  assert.equal(client.delete(), undefined);
  assert.equal(logger.lines.length, 4);
  assert.ok(logger.lines.every((line) => line.startsWith("WARNING This feature is deprecated.")));
});

test("publishToTopic and flushByTopic refuse unconnected topics with the Python texts", async () => {
  const client = new Client({ noAuth: true });
  await assert.rejects(client.publishToTopic("t", {}), {
    message: "No active sessions. Please connect before publishing to a topic.",
  });
  await assert.rejects(client.flushByTopic("t"), {
    message: "No active sessions. Please connect before publishing to a topic.",
  });
});

test("disconnect warns about a topic that is not connected", async () => {
  const logger = recordingLogger();
  await new Client({ logger }).disconnect("superevent");
  assert.deepEqual(logger.lines, ["WARNING Not currently connected to topic superevent"]);
});

test("stop() before listen makes the next listen end at once without connecting", async () => {
  const client = new Client({ server: "kafka://127.0.0.1:1/", noAuth: true });
  client.stop();
  const seen = [];
  for await (const alert of client.listen(["superevent"])) seen.push(alert);
  assert.deepEqual(seen, []);
});
