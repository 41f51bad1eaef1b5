/**
 * The built-in broker in a process of its own, for benchmarks that must not share an event loop
 * with what they measure.
 *
 * @module
 */

/** A broker process: its URL, its `host:port` for kcat, and a way to stop it. */
export interface BrokerProcess {
  url: string;
  bootstrap: string;
  close(): Promise<void>;
}

/** What else the broker process serves: SASL users, and a TLS listener (SASL_SSL with users). */
export interface BrokerProcessOptions {
  users?: { username: string; password: string }[];
  tls?: { certFile: string; keyFile: string };
}

/**
 * Starts `cli.ts broker` on a port it picks, with `topics`, and waits for its "listening on" line.
 *
 * @param topics the topics to create
 * @param options SASL users and TLS files; default plaintext without SASL
 * @returns the running broker
 */
export async function startBrokerProcess(
  topics: string[],
  options: BrokerProcessOptions = {},
): Promise<BrokerProcess> {
  const cli = new URL("../cli.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--frozen",
      cli,
      "broker",
      "--port",
      "0",
      ...topics.flatMap((topic) => ["--topic", topic]),
      ...(options.users ?? []).flatMap((user) => ["--user", `${user.username}:${user.password}`]),
      ...(options.tls
        ? ["--tls-cert", options.tls.certFile, "--tls-key", options.tls.keyFile]
        : []),
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  while (!output.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`broker exited before listening: ${output}`);
    output += value;
  }
  reader.releaseLock();
  const match = /listening on (kafka:\/\/([^:\s]+):(\d+))/.exec(output);
  if (!match) throw new Error(`unexpected broker output: ${output}`);
  return {
    url: match[1],
    bootstrap: `${match[2]}:${match[3]}`,
    async close() {
      child.kill("SIGTERM");
      await child.stdout.cancel().catch(() => {});
      await child.status;
    },
  };
}
