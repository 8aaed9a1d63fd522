/**
 * Go's RE2 regular expressions on JavaScript's RegExp: a translator for the syntax where the two
 * differ, and Go's match-iteration, split and replacement-template rules.
 *
 * Translated: `(?P<name>…)` and `(?<name>…)` groups, leading `(?flags)` (i, m, s; `U` is rejected),
 * `(?flags:…)` groups (JS modifiers), `\A`, `\z`, `\Q…\E`, `[[:alpha:]]`-style classes, `\pL`,
 * escaped punctuation, Go's ASCII-only `\s`, and a leading `]` in a class. Rejected, as RE2 rejects
 * them: backreferences, lookaround, `\b` inside classes is kept, repetition counts above 1000.
 * Patterns always run in unicode mode (`u`), as Go matches UTF-8 code points.
 */

/** A pattern RE2 would not accept (or that aiws cannot translate faithfully). */
export class RegexSyntaxError extends Error {}

const posixClasses: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

const jsSyntax = new Set([...'^$\\.*+?()[]{}|/']);

function escapeLiteral(ch: string): string {
  return jsSyntax.has(ch) || ch === '-' ? `\\${ch}` : ch;
}

/** Translate an RE2 pattern to a JS RegExp source and flags. */
export function translateRe2(pattern: string): { source: string; flags: string } {
  let flags = 'u';
  let i = 0;
  const lead = /^\(\?([imsU]+)\)/.exec(pattern);
  if (lead !== null) {
    if (lead[1]!.includes('U')) throw new RegexSyntaxError('error parsing regexp: ungreedy flag (?U) is not supported');
    for (const f of lead[1]!) if (!flags.includes(f)) flags += f;
    i = lead[0].length;
  }
  let out = '';
  let inClass = false;
  let classStart = false;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) throw new RegexSyntaxError('error parsing regexp: trailing backslash at end of expression: ``');
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const literal = pattern.slice(i + 2, end === -1 ? undefined : end);
        out += [...literal].map(escapeLiteral).join('');
        i = end === -1 ? pattern.length : end + 2;
        continue;
      }
      if (/[1-9]/.test(next)) throw new RegexSyntaxError(`error parsing regexp: invalid escape sequence: \`\\${next}\``);
      if (next === 'A' && !inClass) out += '^';
      else if (next === 'z' && !inClass) out += '$(?![\\s\\S])';
      else if (next === 's') out += inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]';
      else if (next === 'S') out += inClass ? '\\S' : '[^\\t\\n\\f\\r ]';
      else if ((next === 'p' || next === 'P') && pattern[i + 2] !== '{') {
        out += `\\${next}{${pattern[i + 2] ?? ''}}`;
        i += 3;
        continue;
      } else if (/[A-Za-z0-9]/.test(next)) {
        if (!/[dDwWbBpPfnrtvx0aC]/.test(next)) throw new RegexSyntaxError(`error parsing regexp: invalid escape sequence: \`\\${next}\``);
        if (next === 'a') out += '\\x07';
        else if (next === 'C') throw new RegexSyntaxError('error parsing regexp: invalid escape sequence: `\\C`');
        else if (next === 'x' && pattern[i + 2] === '{') {
          const close = pattern.indexOf('}', i);
          out += `\\u{${pattern.slice(i + 3, close)}}`;
          i = close + 1;
          continue;
        } else out += `\\${next}`;
      } else out += escapeLiteral(next);
      i += 2;
      continue;
    }
    if (inClass) {
      if (ch === '[' && pattern[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
        const cls = m === null ? undefined : posixClasses[m[2]!];
        if (m === null || cls === undefined) throw new RegexSyntaxError(`error parsing regexp: invalid character class range: \`${pattern.slice(i, i + 10)}\``);
        if (m[1] === '^') throw new RegexSyntaxError('error parsing regexp: negated POSIX classes are not supported');
        out += cls;
        i += m[0].length;
        classStart = false;
        continue;
      }
      if (ch === ']' && !classStart) inClass = false;
      out += ch === ']' && classStart ? '\\]' : ch === '[' ? '\\[' : ch;
      classStart = false;
      i++;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += '[';
      i++;
      if (pattern[i] === '^') {
        out += '^';
        i++;
      }
      classStart = true;
      continue;
    }
    if (ch === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i);
      const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
      if (named !== null) {
        out += `(?<${named[1]}>`;
        i += named[0].length;
        continue;
      }
      const mod = /^\(\?([ims]*)(?:-([ims]+))?:/.exec(rest);
      if (mod !== null) {
        out += mod[0];
        i += mod[0].length;
        continue;
      }
      throw new RegexSyntaxError(`error parsing regexp: invalid or unsupported Perl syntax: \`${rest.slice(0, 3)}\``);
    }
    if (ch === '{') {
      const rep = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (rep !== null && (Number(rep[1]) > 1000 || Number(rep[3] ?? 0) > 1000)) {
        throw new RegexSyntaxError(`error parsing regexp: invalid repeat count: \`${rep[0]}\``);
      }
      // A brace that does not start a repetition is a literal in Go.
      if (rep === null) {
        out += '\\{';
        i++;
        continue;
      }
    }
    if (ch === '}' && !/\{\d+(,\d*)?$/.test(pattern.slice(0, i))) {
      out += '\\}';
      i++;
      continue;
    }
    out += ch;
    i++;
  }
  if (inClass) throw new RegexSyntaxError(`error parsing regexp: missing closing ]: \`${pattern}\``);
  return { source: out, flags };
}

const cache = new Map<string, RegExp>();

/**
 * Compile an RE2 pattern (cached); the RegExp is global + sticky-free and must be used via `exec`
 * with `lastIndex`.
 * @throws RegexSyntaxError for patterns RE2 rejects or aiws cannot translate
 */
export function compileRe2(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re === undefined) {
    const { source, flags } = translateRe2(pattern);
    try {
      re = new RegExp(source, `${flags}g`);
    } catch (err) {
      throw new RegexSyntaxError(`error parsing regexp: ${(err as Error).message}`);
    }
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  re.lastIndex = 0;
  return re;
}

/** Go's `FindAllStringSubmatchIndex`-style iteration: non-overlapping, empty matches right after a match skipped. */
export function findAll(re: RegExp, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  let pos = 0;
  let prevEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (m === null) break;
    const end = m.index + m[0].length;
    if (m[0].length === 0) {
      if (m.index === prevEnd) {
        // Go ignores an empty match abutting the previous match and moves on one code point.
        pos = m.index + (s.codePointAt(m.index)! > 0xffff ? 2 : 1);
        continue;
      }
      out.push(m);
      pos = m.index + (m.index < s.length && s.codePointAt(m.index)! > 0xffff ? 2 : 1);
    } else {
      out.push(m);
      pos = end;
    }
    prevEnd = end;
  }
  return out;
}

/** Go's `Regexp.Split(s, -1)`. */
export function splitRe(re: RegExp, pattern: string, s: string): string[] {
  if (pattern.length > 0 && s.length === 0) return [''];
  const parts: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(re, s, -1)) {
    end = m.index;
    if (m.index + m[0].length !== 0) parts.push(s.slice(beg, end));
    beg = m.index + m[0].length;
  }
  if (end !== s.length) parts.push(s.slice(beg));
  return parts;
}

/** Go's `Regexp.Expand` template: `$1`, `$name`, `${name}`, `$$`. */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (all, _d, braced?: string, bare?: string) => {
    if (all === '$$') return '$';
    const name = braced ?? bare!;
    if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
    return m.groups?.[name] ?? '';
  });
}
