/**
 * Which certificate authorities a TLS connection trusts. Deno always trusts its built-in public
 * roots; like OpenSSL-based tools (and so the Python clients), this adds the system's CA bundle:
 * `$SSL_CERT_FILE` and `$SSL_CERT_DIR` when set, else the first system bundle that exists. A
 * credential's own CA file (`ssl_ca_location`, `--ca-file`) replaces the system bundle.
 *
 * @module
 */

/** Where Linux distributions and macOS keep the system CA bundle, in the order they are tried. */
export const SYSTEM_CA_BUNDLES: readonly string[] = Object.freeze([
  "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Arch, Gentoo
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // Fedora, RHEL, CentOS, Rocky
  "/etc/pki/tls/certs/ca-bundle.crt", // older RHEL
  "/etc/ssl/ca-bundle.pem", // openSUSE
  "/etc/ssl/cert.pem", // Alpine, macOS
]);

/** The CA set a connection uses, and how to name it in messages. */
export interface TrustedCas {
  /** PEM certificates added to Deno's built-in public roots; empty: those roots only. */
  certificates: string[];
  /** Human description, e.g. `the public roots and the system bundle /etc/ssl/cert.pem`. */
  description: string;
}

/** Reads the environment (the CA variables). */
export type EnvReader = (name: string) => string | undefined;

const defaultEnv: EnvReader = (name) => {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // not permitted: as if unset
  }
};

function certificateDirs(env: EnvReader): string[] {
  return (env("SSL_CERT_DIR") ?? "").split(":").filter((dir) => dir.length > 0);
}

/**
 * The files and folders the system trust comes from, for permission scoping: `$SSL_CERT_FILE`
 * and the `$SSL_CERT_DIR` folders when set, else every candidate system bundle.
 *
 * @param env reads the environment (default: the process environment).
 * @returns paths to allow reading.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemTrustPaths } from "./trust_store.ts";
 * const env: Record<string, string> = { SSL_CERT_FILE: "/opt/ca.pem" };
 * assert.deepEqual(systemTrustPaths((name) => env[name]), ["/opt/ca.pem"]);
 * ```
 */
export function systemTrustPaths(env: EnvReader = defaultEnv): string[] {
  const file = env("SSL_CERT_FILE");
  const dirs = certificateDirs(env);
  if (file || dirs.length) return [...(file ? [file] : []), ...dirs];
  return [...SYSTEM_CA_BUNDLES];
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certificatesIn(text: string): string[] {
  return text.match(PEM_CERTIFICATE) ?? [];
}

function readIfPossible(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

function certificatesInDir(dir: string): string[] {
  const found: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return found;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory) continue;
    found.push(...certificatesIn(readIfPossible(`${dir}/${entry.name}`) ?? ""));
  }
  return found;
}

/**
 * The system's CA set: `$SSL_CERT_FILE` and the PEM files in the `$SSL_CERT_DIR` folders when
 * either is set, else the first of {@link SYSTEM_CA_BUNDLES} that can be read. Unreadable or
 * missing files count as empty. Duplicates are dropped.
 *
 * @param env reads the environment (default: the process environment).
 * @returns the certificates and a description naming where they came from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemTrust } from "./trust_store.ts";
 * const trust = systemTrust((name) => name === "SSL_CERT_FILE" ? "/nonexistent.pem" : undefined);
 * assert.deepEqual(trust.certificates, []);
 * assert.equal(trust.description, "the public roots and SSL_CERT_FILE=/nonexistent.pem");
 * ```
 */
export function systemTrust(env: EnvReader = defaultEnv): TrustedCas {
  const file = env("SSL_CERT_FILE");
  const dirs = certificateDirs(env);
  const sources: string[] = [];
  const certificates: string[] = [];
  if (file || dirs.length) {
    if (file) {
      sources.push(`SSL_CERT_FILE=${file}`);
      certificates.push(...certificatesIn(readIfPossible(file) ?? ""));
    }
    if (dirs.length) {
      sources.push(`SSL_CERT_DIR=${dirs.join(":")}`);
      for (const dir of dirs) certificates.push(...certificatesInDir(dir));
    }
  } else {
    for (const bundle of SYSTEM_CA_BUNDLES) {
      const text = readIfPossible(bundle);
      if (text === undefined) continue;
      sources.push(`the system bundle ${bundle}`);
      certificates.push(...certificatesIn(text));
      break;
    }
  }
  const description = sources.length
    ? `the public roots and ${sources.join(" and ")}`
    : "the public roots only (no system bundle found)";
  return { certificates: [...new Set(certificates)], description };
}

let cached: { key: string; trust: TrustedCas } | undefined;

/**
 * {@link systemTrust} for the process environment, read once per set of variables (the bundle is
 * read at the first TLS connection, not per connection).
 *
 * @returns the system's CA set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processSystemTrust } from "./trust_store.ts";
 * assert.match(processSystemTrust().description, /^the public roots/);
 * ```
 */
export function processSystemTrust(): TrustedCas {
  const key = `${defaultEnv("SSL_CERT_FILE") ?? ""}\0${defaultEnv("SSL_CERT_DIR") ?? ""}`;
  if (cached?.key !== key) cached = { key, trust: systemTrust() };
  return cached.trust;
}
