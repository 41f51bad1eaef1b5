// Kept for importers of the former module; the CLI process helpers live in support/cli.ts.

export {
  CLI_PATH,
  cliCommand,
  type CliResult,
  type CliRun,
  makeHome,
  runCliProcess,
} from "./support/cli.ts";
