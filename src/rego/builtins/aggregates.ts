/**
 * Aggregates over collections: `count sum product max min sort`, and the set builtins
 * `union intersection` (whose set results are returned as sorted, duplicate-free arrays).
 */
import { typeError } from './builtin-error.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import type { BuiltinResult, JsonValue } from './value.ts';
import { compareValues, exactInteger, toSet, typeNameOf } from './value.ts';

function numbersOf(name: string, coll: JsonValue): number[] {
  const items = coll as JsonValue[];
  for (const x of items) {
    if (typeof x !== 'number') throw typeError(name, `operand 1 must be array of numbers but got array containing ${typeNameOf(x)}`);
  }
  return items as number[];
}

/** Sum or product: exact for integers (BigInt), otherwise float with decimal noise rounded off at 15 digits. */
function fold(values: number[], op: 'sum' | 'product'): BuiltinResult {
  if (values.every(Number.isInteger)) {
    let acc = op === 'sum' ? 0n : 1n;
    for (const v of values) acc = op === 'sum' ? acc + BigInt(v) : acc * BigInt(v);
    return exactInteger(acc);
  }
  let acc = op === 'sum' ? 0 : 1;
  for (const v of values) acc = op === 'sum' ? acc + v : acc * v;
  return Number(acc.toPrecision(15));
}

function setsOf(name: string, coll: JsonValue): JsonValue[][] {
  const items = coll as JsonValue[];
  for (const x of items) {
    if (!Array.isArray(x)) throw typeError(name, `operand 1 must be set of sets but got set containing ${typeNameOf(x)}`);
  }
  return items as JsonValue[][];
}

/** The aggregate and set builtins by name. */
export const aggregateBuiltins: JsBuiltinTable = {
  count: defineBuiltin('count', (x) => {
    if (typeof x === 'string') return [...x].length;
    if (Array.isArray(x)) return x.length;
    return Object.keys(x as object).length;
  }, { expected: [['array', 'object', 'set', 'string']] }),
  sum: defineBuiltin('sum', (coll) => fold(numbersOf('sum', coll!), 'sum'), { expected: [['set', 'array']] }),
  product: defineBuiltin('product', (coll) => fold(numbersOf('product', coll!), 'product'), { expected: [['set', 'array']] }),
  max: defineBuiltin('max', (coll) => {
    const items = coll as JsonValue[];
    return items.length === 0 ? undefined : items.reduce((a, b) => (compareValues(a, b) >= 0 ? a : b));
  }, { expected: [['set', 'array']] }),
  min: defineBuiltin('min', (coll) => {
    const items = coll as JsonValue[];
    return items.length === 0 ? undefined : items.reduce((a, b) => (compareValues(a, b) <= 0 ? a : b));
  }, { expected: [['set', 'array']] }),
  sort: defineBuiltin('sort', (coll) => [...(coll as JsonValue[])].sort(compareValues), { expected: [['set', 'array']] }),
  union: defineBuiltin('union', (coll) => toSet(setsOf('union', coll!).flat())),
  intersection: defineBuiltin('intersection', (coll) => {
    const sets = setsOf('intersection', coll!);
    if (sets.length === 0) return [];
    const [first, ...rest] = sets;
    return toSet(first!.filter((x) => rest.every((s) => s.some((y) => compareValues(x, y) === 0))));
  }),
  all: defineBuiltin('all', (coll) => (coll as JsonValue[]).every((x) => x === true), { expected: [['set', 'array']] }),
  any: defineBuiltin('any', (coll) => (coll as JsonValue[]).some((x) => x === true), { expected: [['set', 'array']] }),
  set_diff: defineBuiltin('set_diff', (a, b) => toSet((a as JsonValue[]).filter((x) => !(b as JsonValue[]).some((y) => compareValues(x, y) === 0)))),
  and: defineBuiltin('and', (a, b) => toSet((a as JsonValue[]).filter((x) => (b as JsonValue[]).some((y) => compareValues(x, y) === 0)))),
  or: defineBuiltin('or', (a, b) => toSet([...(a as JsonValue[]), ...(b as JsonValue[])])),
  minus: defineBuiltin('minus', (a, b) => {
    if (typeof a === 'number' && typeof b === 'number') {
      return Number.isInteger(a) && Number.isInteger(b) ? exactInteger(BigInt(a) - BigInt(b)) : a - b;
    }
    if (Array.isArray(a) && Array.isArray(b)) return toSet(a.filter((x) => !b.some((y) => compareValues(x, y) === 0)));
    throw typeError('minus', `operand 1 must be one of {number, set} but got ${typeNameOf(a!)}`);
  }),
};
