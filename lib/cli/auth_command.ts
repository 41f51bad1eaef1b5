/**
 * `igwn-alert auth locate|list|add|remove`: manage hop credentials in auth.toml, as `hop auth`
 * does.
 *
 * @module
 */
import { Command } from "commander";
import { Auth } from "../hop/auth.ts";
import {
  authFilePath,
  type ConfigEnv,
  loadAuth,
  pruneLegacyAuth,
  writeAuth,
} from "../hop/auth_file.ts";
import { readCredentialCsv } from "../hop/csv_import.ts";
import { AuthFileNotFoundError, HopError, InvalidCredentialError } from "../hop/errors.ts";
import { type Logger, type LogLevel, stderrLogger } from "../hop/log.ts";
import { describeCredential } from "../hop/select_credential.ts";
import { splitHostPort } from "../hop/url.ts";
import { CliExit } from "./cli_exit.ts";

/** Exit code of a program ended by SIGINT (128 + 2), as shells report it. */
const INTERRUPTED_EXIT = 130;
const INTERRUPTED = "interrupted; no credential was written";

/** Where the auth command reads and writes; every field defaults to the process. */
export interface AuthCommandIo {
  /** Receives data (paths, credential lists). */
  stdout?: (text: string) => void;
  /** Receives prompts and log lines. */
  stderr?: (text: string) => void;
  /** Answers to the interactive prompts of `auth add`. */
  stdin?: ReadableStream<Uint8Array>;
  /** Whether stdin is a terminal (the password is then read without echo). */
  stdinIsTerminal?: boolean;
  /** Whether stdout is a terminal (`auth list` then says when there are no credentials). */
  stdoutIsTerminal?: boolean;
  /** Variables used to locate auth.toml instead of the process environment. */
  env?: ConfigEnv;
  /** The program's name in log lines, errors and advice: `igwn-alert` (default) or `hop`. */
  program?: string;
}

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
}

/**
 * Reads answers line by line; in terminal mode a hidden line is read with echo turned off. Every
 * prompt ends its line before anything else is written: a terminal echoes the user's Enter,
 * otherwise (answers piped in, end of input, Ctrl-C) the reader writes the line end itself.
 * From construction to {@link release}, SIGINT (Ctrl-C) ends the questions with exit code 130
 * instead of killing the process without a word.
 */
class PromptReader {
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #buffer: number[] = [];
  #ended = false;
  #interrupted = Promise.withResolvers<never>();
  #onInterrupt = () => this.#interrupted.reject(new CliExit(INTERRUPTED_EXIT, INTERRUPTED));

  constructor(
    readonly stream: () => ReadableStream<Uint8Array>,
    readonly write: (text: string) => void,
    readonly terminal: boolean,
  ) {
    // Observed by the next (or the current) question; none may be pending at the moment.
    this.#interrupted.promise.catch(() => {});
    Deno.addSignalListener("SIGINT", this.#onInterrupt);
  }

  async #fill(): Promise<boolean> {
    if (this.#ended) return false;
    this.#reader ??= this.stream().getReader();
    const { value, done } = await this.#reader.read();
    if (done) {
      this.#ended = true;
      return false;
    }
    this.#buffer.push(...value);
    return true;
  }

  async #line(): Promise<string | undefined> {
    for (;;) {
      const newline = this.#buffer.indexOf(0x0a);
      if (newline >= 0) {
        const bytes = this.#buffer.splice(0, newline + 1);
        return new TextDecoder().decode(Uint8Array.from(bytes)).replace(/\r?\n$/, "");
      }
      if (!await this.#fill()) {
        if (this.#buffer.length === 0) return undefined;
        const bytes = this.#buffer.splice(0);
        return new TextDecoder().decode(Uint8Array.from(bytes));
      }
    }
  }

  /** Reads typed characters in raw mode so the password is not shown; Ctrl-C interrupts. */
  async #hiddenLine(): Promise<string | undefined> {
    Deno.stdin.setRaw(true);
    try {
      const typed: number[] = [];
      for (;;) {
        if (this.#buffer.length === 0 && !await this.#fill()) {
          return typed.length ? new TextDecoder().decode(Uint8Array.from(typed)) : undefined;
        }
        const byte = this.#buffer.shift()!;
        if (byte === 0x0d || byte === 0x0a) break;
        if (byte === 0x03) throw new CliExit(INTERRUPTED_EXIT, INTERRUPTED);
        if (byte === 0x04 && typed.length === 0) return undefined;
        if (byte === 0x7f || byte === 0x08) typed.pop();
        else typed.push(byte);
      }
      return new TextDecoder().decode(Uint8Array.from(typed));
    } finally {
      Deno.stdin.setRaw(false);
    }
  }

  /** Writes `prompt` and returns the answer. */
  async ask(prompt: string, hidden = false): Promise<string> {
    const rawMode = hidden && this.terminal;
    let answer: string | undefined;
    try {
      this.write(prompt);
      answer = await Promise.race([
        this.#interrupted.promise,
        rawMode ? this.#hiddenLine() : this.#line(),
      ]);
    } catch (error) {
      // A signal leaves the hidden read pending: give the terminal back before exiting.
      if (rawMode) Deno.stdin.setRaw(false);
      this.write("\n");
      throw error;
    }
    // A terminal echoes the Enter of a visible answer; nothing echoes a hidden or piped one.
    if (!this.terminal || rawMode || answer === undefined) this.write("\n");
    if (answer === undefined) {
      throw new HopError(`no answer to '${prompt.trim()}' (end of input)`);
    }
    return answer;
  }

  release(): void {
    Deno.removeSignalListener("SIGINT", this.#onInterrupt);
    try {
      this.#reader?.releaseLock();
    } catch {
      // A read is still pending (interrupted prompt); the program is ending anyway.
    }
  }
}

/**
 * hop's hostname check for `auth add`: empty, `host`, `host:port` or `[ipv6]:port`, with a
 * `kafka://` prefix tolerated (and reported). Unlike hop, a port must have digits.
 *
 * @param text what the user typed
 * @param log receives the warning about a stripped prefix
 * @returns the hostname to store
 */
function parseHostnameAnswer(text: string, log: Logger): string {
  let hostname = text.trim();
  if (hostname === "") return "";
  if (hostname.toLowerCase().startsWith("kafka://")) {
    log.warn("Ignoring 'kafka://' prefix on hostname");
    hostname = hostname.slice("kafka://".length);
  }
  const { host } = splitHostPort(hostname);
  if (host === "" || host === "[]" || hostname.includes("/") || hostname.includes("@")) {
    throw new InvalidCredentialError(
      "Unable to parse hostname. Please enter either `hostname` or `hostname:port`.",
    );
  }
  return hostname;
}

async function askCredential(reader: PromptReader, log: Logger): Promise<Auth> {
  const username = (await reader.ask("Username: ")).trim();
  if (username === "") throw new InvalidCredentialError("Username may not be empty");
  const password = await reader.ask("Password: ", true);
  if (password === "") throw new InvalidCredentialError("Password may not be empty");
  const hostname = parseHostnameAnswer(await reader.ask("Hostname (may be empty): "), log);
  const tokenEndpoint = (await reader.ask("Token endpoint (empty if not applicable): ")).trim();
  return new Auth({ username, password, hostname, tokenEndpoint: tokenEndpoint || undefined });
}

/** hop's conflict rule: same username and the same hostname, or both without one. */
function conflicts(a: Auth, b: Auth): boolean {
  return a.username === b.username && a.hostname === b.hostname;
}

async function loadExisting(env: ConfigEnv | undefined): Promise<Auth[]> {
  try {
    return await loadAuth(undefined, env);
  } catch (error) {
    if (error instanceof AuthFileNotFoundError) return [];
    throw error;
  }
}

function levelOf(options: { quiet?: boolean; verbose?: boolean }): LogLevel {
  return options.verbose ? "debug" : options.quiet ? "warning" : "info";
}

/**
 * Builds the `auth` command with hop's four subcommands:
 *
 * - `locate`: print the auth.toml path (whether or not it exists);
 * - `list`: one line per credential, `user` or `user for host` (usernames padded); never
 *   passwords; a missing file is an error that says how to get and add a credential;
 * - `add [FILE] [--force]`: add the credential from a CSV file, or ask for Username, Password
 *   (hidden on a terminal), Hostname and Token endpoint on stdin; an existing credential with the
 *   same username and hostname is kept (a warning, exit 0, as hop exits 0) unless `--force`
 *   replaces it; SIGINT at a prompt ends with exit code 130;
 * - `remove NAME`: remove `user` or `user@host`.
 *
 * `-q/--quiet` and `-v/--verbose` go before the subcommand, as in hop.
 *
 * @param io streams and environment to use instead of the process's
 * @returns the commander command
 * @example
 * ```ts ignore
 * import { authCommand } from "./auth_command.ts";
 * await authCommand().parseAsync(["locate"], { from: "user" });
 * ```
 */
export function authCommand(io: AuthCommandIo = {}): Command {
  const stdout = io.stdout ?? ((text: string) => writeAll(Deno.stdout, text));
  const stderr = io.stderr ?? ((text: string) => writeAll(Deno.stderr, text));
  const program = io.program ?? "igwn-alert";
  const auth = new Command("auth")
    .summary("authentication configuration utilities")
    .description(
      "Manage the credentials in hop's auth.toml, as hop auth does. Credentials are issued at " +
        "https://my.hop.scimma.org.",
    )
    .option("-q, --quiet", "only show warnings and errors")
    .option("-v, --verbose", "show debug messages")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: stdout,
      writeErr: stderr,
      outputError: (text, write) => write(text.replace(/^error: /, `${program}: `)),
    });
  const logger = () => {
    const options = auth.opts<{ quiet?: boolean; verbose?: boolean }>();
    if (options.quiet && options.verbose) {
      throw new HopError("--quiet and --verbose cannot be used together");
    }
    return stderrLogger(levelOf(options), program, stderr);
  };
  const subcommand = (name: string, summary: string, description: string) =>
    auth.command(name).summary(summary).description(description).exitOverride().configureOutput({
      writeOut: stdout,
      writeErr: stderr,
      outputError: (text, write) => write(text.replace(/^error: /, `${program}: `)),
    });

  subcommand(
    "locate",
    "print the path of the credential file",
    "Print the path of hop's auth.toml, whether or not it exists.",
  ).action(() => {
    stdout(`${authFilePath(io.env)}\n`);
  });

  subcommand(
    "list",
    "list stored credentials (never their passwords)",
    "Print one line per stored credential: the username, and the host it is for if any. " +
      "Passwords are never shown.",
  ).action(async () => {
    logger();
    let creds: Auth[];
    try {
      creds = await loadAuth(undefined, io.env);
    } catch (error) {
      if (!(error instanceof AuthFileNotFoundError)) throw error;
      throw new CliExit(
        1,
        `${error.message}; get a credential from https://my.hop.scimma.org and store it with ` +
          `'${program} auth add'`,
      );
    }
    if (creds.length === 0) {
      const terminal = io.stdoutIsTerminal ?? Deno.stdout.isTerminal();
      if (terminal) stdout("No credentials configured\n");
      return;
    }
    const width = Math.max(...creds.map((cred) => cred.username.length));
    for (const cred of creds) {
      stdout(
        cred.hostname === ""
          ? `${cred.username}\n`
          : `${cred.username.padEnd(width)} for ${cred.hostname}\n`,
      );
    }
  });

  subcommand(
    "add",
    "add a credential from a CSV file, or interactively",
    "Add the credential in FILE (the CSV file https://my.hop.scimma.org offers for download), " +
      "or ask for it on standard input. A credential with the same username and hostname is " +
      "kept unless --force is given.",
  )
    .argument("[file]", "CSV credential file (as downloaded from https://my.hop.scimma.org)")
    .option("--force", "replace an existing credential with the same username and hostname")
    .action(async (file: string | undefined, options: { force?: boolean }) => {
      const log = logger();
      const creds = await loadExisting(io.env);
      let added: Auth;
      if (file !== undefined) {
        added = await readCredentialCsv(file);
      } else {
        const reader = new PromptReader(
          () => io.stdin ?? Deno.stdin.readable,
          stderr,
          io.stdinIsTerminal ?? (io.stdin === undefined && Deno.stdin.isTerminal()),
        );
        try {
          added = await askCredential(reader, log);
        } finally {
          reader.release();
        }
      }
      const existing = creds.findIndex((cred) => conflicts(cred, added));
      if (existing >= 0 && !options.force) {
        // Exit 0 as hop does: re-running a setup script that adds the credential is no failure.
        log.warn(
          `credential ${describeStored(added)} already exists in ${authFilePath(io.env)}; ` +
            "not changed (replace it with --force)",
        );
        return;
      }
      if (existing >= 0) creds[existing] = added;
      else creds.push(added);
      const path = await writeAuth(creds, undefined, io.env);
      log.info(`Wrote configuration to: ${path}`);
      if (await pruneLegacyAuth(io.env)) log.info("Removed the legacy [auth] table of config.toml");
    });

  subcommand(
    "remove",
    "remove a credential given as USER or USER@HOST",
    "Remove the credential of USER (or of USER for HOST) from auth.toml.",
  )
    .argument("<name>", "USER or USER@HOST")
    .action(async (name: string) => {
      const log = logger();
      const parts = name.split("@");
      if (parts.length > 2) {
        throw new InvalidCredentialError(
          `'${name}' is not USER or USER@HOST: it contains more than one '@'`,
        );
      }
      const [username, hostname] = parts;
      if (username === "" || hostname === "") {
        throw new InvalidCredentialError(`'${name}' is not USER or USER@HOST`);
      }
      const creds = await loadAuth(undefined, io.env);
      const exact = creds.filter((cred) =>
        cred.username === username && (hostname === undefined || cred.hostname === hostname)
      );
      // hop compares hostnames literally; fall back to treating a missing port as 9092.
      const matches = exact.length > 0 || hostname === undefined
        ? exact
        : creds.filter((cred) => cred.username === username && sameBroker(cred.hostname, hostname));
      const withHost = hostname === undefined ? "" : ` with hostname '${hostname}'`;
      if (matches.length === 0) {
        throw new HopError(`No matching credential found with username '${username}'${withHost}`);
      }
      if (matches.length > 1) {
        throw new HopError(
          `Ambiguous credentials found for username '${username}'` +
            (hostname === undefined ? " with no hostname specified" : withHost) +
            "\nMatched credentials:" +
            matches.map((cred) => `\n  ${describeCredential(cred)}`).join(""),
        );
      }
      const path = await writeAuth(creds.filter((cred) => cred !== matches[0]), undefined, io.env);
      log.info(`Wrote configuration to: ${path}`);
      if (await pruneLegacyAuth(io.env)) log.info("Removed the legacy [auth] table of config.toml");
    });

  return auth;
}

function describeStored(cred: Auth): string {
  return cred.hostname === ""
    ? `'${cred.username}' (for any host)`
    : `'${cred.username}' for ${cred.hostname}`;
}

function sameBroker(a: string, b: string): boolean {
  const left = splitHostPort(a);
  const right = splitHostPort(b);
  if (left.host === "" || left.host !== right.host) return false;
  return (left.port ?? "9092") === (right.port ?? "9092");
}
