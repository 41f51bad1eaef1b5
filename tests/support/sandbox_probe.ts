/**
 * A stand-in for a compromised dependency: started like the CLI (same start-up narrowing, run with
 * the compiled permission set), its worker tries to read the files named `read:PATH`, to write
 * those named `write:PATH` and to read the variables named `env:NAME`, and prints one line per
 * attempt, `ok WHAT` or `denied WHAT: error`.
 *
 * @module
 */

import { runSandboxed } from "../../lib/cli/sandbox.ts";

if (import.meta.main) {
  Deno.exit(
    await runSandboxed(Deno.args, {
      name: "probe",
      worker: new URL("./sandbox_probe_worker.ts", import.meta.url),
    }),
  );
}
