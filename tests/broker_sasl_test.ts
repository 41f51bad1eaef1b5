import assert from "node:assert/strict";
import {
  SASL_MECHANISMS,
  SaslAuthenticationError,
  type SaslSession,
  startSasl,
  UserStore,
  UserStoreError,
} from "../lib/broker/sasl.ts";
import { test } from "./support/deadline.ts";

/** These tests run only our own code, so Deno's op and resource sanitizers are on. */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };

// A SCRAM client written for these tests from RFC 5802, independent of the broker's code.

type Hash = "SHA-256" | "SHA-512";
const text = new TextEncoder();
const fromBytes = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function b64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function unb64(value: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
}

async function hmacOf(hash: Hash, key: Uint8Array<ArrayBuffer>, data: string) {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, text.encode(data)));
}

async function clientProof(
  hash: Hash,
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
  authMessage: string,
): Promise<{ proof: string; serverSignature: string }> {
  const base = await crypto.subtle.importKey("raw", text.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = hash === "SHA-256" ? 256 : 512;
  const salted = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "PBKDF2", hash, salt, iterations }, base, bits),
  );
  const clientKey = await hmacOf(hash, salted, "Client Key");
  const storedKey = new Uint8Array(await crypto.subtle.digest(hash, clientKey));
  const signature = await hmacOf(hash, storedKey, authMessage);
  const proof = clientKey.map((byte, i) => byte ^ signature[i]);
  const serverKey = await hmacOf(hash, salted, "Server Key");
  return { proof: b64(proof), serverSignature: b64(await hmacOf(hash, serverKey, authMessage)) };
}

function parseServerFirst(message: string) {
  const match = /^r=([^,]+),s=([^,]+),i=(\d+)$/.exec(message);
  assert.ok(match, `server-first message malformed: ${message}`);
  return { nonce: match[1], salt: unb64(match[2]), iterations: Number(match[3]) };
}

interface ScramRun {
  hash: Hash;
  session: SaslSession;
  saslName: string;
  password: string;
  clientNonce?: string;
  gs2Header?: string;
  /** Builds the client-final nonce from the server's; default: the server nonce itself. */
  finalNonce?: (clientNonce: string, serverNonce: string) => string;
  channelBinding?: string;
}

/** Runs a whole SCRAM exchange; returns the principal after checking the server signature. */
async function scram(run: ScramRun): Promise<{ principal: string; serverFirst: string }> {
  const clientNonce = run.clientNonce ?? b64(crypto.getRandomValues(new Uint8Array(16)));
  const gs2Header = run.gs2Header ?? "n,,";
  const clientFirstBare = `n=${run.saslName},r=${clientNonce}`;
  const first = await run.session.step(text.encode(gs2Header + clientFirstBare));
  assert.equal(first.done, false);
  const serverFirst = fromBytes(first.response);
  const { nonce, salt, iterations } = parseServerFirst(serverFirst);
  const finalNonce = run.finalNonce?.(clientNonce, nonce) ?? nonce;
  const withoutProof = `c=${run.channelBinding ?? b64(text.encode(gs2Header))},r=${finalNonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const { proof, serverSignature } = await clientProof(
    run.hash,
    run.password,
    salt,
    iterations,
    authMessage,
  );
  const final = await run.session.step(text.encode(`${withoutProof},p=${proof}`));
  assert.equal(final.done, true);
  assert.equal(fromBytes(final.response), `v=${serverSignature}`);
  if (!final.done) throw new Error("unreachable");
  return { principal: final.principal, serverFirst };
}

const users = await UserStore.create([
  { username: "alice", password: "wonder land" },
  { username: "a,b=c", password: "pässwörd" },
]);

/** Runs a SCRAM exchange on a new session, as alice with her password unless `fields` say otherwise. */
function scramExchange(
  mechanism: "SCRAM-SHA-256" | "SCRAM-SHA-512",
  fields: Partial<Omit<ScramRun, "hash" | "session">> = {},
): Promise<{ principal: string; serverFirst: string }> {
  return scram({
    hash: mechanism === "SCRAM-SHA-256" ? "SHA-256" : "SHA-512",
    session: startSasl(mechanism, users)!,
    saslName: "alice",
    password: "wonder land",
    ...fields,
  });
}

function invalidCredentials(mechanism: string) {
  const expected =
    `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
  return (error: unknown) => {
    assert.ok(error instanceof SaslAuthenticationError);
    assert.equal(error.message, expected);
    return true;
  };
}

function rejectedWith(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof SaslAuthenticationError, String(error));
    assert.match(error.message, pattern);
    return true;
  };
}

test("the test SCRAM client reproduces the RFC 7677 SCRAM-SHA-256 example", async () => {
  const clientFirstBare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
  const serverFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  const withoutProof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const result = await clientProof(
    "SHA-256",
    "pencil",
    unb64("W22ZaJ0SNY7soEsUEjb6gQ=="),
    4096,
    `${clientFirstBare},${serverFirst},${withoutProof}`,
  );
  assert.deepEqual(result, {
    proof: "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    serverSignature: "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
  });
}, SANITIZED);

for (const mechanism of ["SCRAM-SHA-256", "SCRAM-SHA-512"] as const) {
  test(
    `${mechanism} exchange authenticates a user and proves the server knows the key`,
    async () => {
      const clientNonce = "fyko+d2lbbFgONRv9qkxdawL";
      const { principal, serverFirst } = await scramExchange(mechanism, { clientNonce });
      assert.equal(principal, "alice");
      const { nonce, salt, iterations } = parseServerFirst(serverFirst);
      assert.ok(nonce.startsWith(clientNonce) && nonce.length > clientNonce.length);
      assert.doesNotMatch(nonce, /,/);
      assert.equal(salt.length, 32);
      assert.equal(iterations, 4096);
    },
    SANITIZED,
  );

  test(`${mechanism} rejects a wrong password with Kafka's wording`, async () => {
    await assert.rejects(
      scramExchange(mechanism, { password: "wonder-land" }),
      invalidCredentials(mechanism),
    );
  }, SANITIZED);

  test(`${mechanism} rejects an unknown user exactly like a wrong password`, async () => {
    const attempt = () => scramExchange(mechanism, { saslName: "mallory" });
    await assert.rejects(attempt(), invalidCredentials(mechanism));
    // The stand-in salt does not change between probes, as a real user's would not.
    const salts: string[] = [];
    for (let i = 0; i < 2; i++) {
      const session = startSasl(mechanism, users)!;
      const first = await session.step(text.encode("n,,n=mallory,r=abc"));
      const { salt, iterations } = parseServerFirst(fromBytes(first.response));
      assert.equal(salt.length, 32);
      assert.equal(iterations, 4096);
      salts.push(b64(salt));
    }
    assert.equal(salts[0], salts[1]);
  }, SANITIZED);

  test(
    `${mechanism} rejects a client-final nonce that does not end with the server nonce`,
    async () => {
      await assert.rejects(
        scramExchange(mechanism, { finalNonce: (_client, server) => server + "x" }),
        rejectedWith(
          /^Authentication failed: Invalid SCRAM client-final message \(nonce mismatch\)$/,
        ),
      );
      await assert.rejects(
        scramExchange(mechanism, { finalNonce: (client) => client }),
        rejectedWith(/nonce mismatch/),
      );
    },
    SANITIZED,
  );

  test(
    `${mechanism} accepts librdkafka 2.0.2's client nonce repeated before the server nonce`,
    async () => {
      // librdkafka's nonce alphabet runs from "-" to "~", so "=" and "/" occur.
      const clientNonce = "a=b/c[d]~-0123456789ABCDEFGHIJKL";
      const { principal } = await scramExchange(mechanism, {
        clientNonce,
        finalNonce: (client, server) => client + server,
      });
      assert.equal(principal, "alice");
    },
    SANITIZED,
  );

  test(`${mechanism} decodes =2C and =3D in user names`, async () => {
    const { principal } = await scramExchange(mechanism, {
      saslName: "a=2Cb=3Dc",
      password: "pässwörd",
    });
    assert.equal(principal, "a,b=c");
  }, SANITIZED);
}

test("SCRAM rejects '=' sequences other than =2C and =3D in the user name", async () => {
  for (const name of ["a=2cb", "a=41", "abc="]) {
    const session = startSasl("SCRAM-SHA-256", users)!;
    await assert.rejects(
      session.step(text.encode(`n,,n=${name},r=nonce`)),
      rejectedWith(/^Authentication failed: Invalid SCRAM client-first message \(bad user name/),
    );
  }
}, SANITIZED);

test("SCRAM rejects channel binding data that is not the gs2 header", async () => {
  await assert.rejects(
    scramExchange("SCRAM-SHA-512", { channelBinding: b64(text.encode("y,,")) }),
    rejectedWith(/channel binding does not match the gs2 header/),
  );
  await assert.rejects(
    scramExchange("SCRAM-SHA-512", { channelBinding: "biws\n" }),
    rejectedWith(/channel binding does not match/),
  );
}, SANITIZED);

test("SCRAM accepts an authzid equal to the user and rejects a different one", async () => {
  const ok = await scramExchange("SCRAM-SHA-256", { gs2Header: "n,a=alice," });
  assert.equal(ok.principal, "alice");
  const session = startSasl("SCRAM-SHA-256", users)!;
  await assert.rejects(
    session.step(text.encode("n,a=bob,n=alice,r=nonce")),
    rejectedWith(/authorization id that is different from username/),
  );
}, SANITIZED);

test("SCRAM rejects malformed client-first messages", async () => {
  const cases: [string, RegExp][] = [
    ["p=tls-unique,,n=alice,r=x", /channel binding is not supported/],
    ["n,n=alice,r=x", /bad gs2 header/],
    ["n,,r=x,n=alice", /user name must come first/],
    ["n,,n=alice", /nonce must follow/],
    ["n,,n=alice,r=", /bad nonce/],
    ["n,,m=ext,n=alice,r=x", /mandatory extensions/],
    ["n,,n=alice,r=x,tokenauth=true", /delegation tokens/],
  ];
  for (const [message, pattern] of cases) {
    const session = startSasl("SCRAM-SHA-512", users)!;
    await assert.rejects(session.step(text.encode(message)), rejectedWith(pattern));
  }
  const session = startSasl("SCRAM-SHA-512", users)!;
  await assert.rejects(session.step(new Uint8Array([0xff, 0xfe])), rejectedWith(/UTF-8/));
}, SANITIZED);

test("SCRAM rejects a client-final message without a proof or with a short one", async () => {
  for (const final of ["c=biws,r=NONCE", "c=biws,r=NONCE,p=AAAA"]) {
    const session = startSasl("SCRAM-SHA-256", users)!;
    const first = await session.step(text.encode("n,,n=alice,r=abc"));
    const { nonce } = parseServerFirst(fromBytes(first.response));
    await assert.rejects(
      session.step(text.encode(final.replace("NONCE", nonce))),
      rejectedWith(/missing proof|bad proof/),
    );
  }
}, SANITIZED);

test("a SASL session refuses tokens after it finished", async () => {
  const scramSession = startSasl("SCRAM-SHA-256", users)!;
  await scram({
    hash: "SHA-256",
    session: scramSession,
    saslName: "alice",
    password: "wonder land",
  });
  await assert.rejects(scramSession.step(text.encode("n,,n=alice,r=x")), rejectedWith(/finished/));
  const plain = startSasl("PLAIN", users)!;
  await plain.step(text.encode("\0alice\0wonder land"));
  await assert.rejects(plain.step(text.encode("\0alice\0wonder land")), rejectedWith(/finished/));
}, SANITIZED);

test(
  "PLAIN authenticates with an empty authzid and with an authzid equal to the user",
  async () => {
    for (const token of ["\0alice\0wonder land", "alice\0alice\0wonder land"]) {
      const step = await startSasl("PLAIN", users)!.step(text.encode(token));
      assert.deepEqual(step, { done: true, response: new Uint8Array(0), principal: "alice" });
    }
    const unicode = await startSasl("PLAIN", users)!.step(text.encode("\0a,b=c\0pässwörd"));
    assert.equal(unicode.done && unicode.principal, "a,b=c");
  },
  SANITIZED,
);

test("PLAIN rejects wrong passwords, unknown users and foreign authzids", async () => {
  const attempt = (token: string) => startSasl("PLAIN", users)!.step(text.encode(token));
  await assert.rejects(attempt("\0alice\0wonderland"), invalidCredentials("PLAIN"));
  await assert.rejects(attempt("\0mallory\0wonder land"), invalidCredentials("PLAIN"));
  await assert.rejects(
    attempt("bob\0alice\0wonder land"),
    rejectedWith(/authorization id that is different from username/),
  );
  await assert.rejects(attempt("\0alice"), rejectedWith(/expected 3 tokens, got 2/));
  await assert.rejects(attempt("\0\0pw"), rejectedWith(/username not specified/));
  await assert.rejects(attempt("\0alice\0"), rejectedWith(/password not specified/));
}, SANITIZED);

test("SASL errors never contain the offered password", async () => {
  const secret = "S3cr3t-guess";
  const messages: string[] = [];
  const collect = async (run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      messages.push((error as Error).message);
    }
  };
  await collect(() => startSasl("PLAIN", users)!.step(text.encode(`\0alice\0${secret}`)));
  await collect(() => startSasl("PLAIN", users)!.step(text.encode(`x\0alice\0${secret}`)));
  await collect(() => scramExchange("SCRAM-SHA-512", { password: secret }));
  assert.equal(messages.length, 3);
  for (const message of messages) assert.ok(!message.includes(secret), message);
}, SANITIZED);

test("startSasl() returns undefined for mechanisms other than the three Kafka names", () => {
  assert.deepEqual([...SASL_MECHANISMS], ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]);
  for (const mechanism of ["GSSAPI", "OAUTHBEARER", "scram-sha-256", ""]) {
    assert.equal(startSasl(mechanism, users), undefined);
  }
  for (const mechanism of SASL_MECHANISMS) assert.ok(startSasl(mechanism, users));
}, SANITIZED);

test("UserStore keeps names but not passwords, and validates its input", async () => {
  assert.deepEqual(users.usernames, ["alice", "a,b=c"]);
  assert.equal(users.enabled, true);
  const shown = Deno.inspect(users, { depth: 10, showHidden: true }) + JSON.stringify(users);
  assert.ok(!shown.includes("wonder land"));
  assert.equal((await UserStore.create([])).enabled, false);
  await assert.rejects(
    UserStore.create([{ username: "alice", password: "x" }], 4095),
    (e: unknown) => e instanceof UserStoreError && /at least 4096, got 4095/.test(e.message),
  );
  await assert.rejects(
    UserStore.create([{ username: "bob", password: "x" }, { username: "bob", password: "y" }]),
    (e: unknown) => e instanceof UserStoreError && e.message === 'user "bob" is listed twice',
  );
  await assert.rejects(
    UserStore.create([{ username: "ANONYMOUS", password: "x" }]),
    (e: unknown) => e instanceof UserStoreError && /reserved/.test(e.message),
  );
  await assert.rejects(
    UserStore.create([{ username: "", password: "x" }]),
    (e: unknown) => e instanceof UserStoreError && /empty/.test(e.message),
  );
}, SANITIZED);

test("UserStore honours a higher iteration count in the server-first message", async () => {
  const strong = await UserStore.create([{ username: "alice", password: "pw" }], 8192);
  const { principal, serverFirst } = await scram({
    hash: "SHA-256",
    session: startSasl("SCRAM-SHA-256", strong)!,
    saslName: "alice",
    password: "pw",
  });
  assert.equal(principal, "alice");
  assert.equal(parseServerFirst(serverFirst).iterations, 8192);
}, SANITIZED);
