/**
 * Self-signed certificates for tests, and an address that refuses connections.
 *
 * @module
 */

import { runProcess } from "./processes.ts";

/**
 * `127.0.0.1:1`: a privileged port no test binds, so connecting to it is refused at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { REFUSED_ADDRESS } from "./network.ts";
 *
 * const [hostname, port] = REFUSED_ADDRESS.split(":");
 * await assert.rejects(Deno.connect({ hostname, port: Number(port) }), Deno.errors.ConnectionRefused);
 * ```
 */
export const REFUSED_ADDRESS = "127.0.0.1:1";

/** Paths and PEM text of a self-signed certificate. */
export interface TestCertificate {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

/**
 * Makes a self-signed certificate with openssl whose SAN covers IP:127.0.0.1 and DNS:localhost
 * (or the given SAN list). With `leaf`, it is marked `CA:FALSE`: Deno's TLS client refuses a CA
 * certificate as a server certificate, while Python and kcat accept either.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeCertificate } from "./network.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const cert = await makeCertificate(dir);
 * assert.match(cert.cert, /^-----BEGIN CERTIFICATE-----/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function makeCertificate(
  dir: string,
  subjectAltName = "IP:127.0.0.1,DNS:localhost",
  options: { leaf?: boolean } = {},
): Promise<TestCertificate> {
  const certFile = `${dir}/cert.pem`;
  const keyFile = `${dir}/key.pem`;
  const r = await runProcess("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "2",
    "-subj",
    "/CN=localhost",
    "-addext",
    `subjectAltName=${subjectAltName}`,
    ...(options.leaf ? ["-addext", "basicConstraints=critical,CA:FALSE"] : []),
  ]);
  if (r.code !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return {
    certFile,
    keyFile,
    cert: await Deno.readTextFile(certFile),
    key: await Deno.readTextFile(keyFile),
  };
}

/** A test certificate authority and a server certificate it signed. */
export interface SignedCertificate extends TestCertificate {
  /** The CA's certificate (PEM file), what clients must trust. */
  caFile: string;
  /** The CA's certificate text. */
  ca: string;
}

/**
 * Makes a certificate authority (`CN=name`) and a leaf certificate for IP:127.0.0.1 signed by it,
 * as an institution's CA would issue for its broker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeSignedCertificate } from "./network.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const signed = await makeSignedCertificate(dir, "Test CA");
 * assert.match(signed.ca, /^-----BEGIN CERTIFICATE-----/);
 * assert.notEqual(signed.ca, signed.cert);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function makeSignedCertificate(dir: string, name: string): Promise<SignedCertificate> {
  const caFile = `${dir}/ca.pem`;
  const caKey = `${dir}/ca-key.pem`;
  const certFile = `${dir}/cert.pem`;
  const keyFile = `${dir}/key.pem`;
  const extensions = `${dir}/leaf.ext`;
  await Deno.writeTextFile(
    extensions,
    "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n" +
      "extendedKeyUsage=serverAuth\n",
  );
  const steps = [
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      caKey,
      "-out",
      caFile,
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      `${dir}/leaf.csr`,
      "-subj",
      "/CN=localhost",
    ],
    [
      "x509",
      "-req",
      "-in",
      `${dir}/leaf.csr`,
      "-CA",
      caFile,
      "-CAkey",
      caKey,
      "-CAcreateserial",
      "-out",
      certFile,
      "-days",
      "2",
      "-extfile",
      extensions,
    ],
  ];
  for (const args of steps) {
    const r = await runProcess("openssl", args);
    if (r.code !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  }
  return {
    caFile,
    certFile,
    keyFile,
    ca: await Deno.readTextFile(caFile),
    cert: await Deno.readTextFile(certFile),
    key: await Deno.readTextFile(keyFile),
  };
}
