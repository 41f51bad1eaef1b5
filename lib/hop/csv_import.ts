/**
 * hop's CSV credential files (as downloaded from the SCiMMA auth site): a header row naming the
 * columns, then one credential per row; only the first row is used.
 *
 * @module
 */
import { Auth, normalizeMechanism, SASL_MECHANISMS } from "./auth.ts";
import { AuthFileError, AuthFileNotFoundError } from "./errors.ts";

interface CsvRow {
  fields: string[];
  line: number;
}

/** RFC 4180 rows (quoted fields, doubled quotes, CRLF or LF), each with its first line number. */
function parseCsvRows(text: string, path: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let rowLine = 1;
  let index = 0;
  let quotedFieldStart = -1;
  const endRow = () => {
    fields.push(field);
    // Blank lines hold no row, as for Python's csv.DictReader.
    if (!(fields.length === 1 && fields[0] === "")) rows.push({ fields, line: rowLine });
    fields = [];
    field = "";
  };
  while (index < text.length) {
    const char = text[index];
    if (char === '"' && field === "" && quotedFieldStart < 0) {
      quotedFieldStart = line;
      index++;
      for (;;) {
        if (index >= text.length) {
          throw new AuthFileError(
            `${path}:${quotedFieldStart}: unterminated quoted field`,
            path,
            quotedFieldStart,
          );
        }
        const next = text[index++];
        if (next === '"') {
          if (text[index] === '"') {
            field += '"';
            index++;
            continue;
          }
          break;
        }
        if (next === "\n") line++;
        field += next;
      }
      continue;
    }
    if (char === ",") {
      fields.push(field);
      field = "";
      quotedFieldStart = -1;
      index++;
      continue;
    }
    if (char === "\r" || char === "\n") {
      endRow();
      quotedFieldStart = -1;
      index += char === "\r" && text[index + 1] === "\n" ? 2 : 1;
      line++;
      rowLine = line;
      continue;
    }
    field += char;
    index++;
  }
  if (field !== "" || fields.length > 0) endRow();
  return rows;
}

/**
 * Builds the credential from CSV text with hop's rules: columns `username` and `password` are
 * required; `hostname`, `token_endpoint`, `mechanism`, `protocol` and `ssl_ca_location` are
 * optional; only the first data row counts. Unlike hop (a bare `KeyError`), problems are
 * reported with the file, line and column name; the mechanism is stored in its dashed form.
 *
 * @param text CSV contents
 * @param path file name used in messages
 * @returns the credential
 * @throws {AuthFileError} for a missing column, no data row, an empty username/password or an
 *   unknown mechanism
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseCredentialCsv } from "@igwn/alert";
 * const auth = parseCredentialCsv("username,password\nalice-1234,secret\n", "creds.csv");
 * assert.deepStrictEqual([auth.username, auth.mechanism], ["alice-1234", "SCRAM-SHA-512"]);
 * ```
 */
export function parseCredentialCsv(text: string, path: string): Auth {
  const rows = parseCsvRows(text.replace(/^\uFEFF/, ""), path);
  if (rows.length === 0) throw new AuthFileError(`${path}: the file is empty`, path);
  const [header, first] = rows;
  const columns = header.fields.map((name) => name.trim());
  for (const required of ["username", "password"]) {
    if (!columns.includes(required)) {
      throw new AuthFileError(
        `${path}:${header.line}: missing column '${required}' in the header ` +
          `(found: ${columns.map((name) => `'${name}'`).join(", ")})`,
        path,
        header.line,
      );
    }
  }
  if (first === undefined) {
    throw new AuthFileError(`${path}: no credential row after the header`, path, header.line);
  }
  const cell = (name: string): string | undefined => {
    const index = columns.indexOf(name);
    return index < 0 ? undefined : first.fields[index];
  };
  const fail = (problem: string): never => {
    throw new AuthFileError(`${path}:${first.line}: ${problem}`, path, first.line);
  };
  for (const required of ["username", "password"]) {
    if (!cell(required)) fail(`empty '${required}'`);
  }
  const mechanismText = cell("mechanism") || undefined;
  const mechanism = mechanismText === undefined ? undefined : normalizeMechanism(mechanismText);
  if (mechanismText !== undefined && mechanism === undefined) {
    fail(
      `unknown SASL mechanism '${mechanismText}' (expected one of ${SASL_MECHANISMS.join(", ")})`,
    );
  }
  return new Auth({
    username: cell("username")!,
    password: cell("password")!,
    hostname: cell("hostname") ?? "",
    tokenEndpoint: cell("token_endpoint") || undefined,
    mechanism,
    protocol: cell("protocol") || undefined,
    sslCaLocation: cell("ssl_ca_location") || undefined,
  });
}

/**
 * Reads a CSV credential file; see {@linkcode parseCredentialCsv}.
 *
 * @param path the CSV file
 * @returns the credential of its first row
 * @throws {AuthFileNotFoundError} when the file does not exist
 * @throws {AuthFileError} for any problem in the file
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { readCredentialCsv } from "@igwn/alert";
 * const path = await Deno.makeTempFile({ suffix: ".csv" });
 * await Deno.writeTextFile(path, "username,password,hostname\nalice,secret,kafka.example.org\n");
 * assert.strictEqual((await readCredentialCsv(path)).hostname, "kafka.example.org");
 * ```
 */
export async function readCredentialCsv(path: string): Promise<Auth> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new AuthFileNotFoundError(`credential file ${path} does not exist`, path);
    }
    throw new AuthFileError(`cannot read ${path}: ${(error as Error).message}`, path);
  }
  return parseCredentialCsv(text, path);
}
