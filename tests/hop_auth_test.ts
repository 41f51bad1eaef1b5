import { deepStrictEqual, rejects, throws } from "node:assert/strict";
import {
  AmbiguousCredentialError,
  assertUsable,
  Auth,
  AuthFileError,
  AuthFileNotFoundError,
  authFilePath,
  configFilePath,
  formatAuthToml,
  InvalidCredentialError,
  loadAuth,
  lookupNetrc,
  NoCredentialError,
  parseCredentialCsv,
  parseNetrc,
  pruneLegacyAuth,
  readCredentialCsv,
  selectCredential,
  UnsupportedError,
  writeAuth,
} from "../lib/hop/mod.ts";
import { hopFixturePath } from "./support/hop_fixtures.ts";
import { test } from "./support/deadline.ts";

async function configHome(files: Record<string, [string, number]> = {}) {
  const home = await Deno.makeTempDir();
  await Deno.mkdir(`${home}/hop`);
  for (const [name, [text, mode]] of Object.entries(files)) {
    await Deno.writeTextFile(`${home}/hop/${name}`, text, { mode });
    await Deno.chmod(`${home}/hop/${name}`, mode);
  }
  return { home, env: { XDG_CONFIG_HOME: home } };
}

const ENTRY = '[[auth]]\nusername = "alice"\npassword = "s3cret-pw"\n';

test("Auth defaults to SASL_SSL with SCRAM-SHA-512 and normalizes mechanisms", () => {
  const auth = new Auth({ username: "u", password: "p" });
  deepStrictEqual([auth.protocol, auth.ssl, auth.mechanism, auth.hostname], [
    "SASL_SSL",
    true,
    "SCRAM-SHA-512",
    "",
  ]);
  deepStrictEqual(
    new Auth({ username: "u", password: "p", mechanism: "scram_sha_256" }).mechanism,
    "SCRAM-SHA-256",
  );
  deepStrictEqual(
    new Auth({ username: "u", password: "p", tokenEndpoint: "https://x/token" }).mechanism,
    "OAUTHBEARER",
  );
  deepStrictEqual(
    new Auth({ username: "u", password: "p", protocol: "SASL_PLAINTEXT" }).ssl,
    false,
  );
  deepStrictEqual(new Auth({ username: "u", password: "p", protocol: "sasl_ssl" }).ssl, true);
  deepStrictEqual(
    new Auth({ username: "u", password: "p", ssl: false }).protocol,
    "SASL_PLAINTEXT",
  );
  throws(() => new Auth({ username: "", password: "p" }), InvalidCredentialError);
});

test("Auth.with() changes fields and keeps the rest", () => {
  const base = new Auth({ username: "u", password: "p", hostname: "h", mechanism: "PLAIN" });
  const local = base.with({ ssl: false });
  deepStrictEqual([local.protocol, local.mechanism, local.hostname], [
    "SASL_PLAINTEXT",
    "PLAIN",
    "h",
  ]);
  deepStrictEqual(base.with({}).equals(base), true);
  deepStrictEqual(base.with({ password: "q" }).equals(base), false);
});

test("Auth never shows its password in toString, JSON or inspect", () => {
  const auth = new Auth({ username: "alice", password: "hunter2", hostname: "h" });
  for (
    const text of [String(auth), JSON.stringify(auth), Deno.inspect(auth), Deno.inspect([auth])]
  ) {
    deepStrictEqual(text.includes("hunter2"), false, text);
    deepStrictEqual(text.includes("alice"), true, text);
  }
  deepStrictEqual(auth.password, "hunter2");
  deepStrictEqual(Object.keys(auth).includes("password"), false);
  deepStrictEqual(Object.isFrozen(auth), true);
});

test("assertUsable() takes OpenID Connect with a token endpoint, refuses OAUTHBEARER without one and unknown mechanisms", () => {
  assertUsable(new Auth({ username: "u", password: "p" }));
  assertUsable(
    new Auth({ username: "client", password: "pw", tokenEndpoint: "https://id.example/token" }),
  );
  throws(
    () =>
      assertUsable(
        new Auth({ username: "client", password: "pw", mechanism: "OAUTHBEARER", hostname: "h" }),
      ),
    (error: unknown) =>
      error instanceof UnsupportedError &&
      error.message ===
        "credential 'client' for h uses OAUTHBEARER without a token_endpoint; only OpenID " +
          "Connect tokens from a token endpoint (client-credentials grant) are supported",
  );
  throws(
    () =>
      assertUsable(
        new Auth({
          username: "client",
          password: "pw",
          mechanism: "SCRAM-SHA-512",
          tokenEndpoint: "https://id.example/token",
        }),
      ),
    /has a token_endpoint but SASL mechanism 'SCRAM-SHA-512'; OpenID Connect needs OAUTHBEARER/,
  );
  throws(
    () =>
      assertUsable(new Auth({ username: "c", password: "p", tokenEndpoint: "id.example/token" })),
    /token_endpoint 'id.example\/token', which is not an http\(s\) URL/,
  );
  throws(
    () => assertUsable(new Auth({ username: "u", password: "p", mechanism: "SCRAM-SHA-1" })),
    /SASL mechanism 'SCRAM-SHA-1', which is not supported/,
  );
});

test("authFilePath() uses XDG_CONFIG_HOME, else HOME/.config, ignoring an empty XDG value", () => {
  deepStrictEqual(authFilePath({ XDG_CONFIG_HOME: "/x" }), "/x/hop/auth.toml");
  deepStrictEqual(authFilePath({ HOME: "/home/a" }), "/home/a/.config/hop/auth.toml");
  deepStrictEqual(
    authFilePath({ XDG_CONFIG_HOME: "", HOME: "/home/a" }),
    "/home/a/.config/hop/auth.toml",
  );
  deepStrictEqual(configFilePath({ XDG_CONFIG_HOME: "/x/" }), "/x/hop/config.toml");
});

test("loadAuth() reads array-of-tables, inline arrays and the legacy single table", async () => {
  const { env } = await configHome({
    "auth.toml": [
      ENTRY +
      'hostname = "kafka.example.org"\nmechanism = "SCRAM_SHA_256"\nprotocol = "SASL_PLAINTEXT"\n' +
      'extra = "ignored"\n\n[[auth]]\nusername = "bob"\npassword = "x"\n' +
      'token_endpoint = "https://id.example/token"\n',
      0o600,
    ],
  });
  const creds = await loadAuth(undefined, env);
  deepStrictEqual(creds.map((cred) => cred.toJSON()), [
    {
      username: "alice",
      password: "***",
      hostname: "kafka.example.org",
      mechanism: "SCRAM-SHA-256",
      protocol: "SASL_PLAINTEXT",
    },
    {
      username: "bob",
      password: "***",
      hostname: "",
      mechanism: "OAUTHBEARER",
      protocol: "SASL_SSL",
      tokenEndpoint: "https://id.example/token",
    },
  ]);
  const inline = await configHome({
    "auth.toml": ['auth = [{username="u", password="p"}]\n', 0o600],
  });
  deepStrictEqual((await loadAuth(undefined, inline.env))[0].username, "u");
  const legacy = await configHome({
    "auth.toml": ['[auth]\nusername = "l"\npassword = "p"\n', 0o600],
  });
  deepStrictEqual((await loadAuth(undefined, legacy.env)).length, 1);
});

test("loadAuth() refuses group/other-readable files with hop's message", async () => {
  const { home, env } = await configHome({ "auth.toml": [ENTRY, 0o644] });
  await rejects(loadAuth(undefined, env), (error: unknown) => {
    deepStrictEqual(error instanceof AuthFileError, true);
    deepStrictEqual(
      (error as Error).message,
      `${home}/hop/auth.toml has unsafe permissions: 100644\nPlease correct it to 0600`,
    );
    return true;
  });
  await Deno.chmod(`${home}/hop/auth.toml`, 0o700);
  deepStrictEqual((await loadAuth(undefined, env)).length, 1);
});

test("loadAuth() names the file and line of a TOML error", async () => {
  const { home, env } = await configHome({
    "auth.toml": ['[[auth]]\nusername = "alice"\npassword = \n', 0o600],
  });
  await rejects(loadAuth(undefined, env), (error: unknown) => {
    deepStrictEqual((error as AuthFileError).line, 3);
    deepStrictEqual(
      (error as Error).message.startsWith(
        `configuration file ${home}/hop/auth.toml is not configured correctly: line 3, column`,
      ),
      true,
      (error as Error).message,
    );
    return true;
  });
});

test("loadAuth() TOML errors do not quote the password", async () => {
  for (const line of ["password = hunter2x", 'password = "hunter2x', 'password = "x" hunter2x']) {
    const { env } = await configHome({
      "auth.toml": [`[[auth]]\nusername = "u"\n${line}\n`, 0o600],
    });
    await rejects(loadAuth(undefined, env), (error: unknown) => {
      deepStrictEqual(error instanceof AuthFileError, true);
      deepStrictEqual(
        (error as Error).message.includes("hunter2x"),
        false,
        (error as Error).message,
      );
      return true;
    });
  }
});

test("loadAuth() names the missing property, entry and line without the password", async () => {
  const { home, env } = await configHome({
    "auth.toml": [ENTRY + '\n[[auth]]\npassword = "other-secret"\n', 0o600],
  });
  await rejects(loadAuth(undefined, env), (error: unknown) => {
    const message = (error as Error).message;
    deepStrictEqual(
      message,
      `configuration file ${home}/hop/auth.toml is not configured correctly: ` +
        "missing auth property 'username' (entry 2, line 5)",
    );
    deepStrictEqual((error as AuthFileError).line, 5);
    return true;
  });
});

test("loadAuth() rejects an unknown mechanism and a file without auth section", async () => {
  const bad = await configHome({ "auth.toml": [ENTRY + 'mechanism = "GSSAPI"\n', 0o600] });
  await rejects(loadAuth(undefined, bad.env), /unknown SASL mechanism 'GSSAPI' \(expected one of/);
  const none = await configHome({ "auth.toml": ["[config]\nx = 1\n", 0o600] });
  await rejects(
    loadAuth(undefined, none.env),
    new RegExp(`configuration file ${none.home}/hop/auth.toml has no auth section`),
  );
});

test("loadAuth() falls back to the legacy [auth] table of config.toml", async () => {
  const { env } = await configHome({
    "config.toml": [
      '[config]\nfetch_external = true\n\n[auth]\nusername = "old"\npassword = "p"\n',
      0o600,
    ],
  });
  deepStrictEqual((await loadAuth(undefined, env))[0].username, "old");
});

test("loadAuth() reports auth.toml as missing when neither file helps", async () => {
  const empty = await configHome();
  await rejects(
    loadAuth(undefined, empty.env),
    (error: unknown) =>
      error instanceof AuthFileNotFoundError &&
      error.path === `${empty.home}/hop/auth.toml`,
  );
  const noAuth = await configHome({ "config.toml": ["[config]\n", 0o600] });
  await rejects(
    loadAuth(undefined, noAuth.env),
    (error: unknown) =>
      error instanceof AuthFileNotFoundError && /has no auth section/.test(error.message),
  );
  await rejects(loadAuth(`${empty.home}/elsewhere.toml`), AuthFileNotFoundError);
});

test("writeAuth() writes hop's layout with mode 0600 and loadAuth() reads it back", async () => {
  const { home, env } = await configHome();
  const creds = [
    new Auth({ username: "a", password: 'p"\\', hostname: "h:9092", mechanism: "SCRAM_SHA_256" }),
    new Auth({ username: "b", password: "q", ssl: false, sslCaLocation: "/ca.pem" }),
    new Auth({ username: "c", password: "r", tokenEndpoint: "https://id/token" }),
  ];
  const path = await writeAuth(creds, undefined, env);
  deepStrictEqual(path, `${home}/hop/auth.toml`);
  deepStrictEqual((await Deno.stat(path)).mode! & 0o777, 0o600);
  deepStrictEqual(
    await Deno.readTextFile(path),
    '[[auth]]\nusername = "a"\npassword = "p\\"\\\\"\nprotocol = "SASL_SSL"\n' +
      'mechanism = "SCRAM-SHA-256"\nhostname = "h:9092"\n\n' +
      '[[auth]]\nusername = "b"\npassword = "q"\nprotocol = "SASL_PLAINTEXT"\n' +
      'mechanism = "SCRAM-SHA-512"\nssl_ca_location = "/ca.pem"\n\n' +
      '[[auth]]\nusername = "c"\npassword = "r"\nprotocol = "SASL_SSL"\n' +
      'mechanism = "OAUTHBEARER"\ntoken_endpoint = "https://id/token"\n',
  );
  const loaded = await loadAuth(undefined, env);
  deepStrictEqual(loaded.every((cred, index) => cred.equals(creds[index])), true);
  deepStrictEqual(formatAuthToml([]), "auth = []\n");
});

test("pruneLegacyAuth() drops [auth] from config.toml and deletes a file left empty", async () => {
  const kept = await configHome({
    "config.toml": [
      '[config]\nfetch_external = false\n\n[auth]\nusername = "u"\npassword = "p"\n',
      0o600,
    ],
  });
  deepStrictEqual(await pruneLegacyAuth(kept.env), true);
  const text = await Deno.readTextFile(`${kept.home}/hop/config.toml`);
  deepStrictEqual([text.includes("fetch_external = false"), text.includes("password")], [
    true,
    false,
  ]);
  const emptied = await configHome({
    "config.toml": ['[auth]\nusername = "u"\npassword = "p"\n', 0o600],
  });
  deepStrictEqual(await pruneLegacyAuth(emptied.env), true);
  await rejects(Deno.stat(`${emptied.home}/hop/config.toml`), Deno.errors.NotFound);
  deepStrictEqual(await pruneLegacyAuth(emptied.env), false);
});

const cred = (username: string, hostname = "") => new Auth({ username, password: "pw", hostname });

test("selectCredential() lets one wildcard credential serve every host", () => {
  deepStrictEqual(selectCredential([cred("a")], "any.example:9093").username, "a");
});

test("selectCredential() prefers an exact hostname and treats a missing port as 9092", () => {
  const creds = [cred("wild"), cred("exact", "example.com")];
  deepStrictEqual(selectCredential(creds, "example.com").username, "exact");
  deepStrictEqual(selectCredential(creds, "example.com:9092").username, "exact");
  deepStrictEqual(selectCredential(creds, "example.com:9093").username, "wild");
  deepStrictEqual(selectCredential([cred("p", "example.com:9092")], "example.com").username, "p");
  deepStrictEqual(selectCredential([cred("v6", "[::1]")], "[::1]:9092").username, "v6");
});

test("selectCredential() filters by the URL username", () => {
  const creds = [cred("a"), cred("b")];
  deepStrictEqual(selectCredential(creds, "h", "b").username, "b");
});

test("selectCredential() reports no match with hop's text and advice", () => {
  throws(() => selectCredential([cred("a", "other")], "h", "zed"), (error: unknown) => {
    deepStrictEqual(error instanceof NoCredentialError, true);
    const [first, advice] = (error as Error).message.split("\n");
    deepStrictEqual(first, "No matching credential found for hostname 'h' with username 'zed'");
    deepStrictEqual(advice.includes("igwn-alert auth add"), true);
    return true;
  });
});

test("selectCredential() reports ambiguity with hop's exact text", () => {
  throws(
    () => selectCredential([cred("a"), cred("b")], "h:9092", undefined, ["t1", "t2"]),
    (error: unknown) => {
      deepStrictEqual(error instanceof AmbiguousCredentialError, true);
      deepStrictEqual(
        (error as Error).message,
        "Ambiguous credentials found for hostname 'h:9092' with no username specified\n" +
          "Matched credentials:\n  a which has no associated hostname\n" +
          "  b which has no associated hostname\n" +
          "To select a specific credential to use, embed its username in the URL:\n" +
          "  kafka://<username>@h:9092/t1,t2",
      );
      return true;
    },
  );
  throws(
    () => selectCredential([cred("same", "h"), cred("same", "h")], "h", "same"),
    /Error: Ambiguous credentials found for hostname 'h' with username 'same'\nMatched credentials:\n {2}same for h\n {2}same for h$/,
  );
});

test("parseNetrc() reads machine, default, quoted values and skips macdef and comments", () => {
  const text = '# comment\nmachine a.example login alice password "two words"\n' +
    "macdef init\ncd /tmp\nput x\n\nmachine b.example\n  login bob\n  password #hash account acct\n" +
    "default login anonymous password guest\n";
  deepStrictEqual(parseNetrc(text, ".netrc"), [
    { machine: "a.example", login: "alice", password: "two words" },
    { machine: "b.example", login: "bob", password: "#hash", account: "acct" },
    { login: "anonymous", password: "guest" },
  ]);
});

test("parseNetrc() names file and line and never the secret", () => {
  throws(
    () => parseNetrc("machine a\n login x password secret1 oops\n", "/home/u/.netrc"),
    (error: unknown) =>
      error instanceof AuthFileError && error.line === 2 &&
      error.message.startsWith("/home/u/.netrc:2: unexpected token") &&
      !error.message.includes("oops") && !error.message.includes("secret1"),
  );
  throws(() => parseNetrc("machine a login", "n"), /Error: n:1: 'login' has no value$/);
  throws(
    () => parseNetrc('machine a password "open', "n"),
    /Error: n:1: unterminated quoted value$/,
  );
});

test("lookupNetrc() matches host with or without port, falls back to default", async () => {
  const path = await Deno.makeTempFile();
  await Deno.writeTextFile(
    path,
    "machine Kafka.Example.org login k password kp\ndefault login d password dp\n",
  );
  await Deno.chmod(path, 0o600);
  deepStrictEqual(await lookupNetrc("kafka.example.org:9092", path), {
    login: "k",
    password: "kp",
  });
  deepStrictEqual(await lookupNetrc("elsewhere", path), { login: "d", password: "dp" });
  deepStrictEqual(await lookupNetrc("h", `${path}.missing`), undefined);
  await Deno.chmod(path, 0o644);
  await rejects(lookupNetrc("h", path), /has unsafe permissions: 100644/);
});

test("readCredentialCsv() reads hop's CSV file with a dashed mechanism", async () => {
  const auth = await readCredentialCsv(
    hopFixturePath("credentials.csv"),
  );
  deepStrictEqual(auth.toJSON(), {
    username: "example-user-1234",
    password: "***",
    hostname: "kafka.example.org:9092",
    mechanism: "SCRAM-SHA-256",
    protocol: "SASL_SSL",
  });
});

test("parseCredentialCsv() names the file and the missing column", () => {
  throws(
    () => parseCredentialCsv("user,password\nu,p\n", "creds.csv"),
    /Error: creds\.csv:1: missing column 'username' in the header \(found: 'user', 'password'\)$/,
  );
  throws(
    () => parseCredentialCsv("username,password\n", "c.csv"),
    /Error: c\.csv: no credential row after the header$/,
  );
  throws(
    () => parseCredentialCsv("username,password\n,p\n", "c.csv"),
    /Error: c\.csv:2: empty 'username'$/,
  );
  const quoted = parseCredentialCsv('\uFEFFusername,password\n"a,b","p""q"\nsecond,row\n', "c.csv");
  deepStrictEqual([quoted.username, quoted.password], ["a,b", 'p"q']);
});
