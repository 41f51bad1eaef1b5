/**
 * The GraceDB topic layout the playground creates on its broker.
 *
 * @module
 */
import { eventTopicNames, PIPELINES, SUPEREVENT_TOPICS } from "./_catalog.ts";
import type { PlaygroundGroupName } from "./_catalog.ts";

/**
 * A GraceDB instance group the playground simulates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { graceDbTopics, parsePlaygroundGroup, type PlaygroundGroup } from "./topics.ts";
 * const group: PlaygroundGroup = parsePlaygroundGroup("gracedb-playground");
 * assert.equal(group, "gracedb-playground");
 * assert.ok(graceDbTopics(group).includes("gracedb-playground.superevent"));
 * ```
 */
export type PlaygroundGroup = PlaygroundGroupName;

/**
 * The groups the playground knows, production first.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { PLAYGROUND_GROUPS } from "./topics.ts";
 * assert.strictEqual(PLAYGROUND_GROUPS.join(", "), "gracedb, gracedb-playground, gracedb-test");
 * ```
 */
export const PLAYGROUND_GROUPS: readonly PlaygroundGroup[] = [
  "gracedb",
  "gracedb-playground",
  "gracedb-test",
];

/**
 * Error for a group name the playground does not simulate.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parsePlaygroundGroup, UnknownGroupError } from "./topics.ts";
 * try {
 *   parsePlaygroundGroup("lvalert-dev");
 * } catch (error) {
 *   assert.strictEqual(error instanceof UnknownGroupError, true);
 * }
 * ```
 */
export class UnknownGroupError extends Error {
  /** The rejected name. */
  readonly group: string;
  /**
   * Builds the error for one rejected name.
   *
   * @param group the rejected name
   */
  constructor(group: string) {
    super(
      `unknown group "${group}": the playground simulates ${
        PLAYGROUND_GROUPS.map((g) => `"${g}"`).join(", ")
      }`,
    );
    this.name = "UnknownGroupError";
    this.group = group;
  }
}

/**
 * Narrows a user-supplied name to a {@linkcode PlaygroundGroup}.
 *
 * @param name a group name such as `gracedb-test`
 * @returns the name, typed
 * @throws {UnknownGroupError} for any other name
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parsePlaygroundGroup, UnknownGroupError } from "./topics.ts";
 * assert.strictEqual(parsePlaygroundGroup("gracedb-test"), "gracedb-test");
 * assert.throws(() => parsePlaygroundGroup("lvalert-dev"), UnknownGroupError);
 * ```
 */
export function parsePlaygroundGroup(name: string): PlaygroundGroup {
  if ((PLAYGROUND_GROUPS as readonly string[]).includes(name)) return name as PlaygroundGroup;
  throw new UnknownGroupError(name);
}

/**
 * The full Kafka topic names (`<group>.<topic>`) of a GraceDB instance group: the three
 * superevent topics and, for every pipeline, `<group>_<pipeline>` and
 * `<group>_<pipeline>_<search>` as GraceDB derives them.
 *
 * @param group the instance group, e.g. `gracedb`
 * @returns sorted full topic names, e.g. `gracedb.cbc_gstlal_allsky`
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { graceDbTopics } from "./topics.ts";
 * assert.strictEqual(graceDbTopics("gracedb").includes("gracedb.superevent"), true);
 * ```
 */
export function graceDbTopics(group: PlaygroundGroup | string): string[] {
  const names = new Set<string>(SUPEREVENT_TOPICS);
  for (const entry of PIPELINES) {
    for (const search of entry.searches) {
      for (const name of eventTopicNames(entry.group, entry.pipeline, search)) names.add(name);
    }
  }
  return [...names].sort().map((name) => `${group}.${name}`);
}
