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

// The offset of a parse error in `text` as "line L, column C", from V8's "at position N".
function jsonErrorPlace(message: string, text: string): string {
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineColumn) return `line ${lineColumn[1]}, column ${lineColumn[2]}`;
  const position = /at position (\d+)/.exec(message);
  if (!position) return "";
  const before = text.slice(0, Number(position[1]));
  const line = before.split("\n").length;
  return `line ${line}, column ${before.length - before.lastIndexOf("\n")}`;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // V8 quotes the input in some JSON messages; the file name says which input it was.
  return message.replace(/, "[\s\S]*" is not valid JSON$/, "").replace(/\s*\n[\s\S]*$/, "");
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
    const message = jsonProblem(describe(error));
    const place = jsonErrorPlace(describe(error), text);
    throw new HopError(`${where}${place ? `, ${place}` : ""}: not valid JSON: ${message}`);
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
      const column = /\(line \d+ column (\d+)\)/.exec(describe(error));
      const message = jsonProblem(describe(error));
      throw new HopError(
        `${place}${column ? `, column ${column[1]}` : ""}: not valid JSON: ${message}`,
      );
    }
  }
  return messages;
}
