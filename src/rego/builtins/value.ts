/**
 * Rego values as JavaScript builtins see them, and the operations every builtin module shares:
 * OPA's total order, equality, set normalisation and exact big-integer results.
 *
 * Values cross the SDK boundary as JSON (`opa_json_dump` → `JSON.parse`, then `JSON.stringify` →
 * `opa_json_parse`), so a builtin sees only JSON: a Rego set arrives as an array (no duplicates), an
 * object key that is not a string arrives as its JSON text (`{1: "a"}` → `{"1": "a"}`), and a number
 * beyond 2^53 arrives rounded to the nearest double. A builtin that returns a set returns a sorted,
 * duplicate-free array; the caller turns it back into a set where the catalogue says the result is one.
 */

/** A JSON value: what a builtin receives. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * A number serialised from its exact decimal text (`JSON.rawJSON`), used for integers beyond 2^53
 * such as nanosecond timestamps. `JSON.stringify` writes the digits verbatim.
 */
export interface RawNumber {
  readonly rawJSON: string;
}

/** What a builtin returns: JSON, possibly with exact raw numbers inside; `undefined` = no result. */
export type BuiltinResult = JsonValue | RawNumber | BuiltinResult[] | { [key: string]: BuiltinResult } | undefined;

interface JsonWithRaw {
  rawJSON(text: string): RawNumber;
  isRawJSON(value: unknown): value is RawNumber;
}

const json = JSON as unknown as JSON & JsonWithRaw;

/** An integer result that stays exact through `JSON.stringify` even beyond 2^53. */
export function exactInteger(value: bigint): number | RawNumber {
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : json.rawJSON(value.toString());
}

/** True for a raw number made by `exactInteger`. */
export function isRawNumber(value: unknown): value is RawNumber {
  return json.isRawJSON(value);
}

/** OPA's name for the kind of a JSON value (`array` for sets, which arrive as arrays). */
export function typeNameOf(value: JsonValue): 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as 'boolean' | 'number' | 'string' | 'object';
}

const rank = { null: 0, boolean: 1, number: 2, string: 3, array: 4, object: 5 } as const;

/** Compare UTF-8 byte order, as Go's string comparison does (differs from UTF-16 order above U+FFFF). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ca = [...a];
  const cb = [...b];
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i]!.codePointAt(0)!;
    const y = cb[i]!.codePointAt(0)!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return ca.length - cb.length < 0 ? -1 : ca.length === cb.length ? 0 : 1;
}

/**
 * OPA's total order on values: null < booleans < numbers < strings < arrays < objects; arrays
 * element-wise, objects by sorted keys then values.
 */
export function compareValues(a: JsonValue, b: JsonValue): number {
  const ta = typeNameOf(a);
  const tb = typeNameOf(b);
  if (ta !== tb) return rank[ta] - rank[tb];
  switch (ta) {
    case 'null':
      return 0;
    case 'boolean':
      return a === b ? 0 : a === false ? -1 : 1;
    case 'number':
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 'string':
      return compareStrings(a as string, b as string);
    case 'array': {
      const x = a as JsonValue[];
      const y = b as JsonValue[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    case 'object': {
      const x = a as JsonObject;
      const y = b as JsonObject;
      const kx = Object.keys(x).sort(compareStrings);
      const ky = Object.keys(y).sort(compareStrings);
      const n = Math.min(kx.length, ky.length);
      for (let i = 0; i < n; i++) {
        const c = compareStrings(kx[i]!, ky[i]!);
        if (c !== 0) return c;
        const v = compareValues(x[kx[i]!]!, y[ky[i]!]!);
        if (v !== 0) return v;
      }
      return kx.length === ky.length ? 0 : kx.length < ky.length ? -1 : 1;
    }
  }
}

/** Deep equality of JSON values. */
export function valuesEqual(a: JsonValue, b: JsonValue): boolean {
  return compareValues(a, b) === 0;
}

/** A set as a builtin returns it: sorted in OPA's order, without duplicates. */
export function toSet(values: Iterable<JsonValue>): JsonValue[] {
  const sorted = [...values].sort(compareValues);
  const out: JsonValue[] = [];
  for (const v of sorted) {
    if (out.length === 0 || compareValues(out[out.length - 1]!, v) !== 0) out.push(v);
  }
  return out;
}

/** True when `value` is a JSON object (not an array, not null). */
export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The key under which a Rego object key is stored once the object went through JSON: strings as
 * themselves, anything else as its JSON text (what OPA's `opa_json_dump` writes).
 */
export function objectKeyOf(key: JsonValue): string {
  return typeof key === 'string' ? key : JSON.stringify(key);
}

/** Serialise a value as Go's `encoding/json` does for OPA (object keys sorted, no HTML escaping). */
export function marshalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(marshalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort(compareStrings);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${marshalJson(value[k]!)}`).join(',')}}`;
  }
  if (typeof value === 'number') return formatNumber(value);
  return JSON.stringify(value);
}

/**
 * A number as OPA prints it: integers without exponent (`1e21` → `1000000000000000000000`), other
 * values in the shortest form that round-trips.
 */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return BigInt(value).toString();
  return String(value);
}
