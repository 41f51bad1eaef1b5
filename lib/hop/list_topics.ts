/**
 * Lists the topics a credential can see on a broker (hop's `list_topics`), within a time limit.
 *
 * @module
 */
import type { Auth } from "./auth.ts";
import { ConnectionError } from "./errors.ts";
import { resolveStreamTarget, type StreamTarget } from "./_stream_target.ts";
import { KafkaAdmin } from "../kafka/admin.ts";

/**
 * Options of {@linkcode listTopics}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { listTopics, type ListTopicsOptions } from "./list_topics.ts";
 * await using broker = await startBroker({ port: 0, topics: ["a"], logger: () => {} });
 * const options: ListTopicsOptions = { auth: false, timeoutMs: 5000 };
 * assert.deepEqual(await listTopics(broker.url, options), ["a"]);
 * ```
 */
export interface ListTopicsOptions {
  /** As in {@linkcode StreamOptions.auth}: `true` (default) loads auth.toml, `false` means none. */
  auth?: boolean | Auth | Auth[];
  /** Overall time limit in ms (connect, authenticate, metadata). Default 10000. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The topics visible to the credential, sorted. When the URL names topics, only those of them
 * that exist and are visible are returned.
 *
 * @param url `kafka://[user@]host[:port][/topic,...]`
 * @param options credential and time limit
 * @returns sorted topic names
 * @throws {ConnectionError} when the broker cannot be reached within `timeoutMs`
 * @throws {AuthenticationError} for a wrong username or password
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { listTopics } from "./list_topics.ts";
 * await using broker = await startBroker({ port: 0, topics: ["b", "a"], logger: () => {} });
 * assert.deepEqual(await listTopics(broker.url, { auth: false }), ["a", "b"]);
 * assert.deepEqual(await listTopics(`${broker.url}/b,c`, { auth: false }), ["b"]);
 * ```
 */
export async function listTopics(url: string, options: ListTopicsOptions = {}): Promise<string[]> {
  const target = await resolveStreamTarget(url, options.auth ?? true);
  return await listTopicsAt(target, options.timeoutMs);
}

/**
 * {@linkcode listTopics} on a parsed target whose credential is already chosen (what the `Client`
 * uses: it never builds a URL).
 *
 * @internal
 * @param target brokers, topics (a filter when not empty) and credential
 * @param timeoutMs overall time limit in ms; default 10000
 * @returns sorted topic names
 */
export async function listTopicsAt(
  target: StreamTarget,
  timeoutMs: number = DEFAULT_TIMEOUT_MS,
): Promise<string[]> {
  const started = Date.now();
  const admin = await KafkaAdmin.connect({
    brokers: target.brokers,
    credential: target.credential,
    connectTimeoutMs: timeoutMs,
    requestTimeoutMs: timeoutMs,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const remaining = Math.max(1, timeoutMs - (Date.now() - started));
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ConnectionError(
              `listing topics at ${target.brokers.join(",")} took longer than ${timeoutMs} ms`,
              { retriable: true },
            ),
          ),
        remaining,
      );
    });
    const topics = await Promise.race([admin.listTopics(), timeout]);
    if (!target.topics.length) return topics;
    const wanted = new Set(target.topics);
    return topics.filter((topic) => wanted.has(topic));
  } finally {
    clearTimeout(timer);
    await admin.close();
  }
}
