/**
 * Turns a Kafka URL, or its already parsed parts, and an `auth` option into brokers, topics and
 * the credential to use: the {@linkcode StreamTarget} that streams and topic listing work on.
 *
 * @module
 */
import { assertUsable, type Auth } from "./auth.ts";
import { loadAuth } from "./auth_file.ts";
import { parseKafkaUrl } from "./url.ts";
import { selectCredential } from "./select_credential.ts";
import type { Logger } from "./log.ts";
import { ClientCredentialsTokenSource } from "./oidc_token.ts";
import type { KafkaCredential, KafkaSaslMechanism } from "../kafka/types.ts";

/** Where to connect and as whom: parsed once, then handed down as it is. */
export interface StreamTarget {
  /** Every broker of the URL (the first one selects the credential). */
  brokers: string[];
  /** Topics of the URL. */
  topics: string[];
  /** Username hint from the URL. */
  username?: string;
  /** The credential, when authenticating. */
  auth?: Auth;
  /** The same credential as the Kafka adapter takes it. */
  credential?: KafkaCredential;
}

/**
 * The Kafka adapter's form of a hop credential (SASL mechanism, TLS and CA file).
 *
 * @param auth a usable credential
 * @returns username, password, mechanism, TLS flag and CA file
 * @throws {UnsupportedError} for OpenID Connect or an unknown mechanism
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Auth } from "./auth.ts";
 * import { kafkaCredentialOf } from "./_stream_target.ts";
 * const credential = kafkaCredentialOf(new Auth({ username: "u", password: "p", ssl: false }));
 * assert.deepEqual(credential, { username: "u", password: "p", mechanism: "SCRAM-SHA-512", tls: false, caFile: undefined });
 * ```
 */
export function kafkaCredentialOf(auth: Auth, logger?: Logger): KafkaCredential {
  assertUsable(auth);
  const credential: KafkaCredential = {
    username: auth.username,
    password: auth.password,
    mechanism: auth.mechanism as KafkaSaslMechanism,
    tls: auth.ssl,
    caFile: auth.sslCaLocation,
  };
  if (auth.tokenEndpoint !== undefined) {
    const source = tokenSourceOf(auth, logger);
    credential.tokenProvider = () => source.token();
  }
  return credential;
}

// One token source per credential, so that every stream and connection made with it shares the
// cached token: a token is fetched once at start-up and again only when it nears its expiry.
const tokenSources = new WeakMap<Auth, ClientCredentialsTokenSource>();

function tokenSourceOf(auth: Auth, logger?: Logger): ClientCredentialsTokenSource {
  let source = tokenSources.get(auth);
  if (!source) {
    source = new ClientCredentialsTokenSource({
      tokenEndpoint: auth.tokenEndpoint!,
      clientId: auth.username,
      clientSecret: auth.password,
      onToken: ({ tokenEndpoint, clientId, lifetimeMs, count }) =>
        logger?.info(
          `${count === 1 ? "got" : "renewed"} the access token of client '${clientId}' from ` +
            `${tokenEndpoint} (valid for ${Math.round(lifetimeMs / 1000)} s)`,
        ),
    });
    tokenSources.set(auth, source);
  }
  return source;
}

/** Brokers, topics and username hint: a Kafka URL's parts, before a credential is chosen. */
export interface StreamPlace {
  /** Bootstrap brokers; the first one selects the credential. */
  brokers: string[];
  /** Topics to read or write. */
  topics: string[];
  /** Username hint that narrows the credential selection. */
  username?: string;
}

/**
 * Resolves the credential for a place as hop does: `true` loads auth.toml and selects by the
 * first broker and the username hint; a list is selected from the same way; a single `Auth` is
 * used as given; `false` means no authentication. Ambiguity errors end with hop's hint to embed a
 * username in the URL, for the place's topics.
 *
 * An OpenID Connect credential gets its first token here, so that a refused client id or secret
 * fails at once with the endpoint's answer.
 *
 * @param place brokers, topics and username hint
 * @param auth as the `auth` option of `openStream`
 * @param logger told when an access token is fetched
 * @returns the target, with the chosen credential when authenticating
 * @throws {NoCredentialError} when no credential, or more than one, fits
 * @throws {AuthenticationError} when the token endpoint refuses the client
 */
export async function selectStreamTarget(
  place: StreamPlace,
  auth: boolean | Auth | Auth[] = true,
  logger?: Logger,
): Promise<StreamTarget> {
  const target: StreamTarget = { brokers: [...place.brokers], topics: [...place.topics] };
  if (place.username !== undefined) target.username = place.username;
  let credential: Auth | undefined;
  if (auth === true) {
    credential = selectCredential(
      await loadAuth(),
      target.brokers[0],
      place.username,
      place.topics,
    );
  } else if (Array.isArray(auth)) {
    credential = selectCredential(auth, target.brokers[0], place.username, place.topics);
  } else if (auth !== false) {
    credential = auth;
  }
  if (credential) {
    target.credential = kafkaCredentialOf(credential, logger);
    target.auth = credential;
    await target.credential.tokenProvider?.();
  }
  return target;
}

/**
 * Parses the URL (several brokers allowed: Kafka clients take any broker list as bootstrap
 * servers) and resolves the credential with {@linkcode selectStreamTarget}. The only place where a
 * stream's URL is parsed; everything below works on the {@linkcode StreamTarget}.
 */
export async function resolveStreamTarget(
  url: string,
  auth: boolean | Auth | Auth[] = true,
  logger?: Logger,
): Promise<StreamTarget> {
  return await selectStreamTarget(parseKafkaUrl(url, { multipleBrokers: true }), auth, logger);
}
