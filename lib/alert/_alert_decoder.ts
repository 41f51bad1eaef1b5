/**
 * From a message the stream read to the {@link Alert} a listener hands over: the Python client's
 * value, the decoded payload, and whether it is a valid GraceDB alert.
 *
 * @module
 */

import type { Logger } from "../hop/log.ts";
import type { Metadata } from "../hop/stream.ts";
import type { Alert } from "./listen_types.ts";
import { decodeAlertPayload } from "./payload.ts";
import { stripGroupPrefix } from "./topic_naming.ts";
import { checkAlert, type GraceDbAlert } from "./types.ts";

/** Bounds the memory of values already mentioned, should a producer send endless new ones. */
const MAX_UNKNOWN_VALUES_REMEMBERED = 1000;

/**
 * Decodes the messages of one client's listeners. GraceDB adds labels, VOEvent types and alert
 * types over time: an alert holding one is valid, and each new value is mentioned once, at debug
 * level, never as a warning per alert.
 */
export class AlertDecoder {
  readonly #group: string;
  readonly #logger: Logger;
  /** Values newer than this version (a label, VOEvent type...) already logged once. */
  readonly #unknownSeen = new Set<string>();

  /**
   * @param group the GraceDB group, stripped from topic names
   * @param logger where new values are mentioned
   */
  constructor(group: string, logger: Logger) {
    this.#group = group;
    this.#logger = logger;
  }

  /** The alert of one message as the stream's reader returned it. */
  decode(message: unknown, metadata: Metadata): Alert {
    const raw = pythonValue(message);
    const decoded = decodeAlertPayload(raw);
    let problem = decoded.problem;
    if (!problem) {
      const { problems, unknown } = checkAlert(decoded.payload);
      const fresh = unknown.filter(({ kind, value }) => {
        const key = `${kind} ${JSON.stringify(value)}`;
        if (this.#unknownSeen.has(key)) return false;
        if (this.#unknownSeen.size >= MAX_UNKNOWN_VALUES_REMEMBERED) this.#unknownSeen.clear();
        this.#unknownSeen.add(key);
        return true;
      });
      if (fresh.length) {
        this.#logger.debug(
          `alert at ${metadata.topic} offset ${metadata.offset} has values this version does ` +
            `not know (accepted): ${
              fresh.map(({ kind, value, path }) => `${kind} ${JSON.stringify(value)} at ${path}`)
                .join(", ")
            }`,
        );
      }
      if (problems.length) {
        problem = `not a valid GraceDB alert: ${problems.slice(0, 3).join("; ")}${
          problems.length > 3 ? ` (and ${problems.length - 3} more)` : ""
        }`;
      }
    }
    return {
      topic: stripGroupPrefix(this.#group, metadata.topic),
      fullTopic: metadata.topic,
      payload: decoded.payload as GraceDbAlert,
      raw,
      ...(problem ? { problem } : {}),
      metadata,
    };
  }
}

/** The value the Python client passed on: JSON content as is, anything else as text/bytes. */
function pythonValue(message: unknown): unknown {
  const model = message as { format?: string; content?: unknown; serialize?: () => Uint8Array };
  if (model && model.format?.toLowerCase() === "json" && "content" in model) return model.content;
  if (model && typeof model.serialize === "function") {
    const bytes = model.serialize();
    try {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    } catch {
      return bytes;
    }
  }
  return message;
}
