/**
 * Runs `cli.ts broker` as a child process, as users do, and waits for its ready line.
 *
 * @module
 */

const CLI = new URL("../../cli.ts", import.meta.url).pathname;

/** A broker process started through the CLI. */
export interface CliBroker extends AsyncDisposable {
  /** The exact ready line printed on stdout. */
  readonly readyLine: string;
  readonly port: number;
  readonly address: string;
  readonly child: Deno.ChildProcess;
  /** Sends a signal and waits for the exit; returns the exit status and everything on stderr. */
  stop(signal?: Deno.Signal): Promise<{ code: number; stderr: string }>;
}

/**
 * Starts `deno run -A cli.ts broker ARGS` and resolves once it printed its ready line.
 *
 * @example
 * ```ts
 * await using b = await startCliBroker(["--port", "0"]);
 * ```
 */
export async function startCliBroker(args: string[], timeoutMs = 20_000): Promise<CliBroker> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", CLI, "broker", ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderrChunks: Uint8Array[] = [];
  const stderrDone = (async () => {
    for await (const chunk of child.stderr) stderrChunks.push(chunk);
  })();
  const stderrText = () =>
    new TextDecoder().decode(new Uint8Array(stderrChunks.flatMap((c) => [...c])));
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  clearTimeout(timer);
  const stdoutDone = (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  const readyLine = text.split("\n")[0];
  const match = /^listening on kafka:\/\/([^:]+):(\d+) \(/.exec(readyLine);
  if (!match) {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
    await stderrDone;
    throw new Error(`broker did not start: ${readyLine} ${stderrText()}`);
  }
  let stopped: Promise<{ code: number; stderr: string }> | undefined;
  const stop = (signal: Deno.Signal = "SIGTERM") => {
    stopped ??= (async () => {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      const status = await child.status;
      await stdoutDone;
      await stderrDone;
      return { code: status.code, stderr: stderrText() };
    })();
    return stopped;
  };
  return {
    readyLine,
    port: Number(match[2]),
    address: `${match[1]}:${match[2]}`,
    child,
    stop,
    async [Symbol.asyncDispose]() {
      await stop("SIGKILL");
    },
  };
}
