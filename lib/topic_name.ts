/**
 * Kafka's rule for topic names (`org.apache.kafka.common.internals.Topic`): 1 to 249 characters
 * from `A-Z a-z 0-9 . _ -`, and neither `.` nor `..`. The URL parser, the client and the broker
 * all check names against this one rule. It imports nothing, so any layer may use it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTopicName, MAX_TOPIC_NAME_LENGTH, topicNameProblem } from "./topic_name.ts";
 * assert.ok(isTopicName("gracedb.superevent"));
 * assert.ok(!isTopicName("a/b"));
 * assert.equal(MAX_TOPIC_NAME_LENGTH, 249);
 * assert.equal(topicNameProblem(".."), 'topic name ".." is reserved');
 * ```
 *
 * @module
 */

/**
 * The longest topic name Kafka accepts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTopicName, MAX_TOPIC_NAME_LENGTH } from "./topic_name.ts";
 * assert.ok(isTopicName("x".repeat(MAX_TOPIC_NAME_LENGTH)));
 * assert.ok(!isTopicName("x".repeat(MAX_TOPIC_NAME_LENGTH + 1)));
 * ```
 */
export const MAX_TOPIC_NAME_LENGTH = 249;

const LEGAL_CHARACTERS = /^[A-Za-z0-9._-]*$/;

/**
 * Why `name` is not a legal Kafka topic name, or `undefined` when it is.
 *
 * @param name a candidate topic name
 * @returns the reason in words (empty, too long, reserved, or which characters are allowed)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { topicNameProblem } from "./topic_name.ts";
 * assert.equal(topicNameProblem("gracedb.superevent"), undefined);
 * assert.equal(topicNameProblem(""), "topic name is empty");
 * assert.equal(
 *   topicNameProblem("a b"),
 *   `topic name "a b" may only contain letters, digits, '.', '_' and '-'`,
 * );
 * assert.match(topicNameProblem("x".repeat(250))!, /250 characters long \(at most 249\)/);
 * ```
 */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return "topic name is empty";
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `topic name is ${name.length} characters long (at most ${MAX_TOPIC_NAME_LENGTH})`;
  }
  if (name === "." || name === "..") return `topic name "${name}" is reserved`;
  if (!LEGAL_CHARACTERS.test(name)) {
    return `topic name "${name}" may only contain letters, digits, '.', '_' and '-'`;
  }
  return undefined;
}

/**
 * Whether `name` is a legal Kafka topic name.
 *
 * @param name a candidate topic name
 * @returns true when Kafka accepts it
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTopicName } from "./topic_name.ts";
 * assert.deepEqual(
 *   ["gracedb.superevent", "", ".", "..", "...", "a/b"].map(isTopicName),
 *   [true, false, false, false, true, false],
 * );
 * ```
 */
export function isTopicName(name: string): boolean {
  return topicNameProblem(name) === undefined;
}

/**
 * Whether `text` holds only characters Kafka allows in topic names (any length, empty included);
 * for prefixes and parts of names, which are not names by themselves.
 *
 * @param text a prefix or part of a topic name
 * @returns true when every character is one of `A-Z a-z 0-9 . _ -`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hasTopicNameCharactersOnly } from "./topic_name.ts";
 * assert.ok(hasTopicNameCharactersOnly("gracedb-playground"));
 * assert.ok(!hasTopicNameCharactersOnly("gracedb playground"));
 * ```
 */
export function hasTopicNameCharactersOnly(text: string): boolean {
  return LEGAL_CHARACTERS.test(text);
}
