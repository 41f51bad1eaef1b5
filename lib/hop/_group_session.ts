/**
 * Keeps one consumer-group membership alive for as long as a reader runs: when the Kafka client
 * gives up (a broker outage, a coordinator that stays away), the membership is started again
 * after a capped, jittered back-off, for as long as the failure is one that can pass. Only
 * failures that cannot pass by waiting (authentication, authorization, a missing topic) end it.
 *
 * @module
 */
import type { Logger } from "./log.ts";
import { sleep } from "../_sleep.ts";
import { type Clock, systemClock } from "../clock.ts";
import { type HopError, isRecoverable, KafkaError } from "../kafka/errors.ts";
import {
  type BatchControl,
  GroupConsumer,
  type GroupConsumerOptions,
  type ReaderMember,
} from "../kafka/group_consumer.ts";
import type { FetchedBatch, PartitionOffset, TopicPartitions } from "../kafka/types.ts";
import { backoffDelay, type RetryPolicy } from "../kafka/retry_policy.ts";

/** Kafka's default `group.min.session.timeout.ms`. */
const BROKER_MIN_SESSION_TIMEOUT_MS = 6_000;

/** What a {@linkcode GroupSession} is made from. */
export interface GroupSessionOptions {
  /** Everything the group consumer is started with, except the callbacks. */
  consumer: Omit<GroupConsumerOptions, "onBatch" | "onAssignment" | "onCrash">;
  /**
   * Read every partition of the topics without joining the group (nothing is committed): for
   * a reader that stops at the end of the stream and has no group of its own.
   */
  withoutGroup?: boolean;
  /** Back-off between attempts. */
  retry: RetryPolicy;
  /** Whose time the back-off waits and the outage is measured in; default the real clock. */
  clock?: Clock;
  /** Where connection state changes are logged, once each. */
  logger: Logger;
  /** Receives each fetched batch. */
  onBatch(batch: FetchedBatch, control: BatchControl): Promise<void>;
  /** Receives each new assignment (after every join, also after a reconnection). */
  onAssignment(assignment: TopicPartitions[]): void;
  /**
   * Asked for each failure that could pass by waiting: `false` ends the session with it.
   * Default: go on.
   */
  mayReconnect?(error: KafkaError): boolean;
  /** Told of every failure and whether the session reconnects. */
  onFailure?(error: KafkaError, reconnecting: boolean): void;
  /** Called once when the session ends for good with an error. */
  onFatal(error: KafkaError): void;
}

/** A group membership that reconnects by itself; see the module documentation. */
export class GroupSession {
  #options: GroupSessionOptions;
  #group?: ReaderMember;
  #crashed?: (error: HopError) => void;
  #stop = new AbortController();
  #supervising?: Promise<void>;
  #lostAt?: number;
  #reconnections = 0;

  constructor(options: GroupSessionOptions) {
    this.#options = options;
  }

  get #clock(): Clock {
    return this.#options.clock ?? systemClock;
  }

  /** Times the connection was lost and a reconnection started. */
  get reconnections(): number {
    return this.#reconnections;
  }

  /** Whether the connection is up (false from a loss until data or a join comes back). */
  get connected(): boolean {
    return this.#lostAt === undefined && this.#group !== undefined;
  }

  /**
   * Connects and joins once; a failure here is thrown to the caller (a wrong address or
   * credential should be reported, not waited out). Later failures are handled by the session.
   */
  async start(): Promise<void> {
    const { crash } = await this.#join();
    this.#supervising = this.#supervise(crash);
  }

  /** Seeks in the current membership; ignored while reconnecting (the next join positions it). */
  seek(position: PartitionOffset): void {
    try {
      this.#group?.seek(position);
    } catch {
      // the membership is being replaced; the next assignment is positioned again
    }
  }

  /**
   * Commits through the current membership.
   *
   * @throws {KafkaError} classified; a commit lost to a rebalance or an outage is recoverable
   */
  async commit(positions: PartitionOffset[]): Promise<void> {
    const group = this.#group;
    if (!group) {
      throw new KafkaError("not connected to Kafka; the commit waits for the reconnection", {
        retriable: true,
      });
    }
    await group.commit(positions);
  }

  /** Called by the reader when data arrives after a reconnection, to log the recovery once. */
  noteData(lag: number): void {
    if (this.#lostAt === undefined) return;
    const seconds = ((this.#clock.now() - this.#lostAt) / 1000).toFixed(1);
    this.#lostAt = undefined;
    this.#options.logger.info(
      `connected to Kafka again after ${seconds} s; ${lag} message${
        lag === 1 ? "" : "s"
      } to catch up`,
    );
  }

  /** Ends the session: no more reconnections; leaves the group and closes the connections. */
  async close(): Promise<void> {
    this.#stop.abort();
    this.#crashed?.(new KafkaError("closed"));
    await this.#supervising;
    const group = this.#group;
    this.#group = undefined;
    await group?.close();
  }

  // Starts one membership; resolves with a promise of its crash.
  async #join(): Promise<{ crash: Promise<HopError> }> {
    let crashed!: (error: HopError) => void;
    const crash = new Promise<HopError>((resolve) => (crashed = resolve));
    this.#crashed = crashed;
    const { consumer, onBatch, onAssignment, withoutGroup } = this.#options;
    // The direct reader speaks Kafka's protocol itself; it is loaded only by readers that use it.
    const start = withoutGroup
      ? (await import("../kafka/partition_reader.ts")).PartitionReader.start
      : GroupConsumer.start;
    const group: ReaderMember = await start({
      ...consumer,
      onBatch,
      onAssignment: (assignment, member) => {
        // The first assignment arrives while start() is still running: seeks and commits made
        // for it must reach this member already.
        if (!this.#stop.signal.aborted) this.#group = member;
        onAssignment(assignment);
      },
      // Reconnecting is this session's job, with its own back-off and logging.
      onCrash: (error) => crashed(error),
    });
    if (this.#stop.signal.aborted) {
      await group.close();
      return { crash };
    }
    this.#group = group;
    return { crash };
  }

  async #supervise(crash: Promise<HopError>): Promise<void> {
    const { logger, retry } = this.#options;
    const stopped = this.#stop.signal;
    while (!stopped.aborted) {
      const failure = toKafkaError(await crash);
      if (stopped.aborted) return;
      const group = this.#group;
      this.#group = undefined;
      await group?.close();
      if (this.#lengthenSession(failure)) {
        try {
          ({ crash } = await this.#join());
          continue;
        } catch (error) {
          if (!this.#shouldReconnect(toKafkaError(error as HopError))) return;
        }
      }
      if (!this.#shouldReconnect(failure)) return;
      this.#reconnections++;
      this.#lostAt ??= this.#clock.now();
      logger.warn(`lost the connection to Kafka: ${failure.message}`);
      for (let attempt = 0;; attempt++) {
        const delay = backoffDelay(retry, attempt);
        logger.info(`reconnecting to Kafka in ${(delay / 1000).toFixed(1)} s`);
        await sleep(delay, stopped, this.#clock);
        if (stopped.aborted) return;
        try {
          ({ crash } = await this.#join());
          break;
        } catch (error) {
          const failure = toKafkaError(error as HopError);
          if (!this.#shouldReconnect(failure)) return;
          logger.debug(`reconnection attempt ${attempt + 1} failed: ${failure.message}`);
        }
      }
    }
  }

  // A broker that refuses the short session asked for (Kafka's default minimum is 6 s) gets
  // Kafka's default minimum instead, once.
  #lengthenSession(error: KafkaError): boolean {
    const { consumer, logger } = this.#options;
    const refused = error.code === "INVALID_SESSION_TIMEOUT" || error.code === 26;
    if (!refused || (consumer.sessionTimeoutMs ?? 0) >= BROKER_MIN_SESSION_TIMEOUT_MS) {
      return false;
    }
    logger.debug(
      `the broker refused a ${consumer.sessionTimeoutMs} ms group session; using ${BROKER_MIN_SESSION_TIMEOUT_MS} ms`,
    );
    this.#options.consumer = { ...consumer, sessionTimeoutMs: BROKER_MIN_SESSION_TIMEOUT_MS };
    return true;
  }

  #shouldReconnect(error: KafkaError): boolean {
    const { mayReconnect, onFailure, onFatal } = this.#options;
    let reconnecting = isRecoverable(error);
    if (reconnecting && mayReconnect) {
      try {
        reconnecting = mayReconnect(error);
      } catch {
        reconnecting = false;
      }
    }
    try {
      onFailure?.(error, reconnecting);
    } catch (hookError) {
      this.#options.logger.warn(`a failure hook threw: ${hookError}`);
    }
    if (!reconnecting) onFatal(asFatal(error));
    return reconnecting;
  }
}

function toKafkaError(error: HopError): KafkaError {
  return error instanceof KafkaError ? error : new KafkaError(error.message, { cause: error });
}

/** The same error, marked as the one that ended reading. */
function asFatal(error: KafkaError): KafkaError {
  if (error.fatal) return error;
  const SameClass = error.constructor as typeof KafkaError;
  return new SameClass(error.message, {
    code: error.code,
    kind: error.kind,
    retriable: error.retriable,
    fatal: true,
    topic: error.topic,
    cause: error.cause,
  });
}
