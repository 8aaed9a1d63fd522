// glob.match with the pattern language OPA uses (gobwas/glob): `*` (no delimiter), `**` (anything),
// `?` (one non-delimiter character), `[abc]` `[a-z]` `[!a]` (one character), `{a,b}` (alternatives,
// nestable) and `\` escapes. Delimiters are single characters; `null` means none and `[]` means ".".

import { malloc } from "./memory";
import { T_ARRAY, vtype, strLen, strPtr, arrLen, arrGet } from "./value";

let delimPtr: usize = 0; // pairs of (ptr u32, len u32), one per delimiter rune
let delimCount: u32 = 0;
const DOT = memory.data<u8>([46]);

function runeLen(c: u8): u32 {
  if (c < 0x80) return 1;
  if (c < 0xe0) return 2;
  if (c < 0xf0) return 3;
  return 4;
}

function isDelim(p: usize, rest: usize): bool {
  for (let i: u32 = 0; i < delimCount; i++) {
    const dp = <usize>load<u32>(delimPtr + (<usize>i << 3));
    const dn = load<u32>(delimPtr + (<usize>i << 3), 4);
    if (<usize>dn <= rest && memory.compare(p, dp, dn) == 0) return true;
  }
  return false;
}

/** 1 when `subject` matches, 0 when not, -1 when the pattern is malformed. */
export function globMatch(pattern: usize, delims: usize, subject: usize): i32 {
  delimCount = 0;
  if (vtype(delims) == T_ARRAY) {
    const n = arrLen(delims);
    delimPtr = malloc(<usize>(n > 0 ? n : <u32>1) << 3);
    for (let i: u32 = 0; i < n; i++) {
      const d = arrGet(delims, i);
      if (strLen(d) == 0) continue;
      store<u32>(delimPtr + (<usize>delimCount << 3), <u32>strPtr(d));
      store<u32>(delimPtr + (<usize>delimCount << 3), runeLen(load<u8>(strPtr(d))), 4);
      delimCount++;
    }
    if (n == 0) {
      store<u32>(delimPtr, <u32>DOT);
      store<u32>(delimPtr, 1, 4);
      delimCount = 1;
    }
  }
  const pp = strPtr(pattern), pn = strLen(pattern);
  if (!balanced(pp, pn)) return -1;
  return expandAndMatch(pp, pn, strPtr(subject), strLen(subject)) ? 1 : 0;
}

function balanced(p: usize, n: u32): bool {
  let brace: i32 = 0;
  let i: u32 = 0;
  while (i < n) {
    const c = load<u8>(p + i);
    if (c == 92) { i += 2; continue; }
    if (c == 91) {
      let j = i + 1;
      while (j < n && load<u8>(p + j) != 93) j++;
      if (j >= n) return false;
      i = j + 1;
      continue;
    }
    if (c == 123) brace++;
    else if (c == 125) { brace--; if (brace < 0) return false; }
    i++;
  }
  return brace == 0;
}

/** Expands the first `{...}` group into its alternatives and matches each. */
function expandAndMatch(p: usize, n: u32, s: usize, sn: u32): bool {
  let i: u32 = 0;
  while (i < n) {
    const c = load<u8>(p + i);
    if (c == 92) { i += 2; continue; }
    if (c == 91) { while (i < n && load<u8>(p + i) != 93) i++; i++; continue; }
    if (c == 123) break;
    i++;
  }
  if (i >= n) return matchHere(p, n, 0, s, sn, 0);
  // find the matching '}' and the top-level commas
  const open = i;
  let depth: i32 = 0;
  let j = open;
  let altStart = open + 1;
  while (j < n) {
    const c = load<u8>(p + j);
    if (c == 92) { j += 2; continue; }
    if (c == 91) { while (j < n && load<u8>(p + j) != 93) j++; j++; continue; }
    if (c == 123) depth++;
    else if (c == 125) {
      depth--;
      if (depth == 0) break;
    } else if (c == 44 && depth == 1) {
      if (tryAlt(p, n, open, altStart, j, s, sn)) return true;
      altStart = j + 1;
    }
    j++;
  }
  return tryAlt(p, n, open, altStart, j, s, sn);
}

function tryAlt(p: usize, n: u32, open: u32, a: u32, b: u32, s: usize, sn: u32): bool {
  // prefix + alternative + suffix; `b` is a top-level comma or the closing brace: find the brace
  let depth: i32 = 1;
  let close = b;
  while (close < n) {
    const c = load<u8>(p + close);
    if (c == 92) { close += 2; continue; }
    if (c == 123) depth++;
    else if (c == 125) { depth--; if (depth == 0) break; }
    close++;
  }
  const altLen = b - a;
  const sufLen = n - close - 1;
  const total = open + altLen + sufLen;
  const q = malloc(<usize>total + 1);
  memory.copy(q, p, open);
  memory.copy(q + open, p + a, altLen);
  memory.copy(q + open + altLen, p + close + 1, sufLen);
  return expandAndMatch(q, total, s, sn);
}

function matchHere(p: usize, pn: u32, pi: u32, s: usize, sn: u32, si: u32): bool {
  while (pi < pn) {
    const c = load<u8>(p + pi);
    if (c == 42) {
      const super_ = pi + 1 < pn && load<u8>(p + pi + 1) == 42;
      let np = pi + (super_ ? 2 : 1);
      while (np < pn && load<u8>(p + np) == 42) np++;
      if (np == pn) {
        if (super_) return true;
        for (let k = si; k < sn; k++) if (isDelim(s + k, sn - k)) return false;
        return true;
      }
      let k = si;
      while (true) {
        if (matchHere(p, pn, np, s, sn, k)) return true;
        if (k >= sn) return false;
        if (!super_ && isDelim(s + k, sn - k)) return false;
        k += runeLen(load<u8>(s + k));
      }
    }
    if (si >= sn) return false;
    if (c == 63) {
      if (isDelim(s + si, sn - si)) return false;
      si += runeLen(load<u8>(s + si));
      pi++;
      continue;
    }
    if (c == 91) {
      let j = pi + 1;
      let negate = false;
      if (j < pn && load<u8>(p + j) == 33) { negate = true; j++; }
      const rl = runeLen(load<u8>(s + si));
      const cp = decode(s + si, rl);
      let hit = false;
      while (j < pn && load<u8>(p + j) != 93) {
        const l1 = runeLen(load<u8>(p + j));
        const lo = decode(p + j, l1);
        j += l1;
        let hi = lo;
        if (j + 1 < pn && load<u8>(p + j) == 45 && load<u8>(p + j + 1) != 93) {
          const l2 = runeLen(load<u8>(p + j + 1));
          hi = decode(p + j + 1, l2);
          j += 1 + l2;
        }
        if (cp >= lo && cp <= hi) hit = true;
      }
      if (hit == negate) return false;
      si += rl;
      pi = j + 1;
      continue;
    }
    let lit = c;
    if (c == 92 && pi + 1 < pn) { pi++; lit = load<u8>(p + pi); }
    if (load<u8>(s + si) != lit) return false;
    si++;
    pi++;
  }
  return si == sn;
}

function decode(p: usize, n: u32): u32 {
  const c = <u32>load<u8>(p);
  if (n == 1) return c;
  if (n == 2) return ((c & 0x1f) << 6) | (<u32>load<u8>(p + 1) & 0x3f);
  if (n == 3) return ((c & 0x0f) << 12) | ((<u32>load<u8>(p + 1) & 0x3f) << 6) | (<u32>load<u8>(p + 2) & 0x3f);
  return ((c & 0x07) << 18) | ((<u32>load<u8>(p + 1) & 0x3f) << 12) | ((<u32>load<u8>(p + 2) & 0x3f) << 6) | (<u32>load<u8>(p + 3) & 0x3f);
}
