/**
 * Per-user topic permissions from `NAME:OPS:PATTERN` specs, answering the questions Kafka's
 * authorizer answers (may this principal read, write, describe, create, delete this topic?).
 *
 * @module
 */
import { hasTopicNameCharactersOnly, MAX_TOPIC_NAME_LENGTH } from "../topic_name.ts";

/**
 * The principal of clients on a listener without SASL. It may do everything, as on a Kafka
 * broker without an authorizer.
 *
 * @example
 * ```ts
 * import { AccessControl, ANONYMOUS_PRINCIPAL } from "./acl.ts";
 * const acl = AccessControl.parse([], []);
 * console.log(acl.canTopic(ANONYMOUS_PRINCIPAL, "write", "any")); // true
 * ```
 */
export const ANONYMOUS_PRINCIPAL = "ANONYMOUS";

/**
 * An operation on a topic, in Kafka's authorizer terms.
 *
 * @example
 * ```ts
 * import type { AclOperation } from "./acl.ts";
 * const op: AclOperation = "describeConfigs";
 * ```
 */
export type AclOperation = "read" | "write" | "describe" | "create" | "delete" | "describeConfigs";

/**
 * Raised by {@linkcode AccessControl.parse} for a spec it cannot use; the message quotes the spec.
 *
 * @example
 * ```ts
 * import { AccessControl, AclSpecError } from "./acl.ts";
 * try {
 *   AccessControl.parse(["bob:read:alerts"], ["alice"]);
 * } catch (error) {
 *   console.log(error instanceof AclSpecError); // true
 * }
 * ```
 */
export class AclSpecError extends Error {
  /** The spec as given. */
  readonly spec: string;

  /**
   * Creates the error.
   *
   * @param spec the offending spec
   * @param problem what is wrong with it
   * @example
   * ```ts
   * import { AclSpecError } from "./acl.ts";
   * const error = new AclSpecError("bob:read:x", 'unknown user "bob"');
   * console.log(error.message); // ACL "bob:read:x": unknown user "bob"
   * ```
   */
  constructor(spec: string, problem: string) {
    super(`ACL "${spec}": ${problem}`);
    this.name = "AclSpecError";
    this.spec = spec;
  }
}

type Grant = "read" | "write" | "all";

interface Rule {
  grant: Grant;
  /** Exact topic name, or the prefix when `prefix` is true. */
  topic: string;
  prefix: boolean;
}

const GRANTED: Record<Grant, ReadonlySet<AclOperation>> = {
  read: new Set(["read", "describe"]),
  write: new Set(["write", "describe"]),
  all: new Set(["read", "write", "describe", "create", "delete", "describeConfigs"]),
};

/**
 * Decides what each principal may do.
 *
 * - No specs at all: every authenticated user may do everything (and so may
 *   {@linkcode ANONYMOUS_PRINCIPAL}, always).
 * - With specs, a user may do only what its specs grant: `read` gives read and describe, `write`
 *   gives write and describe, `all` gives every operation including create, delete and
 *   describeConfigs, each on the topics the pattern matches (`name` exactly, `prefix*` by prefix,
 *   `*` everything). Users without a spec may do nothing with topics.
 * - Consumer groups are open to every authenticated user: a group holds only positions, reading
 *   the messages still needs `read` on the topic, and hop's default group ids (`<user>-<random>`)
 *   and igwn-alert's configurable ones follow no pattern a spec could name.
 *
 * @example
 * ```ts
 * import { AccessControl } from "./acl.ts";
 * const acl = AccessControl.parse(
 *   ["alice:read:igwn.*", "bob:all:igwn.gwalert"],
 *   ["alice", "bob"],
 * );
 * console.log(acl.canTopic("alice", "read", "igwn.gwalert")); // true
 * console.log(acl.canTopic("alice", "write", "igwn.gwalert")); // false
 * console.log(acl.canTopic("bob", "create", "igwn.gwalert")); // true
 * ```
 */
export class AccessControl {
  readonly #rules: Map<string, Rule[]> | undefined;

  private constructor(rules: Map<string, Rule[]> | undefined) {
    this.#rules = rules;
  }

  /**
   * Parses `NAME:OPS:PATTERN` specs. OPS is `read`, `write` or `all`; PATTERN is a topic name, or
   * a prefix ending in `*`.
   *
   * @param specs the specs, e.g. from repeated `--acl` flags
   * @param usernames the broker's users; every spec must name one (any name is accepted when
   *   omitted, as with OAUTHBEARER, whose principals are the subjects of tokens)
   * @returns the access control
   * @throws {AclSpecError} for bad syntax, an unknown operation, a bad pattern or an unknown user
   *
   * @example
   * ```ts
   * import { AccessControl } from "./acl.ts";
   * const open = AccessControl.parse([], ["alice"]);
   * console.log(open.canTopic("alice", "delete", "t")); // true
   * ```
   */
  static parse(specs: string[], usernames?: string[]): AccessControl {
    if (specs.length === 0) return new AccessControl(undefined);
    const known = usernames === undefined ? undefined : new Set(usernames);
    const rules = new Map<string, Rule[]>();
    for (const spec of specs) {
      // Split from the right: operations and patterns cannot contain ":", user names might.
      const patternAt = spec.lastIndexOf(":");
      const opsAt = patternAt > 0 ? spec.lastIndexOf(":", patternAt - 1) : -1;
      if (opsAt <= 0) throw new AclSpecError(spec, "expected NAME:OPS:PATTERN");
      const name = spec.slice(0, opsAt);
      const ops = spec.slice(opsAt + 1, patternAt);
      const pattern = spec.slice(patternAt + 1);
      if (ops !== "read" && ops !== "write" && ops !== "all") {
        throw new AclSpecError(spec, `operations must be read, write or all, not "${ops}"`);
      }
      const prefix = pattern.endsWith("*");
      const topic = prefix ? pattern.slice(0, -1) : pattern;
      if (pattern === "") throw new AclSpecError(spec, "the topic pattern is empty");
      if (topic.includes("*")) {
        throw new AclSpecError(spec, `"*" may only end the topic pattern`);
      }
      if (
        topic !== "" &&
        !(hasTopicNameCharactersOnly(topic) && topic.length <= MAX_TOPIC_NAME_LENGTH)
      ) {
        throw new AclSpecError(
          spec,
          `"${pattern}" is not a topic name (letters, digits, ".", "_", "-"), optionally ending in "*"`,
        );
      }
      if (known && !known.has(name)) throw new AclSpecError(spec, `unknown user "${name}"`);
      let list = rules.get(name);
      if (!list) rules.set(name, list = []);
      list.push({ grant: ops, topic, prefix });
    }
    return new AccessControl(rules);
  }

  /**
   * Whether `principal` may perform `op` on `topic`.
   *
   * @param principal the authenticated user name, or {@linkcode ANONYMOUS_PRINCIPAL}
   * @param op the operation
   * @param topic the topic name (it need not exist)
   * @returns true when allowed
   *
   * @example
   * ```ts
   * import { AccessControl } from "./acl.ts";
   * const acl = AccessControl.parse(["alice:write:out"], ["alice"]);
   * console.log(acl.canTopic("alice", "describe", "out")); // true
   * console.log(acl.canTopic("alice", "read", "out")); // false
   * ```
   */
  canTopic(principal: string, op: AclOperation, topic: string): boolean {
    if (this.#rules === undefined || principal === ANONYMOUS_PRINCIPAL) return true;
    const rules = this.#rules.get(principal);
    if (!rules) return false;
    return rules.some((rule) =>
      GRANTED[rule.grant].has(op) &&
      (rule.prefix ? topic.startsWith(rule.topic) : topic === rule.topic)
    );
  }

  /**
   * Whether `principal` may use a consumer group. Always true: see the class notes for why groups
   * are not restricted.
   *
   * @param principal the authenticated user name, or {@linkcode ANONYMOUS_PRINCIPAL}
   * @param op "read" (join, commit, fetch offsets) or "describe" (find coordinator)
   * @param group the group id
   * @returns true when allowed
   *
   * @example
   * ```ts
   * import { AccessControl } from "./acl.ts";
   * const acl = AccessControl.parse(["alice:read:t"], ["alice"]);
   * console.log(acl.canGroup("alice", "read", "alice-ABCDEFGHIJ")); // true
   * ```
   */
  canGroup(principal: string, op: "read" | "describe", group: string): boolean {
    void principal, op, group;
    return true;
  }

  /**
   * Whether `principal` may perform a cluster-wide operation. `create` on the cluster means
   * creating any topic, so with specs it needs `all` on the pattern `*`; check
   * {@linkcode AccessControl.canTopic} with "create" for one named topic (Kafka allows creation
   * when either is granted). `describe` is always allowed.
   *
   * @param principal the authenticated user name, or {@linkcode ANONYMOUS_PRINCIPAL}
   * @param op "create" or "describe"
   * @returns true when allowed
   *
   * @example
   * ```ts
   * import { AccessControl } from "./acl.ts";
   * const acl = AccessControl.parse(["root:all:*", "alice:all:alice.*"], ["root", "alice"]);
   * console.log(acl.canCluster("root", "create"), acl.canCluster("alice", "create")); // true false
   * console.log(acl.canTopic("alice", "create", "alice.new")); // true
   * ```
   */
  canCluster(principal: string, op: "create" | "describe"): boolean {
    if (op === "describe" || this.#rules === undefined) return true;
    if (principal === ANONYMOUS_PRINCIPAL) return true;
    return (this.#rules.get(principal) ?? []).some((rule) =>
      rule.grant === "all" && rule.prefix && rule.topic === ""
    );
  }
}
