/**
 * GCN circulars (`circular`), GCN text notices (`gcntextnotice`) and references to offloaded
 * messages (`external`).
 *
 * @module
 */
import { MessageFormatError } from "../errors.ts";
import { pythonJsonStringify } from "../_python_json.ts";
import type { MessageModel } from "./model.ts";

const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeText(input: Uint8Array | string, what: string): string {
  if (typeof input === "string") return input;
  try {
    return utf8.decode(input);
  } catch {
    throw new MessageFormatError(`${what} is not valid UTF-8`);
  }
}

function parseJsonObject(value: Uint8Array | string, what: string): Record<string, unknown> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(decodeText(value, what));
  } catch (error) {
    if (error instanceof MessageFormatError) throw error;
    throw new MessageFormatError(`${what} is not JSON: ${(error as Error).message}`);
  }
  if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) {
    throw new MessageFormatError(`${what} must be a JSON object`);
  }
  return decoded as Record<string, unknown>;
}

/**
 * A GCN circular: email-style headers and a body. On the wire it is the JSON object
 * `{"header": {...}, "body": "..."}`; printed, it is hop's text form (upper-case header names
 * padded to 9 columns, a blank line, the body).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { GCNCircular } from "@igwn/alert";
 * const circular = GCNCircular.load("TITLE:   GCN CIRCULAR\nNUMBER:  40\n\nBody text\n");
 * assert.deepStrictEqual([circular.header.number, circular.body], ["40", "Body text\n"]);
 * ```
 */
export class GCNCircular implements MessageModel {
  /** Always `"circular"`. */
  readonly format = "circular";

  /**
   * Creates a GCNCircular.
   *
   * @param header header fields with lower-case names, in order
   * @param body the text after the headers
   */
  constructor(readonly header: Record<string, string>, readonly body: string) {}

  /**
   * Parses RFC 822 style text as Python's email parser does for hop: headers up to the first
   * empty line, names lower-cased (a repeated name keeps its first position and last value),
   * folded continuation lines kept with their line break, body = the rest.
   *
   * @param input circular text or UTF-8 bytes
   * @returns the circular
   * @throws {MessageFormatError} for bytes that are not UTF-8
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { GCNCircular } from "@igwn/alert";
   * assert.strictEqual(GCNCircular.load("SUBJECT: GRB 980329\n\ntext").header.subject, "GRB 980329");
   * ```
   */
  static load(input: Uint8Array | string): GCNCircular {
    const text = decodeText(input, "GCN circular");
    const lines = text.split(/\r\n|\n|\r/);
    const header: Record<string, string> = {};
    let last: string | undefined;
    let index = 0;
    for (; index < lines.length; index++) {
      const line = lines[index];
      if (line === "") {
        index++;
        break;
      }
      if (/^[ \t]/.test(line) && last !== undefined) {
        header[last] += "\n" + line;
        continue;
      }
      const match = /^([^\s:]+):[ \t]*(.*)$/.exec(line);
      // A line that is not a header ends the header block and starts the body, as in Python.
      if (!match) break;
      last = match[1].toLowerCase();
      header[last] = match[2];
    }
    const body = lines.slice(index).join("\n");
    return new GCNCircular(header, body);
  }

  /**
   * Decodes the wire form `{"header": {...}, "body": "..."}`.
   *
   * @param value message bytes
   * @returns the circular
   * @throws {MessageFormatError} when the JSON does not have that shape
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { GCNCircular } from "@igwn/alert";
   * const value = new TextEncoder().encode('{"header": {"title": "T"}, "body": "b"}');
   * assert.strictEqual(GCNCircular.deserialize(value).header.title, "T");
   * ```
   */
  static deserialize(value: Uint8Array): GCNCircular {
    return GCNCircular.fromContent(parseJsonObject(value, "GCN circular"));
  }

  /**
   * Builds a circular from a `{header, body}` object (also the legacy envelope content).
   *
   * @param content object with `header` (string values) and `body` (string)
   * @returns the circular
   * @throws {MessageFormatError} when the object does not have that shape
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { GCNCircular } from "@igwn/alert";
   * assert.strictEqual(GCNCircular.fromContent({ header: { number: "1" }, body: "" }).header.number, "1");
   * ```
   */
  static fromContent(content: unknown): GCNCircular {
    const { header, body } = (content ?? {}) as Record<string, unknown>;
    if (
      typeof header !== "object" || header === null || Array.isArray(header) ||
      typeof body !== "string" ||
      !Object.values(header).every((value) => typeof value === "string")
    ) {
      throw new MessageFormatError(
        "GCN circular must be an object with a 'header' object of strings and a 'body' string",
      );
    }
    return new GCNCircular({ ...header as Record<string, string> }, body);
  }

  /** JSON `{"header": {...}, "body": "..."}` written like Python's json.dumps. */
  serialize(): Uint8Array {
    return encoder.encode(pythonJsonStringify({ header: this.header, body: this.body }));
  }

  /** hop's printed form, as UTF-8. */
  toBytes(): Uint8Array {
    return encoder.encode(this.toString());
  }

  /** `NAME:` padded to 9 columns + value per header, a blank line, then the body. */
  toString(): string {
    const headers = Object.entries(this.header).map(([name, value]) =>
      `${name.toUpperCase()}:`.padEnd(9) + value
    );
    return [...headers, "", this.body].join("\n");
  }
}

/**
 * A GCN notice in plain text (`KEY: value` lines). The raw bytes go on the wire unchanged;
 * `fields` holds the parsed values (lower-case keys; continuation lines and repeated keys joined
 * with `\n`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { GCNTextNotice } from "@igwn/alert";
 * const notice = GCNTextNotice.load("TITLE:  GCN/AMON NOTICE\nSRC_RA:  1.0d\n         2.0d\n");
 * assert.strictEqual(notice.fields.src_ra, "1.0d\n2.0d");
 * ```
 */
export class GCNTextNotice implements MessageModel {
  /** Always `"gcntextnotice"`. */
  readonly format = "gcntextnotice";

  /**
   * Creates a GCNTextNotice.
   *
   * @param raw the notice bytes
   * @param fields parsed fields
   */
  constructor(readonly raw: Uint8Array, readonly fields: Record<string, string>) {}

  /**
   * Parses a notice with hop's rules. Unlike hop, text input is accepted too.
   *
   * @param input notice bytes or text
   * @returns the notice
   * @throws {MessageFormatError} for bytes that are not UTF-8
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { GCNTextNotice } from "@igwn/alert";
   * assert.strictEqual(GCNTextNotice.load("COMMENTS: a\nCOMMENTS: b").fields.comments, "a\nb");
   * ```
   */
  static load(input: Uint8Array | string): GCNTextNotice {
    const raw = typeof input === "string" ? encoder.encode(input) : input;
    const text = decodeText(input, "GCN text notice");
    const fields: Record<string, string> = {};
    let last: string | undefined;
    for (const line of text.trim().split(/\r\n|\n|\r/)) {
      const colon = line.indexOf(":");
      if (colon < 0) {
        if (last !== undefined) fields[last] += "\n" + line.trimStart();
        continue;
      }
      last = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      fields[last] = last in fields ? `${fields[last]}\n${value}` : value;
    }
    return new GCNTextNotice(raw, fields);
  }

  /** The raw notice bytes. */
  serialize(): Uint8Array {
    return this.raw;
  }

  /** The notice text. */
  toString(): string {
    return new TextDecoder().decode(this.raw);
  }
}

/**
 * A placeholder for a message stored outside Kafka (hop's large-message offload), pointing to
 * its URL. Sent as JSON `{"url": "..."}`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ExternalMessage } from "@igwn/alert";
 * const ref = new ExternalMessage("https://example.org/msg/1b4e28ba-2fa1-4d2d-883f-0016d3cca427");
 * assert.strictEqual(
 *   new TextDecoder().decode(ref.serialize()),
 *   '{"url": "https://example.org/msg/1b4e28ba-2fa1-4d2d-883f-0016d3cca427"}',
 * );
 * ```
 */
export class ExternalMessage implements MessageModel {
  /** Always `"external"`. */
  readonly format = "external";

  /**
   * Creates an ExternalMessage.
   *
   * @param url where the message is stored
   */
  constructor(readonly url: string) {}

  /**
   * Decodes `{"url": "..."}`.
   *
   * @param value JSON text or bytes
   * @returns the reference
   * @throws {MessageFormatError} when there is no string `url`
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { ExternalMessage } from "@igwn/alert";
   * assert.strictEqual(
   *   ExternalMessage.load('{"url": "https://example.org/msg/x"}').url,
   *   "https://example.org/msg/x",
   * );
   * ```
   */
  static load(value: Uint8Array | string): ExternalMessage {
    const { url } = parseJsonObject(value, "external message");
    if (typeof url !== "string") {
      throw new MessageFormatError("external message has no string 'url'");
    }
    return new ExternalMessage(url);
  }

  /** JSON `{"url": "..."}`. */
  serialize(): Uint8Array {
    return encoder.encode(pythonJsonStringify({ url: this.url }));
  }

  /** The URL. */
  toString(): string {
    return this.url;
  }
}
