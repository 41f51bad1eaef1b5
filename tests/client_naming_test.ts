import assert from "node:assert/strict";
import {
  fullTopicName,
  isGroupTopic,
  resolveBroker,
  stripGroupPrefix,
  topicsUrl,
} from "../lib/alert/topic_naming.ts";
import { decodeAlertPayload, encodeAlert } from "../lib/alert/payload.ts";
import { formatAlertMessage } from "../lib/alert/format_alert.ts";
import { InvalidUrlError } from "../lib/hop/errors.ts";
import { parseKafkaUrl, splitHostPort } from "../lib/hop/url.ts";
import { test } from "./support/deadline.ts";

const ALERTS = new URL("./testdata/alerts/", import.meta.url);

test("fullTopicName() joins group and topic with a dot", () => {
  assert.equal(fullTopicName("gracedb-playground", "superevent"), "gracedb-playground.superevent");
});

test("fullTopicName() rejects an empty topic and characters Kafka refuses", () => {
  assert.throws(() => fullTopicName("gracedb", ""), /topic name must not be empty/);
  assert.throws(() => fullTopicName("gracedb", "a b"), /'gracedb.a b' holds characters/);
  assert.throws(() => fullTopicName("g", "x".repeat(300)), /longer than 249/);
});

test("stripGroupPrefix() removes exactly the group prefix and keeps later dots", () => {
  assert.equal(stripGroupPrefix("gracedb", "gracedb.superevent"), "superevent");
  assert.equal(stripGroupPrefix("gracedb", "gracedb.cbc.gstlal"), "cbc.gstlal");
  assert.equal(stripGroupPrefix("gracedb-test", "gracedb-test.x"), "x");
  assert.equal(stripGroupPrefix("test", "gracedb-test.x"), "gracedb-test.x");
});

test("isGroupTopic() matches by prefix, not substring", () => {
  assert.equal(isGroupTopic("test", "test.superevent"), true);
  assert.equal(isGroupTopic("test", "gracedb-test.superevent"), false);
  assert.equal(isGroupTopic("test", "test."), false);
  assert.equal(isGroupTopic("test", "testing.superevent"), false);
});

test("resolveBroker() gives an explicit port precedence over the server's, then 9092", () => {
  assert.deepEqual(resolveBroker("kafka://test.server", 1234), {
    host: "test.server",
    port: 1234,
    broker: "test.server:1234",
    url: "kafka://test.server:1234",
  });
  assert.equal(resolveBroker("kafka://127.0.0.1:45678/").broker, "127.0.0.1:45678");
  assert.equal(resolveBroker("kafka://127.0.0.1:45678/", 9000).port, 9000);
  assert.equal(resolveBroker("kafka://kafka.scimma.org/").port, 9092);
  assert.equal(resolveBroker("KAFKA://[::1]:9093").broker, "[::1]:9093");
  assert.equal(resolveBroker("kafka://[::1]/").broker, "[::1]:9092");
  assert.equal(resolveBroker("  kafka://alice@h:9093/  ").broker, "h:9093");
});

test("resolveBroker() and parseKafkaUrl() read a server URL by the same rules", () => {
  for (const server of ["kafka://h", "KAFKA://h:1/", "kafka://u@[::1]:2", "kafka://a.b-c_d:3//"]) {
    const [address] = parseKafkaUrl(server).brokers;
    const { host, port = "9092" } = splitHostPort(address);
    assert.equal(resolveBroker(server).broker, `${host}:${port}`, server);
  }
  for (const server of ["kafka://", "kafka://h:0/", "kafka://@h/", "kafka://h/#x", "kafka:h"]) {
    assert.throws(() => parseKafkaUrl(server), InvalidUrlError, server);
    assert.throws(() => resolveBroker(server), RangeError, server);
  }
});

test("resolveBroker() refuses malformed servers with the reason", () => {
  assert.throws(
    () => resolveBroker("http://x/"),
    /^RangeError: server 'http:\/\/x\/' is not a valid kafka:\/\/ URL: must start with 'kafka:\/\/'/,
  );
  assert.throws(() => resolveBroker("kafka://a,b/"), /lists several brokers/);
  assert.throws(() => resolveBroker("kafka://h/topic"), /names a topic/);
  assert.throws(() => resolveBroker("kafka://h:99999/"), /port 99999 is out of range/);
  assert.throws(() => resolveBroker("kafka://h:99999/"), RangeError);
  assert.throws(() => resolveBroker("kafka://h/?x=1"), /query strings and fragments/);
  assert.throws(() => resolveBroker("kafka://a b/"), /'a b' is not a broker address/);
  assert.throws(() => resolveBroker("kafka://alice:hunter2@h/"), (error: unknown) => {
    assert.ok(error instanceof RangeError);
    assert.ok(!error.message.includes("hunter2"), error.message);
    assert.match(error.message, /alice:\*\*\*@h.*passwords do not belong in the URL/);
    return true;
  });
  assert.throws(
    () => resolveBroker(null as unknown as string),
    /"server" must be a string, not null/,
  );
  assert.throws(() => resolveBroker("kafka://h/", 0), /port must be an integer from 1 to 65535/);
});

test("topicsUrl() builds the Python client's URL forms", () => {
  const broker = resolveBroker("kafka://test.server", 1234);
  assert.equal(topicsUrl(broker, "test", "topic1"), "kafka://test.server:1234/test.topic1");
  assert.equal(topicsUrl(broker, "test", ["topic1"]), "kafka://test.server:1234/test.topic1");
  assert.equal(
    topicsUrl(broker, "test", ["topic1", "topic2"]),
    "kafka://test.server:1234/test.topic1,test.topic2",
  );
});

test("decodeAlertPayload() decodes GraceDB's JSON-string alerts to the object", async () => {
  const text = await Deno.readTextFile(new URL("superevent_new.json", ALERTS));
  const decoded = decodeAlertPayload(text);
  assert.equal(decoded.problem, undefined);
  assert.deepEqual(decoded.payload, JSON.parse(text));
});

test("decodeAlertPayload() accepts an object, bytes, and the Python send's extra layer", () => {
  const alert = { uid: "S1", alert_type: "new" };
  assert.deepEqual(decodeAlertPayload(alert).payload, alert);
  assert.deepEqual(
    decodeAlertPayload(new TextEncoder().encode(JSON.stringify(alert))).payload,
    alert,
  );
  assert.deepEqual(decodeAlertPayload(JSON.stringify(JSON.stringify(alert))).payload, alert);
});

test("decodeAlertPayload() passes text that is not JSON on with the reason", () => {
  const decoded = decodeAlertPayload("hello there");
  assert.equal(decoded.payload, "hello there");
  assert.match(decoded.problem ?? "", /^Payload is not valid json: /);
  assert.match(decodeAlertPayload("[1,2]").problem ?? "", /Payload is an array, not a JSON object/);
  assert.match(
    decodeAlertPayload(new Uint8Array([0xff, 0xfe])).problem ?? "",
    /binary data, not UTF-8 JSON/,
  );
});

test("encodeAlert() sends GraceDB's text by default and the object on request", () => {
  assert.equal(encodeAlert({ uid: "S1", n: 1 }), '{"uid": "S1", "n": 1}');
  assert.equal(encodeAlert('{ "uid": "S1" }'), '{ "uid": "S1" }');
  assert.deepEqual(encodeAlert('{"uid":"S1"}', "object"), { uid: "S1" });
  assert.deepEqual(encodeAlert({ uid: "S1" }, "object"), { uid: "S1" });
  assert.throws(() => encodeAlert("not json"), SyntaxError);
  assert.throws(() => encodeAlert(undefined), /must be JSON-serializable/);
});

test("formatAlertMessage() prints the topic line then JSON, indented by 4 with pretty", () => {
  assert.equal(
    formatAlertMessage("gracedb.superevent", { uid: "S1", n: [1] }),
    'New message from topic gracedb.superevent:\n{"uid": "S1", "n": [1]}\n',
  );
  assert.equal(
    formatAlertMessage("gracedb.superevent", { uid: "S1" }, true),
    'New message from topic gracedb.superevent:\n{\n    "uid": "S1"\n}\n',
  );
  assert.equal(
    formatAlertMessage("g.t", "plain text"),
    "New message from topic g.t:\nplain text\n",
  );
});
