/**
 * Command-line options of the benchmarks.
 *
 * @module
 */

/**
 * The positive integer after `--NAME` on the command line, or `fallback` when the option is not
 * given; anything else ends the benchmark with exit code 2 and one line naming the option.
 *
 * @param name the option without its dashes
 * @param fallback the value when the option is absent
 * @returns the value
 */
export function integerOption(name: string, fallback: number): number {
  const index = Deno.args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(Deno.args[index + 1]);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} needs a positive integer`);
    Deno.exit(2);
  }
  return value;
}
