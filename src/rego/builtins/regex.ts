/**
 * Regex builtins: `regex.match is_valid find_n find_all_string_submatch_n replace split
 * template_match globs_match`, `re_match`, and `glob.quote_meta`, with Go's RE2 syntax and iteration rules.
 */
import { builtinError } from './builtin-error.ts';
import { GlobPatternError, globsIntersect } from './glob-intersection.ts';
import { compileRe2, expandTemplate, findAll, RegexSyntaxError, splitRe } from './go-regexp.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import { intOperand } from './operands.ts';

function compile(name: string, pattern: string): RegExp {
  try {
    return compileRe2(pattern);
  } catch (err) {
    if (err instanceof RegexSyntaxError) throw builtinError(name, err.message, err);
    throw err;
  }
}

function match(name: string) {
  return defineBuiltin(name, (pattern, value) => {
    const re = compile(name, pattern as string);
    re.lastIndex = 0;
    return re.test(value as string);
  });
}

/**
 * `regex.template_match`: the parts of `template` between the delimiters are regular expressions,
 * the rest literal text; the whole must match `value`.
 */
function templateMatch(template: string, value: string, start: string, end: string): boolean {
  const name = 'regex.template_match';
  if ([...start].length !== 1 || [...end].length !== 1) throw builtinError(name, 'start and end delimiters must be single characters');
  let source = '^';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf(start, i);
    if (open === -1) {
      source += escapeRegex(template.slice(i));
      break;
    }
    source += escapeRegex(template.slice(i, open));
    let depth = 0;
    let close = -1;
    for (let j = open; j < template.length; j++) {
      if (template[j] === start) depth++;
      else if (template[j] === end && --depth === 0) {
        close = j;
        break;
      }
    }
    if (close === -1) throw builtinError(name, `unbalanced braces in ${JSON.stringify(template)}`);
    source += `(?:${template.slice(open + 1, close)})`;
    i = close + 1;
  }
  const re = compile(name, `${source}$`);
  re.lastIndex = 0;
  return re.test(value);
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** The regex builtins by name. */
export const regexBuiltins: JsBuiltinTable = {
  'regex.match': match('regex.match'),
  re_match: match('re_match'),
  'regex.is_valid': defineBuiltin('regex.is_valid', (pattern) => {
    try {
      compileRe2(pattern as string);
      return true;
    } catch {
      return false;
    }
  }),
  'regex.find_n': defineBuiltin('regex.find_n', (pattern, value, n) =>
    findAll(compile('regex.find_n', pattern as string), value as string, intOperand('regex.find_n', 3, n!)).map((m) => m[0]),
  ),
  'regex.find_all_string_submatch_n': defineBuiltin('regex.find_all_string_submatch_n', (pattern, value, n) =>
    findAll(compile('regex.find_all_string_submatch_n', pattern as string), value as string, intOperand('regex.find_all_string_submatch_n', 3, n!)).map(
      (m) => [...m].map((g) => g ?? ''),
    ),
  ),
  'regex.replace': defineBuiltin('regex.replace', (s, pattern, replacement) => {
    const text = s as string;
    const re = compile('regex.replace', pattern as string);
    let out = '';
    let last = 0;
    for (const m of findAll(re, text, -1)) {
      out += text.slice(last, m.index) + expandTemplate(replacement as string, m);
      last = m.index + m[0].length;
    }
    return out + text.slice(last);
  }),
  'regex.split': defineBuiltin('regex.split', (pattern, s) => splitRe(compile('regex.split', pattern as string), pattern as string, s as string)),
  'regex.template_match': defineBuiltin('regex.template_match', (template, value, start, end) =>
    templateMatch(template as string, value as string, start as string, end as string),
  ),
  'regex.globs_match': defineBuiltin('regex.globs_match', (a, b) => {
    try {
      return globsIntersect(a as string, b as string);
    } catch (err) {
      if (err instanceof GlobPatternError) throw builtinError('regex.globs_match', err.message, err);
      throw err;
    }
  }),
  'glob.quote_meta': defineBuiltin('glob.quote_meta', (s) => (s as string).replace(/[*?\\[\]{},]/g, '\\$&')),
};
