/**
 * Go's `strings` package semantics that JavaScript lacks: rune-wise (code point) operations,
 * `strings.NewReplacer`, cutset trimming and `unicode.IsSpace`.
 *
 * OPA's string builtins are thin wrappers over Go's library; these helpers reproduce the behaviour
 * that differs from the nearest JS method (UTF-16 units vs runes, `TrimSpace`'s set of spaces, ...).
 */

/** The code points of `s` as strings (Go's `[]rune(s)`). */
export function runes(s: string): string[] {
  return Array.from(s);
}

/** Go's `unicode.IsSpace`. */
export function isGoSpace(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Go's `strings.TrimSpace`. */
export function trimSpace(s: string): string {
  return trimFunc(s, isGoSpace, true, true);
}

/** Trim leading and/or trailing code points for which `drop` holds. */
export function trimFunc(s: string, drop: (ch: string) => boolean, left: boolean, right: boolean): string {
  const rs = runes(s);
  let start = 0;
  let end = rs.length;
  if (left) while (start < end && drop(rs[start]!)) start++;
  if (right) while (end > start && drop(rs[end - 1]!)) end--;
  return rs.slice(start, end).join('');
}

/** Go's `strings.Trim`/`TrimLeft`/`TrimRight` with a cutset. */
export function trimCutset(s: string, cutset: string, left: boolean, right: boolean): string {
  if (cutset === '') return s;
  const set = new Set(runes(cutset));
  return trimFunc(s, (ch) => set.has(ch), left, right);
}

/** Go's `strings.Split` (an empty separator splits into runes). */
export function goSplit(s: string, sep: string): string[] {
  if (sep === '') return runes(s);
  return s.split(sep);
}

/** Go's `strings.Count`: non-overlapping occurrences; an empty `sub` counts runes + 1. */
export function goCount(s: string, sub: string): number {
  if (sub === '') return runes(s).length + 1;
  let n = 0;
  for (let i = s.indexOf(sub); i !== -1; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

/**
 * Go's `strings.NewReplacer(old1, new1, ...).Replace(s)`: scans left to right; at each position the
 * first pair (in argument order) whose `old` matches wins; replaced text is not rescanned. An empty
 * `old` matches at every rune boundary.
 */
export function goReplace(s: string, pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return s;
  let out = '';
  let pos = 0;
  for (;;) {
    const hit = pairs.find(([from]) => s.startsWith(from, pos));
    if (hit !== undefined && hit[0] !== '') {
      out += hit[1];
      pos += hit[0].length;
      continue;
    }
    if (hit !== undefined) out += hit[1];
    if (pos >= s.length) break;
    const ch = String.fromCodePoint(s.codePointAt(pos)!);
    out += ch;
    pos += ch.length;
  }
  return out;
}
