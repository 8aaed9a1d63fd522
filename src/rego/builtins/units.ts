/**
 * `units.parse` and `units.parse_bytes`: resource quantities ("10Gi", "1.5k", "250m", "5MB") to
 * numbers, computed exactly with rationals as OPA does (`big.Rat`), fractional results rounded to 10
 * decimal places.
 */
import { builtinError } from './builtin-error.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import type { BuiltinResult } from './value.ts';
import { exactInteger } from './value.ts';

/** An exact rational number. */
interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

/** Split into the numeric prefix and the unit, as OPA's `extractNumAndUnit`; `undefined` when the exponent is too long. */
function extractNumAndUnit(s: string): [num: string, unit: string] | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const isNum = /[0-9.]/.test(c);
    if (!isNum && c !== 'e' && c !== 'E' && c !== '+' && c !== '-') return i === 0 ? ['', s] : [s.slice(0, i), s.slice(i)];
    if (c === 'e' || c === 'E') {
      const next = s[i + 1];
      if (next === undefined || !/[0-9+-]/.test(next)) return i === 0 ? ['', s] : [s.slice(0, i), s.slice(i)];
      if (next === '+' || next === '-') i++;
      const digits = /^\d*/.exec(s.slice(i + 1))![0];
      if (digits.length > 6) return undefined;
    }
  }
  return [s, ''];
}

/** A decimal string (optionally with exponent) as `big.Rat.SetString` reads it. */
function parseDecimal(s: string): Rational | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const digits = `${m[2]}${m[3] ?? ''}`;
  let num = BigInt(digits === '' ? '0' : digits);
  let den = 10n ** BigInt((m[3] ?? '').length);
  const exp = Number(m[4] ?? 0);
  if (exp > 0) num *= 10n ** BigInt(exp);
  else den *= 10n ** BigInt(-exp);
  return { num: m[1] === '-' ? -num : num, den };
}

/** The number OPA returns: an integer exactly, otherwise rounded (half away from zero) to 10 decimals. */
function toResult(value: Rational): BuiltinResult {
  if (value.num % value.den === 0n) return exactInteger(value.num / value.den);
  const scale = 10n ** 10n;
  const neg = value.num < 0n;
  const abs = neg ? -value.num : value.num;
  const scaled = (abs * scale * 2n + value.den) / (2n * value.den);
  const text = `${neg ? '-' : ''}${scaled / scale}.${(scaled % scale).toString().padStart(10, '0')}`;
  return Number(text);
}

const K = 1000n;
const decimalUnits: Record<string, Rational> = {
  m: { num: 1n, den: 1000n },
  '': { num: 1n, den: 1n },
  k: { num: K, den: 1n }, K: { num: K, den: 1n },
  M: { num: K ** 2n, den: 1n },
  g: { num: K ** 3n, den: 1n }, G: { num: K ** 3n, den: 1n },
  t: { num: K ** 4n, den: 1n }, T: { num: K ** 4n, den: 1n },
  p: { num: K ** 5n, den: 1n }, P: { num: K ** 5n, den: 1n },
  e: { num: K ** 6n, den: 1n }, E: { num: K ** 6n, den: 1n },
};
for (const [i, letter] of ['k', 'm', 'g', 't', 'p', 'e'].entries()) {
  const value = { num: 1n << BigInt(10 * (i + 1)), den: 1n };
  decimalUnits[`${letter}i`] = value;
  decimalUnits[`${letter.toUpperCase()}i`] = value;
}

const byteUnits: Record<string, bigint> = { '': 1n };
for (const [i, letter] of ['k', 'm', 'g', 't', 'p', 'e'].entries()) {
  byteUnits[letter] = K ** BigInt(i + 1);
  byteUnits[`${letter}b`] = K ** BigInt(i + 1);
  byteUnits[`${letter}i`] = 1n << BigInt(10 * (i + 1));
  byteUnits[`${letter}ib`] = 1n << BigInt(10 * (i + 1));
}

function parseUnits(raw: string): BuiltinResult {
  const name = 'units.parse';
  const s = raw.replace(/"/g, '');
  if (s.includes(' ')) throw builtinError(name, 'spaces not allowed in resource strings');
  const split = extractNumAndUnit(s);
  if (split === undefined) throw builtinError(name, 'exponent too large');
  const [numText, rawUnit] = split;
  if (numText === '') throw builtinError(name, 'no amount provided');
  const unit = rawUnit.length > 1 ? rawUnit[0] + rawUnit.slice(1).toLowerCase() : rawUnit;
  const mult = decimalUnits[unit];
  if (mult === undefined) throw builtinError(name, `unit ${unit} not recognized`);
  const num = parseDecimal(numText);
  if (num === undefined) throw builtinError(name, 'could not parse amount to a number');
  return toResult({ num: num.num * mult.num, den: num.den * mult.den });
}

function parseBytes(raw: string): BuiltinResult {
  const name = 'units.parse_bytes';
  const s = raw.toLowerCase().replace(/"/g, '');
  if (s.includes(' ')) throw builtinError(name, 'spaces not allowed in resource strings');
  const split = extractNumAndUnit(s);
  if (split === undefined) throw builtinError(name, 'exponent too large');
  const [numText, unit] = split;
  if (numText === '') throw builtinError(name, 'no byte amount provided');
  const mult = byteUnits[unit];
  if (mult === undefined) throw builtinError(name, `byte unit ${unit} not recognized`);
  const num = parseDecimal(numText);
  if (num === undefined) throw builtinError(name, 'could not parse byte amount to a number');
  // big.Float.Int truncates toward zero.
  return exactInteger((num.num * mult) / num.den);
}

/** The units builtins by name. */
export const unitBuiltins: JsBuiltinTable = {
  'units.parse': defineBuiltin('units.parse', (s) => parseUnits(s as string)),
  'units.parse_bytes': defineBuiltin('units.parse_bytes', (s) => parseBytes(s as string)),
};
