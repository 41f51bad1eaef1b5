// `igwn-alert --help` answers from `lib/cli/_program_help.ts` without loading commander. These
// tests keep that text identical to commander's own program help; after changing a command or
// flag, rewrite it with `deno test -A --frozen tests/cli_help_test.ts -- --update`.

import assert from "node:assert/strict";
import { addOtherCommands, buildProgram, prepareSubcommands } from "../lib/cli/_program.ts";
import { PROGRAM_HELP } from "../lib/cli/_program_help.ts";
import { cliRuntimeFlags } from "../lib/cli/permissions.ts";
import { CLI_PATH, DENO_DIR, makeHome, runCliProcess } from "./support/cli.ts";
import { runProcess } from "./support/processes.ts";
import { test } from "./support/deadline.ts";

const HELP_MODULE = new URL("../lib/cli/_program_help.ts", import.meta.url);

async function commanderProgramHelp(): Promise<string> {
  const program = buildProgram("1.0.0");
  await addOtherCommands(program);
  prepareSubcommands(program);
  return program.helpInformation();
}

function helpModuleSource(help: string): string {
  const literal = help.replaceAll("\\", "\\\\").replaceAll("`", "\\`").replaceAll("${", "\\${");
  return [
    "// Written by `deno test -A --frozen tests/cli_help_test.ts -- --update` from the commander",
    "// program in `_program.ts`; that test fails whenever the two differ.",
    "",
    "/** Program help, printed by `main.ts` for `igwn-alert`, `--help`, `-h` and `help` so that",
    " * these do not load commander. */",
    "export const PROGRAM_HELP: string = `" + literal + "`;",
    "",
  ].join("\n");
}

test("stored program help is identical to commander's help with the real commands", async () => {
  const expected = await commanderProgramHelp();
  if (Deno.args.includes("--update")) {
    await Deno.writeTextFile(HELP_MODULE, helpModuleSource(expected));
    return;
  }
  assert.equal(
    PROGRAM_HELP,
    expected,
    "run with `-- --update` to rewrite lib/cli/_program_help.ts",
  );
  assert.match(expected, /\n {2}broker \[options\] /);
  assert.match(expected, /\n {2}-V, --version /);
});

test("program help is the same in a terminal of any width", async () => {
  for (const columns of [40, 200]) {
    const program = buildProgram("1.0.0");
    await addOtherCommands(program);
    prepareSubcommands(program);
    program.configureOutput({ getOutHelpWidth: () => columns, getErrHelpWidth: () => columns });
    assert.equal(program.helpInformation(), PROGRAM_HELP, `${columns} columns`);
    assert.equal(program.helpInformation({ error: true }), PROGRAM_HELP, `${columns} columns`);
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
