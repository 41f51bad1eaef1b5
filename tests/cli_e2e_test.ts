import assert from "node:assert/strict";
import {
  type AlertBroker,
  readSample,
  SAMPLE_ALERTS,
  startAlertBroker,
  USERS,
} from "./support/broker.ts";
import { makeCertificate } from "./support/network.ts";
import { cliCommand, makeHome, runCliProcess } from "./support/cli.ts";
import { Condition, test, withDeadline } from "./support/deadline.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const ALERTS = new URL("./testdata/alerts/", import.meta.url).pathname;

/** A HOME whose hop auth.toml holds `user`'s credential and the broker's CA. */
async function homeFor(env: AlertBroker, user: keyof typeof USERS = "alice", password?: string) {
  const home = await makeHome();
  await Deno.mkdir(`${home}/.config/hop`, { recursive: true });
  await Deno.copyFile(env.caFile, `${home}/.config/hop/ca.pem`);
  await Deno.writeTextFile(
    `${home}/.config/hop/auth.toml`,
    `[[auth]]\nusername = "${USERS[user].username}"\npassword = "${
      password ?? USERS[user].password
    }"\nprotocol = "SASL_SSL"\nmechanism = "SCRAM-SHA-512"\n` +
      `ssl_ca_location = "${home}/.config/hop/ca.pem"\n`,
    { mode: 0o600 },
  );
  return home;
}

/** A running `igwn-alert listen` whose output is collected as it arrives. */
class ListenProcess implements AsyncDisposable {
  stdout = "";
  stderr = "";
  readonly #child: Deno.ChildProcess;
  readonly status: Promise<Deno.CommandStatus>;
  readonly #pumps: Promise<void>[];
  readonly #output = new Condition();

  constructor(args: string[], home: string) {
    this.#child = cliCommand(args, { home }).spawn();
    this.#pumps = [
      this.#pump(this.#child.stdout, (text) => (this.stdout += text)),
      this.#pump(this.#child.stderr, (text) => (this.stderr += text)),
    ];
    this.status = this.#child.status;
  }

  async #pump(stream: ReadableStream<Uint8Array>, add: (text: string) => void) {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      add(decoder.decode(chunk, { stream: true }));
      this.#output.notify();
    }
  }

  async waitFor(pattern: RegExp, where: "stdout" | "stderr", ms = 30_000): Promise<void> {
    await this.#output.wait(() => pattern.test(this[where]), {
      deadlineMs: ms,
      what: `${pattern} on ${where}`,
      detail: () => `stderr: ${this.stderr}`,
    });
  }

  async finished(ms = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
    const status = await withDeadline(this.status, ms, "listen to end", {
      detail: () => `stderr: ${this.stderr}`,
    });
    await Promise.all(this.#pumps);
    return { code: status.code, stdout: this.stdout, stderr: this.stderr };
  }

  kill(signal: Deno.Signal = "SIGTERM") {
    try {
      this.#child.kill(signal);
    } catch { /* already gone */ }
  }

  async [Symbol.asyncDispose]() {
    this.kill("SIGKILL");
    await this.status;
    await Promise.all(this.#pumps);
  }
}

function parseAlerts(stdout: string): { topic: string; payload: unknown }[] {
  const blocks = stdout.split(/^New message from topic (\S+):\n/m).slice(1);
  const alerts = [];
  for (let i = 0; i < blocks.length; i += 2) {
    alerts.push({ topic: blocks[i], payload: JSON.parse(blocks[i + 1]) });
  }
  return alerts;
}

test("send then listen round-trips every sample alert through the CLI", opts, async () => {
  await using env = await startAlertBroker();
  const home = await homeFor(env);
  for (const group of ["gracedb", "gracedb-playground"]) {
    const samples = SAMPLE_ALERTS.filter((sample) => sample.group === group);
    const topics = [...new Set(samples.map((sample) => sample.topic))];
    await using listener = new ListenProcess(
      ["-s", env.server, "-g", group, "listen", "--count", `${samples.length}`, ...topics],
      home,
    );
    await listener.waitFor(/^igwn-alert: ready, listening to /m, "stderr");
    for (const topic of topics) {
      const files = samples.filter((s) => s.topic === topic).map((s) => `${ALERTS}${s.file}`);
      const sent = await runCliProcess(["-s", env.server, "-g", group, "send", topic, ...files], {
        home,
      });
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal(sent.stdout, "");
    }
    const result = await listener.finished();
    assert.equal(result.code, 0, result.stderr);
    const alerts = parseAlerts(result.stdout);
    assert.equal(alerts.length, samples.length);
    for (const sample of samples) {
      const { object } = await readSample(sample.file);
      assert.ok(
        alerts.some((alert) =>
          alert.topic === `${group}.${sample.topic}` &&
          JSON.stringify(alert.payload) === JSON.stringify(object)
        ),
        `${sample.file} missing from listen output`,
      );
    }
  }
});

test("send reads standard input and listen -j pretty-prints with 4 spaces", opts, async () => {
  await using env = await startAlertBroker();
  const home = await homeFor(env);
  await using listener = new ListenProcess(
    ["-s", env.server, "-j", "listen", "--count", "1", "superevent"],
    home,
  );
  await listener.waitFor(/ready/, "stderr");
  const sent = await runCliProcess(["-s", env.server, "send", "superevent", "-"], {
    home,
    stdin: '{"uid":"S1","alert_type":"new"}',
  });
  assert.equal(sent.code, 0, sent.stderr);
  const result = await listener.finished();
  assert.equal(
    result.stdout,
    'New message from topic gracedb.superevent:\n{\n    "uid": "S1",\n    "alert_type": "new"\n}\n',
  );
});

test("listen with a consumer group and --count resumes where it stopped", opts, async () => {
  await using env = await startAlertBroker();
  const home = await homeFor(env);
  const files = ["superevent_new.json", "superevent_label_added.json", "superevent_log.json"]
    .map((file) => `${ALERTS}${file}`);
  const sent = await runCliProcess(["-s", env.server, "send", "superevent", ...files], { home });
  assert.equal(sent.code, 0, sent.stderr);
  const listen = ["-s", env.server, "-c", "resume", "listen", "--earliest", "--count"];
  const first = await runCliProcess([...listen, "2", "superevent"], { home });
  const second = await runCliProcess([...listen, "1", "superevent"], { home });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(second.code, 0, second.stderr);
  const uids = (stdout: string) =>
    parseAlerts(stdout).map((a) => (a.payload as { alert_type: string }).alert_type);
  assert.deepEqual(uids(first.stdout), ["new", "label_added"]);
  assert.deepEqual(uids(second.stdout), ["log"]);
});

test("listen prints a malformed alert with a warning and keeps running", opts, async () => {
  await using env = await startAlertBroker();
  const home = await homeFor(env);
  await using listener = new ListenProcess(
    ["-s", env.server, "listen", "--count", "2", "superevent"],
    home,
  );
  await listener.waitFor(/ready/, "stderr");
  for (const [args, stdin] of [[["--text"], "hello, not json"], [[], '{"uid":"S2"}']] as const) {
    const sent = await runCliProcess(["-s", env.server, "send", ...args, "superevent", "-"], {
      home,
      stdin,
    });
    assert.equal(sent.code, 0, sent.stderr);
  }
  const result = await listener.finished();
  assert.equal(result.code, 0);
  assert.equal(
    result.stdout,
    "New message from topic gracedb.superevent:\nhello, not json\n" +
      'New message from topic gracedb.superevent:\n{"uid":"S2"}\n',
  );
  assert.match(
    result.stderr,
    /WARNING igwn-alert: alert at gracedb.superevent offset 0: Payload is not valid json/,
  );
});

test("topics lists the group's topics with the Python header", opts, async () => {
  await using env = await startAlertBroker();
  const home = await homeFor(env);
  const result = await runCliProcess(["-s", env.server, "-g", "gracedb", "topics"], { home });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    "Topics for group gracedb associated with the current credential:\n" +
      "burst_cwb\ncbc_gstlal\ncbc_gstlal_allsky\ncbc_pycbc\nsuperevent\n",
  );
});

test("topics shows only the topics the broker's ACLs let the user read", opts, async () => {
  await using env = await startAlertBroker({ acls: true });
  const home = await homeFor(env, "bob");
  const result = await runCliProcess(["-s", env.server, "topics"], { home });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    "Topics for group gracedb associated with the current credential:\nsuperevent\n",
  );
  const denied = await runCliProcess(["-s", env.server, "listen", "cbc_gstlal"], { home });
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /^igwn-alert: .*gracedb\.cbc_gstlal/);
});

test(
  "-u selects the auth.toml credential by username and broker host:port",
  opts,
  async () => {
    await using env = await startAlertBroker();
    const home = await homeFor(env);
    const port = env.broker.port;
    await Deno.writeTextFile(
      `${home}/.config/hop/auth.toml`,
      `[[auth]]\nusername = "alice"\npassword = "wrong-one"\nhostname = "elsewhere:${port}"\n` +
        `ssl_ca_location = "${home}/.config/hop/ca.pem"\n` +
        `[[auth]]\nusername = "alice"\npassword = "${USERS.alice.password}"\n` +
        `hostname = "127.0.0.1:${port}"\nssl_ca_location = "${home}/.config/hop/ca.pem"\n` +
        `[[auth]]\nusername = "bob"\npassword = "${USERS.bob.password}"\n` +
        `ssl_ca_location = "${home}/.config/hop/ca.pem"\n`,
      { mode: 0o600 },
    );
    const result = await runCliProcess(["-s", env.server, "-u", "alice", "topics"], { home });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /superevent/);
    const missing = await runCliProcess(["-s", env.server, "-u", "carol", "topics"], { home });
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^igwn-alert: No matching credential found for hostname '127\.0\.0\.1:\d+' with username 'carol'/,
    );
  },
);

test("-n FILE takes the credential from that netrc file", opts, async () => {
  await using env = await startAlertBroker({ tls: false });
  const home = await makeHome();
  const netrc = `${home}/.netrc`;
  await Deno.writeTextFile(
    netrc,
    `machine ${env.server} login alice password ${USERS.alice.password}\n`,
    { mode: 0o600 },
  );
  const result = await runCliProcess(["-s", env.server, "--no-tls", "-n", netrc, "topics"], {
    home,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /superevent/);
});

test("IGWN_ALERT_USER and IGWN_ALERT_PASSWORD are a credential source", opts, async () => {
  await using env = await startAlertBroker({ tls: false });
  const home = await makeHome();
  const result = await runCliProcess(["-s", env.server, "--no-tls", "topics"], {
    home,
    env: { IGWN_ALERT_USER: "alice", IGWN_ALERT_PASSWORD: USERS.alice.password },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /superevent/);
});

test(
  "a wrong password ends with one line naming the user, never the password",
  opts,
  async () => {
    await using env = await startAlertBroker();
    const home = await homeFor(env, "alice", "not-the-password-42");
    for (const args of [["topics"], ["listen", "superevent"]]) {
      const result = await runCliProcess(["-s", env.server, ...args], { home });
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      assert.match(result.stderr, /^igwn-alert: .*alice/);
      assert.doesNotMatch(result.stderr, /not-the-password-42/);
    }
  },
);

test("listen to an unknown topic ends with an error naming it", opts, async () => {
  await using env = await startAlertBroker();
  const home = await homeFor(env);
  const result = await runCliProcess(["-s", env.server, "listen", "nonexistent"], { home });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^igwn-alert: .*gracedb\.nonexistent/);
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
});

test("an unreachable server ends with an error naming host and port", opts, async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const home = await makeHome();
  const result = await runCliProcess(
    ["--no-auth", "-s", `kafka://127.0.0.1:${port}/`, "--timeout", "1", "topics"],
    { home },
  );
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`^igwn-alert: .*127\\.0\\.0\\.1:${port}`));
});

test(
  "a broker outage ends listen neither with nor without --retry-on-fatal; no alert is missed",
  opts,
  async () => {
    await using env = await startAlertBroker();
    const home = await homeFor(env);
    const send = async (uid: string) => {
      const sent = await runCliProcess(["-s", env.server, "send", "superevent", "-"], {
        home,
        stdin: `{"uid":"${uid}"}`,
      });
      assert.equal(sent.code, 0, sent.stderr);
    };
    const listen = (group: string, flags: string[]) =>
      new ListenProcess(
        ["-s", env.server, "-c", group, ...flags, "-l", "info", "listen", "--count", "2"],
        home,
      );
    await using retrying = listen("r", ["-r", "-t", "2", "-w", "0.5"]);
    await using plain = listen("p", []);
    await retrying.waitFor(/ready/, "stderr");
    await plain.waitFor(/ready/, "stderr");
    await send("S1");
    // An outage on the same port: connections are dropped and refused until resume().
    await env.broker.pause();
    for (const listener of [retrying, plain]) {
      await listener.waitFor(/WARNING.*lost the connection to Kafka: /, "stderr");
      await listener.waitFor(/reconnecting to Kafka in \d+\.\d s/, "stderr");
    }
    env.broker.resume();
    await send("S2");
    for (const listener of [retrying, plain]) {
      const result = await listener.finished();
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(
        parseAlerts(result.stdout).map((a) => (a.payload as { uid: string }).uid),
        ["S1", "S2"],
      );
      // An outage is not a fatal error: -r's budget is never spent on it.
      assert.doesNotMatch(result.stderr, /fatal error from kafka/);
    }
  },
);

test(
  "listen in a group without visible topics ends with an error naming the group",
  opts,
  async () => {
    await using env = await startAlertBroker();
    const home = await homeFor(env);
    const result = await runCliProcess(["-s", env.server, "-g", "nosuchgroup", "listen"], { home });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^igwn-alert: no topics of group 'nosuchgroup' are visible to the credential on 127\.0\.0\.1:\d+\n$/,
    );
  },
);

test("a certificate the CA file does not vouch for ends with a TLS error", opts, async () => {
  await using env = await startAlertBroker();
  const home = await homeFor(env);
  const other = await Deno.makeTempDir({ dir: home });
  const { certFile } = await makeCertificate(other);
  const result = await runCliProcess(
    ["-s", env.server, "--ca-file", certFile, "--timeout", "3", "topics"],
    { home },
  );
  assert.equal(result.code, 1);
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`^igwn-alert: .*127\\.0\\.0\\.1:${env.broker.port}`));
});

test("listen ends cleanly with exit 0 on SIGINT and SIGTERM", opts, async () => {
  await using env = await startAlertBroker();
  const home = await homeFor(env);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    await using listener = new ListenProcess(["-s", env.server, "listen", "superevent"], home);
    await listener.waitFor(/ready/, "stderr");
    listener.kill(signal);
    const result = await listener.finished();
    assert.equal(result.code, 0, `${signal}: ${result.stderr}`);
    assert.equal(result.stdout, "");
  }
});

test(
  "send to a topic the credential may not write ends with an error naming user and topic",
  opts,
  async () => {
    await using env = await startAlertBroker({ acls: true });
    const home = await homeFor(env, "bob");
    const result = await runCliProcess(["-s", env.server, "send", "superevent", "-"], {
      home,
      stdin: "{}",
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /(^|\n)igwn-alert: .*'bob' is not authorized for topic 'gracedb\.superevent'/,
    );
  },
);

test("-n without a file before the subcommand reads the default netrc", opts, async () => {
  await using env = await startAlertBroker({ tls: false });
  const home = await makeHome();
  await Deno.writeTextFile(
    `${home}/.netrc`,
    `machine 127.0.0.1 login alice password ${USERS.alice.password}\n`,
    { mode: 0o600 },
  );
  const result = await runCliProcess(["-s", env.server, "--no-tls", "-n", "topics"], { home });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /superevent/);
});
