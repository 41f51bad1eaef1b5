// Option checks shared by the Client constructor and the CLI, so both report the same words.

/** Type name for error messages, in the words a user would use. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

export function checkString(name: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new TypeError(`"${name}" must be a string, not ${describeType(value)}`);
  }
  return value;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`"${name}" must be a boolean, not ${describeType(value)}`);
  }
  return value;
}

export function checkNumber(
  name: string,
  value: unknown,
  { min = 0, integer = false }: { min?: number; integer?: boolean } = {},
): number {
  if (typeof value !== "number") {
    throw new TypeError(`"${name}" must be a number, not ${describeType(value)}`);
  }
  if (Number.isNaN(value) || value < min || (integer && !Number.isInteger(value))) {
    const kind = integer ? "an integer" : "a number";
    throw new RangeError(`"${name}" must be ${kind} >= ${min}, got ${value}`);
  }
  return value;
}
