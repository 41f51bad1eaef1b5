// Opening a stream on a target that is already parsed and has its credential chosen. openStream
// (stream.ts) parses a URL and comes here; the Client builds its target itself and comes here
// directly, so nothing is formatted into a URL only to be parsed again.

import { HopError } from "./errors.ts";
import type { Logger } from "./log.ts";
import type { StreamTarget } from "./_stream_target.ts";
import { Consumer, type ConsumerSetup } from "./consumer.ts";
import { Producer } from "./producer.ts";
import type { StreamOptions } from "./stream_options.ts";
import { DEFAULT_RETRY_POLICY } from "../kafka/retry_policy.ts";
import { checkStartPosition } from "./_start_offsets.ts";

const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const GROUP_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/**
 * hop's random consumer group: `<username>-` followed by 10 characters from `A-Z0-9` drawn with a
 * cryptographic RNG (rejection sampling keeps every character equally likely).
 *
 * @param username credential username; without one the id is just the 10 characters
 * @returns the group id
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomGroupId } from "./stream.ts";
 * assert.match(randomGroupId("alice"), /^alice-[A-Z0-9]{10}$/); // e.g. alice-Q3ZK0W8N1B
 * assert.match(randomGroupId(), /^[A-Z0-9]{10}$/);
 * assert.notEqual(randomGroupId("alice"), randomGroupId("alice"));
 * ```
 */
export function randomGroupId(username?: string): string {
  let suffix = "";
  const bytes = new Uint8Array(16);
  while (suffix.length < 10) {
    crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      if (byte < 252 && suffix.length < 10) suffix += GROUP_ID_ALPHABET[byte % 36];
    }
  }
  return username ? `${username}-${suffix}` : suffix;
}

/** Options of {@linkcode openStreamAt}: those of `openStream` but `auth`, already applied. */
export type TargetStreamOptions = Omit<StreamOptions, "auth">;

/** Opens a consumer (`"r"`) or producer (`"w"`) on a parsed target. */
export function openStreamAt(
  target: StreamTarget,
  mode: "r",
  options?: TargetStreamOptions,
): Promise<Consumer>;
/** Opens a producer on a parsed target. */
export function openStreamAt(
  target: StreamTarget,
  mode: "w",
  options?: TargetStreamOptions,
): Promise<Producer>;
export async function openStreamAt(
  target: StreamTarget,
  mode: "r" | "w",
  options: TargetStreamOptions = {},
): Promise<Consumer | Producer> {
  if (mode !== "r" && mode !== "w") throw new HopError("mode must be either 'w' or 'r'");
  const logger = options.logger ?? quietLogger;
  const timeouts = {
    connectTimeoutMs: options.connectTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
  };
  if (mode === "w") {
    if (options.groupId !== undefined) {
      logger.warn("group ID has no effect when opening a stream in write mode");
    }
    return await Producer.connect(target, logger, { ...timeouts, retry: options.retry });
  }
  if (!target.topics.length) {
    throw new HopError(`no topic to read at ${target.brokers.join(",")}: none was named`);
  }
  const fetchMaxWaitMs = options.fetchMaxWaitMs;
  if (
    fetchMaxWaitMs !== undefined &&
    (typeof fetchMaxWaitMs !== "number" || !Number.isFinite(fetchMaxWaitMs) || fetchMaxWaitMs < 0)
  ) {
    throw new RangeError(`fetchMaxWaitMs must be a number of ms >= 0, got ${fetchMaxWaitMs}`);
  }
  const startAt = options.startAt ?? "latest";
  checkStartPosition(startAt);
  const untilEos = options.untilEos ?? false;
  let groupId = options.groupId;
  // Without a group of its own, a reader that stops at the end of the stream has nothing to
  // share or commit: it reads every partition directly.
  const withoutGroup = groupId === undefined && untilEos;
  if (groupId === undefined) {
    groupId = randomGroupId(target.auth?.username);
    if (withoutGroup) {
      logger.info("group ID not specified; reading every partition to the end without a group");
    } else {
      logger.info(`group ID not specified, generating a random group ID: ${groupId}`);
    }
  }
  const setup: ConsumerSetup = {
    target,
    groupId,
    startAt,
    resetOffsets: options.resetOffsets ?? false,
    untilEos,
    withoutGroup,
    ignoreTest: options.ignoreTest ?? true,
    autoCommit: options.autoCommit ?? true,
    logger,
    ...timeouts,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    clock: options.clock,
    restartOnFailure: options.restartOnFailure ?? true,
    onCrash: options.onCrash,
    ...(fetchMaxWaitMs === undefined ? {} : { fetchMaxWaitMs: Math.round(fetchMaxWaitMs) }),
  };
  const consumer = new Consumer(setup);
  const signal = options.signal;
  if (signal?.aborted) {
    consumer.stop();
    return consumer;
  }
  const onAbort = () => void consumer.close();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await consumer.start();
  } catch (error) {
    signal?.removeEventListener("abort", onAbort);
    throw error;
  }
  return consumer;
}
