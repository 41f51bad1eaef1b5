import { deepStrictEqual, throws } from "node:assert/strict";
import {
  AvroBlob,
  Blob,
  ExternalMessage,
  GCNCircular,
  GCNTextNotice,
  JSONBlob,
  messageBytes,
  MessageFormatError,
  packMessage,
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

test("VOEvent.load() keeps the original bytes and exposes xmltodict-shaped sections", async () => {
  const xml = await fixture("superevent_preliminary.xml");
  const voevent = VOEvent.load(xml);
  deepStrictEqual(voevent.serialize(), xml);
  deepStrictEqual(voevent.ivorn, "ivo://example.org/igwn-alert#S240615dg-1-Preliminary");
  deepStrictEqual(voevent.role, "test");
  deepStrictEqual(voevent.version, "2.0");
  deepStrictEqual(voevent.sections.Who, {
    Date: "2024-06-15T08:43:01",
    Author: { contactName: "Example Collaboration" },
  });
  deepStrictEqual(voevent.sections.How, {
    Description: ["Candidate from an example pipeline.", "Second description line."],
  });
  deepStrictEqual(voevent.sections.Why, null);
  deepStrictEqual(voevent.sections.Citations, {});
  const what = voevent.sections.What as { Param: Record<string, unknown>[] };
  deepStrictEqual(what.Param[0], {
    dataType: "int",
    name: "Packet_Type",
    value: "150",
    Description: "The notice type.",
  });
});

test("VOEvent.params() flattens Params including those in Groups", async () => {
  const params = VOEvent.load(await fixture("superevent_preliminary.xml")).params();
  deepStrictEqual(params.GraceID, "S240615dg");
  deepStrictEqual(params.BNS, "0.91");
  deepStrictEqual(params.FAR, "3.2e-10");
});

test("VOEvent.load() accepts a default namespace or another prefix (hop needs voe:)", () => {
  const plain = VOEvent.load(
    '<VOEvent xmlns="http://www.ivoa.net/xml/VOEvent/v2.0" ivorn="ivo://a#1" role="test" version="2.0"><Who><Date>d</Date></Who></VOEvent>',
  );
  deepStrictEqual([plain.ivorn, plain.sections.Who], ["ivo://a#1", { Date: "d" }]);
  const prefixed = VOEvent.load('<v:VOEvent xmlns:v="x" ivorn="ivo://b#2"/>');
  deepStrictEqual([prefixed.ivorn, prefixed.role, prefixed.version], [
    "ivo://b#2",
    "observation",
    "2.0",
  ]);
});

test("VOEvent.load() names the line of malformed XML and rejects other roots", () => {
  throws(
    () => VOEvent.load('<voe:VOEvent ivorn="x">\n<Who>\n</voe:VOEvent>'),
    (error: unknown) =>
      error instanceof MessageFormatError && /line 3/.test(error.message) &&
      error.message.startsWith("VOEvent XML is malformed"),
  );
  throws(() => VOEvent.load("<html/>"), /root element is not a VOEvent \(found 'html'\)/);
});

test("VOEvent toString() equals hop's str(voevent) byte for byte", async () => {
  const voevent = VOEvent.load(await fixture("superevent_preliminary.xml"));
  // Made with xmltodict.parse(xml, attr_prefix="") and json.dumps(fields, indent=2), as hop does.
  const expected = decode(await fixture("superevent_preliminary.stdout"));
  deepStrictEqual(voevent.toString(), expected);
});

test("VOEvent toString() prints hop's indent-2 JSON with absent sections as {}", () => {
  const voevent = VOEvent.load('<voe:VOEvent xmlns:voe="x" ivorn="i" role="test" version="2.0"/>');
  deepStrictEqual(
    JSON.parse(voevent.toString()),
    {
      ivorn: "i",
      role: "test",
      version: "2.0",
      Who: {},
      What: {},
      WhereWhen: {},
      How: {},
      Why: {},
      Citations: {},
      Description: {},
      Reference: {},
    },
  );
  deepStrictEqual(voevent.toString().split("\n")[1], '  "ivorn": "i",');
});

test("VOEvent.deserialize() reads hop's pre-0.12 JSON form and regenerates namespaced XML", () => {
  const legacy = encode(
    '{"ivorn": "ivo://x#1", "role": "test", "version": "2.0", "What": {"Param": {"name": "GraceID", "value": "S1"}}}',
  );
  const voevent = VOEvent.deserialize(legacy);
  deepStrictEqual(voevent.params(), { GraceID: "S1" });
  const xml = decode(voevent.serialize());
  deepStrictEqual(xml.includes('xmlns:voe="http://www.ivoa.net/xml/VOEvent/v2.0"'), true);
  deepStrictEqual(xml.includes('<Param name="GraceID" value="S1"/>'), true);
  deepStrictEqual(VOEvent.load(voevent.serialize()).params(), { GraceID: "S1" });
});

test("GCNCircular.load() parses headers and body like Python's email parser", async () => {
  const circular = GCNCircular.load(await fixture("circular.gcn3"));
  deepStrictEqual(Object.keys(circular.header), ["title", "number", "subject", "date", "from"]);
  deepStrictEqual(circular.header.subject, "S240615dg: example follow-up observations");
  deepStrictEqual(circular.body.startsWith("A. Astronomer (Example Observatory)"), true);
  const folded = GCNCircular.load("TITLE: a\nSUBJECT: first\n  folded part\n\n\nbody\n");
  deepStrictEqual(folded.header.subject, "first\n  folded part");
  deepStrictEqual(folded.body, "\nbody\n");
  const repeated = GCNCircular.load("Title: a\nTITLE: b\nX: c\n\nz");
  deepStrictEqual([repeated.header, repeated.body], [{ title: "b", x: "c" }, "z"]);
});

test("GCNCircular serializes to the JSON Python hop sends and prints hop's text form", async () => {
  const circular = GCNCircular.load(await fixture("circular.gcn3"));
  // Bytes produced by CPython 3 json.dumps({"header": ..., "body": ...}) for the same file.
  deepStrictEqual(
    decode(circular.serialize()),
    '{"header": {"title": "GCN CIRCULAR", "number": "99901", "subject": "S240615dg: example ' +
      'follow-up observations", "date": "24/06/15 09:12:44 GMT", "from": "A. Astronomer at ' +
      'Example Observatory <a.astronomer@example.org>"}, "body": "A. Astronomer (Example ' +
      "Observatory) reports on behalf of a made-up team:\\n\\nWe observed the localization " +
      'region of S240615dg with an imaginary\\ntelescope and found nothing of interest.\\n"}',
  );
  const printed = decode(messageBytes(circular)).split("\n");
  deepStrictEqual(printed.slice(0, 2), ["TITLE:   GCN CIRCULAR", "NUMBER:  99901"]);
  deepStrictEqual(GCNCircular.deserialize(circular.serialize()), circular);
});

test("GCNCircular pads short names to 9 columns and leaves long ones unpadded", () => {
  const circular = new GCNCircular({ to: "x", longname: "y" }, "b");
  deepStrictEqual(circular.toString(), "TO:      x\nLONGNAME:y\n\nb");
});

test("GCNTextNotice joins continuation lines and repeated keys with newlines", async () => {
  const raw = await fixture("notice.txt");
  const notice = GCNTextNotice.load(raw);
  deepStrictEqual(notice.serialize(), raw);
  deepStrictEqual(notice.fields.title, "GCN/EXAMPLE NOTICE");
  deepStrictEqual(
    notice.fields.src_ra,
    "123.4567d {+08h 13m 49s} (J2000),\n123.5000d {+08h 14m 00s} (current),\n" +
      "122.9000d {+08h 11m 36s} (1950)",
  );
  deepStrictEqual(notice.fields.comments, "Invented notice for tests.\nSecond comment line.");
  deepStrictEqual(GCNTextNotice.load(decode(raw)).fields, notice.fields);
});

test("ExternalMessage is JSON {url} and requires a string url", () => {
  const ref = new ExternalMessage("https://example.org/msg/1");
  deepStrictEqual(decode(ref.serialize()), '{"url": "https://example.org/msg/1"}');
  deepStrictEqual(ExternalMessage.load(ref.serialize()).url, "https://example.org/msg/1");
  throws(() => ExternalMessage.load('{"uri": "x"}'), MessageFormatError);
});

test("AvroBlob writes an object container file with codec null", () => {
  const bytes = new AvroBlob({ name: "S1", count: 3 }).serialize();
  deepStrictEqual([...bytes.subarray(0, 4)], [0x4f, 0x62, 0x6a, 0x01]);
  const text = decode(bytes);
  deepStrictEqual(text.includes("avro.codecnull") || text.includes("avro.codec\x08null"), true);
  // Record {name: "S1", count: 3}: string length 2 (zigzag 4), "S1", long 3 (zigzag 6).
  const record = Uint8Array.of(4, 0x53, 0x31, 6);
  const found = bytes.findIndex((_, i) => record.every((byte, j) => bytes[i + j] === byte));
  deepStrictEqual(found > 0, true);
});

test("AvroBlob generates the same schema every time, numbering inner records first", () => {
  const content = {
    arr: [1, 2],
    thingy: { foo: "bar", bar: 1, baz: 1.5, quux: { xen: null, hom: true, drel: "q" } },
    logic: false,
    data: new Uint8Array([1]),
  };
  const first = new AvroBlob(content);
  first.serialize();
  const second = new AvroBlob(content);
  second.serialize();
  deepStrictEqual(first.schema, second.schema);
  const schema = first.schema as { name: string; fields: { name: string; type: unknown }[] };
  deepStrictEqual(schema.name, "auto_record2");
  deepStrictEqual(schema.fields.map((field) => field.name), ["arr", "thingy", "logic", "data"]);
  deepStrictEqual(schema.fields[0].type, { type: "array", items: "long" });
  deepStrictEqual((schema.fields[1].type as { name: string }).name, "auto_record1");
});

test("AvroBlob uses a map when values share few types and orders unions", () => {
  const blob = new AvroBlob({ a: 1, b: 2, c: "x", d: "y" });
  blob.serialize();
  deepStrictEqual(blob.schema, { type: "map", values: ["long", "string"] });
  deepStrictEqual(AvroBlob.load(blob.serialize()).content, { a: 1, b: 2, c: "x", d: "y" });
});

test("AvroBlob round-trips records and enforces hop's single-record rules", () => {
  const records = [{ id: 1, ok: true }, { id: 2, ok: false }];
  const many = new AvroBlob(records, { singleRecord: false });
  deepStrictEqual(AvroBlob.load(many.serialize(), false).content, records);
  throws(
    () => AvroBlob.load(many.serialize()),
    /requires content to be a single record when single_record = True, number of records in message being deserialized is 2\./,
  );
  throws(() => new AvroBlob({ a: 1 }, { singleRecord: false }), TypeError);
});

test("AvroBlob reads containers written by Python's avro writer with deflate", async () => {
  const script = `
import io, json, sys, zlib, struct
# A minimal container writer (null schema tools are not installed): deflate codec, two records.
def zz(n):
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)
def s(b): return zz(len(b)) + b
schema = json.dumps({"type": "record", "name": "r", "fields": [{"name": "x", "type": "long"}, {"name": "y", "type": ["null", "string"]}]}).encode()
sync = bytes(range(16))
head = b"Obj\\x01" + zz(2) + s(b"avro.codec") + s(b"deflate") + s(b"avro.schema") + s(schema) + zz(0) + sync
data = zz(5) + zz(1) + s(b"hi") + zz(-7) + zz(0)
comp = zlib.compressobj(9, zlib.DEFLATED, -15)
block = comp.compress(data) + comp.flush()
sys.stdout.buffer.write(head + zz(2) + zz(len(block)) + block + sync)
`;
  const output = await python(script, {});
  deepStrictEqual(output.code, 0, output.stderr);
  deepStrictEqual(AvroBlob.load(output.stdoutBytes, false).content, [{ x: 5, y: "hi" }, {
    x: -7,
    y: null,
  }]);
});

test("AvroBlob survives packMessage()/unpackMessage()", () => {
  const packed = packMessage(new AvroBlob({ superevent: "S1", far: 1e-9, tags: ["a"] }));
  const { message, warning } = unpackMessage(packed.value, packed.headers);
  deepStrictEqual(warning, undefined);
  deepStrictEqual(message instanceof AvroBlob && message.content, {
    superevent: "S1",
    far: 1e-9,
    tags: ["a"],
  });
});

test("Blob and JSONBlob load text and bytes", () => {
  deepStrictEqual(new Blob("hé").content, encode("hé"));
  deepStrictEqual(JSONBlob.load('{"foo":"bar", "baz":5}').content, { foo: "bar", baz: 5 });
  deepStrictEqual(
    decode(new JSONBlob({ foo: "bar", baz: 5 }).serialize()),
    '{"foo": "bar", "baz": 5}',
  );
});
