// The Client's credential chain. Kept apart from client.ts so that it can be tested without a
// broker and so that the order of sources is written down in one place.

import { Auth } from "../hop/auth.ts";
import { loadAuth } from "../hop/auth_file.ts";
import { AuthFileNotFoundError, NoCredentialError } from "../hop/errors.ts";
import type { Logger } from "../hop/log.ts";
import { selectCredential } from "../hop/select_credential.ts";
import type { ClientOptions } from "./client_options.ts";
import type { BrokerAddress } from "./topic_naming.ts";

// The credential fields of the Client's options, so that their meaning is documented once.
export type CredentialSources = Pick<
  ClientOptions,
  | "username"
  | "password"
  | "tokenEndpoint"
  | "auth"
  | "authFile"
  | "netrcFile"
  | "noAuth"
  | "tls"
  | "caFile"
  | "server"
>;

/**
 * Order (first that applies wins): `auth`, `noAuth`, `username`+`password`, `authFile`, the
 * default auth.toml (when one of its credentials fits the broker), netrc (machine = the server
 * URL as given, then `host:port`, then host), none. Differences from the Python client: a
 * default auth.toml that exists but cannot be read is an error instead of being skipped, and a
 * netrc without a matching entry gives the same warning as a missing netrc.
 */
export async function resolveClientAuth(
  sources: CredentialSources,
  broker: BrokerAddress,
  logger: Logger,
): Promise<Auth[] | false> {
  const found = await findCredentials(sources, broker, logger);
  if (found === false) return false;
  return found.map((auth) => adjustTransport(auth, sources));
}

async function findCredentials(
  sources: CredentialSources,
  broker: BrokerAddress,
  logger: Logger,
): Promise<Auth[] | false> {
  if (sources.auth !== undefined) {
    return sources.auth === false ? false : Array.isArray(sources.auth) ? sources.auth : [
      sources.auth,
    ];
  }
  if (sources.noAuth) return false;
  if (sources.username && sources.password) {
    return [
      new Auth({
        username: sources.username,
        password: sources.password,
        tokenEndpoint: sources.tokenEndpoint,
      }),
    ];
  }
  if (sources.authFile !== undefined) return await loadAuth(sources.authFile);

  let unmatched: NoCredentialError | undefined;
  try {
    const creds = await loadAuth();
    try {
      selectCredential(creds, broker.broker);
      return creds;
    } catch (error) {
      if (!(error instanceof NoCredentialError)) throw error;
      unmatched = error;
      logger.debug(`auth.toml has no credential for ${broker.broker}; trying netrc`);
    }
  } catch (error) {
    if (!(error instanceof AuthFileNotFoundError)) throw error;
    logger.debug(error.message);
  }

  const { lookupNetrc } = await import("../hop/netrc.ts");
  const server = sources.server ?? broker.url;
  for (const machine of new Set([server, broker.broker, broker.host])) {
    const entry = await lookupNetrc(machine, sources.netrcFile);
    if (entry) {
      logger.debug(`using the netrc entry for machine ${machine}`);
      return [new Auth({ username: entry.login, password: entry.password })];
    }
  }
  if (unmatched) throw unmatched;
  logger.warn("No authentication found. Proceeding with unauthenticated session");
  return false;
}

function adjustTransport(auth: Auth, sources: CredentialSources): Auth {
  if (sources.tls === undefined && sources.caFile === undefined) return auth;
  return new Auth({
    username: auth.username,
    password: auth.password,
    hostname: auth.hostname,
    mechanism: auth.mechanism,
    protocol: (sources.tls ?? auth.ssl) ? "SASL_SSL" : "SASL_PLAINTEXT",
    sslCaLocation: sources.caFile ?? auth.sslCaLocation,
    tokenEndpoint: auth.tokenEndpoint,
  });
}
