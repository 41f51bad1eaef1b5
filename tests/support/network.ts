/**
 * Free ports and self-signed certificates for tests.
 *
 * @module
 */

import { runProcess } from "./processes.ts";

/**
 * Returns a TCP port on 127.0.0.1 that was free a moment ago.
 *
 * @example
 * ```ts
 * const port = freePort();
 * ```
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Paths and PEM text of a self-signed certificate. */
export interface TestCertificate {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

/**
 * Makes a self-signed certificate with openssl whose SAN covers IP:127.0.0.1 and DNS:localhost
 * (or the given SAN list).
 *
 * @example
 * ```ts
 * const cert = await makeCertificate(await Deno.makeTempDir());
 * ```
 */
export async function makeCertificate(
  dir: string,
  subjectAltName = "IP:127.0.0.1,DNS:localhost",
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
  ]);
  if (r.code !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return {
    certFile,
    keyFile,
    cert: await Deno.readTextFile(certFile),
    key: await Deno.readTextFile(keyFile),
  };
}
