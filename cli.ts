/**
 * Entry point of the `igwn-alert` command.
 *
 * @module
 */

import { runCli } from "./lib/cli/main.ts";

if (import.meta.main) Deno.exit(await runCli(Deno.args));
