/**
 * The client side of SASL, driven against the broker's own SASL sessions in-process, and against
 * scripted answers for what a well-behaved broker never sends.
 */
import assert from "node:assert/strict";
import { SaslAuthenticationError, startSasl, UserStore } from "../lib/broker/sasl.ts";
import { authenticateSasl, type SaslExchange } from "../lib/kafka/_sasl_client.ts";
import { createKafkaClient } from "../lib/kafka/client_config.ts";
import { AuthenticationError, InvalidCredentialError } from "../lib/kafka/errors.ts";
import type { KafkaCredential, KafkaSaslMechanism } from "../lib/kafka/types.ts";
import { test } from "./support/deadline.ts";

const HOST = "kafka.example.org:9092";
const text = new TextEncoder();
const fromBytes = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const users = await UserStore.create([
  { username: "alice", password: "wonder land" },
  { username: "a,b=c", password: "pässwörd" },
]);

function credentialOf(
  mechanism: KafkaSaslMechanism,
  username = "alice",
  password = "wonder land",
): KafkaCredential {
  return { username, password, mechanism, tls: false };
}

/** An exchange with a broker session: what the client sent, and whom the broker let in. */
interface BrokerExchange {
  exchange: SaslExchange;
  sent: string[];
  principal(): string | undefined;
}

/**
 * Feeds each client message to a new broker session. A refusal becomes the error a connection
 * would make of SaslAuthenticate's error code; `answer` may alter the broker's answers.
 */
function brokerExchange(
  mechanism: "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512",
  username: string,
  answer: (response: Uint8Array, index: number) => Uint8Array = (response) => response,
): BrokerExchange {
  const session = startSasl(mechanism, users)!;
  const sent: string[] = [];
  let principal: string | undefined;
  const exchange: SaslExchange = async (message) => {
    sent.push(fromBytes(message));
    try {
      const step = await session.step(message);
      if (step.done) principal = step.principal;
      return answer(step.response, sent.length - 1);
    } catch (error) {
      if (!(error instanceof SaslAuthenticationError)) throw error;
      throw new AuthenticationError(
        `authentication failed for user '${username}' at ${HOST}: ${error.message}`,
        { code: "SASL_AUTHENTICATION_FAILED", kind: "authentication", fatal: true },
      );
    }
  };
  return { exchange, sent, principal: () => principal };
}

/** Answers the client's messages in turn with fixed texts, recording what it sent. */
function scripted(answers: string[]): { exchange: SaslExchange; sent: string[] } {
  const sent: string[] = [];
  const exchange: SaslExchange = (message) => {
    sent.push(fromBytes(message));
    const answer = answers[sent.length - 1];
    if (answer === undefined) throw new Error(`unexpected client message ${sent.length}`);
    return Promise.resolve(text.encode(answer));
  };
  return { exchange, sent };
}

/** Checks an AuthenticationError: one line naming mechanism, user and host, then `reason`. */
function refusedWith(mechanism: string, username: string, password: string, reason: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.kind, "authentication");
    assert.equal(error.retriable, false);
    const prefix = `${mechanism} authentication of user '${username}' at ${HOST} failed: `;
    assert.ok(error.message.startsWith(prefix), error.message);
    assert.match(error.message.slice(prefix.length), reason);
    assert.doesNotMatch(error.message, /\n/);
    assert.ok(!error.message.includes(password), error.message);
    return true;
  };
}

/** An exchange that passes messages on and keeps the error its broker failed with. */
function keepingFailure(exchange: SaslExchange): { exchange: SaslExchange; thrown(): unknown } {
  let thrown: unknown;
  return {
    exchange: (message) =>
      exchange(message).catch((error) => {
        thrown = error;
        throw error;
      }),
    thrown: () => thrown,
  };
}

test("PLAIN sends the username and password once and the broker lets the user in", async () => {
  const broker = brokerExchange("PLAIN", "alice");
  await authenticateSasl(credentialOf("PLAIN"), broker.exchange, HOST);
  assert.deepEqual(broker.sent, ["\0alice\0wonder land"]);
  assert.equal(broker.principal(), "alice");
});

for (const mechanism of ["SCRAM-SHA-256", "SCRAM-SHA-512"] as const) {
  test(`${mechanism} authenticates with the right password and checks the broker's signature`, async () => {
    const broker = brokerExchange(mechanism, "alice");
    await authenticateSasl(credentialOf(mechanism), broker.exchange, HOST);
    assert.equal(broker.principal(), "alice");
    assert.equal(broker.sent.length, 2);
    const clientFirst = /^n,,n=alice,r=([A-Za-z0-9+/]{32})$/.exec(broker.sent[0]);
    assert.ok(clientFirst, broker.sent[0]);
    const nonce = clientFirst[1];
    assert.match(broker.sent[1], /^c=biws,r=([^,]+),p=[A-Za-z0-9+/]+={0,2}$/);
    const finalNonce = /,r=([^,]+),/.exec(broker.sent[1])![1];
    assert.ok(finalNonce.startsWith(nonce) && finalNonce.length > nonce.length);
  });

  test(`${mechanism} with a wrong password fails with the error of the broker's refusal`, async () => {
    const broker = brokerExchange(mechanism, "alice");
    const { exchange, thrown } = keepingFailure(broker.exchange);
    await assert.rejects(
      authenticateSasl(credentialOf(mechanism, "alice", "wonder-land"), exchange, HOST),
      (error) => {
        assert.ok(thrown() !== undefined && error === thrown());
        assert.ok(error instanceof AuthenticationError);
        assert.match(error.message, /invalid credentials with SASL mechanism SCRAM-SHA-/);
        return true;
      },
    );
    assert.equal(broker.sent.length, 2);
    assert.equal(broker.principal(), undefined);
  });

  test(`${mechanism} refuses a tampered server signature, naming user and host`, async () => {
    const broker = brokerExchange(mechanism, "alice", (response, index) => {
      if (index !== 1) return response;
      const signature = Uint8Array.from(
        atob(fromBytes(response).slice(2)),
        (char) => char.charCodeAt(0),
      );
      signature[0] ^= 1;
      return text.encode(`v=${btoa(String.fromCharCode(...signature))}`);
    });
    await assert.rejects(
      authenticateSasl(credentialOf(mechanism), broker.exchange, HOST),
      refusedWith(mechanism, "alice", "wonder land", /^the server's signature does not match$/),
    );
    // The broker itself was satisfied: only the client's check caught the forgery.
    assert.equal(broker.principal(), "alice");
  });

  test(`${mechanism} escapes '=' and ',' in the username`, async () => {
    const broker = brokerExchange(mechanism, "a,b=c");
    await authenticateSasl(credentialOf(mechanism, "a,b=c", "pässwörd"), broker.exchange, HOST);
    assert.match(broker.sent[0], /^n,,n=a=2Cb=3Dc,r=[A-Za-z0-9+/]{32}$/);
    assert.equal(broker.principal(), "a,b=c");
  });
}

test("PLAIN with a wrong password fails with the error of the broker's refusal", async () => {
  const broker = brokerExchange("PLAIN", "alice");
  const { exchange, thrown } = keepingFailure(broker.exchange);
  await assert.rejects(
    authenticateSasl(credentialOf("PLAIN", "alice", "wonder-land"), exchange, HOST),
    (error) => error === thrown() && error instanceof AuthenticationError,
  );
  assert.equal(broker.principal(), undefined);
});

// RFC 7677 section 3: user "user", password "pencil", client nonce "rOprNGfwEbeRWgbNEkqO".
const RFC_NONCE = "rOprNGfwEbeRWgbNEkqO";
const RFC_SERVER_NONCE = `${RFC_NONCE}%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0`;
const RFC_SERVER_FIRST = `r=${RFC_SERVER_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`;
const RFC_CLIENT_FINAL =
  `c=biws,r=${RFC_SERVER_NONCE},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`;
const RFC_SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
const rfcCredential = credentialOf("SCRAM-SHA-256", "user", "pencil");

test("SCRAM-SHA-256 reproduces the RFC 7677 example exchange byte for byte", async () => {
  const { exchange, sent } = scripted([RFC_SERVER_FIRST, RFC_SERVER_FINAL]);
  await authenticateSasl(rfcCredential, exchange, HOST, RFC_NONCE);
  assert.deepEqual(sent, [`n,,n=user,r=${RFC_NONCE}`, RFC_CLIENT_FINAL]);
});

const badServerFirst: [string, string, RegExp][] = [
  [
    "a nonce without the client's prefix",
    `r=xOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`,
    /^the server's nonce does not extend the client's$/,
  ],
  [
    "the client's nonce alone",
    `r=${RFC_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`,
    /^the server's nonce does not extend the client's$/,
  ],
  ["an error", "e=unknown-user", /^the server refused: unknown-user$/],
  ["no salt", `r=${RFC_SERVER_NONCE},i=4096`, /^malformed server-first message \(no salt\)$/],
  [
    "no iteration count",
    `r=${RFC_SERVER_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==`,
    /^malformed server-first message \(no iteration count\)$/,
  ],
  [
    "zero iterations",
    `r=${RFC_SERVER_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0`,
    /^malformed server-first message \(bad iteration count '0'\)$/,
  ],
  [
    "a salt that is not base64",
    `r=${RFC_SERVER_NONCE},s=W22ZaJ0S!Y7soEsUEjb6gQ==,i=4096`,
    /^malformed server-first message \(bad salt\)$/,
  ],
  [
    "a mandatory extension",
    `m=ext,r=${RFC_SERVER_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`,
    /^malformed server-first message \(it has a mandatory extension\)$/,
  ],
];

for (const [what, serverFirst, reason] of badServerFirst) {
  test(`SCRAM refuses a server-first message with ${what} before sending a proof`, async () => {
    const { exchange, sent } = scripted([serverFirst, RFC_SERVER_FINAL]);
    await assert.rejects(
      authenticateSasl(rfcCredential, exchange, HOST, RFC_NONCE),
      refusedWith("SCRAM-SHA-256", "user", "pencil", reason),
    );
    assert.equal(sent.length, 1);
  });
}

const badServerFinal: [string, string, RegExp][] = [
  ["an error", "e=invalid-proof", /^the server refused: invalid-proof$/],
  ["an error over two lines", "e=bad\nthing", /^the server refused: bad thing$/],
  [
    "no signature",
    "x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
    /^malformed server-final message \(no server signature\)$/,
  ],
  ["a signature that is not base64", "v=6rri*", /\(bad server signature\)$/],
  ["a short signature", "v=6rriTRBi", /^the server's signature does not match$/],
];

for (const [what, serverFinal, reason] of badServerFinal) {
  test(`SCRAM refuses a server-final message with ${what}`, async () => {
    const { exchange, sent } = scripted([RFC_SERVER_FIRST, serverFinal]);
    await assert.rejects(
      authenticateSasl(rfcCredential, exchange, HOST, RFC_NONCE),
      refusedWith("SCRAM-SHA-256", "user", "pencil", reason),
    );
    assert.deepEqual(sent, [`n,,n=user,r=${RFC_NONCE}`, RFC_CLIENT_FINAL]);
  });
}

test("OAUTHBEARER sends the provider's token in one RFC 7628 message", async () => {
  let calls = 0;
  const credential: KafkaCredential = {
    ...credentialOf("OAUTHBEARER", "client", ""),
    tokenProvider: () => {
      calls++;
      return Promise.resolve({ value: "eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl", expiresAt: 0 });
    },
  };
  const sent: Uint8Array[] = [];
  await authenticateSasl(credential, (message) => {
    sent.push(message);
    return Promise.resolve(new Uint8Array(0));
  }, HOST);
  assert.equal(calls, 1);
  assert.deepEqual(sent, [
    text.encode("n,,\x01auth=Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl\x01\x01"),
  ]);
});

const neverCalled: SaslExchange = () => {
  throw new Error("the exchange must not be used");
};

const unusable: [string, KafkaCredential, string][] = [
  [
    "OAUTHBEARER without a token provider",
    credentialOf("OAUTHBEARER", "client", ""),
    "credential 'client' uses OAUTHBEARER without a token endpoint to get tokens from",
  ],
  [
    "an unknown mechanism",
    credentialOf("GSSAPI" as KafkaSaslMechanism, "bob", "hunter2"),
    "credential 'bob' names the SASL mechanism 'GSSAPI', which cannot be used here " +
    "(PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER)",
  ],
];

for (const [what, credential, message] of unusable) {
  test(`${what} is an InvalidCredentialError, as for the Kafka client`, async () => {
    const sameText = (error: unknown) => {
      assert.ok(error instanceof InvalidCredentialError, String(error));
      assert.equal(error.message, message);
      return true;
    };
    await assert.rejects(authenticateSasl(credential, neverCalled, HOST), sameText);
    await assert.rejects(
      createKafkaClient({ brokers: [HOST], credential }, "reading"),
      sameText,
    );
  });
}

test("PLAIN refuses a credential with a NUL character without showing the password", async () => {
  await assert.rejects(
    authenticateSasl(credentialOf("PLAIN", "alice", "wonder\0land"), neverCalled, HOST),
    (error) => {
      assert.ok(error instanceof InvalidCredentialError);
      assert.equal(
        error.message,
        "the username or password of credential 'alice' contains a NUL character, which SASL " +
          "PLAIN cannot carry",
      );
      return true;
    },
  );
});
