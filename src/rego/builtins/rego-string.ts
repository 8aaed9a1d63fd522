/**
 * Rego's and Go's textual forms of values: `ast.Term.String()` (what `sprintf` passes for non-scalar
 * arguments and `print` writes) and `strconv.Quote`.
 */
import type { JsonValue } from './value.ts';
import { compareStrings, formatNumber, isObject } from './value.ts';

const named: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };

/** True for code points Go's `strconv.IsPrint` rejects (controls, separators other than space, format chars). */
function notPrintable(cp: number): boolean {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp === 0xad) return true;
  if (cp >= 0xd800 && cp <= 0xdfff) return true;
  return /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cn}\p{Co}]|[\p{Zs}]/u.test(String.fromCodePoint(cp)) && cp !== 0x20;
}

/** Go's `strconv.Quote`; with `asciiOnly`, `strconv.QuoteToASCII`. */
export function goQuote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const esc = named[ch];
    if (esc !== undefined) out += esc;
    else if (cp < 0x80 ? notPrintable(cp) : notPrintable(cp) || asciiOnly) {
      if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** A value as Rego prints it (`ast.Term.String()`): `[1, "a"]`, `{"k": true}`. Sets print as arrays (they arrive as arrays). */
export function regoString(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return goQuote(value);
  if (Array.isArray(value)) return `[${value.map(regoString).join(', ')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort(compareStrings);
    return `{${keys.map((k) => `${goQuote(k)}: ${regoString(value[k]!)}`).join(', ')}}`;
  }
  return String(value);
}
