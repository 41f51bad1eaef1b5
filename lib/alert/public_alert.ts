/**
 * The public LIGO/Virgo/KAGRA alerts that NASA's GCN Kafka distributes on the topic
 * `igwn.gwalert`: JSON following the IGWN alert schema, with the
 * multi-order FITS sky map base64-encoded. {@linkcode decodePublicAlert} turns one message into a
 * typed {@linkcode PublicAlert} with the sky maps as bytes; {@linkcode encodePublicAlert} writes
 * one (the playground publishes them).
 *
 * @module
 */
import { MessageFormatError } from "../hop/errors.ts";

/**
 * The GCN topic of public LIGO/Virgo/KAGRA alerts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PUBLIC_ALERT_TOPIC } from "./public_alert.ts";
 * assert.equal(PUBLIC_ALERT_TOPIC, "igwn.gwalert");
 * ```
 */
export const PUBLIC_ALERT_TOPIC = "igwn.gwalert";

/**
 * Kind of public notice. The schema's first version spells the early warning `EARLY_WARNING`,
 * later ones `EARLYWARNING`; both are accepted and kept as sent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PublicAlertType } from "./public_alert.ts";
 * const kind: PublicAlertType = "PRELIMINARY";
 * assert.equal(kind, "PRELIMINARY");
 * ```
 */
export type PublicAlertType =
  | "EARLYWARNING"
  | "EARLY_WARNING"
  | "PRELIMINARY"
  | "INITIAL"
  | "UPDATE"
  | "RETRACTION";

const ALERT_TYPES: readonly PublicAlertType[] = [
  "EARLYWARNING",
  "EARLY_WARNING",
  "PRELIMINARY",
  "INITIAL",
  "UPDATE",
  "RETRACTION",
];

/**
 * The candidate described by a notice (absent from retractions).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PublicAlertEvent } from "./public_alert.ts";
 * const event: PublicAlertEvent = {
 *   time: "2018-11-01T22:22:46.654Z", far: 9.1e-14, significant: true, instruments: ["H1", "L1"],
 *   group: "CBC", pipeline: "gstlal", search: "MDC", properties: { HasNS: 0.95 },
 *   classification: { BNS: 0.95 }, duration: null, centralFrequency: null, skymap: new Uint8Array(),
 * };
 * assert.equal(event.group, "CBC");
 * ```
 */
export interface PublicAlertEvent {
  /** Merger time, ISO 8601 UTC. */
  time: string;
  /** False alarm rate in Hz. */
  far: number;
  /** Whether the FAR passes the significance threshold. */
  significant: boolean;
  /** Detectors that contributed, e.g. `["H1", "L1", "V1"]`. */
  instruments: string[];
  /** `CBC` or `Burst`. */
  group: string;
  /** Detection pipeline, e.g. `gstlal`. */
  pipeline: string;
  /** Search, e.g. `AllSky`. */
  search: string;
  /** Source properties (`HasNS`, `HasRemnant`, `HasMassGap`): probabilities. */
  properties: Record<string, number>;
  /** Source classification (`BNS`, `NSBH`, `BBH`, `Terrestrial`): probabilities. */
  classification: Record<string, number>;
  /** Signal duration in s (bursts only), else null. */
  duration: number | null;
  /** Central frequency in Hz (bursts only), else null. */
  centralFrequency: number | null;
  /** The multi-order FITS sky map, decoded from base64. */
  skymap: Uint8Array;
}

/**
 * A coincidence with a non-GW event found by RAVEN.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PublicAlertExternalCoinc } from "./public_alert.ts";
 * const coinc: PublicAlertExternalCoinc = {
 *   gcnNoticeId: 1, ivorn: "ivo://x", observatory: "Fermi", search: "GRB", timeDifference: -1.6,
 *   timeCoincidenceFar: 1e-8, timeSkyPositionCoincidenceFar: 1e-9, combinedSkymap: new Uint8Array(),
 * };
 * assert.equal(coinc.observatory, "Fermi");
 * ```
 */
export interface PublicAlertExternalCoinc {
  /** GCN notice id of the external event. */
  gcnNoticeId: number;
  /** IVORN of the external event. */
  ivorn: string;
  /** Observatory that saw it, e.g. `Fermi`. */
  observatory: string;
  /** Search that found it, e.g. `GRB`. */
  search: string;
  /** External time minus GW time, in s. */
  timeDifference: number;
  /** FAR of the time coincidence, Hz. */
  timeCoincidenceFar: number;
  /** FAR of the time and sky position coincidence, Hz (null when not computed). */
  timeSkyPositionCoincidenceFar: number | null;
  /** The combined multi-order FITS sky map, decoded from base64 (null when absent). */
  combinedSkymap: Uint8Array | null;
}

/**
 * One public alert as read from `igwn.gwalert`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PublicAlert } from "./public_alert.ts";
 * const retraction: PublicAlert = {
 *   alertType: "RETRACTION", timeCreated: "2018-11-01T22:34:49Z", supereventId: "MS181101ab",
 *   urls: {}, event: null, externalCoinc: null,
 * };
 * assert.equal(retraction.event, null);
 * ```
 */
export interface PublicAlert {
  /** Kind of notice. */
  alertType: PublicAlertType;
  /** When the notice was made, ISO 8601 UTC. */
  timeCreated: string;
  /** GraceDB superevent id, e.g. `S230518h` (`MS...` for mock events). */
  supereventId: string;
  /** Links, e.g. `{ gracedb: "https://gracedb.ligo.org/superevents/S230518h/view/" }`. */
  urls: Record<string, string>;
  /** The candidate; null for a retraction. */
  event: PublicAlertEvent | null;
  /** The coincidence with an external event, if any. */
  externalCoinc: PublicAlertExternalCoinc | null;
}

type Json = Record<string, unknown>;

class Reader {
  constructor(readonly where: string) {}

  fail(field: string, expected: string, value: unknown): never {
    const got = value === undefined ? "nothing" : JSON.stringify(value)?.slice(0, 40);
    throw new MessageFormatError(
      `public alert: field '${this.where}${field}' should be ${expected}, got ${got}`,
    );
  }

  object(json: Json, field: string): Json {
    const value = json[field];
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this.fail(field, "an object", value);
    }
    return value as Json;
  }

  string(json: Json, field: string): string {
    const value = json[field];
    return typeof value === "string" ? value : this.fail(field, "a string", value);
  }

  number(json: Json, field: string): number {
    const value = json[field];
    return typeof value === "number" ? value : this.fail(field, "a number", value);
  }

  numberOrNull(json: Json, field: string): number | null {
    const value = json[field] ?? null;
    return value === null || typeof value === "number"
      ? value
      : this.fail(field, "a number or null", value);
  }

  numbers(json: Json, field: string): Record<string, number> {
    const value = json[field] ?? {};
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this.fail(field, "an object of numbers", value);
    }
    for (const [key, item] of Object.entries(value as Json)) {
      if (typeof item !== "number") this.fail(`${field}.${key}`, "a number", item);
    }
    return { ...(value as Record<string, number>) };
  }

  base64(json: Json, field: string, nullable: boolean): Uint8Array | null {
    const value = json[field] ?? null;
    if (value === null && nullable) return null;
    if (typeof value !== "string") return this.fail(field, "a base64 string", value);
    const bytes = decodeBase64(value);
    return bytes ?? this.fail(field, "a base64 string", `${value.slice(0, 20)}...`);
  }
}

/**
 * Decodes one `igwn.gwalert` message: JSON text (bytes or string) or the already parsed object.
 * Fields follow the IGWN alert schema (snake_case there, camelCase here); sky maps become bytes.
 *
 * @param message the message value
 * @returns the typed alert
 * @throws {MessageFormatError} naming the first field that does not fit the schema
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePublicAlert } from "./public_alert.ts";
 * const alert = decodePublicAlert(JSON.stringify({
 *   alert_type: "PRELIMINARY", time_created: "2018-11-01T22:34:49Z", superevent_id: "MS181101ab",
 *   urls: { gracedb: "https://example.org/superevents/MS181101ab/view/" },
 *   event: {
 *     time: "2018-11-01T22:22:46.654Z", far: 9.11e-14, significant: true, instruments: ["H1", "L1"],
 *     group: "CBC", pipeline: "gstlal", search: "MDC", properties: { HasNS: 0.95 },
 *     classification: { BNS: 0.95, Terrestrial: 0.05 }, duration: null, central_frequency: null,
 *     skymap: btoa("SIMPLE  = T"),
 *   },
 *   external_coinc: null,
 * }));
 * assert.equal(alert.supereventId, "MS181101ab");
 * assert.equal(new TextDecoder().decode(alert.event?.skymap), "SIMPLE  = T");
 * assert.throws(() => decodePublicAlert("{}"), /field 'alert_type' should be/);
 * ```
 */
export function decodePublicAlert(message: Uint8Array | string | object): PublicAlert {
  let json: unknown = message;
  if (typeof message === "string" || message instanceof Uint8Array) {
    const text = typeof message === "string" ? message : new TextDecoder().decode(message);
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new MessageFormatError(`public alert: not JSON: ${(error as Error).message}`);
    }
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new MessageFormatError("public alert: expected a JSON object");
  }
  const top = new Reader("");
  const root = json as Json;
  const alertType = top.string(root, "alert_type");
  if (!(ALERT_TYPES as readonly string[]).includes(alertType)) {
    top.fail("alert_type", `one of ${ALERT_TYPES.join(", ")}`, alertType);
  }
  const urls = root.urls ?? {};
  if (
    urls === null || typeof urls !== "object" || Array.isArray(urls) ||
    Object.values(urls).some((url) => typeof url !== "string")
  ) {
    top.fail("urls", "an object of strings", urls);
  }
  return {
    alertType: alertType as PublicAlertType,
    timeCreated: top.string(root, "time_created"),
    supereventId: top.string(root, "superevent_id"),
    urls: { ...(urls as Record<string, string>) },
    event: root.event == null ? null : decodeEvent(top.object(root, "event")),
    externalCoinc: root.external_coinc == null
      ? null
      : decodeExternalCoinc(top.object(root, "external_coinc")),
  };
}

function decodeEvent(json: Json): PublicAlertEvent {
  const r = new Reader("event.");
  const instruments = json.instruments;
  if (!Array.isArray(instruments) || instruments.some((i) => typeof i !== "string")) {
    r.fail("instruments", "a list of strings", instruments);
  }
  const significant = typeof json.significant === "boolean"
    ? json.significant
    : r.fail("significant", "true or false", json.significant);
  return {
    time: r.string(json, "time"),
    far: r.number(json, "far"),
    significant,
    instruments: [...(instruments as string[])],
    group: r.string(json, "group"),
    pipeline: r.string(json, "pipeline"),
    search: r.string(json, "search"),
    properties: r.numbers(json, "properties"),
    classification: r.numbers(json, "classification"),
    duration: r.numberOrNull(json, "duration"),
    centralFrequency: r.numberOrNull(json, "central_frequency"),
    skymap: r.base64(json, "skymap", false)!,
  };
}

function decodeExternalCoinc(json: Json): PublicAlertExternalCoinc {
  const r = new Reader("external_coinc.");
  return {
    gcnNoticeId: r.number(json, "gcn_notice_id"),
    ivorn: r.string(json, "ivorn"),
    observatory: r.string(json, "observatory"),
    search: r.string(json, "search"),
    timeDifference: r.number(json, "time_difference"),
    timeCoincidenceFar: r.number(json, "time_coincidence_far"),
    timeSkyPositionCoincidenceFar: r.numberOrNull(json, "time_sky_position_coincidence_far"),
    combinedSkymap: r.base64(json, "combined_skymap", true),
  };
}

/**
 * Writes a public alert as the JSON GCN distributes (schema field names, sky maps in base64).
 *
 * @param alert the alert
 * @returns UTF-8 JSON
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePublicAlert, encodePublicAlert, type PublicAlert } from "./public_alert.ts";
 * const alert: PublicAlert = {
 *   alertType: "RETRACTION", timeCreated: "2018-11-01T22:34:49Z", supereventId: "MS181101ab",
 *   urls: { gracedb: "https://example.org/superevents/MS181101ab/view/" }, event: null,
 *   externalCoinc: null,
 * };
 * const bytes = encodePublicAlert(alert);
 * assert.equal(JSON.parse(new TextDecoder().decode(bytes)).superevent_id, "MS181101ab");
 * assert.deepEqual(decodePublicAlert(bytes), alert);
 * ```
 */
export function encodePublicAlert(alert: PublicAlert): Uint8Array {
  const event = alert.event && {
    time: alert.event.time,
    far: alert.event.far,
    significant: alert.event.significant,
    instruments: alert.event.instruments,
    group: alert.event.group,
    pipeline: alert.event.pipeline,
    search: alert.event.search,
    properties: alert.event.properties,
    classification: alert.event.classification,
    duration: alert.event.duration,
    central_frequency: alert.event.centralFrequency,
    skymap: encodeBase64(alert.event.skymap),
  };
  const coinc = alert.externalCoinc;
  const externalCoinc = coinc && {
    gcn_notice_id: coinc.gcnNoticeId,
    ivorn: coinc.ivorn,
    observatory: coinc.observatory,
    search: coinc.search,
    time_difference: coinc.timeDifference,
    time_coincidence_far: coinc.timeCoincidenceFar,
    time_sky_position_coincidence_far: coinc.timeSkyPositionCoincidenceFar,
    combined_skymap: coinc.combinedSkymap && encodeBase64(coinc.combinedSkymap),
  };
  return new TextEncoder().encode(JSON.stringify({
    superevent_id: alert.supereventId,
    time_created: alert.timeCreated,
    alert_type: alert.alertType,
    event,
    external_coinc: externalCoinc,
    urls: alert.urls,
  }));
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function decodeBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) return undefined;
  try {
    return Uint8Array.from(atob(clean), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
