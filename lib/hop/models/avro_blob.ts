/**
 * Avro object container files (`avro`).
 *
 * @module
 */
import { MessageFormatError } from "../errors.ts";
import type { MessageModel } from "./model.ts";
import {
  type AvroSchema,
  generateAvroSchema,
  readAvroContainer,
  writeAvroContainer,
} from "./_avro.ts";

export type { AvroSchema };

/**
 * Options of {@linkcode AvroBlob}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AvroBlob, type AvroBlobOptions } from "./avro_blob.ts";
 * const options: AvroBlobOptions = { singleRecord: false };
 * const blob = new AvroBlob([{ n: 1 }, { n: 2 }], options);
 * assert.equal(blob.singleRecord, false);
 * assert.deepEqual(AvroBlob.load(blob.serialize(), false).content, [{ n: 1 }, { n: 2 }]);
 * ```
 */
export interface AvroBlobOptions {
  /** Writer schema; generated from the content when absent (hop's rules, deterministic). */
  schema?: AvroSchema;
  /** `true` (default): content is one record; `false`: content is an array of records. */
  singleRecord?: boolean;
}

/**
 * Data sent as an Avro object container file (not Confluent schema-registry framing), as hop
 * does. Without a schema one is generated: strings, bytes, null, booleans, integers (`long`),
 * other numbers (`double`), arrays, and objects as a `map`, or as a record `auto_recordN` when
 * their values have many different types. Unions list their members in a fixed order.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { AvroBlob } from "@igwn/alert";
 * const blob = new AvroBlob({ name: "S240615dg", far: 1e-9, count: 3 });
 * const copy = AvroBlob.load(blob.serialize());
 * assert.deepStrictEqual(copy.content, { name: "S240615dg", far: 1e-9, count: 3 });
 * ```
 */
export class AvroBlob implements MessageModel {
  /** Always `"avro"`. */
  readonly format = "avro";
  /** One record, or an array of records when `singleRecord` is false. */
  readonly content: unknown;
  /** The writer schema (the generated one after the first `serialize()` if none was given). */
  schema?: AvroSchema;
  /** Whether `content` is one record. */
  readonly singleRecord: boolean;

  /**
   * Creates an AvroBlob.
   *
   * @param content a record, or an array of records with `singleRecord: false`
   * @param options schema and single-record flag
   * @throws {TypeError} hop's text when `singleRecord` is false and content is not an array
   */
  constructor(content: unknown, options: AvroBlobOptions = {}) {
    this.singleRecord = options.singleRecord ?? true;
    if (!this.singleRecord && !Array.isArray(content)) {
      throw new TypeError(
        "AvroBlob requires content to be a sequence of records when single_record = False",
      );
    }
    this.content = content;
    this.schema = options.schema;
  }

  /**
   * Reads an object container file (null or deflate codec).
   *
   * @param value the container bytes
   * @param singleRecord expect exactly one record (default, what consumers use)
   * @returns the blob with the file's writer schema
   * @throws {MessageFormatError} for a malformed container or, with `singleRecord`, a record count
   *   other than one
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { AvroBlob } from "@igwn/alert";
   * const bytes = new AvroBlob([{ a: 1 }, { a: 2 }], { singleRecord: false }).serialize();
   * assert.deepStrictEqual(AvroBlob.load(bytes, false).content, [ { a: 1 }, { a: 2 } ]);
   * ```
   */
  static load(value: Uint8Array, singleRecord = true): AvroBlob {
    const { schema, records } = readAvroContainer(value);
    if (singleRecord && records.length !== 1) {
      throw new MessageFormatError(
        "AvroBlob requires content to be a single record when single_record = True, number of " +
          `records in message being deserialized is ${records.length}.`,
      );
    }
    return new AvroBlob(singleRecord ? records[0] : records, { schema, singleRecord });
  }

  /** An object container file with codec null holding the record(s). */
  serialize(): Uint8Array {
    const records = this.singleRecord ? [this.content] : this.content as unknown[];
    this.schema ??= generateAvroSchema(records);
    return writeAvroContainer(this.schema, records);
  }

  /** The content as JSON (byte arrays as objects of indices, long integers as strings). */
  toString(): string {
    return JSON.stringify(
      this.content,
      (_key, value) => typeof value === "bigint" ? value.toString() : value,
    );
  }
}
