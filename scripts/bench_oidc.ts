/**
 * `igwn-alert listen` launch to ready with a SCRAM-SHA-512 credential and with an OpenID Connect
 * one (`token_endpoint`), side by side, against the same kind of broker: what the token fetch
 * costs at start-up. Each run is a fresh CLI process with its own auth.toml; the OIDC runs also
 * count the token requests each made (one expected: a token per start, none per message).
 *
 * The brokers and the token endpoint run in a helper process of their own (this script started
 * again with `--serve`), so that they do not share an event loop with the measurement.
 *
 * Usage: `deno run -A scripts/bench_oidc.ts [--quick]`.
 *
 * @module
 */

import { startBroker, startTokenEndpoint } from "../lib/broker/mod.ts";
import { cliRuntimeFlags } from "../lib/cli/permissions.ts";

const QUICK = Deno.args.includes("--quick");
const RUNS = QUICK ? 3 : 9;
const CLI = new URL("../cli.ts", import.meta.url).pathname;
const USER = { username: "bench", password: "bench-secret" };
const decoder = new TextDecoder();

/** The helper: a SCRAM broker, an OIDC broker and their token endpoint; prints their addresses. */
async function serve(): Promise<void> {
  const endpoint = await startTokenEndpoint({
    clients: [{ clientId: USER.username, clientSecret: USER.password }],
  });
  const topics = ["gracedb.superevent"];
  const scram = await startBroker({ port: 0, topics, users: [USER], logger: () => {} });
  const oidc = await startBroker({
    port: 0,
    topics,
    oauthBearer: { publicKey: endpoint.publicKey, audience: endpoint.audience },
    logger: () => {},
  });
  console.log(JSON.stringify({ scram: scram.url, oidc: oidc.url, tokenEndpoint: endpoint.url }));
  // Each line on stdin asks how many tokens were issued so far.
  for await (const _line of Deno.stdin.readable) {
    console.log(JSON.stringify({ issued: endpoint.requests.length }));
  }
  Deno.exit(0);
}

async function readLine(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`helper ended: ${text}`);
    text += decoder.decode(value);
  }
  return text.trim();
}

async function homeWith(entry: string): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "bench-oidc-" });
  await Deno.mkdir(`${home}/.config/hop`, { recursive: true });
  await Deno.writeTextFile(`${home}/.config/hop/auth.toml`, `[[auth]]\n${entry}`, { mode: 0o600 });
  return home;
}

/** Launches `listen` and returns the ms until its ready line. */
async function launchToReady(server: string, home: string): Promise<number> {
  const start = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--frozen",
      ...cliRuntimeFlags(),
      CLI,
      "-s",
      server,
      "listen",
      "superevent",
    ],
    env: { HOME: home },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.getReader();
  let text = "";
  while (!/ready, listening/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`listen ended before it was ready: ${text}`);
    text += decoder.decode(value);
  }
  const elapsed = performance.now() - start;
  child.kill("SIGTERM");
  reader.releaseLock();
  await child.stderr.cancel().catch(() => {});
  await child.status;
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const helper = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", new URL(import.meta.url).pathname, "--serve"],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = helper.stdout.getReader();
  const ask = helper.stdin.getWriter();
  const issued = async () => {
    await ask.write(new TextEncoder().encode("\n"));
    return JSON.parse(await readLine(lines)).issued as number;
  };
  try {
    const { scram, oidc, tokenEndpoint } = JSON.parse(await readLine(lines));
    const common = `username = "${USER.username}"\npassword = "${USER.password}"\n` +
      `protocol = "SASL_PLAINTEXT"\n`;
    const scramHome = await homeWith(`${common}mechanism = "SCRAM-SHA-512"\n`);
    const oidcHome = await homeWith(
      `${common}mechanism = "OAUTHBEARER"\ntoken_endpoint = "${tokenEndpoint}"\n`,
    );
    // One unmeasured run each, so that both find Deno's code cache warm.
    await launchToReady(`${scram}/`, scramHome);
    await launchToReady(`${oidc}/`, oidcHome);
    const scramTimes: number[] = [];
    const oidcTimes: number[] = [];
    const tokensPerRun: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      scramTimes.push(await launchToReady(`${scram}/`, scramHome));
      const before = await issued();
      oidcTimes.push(await launchToReady(`${oidc}/`, oidcHome));
      tokensPerRun.push((await issued()) - before);
    }
    const ms = (value: number) => `${value.toFixed(0)} ms`;
    const scramMedian = median(scramTimes);
    const oidcMedian = median(oidcTimes);
    console.log(
      `| \`listen\` launch to ready (median of ${RUNS}) | SCRAM-SHA-512 | OIDC (OAUTHBEARER) |`,
    );
    console.log("| --- | --- | --- |");
    console.log(
      `| time | ${ms(scramMedian)} | ${ms(oidcMedian)} (${oidcMedian >= scramMedian ? "+" : ""}${
        ms(oidcMedian - scramMedian)
      }) |`,
    );
    console.log(`| token requests per launch | — | ${[...new Set(tokensPerRun)].join(", ")} |`);
  } finally {
    await ask.close().catch(() => {});
    await helper.status;
  }
}

if (Deno.args.includes("--serve")) await serve();
else await main();
