/**
 * String builtins: `concat`, `split`, `replace`, `trim*`, `substring`, `indexof`, `format_int`, ... with
 * Go's semantics (runes, not UTF-16 units; Go's notion of white space; `strings.NewReplacer`).
 */
import { builtinError, operandError, typeError } from './builtin-error.ts';
import { goCount, goReplace, goSplit, runes, trimCutset, trimSpace } from './go-strings.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import { intOperand, stringsOf } from './operands.ts';
import { sprintf } from './sprintf.ts';
import type { JsonValue } from './value.ts';
import { compareStrings, isObject, typeNameOf } from './value.ts';

const str = (v: JsonValue): string => v as string;

function indexOfRunes(base: string, search: string): number[] {
  const b = runes(base);
  const s = runes(search);
  const out: number[] = [];
  for (let i = 0; i + s.length <= b.length; i++) {
    let ok = true;
    for (let j = 0; j < s.length; j++) {
      if (b[i + j] !== s[j]) {
        ok = false;
        break;
      }
    }
    if (ok) out.push(i);
  }
  return out;
}

function anyAffixMatch(name: string, suffix: boolean) {
  return defineBuiltin(name, (a, b) => {
    const single = typeof a === 'string';
    const strs = single ? [a] : stringsOf(name, 1, a!);
    if (typeof b !== 'string' && !Array.isArray(b)) throw operandError(name, 2, ['string', 'set', 'array'], typeNameOf(b!));
    const affixes = typeof b === 'string' ? [b] : stringsOf(name, 2, b);
    return strs.some((s) => affixes.some((x) => (suffix ? s.endsWith(x) : s.startsWith(x))));
  }, { expected: [['string', 'set', 'array'], ['string', 'set', 'array']] });
}

function formatInt(input: number, base: number): string {
  const radix = base;
  // Truncates toward zero, as OPA does for fractional inputs.
  const i = BigInt(Math.trunc(input));
  return i.toString(radix);
}

/** The string builtins by name. */
export const stringBuiltins: JsBuiltinTable = {
  concat: defineBuiltin('concat', (delim, coll) => stringsOf('concat', 2, coll!).join(str(delim!)), { expected: [undefined, ['set', 'array']] }),
  contains: defineBuiltin('contains', (s, sub) => str(s!).includes(str(sub!))),
  startswith: defineBuiltin('startswith', (s, p) => str(s!).startsWith(str(p!))),
  endswith: defineBuiltin('endswith', (s, p) => str(s!).endsWith(str(p!))),
  lower: defineBuiltin('lower', (s) => str(s!).toLowerCase()),
  upper: defineBuiltin('upper', (s) => str(s!).toUpperCase()),
  split: defineBuiltin('split', (s, d) => (str(s!).includes(str(d!)) ? goSplit(str(s!), str(d!)) : [str(s!)])),
  'strings.split_n': defineBuiltin('strings.split_n', (s, d, n) => {
    const limit = intOperand('strings.split_n', 3, n!);
    const parts = goSplit(str(s!), str(d!));
    // OPA splits into n+1 parts and keeps n: the unsplit remainder is dropped.
    if (limit >= 0) return parts.slice(0, limit);
    return parts.slice(Math.max(parts.length + limit, 0));
  }),
  replace: defineBuiltin('replace', (s, from, to) => goReplace(str(s!), [[str(from!), str(to!)]])),
  'strings.replace_n': defineBuiltin('strings.replace_n', (patterns, s) => {
    const obj = patterns as Record<string, JsonValue>;
    const pairs: [string, string][] = [];
    for (const key of Object.keys(obj).sort(compareStrings)) {
      const value = obj[key]!;
      if (typeof value !== 'string') throw typeError('strings.replace_n', 'operand 1 non-string value found in pattern object');
      pairs.push([key, value]);
    }
    return goReplace(str(s!), pairs);
  }),
  trim: defineBuiltin('trim', (s, c) => trimCutset(str(s!), str(c!), true, true)),
  trim_left: defineBuiltin('trim_left', (s, c) => trimCutset(str(s!), str(c!), true, false)),
  trim_right: defineBuiltin('trim_right', (s, c) => trimCutset(str(s!), str(c!), false, true)),
  trim_prefix: defineBuiltin('trim_prefix', (s, p) => (str(s!).startsWith(str(p!)) ? str(s!).slice(str(p!).length) : str(s!))),
  trim_suffix: defineBuiltin('trim_suffix', (s, p) =>
    str(p!) !== '' && str(s!).endsWith(str(p!)) ? str(s!).slice(0, str(s!).length - str(p!).length) : str(s!),
  ),
  trim_space: defineBuiltin('trim_space', (s) => trimSpace(str(s!))),
  substring: defineBuiltin('substring', (s, offset, length) => {
    const start = intOperand('substring', 2, offset!);
    const len = intOperand('substring', 3, length!);
    if (start < 0) throw builtinError('substring', 'negative offset');
    const rs = runes(str(s!));
    if (start >= rs.length) return '';
    return (len < 0 ? rs.slice(start) : rs.slice(start, Math.min(rs.length, start + len))).join('');
  }),
  indexof: defineBuiltin('indexof', (s, search) => {
    if (str(search!) === '') throw builtinError('indexof', 'empty search character');
    return indexOfRunes(str(s!), str(search!))[0] ?? -1;
  }),
  indexof_n: defineBuiltin('indexof_n', (s, search) => {
    if (str(search!) === '') throw builtinError('indexof_n', 'empty search character');
    return indexOfRunes(str(s!), str(search!));
  }),
  'strings.count': defineBuiltin('strings.count', (s, sub) => goCount(str(s!), str(sub!))),
  'strings.reverse': defineBuiltin('strings.reverse', (s) => runes(str(s!)).reverse().join('')),
  'strings.any_prefix_match': anyAffixMatch('strings.any_prefix_match', false),
  'strings.any_suffix_match': anyAffixMatch('strings.any_suffix_match', true),
  format_int: defineBuiltin('format_int', (n, base) => {
    if (base !== 2 && base !== 8 && base !== 10 && base !== 16) throw typeError('format_int', 'operand 2 must be one of {2, 8, 10, 16}');
    return formatInt(n as number, base);
  }),
  sprintf: defineBuiltin('sprintf', (format, args) => sprintf(str(format!), args as JsonValue[])),
  'strings.render_template': defineBuiltin('strings.render_template', (template, vars) => {
    if (!isObject(vars!)) throw operandError('strings.render_template', 2, ['object'], typeNameOf(vars!));
    return renderTemplate(str(template!), vars);
  }),
};

/**
 * A subset of Go's `text/template` as `strings.render_template` uses it: `{{.name}}` and `{{ .a.b }}`
 * substitutions. Anything else (pipelines, `range`, `if`) fails, as would a missing key in OPA
 * (which runs templates with `missingkey=error`).
 */
function renderTemplate(template: string, vars: Record<string, JsonValue>): string {
  return template.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_all, expr: string) => {
    if (!/^\.[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(expr)) {
      throw builtinError('strings.render_template', `unsupported template action "${expr}"`);
    }
    let value: JsonValue | undefined = vars;
    for (const key of expr.slice(1).split('.')) {
      value = isObject(value!) ? value[key] : undefined;
      if (value === undefined) throw builtinError('strings.render_template', `template: map has no entry for key "${key}"`);
    }
    return typeof value === 'string' ? value : goPrintValue(value!);
  });
}

/** How Go's `fmt.Print` writes a decoded JSON value (`map[a:1]`, `[1 2]`). */
function goPrintValue(value: JsonValue): string {
  if (value === null) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goPrintValue).join(' ')}]`;
  if (isObject(value)) return `map[${Object.keys(value).sort().map((k) => `${k}:${goPrintValue(value[k]!)}`).join(' ')}]`;
  return String(value);
}
