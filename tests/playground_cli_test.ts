import assert from "node:assert/strict";
import { loadAuth } from "../lib/hop/auth_file.ts";
import { simulateLifecycles } from "../lib/playground/mod.ts";
import type { PlaygroundGroup } from "../lib/playground/mod.ts";
import { runCli, startCli } from "./support/cli.ts";
import { kcatConsume, rdkafkaSasl, type RunningProcess, runProcess } from "./support/processes.ts";
import { test } from "./support/deadline.ts";
import { encodeAlert } from "../lib/alert/payload.ts";

const ROOT = new URL("..", import.meta.url).pathname;

function cli(args: string[], env?: Record<string, string>, timeoutMs = 90_000) {
  return runCli(args, { env, timeoutMs });
}

/** `New message from topic T:` + one JSON line, as `igwn-alert listen` prints them. */
function parseListenOutput(text: string): { topic: string; body: string }[] {
  const lines = text.split("\n");
  assert.equal(lines.pop(), "", "output ends with a newline");
  const messages = [];
  for (let i = 0; i < lines.length; i += 2) {
    const match = /^New message from topic (\S+):$/.exec(lines[i]);
    assert.ok(match, `unexpected line ${i + 1}: ${lines[i].slice(0, 80)}`);
    messages.push({ topic: match[1], body: lines[i + 1] });
  }
  return messages;
}

function expected(
  seed: string,
  count: number,
  groups: PlaygroundGroup[] = ["gracedb"],
  topics?: string[],
): { topic: string; body: string }[] {
  return [...simulateLifecycles({ seed, count, groups })]
    .filter((step) => !topics || topics.some((t) => step.topic.endsWith(`.${t}`)))
    .map((step) => ({ topic: step.topic, body: encodeAlert(step.alert) as string }));
}

/** A playground in the background, with its stdout read line by line. */
class Background implements AsyncDisposable {
  readonly process: RunningProcess;

  constructor(args: string[]) {
    this.process = startCli(["playground", ...args], { cwd: ROOT });
  }

  get lines(): readonly string[] {
    return this.process.stdoutLines;
  }

  waitForLine(test: (line: string) => boolean, deadlineMs = 60_000): Promise<string> {
    return this.process.waitForLine(test, deadlineMs);
  }

  /** Waits until the playground serves and returns the `… listen` command line it printed. */
  async listenCommandLine(): Promise<string> {
    const line = await this.waitForLine((l) => / listen$/.test(l));
    await this.waitForLine((l) => l.startsWith("stop with Ctrl-C"));
    return line;
  }

  /** Sends `signal`; a playground still running 20 s later is killed and reported as such. */
  async stop(signal: Deno.Signal = "SIGINT"): Promise<{ code: number; stderr: string }> {
    const { code, stderr, timedOut } = await this.process.stop(signal, 20_000);
    return {
      code,
      stderr: timedOut ? `${stderr}\n[killed: no exit within 20 s of ${signal}]` : stderr,
    };
  }

  async [Symbol.asyncDispose]() {
    await this.process[Symbol.asyncDispose]();
  }
}

/** Splits the printed `ENV=… ENV=… deno run -A cli.ts …` line into env and argv. */
function parseCommandLine(line: string): { env: Record<string, string>; argv: string[] } {
  const words = line.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0])) {
    const [name, ...value] = words.shift()!.split("=");
    env[name] = value.join("=");
  }
  return { env, argv: words };
}

test({
  name: "playground --listen --count prints every alert once, in publication order, reproducibly",
  async fn() {
    const args = ["playground", "--listen", "--count", "2", "--seed", "7"];
    const first = await cli(args);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.timedOut, false);
    const messages = parseListenOutput(first.stdout);
    assert.deepEqual(messages, expected("7", 2));
    // Connection details go to stderr, so stdout holds alerts only.
    assert.match(first.stderr, /username: playground/);

    const second = await cli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout, "same seed, same bytes");
  },
});

test({
  name: "playground --listen TOPIC prints only that topic of each simulated group",
  async fn() {
    const result = await cli([
      "playground",
      "--listen",
      "test_superevent",
      "mdc_superevent",
      "--group",
      "gracedb-test",
      "--group",
      "gracedb-playground",
      "--count",
      "4",
      "--seed",
      "12",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const messages = parseListenOutput(result.stdout);
    const wanted = expected("12", 4, ["gracedb-test", "gracedb-playground"], [
      "test_superevent",
      "mdc_superevent",
    ]);
    assert.ok(wanted.length > 0);
    assert.deepEqual(messages, wanted);
    assert.ok(
      messages.every((m) => /^gracedb-(test\.test|playground\.mdc)_superevent$/.test(m.topic)),
    );
  },
});

test({
  name: "global flags before the subcommand (-g, --no-auth) apply to the playground",
  async fn() {
    const result = await cli([
      "-g",
      "gracedb-test",
      "--no-auth",
      "playground",
      "--listen",
      "--count",
      "1",
      "--seed",
      "2",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(parseListenOutput(result.stdout), expected("2", 1, ["gracedb-test"]));
    assert.match(result.stderr, /\(seed 2, 1 lifecycle\)$/m);
    assert.match(result.stderr, /published \d+ alerts in 1 lifecycle$/m);
    assert.match(result.stderr, /listening on kafka:\/\/127\.0\.0\.1:\d+ \(PLAINTEXT\)/);
    assert.doesNotMatch(result.stderr, /password:/);
  },
});

/** The `topic type type ... total` table of the summary: counts by topic, then by alert type. */
function parseTopicTable(stderr: string): Map<string, Map<string, number>> {
  const lines = stderr.split("\n");
  const start = lines.findIndex((line) => line.startsWith("topic "));
  assert.ok(start >= 0, stderr);
  const header = lines[start];
  // Numbers are right-aligned under their column name: a column ends where its name ends.
  const columns: { name: string; end: number }[] = [];
  for (const match of header.matchAll(/\S+/g)) {
    columns.push({ name: match[0], end: match.index + match[0].length });
  }
  const table = new Map<string, Map<string, number>>();
  for (const line of lines.slice(start + 1)) {
    if (line === "") break;
    const topic = line.split(" ")[0];
    const counts = new Map<string, number>();
    for (const [i, { name, end }] of columns.entries()) {
      if (i === 0) continue;
      const cell = line.slice(i === 1 ? topic.length : columns[i - 1].end, end).trim();
      if (cell !== "") counts.set(name, Number(cell));
    }
    table.set(topic, counts);
  }
  return table;
}

test({
  name: "the deno task demo prints one line per alert and ends with a summary of what it received",
  async fn() {
    const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
    assert.equal(
      config.tasks.demo,
      "deno run -A cli.ts playground --listen --count 3 --seed 1 --format short",
    );
    const result = await runProcess(Deno.execPath(), ["task", "demo"], { timeoutMs: 90_000 });
    assert.equal(result.code, 0, result.stderr);
    const steps = [...simulateLifecycles({ seed: "1", count: 3 })];

    // Standard output: one short line per alert, in publication order.
    const lines = result.stdout.split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, steps.length);
    assert.ok(result.stdout.length < 20_000, `${result.stdout.length} bytes`);
    for (const [i, line] of lines.entries()) {
      const [time, topic, uid, type] = line.split(/ +/);
      assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const { alert } = steps[i];
      assert.deepEqual([topic, uid, type], [steps[i].topic, alert.uid, alert.alert_type], line);
    }

    // Standard error ends with the summary: counts by topic and type, one row per superevent.
    const byTopic = new Map<string, Map<string, number>>();
    const byType = new Map<string, number>();
    for (const { topic, alert } of steps) {
      const counts = byTopic.get(topic) ?? new Map<string, number>();
      byTopic.set(topic, counts);
      counts.set(alert.alert_type, (counts.get(alert.alert_type) ?? 0) + 1);
      counts.set("total", (counts.get("total") ?? 0) + 1);
      byType.set(alert.alert_type, (byType.get(alert.alert_type) ?? 0) + 1);
    }
    byType.set("total", steps.length);
    const table = parseTopicTable(result.stderr);
    assert.deepEqual(table, new Map([...[...byTopic].sort(), ["total", byType]]));
    assert.match(
      result.stderr,
      new RegExp(
        `^received ${steps.length} alerts on ${byTopic.size} topics about 3 superevents in \\d+\\.\\d s$`,
        "m",
      ),
    );
    assert.match(
      result.stderr,
      /^INFO igwn-alert playground: published 80 alerts in 3 lifecycles$/m,
    );

    const rows = result.stderr.split("\n").filter((line) => /^S\d{6}[a-z]+ /.test(line));
    const expectedRows = ["S260105a", "S260105b", "S260105c"].map((id) => {
      const own = steps.filter((step) => step.superevent === id);
      const voevents = own.filter((step) => step.alert.alert_type === "voevent")
        .map((step) => (step.alert.data as { voevent_type: string }).voevent_type);
      return [id, String(own.length), voevents.join(",")];
    });
    assert.deepEqual(
      rows.map((row) => row.split(/ +/)).map((cells) => [cells[0], cells[1], cells.at(-2)]),
      expectedRows,
    );
  },
});

test({
  name: "the printed listen command, run with the printed credentials, receives the alerts",
  async fn() {
    const playground = new Background(["--port", "0", "--count", "2", "--seed", "5"]);
    try {
      const line = await playground.listenCommandLine();
      assert.match(line, /^ {2}IGWN_ALERT_USER=playground IGWN_ALERT_PASSWORD=\S+ deno run -A /);
      assert.match(line, / --server kafka:\/\/127\.0\.0\.1:\d+\/ --no-tls listen$/);
      const { env, argv } = parseCommandLine(line);
      const wanted = expected("5", 2, ["gracedb"], ["superevent"]);
      const listen = await runProcess(
        argv[0] === "deno" ? Deno.execPath() : argv[0],
        [...argv.slice(1), "superevent", "--earliest", "--count", String(wanted.length)],
        { env, timeoutMs: 60_000 },
      );
      assert.equal(listen.code, 0, listen.stderr);
      assert.deepEqual(parseListenOutput(listen.stdout), wanted);

      // Without the credential the same command is refused.
      const refused = await runProcess(
        Deno.execPath(),
        [...argv.slice(1), "superevent", "--timeout", "5", "--count", "1"],
        { env: { IGWN_ALERT_USER: "playground", IGWN_ALERT_PASSWORD: "wrong" }, timeoutMs: 60_000 },
      );
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /authentication failed for user 'playground'/);
      assert.doesNotMatch(refused.stderr, new RegExp(env.IGWN_ALERT_PASSWORD));
    } finally {
      const { code, stderr } = await playground.stop();
      assert.equal(code, 0, stderr);
    }
  },
});

test({
  name: "playground --write-auth stores a SASL_PLAINTEXT credential that listen then uses",
  async fn() {
    const dir = await Deno.makeTempDir();
    const authFile = `${dir}/hop/auth.toml`;
    const playground = new Background([
      "--port",
      "0",
      "--count",
      "1",
      "--seed",
      "3",
      "--write-auth",
      "--auth-file",
      authFile,
    ]);
    try {
      const line = await playground.listenCommandLine();
      assert.doesNotMatch(line, /IGWN_ALERT_PASSWORD/);
      assert.match(line, new RegExp(` --auth-file ${authFile} listen$`));
      const port = /127\.0\.0\.1:(\d+)/.exec(line)![1];
      const [credential] = await loadAuth(authFile);
      assert.equal(credential.username, "playground");
      assert.equal(credential.hostname, `127.0.0.1:${port}`);
      assert.equal(credential.protocol, "SASL_PLAINTEXT");
      assert.equal((await Deno.stat(authFile)).mode! & 0o777, 0o600);

      const { argv } = parseCommandLine(line);
      const wanted = expected("3", 1, ["gracedb"], ["superevent"]);
      const listen = await runProcess(
        Deno.execPath(),
        [...argv.slice(1), "superevent", "--earliest", "--count", String(wanted.length)],
        { timeoutMs: 60_000 },
      );
      assert.equal(listen.code, 0, listen.stderr);
      assert.deepEqual(parseListenOutput(listen.stdout), wanted);
    } finally {
      await playground.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

test({
  name: "playground refuses bad input with one line and a non-zero exit code",
  async fn() {
    const dir = await Deno.makeTempDir();
    const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const file = `${dir}/file`;
      await Deno.writeTextFile(file, "");
      const cases: [string[], number, RegExp][] = [
        [
          ["--group", "lvalert-dev"],
          1,
          /^igwn-alert: unknown group "lvalert-dev": the playground simulates "gracedb", "gracedb-playground", "gracedb-test"$/,
        ],
        [["--rate", "0"], 2, /^igwn-alert: .*--rate must be a positive number, got '0'/],
        [["--rate", "fast"], 2, /^igwn-alert: .*--rate must be a positive number, got 'fast'/],
        [["--rate", "-3"], 2, /--rate must be a positive number|unknown option/],
        [
          ["--port", String(blocker.addr.port)],
          1,
          new RegExp(`^igwn-alert: address 127\\.0\\.0\\.1:${blocker.addr.port} is already in use`),
        ],
        [
          ["--port", "0", "--data-dir", `${file}/data`],
          1,
          new RegExp(`^igwn-alert: data directory ${file}/data is not writable: `),
        ],
        [["--no-auth", "--write-auth"], 2, /^igwn-alert: --write-auth needs a credential/],
      ];
      for (const [args, code, message] of cases) {
        const result = await cli(["playground", "--count", "1", ...args], undefined, 30_000);
        assert.equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
        const lines = result.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 1, `${args.join(" ")} printed:\n${result.stderr}`);
        assert.match(lines[0], message);
        assert.equal(result.stdout, "");
      }
    } finally {
      blocker.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

test({
  name: "Ctrl-C stops an endless playground cleanly and its data directory opens again",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const running = new Background([
        "--listen",
        "superevent",
        "--rate",
        "600",
        "--seed",
        "9",
        "--data-dir",
        dir,
      ]);
      await running.waitForLine((l) => l.startsWith("New message from topic gracedb.superevent:"));
      const stopped = await running.stop("SIGINT");
      assert.equal(stopped.code, 0, stopped.stderr);
      // Whatever was printed is whole: every header has its payload.
      const text = running.lines.join("\n") + "\n";
      const messages = parseListenOutput(text);
      for (const m of messages) assert.equal(JSON.parse(m.body).uid.slice(0, 1), "S");

      // The same directory serves again, with the alerts published before the interrupt.
      const again = new Background([
        "--port",
        "0",
        "--count",
        "1",
        "--seed",
        "10",
        "--data-dir",
        dir,
      ]);
      try {
        const line = await again.listenCommandLine();
        const { env, argv } = parseCommandLine(line);
        // First the stored log itself, read to its end: an alert printed before the interrupt
        // but lost on disk fails here at once, instead of leaving listen --count waiting.
        const stored = await kcatConsume(
          /127\.0\.0\.1:\d+/.exec(line)![0],
          "gracedb.superevent",
          "%s\n",
          {
            quiet: true,
            config: rdkafkaSasl(env.IGWN_ALERT_USER, env.IGWN_ALERT_PASSWORD, "SCRAM-SHA-512"),
          },
        );
        assert.equal(stored.code, 0, stored.stderr);
        const storedAlerts = stored.stdout.trimEnd().split("\n").map((v) =>
          JSON.parse(JSON.parse(v))
        );
        assert.deepEqual(
          storedAlerts.slice(0, messages.length),
          messages.map((m) => JSON.parse(m.body)),
          `the ${messages.length} alerts printed before the interrupt are stored first`,
        );
        const replay = await runProcess(
          Deno.execPath(),
          [...argv.slice(1), "superevent", "--earliest", "--count", String(messages.length)],
          { env, timeoutMs: 60_000 },
        );
        assert.equal(replay.code, 0, replay.stderr);
        assert.deepEqual(parseListenOutput(replay.stdout), messages);
      } finally {
        const { code, stderr } = await again.stop("SIGTERM");
        assert.equal(code, 0, stderr);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
