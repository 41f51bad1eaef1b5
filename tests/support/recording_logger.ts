/**
 * A logger that keeps what it is told, for tests that check the lines a client logs.
 *
 * @module
 */

import type { Logger } from "../../lib/hop/log.ts";

/**
 * A {@link Logger} that keeps every info, warning and error line in `lines`, each prefixed with
 * its level as stderrLogger spells it (`INFO`, `WARNING`, `ERROR`); debug lines are dropped so
 * that assertions do not depend on diagnostic chatter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordingLogger } from "./recording_logger.ts";
 * const logger = recordingLogger();
 * logger.warn("disk full");
 * logger.debug("dropped");
 * assert.deepEqual(logger.lines, ["WARNING disk full"]);
 * ```
 */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: () => {},
    info: (m) => lines.push(`INFO ${m}`),
    warn: (m) => lines.push(`WARNING ${m}`),
    error: (m) => lines.push(`ERROR ${m}`),
  };
}
