/**
 * NASA GCN's public LIGO/Virgo/KAGRA alerts (`igwn.gwalert`): samples built to the IGWN alert
 * schema decode into typed alerts with the sky maps as bytes, bad ones are refused naming the
 * field, and an alert published over an OIDC broker as GCN does (plain JSON, no hop headers) is
 * read back with a client id and secret.
 */
import assert from "node:assert/strict";
import { test } from "./support/deadline.ts";
import { withBroker } from "./support/broker.ts";
import {
  decodePublicAlert,
  encodePublicAlert,
  PUBLIC_ALERT_TOPIC,
} from "../lib/alert/public_alert.ts";
import { MessageFormatError } from "../lib/hop/errors.ts";
import { Auth } from "../lib/hop/auth.ts";
import { openStream } from "../lib/hop/stream.ts";
import type { Blob, JSONBlob } from "../lib/hop/models/blob.ts";
import { publicAlertOf, simulateLifecycles, startPlayground } from "../lib/playground/mod.ts";
import { startTokenEndpoint } from "../lib/broker/mod.ts";
import { KafkaProducer } from "../lib/kafka/producer.ts";
import { kafkaCredentialOf } from "../lib/hop/_stream_target.ts";

const SAMPLES = new URL("./testdata/public_alerts/", import.meta.url).pathname;

/** A sky map stand-in: one FITS header block, then binary bytes covering every value. */
function fakeFits(): Uint8Array {
  const header = "SIMPLE  =                    T".padEnd(80) +
    "ORDERING= 'NUNIQ   '".padEnd(80) + "END".padEnd(80);
  const bytes = new Uint8Array(2880 + 512);
  bytes.set(new TextEncoder().encode(header.padEnd(2880)));
  for (let i = 0; i < 512; i++) bytes[2880 + i] = i % 256;
  return bytes;
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

test("the preliminary sample decodes with every field typed and the sky map as its bytes", async () => {
  const text = await Deno.readTextFile(`${SAMPLES}MS181101ab-preliminary.json`);
  const alert = decodePublicAlert(text);
  assert.deepEqual({ ...alert, event: { ...alert.event, skymap: undefined } }, {
    alertType: "PRELIMINARY",
    timeCreated: "2018-11-01T22:34:49Z",
    supereventId: "MS181101ab",
    urls: { gracedb: "https://example.org/superevents/MS181101ab/view/" },
    event: {
      time: "2018-11-01T22:22:46.654Z",
      far: 9.11069936486e-14,
      significant: true,
      instruments: ["H1", "L1", "V1"],
      group: "CBC",
      pipeline: "gstlal",
      search: "MDC",
      properties: { HasNS: 0.95, HasRemnant: 0.91, HasMassGap: 0.01 },
      classification: { BNS: 0.95, NSBH: 0.01, BBH: 0.03, Terrestrial: 0.01 },
      duration: null,
      centralFrequency: null,
      skymap: undefined,
    },
    externalCoinc: null,
  });
  assert.deepEqual(alert.event!.skymap, fakeFits());
  // The same from bytes and from the parsed object.
  assert.deepEqual(decodePublicAlert(new TextEncoder().encode(text)), alert);
  assert.deepEqual(decodePublicAlert(JSON.parse(text)), alert);
});

test("retraction and external coincidence samples decode; encode writes what decodes back", async () => {
  const retraction = decodePublicAlert(
    await Deno.readTextFile(`${SAMPLES}MS181101ab-retraction.json`),
  );
  assert.equal(retraction.alertType, "RETRACTION");
  assert.equal(retraction.event, null);
  const coinc = decodePublicAlert(await Deno.readTextFile(`${SAMPLES}MS181101ab-ext-update.json`));
  assert.equal(coinc.alertType, "UPDATE");
  assert.deepEqual({ ...coinc.externalCoinc, combinedSkymap: undefined }, {
    gcnNoticeId: 595630,
    ivorn: "ivo://nasa.gsfc.gcn/Fermi#GBM_Fin_Pos2018-11-01T22:22:45.19_595630_0-345",
    observatory: "Fermi",
    search: "GRB",
    timeDifference: -1.47,
    timeCoincidenceFar: 7.2e-9,
    timeSkyPositionCoincidenceFar: 9.3e-12,
    combinedSkymap: undefined,
  });
  assert.deepEqual(coinc.externalCoinc!.combinedSkymap, fakeFits().subarray(0, 2880));
  for (const alert of [retraction, coinc]) {
    assert.deepEqual(decodePublicAlert(encodePublicAlert(alert)), alert);
  }
});

test("a message off the schema is refused naming the field", () => {
  const good = {
    alert_type: "INITIAL",
    time_created: "t",
    superevent_id: "S1",
    urls: {},
    external_coinc: null,
    event: {
      time: "t",
      far: 1e-10,
      significant: false,
      instruments: ["H1"],
      group: "Burst",
      pipeline: "CWB",
      search: "AllSky",
      properties: {},
      classification: {},
      duration: 0.01,
      central_frequency: 150,
      skymap: base64(fakeFits()),
    },
  };
  assert.equal(decodePublicAlert(good).event!.centralFrequency, 150);
  const cases: [unknown, string][] = [
    [{ ...good, alert_type: "NEW" }, "field 'alert_type' should be one of EARLYWARNING, "],
    [{ ...good, superevent_id: 7 }, "field 'superevent_id' should be a string, got 7"],
    [{ ...good, event: { ...good.event, far: "low" } }, `field 'event.far' should be a number`],
    [
      { ...good, event: { ...good.event, skymap: "not base64!" } },
      "field 'event.skymap' should be a base64 string",
    ],
    [
      { ...good, event: { ...good.event, classification: { BNS: "x" } } },
      "field 'event.classification.BNS' should be a number",
    ],
    ["[1]", "public alert: expected a JSON object"],
    ["{", "public alert: not JSON"],
  ];
  for (const [message, expected] of cases) {
    assert.throws(
      () => decodePublicAlert(typeof message === "string" ? message : JSON.stringify(message)),
      (error: Error) => error instanceof MessageFormatError && error.message.includes(expected),
      expected,
    );
  }
});

test("an igwn.gwalert message published as GCN does is read with a client id and secret", {
  sanitizeOps: true,
  sanitizeResources: true,
}, async () => {
  await using endpoint = await startTokenEndpoint({
    clients: [{ clientId: "gcn-client", clientSecret: "gcn-secret" }],
  });
  await withBroker({
    topics: [PUBLIC_ALERT_TOPIC],
    oauthBearer: { publicKey: endpoint.publicKey, audience: endpoint.audience },
  }, async (broker) => {
    const text = await Deno.readTextFile(`${SAMPLES}MS181101ab-preliminary.json`);
    const auth = new Auth({
      username: "gcn-client",
      password: "gcn-secret",
      tokenEndpoint: endpoint.url,
      protocol: "SASL_PLAINTEXT",
    });
    // GCN's messages are plain JSON without hop's headers.
    const producer = await KafkaProducer.connect({
      brokers: broker.addresses,
      credential: kafkaCredentialOf(auth),
    });
    try {
      const value = new TextEncoder().encode(text);
      assert.deepEqual(await producer.send([{ topic: PUBLIC_ALERT_TOPIC, value }]), []);
    } finally {
      await producer.close();
    }
    const options = { auth, startAt: "earliest", untilEos: true } as const;
    await using reader = await openStream(`${broker.url}/${PUBLIC_ALERT_TOPIC}`, "r", options);
    const [message] = await Array.fromAsync(reader);
    const alert = decodePublicAlert((message as JSONBlob).content as object);
    assert.equal(alert.supereventId, "MS181101ab");
    assert.deepEqual(alert.event!.skymap, fakeFits());
  });
});

// Writes the samples (run this file with WRITE_SAMPLES=1 after changing them here).
if (Deno.env.get("WRITE_SAMPLES") === "1") {
  const event = {
    time: "2018-11-01T22:22:46.654Z",
    far: 9.11069936486e-14,
    significant: true,
    instruments: ["H1", "L1", "V1"],
    group: "CBC",
    pipeline: "gstlal",
    search: "MDC",
    properties: { HasNS: 0.95, HasRemnant: 0.91, HasMassGap: 0.01 },
    classification: { BNS: 0.95, NSBH: 0.01, BBH: 0.03, Terrestrial: 0.01 },
    duration: null,
    central_frequency: null,
    skymap: base64(fakeFits()),
  };
  const base = {
    superevent_id: "MS181101ab",
    time_created: "2018-11-01T22:34:49Z",
    urls: { gracedb: "https://example.org/superevents/MS181101ab/view/" },
  };
  const write = (name: string, alert: unknown) =>
    Deno.writeTextFileSync(`${SAMPLES}${name}`, JSON.stringify(alert, null, 4) + "\n");
  write("MS181101ab-preliminary.json", {
    ...base,
    alert_type: "PRELIMINARY",
    event,
    external_coinc: null,
  });
  write("MS181101ab-retraction.json", {
    ...base,
    time_created: "2018-11-01T23:36:23Z",
    alert_type: "RETRACTION",
    event: null,
    external_coinc: null,
  });
  write("MS181101ab-ext-update.json", {
    ...base,
    time_created: "2018-11-01T23:10:11Z",
    alert_type: "UPDATE",
    event,
    external_coinc: {
      gcn_notice_id: 595630,
      ivorn: "ivo://nasa.gsfc.gcn/Fermi#GBM_Fin_Pos2018-11-01T22:22:45.19_595630_0-345",
      observatory: "Fermi",
      search: "GRB",
      time_difference: -1.47,
      time_coincidence_far: 7.2e-9,
      time_sky_position_coincidence_far: 9.3e-12,
      combined_skymap: base64(fakeFits().subarray(0, 2880)),
    },
  });
}

test("the playground publishes GCN's notices for its superevents beside GraceDB's alerts", {
  sanitizeOps: true,
  sanitizeResources: true,
}, async () => {
  await using playground = await startPlayground({
    port: 0,
    seed: 3,
    count: 3,
    publicAlerts: true,
    noAuth: true,
    brokerLogger: () => {},
  });
  await playground.done;
  const options = { auth: false, startAt: "earliest", untilEos: true } as const;
  await using reader = await openStream(`${playground.server}${PUBLIC_ALERT_TOPIC}`, "r", options);
  const published = (await Array.fromAsync(reader)).map((m) =>
    decodePublicAlert((m as Blob).content)
  );
  const steps = [...simulateLifecycles({ seed: 3, count: 3 })];
  const expected = steps.map(publicAlertOf).filter((notice) => notice !== undefined);
  assert.deepEqual(published, expected);
  // One notice sequence per superevent GraceDB sent VOEvents for: a preliminary first, then an
  // initial or a retraction.
  const withVoevents = new Set(
    steps.filter((step) => step.alert.alert_type === "voevent").map((step) => step.superevent),
  );
  const bySuperevent = Map.groupBy(published, (notice) => notice.supereventId);
  assert.ok(withVoevents.size >= 1);
  assert.deepEqual(new Set(bySuperevent.keys()), withVoevents);
  for (const notices of bySuperevent.values()) {
    assert.equal(notices[0].alertType, "PRELIMINARY");
    assert.ok(notices[0].event!.skymap.length === 2880);
    assert.match(notices[0].event!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(["INITIAL", "RETRACTION"].includes(notices.at(-1)!.alertType));
  }
});
