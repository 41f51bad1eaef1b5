// `igwn-alert playground --replay FILE [--speed X]`: the playground publishes a recording made
// with `listen --output` instead of simulated lifecycles. The file is read and checked before the
// broker starts.

import type { Auth } from "../hop/auth.ts";
import type { Logger } from "../hop/log.ts";
import { CliExit } from "./cli_exit.ts";

/** A recording ready to be published once the playground serves. */
export interface PlaygroundReplay {
  /** Starts publishing in the background; returns the line that says so. */
  start(server: string, credential: Auth | undefined, signal: AbortSignal): string;
}

/** Reads and checks the `--replay` file. */
export async function loadReplay(
  flags: { replay?: string; speed?: number; count?: number; seed?: string; realtime?: boolean },
  logger: Logger,
): Promise<PlaygroundReplay> {
  const file = flags.replay!;
  for (const [given, flag] of [[flags.count, "--count"], [flags.seed, "--seed"]] as const) {
    if (given !== undefined) {
      throw new CliExit(2, `${flag} applies to simulated alerts, not to --replay`);
    }
  }
  const { parseRecording } = await import("../pipeline/record.ts");
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    throw new Error(`--replay ${file}: ${(error as Error).message}`);
  }
  const records = parseRecording(text, file);
  const speed = flags.speed ?? 1;
  return {
    start(server, credential, signal) {
      (async () => {
        const [{ openStream }, { replayRecording }] = await Promise.all([
          import("../hop/stream.ts"),
          import("../pipeline/replay.ts"),
        ]);
        await using producer = await openStream(server, "w", { auth: credential ?? false });
        const published = await replayRecording(producer, records, { speed, signal });
        logger.info(`replayed ${published} of ${records.length} alerts from ${file}`);
      })().catch((error) => logger.error(`replay of ${file} failed: ${error.message}`));
      return `replaying ${records.length} alerts from ${file}${
        speed === 1 ? " at the recorded pace" : ` ${speed} times faster than recorded`
      }`;
    },
  };
}
