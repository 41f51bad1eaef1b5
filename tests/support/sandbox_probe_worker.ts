// The worker of `sandbox_probe.ts`: one attempt per argument, one line per attempt on stdout.

self.onmessage = (event: MessageEvent<string[]>) => {
  const lines: string[] = [];
  for (const arg of event.data) {
    const [kind, path] = [arg.slice(0, arg.indexOf(":")), arg.slice(arg.indexOf(":") + 1)];
    try {
      if (kind === "read") Deno.readFileSync(path);
      else if (kind === "write") Deno.writeTextFileSync(path, "probe\n", { append: true });
      else if (kind === "env") Deno.env.get(path);
      else continue;
      lines.push(`ok ${arg}`);
    } catch (error) {
      lines.push(`denied ${arg}: ${(error as Error).name}: ${(error as Error).message}`);
    }
  }
  console.log(lines.join("\n"));
  self.postMessage(0);
};
self.postMessage("loaded");
