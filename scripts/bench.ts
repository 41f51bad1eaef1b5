/**
 * Runs every benchmark under `scripts/bench_*.ts` one after the other and prints their tables.
 *
 * Usage: `deno task bench [area...]` (e.g. `deno task bench broker client`).
 *
 * @module
 */

const here = new URL(".", import.meta.url);
const wanted = new Set(Deno.args);
const scripts: string[] = [];
for await (const entry of Deno.readDir(here)) {
  const match = /^bench_(.+)\.ts$/.exec(entry.name);
  if (entry.isFile && match && (wanted.size === 0 || wanted.has(match[1]))) {
    scripts.push(entry.name);
  }
}
scripts.sort();
if (scripts.length === 0) {
  console.error(`no benchmark matches ${[...wanted].join(", ")}`);
  Deno.exit(2);
}

let failures = 0;
for (const name of scripts) {
  console.log(`\n## ${name.replace(/^bench_|\.ts$/g, "")}\n`);
  const started = performance.now();
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", new URL(name, here).pathname],
    stdin: "null",
  }).spawn().status;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.error(`${name}: exit ${code} after ${seconds} s`);
  if (code !== 0) failures++;
}
Deno.exit(failures === 0 ? 0 : 1);
