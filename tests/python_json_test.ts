// Printed and published JSON bytes against CPython's json module: the fixtures in
// testdata/python_json/expected.json are written by make_fixtures.py (json.dumps of json.loads
// of every sample alert and a set of tricky payloads, compact and with indent=4, plus the error
// messages of texts json.loads rejects). Where /usr/bin/python3 exists, the fixtures are
// regenerated and compared, so they cannot drift from what Python prints.
import assert from "node:assert/strict";
import { alertJsonText, decodeAlertPayload, encodeAlert } from "../lib/alert/payload.ts";
import { formatAlertMessage, formatReceivedAlert } from "../lib/alert/format_alert.ts";
import {
  loadsPython,
  pythonJsonBytes,
  PythonJsonError,
  pythonJsonStringify,
} from "../lib/hop/_python_json.ts";
import { PYTHON, runProcess } from "./support/processes.ts";
import { test } from "./support/deadline.ts";

const HERE = new URL("./testdata/python_json/", import.meta.url);
const SCRIPT = new URL("make_fixtures.py", HERE).pathname;
const EXPECTED_TEXT = await Deno.readTextFile(new URL("expected.json", HERE));

interface Fixture {
  name: string;
  input: string;
  compact: string;
  pretty: string;
  /** JSON.parse(input) holds what Python's json.loads holds. */
  js: boolean;
}

const { fixtures, errors } = JSON.parse(EXPECTED_TEXT) as {
  fixtures: Fixture[];
  errors: { input: string; message: string }[];
};

const hasPython = await Deno.stat(PYTHON).then(() => true, () => false);

test("the fixtures cover every sample alert", async () => {
  const files = [];
  for await (const entry of Deno.readDir(new URL("../alerts/", HERE))) {
    if (entry.name.endsWith(".json")) files.push(`alerts/${entry.name}`);
  }
  const names = new Set(fixtures.map((fixture) => fixture.name));
  assert.ok(files.length > 0);
  for (const file of files) assert.ok(names.has(file), `${file} has no fixture`);
});

test("listen prints the text as Python does, and json.dumps(json.loads(text), indent=4) with -j", () => {
  for (const fixture of fixtures) {
    assert.equal(alertJsonText(fixture.input), fixture.compact, fixture.name);
    assert.equal(alertJsonText(fixture.input, true), fixture.pretty, `${fixture.name} (-j)`);
    const alert = { fullTopic: "gracedb.superevent", raw: fixture.input };
    const heading = "New message from topic gracedb.superevent:\n";
    // Without -j the Python tool prints str() of GraceDB's text: the text as it arrived.
    assert.equal(formatReceivedAlert(alert), `${heading}${fixture.input}\n`, fixture.name);
    assert.equal(
      formatReceivedAlert(alert, { pretty: true }),
      `${heading}${fixture.pretty}\n`,
      `${fixture.name} (-j)`,
    );
  }
});

test("a GraceDB payload sent as a JSON string inside a string prints the same", () => {
  for (const fixture of fixtures.filter((f) => f.name.startsWith("alerts/"))) {
    const twice = JSON.stringify(fixture.input);
    assert.equal(alertJsonText(twice), fixture.compact, fixture.name);
    assert.equal(alertJsonText(twice, true), fixture.pretty, fixture.name);
  }
});

test("--raw prints the payload text exactly as it arrived", () => {
  for (const fixture of fixtures) {
    const alert = { fullTopic: "g.t", raw: fixture.input };
    assert.equal(
      formatReceivedAlert(alert, { raw: true }),
      `New message from topic g.t:\n${fixture.input}\n`,
    );
    assert.equal(
      formatReceivedAlert(alert, { raw: true, pretty: true }),
      `New message from topic g.t:\n${fixture.input}\n`,
    );
  }
  const bytes = new TextEncoder().encode('{"a":1.0}');
  assert.equal(
    formatReceivedAlert({ fullTopic: "g.t", raw: bytes }),
    'New message from topic g.t:\n{"a": 1.0}\n',
  );
});

test("text that is not JSON is printed as it is", () => {
  assert.equal(
    formatReceivedAlert({ fullTopic: "g.t", raw: "hello, not json" }),
    "New message from topic g.t:\nhello, not json\n",
  );
  assert.equal(formatAlertMessage("g.t", "plain"), "New message from topic g.t:\nplain\n");
});

test("loadsPython() keeps what json.loads keeps: big integers, float kinds, member order", () => {
  const text = '{"b":1,"10":[1.0,-0,-0.0,18446744073709551617],"2":{},"b":2}';
  assert.equal(
    pythonJsonStringify(loadsPython(text)),
    '{"b": 2, "10": [1.0, 0, -0.0, 18446744073709551617], "2": {}}',
  );
  assert.equal(pythonJsonStringify(loadsPython("[1e400, NaN]")), "[Infinity, NaN]");
  assert.equal(new TextDecoder().decode(pythonJsonBytes(loadsPython('"\u00e9"'))), '"\\u00e9"');
});

test("JSON errors are Python's, naming line and column in one line", () => {
  for (const { input, message } of errors) {
    assert.throws(
      () => loadsPython(input),
      (error) => error instanceof PythonJsonError && error.message === message,
      JSON.stringify(input),
    );
    const { problem } = decodeAlertPayload(input);
    assert.equal(problem, `Payload is not valid json: ${message}`, JSON.stringify(input));
    assert.ok(!problem.includes("\n"));
  }
  try {
    loadsPython('{\n  "uid": "S1"\n  "far": 1\n}');
    assert.fail("accepted");
  } catch (error) {
    assert.ok(error instanceof PythonJsonError);
    assert.deepEqual([error.msg, error.lineno, error.colno, error.pos], [
      "Expecting ',' delimiter",
      3,
      3,
      18,
    ]);
  }
});

test("decodeAlertPayload() accepts Python's NaN and Infinity", () => {
  const { payload, problem } = decodeAlertPayload('{"far": NaN, "snr": Infinity}');
  assert.equal(problem, undefined);
  assert.deepEqual(payload, { far: NaN, snr: Infinity });
});

test("encodeAlert() writes what json.dumps writes for objects built in JavaScript", () => {
  const usable = fixtures.filter((fixture) => fixture.js);
  assert.ok(usable.length >= 10);
  for (const fixture of usable) {
    const object = JSON.parse(fixture.input);
    if (typeof object !== "object" || object === null) continue;
    assert.equal(encodeAlert(object), fixture.compact, fixture.name);
  }
});

test("encodeAlert() writes JavaScript numbers as Python writes the same float", () => {
  const cases: [unknown, string][] = [
    [0.1, "0.1"],
    [1e-5, "1e-05"],
    [2.5e-5, "2.5e-05"],
    [1e-4, "0.0001"],
    [1e16, "1e+16"],
    [1.5e300, "1.5e+300"],
    [5e-324, "5e-324"],
    [2 ** 53, "9007199254740992.0"],
    [2 ** 53 - 1, "9007199254740991"],
    [100, "100"], // JavaScript cannot hold Python's 100.0 apart from 100
    [-0, "-0.0"],
    [0, "0"],
    [-7, "-7"],
    [1402476155.123456, "1402476155.123456"],
    [NaN, "NaN"],
    [-Infinity, "-Infinity"],
    [123456789012345678901234567890n, "123456789012345678901234567890"],
    ["\u{1F600}\u00e9\u007f", '"\\ud83d\\ude00\\u00e9\\u007f"'],
  ];
  for (const [value, text] of cases) {
    assert.equal(encodeAlert({ v: value }), `{"v": ${text}}`, String(value));
  }
  assert.deepEqual(encodeAlert({ uid: "S1" }, "object"), { uid: "S1" });
  assert.throws(() => encodeAlert(undefined, "object"), /must be JSON-serializable/);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assert.throws(() => encodeAlert(cycle), /circular/);
});

test(
  "make_fixtures.py regenerates expected.json unchanged, and Python reads our bytes back as written",
  { ignore: !hasPython },
  async () => {
    const regenerated = await runProcess(PYTHON, [SCRIPT, "--stdout"], { timeoutMs: 60_000 });
    assert.equal(regenerated.code, 0, regenerated.stderr);
    assert.equal(regenerated.stdout, EXPECTED_TEXT, "expected.json is stale: run make_fixtures.py");

    // Every object built in JavaScript (sample alerts through JSON.parse, numbers included) is
    // written so that json.dumps(json.loads(ours)) gives our bytes back.
    const ours = fixtures.map((fixture) => {
      try {
        return encodeAlert(JSON.parse(fixture.input)) as string;
      } catch {
        return undefined; // NaN and Infinity: not JSON for JSON.parse
      }
    }).filter((text) => text !== undefined);
    ours.push(encodeAlert({ v: [1e16, 2 ** 53, -0, 1e-5, 1e21, 5e-324, 0.1 + 0.2] }) as string);
    const redumped = await runProcess(
      PYTHON,
      [
        "-c",
        "import json, sys\nprint(json.dumps([json.dumps(json.loads(t)) for t in json.load(sys.stdin)]))",
      ],
      { stdin: JSON.stringify(ours), timeoutMs: 60_000 },
    );
    assert.equal(redumped.code, 0, redumped.stderr);
    assert.deepEqual(JSON.parse(redumped.stdout), ours);
  },
);
