/**
 * Running kcat and python3 (confluent-kafka) from tests with time limits.
 *
 * @module
 */

/** Output of a finished (or killed) child process. */
export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array;
  timedOut: boolean;
}

/**
 * Runs a command, feeding `stdin`, and kills it after `timeoutMs`.
 *
 * @example
 * ```ts
 * const r = await runProcess("kcat", ["-V"]);
 * ```
 */
export async function runProcess(
  command: string,
  args: string[],
  options: { stdin?: string | Uint8Array; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<ProcessResult> {
  const child = new Deno.Command(command, {
    args,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: options.env,
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, options.timeoutMs ?? 30_000);
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(
      typeof options.stdin === "string" ? new TextEncoder().encode(options.stdin) : options.stdin,
    );
    await writer.close();
  }
  const out = await child.output();
  clearTimeout(timer);
  const text = new TextDecoder();
  return {
    code: out.code,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
    stdoutBytes: out.stdout,
    timedOut,
  };
}

/**
 * Runs kcat against a broker address with extra `-X` settings.
 *
 * @example
 * ```ts
 * await kcat("127.0.0.1:9092", ["-L"]);
 * ```
 */
export function kcat(
  bootstrap: string,
  args: string[],
  options: { stdin?: string | Uint8Array; timeoutMs?: number; config?: Record<string, string> } =
    {},
): Promise<ProcessResult> {
  const config = Object.entries(options.config ?? {}).flatMap(([k, v]) => ["-X", `${k}=${v}`]);
  return runProcess("kcat", ["-b", bootstrap, ...config, ...args], options);
}

/** Where a kcat consumer starts and what it prints. */
export interface KcatConsumeOptions {
  /** kcat `-o` value; default `beginning`. */
  offset?: string;
  /** Reads only this partition (`-p`). */
  partition?: number;
  /** Passes `-q` so that kcat prints nothing but the formatted messages. */
  quiet?: boolean;
  /** Kills kcat after this long; default 30 s. */
  timeoutMs?: number;
  /** librdkafka settings passed as `-X key=value`. */
  config?: Record<string, string>;
}

/**
 * Runs `kcat -C -e` on one topic: reads from `offset` to the current end and prints each message
 * with the `-f` format.
 *
 * @example
 * ```ts
 * const r = await kcatConsume("127.0.0.1:9092", "t", "%o %s\\n");
 * ```
 */
export function kcatConsume(
  bootstrap: string,
  topic: string,
  format: string,
  options: KcatConsumeOptions = {},
): Promise<ProcessResult> {
  const { offset = "beginning", partition, quiet = false, ...rest } = options;
  return kcat(bootstrap, [
    "-C",
    "-t",
    topic,
    ...(partition === undefined ? [] : ["-p", String(partition)]),
    "-o",
    offset,
    "-e",
    ...(quiet ? ["-q"] : []),
    "-f",
    format,
  ], rest);
}

/**
 * librdkafka settings that log in with SASL, over TLS trusting `caFile` when it is given.
 *
 * @example
 * ```ts
 * const config = rdkafkaSasl("alice", "pw", "SCRAM-SHA-256");
 * ```
 */
export function rdkafkaSasl(
  username: string,
  password: string,
  mechanism: string,
  caFile?: string,
): Record<string, string> {
  return {
    "security.protocol": caFile === undefined ? "SASL_PLAINTEXT" : "SASL_SSL",
    "sasl.mechanisms": mechanism,
    "sasl.username": username,
    "sasl.password": password,
    ...(caFile === undefined ? {} : { "ssl.ca.location": caFile }),
  };
}

/** The Debian python3 that has confluent_kafka (pyenv shims may shadow it on PATH). */
export const PYTHON = "/usr/bin/python3";

/**
 * Runs a Python script (confluent-kafka) with `BOOTSTRAP` and extra variables in its environment.
 *
 * @example
 * ```ts
 * await python("print('hi')", {});
 * ```
 */
export function python(
  script: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ProcessResult> {
  return runProcess(PYTHON, ["-c", script], { env, timeoutMs });
}
