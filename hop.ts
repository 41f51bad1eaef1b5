/**
 * Entry point of the `hop` command: hop-client's `publish`, `subscribe`, `list-topics`, `version`
 * and `auth`, with hop's flags and output (`deno run -A jsr:@igwn/alert/hop subscribe ...`).
 *
 * @example
 * ```ts ignore
 * import { runHop } from "jsr:@igwn/alert/hop";
 * Deno.exit(await runHop(["list-topics", "kafka://kafka.scimma.org"]));
 * ```
 *
 * @module
 */

export { runHop } from "./lib/cli/hop/main.ts";
import { runHop } from "./lib/cli/hop/main.ts";

if (import.meta.main) Deno.exit(await runHop(Deno.args));
