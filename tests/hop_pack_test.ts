import { deepStrictEqual, notStrictEqual, throws } from "node:assert/strict";
import {
  Blob,
  formatUuid,
  GCNCircular,
  type Header,
  headerValue,
  isTestMessage,
  JSONBlob,
  PackError,
  packMessage,
  registerModel,
  unpackMessage,
  VOEvent,
} from "../lib/hop/mod.ts";
import {
  readHopFixture as fixture,
  utf8Bytes as encode,
  utf8Text as decode,
} from "./support/hop_fixtures.ts";
import { python } from "./support/processes.ts";
import { test } from "./support/deadline.ts";

test("packMessage() writes JSON like Python's json.dumps (separators, \\u escapes)", async () => {
  const alert = JSON.parse(decode(await fixture("alert.json")));
  const { value } = packMessage(alert);
  // Bytes produced by CPython 3 json.dumps() for the same document.
  deepStrictEqual(
    decode(value),
    '{"superevent_id": "S240615dg", "far": 3.2e-10, "instruments": ["H1", "L1"], ' +
      '"note": "caf\\u00e9 \\ud83c\\udf0c"}',
  );
});

test("packMessage() formats floats and control characters as Python does", () => {
  const { value } = packMessage([
    1e-5,
    0.1,
    123456.789,
    -0.0001,
    1e-7,
    2.5e-300,
    NaN,
    Infinity,
    '\x7f\x01"\\',
  ]);
  deepStrictEqual(
    decode(value),
    '[1e-05, 0.1, 123456.789, -0.0001, 1e-07, 2.5e-300, NaN, Infinity, "\\u007f\\u0001\\"\\\\"]',
  );
});

test("packMessage() quotes a string as JSON, as GraceDB's double encoding relies on", async () => {
  // GraceDB dumps the alert to JSON text and hop encodes that text again as a JSON string.
  const text = new JSONBlob(JSON.parse(decode(await fixture("alert.json")))).toString();
  // Bytes produced by CPython 3 json.dumps(json.dumps(alert)).
  deepStrictEqual(
    decode(packMessage(text).value),
    '"{\\"superevent_id\\": \\"S240615dg\\", \\"far\\": 3.2e-10, \\"instruments\\": ' +
      '[\\"H1\\", \\"L1\\"], \\"note\\": \\"caf\\\\u00e9 \\\\ud83c\\\\udf0c\\"}"',
  );
});

test("packMessage() orders headers: user headers, _id, _sender, _test, _format", () => {
  const userHeaders: [string, string][] = [["b", "2"], ["a", "1"]];
  const { headers } = packMessage({ x: 1 }, { headers: userHeaders, sender: "alice", test: true });
  deepStrictEqual(headers.map(([key]) => key), ["b", "a", "_id", "_sender", "_test", "_format"]);
  deepStrictEqual(decode(headers[0][1]), "2");
  deepStrictEqual(headers[2][1].length, 16);
  deepStrictEqual(headers[2][1][6] >> 4, 4, "UUID version 4");
  deepStrictEqual(headers[2][1][8] >> 6, 0b10, "RFC 4122 variant");
  deepStrictEqual(decode(headers[3][1]), "alice");
  deepStrictEqual(decode(headers[4][1]), "true");
  deepStrictEqual(decode(headers[5][1]), "json");
  deepStrictEqual(userHeaders.length, 2, "the caller's list is not modified");
});

test("packMessage() omits _sender and _test unless asked and accepts mapping headers", () => {
  const { headers } = packMessage(new Uint8Array([1, 2]), { headers: { origin: "x" } });
  deepStrictEqual(headers.map(([key]) => key), ["origin", "_id", "_format"]);
  deepStrictEqual(decode(headerValue(headers, "_format")!), "blob");
});

test("packMessage() gives every message a different _id", () => {
  const first = headerValue(packMessage(1).headers, "_id")!;
  const second = headerValue(packMessage(1).headers, "_id")!;
  notStrictEqual(formatUuid(first), formatUuid(second));
});

test("packMessage() sends bytes raw as blob and models by their own format", async () => {
  const bytes = new Uint8Array([0, 255, 10]);
  const packed = packMessage(bytes);
  deepStrictEqual(packed.value, bytes);
  const xml = await fixture("superevent_preliminary.xml");
  const voevent = packMessage(VOEvent.load(xml));
  deepStrictEqual(voevent.value, xml);
  deepStrictEqual(decode(headerValue(voevent.headers, "_format")!), "voevent");
});

test("packMessage() rejects undefined and functions with PackError", () => {
  throws(() => packMessage(undefined), PackError);
  throws(
    () => packMessage(() => 1),
    /Unable to pack a message of type function which is not bytes and cannot be serialized to JSON/,
  );
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  throws(() => packMessage(cyclic), PackError);
});

test("unpackMessage() round-trips every built-in format through packMessage()", async () => {
  const xml = await fixture("superevent_preliminary.xml");
  const circular = GCNCircular.load(await fixture("circular.gcn3"));
  for (
    const [message, format] of [
      [{ a: [1, "x"] }, "json"],
      [new Uint8Array([9, 8]), "blob"],
      [VOEvent.load(xml), "voevent"],
      [circular, "circular"],
    ] as const
  ) {
    const { value, headers } = packMessage(message);
    const { message: decoded, warning } = unpackMessage(value, headers);
    deepStrictEqual(warning, undefined);
    deepStrictEqual(decoded.format, format);
    deepStrictEqual(decoded.serialize(), value);
  }
});

test("unpackMessage() matches _format case-insensitively and uses the first one", () => {
  const headers: Header[] = [["_format", encode("JSON")], ["_format", encode("blob")]];
  const { message } = unpackMessage(encode("[1, 2]"), headers);
  deepStrictEqual(message instanceof JSONBlob && message.content, [1, 2]);
});

test("unpackMessage() turns an unknown _format into a Blob with hop's warning", () => {
  const { message, warning } = unpackMessage(encode("x"), [["_format", encode("weird")]]);
  deepStrictEqual(message instanceof Blob && decode(message.content), "x");
  deepStrictEqual(
    warning?.startsWith("Message format WEIRD not recognized; returning a Blob"),
    true,
  );
});

test("unpackMessage() never throws for undecodable content", () => {
  const cases: [Uint8Array | null, Header[]][] = [
    [encode("{not json"), [["_format", encode("json")]]],
    [new Uint8Array([0xff, 0xfe]), [["_format", encode("json")]]],
    [encode("<VOEvent"), [["_format", encode("voevent")]]],
    [encode("Obj"), [["_format", encode("avro")]]],
    [null, [["_format", encode("json")]]],
    [null, []],
    [new Uint8Array([0xc3, 0x28]), []],
    [encode("plain text"), []],
    [encode("x"), [["_format", new Uint8Array([0xff])]]],
  ];
  for (const [value, headers] of cases) {
    const { message, warning } = unpackMessage(value, headers);
    deepStrictEqual(message instanceof Blob, true);
    deepStrictEqual(typeof warning, "string");
    deepStrictEqual((message as Blob).content, value ?? new Uint8Array());
  }
});

test("unpackMessage() reads headerless JSON as JSONBlob and the legacy envelope", () => {
  const plain = unpackMessage(encode('{"a": 1}'), []);
  deepStrictEqual(plain.message instanceof JSONBlob && plain.message.content, { a: 1 });
  const legacyJson = unpackMessage(encode('{"format": "blob", "content": {"b": 2}}'), []);
  deepStrictEqual(legacyJson.message instanceof JSONBlob && legacyJson.message.content, { b: 2 });
  const legacyCircular = unpackMessage(
    encode('{"format": "circular", "content": {"header": {"title": "T"}, "body": "text"}}'),
    [],
  );
  deepStrictEqual(
    legacyCircular.message instanceof GCNCircular && legacyCircular.message.header,
    { title: "T" },
  );
  const legacyVoevent = unpackMessage(
    encode('{"format": "voevent", "content": {"ivorn": "ivo://x#1", "role": "test"}}'),
    [],
  );
  deepStrictEqual(
    legacyVoevent.message instanceof VOEvent && legacyVoevent.message.ivorn,
    "ivo://x#1",
  );
});

test("unpackMessage() reads Python's bare NaN and Infinity tokens", () => {
  const value = encode('{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN Infinity"}');
  for (const headers of [[["_format", encode("json")]], []] as Header[][]) {
    const { message, warning } = unpackMessage(value, headers);
    deepStrictEqual(warning, undefined);
    deepStrictEqual(message instanceof JSONBlob && message.content, {
      a: NaN,
      b: [Infinity, -Infinity],
      c: "NaN Infinity",
    });
  }
  const packed = packMessage([NaN, -Infinity]);
  deepStrictEqual(decode(packed.value), "[NaN, -Infinity]");
  deepStrictEqual((unpackMessage(packed.value, packed.headers).message as JSONBlob).content, [
    NaN,
    -Infinity,
  ]);
});

test("unpackMessage() gives a Blob of the raw bytes for an unknown legacy format", () => {
  const value = encode('{"format": "mystery", "content": {"a": 1}}');
  const { message, warning } = unpackMessage(value, []);
  deepStrictEqual(message instanceof Blob && message.content, value);
  deepStrictEqual(warning, "Legacy message format MYSTERY not recognized; returning a Blob");
});

test("registerModel() adds a format that unpackMessage() uses", () => {
  class Ping {
    readonly format = "ping-test";
    constructor(readonly text: string) {}
    serialize() {
      return encode(this.text);
    }
  }
  registerModel("ping-test", (value) => new Ping(decode(value)));
  const packed = packMessage(new Ping("hello"));
  const { message } = unpackMessage(packed.value, packed.headers);
  deepStrictEqual(message instanceof Ping && message.text, "hello");
});

test("isTestMessage() is true for any _test header value", () => {
  deepStrictEqual(isTestMessage(packMessage(1, { test: true }).headers), true);
  deepStrictEqual(isTestMessage([["_test", encode("false")]]), true);
  deepStrictEqual(isTestMessage(packMessage(1).headers), false);
});

test("packMessage() JSON equals CPython's json.dumps for varied generated values", async () => {
  // Deterministic generator (mulberry32) so a failure can be reproduced.
  let seed = 20240615;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
  const text = () =>
    Array.from({ length: Math.floor(random() * 8) }, () =>
      pick([
        () => String.fromCharCode(0x20 + Math.floor(random() * 95)),
        () => String.fromCharCode(Math.floor(random() * 0x20)),
        () => "\x7f",
        () => String.fromCodePoint(0xa0 + Math.floor(random() * 0x2000)),
        () => String.fromCodePoint(0x1f300 + Math.floor(random() * 0x100)),
        () => '"\\/',
      ])()).join("");
  const number = () =>
    pick([
      () => Math.floor(random() * 2 ** 53) * (random() < 0.5 ? -1 : 1),
      () => (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20),
      () => random() * 10 ** Math.floor(random() * 600 - 300),
      () => Math.round(random() * 1000) / 8,
    ])();
  const value = (depth: number): unknown => {
    const kind = Math.floor(random() * (depth > 2 ? 4 : 6));
    if (kind === 0) return text();
    if (kind === 1) return number();
    if (kind === 2) return pick([true, false, null]);
    if (kind === 3) return number();
    if (kind === 4) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(random() * 4) }, () => [text(), value(depth + 1)]),
    );
  };
  const values = Array.from({ length: 300 }, () => value(0));
  const script = "import json, sys\n" +
    "for line in sys.stdin.read().split('\\n'):\n" +
    "    if line:\n" +
    // A JavaScript number beyond 2**53 is a double: Python holds it as the same float.
    "        print(json.dumps(json.loads(line, parse_int=lambda s: int(s) if abs(int(s)) < 2**53 else float(s))))\n";
  const output = await python(script, {}, 60_000, {
    stdin: values.map((item) => JSON.stringify(item)).join("\n") + "\n",
  });
  deepStrictEqual(output.code, 0, output.stderr);
  const expected = output.stdout.split("\n").slice(0, -1);
  deepStrictEqual(values.map((item) => decode(packMessage(item).value)), expected);
});

test("packMessage() writes array holes and undefined items as null, as JSON.stringify does", () => {
  // deno-lint-ignore no-sparse-arrays
  const sparse = [1, , 3];
  deepStrictEqual(
    decode(packMessage({ a: sparse, b: [undefined] }).value),
    '{"a": [1, null, 3], "b": [null]}',
  );
});

test("packMessage() values and _id bytes stay intact while many more messages are packed", () => {
  const packed = Array.from(
    { length: 2_000 },
    (_, i) => packMessage({ i, text: "é".repeat(i % 50) + "x".repeat(i % 700) }),
  );
  const ids = new Set<string>();
  packed.forEach(({ value, headers }, i) => {
    deepStrictEqual(
      decode(value),
      `{"i": ${i}, "text": "${"\\u00e9".repeat(i % 50)}${"x".repeat(i % 700)}"}`,
    );
    const id = headerValue(headers, "_id")!;
    deepStrictEqual([id.length, id[6] >> 4, id[8] >> 6], [16, 4, 2]);
    ids.add(formatUuid(id));
  });
  deepStrictEqual(ids.size, packed.length);
});

test("unpackMessage() names a non-ASCII _format and refuses one that is not UTF-8", () => {
  const value = encode('{"a": 1}');
  const named = unpackMessage(value, [["_format", encode("jsön")]]);
  deepStrictEqual(named.message instanceof Blob, true);
  deepStrictEqual(named.warning?.startsWith("Message format JSÖN not recognized"), true);
  const broken = unpackMessage(value, [["_format", new Uint8Array([0x6a, 0xff])]]);
  deepStrictEqual(broken.message instanceof Blob, true);
  deepStrictEqual(broken.warning, "Message format header is not UTF-8; returning a Blob");
});
