/**
 * `regex.globs_match`: whether two "glob-like" regular expressions (literals, `.`, character classes,
 * and the `*`, `+`, `?` quantifiers: the subset OPA's glob-intersection library accepts) match at
 * least one common string. Decided by searching the product of the two token automata.
 */

/** A rejected pattern, with the library's wording. */
export class GlobPatternError extends Error {}

type Range = readonly [lo: number, hi: number];

interface GlobToken {
  /** Code point ranges the token matches, sorted and disjoint. */
  readonly ranges: readonly Range[];
  readonly repeat: '' | '*' | '?';
}

const MAX = 0x10ffff;

function normalise(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function complement(ranges: Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of normalise(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX) out.push([next, MAX]);
  return out;
}

function intersects(a: readonly Range[], b: readonly Range[]): boolean {
  return a.some(([alo, ahi]) => b.some(([blo, bhi]) => alo <= bhi && blo <= ahi));
}

function fail(pattern: string, pos: number, what: string): never {
  throw new GlobPatternError(`input:${pattern}, pos:${pos}, ${what}: the input provided is invalid`);
}

/** Tokens of a pattern; `x+` becomes `x x*`. */
export function tokenizeGlob(pattern: string): GlobToken[] {
  const chars = [...pattern];
  const out: GlobToken[] = [];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i]!;
    let ranges: Range[];
    if (c === '\\') {
      const next = chars[i + 1];
      if (next === undefined) fail(pattern, i + 1, "escape '\\' at end of input");
      ranges = [[next.codePointAt(0)!, next.codePointAt(0)!]];
      i += 2;
    } else if (c === '.') {
      ranges = [[0, MAX]];
      i++;
    } else if (c === '[') {
      i++;
      const negate = chars[i] === '^';
      if (negate) i++;
      const set: Range[] = [];
      while (i < chars.length && chars[i] !== ']') {
        let lo = chars[i]!;
        if (lo === '\\' && i + 1 < chars.length) lo = chars[++i]!;
        let hi = lo;
        if (chars[i + 1] === '-' && chars[i + 2] !== undefined && chars[i + 2] !== ']') {
          hi = chars[i + 2]!;
          if (hi === '\\' && i + 3 < chars.length) {
            hi = chars[i + 3]!;
            i++;
          }
          i += 2;
        }
        set.push([lo.codePointAt(0)!, hi.codePointAt(0)!]);
        i++;
      }
      if (i >= chars.length) fail(pattern, i, "set-open '[' with no closing ']'");
      i++;
      ranges = negate ? complement(set) : normalise(set);
    } else if (c === ']') {
      return fail(pattern, i + 1, "set-close ']' with no preceding '['");
    } else if (c === '*' || c === '+' || c === '?') {
      return fail(pattern, i + 1, `quantifier '${c}' with nothing to repeat`);
    } else if ('()|{}^$'.includes(c)) {
      return fail(pattern, i + 1, `unsupported character '${c}'`);
    } else {
      ranges = [[c.codePointAt(0)!, c.codePointAt(0)!]];
      i++;
    }
    const q = chars[i];
    if (q === '*' || q === '?') {
      out.push({ ranges, repeat: q });
      i++;
    } else if (q === '+') {
      out.push({ ranges, repeat: '' }, { ranges, repeat: '*' });
      i++;
    } else out.push({ ranges, repeat: '' });
  }
  return out;
}

/** True when some string matches both patterns in full. */
export function globsIntersect(a: string, b: string): boolean {
  const x = tokenizeGlob(a);
  const y = tokenizeGlob(b);
  const seen = new Set<number>();
  const stack: [number, number][] = [[0, 0]];
  const key = (i: number, j: number): number => i * (y.length + 1) + j;
  while (stack.length > 0) {
    const [i, j] = stack.pop()!;
    if (seen.has(key(i, j))) continue;
    seen.add(key(i, j));
    if (i === x.length && j === y.length) return true;
    const tx = x[i];
    const ty = y[j];
    if (tx !== undefined && tx.repeat !== '') stack.push([i + 1, j]);
    if (ty !== undefined && ty.repeat !== '') stack.push([i, j + 1]);
    if (tx !== undefined && ty !== undefined && intersects(tx.ranges, ty.ranges)) {
      for (const ni of tx.repeat === '*' ? [i, i + 1] : [i + 1]) {
        for (const nj of ty.repeat === '*' ? [j, j + 1] : [j + 1]) stack.push([ni, nj]);
      }
    }
  }
  return false;
}
