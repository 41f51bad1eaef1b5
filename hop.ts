/**
 * Entry point of the `hop` command: hop-client's `publish`, `subscribe`, `list-topics`, `version`,
 * `auth` and `configure`, with hop's flags and output
 * (`deno run -A jsr:@igwn/alert/hop subscribe ...`). Like `igwn-alert`, it runs with the
 * permissions this run needs (see `lib/cli/sandbox.ts`).
 *
 * @module
 */

import { HOP, runSandboxed } from "./lib/cli/sandbox.ts";

if (import.meta.main) Deno.exit(await runSandboxed(Deno.args, HOP));
