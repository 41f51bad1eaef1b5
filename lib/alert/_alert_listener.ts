/**
 * The listening side of the igwn-alert {@link Client}: the alert stream with its reopenings and
 * commits, the callback forms (one handler at a time, or several with order per superevent), stop
 * and the metrics of the client's listeners.
 *
 * @module
 */

import type { Auth } from "../hop/auth.ts";
import { KafkaError } from "../hop/errors.ts";
import type { Logger } from "../hop/log.ts";
import type { Consumer, Metadata, StartPosition } from "../hop/stream.ts";
import { parseStartTime } from "../hop/start_position.ts";
import type { TargetStreamOptions } from "../hop/_open_stream.ts";
import type { StreamTarget } from "../hop/_stream_target.ts";
import { isRecoverable } from "../kafka/errors.ts";
import { backoffDelay, DEFAULT_RETRY_POLICY } from "../kafka/retry_policy.ts";
import { sleep } from "../_sleep.ts";
import type { Clock } from "../clock.ts";
import { AlertDecoder } from "./_alert_decoder.ts";
import { HandlerRunner } from "./_alert_handler.ts";
import { alertPlace, errorMessage } from "./_dead_letter.ts";
import { MetricsCounters } from "./_metrics_counters.ts";
import { OrderedCommits } from "./_ordered_commits.ts";
import { checkNumber } from "./_validation.ts";
import type { ClientSettings } from "./_client_settings.ts";
import { matchAlert } from "./filter.ts";
import type { Alert, AlertHandler, ListenOptions } from "./listen_types.ts";
import type { ClientMetrics } from "./metrics.ts";
import { fullTopicName } from "./topic_naming.ts";

/** What the listeners take from their client: its settings and the way to its broker. */
export interface ListenerContext extends
  Pick<
    ClientSettings,
    | "group"
    | "broker"
    | "consumerGroup"
    | "batchTimeoutMs"
    | "retryOnFatal"
    | "listenRetries"
    | "retryWaitMs"
    | "handlerRetries"
    | "deadLetter"
  > {
  startAt?: StartPosition;
  clock?: Clock;
  logger: Logger;
  /** The client's credentials, looked up once. */
  credentials(): Promise<Auth[] | false>;
  /** The group's topics the credential may read, without the group prefix. */
  getTopics(): Promise<string[]>;
  /** The broker, these Kafka topics and the credential chosen for them. */
  target(fullTopics: string[]): Promise<StreamTarget>;
  /** Connection settings of every stream the client opens. */
  streamOptions(): TargetStreamOptions;
}

/** The listeners of one client. */
export class AlertListeners {
  readonly #context: ListenerContext;
  readonly #consumers = new Set<Consumer>();
  readonly #stopControllers = new Set<AbortController>();
  readonly #counters = new MetricsCounters();
  readonly #decoder: AlertDecoder;
  readonly #handlers: HandlerRunner;
  #stopPending = false;

  /** @param context the client's settings and connections */
  constructor(context: ListenerContext) {
    this.#context = context;
    this.#decoder = new AlertDecoder(context.group, context.logger);
    this.#handlers = new HandlerRunner({ ...context, counters: this.#counters });
  }

  /** {@link Client.listen} with a callback: resolves once stopped, rejects on failure. */
  listenWith(
    callback: AlertHandler,
    topics: string | readonly string[] | undefined,
    options: ListenOptions,
  ): Promise<void> {
    let accept: (alert: Alert) => boolean;
    try {
      accept = alertPredicate(options.filter);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#listenWithCallback(callback, topics, options, accept);
  }

  /** {@link Client.listen} without a callback: the alerts, one at a time. */
  alerts(
    topics: string | readonly string[] | undefined,
    options: ListenOptions,
  ): AsyncIterableIterator<Alert> {
    return this.#alerts(topics, options, alertPredicate(options.filter));
  }

  /** {@link Client.stop}: ends every listener, or the next one to start if none runs. */
  stop(): void {
    if (this.#stopControllers.size === 0) {
      this.#stopPending = true;
      return;
    }
    for (const controller of this.#stopControllers) controller.abort();
    for (const consumer of this.#consumers) consumer.stop();
  }

  /** Ends every listener and forgets a stop that no listener took yet. */
  stopAll(): void {
    this.stop();
    this.#stopPending = false;
  }

  /** {@link Client.metrics}. */
  metrics(): ClientMetrics {
    const counters = this.#counters;
    let lag = 0;
    let reconnections = counters.reconnections;
    let connected = this.#consumers.size > 0;
    for (const consumer of this.#consumers) {
      const health = consumer.health();
      lag += health.lag;
      reconnections += health.reconnections;
      connected &&= health.connected;
    }
    return {
      received: counters.received(),
      filteredOut: counters.filteredOut,
      handlerSuccesses: counters.handlerSuccesses,
      handlerFailures: counters.handlerFailures,
      handlerRetries: counters.handlerRetries,
      deadLetters: counters.deadLetters,
      consumerLag: lag,
      reconnections,
      ...(counters.lastAlertTime !== undefined ? { lastAlertTime: counters.lastAlertTime } : {}),
      ready: counters.readyListeners > 0,
      connected,
    };
  }

  async #listenWithCallback(
    callback: AlertHandler,
    topics: string | readonly string[] | undefined,
    options: ListenOptions,
    accept: (alert: Alert) => boolean,
  ): Promise<void> {
    const stopper = new AbortController();
    const concurrency = options.concurrency ?? 1;
    if (concurrency !== 1) {
      checkNumber("concurrency", concurrency, { min: 1, integer: true });
      return await this.#listenConcurrently(callback, topics, options, accept, stopper);
    }
    for await (const alert of this.#alerts(topics, options, accept, stopper)) {
      // A stop during the handler's retries leaves the alert uncommitted: leaving the loop
      // ends the stream without committing it. So does an error thrown from here.
      if (!await this.#handlers.run(callback, alert, options.raw ?? false, stopper.signal)) break;
    }
  }

  /**
   * The callback form with `concurrency` > 1: up to that many handlers run at once, one at a time
   * per order key; commits follow {@link OrderedCommits}. A stop or a failure lets the running
   * handlers finish (or give up) before the consumer closes, so their alerts are committed.
   */
  async #listenConcurrently(
    callback: AlertHandler,
    topics: string | readonly string[] | undefined,
    options: ListenOptions,
    accept: (alert: Alert) => boolean,
    stopper: AbortController,
  ): Promise<void> {
    const limit = options.concurrency!;
    const keyOf = options.orderKey ?? supereventKey;
    const running = new Set<Promise<void>>();
    const chains = new Map<string, Promise<void>>();
    let failure: { error: unknown } | undefined;
    const drain = async () => {
      while (running.size) await Promise.all(running);
    };
    const manual: ManualCommits = { commits: new OrderedCommits(), drain };
    for await (const alert of this.#alerts(topics, options, accept, stopper, manual)) {
      manual.commits.handedOut(alert.metadata);
      const key = keyOf(alert);
      const task: Promise<void> = (chains.get(key) ?? Promise.resolve()).then(async () => {
        if (failure || stopper.signal.aborted) return;
        if (await this.#handlers.run(callback, alert, options.raw ?? false, stopper.signal)) {
          await manual.done?.(alert.metadata);
        }
      }).catch((error) => {
        failure ??= { error };
        stopper.abort();
      }).finally(() => {
        running.delete(task);
        if (chains.get(key) === task) chains.delete(key);
      });
      chains.set(key, task);
      running.add(task);
      while (running.size >= limit && !failure) await Promise.race(running);
      if (failure || stopper.signal.aborted) break;
    }
    await drain();
    if (failure) throw failure.error;
  }

  /**
   * The alert stream of one listener: opens a consumer, hands over each alert (those the filter
   * accepts) and commits it after it was handled, and opens the stream again after failures that
   * waiting can fix (or, with `retryOnFatal`, after fatal ones, `listenRetries` times in a row).
   */
  async *#alerts(
    requested: string | readonly string[] | undefined,
    options: ListenOptions,
    accept: (alert: Alert) => boolean,
    stopper = new AbortController(),
    manual?: ManualCommits,
  ): AsyncGenerator<Alert> {
    this.#stopControllers.add(stopper);
    let current: Consumer | undefined;
    const onAbort = () => {
      stopper.abort();
      current?.stop();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (manual) stopper.signal.addEventListener("abort", () => current?.stop(), { once: true });
    try {
      if (this.#stopPending || options.signal?.aborted) return;
      const explicit = typeof requested === "string" ? [requested] : [...(requested ?? [])];
      const topics = explicit.length ? explicit : await this.#context.getTopics();
      if (topics.length === 0) {
        throw new KafkaError(
          `no topics of group '${this.#context.group}' are visible to the credential on ${this.#context.broker.broker}`,
        );
      }
      const fullTopics = topics.map((topic) => fullTopicName(this.#context.group, topic));
      this.#context.logger.info(
        explicit.length
          ? `Listening to ${topics.length} topics on ${this.#context.broker.url}`
          : `Listening to all ${topics.length} available topics on ${this.#context.broker.url}`,
      );
      const { openStreamAt, randomGroupId } = await import("../hop/_open_stream.ts");
      // One group for the whole listen() call, so that a reopened stream resumes from what this
      // listener committed instead of starting over at the latest alert in a new group.
      const auth = await this.#context.credentials();
      const groupId = this.#context.consumerGroup ??
        randomGroupId(auth ? auth[0]?.username : undefined);
      // The only count of fatal errors: consecutive ones, reset by every alert received.
      let fatalFailures = 0;
      let reopenAttempt = 0;
      let opened = false;
      // A relative start time counts from now, also for a stream reopened later.
      let startAt = options.startAt ?? this.#context.startAt ?? "latest";
      if (typeof startAt === "object" && "since" in startAt) {
        startAt = { since: new Date(parseStartTime(startAt.since)) };
      }
      let readyCleanup: (() => void) | undefined;
      while (!stopper.signal.aborted) {
        let consumer: Consumer | undefined;
        try {
          // Only the opening is tied to stop(): once open, the consumer must stay usable until
          // the alert being handled is committed, so stop() ends it with consumer.stop().
          const opening = new AbortController();
          const abortOpening = () => opening.abort();
          stopper.signal.addEventListener("abort", abortOpening, { once: true });
          try {
            // The consumer rides through outages, timeouts and rebalances by itself (its
            // default restartOnFailure), so only failures that waiting cannot fix end it.
            consumer = await openStreamAt(await this.#context.target(fullTopics), "r", {
              ...this.#context.streamOptions(),
              fetchMaxWaitMs: this.#context.batchTimeoutMs,
              groupId,
              startAt,
              resetOffsets: !opened && (options.resetOffsets ?? false),
              autoCommit: false,
              signal: opening.signal,
            });
          } finally {
            stopper.signal.removeEventListener("abort", abortOpening);
          }
          opened = true;
          reopenAttempt = 0;
          this.#consumers.add(consumer);
          current = consumer;
          if (stopper.signal.aborted) consumer.stop();
          const open = consumer;
          if (manual) {
            // Every handler of the previous consumer finished (drained before it closed).
            const commits = manual.commits = new OrderedCommits();
            manual.done = async (metadata) => {
              const through = commits.finished(metadata);
              if (through && current === open) await open.markDone(through, { wait: false });
            };
          }
          let counted = false;
          consumer.ready.then(() => {
            if (stopper.signal.aborted || current !== open) return;
            counted = true;
            this.#counters.readyListeners++;
            options.onReady?.(fullTopics);
          }, () => {});
          readyCleanup = () => {
            if (counted) this.#counters.readyListeners--;
            counted = false;
          };
          for await (const { message, metadata } of consumer.read({ metadata: true })) {
            fatalFailures = 0;
            const alert = this.#decoder.decode(message, metadata);
            this.#counters.receive(alert.topic, alert.payload);
            if (alert.problem) {
              this.#context.logger.warn(
                `alert at ${alert.fullTopic} offset ${metadata.offset}: ${alert.problem}`,
              );
            }
            if (accept(alert)) {
              yield alert;
              // Committed by the handler's task, once it and every alert before it finished.
              if (manual) continue;
            } else {
              this.#counters.filteredOut++;
              this.#context.logger.debug(`alert at ${alertPlace(alert)} does not match the filter`);
              if (manual) {
                manual.commits.handedOut(metadata);
                await manual.done?.(metadata);
                continue;
              }
            }
            // Queued for the next coalesced commit (sent at most 100 ms later, and by close()):
            // no round trip per alert. A commit lost to an outage or a rebalance is sent again,
            // and the consumer resumes where the reader is, so nothing is skipped meanwhile.
            await consumer.markDone(metadata, { wait: false });
            this.#context.logger.debug(
              `commit of ${metadata.topic} partition ${metadata.partition} offset ${
                metadata.offset + 1
              } queued for group ${groupId}`,
            );
            if (stopper.signal.aborted) break;
          }
          break;
        } catch (error) {
          if (stopper.signal.aborted) break;
          if (isRecoverableError(error) && (opened || this.#context.retryOnFatal)) {
            // Only opening fails like this (an open consumer rides through such failures): the
            // broker is away or slow. Not fatal, so not counted; a first opening without
            // retryOnFatal fails at once instead, to report a wrong address.
            const delay = backoffDelay(DEFAULT_RETRY_POLICY, reopenAttempt++);
            this.#context.logger.warn(
              `could not open the stream: ${errorMessage(error)}; trying again in ${
                (delay / 1000).toFixed(1)
              } s`,
            );
            this.#counters.reconnections++;
            await sleep(delay, stopper.signal, this.#context.clock);
            continue;
          }
          // Without retries the caller reports the error once; logging it here too would print
          // it twice.
          if (!this.#context.retryOnFatal) throw error;
          if (++fatalFailures > this.#context.listenRetries) {
            this.#context.logger.error(
              `giving up after ${this.#context.listenRetries} reconnection attempts: ${
                errorMessage(error)
              }`,
            );
            throw error;
          }
          this.#context.logger.warn(
            `fatal error from kafka: ${errorMessage(error)} on attempt ${fatalFailures}; ` +
              `reconnecting in ${this.#context.retryWaitMs} ms`,
          );
          this.#counters.reconnections++;
          await sleep(this.#context.retryWaitMs, stopper.signal, this.#context.clock);
        } finally {
          // Running handlers finish first, so that their alerts are committed by this consumer.
          if (manual) await manual.drain();
          readyCleanup?.();
          readyCleanup = undefined;
          if (consumer) {
            // Its reconnections stay counted once it is gone.
            this.#counters.reconnections += consumer.health().reconnections;
            this.#consumers.delete(consumer);
            current = undefined;
            await consumer.close().catch((error) =>
              this.#context.logger.debug(`closing the consumer failed: ${errorMessage(error)}`)
            );
          }
        }
      }
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      this.#stopControllers.delete(stopper);
      if (this.#stopControllers.size === 0) this.#stopPending = false;
    }
  }
}

/** How the concurrent callback form takes over commits from the alert stream. */
interface ManualCommits {
  commits: OrderedCommits;
  /** Waits until no handler runs. */
  drain(): Promise<void>;
  /** Set by the stream for each consumer it opens: the alert finished, commit what may be. */
  done?: (metadata: Metadata) => Promise<void>;
}

/** The superevent an alert is about: the default order key of concurrent handlers. */
function supereventKey(alert: Alert): string {
  const payload = alert.payload as unknown as {
    uid?: unknown;
    object?: { superevent_id?: unknown; superevent?: unknown };
  } | null;
  const object = payload?.object;
  for (const id of [object?.superevent_id, object?.superevent, payload?.uid]) {
    if (typeof id === "string" && id) return id;
  }
  return `${alert.fullTopic}\0${alert.metadata.partition}`;
}

/** The listener's filter as one predicate; criteria are checked here, before connecting. */
function alertPredicate(filter: ListenOptions["filter"]): (alert: Alert) => boolean {
  if (filter === undefined) return () => true;
  // A function that throws ends the listener with the alert uncommitted, as a handler would.
  if (typeof filter === "function") return (alert) => Boolean(filter(alert));
  const matches = matchAlert(filter);
  return (alert) => matches(alert.payload, alert.topic);
}

/** Whether waiting can make the failure pass (an outage, a timeout), as the consumer judges it. */
function isRecoverableError(error: unknown): boolean {
  return error instanceof KafkaError && isRecoverable(error);
}
