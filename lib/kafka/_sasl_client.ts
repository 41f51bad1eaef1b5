/**
 * Client side of SASL authentication as Kafka brokers speak it inside SaslAuthenticate requests:
 * PLAIN (RFC 4616), SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) and OAUTHBEARER
 * (RFC 7628). It builds the client's messages and checks the broker's answers; sending them is
 * the caller's, through a {@linkcode SaslExchange}. Only WebCrypto is used.
 *
 * @module
 */
import {
  constantTimeEqual,
  decodeBase64,
  digest,
  encodeBase64,
  hmac,
  saltedPassword,
  SCRAM_NONCE,
  type ScramHash,
  xor,
} from "../_scram.ts";
import { redact } from "./classify.ts";
import { AuthenticationError, InvalidCredentialError } from "./errors.ts";
import type { KafkaCredential } from "./types.ts";

/**
 * Sends one client message (SaslAuthenticate auth_bytes) and resolves to the broker's answer
 * bytes. The caller turns broker error codes into errors itself.
 */
export type SaslExchange = (clientMessage: Uint8Array) => Promise<Uint8Array>;

/**
 * The error for a credential naming a SASL mechanism this library does not speak.
 *
 * @param credential the credential
 * @returns the error, naming the user and the mechanism
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unknownMechanismError } from "./_sasl_client.ts";
 * const credential = { username: "u", password: "p", mechanism: "GSSAPI" as "PLAIN", tls: false };
 * assert.match(unknownMechanismError(credential).message, /^credential 'u' names the SASL mechanism 'GSSAPI'/);
 * ```
 */
export function unknownMechanismError(credential: KafkaCredential): InvalidCredentialError {
  return new InvalidCredentialError(
    `credential '${credential.username}' names the SASL mechanism '${
      String(credential.mechanism)
    }', which cannot be used here (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER)`,
  );
}

/**
 * The error for an OAUTHBEARER credential that has no token provider.
 *
 * @param credential the credential
 * @returns the error, naming the user
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { missingTokenProviderError } from "./_sasl_client.ts";
 * const credential = { username: "u", password: "", mechanism: "OAUTHBEARER" as const, tls: true };
 * assert.equal(
 *   missingTokenProviderError(credential).message,
 *   "credential 'u' uses OAUTHBEARER without a token endpoint to get tokens from",
 * );
 * ```
 */
export function missingTokenProviderError(credential: KafkaCredential): InvalidCredentialError {
  return new InvalidCredentialError(
    `credential '${credential.username}' uses OAUTHBEARER without a token endpoint to get tokens from`,
  );
}

/**
 * Runs the whole exchange for the credential's mechanism and resolves when the client side is
 * satisfied (for SCRAM: when the broker has proved that it knows the password's key).
 *
 * Errors thrown by `exchange` (e.g. the broker refusing the password) pass through unchanged.
 * Answers that fail the client's checks (a foreign nonce, a wrong server signature, an `e=`
 * error, a malformed message) give an {@linkcode AuthenticationError} naming the mechanism, user
 * and host, never the password.
 *
 * @param credential username, password and mechanism, or a token provider for OAUTHBEARER
 * @param exchange sends one client message and gives the broker's answer
 * @param host the broker's `host:port`, for error messages
 * @param clientNonce a fixed SCRAM client nonce, for reproducible checks only; random if omitted
 * @throws {InvalidCredentialError} for an unknown mechanism or OAUTHBEARER without a provider
 * @throws {AuthenticationError} when the broker's answers do not pass the client's checks
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { authenticateSasl } from "./_sasl_client.ts";
 * const sent: string[] = [];
 * const credential = { username: "alice", password: "secret", mechanism: "PLAIN" as const, tls: false };
 * await authenticateSasl(credential, async (message) => {
 *   sent.push(new TextDecoder().decode(message));
 *   return new Uint8Array(0);
 * }, "kafka.example.org:9092");
 * assert.deepEqual(sent, ["\0alice\0secret"]);
 * ```
 */
export async function authenticateSasl(
  credential: KafkaCredential,
  exchange: SaslExchange,
  host: string,
  clientNonce?: string,
): Promise<void> {
  switch (credential.mechanism) {
    case "PLAIN":
      await exchange(plainMessage(credential));
      return;
    case "SCRAM-SHA-256":
      return await scram(credential, "SHA-256", exchange, host, clientNonce ?? randomNonce());
    case "SCRAM-SHA-512":
      return await scram(credential, "SHA-512", exchange, host, clientNonce ?? randomNonce());
    case "OAUTHBEARER": {
      const provider = credential.tokenProvider;
      if (!provider) throw missingTokenProviderError(credential);
      const token = await provider();
      await exchange(encoder.encode(`n,,\x01auth=Bearer ${token.value}\x01\x01`));
      return;
    }
    default:
      throw unknownMechanismError(credential);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function plainMessage(credential: KafkaCredential): Uint8Array {
  if (credential.username.includes("\0") || credential.password.includes("\0")) {
    throw new InvalidCredentialError(
      `the username or password of credential '${
        credential.username.replaceAll("\0", "\\0")
      }' contains a NUL character, which SASL PLAIN cannot carry`,
    );
  }
  return encoder.encode(`\0${credential.username}\0${credential.password}`);
}

/** Makes the one-line error for an answer that fails the client's checks. */
type Refusal = (reason: string) => AuthenticationError;

async function scram(
  credential: KafkaCredential,
  hash: ScramHash,
  exchange: SaslExchange,
  host: string,
  clientNonce: string,
): Promise<void> {
  const mechanism = `SCRAM-${hash}`;
  const refused: Refusal = (reason) =>
    new AuthenticationError(
      `${mechanism} authentication of user '${credential.username}' at ${host} failed: ${
        redact(oneLine(reason), credential)
      }`,
      { kind: "authentication", fatal: true },
    );
  const clientFirstBare = `n=${saslName(credential.username)},r=${clientNonce}`;
  const serverFirst = decodeAnswer(
    await exchange(encoder.encode(`n,,${clientFirstBare}`)),
    "server-first",
    refused,
  );
  const { nonce, salt, iterations } = parseServerFirst(serverFirst, clientNonce, refused);
  const salted = await saltedPassword(hash, credential.password, salt, iterations);
  const clientKey = await hmac(hash, salted, "Client Key");
  const storedKey = await digest(hash, clientKey);
  // "biws" is base64 of the gs2 header "n,,": no channel binding, no authorization id.
  const withoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const clientSignature = await hmac(hash, storedKey, authMessage);
  const proof = xor(clientKey, clientSignature);
  const serverFinal = decodeAnswer(
    await exchange(encoder.encode(`${withoutProof},p=${encodeBase64(proof)}`)),
    "server-final",
    refused,
  );
  const serverKey = await hmac(hash, salted, "Server Key");
  const expected = await hmac(hash, serverKey, authMessage);
  const signature = parseServerFinal(serverFinal, refused);
  if (!constantTimeEqual(signature, expected)) {
    throw refused("the server's signature does not match");
  }
}

/** RFC 5802 saslname: "=" becomes "=3D" and "," becomes "=2C". */
function saslName(username: string): string {
  return username.replaceAll("=", "=3D").replaceAll(",", "=2C");
}

/** 24 random bytes in base64: printable ASCII without ",", as RFC 5802 asks of a nonce. */
function randomNonce(): string {
  return encodeBase64(crypto.getRandomValues(new Uint8Array(24)));
}

function decodeAnswer(answer: Uint8Array, what: string, refused: Refusal): string {
  try {
    return decoder.decode(answer);
  } catch {
    throw refused(`the ${what} message is not valid UTF-8`);
  }
}

/** An `e=` attribute's text when the message is a server error. */
function serverError(message: string): string | undefined {
  return message.startsWith("e=") ? message.slice(2) : undefined;
}

function parseServerFirst(
  message: string,
  clientNonce: string,
  refused: Refusal,
): { nonce: string; salt: Uint8Array<ArrayBuffer>; iterations: number } {
  const error = serverError(message);
  if (error !== undefined) throw refused(`the server refused: ${error}`);
  const parts = message.split(",");
  const [r, s, i] = parts;
  const malformed = (why: string) => refused(`malformed server-first message (${why})`);
  if (parts.some((part) => part.startsWith("m="))) {
    throw malformed("it has a mandatory extension");
  }
  if (!r?.startsWith("r=")) throw malformed("no nonce");
  if (!s?.startsWith("s=")) throw malformed("no salt");
  if (!i?.startsWith("i=")) throw malformed("no iteration count");
  const [nonce, saltText, iterationText] = [r.slice(2), s.slice(2), i.slice(2)];
  if (!nonce.startsWith(clientNonce) || nonce.length === clientNonce.length) {
    throw refused("the server's nonce does not extend the client's");
  }
  if (!SCRAM_NONCE.test(nonce)) throw malformed("bad nonce characters");
  const salt = decodeBase64(saltText);
  if (!salt || salt.length === 0) throw malformed("bad salt");
  const iterations = /^\d{1,9}$/.test(iterationText) ? Number(iterationText) : 0;
  if (iterations < 1) throw malformed(`bad iteration count '${iterationText}'`);
  return { nonce, salt, iterations };
}

function parseServerFinal(message: string, refused: Refusal): Uint8Array {
  const error = serverError(message);
  if (error !== undefined) throw refused(`the server refused: ${error}`);
  const verifier = message.split(",")[0];
  if (!verifier.startsWith("v=")) {
    throw refused("malformed server-final message (no server signature)");
  }
  const signature = decodeBase64(verifier.slice(2));
  if (!signature) throw refused("malformed server-final message (bad server signature)");
  return signature;
}

/** Server text shown in an error, on one line and of bounded length. */
function oneLine(text: string): string {
  const flat = text.replace(/\p{Cc}+/gu, " ");
  return flat.length > 200 ? `${flat.slice(0, 200)}...` : flat;
}
