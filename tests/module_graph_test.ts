/**
 * The package's entry points load what their users need: the root module (`@igwn/alert`) only the
 * client and its Kafka layer, never the broker, the wire protocol or the playground, which have
 * their own entry points (`@igwn/alert/broker`, `@igwn/alert/playground`).
 *
 * The graphs come from `deno info --json`. Its graph also lists the targets of dynamic
 * `import()`s; mod.ts has one, the CLI it runs only as the main module, so what importing a module
 * loads is its graph walked along static imports only.
 */
import assert from "node:assert/strict";
import { runProcess } from "./support/processes.ts";
import { test } from "./support/deadline.ts";

const ROOT = new URL("../", import.meta.url);

/** Directories whose modules the root module must not load. */
const NOT_FROM_ROOT = ["lib/broker/", "lib/protocol/", "lib/playground/"];

interface Dependency {
  specifier: string;
  code?: { specifier?: string };
  type?: { specifier?: string };
  isDynamic?: boolean;
}

interface ModuleGraph {
  roots: string[];
  modules: { specifier: string; dependencies?: Dependency[] }[];
  redirects?: Record<string, string>;
}

/** `deno info --json` of a module of this repository (its path relative to the root). */
async function moduleGraph(path: string): Promise<ModuleGraph> {
  const result = await runProcess(
    Deno.execPath(),
    ["info", "--frozen", "--json", new URL(path, ROOT).pathname],
    { env: { NO_COLOR: "1" }, timeoutMs: 60_000 },
  );
  assert.equal(result.code, 0, `deno info ${path} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** The repository paths (e.g. "lib/hop/stream.ts") of the given module specifiers. */
function repositoryPaths(specifiers: Iterable<string>): string[] {
  const paths = [];
  for (const specifier of specifiers) {
    if (specifier.startsWith(ROOT.href)) paths.push(specifier.slice(ROOT.href.length));
  }
  return paths.sort();
}

/**
 * The modules loaded by importing the graph's root: its static imports (code and types) and
 * theirs, leaving out what is only reached through a dynamic `import()`.
 */
function staticModules(graph: ModuleGraph): string[] {
  return repositoryPaths(staticSpecifiers(graph));
}

/** As {@link staticModules}, as specifiers, with those of dependencies (`npm:` and the like). */
function staticSpecifiers(graph: ModuleGraph): string[] {
  const redirected = (specifier: string) => graph.redirects?.[specifier] ?? specifier;
  const bySpecifier = new Map(graph.modules.map((module) => [module.specifier, module]));
  const seen = new Set<string>();
  const pending = graph.roots.map(redirected);
  while (pending.length > 0) {
    const specifier = pending.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dependency of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dependency.isDynamic) continue;
      for (const target of [dependency.code?.specifier, dependency.type?.specifier]) {
        if (target) pending.push(redirected(target));
      }
    }
  }
  return [...seen];
}

/** Every module of the graph, dynamic imports' targets included. */
function allModules(graph: ModuleGraph): string[] {
  return repositoryPaths(graph.modules.map((module) => module.specifier));
}

const under = (paths: string[], directory: string) => paths.filter((p) => p.startsWith(directory));

test("importing mod.ts loads no broker, wire-protocol or playground module", async () => {
  const graph = await moduleGraph("mod.ts");
  const loaded = staticModules(graph);

  // The walk reaches the client and the layers beneath it...
  for (const path of ["lib/alert/client.ts", "lib/hop/stream.ts", "lib/kafka/producer.ts"]) {
    assert.ok(loaded.includes(path), `${path} is not in mod.ts's graph:\n${loaded.join("\n")}`);
  }
  // ...and nothing of the broker, the protocol or the playground.
  for (const directory of NOT_FROM_ROOT) {
    assert.deepEqual(under(loaded, directory), [], `importing mod.ts loads ${directory}`);
  }
  // The CLI is not loaded either: mod.ts imports it dynamically, and only when run.
  assert.deepEqual(under(loaded, "lib/cli/"), []);
  const mod = graph.modules.find((module) => module.specifier === new URL("mod.ts", ROOT).href);
  const dynamic = (mod?.dependencies ?? []).filter((dependency) => dependency.isDynamic);
  assert.deepEqual(dynamic.map((dependency) => dependency.specifier), ["./lib/cli/main.ts"]);
});

test("lib/broker/mod.ts is an entry point of its own, without the playground", async () => {
  const loaded = staticModules(await moduleGraph("lib/broker/mod.ts"));
  assert.ok(loaded.includes("lib/broker/broker.ts"), loaded.join("\n"));
  assert.notDeepEqual(under(loaded, "lib/protocol/"), [], "the broker loads no wire protocol");
  assert.deepEqual(under(loaded, "lib/playground/"), []);
  assert.deepEqual(under(loaded, "lib/cli/"), []);
});

test("lib/playground/mod.ts is an entry point of its own and loads the broker", async () => {
  const graph = await moduleGraph("lib/playground/mod.ts");
  const loaded = staticModules(graph);
  assert.ok(loaded.includes("lib/playground/simulate.ts"), loaded.join("\n"));
  assert.ok(loaded.includes("lib/broker/mod.ts"), loaded.join("\n"));
  assert.notDeepEqual(under(loaded, "lib/protocol/"), []);
  assert.deepEqual(under(allModules(graph), "lib/cli/"), []);
});

test("cli.ts loads only the project's own code before it narrows its permissions", async () => {
  // Everything cli.ts loads statically runs with the binary's file access without paths (see
  // lib/cli/sandbox.ts): no dependency may be among it, only the runtime's own node: modules. The
  // CLI proper loads in the worker.
  const loaded = staticSpecifiers(await moduleGraph("cli.ts"));
  const foreign = (specifier: string) =>
    !specifier.startsWith(ROOT.href) && !specifier.startsWith("node:");
  assert.deepEqual(loaded.filter(foreign), []);
  const paths = repositoryPaths(loaded);
  assert.ok(paths.includes("lib/cli/sandbox.ts"), paths.join("\n"));
  assert.ok(!paths.includes("lib/cli/_program.ts"), paths.join("\n"));
});
