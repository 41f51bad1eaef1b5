/**
 * `igwn-alert listen --exec` and `--config`, run as users run the compiled binary: with its
 * permissions, allowed to run only the scripts each test writes.
 */
import assert from "node:assert/strict";
import { startBroker } from "../lib/broker/mod.ts";
import { Client } from "../lib/alert/client.ts";
import { encodeAlert } from "../lib/alert/payload.ts";
import type { GraceDbAlert } from "../lib/alert/types.ts";
import { graceDbTopics, simulateLifecycles } from "../lib/playground/mod.ts";
import { execScriptDir, makeHome, runCliProcess, startCliProcess } from "./support/cli.ts";
import { test } from "./support/deadline.ts";
import { REFUSED_ADDRESS } from "./support/network.ts";

/** The first `n` superevent alerts of a simulated lifecycle. */
function superevents(n: number): GraceDbAlert[] {
  return simulateLifecycles({ seed: 2, count: 1 })
    .filter((step) => step.topic === "gracedb.superevent")
    .map((step) => step.alert).take(n).toArray();
}

async function publish(url: string, alerts: GraceDbAlert[]): Promise<void> {
  await using client = new Client({ server: url, noAuth: true });
  for (const alert of alerts) await client.publish("superevent", alert);
}

/**
 * A folder with one shell script: it appends `UID TYPE TOPIC KAFKA_TOPIC PARTITION OFFSET` to
 * `calls`, its input to `input-OFFSET`, then runs `body`.
 */
function scriptDir(body: string): Promise<{ dir: string; script: string }> {
  return execScriptDir((dir) =>
    `d="${dir}"
echo "$IGWN_ALERT_UID $IGWN_ALERT_TYPE $IGWN_ALERT_TOPIC $IGWN_ALERT_KAFKA_TOPIC $IGWN_ALERT_PARTITION $IGWN_ALERT_OFFSET" >> "$d/calls"
cat > "$d/input-$IGWN_ALERT_OFFSET"
${body}
`
  );
}

const calls = async (dir: string) =>
  (await Deno.readTextFile(`${dir}/calls`)).trimEnd().split("\n");
const offsetsOf = (lines: string[]) => lines.map((line) => Number(line.split(" ").at(-1)));

async function withSetup(
  body: string,
  alerts: number,
  fn: (
    env: { url: string; dir: string; script: string; home: string; sent: GraceDbAlert[] },
  ) => Promise<void>,
): Promise<void> {
  await using broker = await startBroker({
    port: 0,
    topics: graceDbTopics("gracedb"),
    logger: () => {},
  });
  const { dir, script } = await scriptDir(body);
  try {
    const sent = superevents(alerts);
    await publish(broker.url, sent);
    await fn({ url: `${broker.url}/`, dir, script, home: await makeHome(), sent });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The CLI's environment is cleared in tests; commands need a PATH as they have for users. */
const env = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };

test({
  name: "--exec: a command failing once gets the alert again, which is committed once",
  async fn({ signal }) {
    const once =
      `[ -e "$d/failed-$IGWN_ALERT_OFFSET" ] || { touch "$d/failed-$IGWN_ALERT_OFFSET"; exit 1; }`;
    await withSetup(once, 2, async ({ url, dir, script, home, sent }) => {
      const args = ["listen", "superevent", "--no-auth", "--server", url, "-c", "pipeline"];
      const result = await runCliProcess(
        [...args, "--earliest", "--exec", script, "-w", "0.02", "--count", "2"],
        { home, env, signal, runPrograms: [script], timeoutMs: 60_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "", "with --exec, alerts are not printed");
      const lines = await calls(dir);
      assert.deepEqual(offsetsOf(lines), [0, 0, 1, 1]);
      const [uid, type, topic, kafkaTopic, partition] = lines[0].split(" ");
      assert.deepEqual(
        [uid, type, topic, kafkaTopic, partition],
        [sent[0].uid, sent[0].alert_type, "superevent", "gracedb.superevent", "0"],
      );
      assert.equal(await Deno.readTextFile(`${dir}/input-1`), `${encodeAlert(sent[1])}\n`);
      const retried = result.stderr.split("\n").filter((line) =>
        /^ERROR igwn-alert: handler failed for the alert at gracedb\.superevent partition 0 offset \d \(uid S\w+\): command '.*on-alert\.sh' exited with status 1; delivering it again in 20 ms$/
          .test(line)
      );
      assert.equal(retried.length, 2, result.stderr);

      // Both were committed: the group's next listener gets only what comes after them.
      const [third] = superevents(3).slice(2);
      await publish(url.slice(0, -1), [third]);
      const next = await runCliProcess([...args, "--count", "1"], {
        home,
        signal,
        timeoutMs: 60_000,
      });
      assert.equal(next.code, 0, next.stderr);
      assert.equal(
        next.stdout,
        `New message from topic gracedb.superevent:\n${encodeAlert(third)}\n`,
      );
    });
  },
});

test({
  name: "--exec: an always failing command sends its alert to the dead letter and goes on",
  async fn({ signal }) {
    await withSetup(`[ "$IGWN_ALERT_OFFSET" = 0 ] && exit 3; exit 0`, 2, async (setup) => {
      const { url, dir, script, home, sent } = setup;
      const result = await runCliProcess([
        "listen",
        "superevent",
        "--no-auth",
        "--server",
        url,
        "--earliest",
        "--exec",
        script,
        "--retries",
        "2",
        "--dead-letter",
        `${dir}/out/dead.ndjson`,
        "-w",
        "0.01",
        "--count",
        "1",
      ], { home, env, signal, runPrograms: [script], timeoutMs: 60_000 });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(offsetsOf(await calls(dir)), [0, 0, 0, 1]);
      const dead = (await Deno.readTextFile(`${dir}/out/dead.ndjson`)).trimEnd().split("\n")
        .map((line) => JSON.parse(line));
      assert.equal(dead.length, 1);
      assert.deepEqual(
        [dead[0].topic, dead[0].offset, dead[0].uid, dead[0].payload],
        ["gracedb.superevent", 0, sent[0].uid, encodeAlert(sent[0])],
      );
      assert.match(dead[0].error, /^command '.*on-alert\.sh' exited with status 3$/);
      assert.match(result.stderr, /handler failed 3 times .* handed to the dead-letter file/);
    });
  },
});

test({
  name: "--exec-timeout stops a hanging command; its alert is dead-lettered and the next handled",
  async fn({ signal }) {
    const hang = `[ "$IGWN_ALERT_OFFSET" = 0 ] && exec sleep 30 >/dev/null 2>&1; exit 0`;
    await withSetup(hang, 2, async ({ url, dir, script, home }) => {
      const started = Date.now();
      const result = await runCliProcess([
        "listen",
        "superevent",
        "--no-auth",
        "--server",
        url,
        "--earliest",
        "--exec",
        script,
        "--exec-timeout",
        "0.5",
        "--retries",
        "0",
        "--dead-letter",
        `${dir}/out/dead.ndjson`,
        "--count",
        "1",
      ], { home, env, signal, runPrograms: [script], timeoutMs: 60_000 });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(Date.now() - started < 25_000, "the hanging command was not waited for");
      assert.deepEqual(offsetsOf(await calls(dir)), [0, 1]);
      const [dead] = (await Deno.readTextFile(`${dir}/out/dead.ndjson`)).trimEnd().split("\n");
      assert.match(JSON.parse(dead).error, /ran longer than 0\.5 s and was stopped$/);
    });
  },
});

test({
  name: "a listener killed during a command runs that alert again when restarted",
  async fn({ signal }) {
    // The first run of offset 0 says so on stdout and hangs; later runs succeed.
    const body = `if [ "$IGWN_ALERT_OFFSET" = 0 ] && [ ! -e "$d/hung" ]; then
  touch "$d/hung"; echo "running $IGWN_ALERT_OFFSET"; exec sleep 20 >/dev/null 2>&1
fi
echo "done $IGWN_ALERT_OFFSET"`;
    await withSetup(body, 2, async ({ url, dir, script, home }) => {
      const args = [
        "listen",
        "superevent",
        "--no-auth",
        "--server",
        url,
        "-c",
        "restarted",
        "--earliest",
        "--exec",
        script,
      ];
      const run = { home, env, signal, runPrograms: [script] };
      {
        await using first = startCliProcess(args, run);
        await first.waitForLine((line) => line === "running 0", 60_000);
        const killed = await first.stop("SIGKILL");
        assert.equal(killed.signal, "SIGKILL");
      }
      const second = await runCliProcess([...args, "--count", "2"], { ...run, timeoutMs: 60_000 });
      assert.equal(second.code, 0, second.stderr);
      assert.equal(second.stdout, "done 0\ndone 1\n");
      assert.deepEqual(offsetsOf(await calls(dir)), [0, 0, 1]);
    });
  },
});

test({
  name: "--config maps topics and filters to commands; a bad config is one line",
  async fn({ signal }) {
    await withSetup(`echo "$IGWN_ALERT_TYPE $IGWN_ALERT_OFFSET"`, 6, async (setup) => {
      const { url, dir, script, home, sent } = setup;
      const config = `${dir}/pipeline.toml`;
      await Deno.writeTextFile(
        config,
        `timeout = 30
[[command]]
exec = "${script} first"
topics = ["superevent"]
alert_type = "event_added"

[[command]]
exec = "${script} second"
topics = ["superevent"]
where = "alert_type in ['new', 'event_added']"
`,
      );
      const wanted = sent.flatMap((alert, offset) =>
        alert.alert_type === "event_added"
          ? [`event_added ${offset}`, `event_added ${offset}`]
          : alert.alert_type === "new"
          ? [`new ${offset}`]
          : []
      );
      assert.ok(wanted.length >= 3, wanted.join());
      const expectedCount = sent.filter((a) => ["new", "event_added"].includes(a.alert_type))
        .length;
      const result = await runCliProcess(
        [
          "listen",
          "--no-auth",
          "--server",
          url,
          "--earliest",
          "--config",
          config,
          "--type",
          "new,event_added",
          "--count",
          String(expectedCount),
        ],
        {
          home,
          env,
          signal,
          runPrograms: [script],
          timeoutMs: 60_000,
        },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.stdout.trimEnd().split("\n"), wanted);

      await Deno.writeTextFile(config, `[[command]]\nexec = "${script}"\nwhere = "far < "\n`);
      const bad = await runCliProcess(
        ["listen", "--no-auth", "--server", `kafka://${REFUSED_ADDRESS}/`, "--config", config],
        { home, signal, timeoutMs: 30_000 },
      );
      assert.equal(bad.code, 1);
      assert.equal(
        bad.stderr,
        `igwn-alert: ${config}: [[command]] 1: where: filter 'far < ' at position 7: expected a value, got the end\n`,
      );
    });
  },
});

test({
  name: "the binary refuses, before connecting, to run a program it was not built for",
  async fn({ signal }) {
    const home = await makeHome();
    const result = await runCliProcess(
      ["listen", "--no-auth", "--server", `kafka://${REFUSED_ADDRESS}/`, "--exec", "/bin/true"],
      { home, signal, timeoutMs: 30_000 },
    );
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      "igwn-alert: this igwn-alert may not run '/bin/true': build it with " +
        "'deno task compile --run /path/to/true' (see docs/pipelines.md)\n",
    );
  },
});

test({
  name: "a dead-letter file in the folder of a program the binary may run is refused in one line",
  async fn({ signal }) {
    const { dir, script } = await scriptDir("exit 0");
    try {
      const result = await runCliProcess([
        "listen",
        "--no-auth",
        "--server",
        `kafka://${REFUSED_ADDRESS}/`,
        "--exec",
        script,
        "--retries",
        "1",
        "--dead-letter",
        `${dir}/bin/dead.ndjson`,
      ], { home: await makeHome(), signal, runPrograms: [script], timeoutMs: 30_000 });
      assert.deepEqual([result.code, result.stdout, result.stderr], [
        1,
        "",
        "igwn-alert: a folder this run writes holds a program this binary may run, which Deno " +
        "does not allow; keep --output and --dead-letter files apart from the programs\n",
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
