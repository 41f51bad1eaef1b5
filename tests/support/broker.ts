/**
 * The in-process broker fixture: `withBroker()` runs a test body against a fresh broker, and
 * `startAlertBroker()` starts a SASL_SSL (SCRAM-SHA-512) broker laid out like Hopskotch for the
 * igwn-alert end-to-end tests. Both bind 127.0.0.1 port 0 and report the port they got.
 *
 * @module
 */

import { type BrokerHandle, type BrokerOptions, startBroker } from "../../lib/broker/mod.ts";
import { Auth } from "../../lib/hop/auth.ts";
import { makeCertificate } from "./network.ts";

/**
 * Starts a broker on 127.0.0.1:0 with the given options, collects its log lines, runs `fn`,
 * then closes the broker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withBroker } from "./broker.ts";
 *
 * const url = await withBroker({ topics: ["t"] }, (broker) => Promise.resolve(broker.url));
 * assert.match(url, /^kafka:\/\/127\.0\.0\.1:\d+$/);
 * ```
 */
export async function withBroker<T>(
  options: BrokerOptions,
  fn: (broker: BrokerHandle, logs: string[]) => Promise<T>,
): Promise<T> {
  const logs: string[] = [];
  const broker = await startBroker({
    port: 0,
    logger: (line) => logs.push(line),
    ...options,
  });
  try {
    return await fn(broker, logs);
  } finally {
    await broker.close();
  }
}

/** The folder of sample alerts (`tests/testdata/alerts/`). */
export const ALERT_DIR: string = new URL("../testdata/alerts/", import.meta.url).pathname;

/** Each sample alert with the GraceDB topic (group, unprefixed name) it is published on. */
export const SAMPLE_ALERTS: { file: string; group: string; topic: string }[] = [
  { file: "superevent_new.json", group: "gracedb", topic: "superevent" },
  { file: "superevent_label_added.json", group: "gracedb", topic: "superevent" },
  { file: "superevent_log.json", group: "gracedb", topic: "superevent" },
  { file: "superevent_voevent.json", group: "gracedb", topic: "superevent" },
  { file: "event_new_cbc_gstlal.json", group: "gracedb", topic: "cbc_gstlal" },
  {
    file: "playground_mdc_superevent_signoff_created.json",
    group: "gracedb-playground",
    topic: "mdc_superevent",
  },
];

/** The two users of the alert broker. */
export const USERS = {
  alice: { username: "alice", password: "alice-secret-pw" },
  bob: { username: "bob", password: "bob-secret-pw" },
};

/** The topics of the alert broker. */
export const TOPICS: (string | { name: string; partitions: number })[] = [
  "gracedb.superevent",
  "gracedb.cbc_gstlal",
  "gracedb.cbc_gstlal_allsky",
  "gracedb.burst_cwb",
  "gracedb-test.superevent",
  "gracedb-playground.mdc_superevent",
  "gracedbx.superevent",
  { name: "gracedb.cbc_pycbc", partitions: 2 },
];

/** A running alert broker and what clients need to reach it. */
export interface AlertBroker extends AsyncDisposable {
  broker: BrokerHandle;
  /** Folder holding cert.pem (the CA for clients) and key.pem. */
  dir: string;
  caFile: string;
  /** Server URL for clients. */
  server: string;
  /** A credential for `user` (with another password when one is given). */
  auth(user: keyof typeof USERS, password?: string): Auth;
  /** Stops the broker and removes its folder. */
  close(): Promise<void>;
}

/**
 * Starts the alert broker on 127.0.0.1 port 0. With `acls`, alice may read and write every
 * `gracedb*` topic and bob may only read `gracedb.superevent`; without, both may do everything.
 * With `persist`, logs and offsets live in a folder. An outage is `broker.pause()`/`resume()`,
 * which keeps the listening socket: nothing here closes a port and binds it again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startAlertBroker } from "./broker.ts";
 *
 * await using env = await startAlertBroker({ tls: false });
 * assert.match(env.server, /^kafka:\/\/127\.0\.0\.1:\d+\/$/);
 * assert.equal(env.auth("alice").protocol, "SASL_PLAINTEXT");
 * ```
 */
export async function startAlertBroker(
  { persist = false, tls = true, acls = false, extra = {} }: {
    persist?: boolean;
    tls?: boolean;
    acls?: boolean;
    extra?: Partial<BrokerOptions>;
  } = {},
): Promise<AlertBroker> {
  const dir = await Deno.makeTempDir({ prefix: "igwn-alert-broker-" });
  const { certFile, keyFile } = await makeCertificate(dir);
  const options: BrokerOptions = {
    port: 0,
    users: Object.values(USERS),
    ...(acls ? { acls: ["alice:all:gracedb*", "bob:read:gracedb.superevent"] } : {}),
    topics: TOPICS,
    logger: () => {},
    ...(tls ? { tls: { certFile, keyFile } } : {}),
    ...(persist ? { dataDir: `${dir}/data` } : {}),
    ...extra,
  };
  const broker = await startBroker(options);
  const handle: AlertBroker = {
    broker,
    dir,
    caFile: certFile,
    get server() {
      return `kafka://127.0.0.1:${broker.port}/`;
    },
    auth(user, password) {
      return new Auth({
        username: USERS[user].username,
        password: password ?? USERS[user].password,
        protocol: tls ? "SASL_SSL" : "SASL_PLAINTEXT",
        sslCaLocation: tls ? certFile : undefined,
      });
    },
    async close() {
      await broker.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
  return handle;
}

/**
 * One sample alert file, as text and parsed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSample } from "./broker.ts";
 *
 * const { object } = await readSample("superevent_new.json");
 * assert.equal((object as { alert_type: string }).alert_type, "new");
 * ```
 */
export async function readSample(file: string): Promise<{ text: string; object: unknown }> {
  const text = await Deno.readTextFile(`${ALERT_DIR}${file}`);
  return { text, object: JSON.parse(text) };
}
