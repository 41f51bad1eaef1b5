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
