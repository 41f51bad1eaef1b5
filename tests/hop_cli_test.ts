/**
 * The hop command line end to end over SASL_SSL against the built-in broker: every format sent
 * by `hop publish` read back by `hop subscribe` (hop 0.12's output and `-j` lines) and by
 * confluent-kafka (hop's headers, the payload bytes hop writes), `list-topics` for a user limited
 * by ACLs, start positions, and bad input.
 */
import assert from "node:assert/strict";
import { type AlertBroker, startAlertBroker, USERS } from "./support/broker.ts";
import { makeHome, runCliProcess } from "./support/cli.ts";
import { hopFixturePath } from "./support/hop_fixtures.ts";
import { python, rdkafkaSasl, runProcess } from "./support/processes.ts";
import { test } from "./support/deadline.ts";
import { AvroBlob } from "../lib/hop/models/avro_blob.ts";
import { gpsToUnixMs } from "../lib/hop/start_position.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const HOP_ENTRY = new URL("../hop.ts", import.meta.url).pathname;

/** A HOME whose hop auth.toml holds `user`'s credential and the broker's CA. */
async function homeFor(env: AlertBroker, user: keyof typeof USERS = "alice") {
  const home = await makeHome();
  await Deno.mkdir(`${home}/.config/hop`, { recursive: true });
  await Deno.copyFile(env.caFile, `${home}/.config/hop/ca.pem`);
  await Deno.writeTextFile(
    `${home}/.config/hop/auth.toml`,
    `[[auth]]\nusername = "${USERS[user].username}"\npassword = "${USERS[user].password}"\n` +
      `protocol = "SASL_SSL"\nmechanism = "SCRAM-SHA-512"\n` +
      `ssl_ca_location = "${home}/.config/hop/ca.pem"\n`,
    { mode: 0o600 },
  );
  return home;
}

interface Setup {
  env: AlertBroker;
  home: string;
  dir: string;
}

function hop(setup: Setup, args: string[], stdin?: string) {
  return runCliProcess(["hop", ...args], {
    home: setup.home,
    stdin,
  });
}

function urlOf(env: AlertBroker, topic: string) {
  return `${env.server}${topic}`;
}

// Reads a topic with confluent-kafka as alice, and works out from the sent files what hop 0.12.1
// writes (the wire value) and prints (`bytes(model)`) for each, with Python's json and email.
const PYTHON_READER = `
import email, json, os
from confluent_kafka import Consumer, KafkaError
conf = json.loads(os.environ["CONF"])
conf.update({"group.id": "py-hop-reader", "auto.offset.reset": "earliest",
             "enable.partition.eof": True})
c = Consumer(conf)
c.subscribe([os.environ["TOPIC"]])
read = []
while True:
    m = c.poll(20)
    if m is None:
        raise SystemExit("no end of partition within 20 s")
    if m.error():
        if m.error().code() == KafkaError._PARTITION_EOF:
            break
        raise SystemExit(str(m.error()))
    read.append({"offset": m.offset(), "value": m.value().hex(),
                 "headers": [[k, v.hex()] for k, v in (m.headers() or [])]})
c.close()

def circular(data):
    m = email.message_from_string(data.decode())
    header = {k.lower(): v for k, v in m.items()}
    return header, m.get_payload()

expected = []
for fmt, path in json.loads(os.environ["FILES"]):
    data = open(path, "rb").read()
    if fmt == "json":
        wire = printed = json.dumps(json.loads(data.decode())).encode()
    elif fmt == "circular":
        header, body = circular(data)
        wire = json.dumps({"header": header, "body": body}).encode()
        lines = [(k.upper() + ":").ljust(9) + v for k, v in header.items()]
        printed = "\\n".join(lines + ["", body]).encode()
    else:
        wire = printed = data
    expected.append({"format": fmt, "wire": wire.hex(), "printed": printed.hex()})
print(json.dumps({"read": read, "expected": expected}))
`;

const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

test("each format sent by hop publish reads back in hop subscribe and confluent-kafka", {
  ...opts,
  deadlineMs: 240_000,
}, async () => {
  await using env = await startAlertBroker({ acls: true });
  const home = await homeFor(env);
  const dir = await Deno.makeTempDir({ prefix: "hop-cli-" });
  try {
    const setup = { env, home, dir };
    await Deno.writeFile(
      `${dir}/blob.bin`,
      Uint8Array.from([...new TextEncoder().encode("hop blob "), 0, 0xfe, 0x0a, 0x41]),
    );
    const avro = new AvroBlob({ name: "S240615dg", far: 1e-9, count: 3 }).serialize();
    await Deno.writeFile(`${dir}/record.avro`, avro);
    const files: [string, string][] = [
      ["blob", `${dir}/blob.bin`],
      ["json", hopFixturePath("alert.json")],
      ["voevent", hopFixturePath("superevent_preliminary.xml")],
      ["circular", hopFixturePath("circular.gcn3")],
      ["gcntextnotice", hopFixturePath("notice.txt")],
      ["avro", `${dir}/record.avro`],
    ];
    const url = urlOf(env, "gracedb.burst_cwb");
    for (const [format, path] of files) {
      // hop's names in any case; the notice goes out as a test message.
      const args = ["publish", url, "-f", format === "json" ? "Json" : format.toUpperCase(), path];
      if (format === "gcntextnotice") args.push("-t");
      const sent = await hop(setup, [...args, "-v"]);
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal(sent.stdout, "");
      assert.match(sent.stderr, /sent 1 message\n/);
    }

    const conf = rdkafkaSasl("alice", USERS.alice.password, "SCRAM-SHA-512", env.caFile);
    conf["bootstrap.servers"] = `127.0.0.1:${env.broker.port}`;
    const py = await python(PYTHON_READER, {
      CONF: JSON.stringify(conf),
      TOPIC: "gracedb.burst_cwb",
      FILES: JSON.stringify(files),
    });
    assert.equal(py.code, 0, py.stderr);
    const { read, expected } = JSON.parse(py.stdout) as {
      read: { offset: number; value: string; headers: [string, string][] }[];
      expected: { format: string; wire: string; printed: string }[];
    };
    assert.equal(read.length, files.length);
    read.forEach((message, i) => {
      const headers = new Map(message.headers.map(([k, v]) => [k, text(fromHex(v))]));
      const format = files[i][0];
      assert.equal(message.offset, i);
      assert.equal(headers.get("_format"), format);
      assert.equal(headers.get("_sender"), "alice");
      assert.equal(fromHex(message.headers.find(([k]) => k === "_id")![1]).length, 16);
      assert.equal(headers.get("_test"), format === "gcntextnotice" ? "true" : undefined);
      assert.equal(message.value, expected[i].wire, `${format}: wire bytes differ from hop's`);
    });

    // hop 0.12's output: the printed bytes, then "\n" unless they end with it; no test message.
    const subscribed = await hop(setup, ["subscribe", url, "-s", "EARLIEST"]);
    assert.equal(subscribed.code, 0, subscribed.stderr);
    const newline = 0x0a;
    // Avro is printed re-encoded, as hop does: the same container but for its random sync marker.
    const want = expected.filter((e) => !["gcntextnotice", "avro"].includes(e.format)).map((e) => {
      const bytes = fromHex(e.printed);
      return text(bytes) + (bytes.at(-1) === newline ? "" : "\n");
    }).join("");
    assert.equal(subscribed.stdout.slice(0, want.length), want);
    assert.ok(subscribed.stdout.slice(want.length).startsWith("Obj\x01"));

    // -j with -t: one JSON object per line, all six.
    const json = await hop(setup, ["subscribe", url, "-s", "earliest", "-j", "-t"]);
    assert.equal(json.code, 0, json.stderr);
    assert.ok(json.stdout.endsWith("\n"));
    const lines = json.stdout.slice(0, -1).split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((l) => [l.offset, l.format]), files.map(([f], i) => [i, f]));
    for (const line of lines) {
      assert.equal(line.topic, "gracedb.burst_cwb");
      assert.equal(line.partition, 0);
      assert.equal(typeof line.timestamp, "number");
      assert.match(line.headers.find(([k]: string[]) => k === "_id")[1], /^[0-9a-f-]{36}$/);
    }
    const [blob, alert, voevent, circular, notice, record] = lines.map((l) => l.message);
    assert.deepEqual(blob, {
      base64: btoa(String.fromCharCode(...await Deno.readFile(`${dir}/blob.bin`))),
    });
    assert.deepEqual(alert, JSON.parse(await Deno.readTextFile(files[1][1])));
    assert.equal(voevent, await Deno.readTextFile(files[2][1]));
    assert.equal(circular.header.subject.length > 0, true);
    assert.equal(notice, await Deno.readTextFile(files[4][1]));
    assert.deepEqual(record, { name: "S240615dg", far: 1e-9, count: 3 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test(
  "list-topics shows what the credential may see; version lists the dependencies",
  opts,
  async () => {
    await using env = await startAlertBroker({ acls: true });
    const dir = await Deno.makeTempDir({ prefix: "hop-cli-" });
    try {
      const bob = { env, home: await homeFor(env, "bob"), dir };
      const listed = await hop(bob, ["list-topics", env.server]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal(listed.stdout, "Accessible topics:\n gracedb.superevent\n");
      const filtered = await hop(bob, ["list-topics", urlOf(env, "gracedb.burst_cwb")]);
      assert.equal(filtered.stdout, "No accessible topics\n");
      const alice = { env, home: await homeFor(env, "alice"), dir };
      const all = await hop(alice, ["list-topics", env.server]);
      assert.match(all.stdout, /^Accessible topics:\n( \S+\n)+$/);
      assert.ok(all.stdout.includes(" gracedb.cbc_pycbc\n"));
      // Through the ./hop entry point.
      const version = await runProcess(Deno.execPath(), ["run", "-A", HOP_ENTRY, "version"], {
        timeoutMs: 60_000,
      });
      assert.equal(version.code, 0, version.stderr);
      assert.match(version.stdout, /^@igwn\/alert==\d+\.\d+\.\d+\ndeno==\S+\nv8==/);
      assert.ok(version.stdout.includes("kafkajs==2.2.4\n"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

test("subscribe and listen start at the last N and at a time, checked against offsets", {
  ...opts,
  deadlineMs: 240_000,
}, async () => {
  await using env = await startAlertBroker();
  const dir = await Deno.makeTempDir({ prefix: "hop-cli-" });
  try {
    const setup = { env, home: await homeFor(env), dir };
    const url = urlOf(env, "gracedb.superevent");
    const alerts = (from: number) =>
      [0, 1, 2].map((n) => JSON.stringify({ alert_type: "log", uid: `S${from + n}` })).join("\n") +
      "\n";
    // Two runs: the second batch is written strictly later than the first.
    for (const from of [0, 3]) {
      const sent = await hop(setup, ["publish", url, "-f", "JSON"], alerts(from));
      assert.equal(sent.code, 0, sent.stderr);
    }
    const offsetsOf = (stdout: string) =>
      stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line).offset);
    const all = await hop(setup, ["subscribe", url, "-s", "EARLIEST", "-j"]);
    const stamps: number[] = all.stdout.trim().split("\n").map((l) => JSON.parse(l).timestamp);
    assert.deepEqual(offsetsOf(all.stdout), [0, 1, 2, 3, 4, 5]);
    assert.ok(stamps[3] > stamps[2], `second batch at ${stamps[3]}, first at ${stamps[2]}`);

    const last = await hop(setup, ["subscribe", url, "--last", "3", "-j"]);
    assert.equal(last.code, 0, last.stderr);
    assert.deepEqual(offsetsOf(last.stdout), [3, 4, 5]);
    const iso = new Date(stamps[3]).toISOString();
    const since = await hop(setup, ["subscribe", url, "--since", iso, "-j"]);
    assert.deepEqual(offsetsOf(since.stdout), [3, 4, 5]);
    // The same instant in GPS seconds (18 leap seconds since 2017).
    const gps = ((stamps[3] - Date.parse("1980-01-06T00:00:00Z")) / 1000 + 18).toFixed(3);
    assert.equal(gpsToUnixMs(Number(gps)), stamps[3]);
    const sinceGps = await hop(setup, ["subscribe", url, "--since", gps, "-j"]);
    assert.deepEqual(offsetsOf(sinceGps.stdout), [3, 4, 5]);
    const offset = await hop(setup, ["subscribe", url, "-s", "4", "-j"]);
    assert.deepEqual(offsetsOf(offset.stdout), [4, 5]);

    const listen = await runCliProcess(
      ["-s", env.server, "listen", "superevent", "--last", "2", "--count", "2"],
      { home: setup.home },
    );
    assert.equal(listen.code, 0, listen.stderr);
    assert.deepEqual(
      [...listen.stdout.matchAll(/"uid": "(S\d)"/g)].map((m) => m[1]),
      ["S4", "S5"],
    );
    const listenSince = await runCliProcess(
      ["-s", env.server, "listen", "superevent", "--since", iso, "--count", "3"],
      { home: setup.home },
    );
    assert.deepEqual(
      [...listenSince.stdout.matchAll(/"uid": "(S\d)"/g)].map((m) => m[1]),
      ["S3", "S4", "S5"],
    );

    // Positions that cannot be used: one line, exit 1, nothing on stdout.
    for (
      const [args, line] of [
        [
          ["--since", "-1h"],
          /^hop: start time \S+ is before the first message stored in topic 'gracedb\.superevent'; use earliest to read all of it\n$/,
        ],
        [
          ["--since", "2999-01-01T00:00:00Z"],
          /^hop: start time 2999-01-01T00:00:00\.000Z is in the future \(now is \S+\)\n$/,
        ],
        [
          ["-s", "7"],
          /^hop: offset 7 is past the end of topic 'gracedb\.superevent' partition 0 \(its next offset is 6\)\n$/,
        ],
      ] as const
    ) {
      const failed = await hop(setup, ["subscribe", url, ...args]);
      assert.equal(failed.code, 1, failed.stderr);
      assert.equal(failed.stdout, "");
      assert.match(failed.stderr, line);
    }
    const listenFuture = await runCliProcess(
      ["-s", env.server, "listen", "superevent", "--since", "2999-01-01"],
      { home: setup.home },
    );
    assert.equal(listenFuture.code, 1);
    assert.match(
      listenFuture.stderr,
      /^igwn-alert: start time 2999-01-01T00:00:00\.000Z is in the future/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("bad input to hop publish: one line, exit 1, nothing sent", opts, async () => {
  await using env = await startAlertBroker();
  const dir = await Deno.makeTempDir({ prefix: "hop-cli-" });
  try {
    const setup = { env, home: await homeFor(env), dir };
    const url = urlOf(env, "gracedb.cbc_gstlal");
    await Deno.writeTextFile(`${dir}/bad.json`, '{"alert_type": "new",\n  "uid": }\n');
    await Deno.writeTextFile(`${dir}/bad.xml`, "<voe:VOEvent>\n  <Who></What>\n");
    const cases: [string[], RegExp, string?][] = [
      [
        ["-f", "JSON", hopFixturePath("alert.json"), `${dir}/bad.json`],
        new RegExp(`^hop: ${dir}/bad\\.json, line 2, column \\d+: not valid JSON: `),
      ],
      [
        ["-f", "voevent", hopFixturePath("superevent_preliminary.xml"), `${dir}/bad.xml`],
        new RegExp(
          `^hop: ${dir}/bad\\.xml: not a valid VOEVENT message: VOEvent XML is malformed at line 2, column \\d+`,
        ),
      ],
      [
        ["-f", "yaml", `${dir}/bad.json`],
        /^hop: unknown format 'yaml': choose one of VOEVENT, CIRCULAR, BLOB, JSON, AVRO, GCNTEXTNOTICE\n$/,
      ],
      [
        ["-f", "json", `${dir}/missing.json`],
        new RegExp(`^hop: ${dir}/missing\\.json: no such file\n$`),
      ],
      [
        ["-f", "CIRCULAR"],
        /^hop: piping\/redirection only allowed for BLOB and JSON formats\n$/,
        "x\n",
      ],
      [["-f", "JSON"], /^hop: stdin line 2, column \d+: not valid JSON: /, '{"a": 1}\n{"b": \n'],
    ];
    for (const [args, line, stdin] of cases) {
      const result = await hop(setup, ["publish", url, ...args], stdin);
      assert.equal(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
      assert.equal(result.stdout, "");
      assert.match(result.stderr, line);
      assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
    }
    const noTopic = await hop(setup, ["publish", env.server, hopFixturePath("alert.json")]);
    assert.equal(noTopic.code, 1);
    assert.match(
      noTopic.stderr,
      /^hop: no topic to publish to: the URL 'kafka:\/\/127\.0\.0\.1:\d+\/' names none\n$/,
    );
    const noTopicRead = await hop(setup, ["subscribe", env.server]);
    assert.match(noTopicRead.stderr, /^hop: no topic to subscribe to/);
    // Nothing was sent by the failed runs (the first file of each was good).
    const read = await hop(setup, ["subscribe", url, "-s", "EARLIEST", "-j", "-t"]);
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
