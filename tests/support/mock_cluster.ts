/**
 * A three-broker Kafka cluster from librdkafka's mock API (`mock_cluster.c`), for tests whose
 * subject is Kafka behaviour itself: partition leaders that move, group coordinators that move,
 * brokers that go down and come back, requests that fail with retriable codes. librdkafka's
 * authors wrote the brokers, so what passes here does not merely agree with our own broker.
 *
 * The C program is compiled with gcc on first use and cached under the temporary directory,
 * keyed by the hash of its source. It needs gcc and librdkafka's headers (Debian: `gcc`,
 * `librdkafka-dev`); without them {@link MockCluster.start} throws {@link MockClusterUnavailable}.
 *
 * @example
 * ```ts ignore
 * await using cluster = await MockCluster.start({ brokers: 3 });
 * await cluster.createTopic("t", 1, 3);
 * await cluster.setLeader("t", 0, 2);
 * await cluster.brokerDown(2);
 * ```
 *
 * @module
 */

import { Condition, DeadlineError, withDeadline } from "./deadline.ts";

/** Kafka API keys, for choosing which requests a fault hits. */
export { ApiKey } from "../../lib/protocol/api.ts";

/** Kafka error codes the fault scenarios inject; all retriable. */
export const ErrorCode = {
  REQUEST_TIMED_OUT: 7,
  NOT_LEADER_OR_FOLLOWER: 6,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  REBALANCE_IN_PROGRESS: 27,
} as const;

/** gcc or librdkafka's headers are missing, so no mock cluster can be built. */
export class MockClusterUnavailable extends Error {
  override name = "MockClusterUnavailable";
}

/** The mock cluster answered a command with `error <text>`, or died. */
export class MockClusterError extends Error {
  override name = "MockClusterError";
}

/** How a child that ended on its own ended. */
export interface ExitReport {
  code: number;
  signal: Deno.Signal | null;
  /** Its last non-empty stderr line, or "" when it printed none. */
  lastStderr: string;
}

/** One line a child printed, with the `performance.now()` at which it was read. */
export interface TimedLine {
  text: string;
  at: number;
}

/** How {@link LineProcess} starts a child. */
export interface LineProcessOptions {
  /** How messages name the child; default: the command's base name. */
  name?: string;
  /** Environment additions. */
  env?: Record<string, string>;
  /** Whether the test writes to stdin (default false: /dev/null). */
  stdin?: boolean;
  /** Called for every complete stdout line as it arrives. */
  onLine?: (line: TimedLine) => void;
}

/**
 * A child process read line by line as it prints, with a writable stdin for processes driven by
 * commands. Every wait is event driven (a line arrived, the child ended) and has a deadline.
 */
export class LineProcess implements AsyncDisposable {
  /** How messages name the child. */
  readonly name: string;
  /** Complete stdout lines so far, each with the moment it was read. */
  readonly lines: TimedLine[] = [];
  /** Everything on stderr so far. */
  stderr = "";
  /** Settles once the child exited and its output was read. */
  readonly status: Promise<Deno.CommandStatus>;
  readonly #child: Deno.ChildProcess;
  readonly #changed = new Condition();
  readonly #writer?: WritableStreamDefaultWriter<Uint8Array>;
  #writes: Promise<void> = Promise.resolve();
  #exit?: Deno.CommandStatus;

  constructor(command: string, args: string[], options: LineProcessOptions = {}) {
    this.name = options.name ?? command.split("/").pop()!;
    this.#child = new Deno.Command(command, {
      args,
      env: options.env,
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (options.stdin) this.#writer = this.#child.stdin.getWriter();
    const pumps = Promise.all([
      this.#pump(this.#child.stdout, (text) => {
        const line = { text, at: performance.now() };
        this.lines.push(line);
        options.onLine?.(line);
      }),
      this.#pump(this.#child.stderr, undefined),
    ]);
    this.status = this.#child.status.then(async (status) => {
      await pumps;
      this.#exit = status;
      this.#changed.notify();
      return status;
    });
  }

  async #pump(stream: ReadableStream<Uint8Array>, onLine?: (line: string) => void) {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      if (!onLine) {
        this.stderr += text;
      } else {
        const parts = (partial + text).split("\n");
        partial = parts.pop()!;
        for (const part of parts) onLine(part);
      }
      this.#changed.notify();
    }
    if (onLine && partial) onLine(partial);
  }

  /** The exit status once the child has ended (and its output was read), else undefined. */
  get exit(): Deno.CommandStatus | undefined {
    return this.#exit;
  }

  /** The last non-empty stderr line, or "". */
  lastStderrLine(): string {
    return this.stderr.trimEnd().split("\n").pop()?.trim() ?? "";
  }

  /** How the child ended, or undefined while it runs. */
  exitReport(): ExitReport | undefined {
    if (!this.#exit) return undefined;
    return { code: this.#exit.code, signal: this.#exit.signal, lastStderr: this.lastStderrLine() };
  }

  /** Tells every wait to look again (for state kept outside this object). */
  notify(): void {
    this.#changed.notify();
  }

  /**
   * Resolves with what `check` returns once that is not undefined, re-checking on every line and
   * on exit. Fails after `deadlineMs` naming `what`, or at once when the child ended first.
   */
  waitUntil<T>(check: () => T | undefined, what: string, deadlineMs: number): Promise<T> {
    return this.#changed.wait(() => {
      const value = check();
      if (value !== undefined) return { value };
      if (this.#exit) {
        throw new MockClusterError(
          `${this.name} exited with code ${this.#exit.code} before ${what}; ` +
            `last stderr line: ${this.lastStderrLine() || "(none)"}`,
        );
      }
      return undefined;
    }, {
      deadlineMs,
      what: `${what} from ${this.name}`,
      detail: () =>
        `last stdout lines: ${this.lines.slice(-5).map((l) => l.text).join(" | ")}` +
        `\nstderr: ${this.stderr.slice(-2000)}`,
    }).then((found) => found.value);
  }

  /** Writes one line to stdin, in order with earlier writes. */
  writeLine(line: string): Promise<void> {
    const writer = this.#writer;
    if (!writer) return Promise.reject(new Error(`${this.name} was started without stdin`));
    const bytes = new TextEncoder().encode(`${line}\n`);
    this.#writes = this.#writes.then(() => writer.write(bytes));
    return this.#writes;
  }

  /** Closes stdin (the child sees end of input); safe to call twice. */
  async closeStdin(): Promise<void> {
    const writer = this.#writer;
    if (!writer) return;
    await this.#writes.catch(() => {});
    await writer.close().catch(() => {});
  }

  /** Sends a signal; nothing happens once the child has ended. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.#child.kill(signal);
    } catch { /* already ended */ }
  }

  /**
   * Sends `signal`, waits up to `graceMs` for the exit, then kills with SIGKILL. Returns the
   * exit status and whether SIGKILL was needed.
   */
  async stop(
    signal: Deno.Signal = "SIGTERM",
    graceMs = 10_000,
  ): Promise<{ status: Deno.CommandStatus; killed: boolean }> {
    if (this.#exit) return { status: this.#exit, killed: false };
    this.kill(signal);
    try {
      return {
        status: await withDeadline(this.status, graceMs, `${this.name} to exit`),
        killed: false,
      };
    } catch (error) {
      if (!(error instanceof DeadlineError)) throw error;
      this.kill("SIGKILL");
      return { status: await this.status, killed: true };
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.closeStdin();
    this.kill("SIGKILL");
    await this.status;
  }
}

const SOURCE = new URL("./mock_cluster.c", import.meta.url);

let building: Promise<string> | undefined;

/** Compiles `mock_cluster.c` once per source version and returns the binary's path. */
export function mockClusterBinary(): Promise<string> {
  building ??= build().catch((error) => {
    building = undefined;
    throw error;
  });
  return building;
}

async function build(): Promise<string> {
  const source = await Deno.readFile(SOURCE);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", source));
  const hash = [...digest.slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  const dir = `${tmp}/igwn-alert-mock-cluster-${hash}`;
  const binary = `${dir}/mock_cluster`;
  try {
    if ((await Deno.stat(binary)).isFile) return binary;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.mkdir(dir, { recursive: true });
  // Build beside the final name and rename, so that concurrent test files never run half a file.
  const partial = `${binary}.${crypto.randomUUID()}`;
  let output: Deno.CommandOutput;
  try {
    output = await withDeadline(
      new Deno.Command("gcc", {
        args: ["-O1", "-Wall", "-o", partial, SOURCE.pathname, "-lrdkafka"],
        stdout: "piped",
        stderr: "piped",
      }).output(),
      120_000,
      "gcc to compile mock_cluster.c",
    );
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new MockClusterUnavailable(
        "gcc is not installed; the mock Kafka cluster is compiled from tests/support/mock_cluster.c " +
          "(Debian: apt-get install gcc librdkafka-dev)",
      );
    }
    throw error;
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr);
    await Deno.remove(partial).catch(() => {});
    if (/rdkafka(_mock)?\.h|-lrdkafka|cannot find -lrdkafka/.test(stderr)) {
      throw new MockClusterUnavailable(
        "librdkafka's development files are missing (Debian: apt-get install librdkafka-dev); " +
          `gcc said:\n${stderr}`,
      );
    }
    throw new MockClusterError(`gcc could not compile ${SOURCE.pathname}:\n${stderr}`);
  }
  await Deno.rename(partial, binary);
  return binary;
}

/** Settings of {@link MockCluster.start}. */
export interface MockClusterOptions {
  /** Number of brokers, ids 1..n; default 3. */
  brokers?: number;
  /** Deadline for compiling and starting; default 120 s (compiling is the slow part). */
  startDeadlineMs?: number;
  /** Deadline for each command's answer; default 10 s. */
  commandDeadlineMs?: number;
}

/** One error a broker answers a request with, after an extra delay. */
export interface TimedError {
  code: number;
  rttMs?: number;
}

/** A running mock cluster: its bootstrap servers and the commands that change it. */
export class MockCluster implements AsyncDisposable {
  /** Comma-separated `127.0.0.1:port` of every broker, in broker id order. */
  readonly bootstrap: string;
  /** `127.0.0.1:port` of broker id `i + 1` at index `i`. */
  readonly brokers: readonly string[];
  readonly #process: LineProcess;
  readonly #commandDeadlineMs: number;
  #queue: Promise<unknown> = Promise.resolve();
  #sent = 0;
  #closed?: Promise<void>;

  private constructor(process: LineProcess, bootstrap: string, commandDeadlineMs: number) {
    this.#process = process;
    this.bootstrap = bootstrap;
    this.brokers = bootstrap.split(",");
    this.#commandDeadlineMs = commandDeadlineMs;
  }

  /**
   * Compiles the mock cluster when needed, starts it and waits for its bootstrap line.
   *
   * @throws {MockClusterUnavailable} when gcc or librdkafka-dev is missing
   */
  static async start(options: MockClusterOptions = {}): Promise<MockCluster> {
    const { brokers = 3, startDeadlineMs = 120_000, commandDeadlineMs = 10_000 } = options;
    const binary = await withDeadline(
      mockClusterBinary(),
      startDeadlineMs,
      "the mock cluster binary to build",
    );
    const process = new LineProcess(binary, [String(brokers)], {
      name: "mock_cluster",
      stdin: true,
    });
    try {
      const bootstrap = await process.waitUntil(
        () => process.lines[0]?.text,
        "the bootstrap servers line",
        startDeadlineMs,
      );
      if (!/^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+)*$/.test(bootstrap)) {
        throw new MockClusterError(`unexpected bootstrap line from mock_cluster: ${bootstrap}`);
      }
      return new MockCluster(process, bootstrap, commandDeadlineMs);
    } catch (error) {
      await process[Symbol.asyncDispose]();
      throw error;
    }
  }

  /** `127.0.0.1:port` of one broker. */
  broker(id: number): string {
    const address = this.brokers[id - 1];
    if (!address) {
      throw new RangeError(`no broker ${id} in a ${this.brokers.length}-broker cluster`);
    }
    return address;
  }

  /**
   * Sends one command line and resolves with whatever followed `ok` on the answer line.
   *
   * @throws {MockClusterError} on `error <text>`, when the cluster died, or past the deadline
   */
  query(line: string): Promise<string> {
    if (/[\r\n]/.test(line)) return Promise.reject(new RangeError("one command per line"));
    if (this.#closed) {
      return Promise.reject(new MockClusterError(`mock cluster closed; cannot run: ${line}`));
    }
    const run = async () => {
      // Line 0 is the bootstrap line; the answer to the n-th command is line n.
      const index = ++this.#sent;
      await this.#process.writeLine(line);
      const answer = await this.#process.waitUntil(
        () => this.#process.lines[index]?.text,
        `the answer to "${line}"`,
        this.#commandDeadlineMs,
      );
      if (answer === "ok") return "";
      if (answer.startsWith("ok ")) return answer.slice(3);
      throw new MockClusterError(`mock cluster: "${line}" failed: ${answer}`);
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => {});
    return result;
  }

  /** Sends one command line; resolves when it was answered `ok`. */
  async command(line: string): Promise<void> {
    await this.query(line);
  }

  /** Creates a topic (replication at most the number of brokers). */
  createTopic(topic: string, partitions = 1, replication = this.brokers.length): Promise<void> {
    return this.command(`create ${topic} ${partitions} ${replication}`);
  }

  /** Makes `brokerId` the partition's leader (-1: no leader). */
  setLeader(topic: string, partition: number, brokerId: number): Promise<void> {
    return this.command(`leader ${topic} ${partition} ${brokerId}`);
  }

  /** Makes `brokerId` the coordinator of a consumer group or a transactional id. */
  setCoordinator(kind: "group" | "transaction", key: string, brokerId: number): Promise<void> {
    return this.command(`coordinator ${kind} ${key} ${brokerId}`);
  }

  /** Disconnects a broker's clients and refuses new connections (leaders stay where they are). */
  brokerDown(brokerId: number): Promise<void> {
    return this.command(`down ${brokerId}`);
  }

  /** Accepts connections on a broker again. */
  brokerUp(brokerId: number): Promise<void> {
    return this.command(`up ${brokerId}`);
  }

  /** The next requests of `apiKey`, on whichever broker, fail with `codes` in order. */
  pushErrors(apiKey: number, codes: number[]): Promise<void> {
    return this.command(`errors ${apiKey} ${codes.join(" ")}`);
  }

  /** The next requests of `apiKey` to one broker fail with these codes, each after its delay. */
  pushBrokerErrors(brokerId: number, apiKey: number, errors: TimedError[]): Promise<void> {
    const pairs = errors.map((e) => `${e.code} ${e.rttMs ?? 0}`).join(" ");
    return this.command(`broker-errors ${brokerId} ${apiKey} ${pairs}`);
  }

  /** How many errors pushed with {@link pushBrokerErrors} are still waiting for a request. */
  async pendingBrokerErrors(brokerId: number, apiKey: number): Promise<number> {
    return Number(await this.query(`pending ${brokerId} ${apiKey}`));
  }

  /** Drops the unused errors queued with {@link pushErrors} for `apiKey`. */
  clearErrors(apiKey: number): Promise<void> {
    return this.command(`clear ${apiKey}`);
  }

  /** Delays every answer of a broker by `ms`. */
  setRtt(brokerId: number, ms: number): Promise<void> {
    return this.command(`rtt ${brokerId} ${ms}`);
  }

  /** Sends `quit`, waits for the exit (killing it after 10 s); safe to call twice. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#queue;
      await this.#process.writeLine("quit").catch(() => {});
      await this.#process.closeStdin();
      try {
        await withDeadline(this.#process.status, 10_000, "the mock cluster to quit");
      } catch {
        this.#process.kill("SIGKILL");
        await this.#process.status;
      }
    })();
    return this.#closed;
  }

  /** Whether the cluster process ended, and how. */
  exitReport(): ExitReport | undefined {
    return this.#process.exitReport();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
