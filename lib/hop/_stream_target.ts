/**
 * Turns a Kafka URL and an `auth` option into brokers, topics and the credential to use.
 * Shared by streams and topic listing.
 *
 * @module
 */
import { assertUsable, type Auth } from "./auth.ts";
import { loadAuth } from "./auth_file.ts";
import { parseKafkaUrl } from "./url.ts";
import { selectCredential } from "./select_credential.ts";

/** Where to connect and as whom. */
export interface StreamTarget {
  /** Every broker of the URL (the first one selects the credential). */
  brokers: string[];
  /** Topics of the URL. */
  topics: string[];
  /** Username hint from the URL. */
  username?: string;
  /** The credential, when authenticating. */
  auth?: Auth;
}

/**
 * Parses a URL that may list several brokers (`kafka://a:9092,b:9092/topic`); hop refuses those,
 * but Kafka clients take any broker list as bootstrap servers, so we accept it and validate each
 * broker like a one-broker URL.
 */
export function parseStreamUrl(url: string): Omit<StreamTarget, "auth"> {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/s.exec(url);
  const netloc = match?.[2] ?? "";
  if (!match || !netloc.includes(",")) return parseKafkaUrl(url);
  const at = netloc.indexOf("@");
  const userinfo = at >= 0 ? netloc.slice(0, at + 1) : "";
  const brokers = netloc.slice(at + 1).split(",");
  const first = parseKafkaUrl(`${match[1]}${userinfo}${brokers[0]}${match[3]}`);
  for (const broker of brokers.slice(1)) {
    parseKafkaUrl(`${match[1]}${broker}`);
  }
  return { ...first, brokers };
}

/**
 * Resolves the credential as hop does: `true` loads auth.toml and selects by the first broker and
 * the URL username; a list is selected from the same way; a single `Auth` is used as given;
 * `false` means no authentication.
 */
export async function resolveStreamTarget(
  url: string,
  auth: boolean | Auth | Auth[] = true,
): Promise<StreamTarget> {
  const target: StreamTarget = parseStreamUrl(url);
  let credential: Auth | undefined;
  if (auth === true) {
    credential = selectCredential(await loadAuth(), target.brokers[0], target.username);
  } else if (Array.isArray(auth)) {
    credential = selectCredential(auth, target.brokers[0], target.username);
  } else if (auth !== false) {
    credential = auth;
  }
  if (credential) {
    assertUsable(credential);
    target.auth = credential;
  }
  return target;
}
