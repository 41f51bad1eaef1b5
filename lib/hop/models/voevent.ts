/**
 * VOEvent XML messages (`voevent`), kept byte-for-byte as received.
 *
 * @module
 */
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { MessageFormatError } from "../errors.ts";
import { pythonJsonStringify } from "../_python_json.ts";
import type { MessageModel } from "./model.ts";

/**
 * The VOEvent sections hop exposes, in hop's order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VOEVENT_SECTIONS, VOEvent } from "./voevent.ts";
 * assert.deepEqual(VOEVENT_SECTIONS.slice(0, 3), ["Who", "What", "WhereWhen"]);
 * const voevent = VOEvent.load('<VOEvent ivorn="ivo://a#b"/>');
 * assert.deepEqual(Object.keys(voevent.sections), [...VOEVENT_SECTIONS]);
 * ```
 */
export const VOEVENT_SECTIONS = [
  "Who",
  "What",
  "WhereWhen",
  "How",
  "Why",
  "Citations",
  "Description",
  "Reference",
] as const;

/**
 * Fields of a VOEvent in xmltodict's shape (attributes as plain keys, `#text` for text).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VOEvent, type VOEventFields } from "./voevent.ts";
 * const fields: VOEventFields = { ivorn: "ivo://a#b", role: "test", Who: { Date: "2024-01-01" } };
 * const voevent = VOEvent.fromFields(fields);
 * assert.deepEqual([voevent.ivorn, voevent.role, voevent.version], ["ivo://a#b", "test", "2.0"]);
 * assert.deepEqual(voevent.sections.Who, { Date: "2024-01-01" });
 * ```
 */
export interface VOEventFields {
  /** Identifier of the event, `ivo://...`. */
  ivorn: string;
  /** `observation`, `prediction`, `utility` or `test`. */
  role?: string;
  /** VOEvent schema version, `2.0`. */
  version?: string;
  /** Who/What/WhereWhen/How/Why/Citations/Description/Reference sections. */
  [section: string]: unknown;
}

// VOEvent 2.0 attribute names, used to turn legacy JSON back into XML attributes.
const ATTRIBUTES = new Set([
  "cite",
  "coord_system_id",
  "dataType",
  "expires",
  "id",
  "importance",
  "ivorn",
  "meaning",
  "mimetype",
  "name",
  "probability",
  "relation",
  "role",
  "type",
  "ucd",
  "unit",
  "uri",
  "utype",
  "value",
  "version",
]);

const ATTR = "@_";
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  textNodeName: "#text",
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});
const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  textNodeName: "#text",
  format: true,
  suppressEmptyNode: true,
});

/** Converts fast-xml-parser output to xmltodict's shape: attributes first, unprefixed; empty -> null. */
function toXmltodictShape(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toXmltodictShape);
  if (node === "") return null;
  if (typeof node !== "object" || node === null) return node;
  const entries = Object.entries(node as Record<string, unknown>);
  const attributes = entries.filter(([key]) => key.startsWith(ATTR))
    .map(([key, value]) => [key.slice(ATTR.length), value] as const);
  const children = entries.filter(([key]) => !key.startsWith(ATTR))
    .map(([key, value]) => [key, toXmltodictShape(value)] as const);
  return Object.fromEntries([...attributes, ...children]);
}

/** The reverse for building XML: known attribute names with scalar values become attributes. */
function toBuilderShape(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toBuilderShape);
  if (node === null) return "";
  if (typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node as Record<string, unknown>).map(([key, value]) =>
      ATTRIBUTES.has(key) && (typeof value === "string" || typeof value === "number")
        ? [ATTR + key, value]
        : [key, toBuilderShape(value)]
    ),
  );
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A VOEvent. The original XML bytes are what goes on the wire (as hop 0.12 sends them); the
 * sections are parsed for field access in xmltodict's shape, so they print like hop's. Any
 * namespace prefix on the root element is accepted (`voe:VOEvent`, `VOEvent`, `v:VOEvent`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { VOEvent } from "@igwn/alert";
 * const voevent = VOEvent.load(
 *   `<voe:VOEvent xmlns:voe="http://www.ivoa.net/xml/VOEvent/v2.0" ivorn="ivo://example/x#1"
 *     role="test" version="2.0"><What><Param name="GraceID" value="S240615dg"/></What></voe:VOEvent>`,
 * );
 * assert.deepStrictEqual([voevent.ivorn, voevent.role, voevent.params().GraceID], [
 *   "ivo://example/x#1",
 *   "test",
 *   "S240615dg",
 * ]);
 * ```
 */
export class VOEvent implements MessageModel {
  /** Always `"voevent"`. */
  readonly format = "voevent";
  /** The XML exactly as received or loaded. */
  readonly raw: Uint8Array;
  /** Identifier of the event. */
  readonly ivorn: string;
  /** `observation` (default), `prediction`, `utility` or `test`. */
  readonly role: string;
  /** Schema version (default `2.0`). */
  readonly version: string;
  /** The sections by name (`Who`, `What`, ...); absent sections are `{}`. */
  readonly sections: Readonly<Record<(typeof VOEVENT_SECTIONS)[number], unknown>>;

  /**
   * Creates a VOEvent from its XML and parsed fields; use {@linkcode VOEvent.load} or
   * {@linkcode VOEvent.fromFields} instead.
   *
   * @param raw the XML bytes
   * @param fields the parsed fields
   */
  constructor(raw: Uint8Array, fields: VOEventFields) {
    this.raw = raw;
    this.ivorn = String(fields.ivorn ?? "");
    this.role = String(fields.role ?? "observation");
    this.version = String(fields.version ?? "2.0");
    this.sections = Object.fromEntries(
      VOEVENT_SECTIONS.map((name) => [name, name in fields ? fields[name] : {}]),
    ) as VOEvent["sections"];
  }

  /**
   * Parses VOEvent XML.
   *
   * @param xml XML text or bytes
   * @returns the VOEvent, keeping these exact bytes
   * @throws {MessageFormatError} for malformed XML (with line and column) or a root element that
   *   is not a VOEvent
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { VOEvent } from "@igwn/alert";
   * assert.strictEqual(VOEvent.load('<VOEvent ivorn="ivo://a#b" version="2.0"/>').ivorn, "ivo://a#b");
   * ```
   */
  static load(xml: Uint8Array | string): VOEvent {
    const raw = typeof xml === "string" ? new TextEncoder().encode(xml) : xml;
    let text: string;
    try {
      text = typeof xml === "string" ? xml : utf8.decode(raw);
    } catch {
      throw new MessageFormatError("VOEvent XML is not valid UTF-8");
    }
    const valid = XMLValidator.validate(text);
    if (valid !== true) {
      throw new MessageFormatError(
        `VOEvent XML is malformed at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
      );
    }
    const document = parser.parse(text) as Record<string, unknown>;
    const rootName = Object.keys(document).find((key) => key.replace(/^[^:]*:/, "") === "VOEvent");
    if (rootName === undefined) {
      throw new MessageFormatError(
        `root element is not a VOEvent (found ${
          Object.keys(document).map((key) => `'${key}'`).join(", ") || "nothing"
        })`,
      );
    }
    const root = toXmltodictShape(document[rootName] ?? {}) as Record<string, unknown> | null;
    const fields = Object.fromEntries(
      Object.entries(root ?? {}).filter(([key]) => !key.includes(":") && key !== "xmlns"),
    ) as VOEventFields;
    return new VOEvent(raw, fields);
  }

  /**
   * Builds a VOEvent from fields in xmltodict's shape (the pre-0.12 hop JSON form) and generates
   * its XML, with the VOEvent namespace declared (hop's regenerated XML lacks it).
   *
   * @param fields ivorn, role, version and sections
   * @returns the VOEvent
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { VOEvent } from "@igwn/alert";
   * const voevent = VOEvent.fromFields({ ivorn: "ivo://a#b", role: "test", Who: { Date: "2024-01-01" } });
   * assert.strictEqual(new TextDecoder().decode(voevent.serialize()).includes("<Date>2024-01-01</Date>"), true);
   * ```
   */
  static fromFields(fields: VOEventFields): VOEvent {
    if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
      throw new MessageFormatError("VOEvent fields must be an object");
    }
    const probe = new VOEvent(new Uint8Array(), fields);
    const root: Record<string, unknown> = {
      [`${ATTR}xmlns:voe`]: "http://www.ivoa.net/xml/VOEvent/v2.0",
      [`${ATTR}xmlns:xsi`]: "http://www.w3.org/2001/XMLSchema-instance",
      [`${ATTR}ivorn`]: probe.ivorn,
      [`${ATTR}role`]: probe.role,
      [`${ATTR}version`]: probe.version,
    };
    for (const name of VOEVENT_SECTIONS) {
      const section = fields[name];
      const empty = section === undefined || section === null ||
        (typeof section === "object" && Object.keys(section as object).length === 0);
      if (!empty) root[name] = toBuilderShape(section);
    }
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n` +
      builder.build({ "voe:VOEvent": root });
    return new VOEvent(new TextEncoder().encode(xml), fields);
  }

  /**
   * Decodes a message value: VOEvent XML, or else the legacy JSON form hop used before 0.12.
   *
   * @param value message bytes
   * @returns the VOEvent
   * @throws {MessageFormatError} the XML error when neither form applies
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { VOEvent } from "@igwn/alert";
   * const legacy = new TextEncoder().encode('{"ivorn": "ivo://a#b", "role": "test"}');
   * assert.strictEqual(VOEvent.deserialize(legacy).role, "test");
   * ```
   */
  static deserialize(value: Uint8Array): VOEvent {
    try {
      return VOEvent.load(value);
    } catch (xmlError) {
      try {
        const fields = JSON.parse(utf8.decode(value));
        if (typeof fields === "object" && fields !== null && "ivorn" in fields) {
          return VOEvent.fromFields(fields);
        }
      } catch {
        // Not the legacy form either; the XML error explains more.
      }
      throw xmlError;
    }
  }

  /** The original XML bytes. */
  serialize(): Uint8Array {
    return this.raw;
  }

  /**
   * Every `Param` of `What` (also inside `Group`s) as name -> value; later duplicates win.
   *
   * @returns the parameters
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { VOEvent } from "@igwn/alert";
   * const xml = '<VOEvent ivorn="i"><What><Group><Param name="FAR" value="1e-9"/></Group></What></VOEvent>';
   * assert.deepStrictEqual(VOEvent.load(xml).params(), { FAR: "1e-9" });
   * ```
   */
  params(): Record<string, string> {
    const found: Record<string, string> = {};
    const visit = (node: unknown) => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (typeof node !== "object" || node === null) return;
      const record = node as Record<string, unknown>;
      for (const param of [record.Param].flat()) {
        if (typeof param === "object" && param !== null) {
          const { name, value } = param as Record<string, unknown>;
          if (typeof name === "string") found[name] = value == null ? "" : String(value);
        }
      }
      visit(record.Group);
    };
    visit(this.sections.What);
    return found;
  }

  /** ivorn, role, version and the sections, in hop's field order. */
  toJSON(): Record<string, unknown> {
    return { ivorn: this.ivorn, role: this.role, version: this.version, ...this.sections };
  }

  /** hop's `str(voevent)`: the fields as JSON indented by two spaces. */
  toString(): string {
    return pythonJsonStringify(this.toJSON(), 2);
  }
}
