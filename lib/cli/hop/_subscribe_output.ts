// What `hop subscribe` writes: hop's bytes and delimiter, or one JSON object per message; and a
// stdout buffer that writes as soon as the reader waits, so output is prompt without a write
// call per message while a backlog is read.

import { HopError } from "../../hop/errors.ts";
import { Blob, JSONBlob } from "../../hop/models/blob.ts";
import { AvroBlob } from "../../hop/models/avro_blob.ts";
import { ExternalMessage, GCNCircular } from "../../hop/models/gcn.ts";
import { messageBytes, type MessageModel } from "../../hop/models/model.ts";
import { formatUuid } from "../../hop/pack.ts";
import type { Metadata } from "../../hop/stream_options.ts";
import { Buffer } from "node:buffer";
import { JsonScan } from "./_json_bytes.ts";
import { clearImmediate, setImmediate } from "node:timers";
import { shortAscii } from "../../hop/_ascii.ts";

const encodeBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "0": "\0",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
};

/**
 * The delimiter given to `-D`, with backslash escapes (`\n`, `\t`, `\r`, `\0`, `\\`, `\xHH`,
 * `\uHHHH`, ...) turned into characters as hop does; other characters (also non-ASCII) are kept.
 */
export function parseDelimiter(text: string): Uint8Array {
  let result = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char !== "\\" || i + 1 >= text.length) {
      result += char;
      continue;
    }
    const next = text[i + 1];
    const hex = next === "x" ? 2 : next === "u" ? 4 : 0;
    if (hex) {
      const digits = text.slice(i + 2, i + 2 + hex);
      if (digits.length !== hex || !/^[0-9a-fA-F]+$/.test(digits)) {
        throw new HopError(`delimiter '${text}': \\${next} needs ${hex} hexadecimal digits`);
      }
      result += String.fromCharCode(parseInt(digits, 16));
      i += 1 + hex;
    } else if (next in ESCAPES) {
      result += ESCAPES[next];
      i++;
    } else {
      result += char;
    }
  }
  return new TextEncoder().encode(result);
}

function endsWith(bytes: Uint8Array, suffix: Uint8Array): boolean {
  if (suffix.length > bytes.length) return false;
  const offset = bytes.length - suffix.length;
  for (let i = 0; i < suffix.length; i++) if (bytes[offset + i] !== suffix[i]) return false;
  return true;
}

/** hop 0.12's output of one message: its bytes, then the delimiter unless they end with it. */
export function hopOutput(message: MessageModel, delimiter: Uint8Array): Uint8Array[] {
  const bytes = messageBytes(message);
  if (!delimiter.length || endsWith(bytes, delimiter)) return [bytes];
  return [bytes, delimiter];
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

// Text when the bytes are UTF-8, else { base64 }.
function textOrBase64(bytes: Uint8Array): string | { base64: string } {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return { base64: encodeBase64(bytes) };
  }
}

// JSON.stringify of decoded Avro or JSON content: bytes as { base64 }, big integers as numbers
// when exact, else as decimal strings.
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { base64: encodeBase64(value) };
  if (typeof value === "bigint") {
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  return value;
}

function messageValue(message: MessageModel): unknown {
  if (message instanceof JSONBlob) return message.content;
  if (message instanceof GCNCircular) return { header: message.header, body: message.body };
  if (message instanceof AvroBlob) return message.content;
  if (message instanceof ExternalMessage) return { url: message.url };
  if (message instanceof Blob) return textOrBase64(message.content);
  return textOrBase64(messageBytes(message));
}

function headerText([name, value]: readonly [string, Uint8Array]): [string, unknown] {
  if (name === "_id" && value.length === 16) return [name, formatUuid(value)];
  return [name, shortAscii(value, 64) ?? textOrBase64(value)];
}

// JSON text of a string; plain printable ASCII (hop's header values, topic names) is quoted as is.
function quoted(text: string): string {
  return /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(text) ? `"${text}"` : JSON.stringify(text);
}

function headersJson(headers: Metadata["headers"]): string {
  let json = "[";
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headerText(headers[i]);
    if (i) json += ",";
    json += `[${quoted(name)},${
      typeof value === "string" ? quoted(value) : JSON.stringify(value)
    }]`;
  }
  return json + "]";
}

// The fields before `message`, as JSON text ending with `"message":`.
function linePrefix(metadata: Metadata, format: string): string {
  return `{"topic":${quoted(metadata.topic)},"partition":${metadata.partition},` +
    `"offset":${metadata.offset},"timestamp":${metadata.timestamp},"key":${
      metadata.key === null ? "null" : JSON.stringify(textOrBase64(metadata.key))
    },"headers":${headersJson(metadata.headers)},"format":${quoted(format)},"message":`;
}

/**
 * One line of `hop subscribe -j`: a JSON object with `topic`, `partition`, `offset`, `timestamp`
 * (ms since the epoch), `key`, `headers` (`[name, value]` pairs), `format` and `message` (JSON
 * content as is; a circular as `{header, body}`; Avro records; other formats as text, or
 * `{ "base64": ... }` when not UTF-8), then a newline.
 */
export function jsonLine(message: MessageModel, metadata: Metadata): string {
  return linePrefix(metadata, message.format) +
    JSON.stringify(messageValue(message), replacer) + "}\n";
}

const JSON_FORMAT = new TextEncoder().encode("json");

function isJsonFormat(headers: Metadata["headers"]): boolean {
  for (const [name, value] of headers) {
    if (name !== "_format") continue;
    if (value.length !== 4) return false;
    for (let i = 0; i < 4; i++) if ((value[i] | 0x20) !== JSON_FORMAT[i]) return false;
    return true;
  }
  return false;
}

const scanner = new JsonScan();

// The payload bytes to copy into a -j line when they are standard JSON in UTF-8: without the
// surrounding white space, line breaks (which valid JSON has only between tokens) as spaces.
function copyableJson(value: Uint8Array, headers: Metadata["headers"]): Uint8Array | undefined {
  if (!isJsonFormat(headers) || !scanner.scan(value)) return undefined;
  const { start, end } = scanner;
  // A view made directly: subarray() of a Node.js Buffer goes through its slower constructor.
  const bytes = start === 0 && end === value.length
    ? value
    : new Uint8Array(value.buffer, value.byteOffset + start, end - start);
  if (!scanner.lineBreaks) return bytes;
  const copy = bytes.slice();
  for (let i = 0; i < copy.length; i++) if (copy[i] === 0x0a || copy[i] === 0x0d) copy[i] = 0x20;
  return copy;
}

/**
 * {@linkcode jsonLine} from a raw message: a JSON payload that is standard JSON in UTF-8 is
 * checked as bytes and copied as it is (line breaks, which valid JSON has only between tokens,
 * become spaces); anything else is decoded by `decode`.
 */
export function jsonLineRaw(
  value: Uint8Array | null,
  metadata: Metadata,
  decode: () => MessageModel,
): string {
  const payload = value === null ? undefined : copyableJson(value, metadata.headers);
  if (payload === undefined) return jsonLine(decode(), metadata);
  return linePrefix(metadata, "json") + new TextDecoder().decode(payload) + "}\n";
}

// Bytes that stand for themselves between JSON quotes: printable ASCII but '"' and '\'.
const PLAIN = new Uint8Array(256).map((_, byte) =>
  byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c ? 1 : 0
);

function isPlain(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (!PLAIN[bytes[i]]) return false;
  return true;
}

const ascii = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));
const OFFSET = ascii(',"offset":');
const TIMESTAMP = ascii(',"timestamp":');
const KEY = ascii(',"key":');
const HEADERS = ascii(',"headers":[');
const NULL = ascii("null");
const MESSAGE = ascii('],"format":"json","message":');
const LINE_END = ascii("}\n");
const QUOTE = 0x22;
const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;

// Constant pieces of a line as bytes, made once per topic and header name.
const topicStarts = new Map<string, Uint8Array>();
const headerStarts = new Map<string, Uint8Array>();

function remember(cache: Map<string, Uint8Array>, key: string, text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  if (cache.size < 1024) cache.set(key, bytes);
  return bytes;
}

/**
 * Writes the {@linkcode jsonLineRaw} line of a raw message to `out`, as bytes: the payload and
 * plain header values are copied, the rest written from pieces encoded once.
 */
export function writeJsonLineRaw(
  out: StdoutBuffer,
  value: Uint8Array | null,
  metadata: Metadata,
  decode: () => MessageModel,
): void {
  const payload = value === null ? undefined : copyableJson(value, metadata.headers);
  if (payload === undefined) {
    out.write(jsonLine(decode(), metadata));
    return;
  }
  const { topic, headers, key } = metadata;
  out.queue(
    topicStarts.get(topic) ??
      remember(topicStarts, topic, `{"topic":${quoted(topic)},"partition":`),
  );
  out.queueInteger(metadata.partition);
  out.queue(OFFSET);
  out.queueInteger(metadata.offset);
  out.queue(TIMESTAMP);
  out.queueInteger(metadata.timestamp);
  out.queue(KEY);
  if (key === null) out.queue(NULL);
  else out.queueText(JSON.stringify(textOrBase64(key)));
  out.queue(HEADERS);
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i];
    const [name, value] = header;
    if (i) out.queueByte(COMMA);
    out.queue(headerStarts.get(name) ?? remember(headerStarts, name, `[${quoted(name)},`));
    if (name === "_id" && value.length === 16) {
      out.queueByte(QUOTE);
      out.queueUuid(value);
      out.queueByte(QUOTE);
    } else if (isPlain(value)) {
      out.queueByte(QUOTE);
      out.queue(value);
      out.queueByte(QUOTE);
    } else {
      const [, text] = headerText(header);
      out.queueText(typeof text === "string" ? quoted(text) : JSON.stringify(text));
    }
    out.queueByte(CLOSE_BRACKET);
  }
  out.queue(MESSAGE);
  out.queue(payload);
  out.queue(LINE_END);
  out.queued();
}

const HEX = ascii("0123456789abcdef");

// Writes a non-negative integer below 2^31 in decimal at `at`, with leading zeros up to `width`
// digits; returns the index after it.
function writeDigits(buffer: Uint8Array, at: number, value: number, width = 1): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = (rest / 10) | 0) digits++;
  const end = at + Math.max(digits, width);
  let i = end;
  do {
    const rest = (value / 10) | 0;
    buffer[--i] = 0x30 + value - rest * 10;
    value = rest;
  } while (i > at);
  return end;
}

const FLUSH_AT = 64 * 1024;

/** Buffers stdout; writes when 64 KiB are waiting or as soon as the event loop is idle. */
export class StdoutBuffer {
  // Everything queued, as bytes: text is encoded straight into it.
  #buffer = new Uint8Array(2 * FLUSH_AT);
  #length = 0;
  #scheduled?: ReturnType<typeof setImmediate>;
  #encoder = new TextEncoder();
  #onBrokenPipe: () => void;
  #writeSync: (bytes: Uint8Array) => number;

  /**
   * @param onBrokenPipe called when a write from the idle timer finds the reader gone
   * @param writeSync where the bytes go, writing some and saying how many (default stdout)
   */
  constructor(
    onBrokenPipe: () => void,
    writeSync: (bytes: Uint8Array) => number = (bytes) => Deno.stdout.writeSync(bytes),
  ) {
    this.#onBrokenPipe = onBrokenPipe;
    this.#writeSync = writeSync;
  }

  #flushWhenIdle = () => {
    try {
      this.flush();
    } catch (error) {
      if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
      this.#onBrokenPipe();
    }
  };

  #reserve(size: number): void {
    if (this.#length + size <= this.#buffer.length) return;
    const larger = new Uint8Array(Math.max(2 * this.#buffer.length, this.#length + size));
    larger.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = larger;
  }

  #writeText(text: string): void {
    this.#reserve(3 * text.length);
    const buffer = this.#buffer;
    let at = this.#length;
    // Short ASCII text is copied here: cheaper than a call into the runtime's encoder.
    if (text.length <= 512) {
      let i = 0;
      for (; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code >= 0x80) break;
        buffer[at++] = code;
      }
      this.#length = at;
      if (i === text.length) return;
      text = text.slice(i);
    }
    this.#length += this.#encoder.encodeInto(text, buffer.subarray(at)).written;
  }

  /** Queues text or bytes. */
  write(data: string | Uint8Array): void {
    if (typeof data === "string") this.#writeText(data);
    else this.queue(data);
    this.queued();
  }

  /** Adds bytes; call {@linkcode StdoutBuffer.queued} once a whole line is added. */
  queue(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    const buffer = this.#buffer;
    let at = this.#length;
    // A few bytes are copied faster here than by a call to set().
    if (bytes.length <= 32) { for (let i = 0; i < bytes.length; i++) buffer[at++] = bytes[i]; }
    else {
      buffer.set(bytes, at);
      at += bytes.length;
    }
    this.#length = at;
  }

  /** Adds one byte (see {@linkcode StdoutBuffer.queue}). */
  queueByte(byte: number): void {
    this.#reserve(1);
    this.#buffer[this.#length++] = byte;
  }

  /** Adds text (see {@linkcode StdoutBuffer.queue}). */
  queueText(text: string): void {
    this.#writeText(text);
  }

  /** Adds an integer in decimal (see {@linkcode StdoutBuffer.queue}). */
  queueInteger(value: number): void {
    if (!Number.isSafeInteger(value)) return this.#writeText(String(value));
    this.#reserve(17);
    const buffer = this.#buffer;
    let at = this.#length;
    if (value < 0) {
      buffer[at++] = 0x2d;
      value = -value;
    }
    // Timestamps in ms need 41 bits: split into parts that 32-bit integer division handles.
    if (value >= 1e8) {
      const high = Math.floor(value / 1e8);
      at = writeDigits(buffer, at, high);
      at = writeDigits(buffer, at, value - high * 1e8, 8);
    } else {
      at = writeDigits(buffer, at, value);
    }
    this.#length = at;
  }

  /** Adds 16 bytes as a UUID in lower-case hex, with dashes (see {@linkcode StdoutBuffer.queue}). */
  queueUuid(bytes: Uint8Array): void {
    this.#reserve(36);
    const buffer = this.#buffer;
    let at = this.#length;
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) buffer[at++] = 0x2d;
      buffer[at++] = HEX[bytes[i] >> 4];
      buffer[at++] = HEX[bytes[i] & 15];
    }
    this.#length = at;
  }

  /** Writes what is queued if 64 KiB are waiting, else soon, once the event loop is idle. */
  queued(): void {
    if (this.#length >= FLUSH_AT) this.flush();
    else this.#scheduled ??= setImmediate(this.#flushWhenIdle);
  }

  /** Writes everything queued. @throws {Deno.errors.BrokenPipe} when the reader went away */
  flush(): void {
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    let bytes = this.#buffer.subarray(0, this.#length);
    this.#length = 0;
    while (bytes.length) bytes = bytes.subarray(this.#writeSync(bytes));
    // A buffer grown for one large message is not kept.
    if (this.#buffer.length > 16 * FLUSH_AT) this.#buffer = new Uint8Array(2 * FLUSH_AT);
  }
}
