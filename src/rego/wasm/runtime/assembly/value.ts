// Rego values in linear memory: layout, constructors, total order, equality, hashing, collections.
//
// Every value is a pointer to an 8-byte aligned struct whose first byte is its type (OPA's numbering,
// so the order of types is the order of the numbers); 0 is "undefined". Layouts (byte offsets):
//   null    [0]=1
//   boolean [0]=2 [4]=u32 0|1
//   number  [0]=3 [1]=repr (0 int64 at [8], 1 f64 at [8], 2 decimal text: ptr [8], len [12])
//   string  [0]=4 [4]=len [8]=ptr to UTF-8 bytes (not NUL-terminated)
//   array   [0]=5 [4]=len [8]=cap [12]=ptr to u32 element pointers
//   object  [0]=6 [1]=sorted [4]=len [8]=cap [12]=entries (key u32, value u32, hash u32) [16]=index [20]=mask
//   set     [0]=7 same as object, value = key
// The string layout is also written by the emitter for string constants (see emit.ts).

import { malloc, realloc } from "./memory";
import { numCompare, numHash } from "./number";

export const T_NULL: u8 = 1;
export const T_BOOL: u8 = 2;
export const T_NUMBER: u8 = 3;
export const T_STRING: u8 = 4;
export const T_ARRAY: u8 = 5;
export const T_OBJECT: u8 = 6;
export const T_SET: u8 = 7;

export const N_INT: u8 = 0;
export const N_FLOAT: u8 = 1;
export const N_REF: u8 = 2;

export const NULL_V: usize = memory.data<u8>([1, 0, 0, 0, 0, 0, 0, 0], 8);
export const TRUE_V: usize = memory.data<u8>([2, 0, 0, 0, 1, 0, 0, 0], 8);
export const FALSE_V: usize = memory.data<u8>([2, 0, 0, 0, 0, 0, 0, 0], 8);

// @ts-ignore: decorator
@inline export function vtype(v: usize): u8 { return load<u8>(v); }
// @ts-ignore: decorator
@inline export function boolOf(b: bool): usize { return b ? TRUE_V : FALSE_V; }

// ---- constructors ----

export function makeInt(i: i64): usize {
  const v = malloc(16);
  store<u32>(v, T_NUMBER);
  store<i64>(v, i, 8);
  return v;
}

export function makeFloat(f: f64): usize {
  const v = malloc(16);
  store<u32>(v, <u32>T_NUMBER | (<u32>N_FLOAT << 8));
  store<f64>(v, f, 8);
  return v;
}

export function makeRef(ptr: usize, len: u32): usize {
  const v = malloc(16);
  store<u32>(v, <u32>T_NUMBER | (<u32>N_REF << 8));
  store<u32>(v, <u32>ptr, 8);
  store<u32>(v, len, 12);
  return v;
}

export function makeString(ptr: usize, len: u32): usize {
  const v = malloc(16);
  store<u32>(v, T_STRING);
  store<u32>(v, len, 4);
  store<u32>(v, <u32>ptr, 8);
  return v;
}

export function makeArray(cap: u32): usize {
  const v = malloc(16);
  store<u32>(v, T_ARRAY);
  store<u32>(v, 0, 4);
  store<u32>(v, cap, 8);
  store<u32>(v, cap > 0 ? <u32>malloc(<usize>cap << 2) : 0, 12);
  return v;
}

export function makeObject(): usize { return makeMap(T_OBJECT); }
export function makeSet(): usize { return makeMap(T_SET); }

function makeMap(t: u8): usize {
  const v = malloc(24);
  store<u32>(v, <u32>t | (1 << 8)); // empty maps are sorted
  store<u32>(v, 0, 4);
  store<u32>(v, 0, 8);
  store<u32>(v, 0, 12);
  store<u32>(v, 0, 16);
  store<u32>(v, 0, 20);
  return v;
}

// ---- accessors ----

// @ts-ignore: decorator
@inline export function strLen(v: usize): u32 { return load<u32>(v, 4); }
// @ts-ignore: decorator
@inline export function strPtr(v: usize): usize { return <usize>load<u32>(v, 8); }
// @ts-ignore: decorator
@inline export function arrLen(v: usize): u32 { return load<u32>(v, 4); }
// @ts-ignore: decorator
@inline export function arrGet(v: usize, i: u32): usize { return <usize>load<u32>(<usize>load<u32>(v, 12) + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline export function mapLen(v: usize): u32 { return load<u32>(v, 4); }
// @ts-ignore: decorator
@inline export function entryKey(v: usize, i: u32): usize { return <usize>load<u32>(<usize>load<u32>(v, 12) + <usize>i * 12); }
// @ts-ignore: decorator
@inline export function entryVal(v: usize, i: u32): usize { return <usize>load<u32>(<usize>load<u32>(v, 12) + <usize>i * 12, 4); }
// @ts-ignore: decorator
@inline export function numRepr(v: usize): u8 { return load<u8>(v, 1); }

export function arrAppend(a: usize, x: usize): void {
  const len = load<u32>(a, 4);
  let cap = load<u32>(a, 8);
  if (len == cap) {
    const ncap = cap < 4 ? 4 : cap * 2;
    const elems = realloc(<usize>load<u32>(a, 12), <usize>cap << 2, <usize>ncap << 2);
    store<u32>(a, <u32>elems, 12);
    store<u32>(a, ncap, 8);
    cap = ncap;
  }
  store<u32>(<usize>load<u32>(a, 12) + (<usize>len << 2), <u32>x);
  store<u32>(a, len + 1, 4);
}

// ---- hashing ----

export function hashBytes(p: usize, n: usize, seed: u32): u32 {
  let h: u32 = 2166136261 ^ seed;
  for (let i: usize = 0; i < n; i++) {
    h = (h ^ <u32>load<u8>(p + i)) * 16777619;
  }
  return h;
}

export function mix32(x: u32): u32 {
  x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16;
  return x;
}

export function hashValue(v: usize): u32 {
  switch (vtype(v)) {
    case T_NULL: return 0x9e3779b9;
    case T_BOOL: return load<u32>(v, 4) ? 0x85ebca6b : 0xc2b2ae35;
    case T_NUMBER: return numHash(v);
    case T_STRING: return hashBytes(strPtr(v), strLen(v), 4);
    case T_ARRAY: {
      let h: u32 = 5;
      const n = arrLen(v);
      for (let i: u32 = 0; i < n; i++) h = h * 31 + hashValue(arrGet(v, i));
      return mix32(h);
    }
    case T_OBJECT: {
      let h: u32 = 6;
      const n = mapLen(v);
      for (let i: u32 = 0; i < n; i++) h += mix32(entryHash(v, i) * 31 + hashValue(entryVal(v, i)));
      return mix32(h);
    }
    case T_SET: {
      let h: u32 = 7;
      const n = mapLen(v);
      for (let i: u32 = 0; i < n; i++) h += mix32(entryHash(v, i));
      return mix32(h);
    }
  }
  return 0;
}

// @ts-ignore: decorator
@inline function entryHash(v: usize, i: u32): u32 { return load<u32>(<usize>load<u32>(v, 12) + <usize>i * 12, 8); }

// ---- ordering and equality ----

export function bytesCompare(ap: usize, an: u32, bp: usize, bn: u32): i32 {
  const n = min(an, bn);
  const c = memory.compare(ap, bp, n);
  if (c != 0) return c < 0 ? -1 : 1;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** OPA's total order: null < boolean < number < string < array < object < set. */
export function compare(a: usize, b: usize): i32 {
  if (a == b) return 0;
  if (a == 0) return -1;
  if (b == 0) return 1;
  const ta = vtype(a), tb = vtype(b);
  if (ta != tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case T_NULL: return 0;
    case T_BOOL: {
      const x = load<u32>(a, 4), y = load<u32>(b, 4);
      return x == y ? 0 : x < y ? -1 : 1;
    }
    case T_NUMBER: return numCompare(a, b);
    case T_STRING: return bytesCompare(strPtr(a), strLen(a), strPtr(b), strLen(b));
    case T_ARRAY: {
      const an = arrLen(a), bn = arrLen(b);
      const n = min(an, bn);
      for (let i: u32 = 0; i < n; i++) {
        const c = compare(arrGet(a, i), arrGet(b, i));
        if (c != 0) return c;
      }
      return an < bn ? -1 : an > bn ? 1 : 0;
    }
    case T_OBJECT: {
      mapSort(a); mapSort(b);
      const an = mapLen(a), bn = mapLen(b);
      const n = min(an, bn);
      for (let i: u32 = 0; i < n; i++) {
        let c = compare(entryKey(a, i), entryKey(b, i));
        if (c != 0) return c;
        c = compare(entryVal(a, i), entryVal(b, i));
        if (c != 0) return c;
      }
      return an < bn ? -1 : an > bn ? 1 : 0;
    }
    case T_SET: {
      mapSort(a); mapSort(b);
      const an = mapLen(a), bn = mapLen(b);
      const n = min(an, bn);
      for (let i: u32 = 0; i < n; i++) {
        const c = compare(entryKey(a, i), entryKey(b, i));
        if (c != 0) return c;
      }
      return an < bn ? -1 : an > bn ? 1 : 0;
    }
  }
  return 0;
}

export function equal(a: usize, b: usize): bool {
  if (a == b) return true;
  if (a == 0 || b == 0) return false;
  const t = vtype(a);
  if (t != vtype(b)) return false;
  switch (t) {
    case T_NULL: return true;
    case T_BOOL: return load<u32>(a, 4) == load<u32>(b, 4);
    case T_NUMBER: return numCompare(a, b) == 0;
    case T_STRING: {
      const n = strLen(a);
      return n == strLen(b) && memory.compare(strPtr(a), strPtr(b), n) == 0;
    }
    case T_ARRAY: {
      const n = arrLen(a);
      if (n != arrLen(b)) return false;
      for (let i: u32 = 0; i < n; i++) if (!equal(arrGet(a, i), arrGet(b, i))) return false;
      return true;
    }
    case T_OBJECT: {
      const n = mapLen(a);
      if (n != mapLen(b)) return false;
      for (let i: u32 = 0; i < n; i++) {
        const j = mapFind(b, entryKey(a, i), entryHash(a, i));
        if (j < 0) return false;
        if (!equal(entryVal(a, i), entryVal(b, <u32>j))) return false;
      }
      return true;
    }
    case T_SET: {
      const n = mapLen(a);
      if (n != mapLen(b)) return false;
      for (let i: u32 = 0; i < n; i++) if (mapFind(b, entryKey(a, i), entryHash(a, i)) < 0) return false;
      return true;
    }
  }
  return false;
}

// ---- objects and sets (hash maps that remember insertion order, sorted on demand) ----

/** Index of `key` in the map's entries, or -1. */
export function mapFind(m: usize, key: usize, h: u32): i32 {
  if (load<u32>(m, 4) == 0) return -1;
  const entries = <usize>load<u32>(m, 12);
  const index = <usize>load<u32>(m, 16);
  const mask = load<u32>(m, 20);
  let slot = h & mask;
  while (true) {
    const e = load<u32>(index + (<usize>slot << 2));
    if (e == 0) return -1;
    const p = entries + <usize>(e - 1) * 12;
    if (load<u32>(p, 8) == h && equal(<usize>load<u32>(p), key)) return <i32>(e - 1);
    slot = (slot + 1) & mask;
  }
}

export function mapGet(m: usize, key: usize): usize {
  const i = mapFind(m, key, hashValue(key));
  return i < 0 ? 0 : entryVal(m, <u32>i);
}

function reindex(m: usize, slots: u32): void {
  reindexInto(m, malloc(<usize>slots << 2), slots);
}

/**
 * Rebuilds the index where it is. Sorting and removal must not allocate a new index: the map may
 * live below the heap pointer the SDK resets to (the data document), where a pointer to a fresh
 * allocation would dangle after the evaluation.
 */
function reindexInPlace(m: usize): void {
  reindexInto(m, <usize>load<u32>(m, 16), load<u32>(m, 20) + 1);
}

function reindexInto(m: usize, index: usize, slots: u32): void {
  memory.fill(index, 0, <usize>slots << 2);
  const mask = slots - 1;
  const entries = <usize>load<u32>(m, 12);
  const n = load<u32>(m, 4);
  for (let i: u32 = 0; i < n; i++) {
    let slot = load<u32>(entries + <usize>i * 12, 8) & mask;
    while (load<u32>(index + (<usize>slot << 2)) != 0) slot = (slot + 1) & mask;
    store<u32>(index + (<usize>slot << 2), i + 1);
  }
  store<u32>(m, <u32>index, 16);
  store<u32>(m, mask, 20);
}

/** Inserts or replaces `key`; sets store the key as the value too. */
export function mapInsert(m: usize, key: usize, val: usize): void {
  const h = hashValue(key);
  const i = mapFind(m, key, h);
  const entries0 = <usize>load<u32>(m, 12);
  if (i >= 0) {
    store<u32>(entries0 + <usize>i * 12, <u32>val, 4);
    return;
  }
  const n = load<u32>(m, 4);
  const cap = load<u32>(m, 8);
  if (n == cap) {
    const ncap = cap < 4 ? 4 : cap * 2;
    const entries = realloc(entries0, <usize>cap * 12, <usize>ncap * 12);
    store<u32>(m, <u32>entries, 12);
    store<u32>(m, ncap, 8);
  }
  const entries = <usize>load<u32>(m, 12);
  const p = entries + <usize>n * 12;
  store<u32>(p, <u32>key);
  store<u32>(p, <u32>val, 4);
  store<u32>(p, h, 8);
  store<u32>(m, n + 1, 4);
  if (n > 0 && load<u8>(m, 1) != 0 && compare(entryKey(m, n - 1), key) > 0) store<u8>(m, 0, 1);
  const ncap = load<u32>(m, 8);
  if (n == cap) {
    reindex(m, ncap * 2);
  } else {
    const index = <usize>load<u32>(m, 16);
    const mask = load<u32>(m, 20);
    let slot = h & mask;
    while (load<u32>(index + (<usize>slot << 2)) != 0) slot = (slot + 1) & mask;
    store<u32>(index + (<usize>slot << 2), n + 1);
  }
}

/** Removes `key` if present, keeping the order of the other entries. */
export function mapRemove(m: usize, key: usize): void {
  const i = mapFind(m, key, hashValue(key));
  if (i < 0) return;
  const n = load<u32>(m, 4);
  const entries = <usize>load<u32>(m, 12);
  const p = entries + <usize>i * 12;
  memory.copy(p, p + 12, <usize>(n - 1 - <u32>i) * 12);
  store<u32>(m, n - 1, 4);
  reindexInPlace(m);
}

/** Sorts the entries by key (OPA iterates and serialises objects and sets in key order). */
export function mapSort(m: usize): void {
  if (load<u8>(m, 1) != 0) return;
  const n = load<u32>(m, 4);
  const entries = <usize>load<u32>(m, 12);
  if (n <= 16) {
    for (let i: u32 = 1; i < n; i++) {
      const k = load<u32>(entries + <usize>i * 12);
      const v = load<u32>(entries + <usize>i * 12, 4);
      const h = load<u32>(entries + <usize>i * 12, 8);
      let j = <i32>i - 1;
      while (j >= 0 && compare(<usize>load<u32>(entries + <usize>j * 12), <usize>k) > 0) {
        memory.copy(entries + <usize>(j + 1) * 12, entries + <usize>j * 12, 12);
        j--;
      }
      store<u32>(entries + <usize>(j + 1) * 12, k);
      store<u32>(entries + <usize>(j + 1) * 12, v, 4);
      store<u32>(entries + <usize>(j + 1) * 12, h, 8);
    }
  } else {
    // bottom-up merge sort through a scratch buffer
    let src = entries;
    let dst = malloc(<usize>n * 12);
    for (let width: u32 = 1; width < n; width *= 2) {
      for (let lo: u32 = 0; lo < n; lo += 2 * width) {
        const mid = min(lo + width, n), hi = min(lo + 2 * width, n);
        let i = lo, j = mid, k = lo;
        while (i < mid && j < hi) {
          if (compare(<usize>load<u32>(src + <usize>j * 12), <usize>load<u32>(src + <usize>i * 12)) < 0) {
            memory.copy(dst + <usize>k * 12, src + <usize>j * 12, 12); j++;
          } else {
            memory.copy(dst + <usize>k * 12, src + <usize>i * 12, 12); i++;
          }
          k++;
        }
        if (i < mid) memory.copy(dst + <usize>k * 12, src + <usize>i * 12, <usize>(mid - i) * 12);
        else if (j < hi) memory.copy(dst + <usize>k * 12, src + <usize>j * 12, <usize>(hi - j) * 12);
      }
      const t = src; src = dst; dst = t;
    }
    if (src != entries) memory.copy(entries, src, <usize>n * 12);
  }
  store<u8>(m, 1, 1);
  if (n > 0) reindexInPlace(m);
}

export function setAdd(s: usize, x: usize): void { mapInsert(s, x, x); }

/** A copy of a collection's top level (used by `with` upserts and merges). */
export function shallowCopy(v: usize): usize {
  const t = vtype(v);
  if (t == T_ARRAY) {
    const n = arrLen(v);
    const a = makeArray(n);
    memory.copy(<usize>load<u32>(a, 12), <usize>load<u32>(v, 12), <usize>n << 2);
    store<u32>(a, n, 4);
    return a;
  }
  if (t == T_OBJECT || t == T_SET) {
    const m = malloc(24);
    memory.copy(m, v, 24);
    const cap = load<u32>(v, 8);
    if (cap > 0) {
      const e = malloc(<usize>cap * 12);
      memory.copy(e, <usize>load<u32>(v, 12), <usize>cap * 12);
      store<u32>(m, <u32>e, 12);
      const slots = (load<u32>(v, 20) + 1);
      const idx = malloc(<usize>slots << 2);
      memory.copy(idx, <usize>load<u32>(v, 16), <usize>slots << 2);
      store<u32>(m, <u32>idx, 16);
    }
    return m;
  }
  return v;
}

/** Number of UTF-8 code points in a string. */
export function runeCount(p: usize, n: u32): u32 {
  let c: u32 = 0;
  for (let i: u32 = 0; i < n; i++) if ((load<u8>(p + i) & 0xc0) != 0x80) c++;
  return c;
}
