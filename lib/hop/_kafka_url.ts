// The one reader of `kafka://` URLs. parseKafkaUrl (url.ts) throws its problems as InvalidUrlError;
// resolveBroker (alert/topic_naming.ts) as RangeError. Both get the rules from here: scheme
// `kafka` in any case, userinfo before the first `@` as a username hint (never a password),
// bracketed IPv6 literals, comma-separated brokers, ports 1-65535, Kafka's topic-name rule.

import { isTopicName } from "../topic_name.ts";

/** Username hint, brokers as written (no default port added) and topics of a Kafka URL. */
export interface KafkaUrlParts {
  username?: string;
  brokers: string[];
  topics: string[];
}

/** What the URL's problem is, in words (without the URL). */
export interface KafkaUrlProblem {
  problem: string;
}

/** Host and optional port digits of `host[:port]`; host `""` when unparseable. */
export function splitAddress(address: string): { host: string; port?: string } {
  const match = /^(\[[^\]]*\]|[^:\[\]]*)(?::(\d+))?$/.exec(address);
  if (!match) return { host: "" };
  return match[2] === undefined ? { host: match[1] } : { host: match[1], port: match[2] };
}

/**
 * The parts of `url`, or its first problem. Several brokers are a problem unless
 * `multipleBrokers` is set.
 */
export function readKafkaUrl(
  url: string,
  multipleBrokers: boolean,
): KafkaUrlParts | KafkaUrlProblem {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (!scheme || scheme[1].toLowerCase() !== "kafka") {
    return { problem: "must start with 'kafka://'" };
  }
  const afterSlashes = url.slice(scheme[0].length);
  if (/[?#]/.test(afterSlashes)) {
    return { problem: "query strings and fragments are not supported" };
  }
  const slash = afterSlashes.indexOf("/");
  const netloc = slash < 0 ? afterSlashes : afterSlashes.slice(0, slash);
  const path = slash < 0 ? "" : afterSlashes.slice(slash);

  let username: string | undefined;
  let brokerList = netloc;
  const at = netloc.indexOf("@");
  if (at >= 0) {
    username = netloc.slice(0, at);
    brokerList = netloc.slice(at + 1);
    if (username === "") return { problem: "empty username before '@'" };
    if (username.includes(":")) {
      return {
        problem: "passwords do not belong in the URL; store them with `igwn-alert auth add`",
      };
    }
  }
  const brokers = brokerList.split(",");
  if (brokers.length > 1 && !multipleBrokers) {
    return { problem: "Multiple broker addresses are not supported" };
  }
  for (const broker of brokers) {
    if (broker === "") {
      return { problem: brokers.length > 1 ? "empty broker address" : "no broker address" };
    }
    const { host, port } = splitAddress(broker);
    const validHost = /^\[[0-9A-Za-z:.%]+\]$/.test(host) || /^[A-Za-z0-9._-]+$/.test(host);
    if (!validHost) return { problem: `'${broker}' is not a broker address (host[:port])` };
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
      return { problem: `port ${port} is out of range` };
    }
  }

  const topicText = path.replace(/^\/+/, "");
  const topics = topicText === "" ? [] : topicText.split(",");
  for (const topic of topics) {
    if (topic === "") return { problem: "empty topic name" };
    if (!isTopicName(topic)) {
      return {
        problem:
          `'${topic}' is not a valid topic name (letters, digits, '.', '_', '-'; at most 249)`,
      };
    }
  }
  return username === undefined ? { brokers, topics } : { username, brokers, topics };
}
