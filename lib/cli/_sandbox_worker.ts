// The worker that runs the CLI with the permissions `sandbox.ts` chose for this run: it says it is
// loaded, receives the command-line arguments and answers with the exit code.

import { runCli } from "./main.ts";

self.onmessage = async (event: MessageEvent<string[]>) => {
  self.onmessage = null;
  const code = await runCli(event.data);
  self.postMessage(code);
};
self.postMessage("loaded");
