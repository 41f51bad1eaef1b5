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
 * Parses the URL (several brokers allowed: Kafka clients take any broker list as bootstrap
 * servers) and resolves the credential as hop does: `true` loads auth.toml and selects by the
 * first broker and the URL username; a list is selected from the same way; a single `Auth` is
 * used as given; `false` means no authentication. Ambiguity errors end with hop's hint to embed a
 * username in the URL, for the URL's topics.
 */
export async function resolveStreamTarget(
  url: string,
  auth: boolean | Auth | Auth[] = true,
): Promise<StreamTarget> {
  const target: StreamTarget = parseKafkaUrl(url, { multipleBrokers: true });
  let credential: Auth | undefined;
  if (auth === true) {
    credential = selectCredential(
      await loadAuth(),
      target.brokers[0],
      target.username,
      target.topics,
    );
  } else if (Array.isArray(auth)) {
    credential = selectCredential(auth, target.brokers[0], target.username, target.topics);
  } else if (auth !== false) {
    credential = auth;
  }
  if (credential) {
    assertUsable(credential);
    target.auth = credential;
  }
  return target;
}
