import { deepStrictEqual, throws } from "node:assert/strict";
import { formatKafkaUrl, InvalidUrlError, parseKafkaUrl, splitHostPort } from "../lib/hop/mod.ts";
import { isTopicName, MAX_TOPIC_NAME_LENGTH } from "../lib/topic_name.ts";
import { test } from "./support/deadline.ts";

function rejects(url: string, fragment: string) {
  throws(() => parseKafkaUrl(url), (error: unknown) => {
    deepStrictEqual(error instanceof InvalidUrlError, true);
    const message = (error as Error).message;
    deepStrictEqual(message.includes(fragment), true, `'${message}' lacks '${fragment}'`);
    return true;
  });
}

test("parseKafkaUrl() splits username, broker and topics", () => {
  deepStrictEqual(parseKafkaUrl("kafka://alice@kafka.example.org:9092/t1,t2"), {
    username: "alice",
    brokers: ["kafka.example.org:9092"],
    topics: ["t1", "t2"],
  });
});

test("parseKafkaUrl() accepts an upper-case scheme and adds no default port", () => {
  deepStrictEqual(parseKafkaUrl("KAFKA://host/topic"), { brokers: ["host"], topics: ["topic"] });
});

test("parseKafkaUrl() gives no topics for an empty path or a lone slash", () => {
  deepStrictEqual(parseKafkaUrl("kafka://host").topics, []);
  deepStrictEqual(parseKafkaUrl("kafka://host/").topics, []);
  deepStrictEqual(parseKafkaUrl("kafka://host///t").topics, ["t"]);
});

test("parseKafkaUrl() keeps bracketed IPv6 brokers whole", () => {
  deepStrictEqual(parseKafkaUrl("kafka://[::1]:9092/t").brokers, ["[::1]:9092"]);
});

test("parseKafkaUrl() rejects other schemes with hop's text", () => {
  rejects("http://host/t", "must start with 'kafka://'");
  rejects("kafka:host/t", "must start with 'kafka://'");
});

test("parseKafkaUrl() rejects two brokers", () => {
  rejects("kafka://a:9092,b:9092/t", "Multiple broker addresses are not supported");
});

test("parseKafkaUrl() with multipleBrokers accepts several brokers and checks each", () => {
  deepStrictEqual(
    parseKafkaUrl("kafka://alice@a:9092,[::1]:9093,c/t", { multipleBrokers: true }),
    { username: "alice", brokers: ["a:9092", "[::1]:9093", "c"], topics: ["t"] },
  );
  throws(() => parseKafkaUrl("kafka://a:9092,b:99999/t", { multipleBrokers: true }), /port 99999/);
  throws(() => parseKafkaUrl("kafka://a:9092,/t", { multipleBrokers: true }), /empty broker/);
  throws(
    () => parseKafkaUrl("kafka://a,b c/t", { multipleBrokers: true }),
    /'b c' is not a broker/,
  );
});

test("parseKafkaUrl() rejects a password in the userinfo without echoing it", () => {
  throws(() => parseKafkaUrl("kafka://alice:hunter2@host/t"), (error: unknown) => {
    const message = (error as Error).message;
    deepStrictEqual(message.includes("hunter2"), false);
    deepStrictEqual(message.includes("kafka://alice:***@host/t"), true);
    deepStrictEqual((error as InvalidUrlError).url, "kafka://alice:***@host/t");
    return true;
  });
});

test("parseKafkaUrl() rejects empty and illegal topic names", () => {
  rejects("kafka://host/t1,,t2", "empty topic name");
  rejects("kafka://host/t1,", "empty topic name");
  rejects("kafka://host/a/b", "'a/b' is not a valid topic name");
  rejects("kafka://host/" + "x".repeat(250), "is not a valid topic name");
  rejects("kafka://host/t,..", "'..' is not a valid topic name");
  rejects("kafka://host/.", "'.' is not a valid topic name");
});

test("parseKafkaUrl() takes exactly the topic names Kafka's rule allows", () => {
  const names = ["x".repeat(MAX_TOPIC_NAME_LENGTH), "...", "a.b_c-D9", "x".repeat(250), "a+b"];
  for (const name of names) {
    let parsed = true;
    try {
      parseKafkaUrl(`kafka://host/${name}`);
    } catch {
      parsed = false;
    }
    deepStrictEqual(parsed, isTopicName(name), name);
  }
});

test("parseKafkaUrl() rejects query strings, a missing broker and a double '@'", () => {
  rejects("kafka://host/t?x=1", "query strings and fragments are not supported");
  rejects("kafka:///t", "no broker address");
  rejects("kafka://a@b@host/t", "'b@host' is not a broker address");
  rejects("kafka://@host/t", "empty username");
  rejects("kafka://host:99999/t", "port 99999 is out of range");
});

test("splitHostPort() follows hop's host[:port] split", () => {
  deepStrictEqual(splitHostPort("example.com"), { host: "example.com" });
  deepStrictEqual(splitHostPort("example.com:9092"), { host: "example.com", port: "9092" });
  deepStrictEqual(splitHostPort("[1:2::3]:9092"), { host: "[1:2::3]", port: "9092" });
  deepStrictEqual(splitHostPort("a:b:c"), { host: "" });
});

test("formatKafkaUrl() round-trips parseKafkaUrl()", () => {
  const url = "kafka://alice@h:9092/a,b";
  deepStrictEqual(formatKafkaUrl(parseKafkaUrl(url)), url);
});
