// Reading what `hop publish` sends: files in one of hop's formats, or lines of stdin. Every input
// is parsed before anything is sent, so a bad file stops the command with nothing half-sent.

import { HopError } from "../../hop/errors.ts";
import { Blob, JSONBlob } from "../../hop/models/blob.ts";
import { AvroBlob } from "../../hop/models/avro_blob.ts";
import { GCNCircular, GCNTextNotice } from "../../hop/models/gcn.ts";
import type { MessageModel } from "../../hop/models/model.ts";
import { VOEvent } from "../../hop/models/voevent.ts";

/** hop's `-f/--format` names. */
export const HOP_FORMATS = [
  "VOEVENT",
  "CIRCULAR",
  "BLOB",
  "JSON",
  "AVRO",
  "GCNTEXTNOTICE",
] as const;

/** One of {@linkcode HOP_FORMATS}. */
export type HopFormat = typeof HOP_FORMATS[number];

/** The format named by `-f` (any case), or a one-line error naming the choices. */
export function parseHopFormat(text: string): HopFormat {
  const upper = text.toUpperCase();
  const format = HOP_FORMATS.find((name) => name === upper);
  if (!format) {
    throw new HopError(`unknown format '${text}': choose one of ${HOP_FORMATS.join(", ")}`);
  }
  return format;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

// Where JSON text stops being valid: the longest prefix that is still the start of a JSON text
// (found by bisection; only run after a parse failed). V8 names no position for some errors.
function jsonErrorOffset(text: string): number {
  const fine = (length: number) => {
    try {
      JSON.parse(text.slice(0, length));
      return true;
    } catch (error) {
      // Errors at the very end of the prefix only say that it stops early.
      const message = (error as Error).message;
      const position = /at position (\d+)/.exec(message);
      return /Unexpected end of JSON input/.test(message) ||
        (position !== null && Number(position[1]) >= length);
    }
  };
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fine(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}

// "line L, column C" (1-based) of a JSON parse error in `text`.
function jsonErrorPlace(message: string, text: string): string {
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineColumn) return `line ${lineColumn[1]}, column ${lineColumn[2]}`;
  const position = /at position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : jsonErrorOffset(text);
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return `line ${line}, column ${before.length - before.lastIndexOf("\n")}`;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // V8 quotes (part of) the input in some JSON messages; the place is given separately.
  return message.replace(/, (?:\.\.\.)?"[\s\S]*$/, "").replace(/\s*\n[\s\S]*$/, "");
}

// V8's JSON message without the place, which is given separately.
function jsonProblem(message: string): string {
  return message.replace(/\s*\(line \d+ column \d+\)/, "").replace(
    / (in JSON )?at position \d+/,
    "",
  );
}

function parseJson(text: string, where: string): JSONBlob {
  try {
    return JSONBlob.load(text);
  } catch (error) {
    const place = jsonErrorPlace((error as Error).message, text);
    throw new HopError(`${where}, ${place}: not valid JSON: ${jsonProblem(describe(error))}`);
  }
}

// A model whose wire bytes are the file as given (after it was checked to parse).
function asSent(format: string, bytes: Uint8Array): MessageModel {
  return { format, serialize: () => bytes };
}

/**
 * Loads one file as hop's `<FORMAT>.load_file` does, or throws a one-line {@linkcode HopError}
 * naming the file (and the line and column where the parser knows them).
 */
export function loadMessageFile(path: string, bytes: Uint8Array, format: HopFormat): MessageModel {
  const text = () => {
    try {
      return strictUtf8.decode(bytes);
    } catch {
      throw new HopError(`${path}: not UTF-8 text, which format ${format} needs`);
    }
  };
  try {
    switch (format) {
      case "BLOB":
        return new Blob(bytes);
      case "JSON":
        return parseJson(text(), path);
      case "VOEVENT":
        return VOEvent.load(bytes);
      case "CIRCULAR":
        return GCNCircular.load(text());
      case "GCNTEXTNOTICE":
        return GCNTextNotice.load(bytes);
      case "AVRO":
        // Checked to be a readable container; sent as written (hop re-encodes it, which changes
        // nothing a reader sees but the sync marker, and cannot send several records).
        AvroBlob.load(bytes, false);
        return asSent("avro", bytes);
    }
  } catch (error) {
    if (error instanceof HopError && error.message.startsWith(path)) throw error;
    throw new HopError(`${path}: not a valid ${format} message: ${describe(error)}`);
  }
}

/**
 * The messages of piped stdin: one per line (`\n`, a trailing `\r` removed, empty lines skipped),
 * as bytes for BLOB and parsed for JSON.
 */
export function stdinMessages(bytes: Uint8Array, format: HopFormat): MessageModel[] {
  if (format !== "BLOB" && format !== "JSON") {
    throw new HopError("piping/redirection only allowed for BLOB and JSON formats");
  }
  const messages: MessageModel[] = [];
  let start = 0;
  let lineNumber = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    lineNumber++;
    let line = bytes.subarray(start, end);
    if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    start = end + 1;
    if (!line.length) continue;
    if (format === "BLOB") {
      messages.push(new Blob(line.slice()));
      continue;
    }
    let text: string;
    try {
      text = strictUtf8.decode(line);
    } catch {
      throw new HopError(`stdin line ${lineNumber}: not UTF-8 text, which format JSON needs`);
    }
    const place = `stdin line ${lineNumber}`;
    try {
      messages.push(JSONBlob.load(text));
    } catch (error) {
      const column = jsonErrorPlace((error as Error).message, text).replace(/^line \d+, /, "");
      throw new HopError(`${place}, ${column}: not valid JSON: ${jsonProblem(describe(error))}`);
    }
  }
  return messages;
}
