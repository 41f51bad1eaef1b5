/**
 * Credentials from a netrc file (`$NETRC`, else `~/.netrc`), for brokers that are not in
 * auth.toml.
 *
 * @module
 */
import { checkFilePermissions } from "./auth_file.ts";
import { AuthFileError } from "./errors.ts";
import { splitHostPort } from "./url.ts";

/**
 * One `machine` (or `default`) entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type NetrcEntry, parseNetrc } from "./netrc.ts";
 * const expected: NetrcEntry = { machine: "kafka.example.org", login: "alice", password: "s3" };
 * const text = "machine kafka.example.org login alice password s3";
 * assert.deepEqual(parseNetrc(text, ".netrc"), [expected]);
 * ```
 */
export interface NetrcEntry {
  /** Host name; `undefined` for the `default` entry. */
  machine?: string;
  /** `login` value (`""` when absent). */
  login: string;
  /** `password` value (`""` when absent). */
  password: string;
  /** `account` value, when present. */
  account?: string;
}

const KEYWORDS = new Set(["machine", "default", "login", "password", "account", "macdef"]);

interface Token {
  text: string;
  line: number;
}

/** Splits netrc text into tokens; `"..."` values may contain spaces and backslash escapes. */
function tokenize(text: string, path: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let index = 0;
  let expectValue = false;
  while (index < text.length) {
    const char = text[index];
    if (char === "\n") {
      line++;
      index++;
      continue;
    }
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    // A '#' where a keyword is expected starts a comment; as a value it is an ordinary character
    // (passwords may start with '#').
    if (char === "#" && !expectValue) {
      while (index < text.length && text[index] !== "\n") index++;
      continue;
    }
    const start = line;
    let value = "";
    if (char === '"') {
      index++;
      for (;;) {
        if (index >= text.length) {
          throw new AuthFileError(`${path}:${start}: unterminated quoted value`, path, start);
        }
        const next = text[index++];
        if (next === '"') break;
        if (next === "\n") line++;
        if (next === "\\" && index < text.length) value += text[index++];
        else value += next;
      }
    } else {
      while (index < text.length && !/\s/.test(text[index])) {
        if (text[index] === "\\" && index + 1 < text.length) index++;
        value += text[index++];
      }
    }
    const previous = tokens.at(-1);
    tokens.push({ text: value, line: start });
    if (!expectValue || previous?.text !== "macdef") {
      expectValue = !expectValue && KEYWORDS.has(value) && value !== "default";
      continue;
    }
    // This token named a macro; its body runs to the next empty line and is skipped.
    expectValue = false;
    const blank = /\n[ \t\r]*\n/g;
    blank.lastIndex = index;
    const found = blank.exec(text);
    const stop = found ? found.index + found[0].length : text.length;
    for (const skipped of text.slice(index, stop)) if (skipped === "\n") line++;
    index = stop;
  }
  return tokens;
}

/**
 * Parses netrc text (`machine`, `default`, `login`, `password`, `account`, `macdef`; quoted
 * values). Error messages name the file and line but never a value.
 *
 * @param text file contents
 * @param path file name used in messages
 * @returns entries in file order
 * @throws {AuthFileError} for an unknown keyword, a keyword without value or an unterminated quote
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseNetrc } from "@igwn/alert";
 * const [entry] = parseNetrc('machine kafka.example.org login alice password "s3 cret"', ".netrc");
 * assert.deepStrictEqual([entry.machine, entry.login], ["kafka.example.org", "alice"]);
 * ```
 */
export function parseNetrc(text: string, path: string): NetrcEntry[] {
  const tokens = tokenize(text, path);
  const entries: NetrcEntry[] = [];
  let current: NetrcEntry | undefined;
  for (let index = 0; index < tokens.length; index++) {
    const { text: keyword, line } = tokens[index];
    const value = () => {
      const next = tokens[++index];
      if (next === undefined) {
        throw new AuthFileError(`${path}:${line}: '${keyword}' has no value`, path, line);
      }
      return next.text;
    };
    switch (keyword) {
      case "machine":
        current = { machine: value(), login: "", password: "" };
        entries.push(current);
        break;
      case "default":
        current = { login: "", password: "" };
        entries.push(current);
        break;
      case "macdef":
        value();
        break;
      case "login":
      case "password":
      case "account": {
        if (current === undefined) {
          throw new AuthFileError(
            `${path}:${line}: '${keyword}' appears before any 'machine' or 'default'`,
            path,
            line,
          );
        }
        current[keyword] = value();
        break;
      }
      default:
        throw new AuthFileError(
          `${path}:${line}: unexpected token (expected machine, default, login, password, ` +
            "account or macdef)",
          path,
          line,
        );
    }
  }
  return entries;
}

/**
 * Path of the netrc file: `$NETRC`, else `$HOME/.netrc`.
 *
 * @param env variables to use instead of the process environment
 * @returns the path, or `undefined` when neither variable is set
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { netrcPath } from "@igwn/alert";
 * assert.strictEqual(netrcPath({ HOME: "/home/alice" }), "/home/alice/.netrc");
 * ```
 */
export function netrcPath(
  env: Readonly<Record<string, string | undefined>> = {
    NETRC: Deno.env.get("NETRC"),
    HOME: Deno.env.get("HOME"),
  },
): string | undefined {
  if (env.NETRC) return env.NETRC;
  return env.HOME ? `${env.HOME.replace(/\/+$/, "")}/.netrc` : undefined;
}

/**
 * Finds the login for a host in a netrc file: the first `machine` equal to `machine` (letter case
 * ignored; a `host:port` is also tried as plain `host`), else the `default` entry. A missing file
 * gives `undefined`; a file readable by group or others is refused, as for auth.toml.
 *
 * @param machine broker host, optionally with `:port`
 * @param path netrc file; default {@linkcode netrcPath}
 * @returns login, password and account, or `undefined`
 * @throws {AuthFileError} for unsafe permissions or a malformed file (file and line named)
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { lookupNetrc } from "@igwn/alert";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "machine kafka.example.org login alice password secret\n", { mode: 0o600 });
 * assert.strictEqual((await lookupNetrc("kafka.example.org:9092", path))?.login, "alice");
 * ```
 */
export async function lookupNetrc(
  machine: string,
  path: string | undefined = netrcPath(),
): Promise<{ login: string; password: string; account?: string } | undefined> {
  if (path === undefined) return undefined;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new AuthFileError(`cannot read ${path}: ${(error as Error).message}`, path);
  }
  checkFilePermissions(path, info);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new AuthFileError(`cannot read ${path}: ${(error as Error).message}`, path);
  }
  const entries = parseNetrc(text, path);
  const wanted = [machine.toLowerCase()];
  const { host, port } = splitHostPort(machine);
  if (port !== undefined && host !== "") wanted.push(host.toLowerCase());
  for (const name of wanted) {
    const entry = entries.find((candidate) => candidate.machine?.toLowerCase() === name);
    if (entry) return withoutMachine(entry);
  }
  const fallback = entries.find((entry) => entry.machine === undefined);
  return fallback ? withoutMachine(fallback) : undefined;
}

function withoutMachine(
  entry: NetrcEntry,
): { login: string; password: string; account?: string } {
  return entry.account === undefined
    ? { login: entry.login, password: entry.password }
    : { login: entry.login, password: entry.password, account: entry.account };
}
