/**
 * Fault scenarios on the librdkafka mock cluster ({@link MockCluster}), run against a pluggable
 * consumer under test (a {@link Subject}: kcat, our CLI, ...). During each scenario a librdkafka
 * producer (Python's confluent_kafka, acks=all, idempotent) writes sequence-numbered alerts at a
 * steady rate and reports which ones the cluster acknowledged; the scenario counts what the
 * subject received: missing (acknowledged, never received), duplicated, and the time from the
 * fault's end to the first message received after it.
 *
 * Every wait is for an event (a line from a process, an answer from the cluster) and has a
 * deadline; the producer's rate and the scenario's deadline are the only clocks.
 *
 * @example
 * ```ts ignore
 * const result = await runScenario(SCENARIOS[0], () => new KcatSubject());
 * console.log(formatResult(result));
 * ```
 *
 * @module
 */

import { DeadlineError, withDeadline } from "./deadline.ts";
import { PYTHON } from "./processes.ts";
import {
  ApiKey,
  ErrorCode,
  type ExitReport,
  LineProcess,
  MockCluster,
  type TimedError,
} from "./mock_cluster.ts";

/** A consumer under test. */
export interface Subject {
  /** How tables name it. */
  readonly name: string;
  /**
   * Starts consuming `topic` (its full Kafka name) in consumer group `group` from `bootstrap`
   * (`host:port`), from the earliest offset when the group has none; resolves once it is running.
   */
  start(bootstrap: string, topic: string, group: string): Promise<void>;
  /** Sequence numbers received so far, in arrival order, duplicates included. */
  received(): number[];
  /** Stops it (also when it already ended); safe to call twice. */
  stop(): Promise<void>;
  /** `performance.now()` of each entry of {@link received}, in the same order. */
  arrivals?(): number[];
  /** How it ended, when it ended on its own before {@link stop}; undefined while it runs. */
  died?(): ExitReport | undefined;
  /** Registers a callback for every message received and for its end (for event waits). */
  onChange?(listener: () => void): void;
  /** Its last few lines of diagnostics (stderr), for results that need explaining. */
  stderrTail?(lines: number): string[];
  /**
   * Kills it without warning (SIGKILL: no clean leave) and starts it again with the same
   * arguments; resolves once the new one is spawned. What both received is kept.
   */
  restart?(): Promise<void>;
}

/** What a scenario's fault may use. */
export interface FaultContext {
  readonly cluster: MockCluster;
  readonly topic: string;
  readonly group: string;
  /** Broker that leads every partition when the scenario starts. */
  readonly leader: number;
  /** Broker that coordinates the group when the scenario starts. */
  readonly coordinator: number;
  /** Resolves once the producer has sent `count` more messages than when it was called. */
  whileSending(count: number): Promise<void>;
  /**
   * Pushes errors for one broker's next requests of `apiKey` and resolves once all of them were
   * used by requests; when the deadline comes first it resolves too, and the result says how
   * many were never requested.
   */
  injectErrors(brokerId: number, apiKey: number, errors: TimedError[]): Promise<void>;
  /** Kills the subject and starts it again in the same group (see {@link Subject.restart}). */
  restartSubject(): Promise<void>;
}

/** A fault applied to a running cluster; `apply` resolves when the fault has ended. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** How long the subject may take to catch up after the fault; overrides the run's `drainMs`. */
  readonly drainMs?: number;
  /** The payload of message `seq`; overrides the run's `payload`. */
  readonly payload?: (seq: number) => string;
  apply(context: FaultContext): Promise<void>;
}

const { Fetch, OffsetCommit, Heartbeat } = ApiKey;
const E = ErrorCode;

/** The leader starts on broker 1 and the coordinator on broker 2; subjects bootstrap from 3. */
const LEADER = 1;
const COORDINATOR = 2;
const SEED = 3;

/** The scenarios, in the order tables list them. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: "leader-move",
    description: "the partition leader moves from broker 1 to broker 2",
    apply: ({ cluster, topic }) => cluster.setLeader(topic, 0, 2),
  },
  {
    name: "coordinator-move",
    description: "the group coordinator moves from broker 2 to broker 3",
    apply: ({ cluster, group }) => cluster.setCoordinator("group", group, 3),
  },
  {
    name: "leader-down-up",
    description: "the leader's broker is down while 50 messages are sent, then up",
    apply: async ({ cluster, leader, whileSending }) => {
      await cluster.brokerDown(leader);
      await whileSending(50);
      await cluster.brokerUp(leader);
    },
  },
  {
    name: "coordinator-down-up",
    description: "the coordinator's broker is down while 50 messages are sent, then up",
    apply: async ({ cluster, coordinator, whileSending }) => {
      await cluster.brokerDown(coordinator);
      await whileSending(50);
      await cluster.brokerUp(coordinator);
    },
  },
  {
    name: "fetch-errors",
    description: "Fetch fails twice with NOT_LEADER_OR_FOLLOWER",
    // kafkajs answers a stale leader by refreshing metadata and rejoining its group; the mock
    // completes that rejoin only after the member's session timeout (see heartbeat-errors), once
    // per injected error: leave room for that. The mock keeps only the last 5 MB of a partition,
    // about 160 GraceDB alerts: small messages keep what the subject has not read yet in the log.
    drainMs: 60_000,
    payload: seqPayload,
    apply: ({ leader, injectErrors }) =>
      injectErrors(leader, Fetch, [
        { code: E.NOT_LEADER_OR_FOLLOWER },
        { code: E.NOT_LEADER_OR_FOLLOWER },
      ]),
  },
  {
    name: "fetch-timeout",
    description: "Fetch fails once with REQUEST_TIMED_OUT (librdkafka hands it to the application)",
    apply: ({ leader, injectErrors }) =>
      injectErrors(leader, Fetch, [{ code: E.REQUEST_TIMED_OUT }]),
  },
  {
    name: "commit-errors",
    description:
      "OffsetCommit fails with COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, REBALANCE_IN_PROGRESS",
    apply: ({ coordinator, injectErrors }) =>
      injectErrors(coordinator, OffsetCommit, [
        { code: E.COORDINATOR_NOT_AVAILABLE },
        { code: E.NOT_COORDINATOR },
        { code: E.REBALANCE_IN_PROGRESS },
      ]),
  },
  {
    name: "restart",
    description: "the subject is killed with SIGKILL and started again in the same group",
    // Until the killed member's session expires, the group waits for it.
    drainMs: 60_000,
    apply: ({ restartSubject }) => restartSubject(),
  },
  {
    name: "heartbeat-errors",
    description: "Heartbeat fails with REBALANCE_IN_PROGRESS, NOT_COORDINATOR",
    // librdkafka 2.0.2's mock completes the rejoin of a group's only member once that member's
    // session timeout has passed (kcat here: 6 s; our CLI: 4 s), not at once as Kafka does: leave
    // room for that.
    drainMs: 60_000,
    apply: ({ coordinator, injectErrors }) =>
      injectErrors(coordinator, Heartbeat, [
        { code: E.REBALANCE_IN_PROGRESS },
        { code: E.NOT_COORDINATOR },
      ]),
  },
];

/** What one scenario measured for one subject. */
export interface ScenarioResult {
  scenario: string;
  subject: string;
  /** Messages handed to the producer. */
  sent: number;
  /** Messages the cluster acknowledged (acks=all). */
  acked: number;
  /** Messages the producer gave up on. */
  failed: number;
  /** Messages the subject printed, duplicates included. */
  received: number;
  /** Acknowledged messages the subject never printed. */
  missing: number;
  /** Printed messages beyond the first copy of each. */
  duplicated: number;
  /** Seconds from the fault's end to the first message received after it. */
  recoverSeconds?: number;
  /** Seconds the fault lasted (from applying it to its end). */
  faultSeconds: number;
  /**
   * The longest silence, in seconds, between the fault's start and the last message received
   * (at the steady rate it is 1/rate without a fault).
   */
  gapSeconds?: number;
  /** Set when the subject ended on its own. */
  died?: ExitReport;
  /** Something about the run that the numbers do not say (e.g. injected errors never used). */
  notes: string[];
  /** The subject's last stderr lines, kept when it lost messages, died or the run failed. */
  stderrTail?: string[];
  /** Set when the scenario could not be run to its end (the numbers are then partial). */
  error?: string;
}

/** How a scenario runs. */
export interface RunOptions {
  /** Messages per second; default 50. */
  rate?: number;
  /** Messages the subject must have received before the fault; default 25. */
  warmup?: number;
  /** Messages sent after the fault ended; default 50. */
  afterFault?: number;
  /** The whole scenario's deadline; default 120 s. */
  deadlineMs?: number;
  /** How long an injected error may wait for a request; default 20 s. */
  faultDeadlineMs?: number;
  /**
   * How long the subject may take to receive every acknowledged message at the end; default the
   * scenario's own `drainMs`, else 20 s.
   */
  drainMs?: number;
  /** Full topic name; default `gracedb.superevent`. */
  topic?: string;
  /** The payload of message `seq` (one line of JSON carrying `"seq"`); default a GraceDB alert. */
  payload?: (seq: number) => string;
}

const SAMPLE_ALERT = JSON.parse(
  await Deno.readTextFile(new URL("../testdata/alerts/superevent_new.json", import.meta.url)),
);

/** A GraceDB `new` superevent alert with a `seq` member added. */
export function gracedbAlert(seq: number): string {
  return JSON.stringify({ ...SAMPLE_ALERT, seq });
}

/** `{"seq": N}`. */
export function seqPayload(seq: number): string {
  return JSON.stringify({ seq });
}

/** The `seq` of a line that is a JSON object carrying one, else undefined. */
export function seqOf(line: string): number | undefined {
  const text = line.trim();
  if (!text.startsWith("{")) return undefined;
  try {
    const seq = JSON.parse(text)?.seq;
    return Number.isInteger(seq) ? seq : undefined;
  } catch {
    return undefined;
  }
}

// Reads one JSON payload per stdin line and produces it; prints "acked SEQ PARTITION OFFSET" or
// "failed SEQ ERROR" per message as the delivery reports come, and "done UNFLUSHED" at the end.
const PRODUCER_SCRIPT = `
import json, os, sys, threading
from confluent_kafka import Producer
lock = threading.Lock()
def say(line):
    with lock:
        sys.stdout.write(line + "\\n")
        sys.stdout.flush()
def report(seq):
    def on_delivery(err, msg):
        if err is None:
            say("acked %d %d %d" % (seq, msg.partition(), msg.offset()))
        else:
            say("failed %d %s" % (seq, err.name()))
    return on_delivery
p = Producer({
    "bootstrap.servers": os.environ["BOOTSTRAP"],
    "acks": "all",
    "enable.idempotence": True,
    "linger.ms": 0,
    "message.timeout.ms": int(os.environ["TIMEOUT_MS"]),
})
topic = os.environ["TOPIC"]
stop = threading.Event()
def serve():
    while not stop.is_set():
        p.poll(0.05)
server = threading.Thread(target=serve)
server.start()
say("ready")
for line in sys.stdin:
    seq = json.loads(line)["seq"]
    while True:
        try:
            p.produce(topic, line.rstrip("\\n").encode(), on_delivery=report(seq))
            break
        except BufferError:
            p.poll(0.1)
stop.set()
server.join()
say("done %d" % p.flush(int(os.environ["TIMEOUT_MS"]) / 1000 + 5))
`;

/** A confluent_kafka producer fed one payload per line, with per-message acknowledgements. */
class AlertProducer {
  readonly acked = new Set<number>();
  readonly failed = new Map<number, string>();
  sent = 0;
  #closing = false;
  readonly #process: LineProcess;
  readonly #listeners: (() => void)[] = [];

  constructor(bootstrap: string, topic: string, timeoutMs: number) {
    this.#process = new LineProcess(PYTHON, ["-c", PRODUCER_SCRIPT], {
      name: "confluent_kafka producer",
      stdin: true,
      env: { BOOTSTRAP: bootstrap, TOPIC: topic, TIMEOUT_MS: String(timeoutMs) },
      onLine: ({ text }) => {
        const [word, seq, detail] = text.split(" ");
        if (word === "acked") this.acked.add(Number(seq));
        if (word === "failed") this.failed.set(Number(seq), detail);
      },
    });
  }

  ready(deadlineMs: number): Promise<unknown> {
    return this.#process.waitUntil(
      () => this.#process.lines.find((l) => l.text === "ready"),
      "the producer's ready line",
      deadlineMs,
    );
  }

  async send(payload: string): Promise<void> {
    await this.#process.writeLine(payload);
    this.sent++;
    for (const listener of this.#listeners) listener();
  }

  /** Resolves once `sent` reaches `count`. */
  sentReaches(count: number, deadlineMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.sent < count) return false;
        clearTimeout(timer);
        this.#listeners.splice(this.#listeners.indexOf(check), 1);
        resolve();
        return true;
      };
      const timer = setTimeout(() => {
        this.#listeners.splice(this.#listeners.indexOf(check), 1);
        reject(new DeadlineError(`timed out after ${deadlineMs} ms waiting for ${count} sent`));
      }, deadlineMs);
      this.#listeners.push(check);
      check();
    });
  }

  /** Ends the input and waits until every message was acknowledged or failed. */
  async finish(deadlineMs: number): Promise<void> {
    await this.#process.closeStdin();
    const done = await this.#process.waitUntil(
      () => this.#process.lines.find((l) => l.text.startsWith("done "))?.text,
      "the producer's delivery reports",
      deadlineMs,
    );
    if (done !== "done 0") throw new Error(`producer ended with unflushed messages: ${done}`);
  }

  /** Rejects when the producer ends before {@link close} (a failed harness, not a result). */
  failure(): Promise<never> {
    return this.#process.status.then((status) => {
      if (this.#closing) return new Promise<never>(() => {});
      throw new Error(
        `the producer ended with code ${status.code}: ${this.#process.lastStderrLine()}`,
      );
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#process.closeStdin();
    await this.#process.stop("SIGTERM", 5_000);
  }
}

/** Waits, on the subject's own events when it has them, until `check` holds. */
function subjectReaches(
  subject: Subject,
  check: () => boolean,
  what: string,
  deadlineMs: number,
): Promise<void> {
  const listeners: (() => void)[] = [];
  return withDeadline(
    new Promise<void>((resolve) => {
      const recheck = () => {
        if (check() || subject.died?.()) resolve();
      };
      if (subject.onChange) {
        subject.onChange(recheck);
        listeners.push(recheck);
      } else {
        // A subject without events is polled.
        const timer = setInterval(recheck, 20);
        listeners.push(() => clearInterval(timer));
      }
      recheck();
    }),
    deadlineMs,
    `${what} (${subject.name})`,
  ).finally(() => {
    if (!subject.onChange) listeners.forEach((stop) => stop());
  });
}

/**
 * Runs one scenario for one subject on a fresh three-broker mock cluster and returns what it
 * measured. Failures of the harness itself (the cluster or the producer) are returned in `error`,
 * with whatever was counted until then; everything started is stopped either way.
 */
export async function runScenario(
  scenario: Scenario,
  makeSubject: () => Subject,
  options: RunOptions = {},
): Promise<ScenarioResult> {
  const {
    rate = 50,
    warmup = 25,
    afterFault = 50,
    deadlineMs = 120_000,
    faultDeadlineMs = 20_000,
    drainMs = scenario.drainMs ?? 20_000,
    topic = "gracedb.superevent",
    payload = scenario.payload ?? gracedbAlert,
  } = options;
  const group = `fault-${scenario.name}-${crypto.randomUUID().slice(0, 8)}`;
  const subject = makeSubject();
  const result: ScenarioResult = {
    scenario: scenario.name,
    subject: subject.name,
    sent: 0,
    acked: 0,
    failed: 0,
    received: 0,
    missing: 0,
    duplicated: 0,
    faultSeconds: 0,
    notes: [],
  };
  const ends = Date.now() + deadlineMs;
  const left = () => Math.max(1, ends - Date.now());
  let cluster: MockCluster | undefined;
  let producer: AlertProducer | undefined;
  let sending = true;
  let sender: Promise<void> | undefined;
  let faultStart: number | undefined;
  let faultEnd: number | undefined;
  let measuredUntil: number | undefined;
  try {
    cluster = await MockCluster.start({ brokers: 3 });
    await cluster.createTopic(topic, 1, 3);
    await cluster.setLeader(topic, 0, LEADER);
    await cluster.setCoordinator("group", group, COORDINATOR);
    const mock = cluster;

    await withDeadline(
      subject.start(mock.broker(SEED), topic, group),
      left(),
      `${subject.name} to start`,
    );
    const live = new AlertProducer(mock.bootstrap, topic, 30_000);
    producer = live;
    await live.ready(left());

    const interval = 1000 / rate;
    let target = Infinity;
    sender = (async () => {
      let next = performance.now();
      while (sending && live.sent < target) {
        await live.send(payload(live.sent + 1));
        next += interval;
        const wait = next - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    })();

    // Fault a subject that is caught up: it has read `warmup` messages and is at most two behind.
    const caughtUp = () => {
      const received = subject.received();
      return new Set(received).size >= warmup && Math.max(...received) >= live.sent - 2;
    };
    const producerFailed = live.failure();
    producerFailed.catch(() => {});
    await Promise.race([
      subjectReaches(
        subject,
        caughtUp,
        `${warmup} messages and no backlog before the fault`,
        left(),
      ),
      producerFailed,
    ]);
    if (subject.died?.()) throw new Error(`${subject.name} ended before the fault`);

    const context: FaultContext = {
      cluster: mock,
      topic,
      group,
      leader: LEADER,
      coordinator: COORDINATOR,
      whileSending: (count) => live.sentReaches(live.sent + count, left()),
      injectErrors: async (brokerId, apiKey, errors) => {
        await mock.pushBrokerErrors(brokerId, apiKey, errors);
        const until = Date.now() + Math.min(faultDeadlineMs, left());
        // The mock announces nothing when it uses an injected error: ask it (cheap, local).
        let pending = errors.length;
        while ((pending = await mock.pendingBrokerErrors(brokerId, apiKey)) > 0) {
          if (Date.now() > until || subject.died?.()) {
            result.notes.push(`${pending} of ${errors.length} injected errors never requested`);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      },
      restartSubject: async () => {
        if (!subject.restart) throw new Error(`${subject.name} cannot be restarted`);
        await subject.restart();
      },
    };
    faultStart = performance.now();
    await Promise.race([
      withDeadline(scenario.apply(context), left(), `the fault of ${scenario.name} to end`),
      producerFailed,
    ]);
    faultEnd = performance.now();
    result.faultSeconds = (faultEnd - faultStart) / 1000;

    target = live.sent + afterFault;
    await withDeadline(
      sender,
      left(),
      `the producer to send ${afterFault} messages after the fault`,
    );
    await live.finish(Math.min(left(), 45_000));

    const acked = live.acked;
    await subjectReaches(
      subject,
      () => [...acked].every((seq) => subject.received().includes(seq)),
      "every acknowledged message",
      Math.min(drainMs, left()),
    ).catch((error) => {
      if (!(error instanceof DeadlineError)) throw error;
      result.notes.push(`not every acknowledged message arrived within ${drainMs / 1000} s`);
    });
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    measuredUntil = performance.now();
    sending = false;
    await sender?.catch(() => {});
    const died = subject.died?.();
    await subject.stop().catch((error) => result.notes.push(`stopping ${subject.name}: ${error}`));
    await producer?.close().catch(() => {});
    await cluster?.close().catch(() => {});
    if (died) result.died = died;
  }

  const received = subject.received();
  const arrivals = subject.arrivals?.() ?? [];
  const seen = new Set(received);
  const acked = producer?.acked ?? new Set<number>();
  result.sent = producer?.sent ?? 0;
  result.acked = acked.size;
  result.failed = producer?.failed.size ?? 0;
  result.received = received.length;
  result.missing = [...acked].filter((seq) => !seen.has(seq)).length;
  result.duplicated = received.length - seen.size;
  if (result.missing > 0 || result.died || result.error) {
    result.stderrTail = subject.stderrTail?.(5);
  }
  if (faultEnd !== undefined) {
    const first = arrivals.find((at) => at > faultEnd!);
    if (first !== undefined) result.recoverSeconds = (first - faultEnd) / 1000;
  }
  if (faultStart !== undefined) {
    let last = faultStart;
    let gap = 0;
    for (const at of arrivals.filter((at) => at > faultStart!)) {
      gap = Math.max(gap, at - last);
      last = at;
    }
    // A subject that stopped receiving was silent until the measurement ended.
    if (result.missing > 0) gap = Math.max(gap, measuredUntil - last);
    result.gapSeconds = gap / 1000;
  }
  return result;
}

/** One line: `leader-move kcat: sent 200 acked 200 received 203 missing 0 dup 3 recover 0.4 s`. */
export function formatResult(r: ScenarioResult): string {
  const recover = r.recoverSeconds === undefined ? "never" : `${r.recoverSeconds.toFixed(2)} s`;
  let line = `${r.scenario} ${r.subject}: sent ${r.sent} acked ${r.acked} received ${r.received} ` +
    `missing ${r.missing} dup ${r.duplicated} recover ${recover} (fault ${
      r.faultSeconds.toFixed(2)
    } s, longest gap ${r.gapSeconds === undefined ? "-" : r.gapSeconds.toFixed(2)} s)`;
  if (r.failed) line += `; ${r.failed} not acknowledged`;
  if (r.died) {
    line += `; ${r.subject} DIED with exit code ${r.died.code}` +
      (r.died.signal ? ` (${r.died.signal})` : "") + `: ${r.died.lastStderr || "(no stderr)"}`;
  }
  for (const note of r.notes) line += `; ${note}`;
  if (r.error) line += `; ERROR: ${r.error.split("\n")[0]}`;
  return line;
}

/**
 * A side-by-side table: scenario | subject | sent | acked | received | missing | dup | recover s |
 * gap s | outcome (ok, or how the subject died, or what went wrong).
 */
export function formatTable(results: ScenarioResult[]): string {
  const header = [
    "scenario",
    "subject",
    "sent",
    "acked",
    "received",
    "missing",
    "dup",
    "recover s",
    "gap s",
    "outcome",
  ];
  const rows = results.map((r) => [
    r.scenario,
    r.subject,
    String(r.sent),
    String(r.acked),
    String(r.received),
    String(r.missing),
    String(r.duplicated),
    r.recoverSeconds === undefined ? "never" : r.recoverSeconds.toFixed(2),
    r.gapSeconds === undefined ? "-" : r.gapSeconds.toFixed(2),
    outcome(r),
  ]);
  const left = (column: number) => column < 2 || column === header.length - 1;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    `| ${
      cells.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")
    } |`;
  return [
    line(header),
    `|${widths.map((w, i) => (left(i) ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

function outcome(r: ScenarioResult): string {
  const parts: string[] = [];
  if (r.died) {
    parts.push(
      `died: exit ${r.died.code}${r.died.signal ? ` (${r.died.signal})` : ""}: ` +
        (r.died.lastStderr || "(no stderr)"),
    );
  }
  if (r.error) parts.push(`error: ${r.error.split("\n")[0]}`);
  if (r.failed) parts.push(`${r.failed} not acknowledged`);
  parts.push(...r.notes);
  return parts.length ? parts.join("; ").slice(0, 160) : "ok";
}

/** A subject that is a child process printing one message per stdout line. */
abstract class ProcessSubject implements Subject {
  abstract readonly name: string;
  #process?: LineProcess;
  readonly #seqs: number[] = [];
  readonly #times: number[] = [];
  readonly #listeners: (() => void)[] = [];
  #stopping = false;
  #args?: [string, string, string];

  /** The command line for the subject. */
  protected abstract command(
    bootstrap: string,
    topic: string,
    group: string,
  ): { command: string; args: string[]; env?: Record<string, string> };

  /** A stderr pattern that says the subject is running; undefined: running once spawned. */
  protected abstract readonly readyPattern?: RegExp;

  /** How long {@link start} waits for the ready pattern. */
  protected readonly startDeadlineMs: number = 60_000;

  async start(bootstrap: string, topic: string, group: string): Promise<void> {
    this.#args = [bootstrap, topic, group];
    const { command, args, env } = this.command(bootstrap, topic, group);
    const process = new LineProcess(command, args, {
      name: this.name,
      env,
      onLine: ({ text, at }) => {
        const seq = seqOf(text);
        if (seq === undefined) return;
        this.#seqs.push(seq);
        this.#times.push(at);
        for (const listener of this.#listeners) listener();
      },
    });
    this.#process = process;
    process.status.then(() => this.#listeners.forEach((listener) => listener()));
    const ready = this.readyPattern;
    if (ready) {
      await process.waitUntil(
        () => ready.test(process.stderr) || undefined,
        `its ready line ${ready}`,
        this.startDeadlineMs,
      );
    }
  }

  received(): number[] {
    return this.#seqs;
  }

  arrivals(): number[] {
    return this.#times;
  }

  stderrTail(lines: number): string[] {
    const text = this.#process?.stderr.trimEnd() ?? "";
    return text ? text.split("\n").slice(-lines) : [];
  }

  died(): ExitReport | undefined {
    return this.#stopping ? undefined : this.#process?.exitReport();
  }

  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  async restart(): Promise<void> {
    if (!this.#process || !this.#args) throw new Error(`${this.name} was never started`);
    await this.#process.stop("SIGKILL", 5_000);
    // start() replaces the process at once; its ready line is waited for in the background
    // (the run measures from here to the first message).
    this.start(...this.#args).catch(() => {});
  }

  async stop(): Promise<void> {
    if (!this.#process) return;
    this.#stopping = this.#process.exit === undefined;
    await this.#process.stop("SIGTERM", 10_000);
  }
}

/** `kcat -G`: librdkafka's balanced consumer, committing every 500 ms, going on after errors. */
export class KcatSubject extends ProcessSubject {
  readonly name = "kcat";
  protected readonly readyPattern = undefined;

  protected command(bootstrap: string, topic: string, group: string) {
    return {
      command: "kcat",
      args: [
        "-b",
        bootstrap,
        "-G",
        group,
        "-X",
        "auto.offset.reset=earliest",
        "-X",
        "auto.commit.interval.ms=500",
        "-X",
        "session.timeout.ms=6000",
        "-E",
        "-u",
        "-f",
        "%s\n",
        topic,
      ],
    };
  }
}

/**
 * Our CLI: `igwn-alert --no-auth --server kafka://SEED/ listen -g PREFIX NAME -c GROUP --earliest`,
 * with the topic's first dot-separated part as the GraceDB group (topics are `<group>.<name>`).
 */
export class CliSubject extends ProcessSubject {
  readonly name = "igwn-alert";
  protected readonly readyPattern = /ready, listening/;
  readonly #log?: string;

  /** @param options.log the CLI's `--log` level (default: the CLI's own default) */
  constructor(options: { log?: string } = {}) {
    super();
    this.#log = options.log;
  }

  protected command(bootstrap: string, topic: string, group: string) {
    const dot = topic.indexOf(".");
    if (dot <= 0) throw new RangeError(`the CLI reads <group>.<topic> topics, not ${topic}`);
    return {
      command: Deno.execPath(),
      args: [
        "run",
        "-A",
        "--frozen",
        new URL("../../cli.ts", import.meta.url).pathname,
        "--no-auth",
        ...(this.#log ? ["--log", this.#log] : []),
        "--server",
        `kafka://${bootstrap}/`,
        "listen",
        "-g",
        topic.slice(0, dot),
        topic.slice(dot + 1),
        "-c",
        group,
        "--earliest",
      ],
      env: { NO_COLOR: "1" },
    };
  }
}
