/**
 * Choosing the stored credential for a broker, with hop's matching rules and error texts.
 *
 * @module
 */
import type { Auth } from "./auth.ts";
import { AmbiguousCredentialError, type CredentialSummary, NoCredentialError } from "./errors.ts";
import { splitHostPort } from "./url.ts";

const DEFAULT_PORT = "9092";

/**
 * Advice appended to "no credential" errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ADD_CREDENTIAL_ADVICE } from "@igwn/alert";
 * assert.match(ADD_CREDENTIAL_ADVICE, /hop auth add/);
 * ```
 */
export const ADD_CREDENTIAL_ADVICE: string =
  "You can get a credential from https://my.hop.scimma.org and store it with " +
  "`igwn-alert auth add` (or `hop auth add`), or pass one in code with `new Auth(...)`.";

/** Exact: hostname matches; wildcard: credential without hostname; undefined: no match. */
function matchKind(cred: Auth, broker: string): "exact" | "wildcard" | undefined {
  if (cred.hostname === "") return "wildcard";
  const wanted = splitHostPort(broker);
  const have = splitHostPort(cred.hostname);
  if ((wanted.port === undefined) === (have.port === undefined)) {
    return cred.hostname === broker ? "exact" : undefined;
  }
  // One side omits the port: only the Kafka default port makes them the same broker.
  const port = wanted.port ?? have.port;
  return wanted.host !== "" && wanted.host === have.host && port === DEFAULT_PORT
    ? "exact"
    : undefined;
}

function describeMatch(cred: CredentialSummary): string {
  return cred.hostname === ""
    ? `\n  ${cred.username} which has no associated hostname`
    : `\n  ${cred.username} for ${cred.hostname}`;
}

/**
 * Picks the credential for `broker` exactly as hop's `select_matching_auth` does: a credential
 * whose hostname names the broker (ports compared literally, except that a missing port equals
 * 9092) beats credentials without a hostname; `username` (the URL's userinfo) must match when
 * given; one survivor is returned.
 *
 * @param creds stored credentials, in file order
 * @param broker the URL's broker, `host` or `host:port`
 * @param username credential username from the URL, if any
 * @param topics when given, the ambiguity error ends with a ready-to-use URL hint for them
 * @returns the chosen credential
 * @throws {NoCredentialError} `No matching credential found for hostname '<h>'` (+ username) and
 *   advice on adding one
 * @throws {AmbiguousCredentialError} `Ambiguous credentials found for hostname '<h>' ...` with the
 *   matched usernames/hosts
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Auth, selectCredential } from "@igwn/alert";
 * const creds = [
 *   new Auth({ username: "any", password: "x" }),
 *   new Auth({ username: "specific", password: "y", hostname: "kafka.example.org" }),
 * ];
 * assert.strictEqual(selectCredential(creds, "kafka.example.org:9092").username, "specific");
 * assert.strictEqual(selectCredential(creds, "other.example.org").username, "any");
 * ```
 */
export function selectCredential(
  creds: readonly Auth[],
  broker: string,
  username?: string,
  topics?: readonly string[],
): Auth {
  const exact: Auth[] = [];
  const wildcard: Auth[] = [];
  for (const cred of creds) {
    const kind = matchKind(cred, broker);
    if (kind === undefined) continue;
    if (username !== undefined && cred.username !== username) continue;
    (kind === "exact" ? exact : wildcard).push(cred);
  }
  const matches = exact.length > 0 ? exact : wildcard;
  const withUser = username === undefined ? "" : ` with username '${username}'`;
  if (matches.length === 0) {
    throw new NoCredentialError(
      `No matching credential found for hostname '${broker}'${withUser}\n${ADD_CREDENTIAL_ADVICE}`,
      broker,
      username,
    );
  }
  if (matches.length > 1) {
    const summaries = matches.map(({ username, hostname }) => ({ username, hostname }));
    let message = `Ambiguous credentials found for hostname '${broker}'` +
      (username === undefined ? " with no username specified" : withUser) +
      "\nMatched credentials:" + summaries.map(describeMatch).join("");
    if (topics !== undefined) {
      message += "\nTo select a specific credential to use, embed its username in the URL:" +
        `\n  kafka://<username>@${broker}/${topics.join(",")}`;
    }
    throw new AmbiguousCredentialError(message, broker, summaries, username);
  }
  return matches[0];
}

/**
 * hop's text for one credential in a list: `user` alone, or `user for host`.
 *
 * @param cred username and hostname
 * @returns the line text (without indentation)
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { describeCredential } from "@igwn/alert";
 * assert.strictEqual(describeCredential({ username: "alice", hostname: "" }), "alice which has no associated hostname");
 * ```
 */
export function describeCredential(cred: CredentialSummary): string {
  return describeMatch(cred).slice(3);
}
