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
