// Builtins compiled into the module (OPA names in ../../native-builtins.ts). Each takes value
// addresses and returns a value address, or 0 when OPA's builtin would fail or be undefined: the
// WASM target in non-strict mode turns a builtin error into "undefined".

import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, vtype, makeString, boolOf, compare, equal, strLen, strPtr,
  arrLen, arrGet, mapLen, entryKey, entryVal, mapFind, mapGet, hashValue, makeInt, makeSet, setAdd,
  runeCount, makeArray, arrAppend, mapSort,
} from "./value";
import { asInt, intValue, toF64, numberFromF64, N_INT } from "./number";
import { globMatch } from "./glob";
import { cidrContains } from "./cidr";

export function bi_equal(a: usize, b: usize): usize { return boolOf(equal(a, b)); }
export function bi_neq(a: usize, b: usize): usize { return boolOf(!equal(a, b)); }
export function bi_lt(a: usize, b: usize): usize { return boolOf(compare(a, b) < 0); }
export function bi_lte(a: usize, b: usize): usize { return boolOf(compare(a, b) <= 0); }
export function bi_gt(a: usize, b: usize): usize { return boolOf(compare(a, b) > 0); }
export function bi_gte(a: usize, b: usize): usize { return boolOf(compare(a, b) >= 0); }

// @ts-ignore: decorator
@inline function bothNumbers(a: usize, b: usize): bool { return vtype(a) == T_NUMBER && vtype(b) == T_NUMBER; }
// @ts-ignore: decorator
@inline function bothInts(a: usize, b: usize): bool { return load<u8>(a, 1) == N_INT && load<u8>(b, 1) == N_INT; }

/** A float result; undefined when it left the f64 range (OPA's exact arithmetic would not overflow). */
function floatResult(f: f64): usize {
  return isFinite(f) ? numberFromF64(f) : 0;
}

export function bi_plus(a: usize, b: usize): usize {
  if (!bothNumbers(a, b)) return 0;
  if (bothInts(a, b)) {
    const x = load<i64>(a, 8), y = load<i64>(b, 8);
    const r = x + y;
    if (((x ^ r) & (y ^ r)) >= 0) return makeInt(r);
  }
  return floatResult(toF64(a) + toF64(b));
}

export function bi_minus(a: usize, b: usize): usize {
  const ta = vtype(a), tb = vtype(b);
  if (ta == T_SET && tb == T_SET) {
    const s = makeSet();
    const n = mapLen(a);
    for (let i: u32 = 0; i < n; i++) {
      const k = entryKey(a, i);
      if (mapFind(b, k, hashValue(k)) < 0) setAdd(s, k);
    }
    return s;
  }
  if (!bothNumbers(a, b)) return 0;
  if (bothInts(a, b)) {
    const x = load<i64>(a, 8), y = load<i64>(b, 8);
    const r = x - y;
    if (((x ^ y) & (x ^ r)) >= 0) return makeInt(r);
  }
  return floatResult(toF64(a) - toF64(b));
}

export function bi_mul(a: usize, b: usize): usize {
  if (!bothNumbers(a, b)) return 0;
  if (bothInts(a, b)) {
    const x = load<i64>(a, 8), y = load<i64>(b, 8);
    if (Math.abs(<f64>x) < 3037000499 && Math.abs(<f64>y) < 3037000499) return makeInt(x * y);
  }
  return floatResult(toF64(a) * toF64(b));
}

export function bi_div(a: usize, b: usize): usize {
  if (!bothNumbers(a, b)) return 0;
  const y = toF64(b);
  if (y == 0) return 0; // "divide by zero" is a builtin error
  if (asInt(a)) {
    const xi = intValue();
    if (asInt(b)) {
      const yi = intValue();
      if (yi != 0 && !(xi == i64.MIN_VALUE && yi == -1) && xi % yi == 0) return makeInt(xi / yi);
    }
  }
  return floatResult(toF64(a) / y);
}

export function bi_rem(a: usize, b: usize): usize {
  if (!bothNumbers(a, b)) return 0;
  if (!asInt(a)) return 0; // "modulo on floating-point number"
  const x = intValue();
  if (!asInt(b)) return 0;
  const y = intValue();
  if (y == 0) return 0; // "modulo by zero"
  if (y == -1) return makeInt(0);
  return makeInt(x % y);
}

export function bi_count(a: usize): usize {
  switch (vtype(a)) {
    case T_STRING: return makeInt(runeCount(strPtr(a), strLen(a)));
    case T_ARRAY: return makeInt(arrLen(a));
    case T_OBJECT:
    case T_SET: return makeInt(mapLen(a));
  }
  return 0;
}

export function bi_startswith(s: usize, p: usize): usize {
  if (vtype(s) != T_STRING || vtype(p) != T_STRING) return 0;
  const n = strLen(p);
  return boolOf(n <= strLen(s) && memory.compare(strPtr(s), strPtr(p), n) == 0);
}

export function bi_endswith(s: usize, p: usize): usize {
  if (vtype(s) != T_STRING || vtype(p) != T_STRING) return 0;
  const n = strLen(p), m = strLen(s);
  return boolOf(n <= m && memory.compare(strPtr(s) + m - n, strPtr(p), n) == 0);
}

export function bi_contains(s: usize, p: usize): usize {
  if (vtype(s) != T_STRING || vtype(p) != T_STRING) return 0;
  return boolOf(indexOf(strPtr(s), strLen(s), strPtr(p), strLen(p)) >= 0);
}

export function indexOf(h: usize, hn: u32, n: usize, nn: u32): i32 {
  if (nn == 0) return 0;
  if (nn > hn) return -1;
  const first = load<u8>(n);
  for (let i: u32 = 0; i <= hn - nn; i++) {
    if (load<u8>(h + i) == first && memory.compare(h + i, n, nn) == 0) return <i32>i;
  }
  return -1;
}

export function bi_glob_match(pattern: usize, delims: usize, subject: usize): usize {
  if (vtype(pattern) != T_STRING || vtype(subject) != T_STRING) return 0;
  const td = vtype(delims);
  if (td != T_ARRAY && td != 1 /* null */) return 0;
  if (td == T_ARRAY) {
    const n = arrLen(delims);
    for (let i: u32 = 0; i < n; i++) if (vtype(arrGet(delims, i)) != T_STRING) return 0;
  }
  const r = globMatch(pattern, delims, subject);
  return r < 0 ? 0 : boolOf(r == 1);
}

export function bi_net_cidr_contains(cidr: usize, x: usize): usize {
  if (vtype(cidr) != T_STRING || vtype(x) != T_STRING) return 0;
  const r = cidrContains(strPtr(cidr), strLen(cidr), strPtr(x), strLen(x));
  return r < 0 ? 0 : boolOf(r == 1);
}

/** `x in coll`: membership among the values of an array, object or set. */
export function bi_member_2(x: usize, coll: usize): usize {
  const t = vtype(coll);
  if (t == T_SET) return boolOf(mapFind(coll, x, hashValue(x)) >= 0);
  if (t == T_ARRAY) {
    const n = arrLen(coll);
    for (let i: u32 = 0; i < n; i++) if (equal(arrGet(coll, i), x)) return boolOf(true);
    return boolOf(false);
  }
  if (t == T_OBJECT) {
    const n = mapLen(coll);
    for (let i: u32 = 0; i < n; i++) if (equal(entryVal(coll, i), x)) return boolOf(true);
    return boolOf(false);
  }
  return boolOf(false);
}

/** `k, v in coll`: `coll[k] == v`. */
export function bi_member_3(k: usize, v: usize, coll: usize): usize {
  const t = vtype(coll);
  if (t == T_ARRAY) {
    if (vtype(k) != T_NUMBER || !asInt(k)) return boolOf(false);
    const i = intValue();
    if (i < 0 || i >= <i64>arrLen(coll)) return boolOf(false);
    return boolOf(equal(arrGet(coll, <u32>i), v));
  }
  if (t == T_OBJECT) {
    const x = mapGet(coll, k);
    return boolOf(x != 0 && equal(x, v));
  }
  if (t == T_SET) {
    return boolOf(equal(k, v) && mapFind(coll, k, hashValue(k)) >= 0);
  }
  return boolOf(false);
}

/** `and`: set intersection. */
export function bi_and(a: usize, b: usize): usize {
  if (vtype(a) != T_SET || vtype(b) != T_SET) return 0;
  const s = makeSet();
  const n = mapLen(a);
  for (let i: u32 = 0; i < n; i++) {
    const k = entryKey(a, i);
    if (mapFind(b, k, hashValue(k)) >= 0) setAdd(s, k);
  }
  return s;
}

/** `or`: set union. */
export function bi_or(a: usize, b: usize): usize {
  if (vtype(a) != T_SET || vtype(b) != T_SET) return 0;
  const s = makeSet();
  let n = mapLen(a);
  for (let i: u32 = 0; i < n; i++) setAdd(s, entryKey(a, i));
  n = mapLen(b);
  for (let i: u32 = 0; i < n; i++) setAdd(s, entryKey(b, i));
  return s;
}

// ---- types: native because sets and non-string keys do not survive the JSON boundary ----

const N_NULL = memory.data<u8>([110, 117, 108, 108]);
const N_BOOLEAN = memory.data<u8>([98, 111, 111, 108, 101, 97, 110]);
const N_NUMBER = memory.data<u8>([110, 117, 109, 98, 101, 114]);
const N_STRING = memory.data<u8>([115, 116, 114, 105, 110, 103]);
const N_ARRAY = memory.data<u8>([97, 114, 114, 97, 121]);
const N_OBJECT = memory.data<u8>([111, 98, 106, 101, 99, 116]);
const N_SET = memory.data<u8>([115, 101, 116]);

export function bi_type_name(x: usize): usize {
  switch (vtype(x)) {
    case T_NULL: return makeString(N_NULL, 4);
    case T_BOOL: return makeString(N_BOOLEAN, 7);
    case T_NUMBER: return makeString(N_NUMBER, 6);
    case T_STRING: return makeString(N_STRING, 6);
    case T_ARRAY: return makeString(N_ARRAY, 5);
    case T_OBJECT: return makeString(N_OBJECT, 6);
    case T_SET: return makeString(N_SET, 3);
  }
  return 0;
}

export function bi_is_null(x: usize): usize { return boolOf(vtype(x) == T_NULL); }
export function bi_is_boolean(x: usize): usize { return boolOf(vtype(x) == T_BOOL); }
export function bi_is_number(x: usize): usize { return boolOf(vtype(x) == T_NUMBER); }
export function bi_is_string(x: usize): usize { return boolOf(vtype(x) == T_STRING); }
export function bi_is_array(x: usize): usize { return boolOf(vtype(x) == T_ARRAY); }
export function bi_is_object(x: usize): usize { return boolOf(vtype(x) == T_OBJECT); }
export function bi_is_set(x: usize): usize { return boolOf(vtype(x) == T_SET); }

/** object.keys: the set of an object's keys, whatever their type. */
export function bi_object_keys(o: usize): usize {
  if (vtype(o) != T_OBJECT) return 0;
  const s = makeSet();
  const n = mapLen(o);
  for (let i: u32 = 0; i < n; i++) setAdd(s, entryKey(o, i));
  return s;
}

/** union: the union of a set of sets. */
export function bi_union(sets: usize): usize {
  if (vtype(sets) != T_SET) return 0;
  const n = mapLen(sets);
  for (let i: u32 = 0; i < n; i++) if (vtype(entryKey(sets, i)) != T_SET) return 0;
  const out = makeSet();
  for (let i: u32 = 0; i < n; i++) {
    const s = entryKey(sets, i);
    const m = mapLen(s);
    for (let j: u32 = 0; j < m; j++) setAdd(out, entryKey(s, j));
  }
  return out;
}

/** intersection: the intersection of a set of sets (empty for no sets). */
export function bi_intersection(sets: usize): usize {
  if (vtype(sets) != T_SET) return 0;
  const n = mapLen(sets);
  for (let i: u32 = 0; i < n; i++) if (vtype(entryKey(sets, i)) != T_SET) return 0;
  const out = makeSet();
  if (n == 0) return out;
  const first = entryKey(sets, 0);
  const m = mapLen(first);
  for (let j: u32 = 0; j < m; j++) {
    const x = entryKey(first, j);
    const h = hashValue(x);
    let all = true;
    for (let i: u32 = 1; i < n && all; i++) if (mapFind(entryKey(sets, i), x, h) < 0) all = false;
    if (all) setAdd(out, x);
  }
  return out;
}

/**
 * walk (a relation): every node of `x` as `[path, value]`, pre-order, children in key order. Native
 * so that paths through sets and non-string keys keep their values.
 */
export function bi_walk(x: usize): usize {
  const out = makeArray(8);
  walkInto(out, makeArray(0), x);
  return out;
}

function walkInto(out: usize, path: usize, v: usize): void {
  const pair = makeArray(2);
  arrAppend(pair, path);
  arrAppend(pair, v);
  arrAppend(out, pair);
  const t = vtype(v);
  if (t == T_ARRAY) {
    const n = arrLen(v);
    for (let i: u32 = 0; i < n; i++) walkInto(out, extendPath(path, makeInt(i)), arrGet(v, i));
  } else if (t == T_OBJECT || t == T_SET) {
    mapSort(v);
    const n = mapLen(v);
    for (let i: u32 = 0; i < n; i++) walkInto(out, extendPath(path, entryKey(v, i)), entryVal(v, i));
  }
}

function extendPath(path: usize, key: usize): usize {
  const n = arrLen(path);
  const p = makeArray(n + 1);
  for (let i: u32 = 0; i < n; i++) arrAppend(p, arrGet(path, i));
  arrAppend(p, key);
  return p;
}

/**
 * object.get(object, key, default): `object[key]`, or the value at a path when `key` is an array
 * (through objects, arrays and sets; an empty path is the object itself), else `default`. Native:
 * it is common in policies and would otherwise copy the whole object across the JSON boundary.
 */
export function bi_object_get(o: usize, key: usize, def: usize): usize {
  if (vtype(o) != T_OBJECT) return 0;
  if (vtype(key) != T_ARRAY) {
    const v = mapGet(o, key);
    return v != 0 ? v : def;
  }
  let cur = o;
  const n = arrLen(key);
  for (let i: u32 = 0; i < n; i++) {
    const k = arrGet(key, i);
    const t = vtype(cur);
    let next: usize = 0;
    if (t == T_OBJECT || t == T_SET) next = mapGet(cur, k);
    else if (t == T_ARRAY && vtype(k) == T_NUMBER && asInt(k)) {
      const idx = intValue();
      if (idx >= 0 && idx < <i64>arrLen(cur)) next = arrGet(cur, <u32>idx);
    }
    if (next == 0) return def;
    cur = next;
  }
  return cur;
}
