/**
 * `hop version`: the versions of this package, its runtime and its dependencies.
 *
 * @module
 */
import { Command } from "commander";
import denoConfig from "../../../deno.json" with { type: "json" };
import { writeStdout } from "../_output.ts";

/**
 * The `name==version` lines `hop version` prints: this package, Deno, V8, TypeScript, then every
 * npm dependency pinned in deno.json.
 *
 * @returns the lines, each ending with a newline
 */
export function versionLines(): string {
  const lines = [
    `${denoConfig.name}==${denoConfig.version}`,
    `deno==${Deno.version.deno}`,
    `v8==${Deno.version.v8}`,
    `typescript==${Deno.version.typescript}`,
  ];
  for (const specifier of Object.values(denoConfig.imports as Record<string, string>)) {
    const match = /^npm:(@?[^@]+)@(.+)$/.exec(specifier);
    if (match) lines.push(`${match[1]}==${match[2]}`);
  }
  return lines.map((line) => `${line}\n`).join("");
}

/**
 * Builds `version`.
 *
 * @returns the commander command
 */
export function versionCommand(): Command {
  return new Command("version")
    .description("list all the dependencies' versions")
    .action(() => writeStdout(versionLines()));
}
