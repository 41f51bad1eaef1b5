/**
 * Entry point of the `igwn-alert` command: runs the CLI with the permissions this run needs (see
 * `lib/cli/sandbox.ts`).
 *
 * @module
 */

import { runSandboxed } from "./lib/cli/sandbox.ts";

if (import.meta.main) Deno.exit(await runSandboxed(Deno.args));
