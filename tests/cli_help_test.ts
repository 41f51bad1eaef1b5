// The help of every command is held against a golden copy: `tests/testdata/help/<command>.txt`
// (`igwn-alert.txt` for the program, `auth-add.txt` for `igwn-alert auth add`), and the program
// help also against `lib/cli/_program_help.ts`, which `igwn-alert --help` prints without loading
// commander. After changing a command, a flag or a description, rewrite all of them at once with
//
//   UPDATE_GOLDEN=1 deno test -A --frozen tests/cli_help_test.ts
//
// and review the diff: it is exactly what users will see.

import assert from "node:assert/strict";
import type { Command } from "commander";
import { addOtherCommands, buildProgram, prepareSubcommands } from "../lib/cli/_program.ts";
import { cliRuntimeFlags } from "../lib/cli/permissions.ts";
import { CLI_PATH, DENO_DIR, makeHome, runCliProcess } from "./support/cli.ts";
import { runProcess } from "./support/processes.ts";
import { test } from "./support/deadline.ts";

const UPDATE = Deno.env.get("UPDATE_GOLDEN") === "1";
const HELP_MODULE = new URL("../lib/cli/_program_help.ts", import.meta.url);
const HELP_DIR = new URL("./testdata/help/", import.meta.url);

/** The full program, as `igwn-alert` builds it for program help. */
async function fullProgram(): Promise<Command> {
  const program = buildProgram("1.0.0");
  await addOtherCommands(program);
  prepareSubcommands(program);
  return program;
}

/** Every command with its words after `igwn-alert` (none for the program). */
function commandsOf(program: Command): { words: string[]; command: Command }[] {
  const found: { words: string[]; command: Command }[] = [];
  const visit = (command: Command, words: string[]) => {
    found.push({ words, command });
    for (const sub of command.commands) visit(sub, [...words, sub.name()]);
  };
  visit(program, []);
  return found;
}

function goldenName(words: string[]): string {
  return words.length === 0 ? "igwn-alert.txt" : `${words.join("-")}.txt`;
}

function helpModuleSource(help: string): string {
  const literal = help.replaceAll("\\", "\\\\").replaceAll("`", "\\`").replaceAll("${", "\\${");
  return [
    "// Written by `UPDATE_GOLDEN=1 deno test -A --frozen tests/cli_help_test.ts` from the",
    "// commander program in `_program.ts`; that test fails whenever the two differ.",
    "",
    "/** Program help, printed by `main.ts` for `igwn-alert`, `--help`, `-h` and `help` so that",
    " * these do not load commander. */",
    "export const PROGRAM_HELP: string = `" + literal + "`;",
    "",
  ].join("\n");
}

/** Rewrites every golden copy from the program and removes those of commands that are gone. */
async function updateGolden(): Promise<void> {
  const program = await fullProgram();
  await Deno.mkdir(HELP_DIR, { recursive: true });
  const written = new Set<string>();
  for (const { words, command } of commandsOf(program)) {
    const name = goldenName(words);
    await Deno.writeTextFile(new URL(name, HELP_DIR), command.helpInformation());
    written.add(name);
  }
  for await (const entry of Deno.readDir(HELP_DIR)) {
    if (!written.has(entry.name)) await Deno.remove(new URL(entry.name, HELP_DIR));
  }
  await Deno.writeTextFile(HELP_MODULE, helpModuleSource(program.helpInformation()));
}

if (UPDATE) await updateGolden();
// Imported after the update, so that an updating run checks what it wrote.
const { PROGRAM_HELP } = await import("../lib/cli/_program_help.ts");

async function golden(words: string[]): Promise<string> {
  return await Deno.readTextFile(new URL(goldenName(words), HELP_DIR));
}

const RERUN = "rewrite with `UPDATE_GOLDEN=1 deno test -A --frozen tests/cli_help_test.ts`";

test("every command's help is identical to its golden copy, and each copy has a command", async () => {
  const commands = commandsOf(await fullProgram());
  for (const { words, command } of commands) {
    assert.equal(command.helpInformation(), await golden(words), `${words.join(" ")}: ${RERUN}`);
  }
  const files = (await Array.fromAsync(Deno.readDir(HELP_DIR))).map((entry) => entry.name).sort();
  assert.deepEqual(files, commands.map(({ words }) => goldenName(words)).sort(), RERUN);
  assert.ok(files.includes("listen.txt") && files.includes("auth-add.txt"));
});

test("stored program help is identical to commander's help with the real commands", async () => {
  const expected = (await fullProgram()).helpInformation();
  assert.equal(PROGRAM_HELP, expected, RERUN);
  assert.equal(PROGRAM_HELP, await golden([]));
  assert.match(expected, /\n {2}broker \[options\] /);
  assert.match(expected, /\n {2}-V, --version /);
});

/** The option flags listed under `title` in a help text. */
function section(help: string, title: string): string[] {
  const start = help.indexOf(`\n${title}\n`);
  if (start < 0) return [];
  const body = help.slice(start + title.length + 2).split("\n\n")[0];
  return body.split("\n").filter((line) => /^ {2}-/.test(line)).map((line) =>
    line.trim().split(/ {2,}/)[0]
  );
}

const GLOBAL_TITLE = "Global options (also accepted before the command):";
const CONNECTION_FLAGS = [
  "--no-auth",
  "-g, --group <group>",
  "-l, --log <level>",
  "-n, --netrc [file]",
  "-p, --port <port>",
  "-s, --server <url>",
  "-u, --username <name>",
  "--auth-file <file>",
  "--no-tls",
  "--ca-file <file>",
  "--timeout <seconds>",
];
const LISTEN_FLAGS = [
  "-c, --consumer-group <id>",
  "-j, --jsonpp",
  "-r, --retry-on-fatal",
  "-t, --listen_retries <n>",
  "-w, --retry_wait <seconds>",
];

test("a subcommand lists its own options first, then only the global flags it takes", async () => {
  const listen = await golden(["listen"]);
  assert.ok(listen.indexOf("\nOptions:\n") < listen.indexOf(`\n${GLOBAL_TITLE}\n`));
  assert.deepEqual(section(listen, "Options:"), [
    "--earliest",
    "--since <time>",
    "--last <n>",
    "--reset-offsets",
    "--count <n>",
    "--raw",
    "--format <format>",
    "--type <types>",
    "--uid <pattern>",
    "--label <name>",
    "--without-label <name>",
    "--far-max <hz>",
    "--significant",
    "--pipeline <name>",
    "--search <name>",
    "--event-group <name>",
    "--where <expr>",
    "--exec <command>",
    "--config <file>",
    "--exec-timeout <seconds>",
    "--retries <n>",
    "--concurrency <n>",
    "--dead-letter <file>",
    "--output <file>",
    "--output-max-mb <mb>",
    "--metrics <host:port>",
    "--health-max-lag <n>",
    "--log-format <format>",
    "-h, --help",
  ]);
  assert.deepEqual(
    new Set(section(listen, GLOBAL_TITLE)),
    new Set([...CONNECTION_FLAGS, ...LISTEN_FLAGS]),
  );
  for (const name of ["topics", "send"]) {
    const help = await golden([name]);
    assert.deepEqual(section(help, GLOBAL_TITLE), CONNECTION_FLAGS, name);
    for (const flag of LISTEN_FLAGS) assert.ok(!help.includes(flag), `${name} shows ${flag}`);
  }
  assert.deepEqual(section(await golden(["topics"]), "Options:"), ["-h, --help"]);
  assert.deepEqual(section(await golden(["send"]), "Options:"), [
    "--text",
    "--object",
    "-h, --help",
  ]);
  // The program has no "global" heading: all its flags are its own.
  assert.equal(section(PROGRAM_HELP, GLOBAL_TITLE).length, 0);
  for (const name of ["subscriptions", "unsubscribe", "auth", "broker", "playground"]) {
    assert.equal(section(await golden([name]), GLOBAL_TITLE).length, 0, name);
  }
});

test("a flag that does not apply to a subcommand is refused after it, accepted before it", async () => {
  const home = await makeHome();
  const after = await runCliProcess(["topics", "-c", "my-group"], { home });
  assert.deepEqual([after.code, after.stdout, after.stderr], [
    2,
    "",
    "igwn-alert: unknown option '-c'\n",
  ]);
  // Python order, as the Python tool accepts it: reaches the connection (nothing listens there).
  const before = await runCliProcess(
    ["-c", "my-group", "-s", "kafka://127.0.0.1:1/", "--no-auth", "--timeout", "0.5", "topics"],
    { home },
  );
  assert.equal(before.code, 1, before.stderr);
  assert.match(before.stderr, /^igwn-alert: .*127\.0\.0\.1:1/);
});

test("every command has a description, not wrapped mid-sentence", async () => {
  for (const { words, command } of commandsOf(await fullProgram())) {
    const name = words.join(" ") || "program";
    const help = await golden(words);
    const [usage, blank, ...rest] = help.split("\n");
    assert.match(usage, /^Usage: igwn-alert/, name);
    assert.equal(blank, "", name);
    const description = rest.slice(0, rest.indexOf(""));
    assert.match(description[0] ?? "", /^[A-Z]/, `${name}: no description`);
    // A short line that does not end a sentence is a line broken by hand, then wrapped again.
    for (const line of description.slice(0, -1)) {
      assert.ok(line.length > 60 || /[.:]$/.test(line), `${name}: wrapped mid-sentence: ${line}`);
    }
    if (words.length === 1) {
      assert.ok(command.summary(), `${words[0]}: no summary for the program's command list`);
      assert.match(command.summary(), /^[a-z]/, `${words[0]}: summary styled unlike the others`);
      assert.doesNotMatch(command.summary(), /\.$/, words[0]);
    }
    for (const line of help.split("\n")) {
      assert.ok(line.length <= 80, `${words.join(" ")}: line longer than 80 columns: ${line}`);
    }
  }
});

test("broker's numeric defaults are shown as numbers", async () => {
  const broker = await golden(["broker"]);
  assert.match(
    broker,
    /--port <port> +port to listen on \(0 = any free port\)\s+\(default: 9092\)/,
  );
  assert.match(broker, /more members \(default: 0\)/);
  assert.doesNotMatch(broker, /"9092"|"0"/);
});

test("--timeout is documented as more than 0 in every command that takes it", async () => {
  for (const words of [[], ["listen"], ["topics"], ["send"]]) {
    const help = (await golden(words)).replace(/\s+/g, " ");
    assert.ok(
      help.includes(
        "--timeout <seconds> give up connecting after this many seconds (> 0) (default: 10)",
      ),
      words.join(" "),
    );
  }
});

test("help is the same in a terminal of any width", async () => {
  for (const columns of [40, 200]) {
    const program = await fullProgram();
    for (const { words, command } of commandsOf(program)) {
      command.configureOutput({
        getOutHelpWidth: () => columns,
        getErrHelpWidth: () => columns,
      });
      const expected = await golden(words);
      assert.equal(command.helpInformation(), expected, `${words.join(" ")} at ${columns}`);
      assert.equal(command.helpInformation({ error: true }), expected, `${words.join(" ")}`);
    }
  }
});

test("--help, -h and help print the program help on stdout and exit 0", async () => {
  const home = await makeHome();
  // `-j --help` goes through commander: both ways must print the same text.
  for (const args of [["--help"], ["-h"], ["help"], ["-j", "--help"]]) {
    const result = await runCliProcess(args, { home });
    assert.equal(result.code, 0, args.join(" "));
    assert.equal(result.stdout, PROGRAM_HELP, args.join(" "));
    assert.equal(result.stderr, "", args.join(" "));
  }
});

test("each command's --help prints its golden copy on stdout and exits 0", async () => {
  const home = await makeHome();
  // `igwn-alert hop` is hop's own command line, whose help hop's tests hold.
  const commands = commandsOf(await fullProgram())
    .filter(({ words }) => words.length > 0 && words[0] !== "hop");
  for (const { words } of commands) {
    const result = await runCliProcess([...words, "--help"], { home });
    assert.deepEqual(
      [result.code, result.stdout, result.stderr],
      [0, await golden(words), ""],
      words.join(" "),
    );
  }
  const viaHelp = await runCliProcess(["help", "topics"], { home });
  assert.deepEqual([viaHelp.code, viaHelp.stdout], [0, await golden(["topics"])]);
  const hop = await runCliProcess(["hop", "--help"], { home });
  assert.deepEqual([hop.code, hop.stderr], [0, ""]);
  assert.match(hop.stdout, /^Usage: igwn-alert hop /);
  assert.match(hop.stdout, /\n {2}subscribe \[options\] <url> /);
});

test("igwn-alert without arguments prints the program help on stderr and exits 2", async () => {
  const result = await runCliProcess([], { home: await makeHome() });
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, PROGRAM_HELP);
});

test("program help and --version answer without loading commander", async () => {
  // A configuration whose `commander` throws when loaded: only the fast paths still work.
  const dir = await Deno.makeTempDir({ prefix: "igwn-alert-no-commander-" });
  try {
    const poisoned = `${dir}/commander.js`;
    await Deno.writeTextFile(poisoned, 'throw new Error("commander was loaded");\n');
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({ imports: { commander: new URL(`file://${poisoned}`).href } }),
    );
    const home = await makeHome();
    const run = async (args: string[]) => {
      const { code, stdout, stderr } = await runProcess(Deno.execPath(), [
        "run",
        "--no-lock",
        "--no-prompt",
        `--config=${dir}/deno.json`,
        ...cliRuntimeFlags(),
        CLI_PATH,
        ...args,
      ], { env: { HOME: home, DENO_DIR, NO_COLOR: "1" }, clearEnv: true, timeoutMs: 60_000 });
      return { code, stdout, stderr };
    };
    for (const args of [["--help"], ["-h"], ["help"]]) {
      assert.deepEqual(await run(args), { code: 0, stdout: PROGRAM_HELP, stderr: "" });
    }
    assert.deepEqual(await run([]), { code: 2, stdout: "", stderr: PROGRAM_HELP });
    assert.equal((await run(["--version"])).code, 0);
    // The poisoned configuration is in effect: anything else does load commander.
    const listen = await run(["listen", "--help"]);
    assert.notEqual(listen.code, 0);
    assert.match(listen.stderr, /commander/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
