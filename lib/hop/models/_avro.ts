// A small Avro codec: binary encoding of the types JSON-like data needs, object container files
// (null codec written; null and deflate read) and hop-style schema generation made deterministic.
import { inflateRawSync } from "node:zlib";
import { MessageFormatError } from "../errors.ts";

/**
 * An Avro schema in its JSON form: a type name, a union (array) or a complex type object.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import type { AvroSchema } from "@igwn/alert";
 * const schema: AvroSchema = { type: "record", name: "alert", fields: [{ name: "id", type: "string" }] };
 * assert.strictEqual(schema.type, "record");
 * ```
 */
export type AvroSchema = string | AvroSchema[] | { [key: string]: unknown };

type Named = Record<string, unknown> & { type: string; name: string };

const PRIMITIVES = new Set([
  "null",
  "boolean",
  "int",
  "long",
  "float",
  "double",
  "bytes",
  "string",
]);
const MAGIC = [0x4f, 0x62, 0x6a, 0x01]; // "Obj" 1

/** Resolves named types while walking a schema. */
class SchemaContext {
  readonly named = new Map<string, Named>();

  resolve(schema: AvroSchema, namespace = ""): AvroSchema {
    if (typeof schema === "string") {
      if (PRIMITIVES.has(schema)) return schema;
      const found = this.named.get(schema) ??
        this.named.get(namespace ? `${namespace}.${schema}` : schema);
      if (!found) throw new MessageFormatError(`Avro schema refers to unknown type '${schema}'`);
      return found;
    }
    return schema;
  }

  register(schema: AvroSchema, namespace = ""): void {
    if (Array.isArray(schema)) return schema.forEach((member) => this.register(member, namespace));
    if (typeof schema !== "object" || schema === null) return;
    const type = schema.type;
    if (type === "record" || type === "error" || type === "enum" || type === "fixed") {
      const named = schema as Named;
      const space = typeof named.namespace === "string" ? named.namespace : namespace;
      const fullName = named.name.includes(".") || !space ? named.name : `${space}.${named.name}`;
      this.named.set(fullName, named);
      this.named.set(named.name, named);
      if (Array.isArray(named.fields)) {
        for (const field of named.fields as { type: AvroSchema }[]) {
          this.register(field.type, space);
        }
      }
    } else if (type === "array") this.register(schema.items as AvroSchema, namespace);
    else if (type === "map") this.register(schema.values as AvroSchema, namespace);
    else if (typeof type === "object") this.register(type as AvroSchema, namespace);
  }
}

function typeName(schema: AvroSchema): string {
  if (typeof schema === "string") return schema;
  if (Array.isArray(schema)) return "union";
  const type = schema.type;
  return typeof type === "string" ? type : typeName(type as AvroSchema);
}

class Writer {
  #chunks: Uint8Array[] = [];
  #length = 0;
  push(bytes: Uint8Array) {
    this.#chunks.push(bytes);
    this.#length += bytes.length;
  }
  long(value: number | bigint) {
    let n = BigInt(value);
    n = (n << 1n) ^ (n >> 63n); // zigzag
    n = BigInt.asUintN(64, n);
    const bytes: number[] = [];
    do {
      let byte = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) byte |= 0x80;
      bytes.push(byte);
    } while (n > 0n);
    this.push(Uint8Array.from(bytes));
  }
  bytes(value: Uint8Array) {
    this.long(value.length);
    this.push(value);
  }
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

class Reader {
  offset = 0;
  constructor(readonly data: Uint8Array) {}
  need(count: number) {
    if (this.offset + count > this.data.length) {
      throw new MessageFormatError("Avro data ends too early");
    }
  }
  byte(): number {
    this.need(1);
    return this.data[this.offset++];
  }
  long(): number | bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.byte();
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7n;
      if (shift > 63n) throw new MessageFormatError("Avro varint is too long");
    }
    const value = (result >> 1n) ^ -(result & 1n);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  count(): number {
    const value = this.long();
    if (typeof value === "bigint") throw new MessageFormatError("Avro count is out of range");
    return value;
  }
  /**
   * Reads the blocks that arrays, maps and a container's metadata are written in: counts up to a
   * zero count, `read` once per item; a negative count is followed by the block size in bytes,
   * which only matters for skipping.
   */
  blocks(read: () => void): void {
    for (;;) {
      let count = this.count();
      if (count === 0) return;
      if (count < 0) {
        count = -count;
        this.long();
      }
      for (let i = 0; i < count; i++) read();
    }
  }
  take(count: number): Uint8Array {
    if (count < 0) throw new MessageFormatError("Avro length is negative");
    this.need(count);
    const slice = this.data.subarray(this.offset, this.offset + count);
    this.offset += count;
    return slice;
  }
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Uint8Array);
}

function matches(schema: AvroSchema, value: unknown, context: SchemaContext): boolean {
  const resolved = context.resolve(schema);
  switch (typeName(resolved)) {
    case "null":
      return value === null || value === undefined;
    case "boolean":
      return typeof value === "boolean";
    case "int":
    case "long":
      return typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value));
    case "float":
    case "double":
      return typeof value === "number";
    case "bytes":
    case "fixed":
      return value instanceof Uint8Array;
    case "string":
      return typeof value === "string";
    case "enum":
      return typeof value === "string" &&
        ((resolved as { symbols: string[] }).symbols ?? []).includes(value);
    case "array":
      return Array.isArray(value);
    case "map":
      return isPlainObject(value);
    case "record":
    case "error":
      return isPlainObject(value) &&
        ((resolved as { fields: { name: string; default?: unknown }[] }).fields ?? []).every(
          (field) => field.name in value || "default" in field,
        );
    default:
      return false;
  }
}

function encodeDatum(schema: AvroSchema, value: unknown, out: Writer, context: SchemaContext) {
  const resolved = context.resolve(schema);
  if (Array.isArray(resolved)) {
    // The first fitting branch wins; generated unions list "long" before "double".
    const index = resolved.findIndex((member) => matches(member, value, context));
    if (index < 0) {
      throw new MessageFormatError(`value does not fit any branch of Avro union`);
    }
    out.long(index);
    return encodeDatum(resolved[index], value, out, context);
  }
  const fail = (): never => {
    throw new MessageFormatError(
      `value of type ${typeof value} does not fit Avro type ${typeName(resolved)}`,
    );
  };
  if (!matches(resolved, value, context)) fail();
  const object = resolved as Record<string, unknown>;
  switch (typeName(resolved)) {
    case "null":
      return;
    case "boolean":
      return out.push(Uint8Array.of(value ? 1 : 0));
    case "int":
    case "long":
      return out.long(value as number | bigint);
    case "float": {
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setFloat32(0, value as number, true);
      return out.push(bytes);
    }
    case "double": {
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setFloat64(0, value as number, true);
      return out.push(bytes);
    }
    case "bytes":
      return out.bytes(value as Uint8Array);
    case "fixed":
      return out.push(value as Uint8Array);
    case "string":
      return out.bytes(utf8Encoder.encode(value as string));
    case "enum":
      return out.long((object.symbols as string[]).indexOf(value as string));
    case "array": {
      const items = value as unknown[];
      if (items.length) {
        out.long(items.length);
        for (const item of items) encodeDatum(object.items as AvroSchema, item, out, context);
      }
      return out.long(0);
    }
    case "map": {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length) {
        out.long(entries.length);
        for (const [key, item] of entries) {
          out.bytes(utf8Encoder.encode(key));
          encodeDatum(object.values as AvroSchema, item, out, context);
        }
      }
      return out.long(0);
    }
    default: {
      const record = value as Record<string, unknown>;
      for (
        const field of object.fields as { name: string; type: AvroSchema; default?: unknown }[]
      ) {
        const item = field.name in record ? record[field.name] : field.default;
        encodeDatum(field.type, item, out, context);
      }
    }
  }
}

function decodeDatum(schema: AvroSchema, input: Reader, context: SchemaContext): unknown {
  const resolved = context.resolve(schema);
  if (Array.isArray(resolved)) {
    const index = input.count();
    if (index < 0 || index >= resolved.length) {
      throw new MessageFormatError(`Avro union branch ${index} does not exist`);
    }
    return decodeDatum(resolved[index], input, context);
  }
  const object = resolved as Record<string, unknown>;
  switch (typeName(resolved)) {
    case "null":
      return null;
    case "boolean":
      return input.byte() !== 0;
    case "int":
    case "long":
      return input.long();
    case "float": {
      const bytes = input.take(4);
      return new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
    }
    case "double": {
      const bytes = input.take(8);
      return new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, true);
    }
    case "bytes":
      return input.take(input.count()).slice();
    case "fixed":
      return input.take(Number(object.size)).slice();
    case "string":
      try {
        return utf8Decoder.decode(input.take(input.count()));
      } catch (error) {
        if (error instanceof MessageFormatError) throw error;
        throw new MessageFormatError("Avro string is not valid UTF-8");
      }
    case "enum": {
      const symbols = object.symbols as string[];
      const index = input.count();
      if (index < 0 || index >= symbols.length) {
        throw new MessageFormatError(`Avro enum index ${index} does not exist`);
      }
      return symbols[index];
    }
    case "array": {
      const items: unknown[] = [];
      input.blocks(() => items.push(decodeDatum(object.items as AvroSchema, input, context)));
      return items;
    }
    case "map": {
      const map: Record<string, unknown> = {};
      input.blocks(() => {
        const key = utf8Decoder.decode(input.take(input.count()));
        map[key] = decodeDatum(object.values as AvroSchema, input, context);
      });
      return map;
    }
    case "record":
    case "error": {
      const record: Record<string, unknown> = {};
      for (const field of object.fields as { name: string; type: AvroSchema }[]) {
        record[field.name] = decodeDatum(field.type, input, context);
      }
      return record;
    }
    default:
      throw new MessageFormatError(`unsupported Avro type '${typeName(resolved)}'`);
  }
}

/** Writes an object container file: null codec, one block, the given (or a random) sync marker. */
export function writeAvroContainer(
  schema: AvroSchema,
  records: readonly unknown[],
  sync: Uint8Array = crypto.getRandomValues(new Uint8Array(16)),
): Uint8Array {
  const context = new SchemaContext();
  context.register(schema);
  const body = new Writer();
  for (const record of records) encodeDatum(schema, record, body, context);
  const out = new Writer();
  out.push(Uint8Array.from(MAGIC));
  out.long(2);
  out.bytes(utf8Encoder.encode("avro.codec"));
  out.bytes(utf8Encoder.encode("null"));
  out.bytes(utf8Encoder.encode("avro.schema"));
  out.bytes(utf8Encoder.encode(JSON.stringify(schema)));
  out.long(0);
  out.push(sync);
  if (records.length > 0) {
    const data = body.toBytes();
    out.long(records.length);
    out.long(data.length);
    out.push(data);
    out.push(sync);
  }
  return out.toBytes();
}

/** Reads every record of an object container file (codec null or deflate). */
export function readAvroContainer(data: Uint8Array): { schema: AvroSchema; records: unknown[] } {
  const input = new Reader(data);
  if (data.length < 4 || MAGIC.some((byte, index) => data[index] !== byte)) {
    throw new MessageFormatError("not an Avro object container file (no 'Obj\\x01' magic)");
  }
  input.offset = 4;
  const metadata = new Map<string, Uint8Array>();
  input.blocks(() => {
    const key = utf8Decoder.decode(input.take(input.count()));
    metadata.set(key, input.take(input.count()).slice());
  });
  const sync = input.take(16).slice();
  const codec = metadata.has("avro.codec")
    ? utf8Decoder.decode(metadata.get("avro.codec"))
    : "null";
  if (codec !== "null" && codec !== "deflate") {
    throw new MessageFormatError(`unsupported Avro codec '${codec}' (null and deflate are)`);
  }
  const schemaBytes = metadata.get("avro.schema");
  if (!schemaBytes) throw new MessageFormatError("Avro container has no avro.schema");
  let schema: AvroSchema;
  try {
    schema = JSON.parse(utf8Decoder.decode(schemaBytes));
  } catch {
    throw new MessageFormatError("Avro container schema is not JSON");
  }
  const context = new SchemaContext();
  context.register(schema);
  const records: unknown[] = [];
  while (input.offset < data.length) {
    const count = input.count();
    const size = input.count();
    let block = input.take(size);
    if (codec === "deflate") {
      try {
        block = new Uint8Array(inflateRawSync(block));
      } catch {
        throw new MessageFormatError("Avro deflate block cannot be inflated");
      }
    }
    const blockReader = new Reader(block);
    for (let i = 0; i < count; i++) records.push(decodeDatum(schema, blockReader, context));
    const marker = input.take(16);
    if (marker.some((byte, index) => byte !== sync[index])) {
      throw new MessageFormatError("Avro block sync marker does not match the header");
    }
  }
  return { schema, records };
}

const KIND_ORDER = [
  "null",
  "boolean",
  "long",
  "double",
  "bytes",
  "string",
  "array",
  "map",
  "record",
];
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** hop's schema generation, with a fixed union order and record numbering (inner records first). */
export function generateAvroSchema(records: readonly unknown[]): AvroSchema {
  let counter = 0;
  const kindOf = (value: unknown): string => {
    if (value === null || value === undefined) return "null";
    if (typeof value === "boolean") return "boolean";
    if (typeof value === "bigint") return "long";
    if (typeof value === "number") return Number.isInteger(value) ? "long" : "double";
    if (typeof value === "string") return "string";
    if (value instanceof Uint8Array) return "bytes";
    if (Array.isArray(value)) return "array";
    if (isPlainObject(value)) return "object";
    throw new MessageFormatError(
      `Unable to assign an Avro type to value of type ${
        (value as object)?.constructor?.name ?? typeof value
      }`,
    );
  };
  const common = (values: readonly unknown[]): AvroSchema => {
    const groups = new Map<string, unknown[]>();
    for (const value of values) {
      const kind = kindOf(value);
      groups.set(kind, [...groups.get(kind) ?? [], value]);
    }
    const members: [string, AvroSchema][] = [];
    for (const [kind, group] of groups) {
      if (kind === "array") {
        members.push(["array", { type: "array", items: common(group.flat()) }]);
      } else if (kind === "object") {
        const schema = objectSchema(group as Record<string, unknown>[]);
        members.push([typeName(schema), schema]);
      } else members.push([kind, kind]);
    }
    members.sort(([a], [b]) => KIND_ORDER.indexOf(a) - KIND_ORDER.indexOf(b));
    if (members.length === 0) return "null";
    return members.length === 1 ? members[0][1] : members.map(([, schema]) => schema);
  };
  const objectSchema = (objects: Record<string, unknown>[]): AvroSchema => {
    const keys = [...new Set(objects.flatMap((object) => Object.keys(object)))];
    const values = objects.flatMap((object) => Object.values(object));
    // Counted from kinds rather than built schemas, so that discarded records take no number.
    const unionSize = new Set(values.map(kindOf)).size;
    if (unionSize > keys.length / 2 && keys.every((key) => FIELD_NAME.test(key))) {
      const fields = keys.map((key) => {
        const missing = objects.some((object) => !(key in object));
        const present = objects.filter((object) => key in object).map((object) => object[key]);
        const type = common(missing ? [null, ...present] : present);
        return missing ? { name: key, type, default: null } : { name: key, type };
      });
      return { type: "record", name: `auto_record${counter++}`, fields };
    }
    return { type: "map", values: common(values) };
  };
  return common(records);
}
