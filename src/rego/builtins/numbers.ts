/**
 * Number builtins: `abs round ceil floor`, `numbers.range(_step)`, `bits.*`, `to_number`, `rand.intn`.
 *
 * Integers are computed with BigInt and returned exactly (`exactInteger`), so results beyond 2^53
 * survive `JSON.stringify`; inputs beyond 2^53 are already rounded by the SDK's `JSON.parse`.
 */
import { createHash } from 'node:crypto';
import { builtinError, typeError } from './builtin-error.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import { intOperand } from './operands.ts';
import type { JsonValue, RawNumber } from './value.ts';
import { exactInteger } from './value.ts';

const num = (v: JsonValue): number => v as number;

/** Go's `math.Round`: half away from zero. */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** The most elements `numbers.range` will build; beyond that the call fails instead of exhausting memory. */
const MAX_RANGE = 10_000_000;

function range(name: string, from: number, to: number, step: number): JsonValue[] {
  const count = Math.floor(Math.abs(to - from) / step) + 1;
  if (count > MAX_RANGE) throw builtinError(name, `range of ${count} numbers exceeds the limit of ${MAX_RANGE}`);
  const out: number[] = [];
  const dir = from <= to ? 1 : -1;
  for (let i = 0, x = from; i < count; i++, x += dir * step) out.push(x);
  return out;
}

function bitOperand(name: string, position: number, value: JsonValue): bigint {
  return BigInt(intOperand(name, position, value));
}

function shift(name: string, left: boolean) {
  return defineBuiltin(name, (a, b) => {
    const x = bitOperand(name, 1, a!);
    const n = bitOperand(name, 2, b!);
    if (n < 0n) throw typeError(name, 'operand 2 must be an unsigned integer number but got a negative integer');
    return exactInteger(left ? x << n : x >> n);
  });
}

/** Go's `strconv.ParseFloat` syntax (decimal and hexadecimal forms, optional underscores between digits). */
const goFloat = /^[+-]?(?:(?:\d(?:_?\d)*)?\.?(?:\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?|0[xX](?:[0-9a-fA-F](?:_?[0-9a-fA-F])*)?\.?(?:[0-9a-fA-F](?:_?[0-9a-fA-F])*)?[pP][+-]?\d+|inf(?:inity)?|nan)$/i;

function toNumber(value: JsonValue): number | RawNumber {
  if (value === null) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  const s = value as string;
  if (s === '' || !goFloat.test(s) || !/\d/.test(s) && !/^[+-]?(inf(inity)?|nan)$/i.test(s)) {
    throw builtinError('to_number', `strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
  }
  if (/^[+-]?(inf(inity)?|nan)$/i.test(s)) throw builtinError('to_number', `invalid number ${JSON.stringify(s)}`);
  if (/^-?(0|[1-9]\d*)$/.test(s)) return exactInteger(BigInt(s));
  const n = Number(s.replace(/_/g, ''));
  if (!Number.isFinite(n)) throw builtinError('to_number', `strconv.ParseFloat: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/**
 * `rand.intn(str, n)`: OPA returns a random integer in [0, |n|) and repeats it for the same `str`
 * and `n` within one query. Here the value is derived from a hash of `(str, n)`, so it repeats
 * across queries too: deterministic, as the journal's replay needs.
 */
function randIntn(key: string, n: number): number {
  if (n === 0) return 0;
  const bound = BigInt(Math.abs(n));
  const digest = createHash('sha256').update(`${key}\u0000${n}`).digest();
  return Number(digest.readBigUInt64BE(0) % bound);
}

/** The number builtins by name. */
export const numberBuiltins: JsBuiltinTable = {
  abs: defineBuiltin('abs', (x) => Math.abs(num(x!))),
  round: defineBuiltin('round', (x) => roundHalfAway(num(x!))),
  ceil: defineBuiltin('ceil', (x) => Math.ceil(num(x!))),
  floor: defineBuiltin('floor', (x) => Math.floor(num(x!))),
  'numbers.range': defineBuiltin('numbers.range', (a, b) =>
    range('numbers.range', intOperand('numbers.range', 1, a!), intOperand('numbers.range', 2, b!), 1),
  ),
  'numbers.range_step': defineBuiltin('numbers.range_step', (a, b, s) => {
    const from = intOperand('numbers.range_step', 1, a!);
    const to = intOperand('numbers.range_step', 2, b!);
    if (typeof s !== 'number' || !Number.isInteger(s) || s <= 0) throw builtinError('numbers.range_step', 'step must be a positive integer');
    return range('numbers.range_step', from, to, s);
  }),
  'bits.and': defineBuiltin('bits.and', (a, b) => exactInteger(bitOperand('bits.and', 1, a!) & bitOperand('bits.and', 2, b!))),
  'bits.or': defineBuiltin('bits.or', (a, b) => exactInteger(bitOperand('bits.or', 1, a!) | bitOperand('bits.or', 2, b!))),
  'bits.xor': defineBuiltin('bits.xor', (a, b) => exactInteger(bitOperand('bits.xor', 1, a!) ^ bitOperand('bits.xor', 2, b!))),
  'bits.negate': defineBuiltin('bits.negate', (a) => exactInteger(~bitOperand('bits.negate', 1, a!))),
  'bits.lsh': shift('bits.lsh', true),
  'bits.rsh': shift('bits.rsh', false),
  to_number: defineBuiltin('to_number', (x) => toNumber(x!), { expected: [['null', 'boolean', 'number', 'string']] }),
  'rand.intn': defineBuiltin('rand.intn', (key, n) => randIntn(key as string, intOperand('rand.intn', 2, n!))),
};
