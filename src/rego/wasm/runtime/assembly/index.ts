// The policy runtime: OPA's WASM ABI (v1.2) as @open-policy-agent/opa-wasm 1.10 calls it, plus
// the `rt_*` helpers and `bi_*` native builtins that the emitter's generated code calls.
//
// The emitter (../../emit.ts) adds `builtins`, `entrypoints`, `eval` and `opa_eval` (they dispatch
// to the planned functions), rewrites `rt_static_end` past its data segment, and then drops the
// `rt_*`/`bi_*` exports so unused helpers are optimised away.

import { opa_abort } from "./env";
import { malloc, heapGet, heapSet } from "./memory";

/** End of static data (read by the allocator): the emitter rewrites this global's initial value. */
export { staticEnd as rt_static_end } from "./memory";
import {
  T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, NULL_V, TRUE_V, FALSE_V, vtype, makeInt, makeRef,
  makeArray, makeObject, makeSet, arrAppend, arrLen, arrGet, mapLen, mapSort, entryKey, entryVal,
  mapGet, mapInsert, mapRemove, setAdd, equal, compare, shallowCopy, strLen, strPtr, runeCount,
} from "./value";
import { asInt, intValue } from "./number";
import { parse, dump } from "./json";

export {
  bi_equal, bi_neq, bi_lt, bi_lte, bi_gt, bi_gte, bi_plus, bi_minus, bi_mul, bi_div, bi_rem,
  bi_count, bi_startswith, bi_endswith, bi_contains, bi_glob_match, bi_net_cidr_contains,
  bi_member_2, bi_member_3, bi_and, bi_or, bi_type_name, bi_is_null, bi_is_boolean, bi_is_number,
  bi_is_string, bi_is_array, bi_is_object, bi_is_set, bi_object_keys, bi_union, bi_intersection, bi_walk,
  bi_object_get,
} from "./builtins";

export const opa_wasm_abi_version: i32 = 1;
export const opa_wasm_abi_minor_version: i32 = 2;

// ---- memory ----

export function opa_malloc(size: usize): usize { return malloc(size); }
/** A no-op: the heap is a bump allocator that the SDK resets between evaluations. */
export function opa_free(_ptr: usize): void {}
export function opa_heap_ptr_get(): usize { return heapGet(); }
export function opa_heap_ptr_set(p: usize): void { heapSet(p); }

// ---- values in and out ----

export function opa_json_parse(p: usize, n: usize): usize { return parse(p, n, false); }
export function opa_value_parse(p: usize, n: usize): usize { return parse(p, n, true); }
export function opa_json_dump(v: usize): usize { return dump(v, false); }
export function opa_value_dump(v: usize): usize { return dump(v, true); }

/** Inserts `value` at `path` (an array of keys) inside the object `base`, creating objects on the way. 0 on success. */
export function opa_value_add_path(base: usize, path: usize, value: usize): i32 {
  if (vtype(base) != T_OBJECT || vtype(path) != T_ARRAY) return 2;
  const n = arrLen(path);
  if (n == 0) return 2;
  let cur = base;
  for (let i: u32 = 0; i + 1 < n; i++) {
    const k = arrGet(path, i);
    let next = mapGet(cur, k);
    if (next == 0) {
      next = makeObject();
      mapInsert(cur, k, next);
    } else if (vtype(next) != T_OBJECT) return 2;
    cur = next;
  }
  mapInsert(cur, arrGet(path, n - 1), value);
  return 0;
}

/** Removes the value at `path` inside `base`. 0 on success (also when nothing was there). */
export function opa_value_remove_path(base: usize, path: usize): i32 {
  if (vtype(base) != T_OBJECT || vtype(path) != T_ARRAY) return 2;
  const n = arrLen(path);
  if (n == 0) return 2;
  let cur = base;
  for (let i: u32 = 0; i + 1 < n; i++) {
    cur = mapGet(cur, arrGet(path, i));
    if (cur == 0) return 0;
    if (vtype(cur) != T_OBJECT) return 2;
  }
  mapRemove(cur, arrGet(path, n - 1));
  return 0;
}

// ---- evaluation context (the ABI's slow path) ----

export function opa_eval_ctx_new(): usize {
  const c = malloc(16);
  memory.fill(c, 0, 16);
  return c;
}
export function opa_eval_ctx_set_input(c: usize, v: usize): void { store<u32>(c, <u32>v); }
export function opa_eval_ctx_set_data(c: usize, v: usize): void { store<u32>(c, <u32>v, 4); }
export function opa_eval_ctx_set_entrypoint(c: usize, e: i32): void { store<i32>(c, e, 12); }
export function opa_eval_ctx_get_result(c: usize): usize { return <usize>load<u32>(c, 8); }

export function rt_ctx_input(c: usize): usize { return <usize>load<u32>(c); }
export function rt_ctx_data(c: usize): usize { return <usize>load<u32>(c, 4); }
export function rt_ctx_entrypoint(c: usize): i32 { return load<i32>(c, 12); }
export function rt_ctx_set_result(c: usize, rs: usize): void { store<u32>(c, <u32>rs, 8); }

/**
 * Fast path prologue: resets the heap and parses the input the SDK wrote just below it. Like OPA's
 * runtime it accepts Rego value text (sets, non-string keys), and input that does not parse is undefined.
 */
export function rt_eval_input(inputAddr: usize, inputLen: usize, heapPtr: usize): usize {
  heapSet(heapPtr);
  if (inputLen == 0) return 0;
  return parse(inputAddr, inputLen, true);
}

/** Fast path epilogue: the result set as JSON (format 0) or Rego value text (format 1). */
export function rt_eval_result(rs: usize, format: i32): usize { return dump(rs, format == 1); }

// ---- value operations used by generated code ----

export function rt_null(): usize { return NULL_V; }
export function rt_true(): usize { return TRUE_V; }
export function rt_false(): usize { return FALSE_V; }
export function rt_int(i: i64): usize { return makeInt(i); }
export function rt_number_ref(p: usize, n: u32): usize { return makeRef(p, n); }
export function rt_array(cap: u32): usize { return makeArray(cap); }
export function rt_object(): usize { return makeObject(); }
export function rt_set(): usize { return makeSet(); }
export function rt_type(v: usize): i32 { return v == 0 ? 0 : <i32>vtype(v); }
export function rt_equal(a: usize, b: usize): i32 { return equal(a, b) ? 1 : 0; }
export function rt_compare(a: usize, b: usize): i32 { return compare(a, b); }
export function rt_array_append(a: usize, v: usize): void { arrAppend(a, v); }
export function rt_object_insert(o: usize, k: usize, v: usize): void { mapInsert(o, k, v); }
export function rt_set_add(s: usize, v: usize): void { setAdd(s, v); }

/** A JavaScript builtin's set result arrives as a JSON array: make it a set again. */
export function rt_to_set(v: usize): usize {
  if (v == 0 || vtype(v) != T_ARRAY) return v;
  const s = makeSet();
  const n = arrLen(v);
  for (let i: u32 = 0; i < n; i++) setAdd(s, arrGet(v, i));
  return s;
}

/** `source[key]`: array index, object key or set member; 0 when absent. */
export function rt_get(src: usize, key: usize): usize {
  if (src == 0 || key == 0) return 0;
  switch (vtype(src)) {
    case T_OBJECT: return mapGet(src, key);
    case T_SET: return mapGet(src, key);
    case T_ARRAY: {
      if (vtype(key) != T_NUMBER || !asInt(key)) return 0;
      const i = intValue();
      if (i < 0 || i >= <i64>arrLen(src)) return 0;
      return arrGet(src, <u32>i);
    }
  }
  return 0;
}

/** Length as a number value: elements, keys, members or code points; 0 for scalars. */
export function rt_len(v: usize): usize {
  if (v == 0) return makeInt(0);
  switch (vtype(v)) {
    case T_ARRAY: return makeInt(arrLen(v));
    case T_OBJECT:
    case T_SET: return makeInt(mapLen(v));
    case T_STRING: return makeInt(runeCount(strPtr(v), strLen(v)));
  }
  return makeInt(0);
}

/** Number of elements a ScanStmt visits (0 for scalars); objects and sets are visited in key order. */
export function rt_iter_count(v: usize): i32 {
  if (v == 0) return 0;
  switch (vtype(v)) {
    case T_ARRAY: return <i32>arrLen(v);
    case T_OBJECT:
    case T_SET: mapSort(v); return <i32>mapLen(v);
  }
  return 0;
}

export function rt_iter_key(v: usize, i: i32): usize {
  if (vtype(v) == T_ARRAY) return makeInt(i);
  return entryKey(v, <u32>i);
}

export function rt_iter_value(v: usize, i: i32): usize {
  if (vtype(v) == T_ARRAY) return arrGet(v, <u32>i);
  return entryVal(v, <u32>i);
}

/** ObjectInsertOnceStmt: 0 when inserted (or already equal), 1 on conflict. */
export function rt_object_insert_once(o: usize, k: usize, v: usize): i32 {
  const cur = mapGet(o, k);
  if (cur != 0) return equal(cur, v) ? 0 : 1;
  mapInsert(o, k, v);
  return 0;
}

/**
 * ObjectMergeStmt, as OPA's runtime does it: a recursive merge of two objects where `a` wins
 * wherever either side is not an object (so it never conflicts).
 */
export function rt_merge(a: usize, b: usize): usize {
  if (a == 0) return b;
  if (b == 0) return a;
  if (vtype(a) != T_OBJECT || vtype(b) != T_OBJECT) return a;
  const r = shallowCopy(a);
  const n = mapLen(b);
  for (let i: u32 = 0; i < n; i++) {
    const k = entryKey(b, i);
    const vb = entryVal(b, i);
    const va = mapGet(r, k);
    mapInsert(r, k, va == 0 ? vb : rt_merge(va, vb));
  }
  return r;
}

/** `with` on a path: a copy of `root` with `value` at `path` (array of keys), copying only what it touches. */
export function rt_upsert(root: usize, path: usize, value: usize): usize {
  const top = root != 0 && vtype(root) == T_OBJECT ? shallowCopy(root) : makeObject();
  const n = arrLen(path);
  let cur = top;
  for (let i: u32 = 0; i + 1 < n; i++) {
    const k = arrGet(path, i);
    const next = mapGet(cur, k);
    const copy = next != 0 && vtype(next) == T_OBJECT ? shallowCopy(next) : makeObject();
    mapInsert(cur, k, copy);
    cur = copy;
  }
  mapInsert(cur, arrGet(path, n - 1), value);
  return top;
}

/** Aborts with a fixed NUL-terminated message. */
export function rt_abort(msg: usize): void {
  opa_abort(msg);
  unreachable();
}

/** Aborts with OPA's runtime error text: `file:row:col: message`. */
export function rt_runtime_error(file: usize, row: i32, col: i32, msg: usize): void {
  const out = malloc(cstrLen(file) + cstrLen(msg) + 32);
  let o: usize = 0;
  o = copyCstr(out, o, file);
  store<u8>(out + o++, 58);
  o = writeDec(out, o, row);
  store<u8>(out + o++, 58);
  o = writeDec(out, o, col);
  store<u8>(out + o++, 58);
  store<u8>(out + o++, 32);
  o = copyCstr(out, o, msg);
  store<u8>(out + o, 0);
  opa_abort(out);
  unreachable();
}

function cstrLen(p: usize): usize {
  let n: usize = 0;
  while (load<u8>(p + n) != 0) n++;
  return n;
}

function copyCstr(out: usize, o: usize, p: usize): usize {
  const n = cstrLen(p);
  memory.copy(out + o, p, n);
  return o + n;
}

function writeDec(out: usize, o: usize, x: i32): usize {
  if (x < 0) { store<u8>(out + o++, 45); x = -x; }
  const tmp = memory.data(12);
  let k: i32 = 0;
  do { store<u8>(tmp + k++, <u8>(48 + x % 10)); x /= 10; } while (x != 0);
  while (k > 0) store<u8>(out + o++, load<u8>(tmp + --k));
  return o;
}



/** AssemblyScript's abort (`--use abort=`): forwards the message to the host's `opa_abort`. */
export function rtAbort(message: string | null, _file: string | null, _line: u32, _col: u32): void {
  const out = malloc(256);
  let n: i32 = 0;
  if (message !== null) {
    const m = min(message.length, 255);
    for (let i: i32 = 0; i < m; i++) store<u8>(out + n++, <u8>message.charCodeAt(i));
  }
  store<u8>(out + n, 0);
  opa_abort(out);
  unreachable();
}
