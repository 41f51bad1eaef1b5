// What `igwn-alert listen` prints with --format short and --format ndjson, its ready line, and
// how --format combines with -j and --raw.

import assert from "node:assert/strict";
import { decodeAlertPayload } from "../lib/alert/payload.ts";
import {
  alertPrinter,
  ndjsonAlertLine,
  type PrintedAlert,
  shortAlertLine,
} from "../lib/cli/_alert_formats.ts";
import { openStream } from "../lib/hop/stream.ts";
import { readSample, startAlertBroker, USERS } from "./support/broker.ts";
import { makeHome, runCliProcess } from "./support/cli.ts";
import { kcatConsume, rdkafkaSasl } from "./support/processes.ts";
import { test } from "./support/deadline.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const encoder = new TextEncoder();
const ALICE = { IGWN_ALERT_USER: "alice", IGWN_ALERT_PASSWORD: USERS.alice.password };

/** A received sample alert, as the client hands it to the printer. */
async function received(
  file: string,
  metadata: Partial<PrintedAlert["metadata"]> = {},
): Promise<PrintedAlert> {
  const { text } = await readSample(file);
  const { payload, problem } = decodeAlertPayload(text);
  return {
    fullTopic: "gracedb.superevent",
    raw: text,
    payload: payload as PrintedAlert["payload"],
    problem,
    metadata: {
      topic: "gracedb.superevent",
      partition: 0,
      offset: 7,
      timestamp: Date.UTC(2024, 5, 15, 8, 42, 31, 250),
      key: null,
      headers: [],
      ...metadata,
    },
  };
}

test("--format short prints the key fields of each sample alert on one line", async () => {
  const T = "2024-06-15T08:42:31.250Z  gracedb.superevent        ";
  const expected: [string, string][] = [
    [
      "superevent_new.json",
      `${T}  S240615dg   new              far=3.17e-10 preferred=G512385 pipeline=gstlal events=1`,
    ],
    ["superevent_label_added.json", `${T}  S240615dg   label_added      label=EM_READY`],
    [
      "superevent_log.json",
      `${T}  S240615dg   log              file=bayestar.multiorder.fits ` +
      `comment="Localization copied from G512385"`,
    ],
    [
      "superevent_voevent.json",
      `${T}  S240615dg   voevent          voevent_type=PR significant=true ` +
      `file=S240615dg-1-Preliminary.xml`,
    ],
    [
      "event_new_cbc_gstlal.json",
      `${T}  G512385     new              pipeline=gstlal search=AllSky far=3.17e-10 snr=12.9 ` +
      `instruments=H1,L1,V1`,
    ],
    [
      "playground_mdc_superevent_signoff_created.json",
      `${T}  MS240615ab  signoff_created  signoff=ADV status=OK`,
    ],
  ];
  for (const [file, line] of expected) {
    assert.equal(shortAlertLine(await received(file)), line, file);
    assert.equal(
      alertPrinter({ format: "short", jsonpp: false })(await received(file)),
      line + "\n",
    );
  }
});

test("--format ndjson writes metadata, headers and the payload with its numbers as sent", () => {
  const text = '{"uid":"S1","alert_type":"log","data":{"comment":"caf\u00e9 \u{1F680}",' +
    '"n":12345678901234567890123,"x":1.0,"far":1E-5,"rows":[[1,2],[3]]},"object":{}}';
  const alert: PrintedAlert = {
    fullTopic: "gracedb.superevent",
    raw: text,
    payload: decodeAlertPayload(text).payload as PrintedAlert["payload"],
    metadata: {
      topic: "gracedb.superevent",
      partition: 1,
      offset: 42,
      timestamp: 1718441000123,
      key: encoder.encode("S1"),
      headers: [["_id", new Uint8Array([0xff, 0x00, 0x10])], ["_format", encoder.encode("json")]],
    },
  };
  const line = ndjsonAlertLine(alert);
  assert.equal(
    line,
    '{"topic": "gracedb.superevent", "partition": 1, "offset": 42, "timestamp": 1718441000123, ' +
      '"key": "S1", "headers": [["_id", {"base64": "/wAQ"}], ["_format", "json"]], ' +
      '"payload": {"uid": "S1", "alert_type": "log", "data": {"comment": "caf\\u00e9 ' +
      '\\ud83d\\ude80", "n": 12345678901234567890123, "x": 1.0, "far": 1e-05, ' +
      '"rows": [[1, 2], [3]]}, "object": {}}}',
  );
  assert.equal(JSON.parse(line).payload.data.comment, "caf\u00e9 \u{1F680}");
  // --raw: the payload as the Python client passed it on, GraceDB's text as a JSON string.
  const raw = JSON.parse(ndjsonAlertLine(alert, { raw: true }));
  assert.equal(raw.payload, text);
  // A payload that is not JSON travels as a string, with the reason.
  const notJson = { ...alert, raw: "not json", ...decodeAlertPayload("not json") };
  const parsed = JSON.parse(ndjsonAlertLine(notJson as PrintedAlert));
  assert.equal(parsed.payload, "not json");
  assert.match(parsed.problem, /^Payload is not valid json: Expecting value: line 1 column 1/);
  assert.equal(
    shortAlertLine(notJson as PrintedAlert),
    "2024-06-15T08:43:20.123Z  gracedb.superevent          -           -                " +
      'problem="Payload is not valid json: Expecting value: line 1 column..."',
  );
});

test(
  "listen refuses -j and --raw with a --format they do not apply to, in one line",
  opts,
  async () => {
    const home = await makeHome();
    const cases: [string[], string][] = [
      [
        ["listen", "--format", "short", "-j"],
        "igwn-alert: -j/--jsonpp only applies to --format text; --format short prints one line per alert",
      ],
      [
        ["-j", "listen", "--format", "ndjson"],
        "igwn-alert: -j/--jsonpp only applies to --format text; --format ndjson prints one line per alert",
      ],
      [
        ["listen", "--raw", "--format", "short"],
        "igwn-alert: --raw cannot be combined with --format short, which prints selected fields only",
      ],
    ];
    for (const [args, message] of cases) {
      const result = await runCliProcess(["--no-auth", "-s", "kafka://127.0.0.1:9/", ...args], {
        home,
      });
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stderr, `${message}\n`);
      assert.equal(result.stdout, "");
    }
    const unknown = await runCliProcess(["listen", "--format", "xml"], { home });
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr.trimEnd().split("\n").length, 1, unknown.stderr);
    assert.match(unknown.stderr, /--format.*'xml'.*text, short, ndjson/);
  },
);

test(
  "listen --format ndjson and short: one line per alert, metadata as kcat sees it",
  opts,
  async () => {
    await using env = await startAlertBroker({ tls: false });
    const home = await makeHome();
    const address = `127.0.0.1:${env.broker.port}`;

    // What is written: four sample alerts, an alert with text Python keeps exactly, a payload
    // that is not JSON (superevent, one partition) and two events (cbc_pycbc, two partitions).
    const special = '{"uid":"S240615dg","alert_type":"log","data":{"comment":"caf\u00e9 \u2014",' +
      '"filename":"","n":12345678901234567890123,"x":1.0,"far":1E-5},"object":{}}';
    const samples = [
      "superevent_new.json",
      "superevent_label_added.json",
      "superevent_log.json",
      "superevent_voevent.json",
    ];
    {
      await using producer = await openStream(env.server, "w", { auth: env.auth("alice") });
      for (const [i, file] of samples.entries()) {
        await producer.write(
          (await readSample(file)).text,
          i === 0
            ? { topic: "gracedb.superevent", key: "S240615dg", headers: { origin: "test" } }
            : { topic: "gracedb.superevent" },
        );
      }
      await producer.write(special, { topic: "gracedb.superevent" });
      await producer.writeRaw(encoder.encode("not json"), { topic: "gracedb.superevent" });
      const event = (await readSample("event_new_cbc_gstlal.json")).text;
      // Keys "a" and "d" go to partitions 0 and 1 (murmur2, as Java clients).
      for (const key of ["a", "d"]) {
        await producer.write(event, { topic: "gracedb.cbc_pycbc", key });
      }
      await producer.flush();
    }

    const listen = (args: string[]) =>
      runCliProcess(["-s", env.server, "--no-tls", "listen", "--earliest", ...args], {
        home,
        env: ALICE,
      });
    const [ndjson, short, debug] = await Promise.all([
      listen(["--count", "8", "--format", "ndjson", "superevent", "cbc_pycbc"]),
      listen(["--count", "6", "--format", "short", "superevent"]),
      listen(["--count", "1", "-l", "debug", "--format", "short"]),
    ]);

    // NDJSON: nothing but JSON objects on stdout, one per line.
    assert.equal(ndjson.code, 0, ndjson.stderr);
    assert.ok(ndjson.stdout.endsWith("\n"));
    const lines = ndjson.stdout.slice(0, -1).split("\n");
    assert.equal(lines.length, 8);
    const messages = lines.map((line) => JSON.parse(line));
    const server = `kafka://127.0.0.1:${env.broker.port}`;
    assert.match(
      ndjson.stderr,
      new RegExp(`^igwn-alert: ready, listening to 2 topics of gracedb on ${server}/?$`, "m"),
    );

    // Topic, partition, offset, timestamp and key as an independent reader sees them.
    const config = rdkafkaSasl("alice", USERS.alice.password, "SCRAM-SHA-512");
    const seen: string[] = [];
    for (const topic of ["gracedb.superevent", "gracedb.cbc_pycbc"]) {
      const read = await kcatConsume(address, topic, `${topic} %p %o %T %k\\n`, {
        config,
        quiet: true,
      });
      assert.equal(read.code, 0, read.stderr);
      seen.push(...read.stdout.replace(/\n$/, "").split("\n"));
    }
    assert.deepEqual(
      messages.map((m) => `${m.topic} ${m.partition} ${m.offset} ${m.timestamp} ${m.key ?? ""}`)
        .sort(),
      seen.sort(),
    );

    const superevent = messages.filter((m) => m.topic === "gracedb.superevent");
    assert.deepEqual(superevent.map((m) => m.offset), [0, 1, 2, 3, 4, 5]);
    for (const [i, file] of samples.entries()) {
      assert.deepEqual(superevent[i].payload, (await readSample(file)).object, file);
    }
    const [first] = superevent;
    assert.deepEqual(first.headers.slice(0, 1), [["origin", "test"]]);
    const headers = new Map(first.headers);
    assert.equal(headers.get("_format"), "json");
    assert.equal(headers.get("_sender"), "alice");
    const id = headers.get("_id") as string | { base64: string };
    assert.equal(typeof id === "string" ? encoder.encode(id).length : atob(id.base64).length, 16);
    assert.equal(first.key, "S240615dg");
    // Numbers keep the text they arrived with; non-ASCII is escaped as Python does.
    const specialLine = lines[messages.indexOf(superevent[4])];
    assert.match(specialLine, /"comment": "caf\\u00e9 \\u2014"/);
    assert.match(specialLine, /"n": 12345678901234567890123, "x": 1\.0, "far": 1e-05/);
    assert.equal(superevent[5].payload, "not json");
    assert.match(superevent[5].problem, /^Payload is not valid json/);
    const events = messages.filter((m) => m.topic === "gracedb.cbc_pycbc");
    assert.deepEqual(events.map((m) => `${m.key} ${m.partition}`).sort(), ["a 0", "d 1"]);
    for (const event of events) assert.equal(event.payload.uid, "G512385");

    // Short: one line per alert, the time being the Kafka timestamp.
    assert.equal(short.code, 0, short.stderr);
    const time = (offset: number) => new Date(superevent[offset].timestamp).toISOString();
    const topic = "gracedb.superevent        ";
    assert.equal(
      short.stdout,
      [
        `${time(0)}  ${topic}  S240615dg   new              far=3.17e-10 preferred=G512385 ` +
        `pipeline=gstlal events=1`,
        `${time(1)}  ${topic}  S240615dg   label_added      label=EM_READY`,
        `${time(2)}  ${topic}  S240615dg   log              file=bayestar.multiorder.fits ` +
        `comment="Localization copied from G512385"`,
        `${time(3)}  ${topic}  S240615dg   voevent          voevent_type=PR significant=true ` +
        `file=S240615dg-1-Preliminary.xml`,
        `${time(4)}  ${topic}  S240615dg   log              comment="caf\u00e9 \u2014"`,
        `${time(5)}  ${topic}  -           -                problem="Payload is not valid json: ` +
        `Expecting value: line 1 column..."`,
        "",
      ].join("\n"),
    );
    assert.match(
      short.stderr,
      new RegExp(`^igwn-alert: ready, listening to 1 topic of gracedb on ${server}/?$`, "m"),
    );

    // The whole group: the count on the ready line, the names only at debug level.
    assert.equal(debug.code, 0, debug.stderr);
    const names = [
      "gracedb.burst_cwb",
      "gracedb.cbc_gstlal",
      "gracedb.cbc_gstlal_allsky",
      "gracedb.cbc_pycbc",
      "gracedb.superevent",
    ];
    assert.match(
      debug.stderr,
      new RegExp(`^igwn-alert: ready, listening to 5 topics of gracedb on ${server}/?$`, "m"),
    );
    const listed = /^DEBUG igwn-alert: listening to (.*)$/m.exec(debug.stderr);
    assert.ok(listed, debug.stderr);
    assert.deepEqual(listed[1].split(", ").sort(), names);
    assert.doesNotMatch(ndjson.stderr, /gracedb\.cbc_pycbc/);
  },
);
