/**
 * Where a reader starts: the oldest or newest message, an offset, a point in time, or the last N
 * messages of each partition; and the parsing of the times users type (ISO 8601, GPS seconds,
 * `-2h`).
 *
 * @module
 */
import { HopError } from "./errors.ts";

/**
 * Where a consumer starts reading in each partition of its topics.
 *
 * - `"earliest"`: the oldest stored message; `"latest"`: only messages written from now on.
 * - `{ offset }`: an absolute offset, the same in every partition, or per partition number
 *   (partitions not listed start at their end). An offset past a partition's end, or one no longer
 *   stored, is refused with a {@linkcode StartPositionError}.
 * - `{ since }`: the first message written at or after a time: a `Date`, or a string that
 *   {@linkcode parseStartTime} reads (ISO 8601, GPS seconds, `-2h`). Resolved once, when the
 *   stream opens, with Kafka's ListOffsets by time. A time in the future, or before the first
 *   stored message of the topic, is refused.
 * - `{ last: N }`: the last N messages of each partition (fewer where fewer are stored).
 *
 * A consumer group's committed offsets win over the start position, partition by partition,
 * unless `resetOffsets` is set: then the start position is applied once, at the first assignment
 * of each partition, and the group's commits move on from there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "../broker/mod.ts";
 * import { openStream, type StartPosition, StartPositionError } from "./stream.ts";
 * await using broker = await startBroker({ port: 0, topics: ["t"], logger: () => {} });
 * await using producer = await openStream(`${broker.url}/t`, "w", { auth: false });
 * for (let n = 0; n < 5; n++) await producer.write({ n });
 * await producer.flush();
 * const offsets = async (startAt: StartPosition) => {
 *   const options = { auth: false, startAt, untilEos: true };
 *   await using consumer = await openStream(`${broker.url}/t`, "r", options);
 *   const read = await Array.fromAsync(consumer.read({ metadata: true }));
 *   return read.map(({ metadata }) => metadata.offset);
 * };
 * assert.deepEqual(await offsets("earliest"), [0, 1, 2, 3, 4]);
 * assert.deepEqual(await offsets("latest"), []);
 * assert.deepEqual(await offsets({ offset: 3 }), [3, 4]);
 * assert.deepEqual(await offsets({ last: 2 }), [3, 4]);
 * assert.deepEqual(await offsets({ since: new Date() }), []);
 * // An hour ago is before the topic's first message: nothing says what was written then.
 * await assert.rejects(offsets({ since: "-1h" }), StartPositionError);
 * ```
 */
export type StartPosition =
  | "earliest"
  | "latest"
  | { offset: number | Record<number, number> }
  | { since: Date | string }
  | { last: number };

/**
 * A start position that cannot be used: a time that does not parse, lies in the future or before
 * the first stored message, an offset past the end of a partition or no longer stored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStartTime, StartPositionError } from "./start_position.ts";
 * assert.throws(() => parseStartTime("yesterday"), StartPositionError);
 * ```
 */
export class StartPositionError extends HopError {}

// GPS time 0 is 1980-01-06T00:00:00Z; GPS does not count leap seconds, UTC does.
const GPS_EPOCH_UNIX_S = 315_964_800;
// UTC days (Unix seconds) at whose start a leap second had been inserted, since 1980.
const LEAP_SECONDS_UNIX_S = [
  "1981-07-01",
  "1982-07-01",
  "1983-07-01",
  "1985-07-01",
  "1988-01-01",
  "1990-01-01",
  "1991-01-01",
  "1992-07-01",
  "1993-07-01",
  "1994-07-01",
  "1996-01-01",
  "1997-07-01",
  "1999-01-01",
  "2006-01-01",
  "2009-01-01",
  "2012-07-01",
  "2015-07-01",
  "2017-01-01",
].map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
// The same instants in GPS seconds (the n-th leap second is n seconds later on the GPS scale).
const LEAP_SECONDS_GPS_S = LEAP_SECONDS_UNIX_S.map((unix, i) => unix - GPS_EPOCH_UNIX_S + i + 1);

/**
 * Converts GPS seconds to ms since the Unix epoch (UTC), with the leap seconds up to 2017.
 *
 * @param gps seconds since 1980-01-06T00:00:00Z on the GPS scale
 * @returns ms since 1970-01-01T00:00:00Z
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gpsToUnixMs } from "./start_position.ts";
 * assert.equal(new Date(gpsToUnixMs(1187008882.4)).toISOString(), "2017-08-17T12:41:04.400Z");
 * assert.equal(gpsToUnixMs(0), Date.parse("1980-01-06T00:00:00Z"));
 * ```
 */
export function gpsToUnixMs(gps: number): number {
  let leaps = 0;
  while (leaps < LEAP_SECONDS_GPS_S.length && gps >= LEAP_SECONDS_GPS_S[leaps]) leaps++;
  return Math.round((gps + GPS_EPOCH_UNIX_S - leaps) * 1000);
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Reads a start time as users type it:
 *
 * - ISO 8601: `2026-12-03`, `2026-12-03T04:00:00Z`, `2026-12-03 04:00+01:00`; a time without a
 *   zone is UTC;
 * - GPS seconds, as GraceDB gives event times: `1418860818` or `1418860818.5`;
 * - a time before now: `-2h`, `-90s`, `-1d12h` (units `ms`, `s`, `m`/`min`, `h`, `d`, `w`).
 *
 * @param text the time, or a `Date`
 * @param now the current time in ms (for relative times); default `Date.now()`
 * @returns ms since the Unix epoch
 * @throws {StartPositionError} naming the text when it is none of these
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStartTime } from "./start_position.ts";
 * const now = Date.parse("2026-12-03T12:00:00Z");
 * assert.equal(parseStartTime("-2h", now), now - 7_200_000);
 * assert.equal(parseStartTime("-1d12h", now), now - 129_600_000);
 * assert.equal(parseStartTime("2026-12-03T10:00:00", now), Date.parse("2026-12-03T10:00:00Z"));
 * assert.equal(parseStartTime("1187008882", now), Date.parse("2017-08-17T12:41:04Z"));
 * ```
 */
export function parseStartTime(text: string | Date, now: number = Date.now()): number {
  if (text instanceof Date) {
    const ms = text.getTime();
    if (Number.isNaN(ms)) throw new StartPositionError("start time is an invalid Date");
    return ms;
  }
  const trimmed = String(text).trim();
  const relative = /^-((?:\d+(?:\.\d+)?(?:ms|min|s|m|h|d|w))+)$/.exec(trimmed);
  if (relative) {
    let ms = 0;
    for (const [, value, unit] of relative[1].matchAll(/(\d+(?:\.\d+)?)(ms|min|s|m|h|d|w)/g)) {
      ms += Number(value) * UNIT_MS[unit];
    }
    return Math.round(now - ms);
  }
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return gpsToUnixMs(Number(trimmed));
  const iso = /^\d{4}-\d{2}-\d{2}(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i
    .exec(trimmed);
  if (iso) {
    const withZone = iso[1] && !iso[2] ? `${trimmed}Z` : trimmed;
    const ms = Date.parse(withZone.replace(" ", "T"));
    if (!Number.isNaN(ms)) return ms;
  }
  throw new StartPositionError(
    `start time '${trimmed}' is not an ISO 8601 date, GPS seconds or a time before now such as -2h`,
  );
}
