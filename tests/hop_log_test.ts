import { deepStrictEqual, throws } from "node:assert/strict";
import { type LogLevel, silentLogger, stderrLogger } from "../lib/hop/mod.ts";
import { test } from "./support/deadline.ts";

function capture(level: LogLevel): string[] {
  const lines: string[] = [];
  const log = stderrLogger(level, "igwn-alert", (line) => lines.push(line));
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  return lines;
}

test("stderrLogger() writes 'LEVEL name: message' lines at or above its level", () => {
  deepStrictEqual(capture("debug"), [
    "DEBUG igwn-alert: d\n",
    "INFO igwn-alert: i\n",
    "WARNING igwn-alert: w\n",
    "ERROR igwn-alert: e\n",
  ]);
  deepStrictEqual(capture("warning"), ["WARNING igwn-alert: w\n", "ERROR igwn-alert: e\n"]);
  deepStrictEqual(capture("critical"), []);
});

test("stderrLogger() uses the given name and rejects unknown levels", () => {
  const lines: string[] = [];
  stderrLogger("info", "hop", (line) => lines.push(line)).info("connecting");
  deepStrictEqual(lines, ["INFO hop: connecting\n"]);
  throws(() => stderrLogger("loud" as LogLevel), /unknown log level 'loud'/);
});

test("silentLogger discards messages", () => {
  silentLogger.error("nothing happens");
  deepStrictEqual(Object.isFrozen(silentLogger), true);
});
