// What the hop commands share: logging flags, the credential choice, and the error prefix.

import { type Command, InvalidArgumentError } from "commander";
import { type Logger, type LogLevel, stderrLogger } from "../../hop/log.ts";
import { CliExit } from "../cli_exit.ts";

/** Flags every hop stream command has. */
export interface HopCommonFlags {
  auth: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

/** Adds `--no-auth`, `-q/--quiet` and `-v/--verbose`. */
export function addHopCommonOptions(command: Command): Command {
  return command
    .option("--no-auth", "connect without a credential (PLAINTEXT, no SASL, no _sender header)")
    .option("-q, --quiet", "log only errors")
    .option("-v, --verbose", "log progress and counts as well as warnings");
}

/** The logger for the flags: warnings by default, `-v` adds progress, `-q` keeps only errors. */
export function hopLogger(flags: HopCommonFlags): Logger {
  if (flags.quiet && flags.verbose) {
    throw new CliExit(2, "-q/--quiet and -v/--verbose exclude each other");
  }
  const level: LogLevel = flags.verbose ? "info" : flags.quiet ? "error" : "warning";
  return stderrLogger(level, "hop");
}

/** A commander parser for an integer of at least `min`. */
export function integerAtLeast(flag: string, min: number) {
  return (value: string): number => {
    const number = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(number) || number < min) {
      throw new InvalidArgumentError(`${flag} must be an integer >= ${min}, got '${value}'.`);
    }
    return number;
  };
}

/** A commander parser for a number of seconds >= 0. */
export function seconds(flag: string) {
  return (value: string): number => {
    const number = value.trim() === "" ? NaN : Number(value);
    if (!Number.isFinite(number) || number < 0) {
      throw new InvalidArgumentError(`${flag} must be a number of seconds >= 0, got '${value}'.`);
    }
    return number;
  };
}
