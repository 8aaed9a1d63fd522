/**
 * `sprintf`: Go's `fmt.Sprintf` over Rego values, as OPA calls it.
 *
 * OPA passes integers as Go `int64` (or `*big.Int` beyond), other numbers as `float64`, strings as
 * strings, and every other value as its Rego text (`[1, "a"]`). Go's rules then apply, including its
 * complaints: `sprintf("%d", [1.5])` is `%!d(float64=1.5)`, a missing operand `%!d(MISSING)`, an extra
 * one `%!(EXTRA int=3)`. Only the number's value survives JSON, so `1.0` formats as the integer `1`.
 */
import { goQuote, regoString } from './rego-string.ts';
import type { JsonValue } from './value.ts';

type GoArg =
  | { readonly type: 'int'; readonly value: bigint; readonly big: boolean }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string };

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function toGoArg(value: JsonValue): GoArg {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      const big = BigInt(value);
      return { type: 'int', value: big, big: big > INT64_MAX || big < INT64_MIN };
    }
    return { type: 'float', value };
  }
  if (typeof value === 'string') return { type: 'string', value };
  return { type: 'string', value: regoString(value) };
}

function typeLabel(arg: GoArg): string {
  if (arg.type === 'int') return arg.big ? '*big.Int' : 'int';
  return arg.type === 'float' ? 'float64' : 'string';
}

function plain(arg: GoArg): string {
  if (arg.type === 'int') return arg.value.toString();
  if (arg.type === 'float') return formatFloatG(arg.value, -1, false);
  return arg.value;
}

function pad(s: string, spec: Spec, zeroAllowed = true): string {
  const width = spec.width ?? 0;
  const len = [...s].length;
  if (len >= width) return s;
  const fill = width - len;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero && zeroAllowed) {
    const sign = /^[+\- ]/.test(s) ? s[0]! : '';
    const body = s.slice(sign.length);
    const prefix = /^0[xXbo]/.test(body) ? body.slice(0, 2) : '';
    return sign + prefix + '0'.repeat(fill) + body.slice(prefix.length);
  }
  return ' '.repeat(fill) + s;
}

function signed(body: string, negative: boolean, spec: Spec): string {
  if (negative) return `-${body}`;
  if (spec.plus) return `+${body}`;
  if (spec.space) return ` ${body}`;
  return body;
}

function formatInt(arg: Extract<GoArg, { type: 'int' }>, verb: string, spec: Spec): string | undefined {
  const negative = arg.value < 0n;
  const abs = negative ? -arg.value : arg.value;
  let body: string;
  let prefix = '';
  switch (verb) {
    case 'd':
    case 'v':
      body = abs.toString(10);
      break;
    case 's':
      if (!arg.big) return undefined;
      body = abs.toString(10);
      break;
    case 'b':
      body = abs.toString(2);
      if (spec.sharp && !arg.big) prefix = '0b';
      break;
    case 'o':
      body = abs.toString(8);
      if (spec.sharp) prefix = '0';
      break;
    case 'O':
      body = abs.toString(8);
      prefix = '0o';
      break;
    case 'x':
      body = abs.toString(16);
      if (spec.sharp) prefix = '0x';
      break;
    case 'X':
      body = abs.toString(16).toUpperCase();
      if (spec.sharp) prefix = '0X';
      break;
    case 'c':
      if (arg.big) return undefined;
      return pad(String.fromCodePoint(Number(arg.value) >= 0 && Number(arg.value) <= 0x10ffff ? Number(arg.value) : 0xfffd), spec, false);
    case 'q':
      if (arg.big) return undefined;
      return pad(`'${String.fromCodePoint(Number(arg.value))}'`, spec, false);
    case 'U':
      if (arg.big) return undefined;
      return pad(`U+${abs.toString(16).toUpperCase().padStart(4, '0')}`, spec, false);
    default:
      return undefined;
  }
  if (spec.prec !== undefined) {
    body = spec.prec === 0 && abs === 0n ? '' : body.padStart(spec.prec, '0');
  }
  return pad(signed(prefix + body, negative, spec), spec, spec.prec === undefined);
}

/** Go's exponent style: at least two digits (`1e+06`). */
function goExponent(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** `strconv.FormatFloat(v, 'g', prec)`; `prec` -1 = shortest. */
function formatFloatG(v: number, prec: number, upper: boolean): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const p = prec === 0 ? 1 : prec;
  const [mant, expText] = (p < 0 ? v.toExponential() : v.toExponential(p - 1)).split('e') as [string, string];
  const digits = mant.replace('-', '').replace('.', '').replace(/0+$/, '') || '0';
  const exp = Number(expText);
  let eprec = p < 0 ? 6 : p;
  if (p >= 0 && eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
  if (p < 0) eprec = 6;
  let out: string;
  if (exp < -4 || exp >= eprec) {
    out = goExponent(v.toExponential(Math.max(digits.length - 1, 0)));
  } else {
    out = v.toFixed(Math.max(digits.length - exp - 1, 0));
  }
  return upper ? out.toUpperCase() : out;
}

function formatFloat(v: number, verb: string, spec: Spec): string | undefined {
  let body: string;
  switch (verb) {
    case 'v':
    case 'g':
    case 'G':
      body = formatFloatG(Math.abs(v), spec.prec ?? -1, verb === 'G');
      break;
    case 'f':
    case 'F':
      body = Math.abs(v).toFixed(spec.prec ?? 6);
      break;
    case 'e':
    case 'E':
      body = goExponent(Math.abs(v).toExponential(spec.prec ?? 6));
      if (verb === 'E') body = body.toUpperCase();
      break;
    default:
      return undefined;
  }
  return pad(signed(body, v < 0 || Object.is(v, -0), spec), spec);
}

function hexBytes(s: string, upper: boolean, spec: Spec): string {
  const hex = Buffer.from(s, 'utf8').toString('hex');
  const body = spec.sharp ? hex.replace(/(..)/g, '0x$1').replace(/^/, '') : hex;
  return upper ? body.toUpperCase().replace(/0X/g, '0X') : body;
}

function formatString(s: string, verb: string, spec: Spec): string | undefined {
  switch (verb) {
    case 's':
    case 'v':
      return pad(spec.prec !== undefined ? [...s].slice(0, spec.prec).join('') : s, spec);
    case 'q':
      return pad(spec.sharp && !s.includes('`') && !/[\x00-\x08\x0a-\x1f\x7f]/.test(s) ? `\`${s}\`` : goQuote(s, spec.plus), spec);
    case 'x':
    case 'X':
      return pad(hexBytes(spec.prec !== undefined ? s.slice(0, spec.prec) : s, verb === 'X', spec), spec);
    default:
      return undefined;
  }
}

function formatArg(arg: GoArg, verb: string, spec: Spec): string {
  const out =
    arg.type === 'int' ? formatInt(arg, verb, spec) : arg.type === 'float' ? formatFloat(arg.value, verb, spec) : formatString(arg.value, verb, spec);
  return out ?? `%!${verb}(${typeLabel(arg)}=${plain(arg)})`;
}

/** Go's `fmt.Sprintf(format, args...)` with OPA's conversion of Rego values to Go values. */
export function sprintf(format: string, values: readonly JsonValue[]): string {
  const args = values.map(toGoArg);
  let out = '';
  let argIndex = 0;
  let reordered = false;
  const chars = [...format];
  let i = 0;
  const readNumber = (): number | undefined => {
    let n = '';
    while (i < chars.length && /[0-9]/.test(chars[i]!)) n += chars[i++];
    return n === '' ? undefined : Number(n);
  };
  const readIndex = (): boolean => {
    if (chars[i] !== '[') return true;
    const close = chars.indexOf(']', i);
    const n = close === -1 ? NaN : Number(chars.slice(i + 1, close).join(''));
    if (!Number.isInteger(n) || n < 1 || n > args.length) {
      i = close === -1 ? chars.length : close + 1;
      return false;
    }
    argIndex = n - 1;
    reordered = true;
    i = close + 1;
    return true;
  };
  while (i < chars.length) {
    const c = chars[i]!;
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    i++;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (; i < chars.length; i++) {
      const f = chars[i];
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === '#') spec.sharp = true;
      else if (f === ' ') spec.space = true;
      else if (f === '0') spec.zero = !spec.minus;
      else break;
    }
    let goodIndex = readIndex();
    if (chars[i] === '*') {
      i++;
      const w = args[argIndex++];
      if (w?.type === 'int') {
        spec.width = Number(w.value);
        if (spec.width < 0) {
          spec.minus = true;
          spec.width = -spec.width;
        }
      } else out += '%!(BADWIDTH)';
    } else spec.width = readNumber();
    if (chars[i] === '.') {
      i++;
      goodIndex = readIndex() && goodIndex;
      if (chars[i] === '*') {
        i++;
        const p = args[argIndex++];
        if (p?.type === 'int' && p.value >= 0n) spec.prec = Number(p.value);
        else out += '%!(BADPREC)';
      } else spec.prec = readNumber() ?? 0;
    }
    goodIndex = readIndex() && goodIndex;
    if (i >= chars.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = chars[i++]!;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!goodIndex) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    const arg = args[argIndex];
    if (arg === undefined) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    argIndex++;
    out += formatArg(arg, verb, spec);
  }
  if (!reordered && argIndex < args.length) {
    out += `%!(EXTRA ${args.slice(argIndex).map((a) => `${typeLabel(a)}=${plain(a)}`).join(', ')})`;
  }
  return out;
}
