/**
 * Trust: without `ssl_ca_location` the client trusts the system's CA bundle (`SSL_CERT_FILE`,
 * `SSL_CERT_DIR`) as well as the public roots; `--ca-file` replaces the system bundle; a TLS
 * failure names the CA set that was used, and a listener without TLS gets the `--no-tls` hint.
 * The CLI runs with the compiled permission set.
 */
import assert from "node:assert/strict";
import { startBroker } from "../lib/broker/mod.ts";
import { systemTrust, systemTrustPaths } from "../lib/kafka/trust_store.ts";
import { USERS } from "./support/broker.ts";
import { makeHome, runCliProcess } from "./support/cli.ts";
import { makeSignedCertificate } from "./support/network.ts";
import { test } from "./support/deadline.ts";

const opts = { deadlineMs: 120_000 };
const alice = { username: "alice", password: USERS.alice.password };

/** A HOME whose auth.toml names alice over SASL_SSL, without `ssl_ca_location`. */
async function homeWithoutCa(): Promise<string> {
  const home = await makeHome();
  await Deno.mkdir(`${home}/.config/hop`, { recursive: true });
  await Deno.writeTextFile(
    `${home}/.config/hop/auth.toml`,
    `[[auth]]\nusername = "alice"\npassword = "${alice.password}"\nprotocol = "SASL_SSL"\n` +
      `mechanism = "SCRAM-SHA-512"\n`,
    { mode: 0o600 },
  );
  return home;
}

/** Two CAs: the broker's (`ours`) and an unrelated one, each with a bundle file of its own. */
async function certificateAuthorities(home: string) {
  const ours = await makeSignedCertificate(await Deno.makeTempDir({ dir: home }), "Broker CA");
  const other = await makeSignedCertificate(await Deno.makeTempDir({ dir: home }), "Other CA");
  // A bundle as a system has it: several CAs, ours among them.
  const bundle = `${home}/bundle.pem`;
  await Deno.writeTextFile(bundle, `${other.ca}\n${ours.ca}`);
  const otherBundle = `${home}/other-bundle.pem`;
  await Deno.writeTextFile(otherBundle, other.ca);
  return { ours, other, bundle, otherBundle };
}

test(
  "a broker signed by a CA in SSL_CERT_FILE is trusted without ssl_ca_location",
  opts,
  async () => {
    const home = await homeWithoutCa();
    const cas = await certificateAuthorities(home);
    await using broker = await startBroker({
      port: 0,
      users: [alice],
      topics: ["gracedb.superevent"],
      tls: { certFile: cas.ours.certFile, keyFile: cas.ours.keyFile },
      logger: () => {},
    });
    const server = `kafka://127.0.0.1:${broker.port}/`;

    const trusted = await runCliProcess(["-s", server, "--timeout", "5", "topics"], {
      home,
      env: { SSL_CERT_FILE: cas.bundle },
    });
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.match(trusted.stdout, /superevent/);

    // The same CA found in a folder named by SSL_CERT_DIR.
    const dir = `${home}/certs`;
    await Deno.mkdir(dir);
    await Deno.copyFile(cas.ours.caFile, `${dir}/broker-ca.pem`);
    const fromDir = await runCliProcess(["-s", server, "--timeout", "5", "topics"], {
      home,
      env: { SSL_CERT_DIR: dir },
    });
    assert.equal(fromDir.code, 0, fromDir.stderr);

    const refused = await runCliProcess(["-s", server, "--timeout", "3", "topics"], {
      home,
      env: { SSL_CERT_FILE: cas.otherBundle },
    });
    assert.equal(refused.code, 1);
    const advice = `(trusted: the public roots and SSL_CERT_FILE=${cas.otherBundle}; name the ` +
      `CA that signed the broker's certificate with --ca-file or the credential's ` +
      `ssl_ca_location)\n`;
    assert.ok(
      refused.stderr.startsWith(
        `igwn-alert: TLS connection to 127.0.0.1:${broker.port} failed: Connection error: `,
      ) && refused.stderr.endsWith(advice) && refused.stderr.split("\n").length === 2,
      refused.stderr,
    );
    assert.match(refused.stderr, /unable to verify the first certificate|UnknownIssuer/);

    // --ca-file replaces the system bundle: a bundle that would be trusted no longer counts.
    const replaced = await runCliProcess(
      ["-s", server, "--timeout", "3", "--ca-file", cas.other.caFile, "topics"],
      { home, env: { SSL_CERT_FILE: cas.bundle } },
    );
    assert.equal(replaced.code, 1);
    assert.match(
      replaced.stderr,
      new RegExp(
        `^igwn-alert: TLS connection .* \\(trusted: the public roots and the CA file ${
          cas.other.caFile.replaceAll(".", "\\.")
        }; `,
      ),
    );
  },
);

test("a TLS client at a listener without TLS is told about --no-tls", opts, async () => {
  const home = await homeWithoutCa();
  await using broker = await startBroker({
    port: 0,
    users: [alice],
    topics: ["gracedb.superevent"],
    logger: () => {},
  });
  const result = await runCliProcess(
    ["-s", `kafka://127.0.0.1:${broker.port}/`, "--timeout", "3", "topics"],
    { home },
  );
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `igwn-alert: TLS connection to 127.0.0.1:${broker.port} failed: the connection closed during ` +
      `the TLS handshake, as it does when the broker goes down or does not speak TLS (for a ` +
      `SASL_PLAINTEXT listener, use --no-tls)\n`,
  );
});

test("the system CA set: SSL_CERT_FILE and SSL_CERT_DIR, else the first system bundle", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const signed = await makeSignedCertificate(dir, "Dir CA");
    const certs = `${dir}/certs`;
    await Deno.mkdir(certs);
    await Deno.writeTextFile(`${certs}/a.pem`, signed.ca);
    await Deno.writeTextFile(`${certs}/b.pem`, `${signed.ca}\n${signed.cert}`); // a duplicate
    await Deno.writeTextFile(`${certs}/README`, "not a certificate");
    const env: Record<string, string> = { SSL_CERT_DIR: `${certs}:${dir}/missing` };
    const trust = systemTrust((name) => env[name]);
    assert.deepEqual(trust.certificates, [signed.ca.trim(), signed.cert.trim()]);
    assert.equal(trust.description, `the public roots and SSL_CERT_DIR=${certs}:${dir}/missing`);
    assert.deepEqual(systemTrustPaths((name) => env[name]), [certs, `${dir}/missing`]);

    const none = systemTrust(() => undefined);
    assert.match(
      none.description,
      /^the public roots (and the system bundle \/etc\/\S+|only \(no system bundle found\))$/,
    );
    assert.ok(systemTrustPaths(() => undefined).includes("/etc/ssl/certs/ca-certificates.crt"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
