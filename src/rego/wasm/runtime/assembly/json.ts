// JSON and Rego-value text: parsing into values and serialising values.
//
// Parsing is zero-copy where it can be: strings without escapes and number text point into the
// source buffer, which the SDK keeps alive below the heap pointer for as long as the value lives.
// The Rego-value syntax (`opa_value_parse`/`opa_value_dump`) extends JSON with sets (`{1, 2}`,
// `set()`) and non-string object keys.

import { malloc, realloc } from "./memory";
import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, NULL_V, TRUE_V, FALSE_V,
  vtype, strLen, strPtr, arrLen, arrGet, mapLen, entryKey, entryVal, mapSort,
  makeString, makeArray, makeObject, makeSet, arrAppend, mapInsert, setAdd,
} from "./value";
import { numberFromText, writeInt, writeF64, N_INT, N_FLOAT } from "./number";

// ---- parser ----

let src: usize = 0;
let pos: usize = 0;
let end: usize = 0;
let failed = false;
let regoSyntax = false;

export function parse(p: usize, n: usize, rego: bool): usize {
  src = p; pos = p; end = p + n; failed = false; regoSyntax = rego;
  const v = parseValue(0);
  skipWs();
  if (failed || pos != end || v == 0) return 0;
  return v;
}

function skipWs(): void {
  while (pos < end) {
    const c = load<u8>(pos);
    if (c == 32 || c == 9 || c == 10 || c == 13) pos++; else break;
  }
}

function fail(): usize { failed = true; return 0; }

function matchWord(w0: u8, w: usize, wn: u32): bool {
  if (pos + wn > end || load<u8>(pos) != w0) return false;
  if (memory.compare(pos, w, wn) != 0) return false;
  pos += wn;
  return true;
}

const W_NULL = memory.data<u8>([110, 117, 108, 108]);
const W_TRUE = memory.data<u8>([116, 114, 117, 101]);
const W_FALSE = memory.data<u8>([102, 97, 108, 115, 101]);
const W_SET = memory.data<u8>([115, 101, 116, 40, 41]);

function parseValue(depth: i32): usize {
  if (depth > 10000) return fail();
  skipWs();
  if (pos >= end) return fail();
  const c = load<u8>(pos);
  switch (c) {
    case 123: return parseBrace(depth);
    case 91: {
      pos++;
      const a = makeArray(0);
      skipWs();
      if (pos < end && load<u8>(pos) == 93) { pos++; return a; }
      while (true) {
        const x = parseValue(depth + 1);
        if (x == 0) return fail();
        arrAppend(a, x);
        skipWs();
        if (pos >= end) return fail();
        const d = load<u8>(pos++);
        if (d == 93) return a;
        if (d != 44) return fail();
      }
    }
    case 34: return parseString();
    case 110: return matchWord(c, W_NULL, 4) ? NULL_V : fail();
    case 116: return matchWord(c, W_TRUE, 4) ? TRUE_V : fail();
    case 102: return matchWord(c, W_FALSE, 5) ? FALSE_V : fail();
    case 115: {
      if (regoSyntax && matchWord(c, W_SET, 5)) return makeSet();
      return fail();
    }
  }
  if (c == 45 || (c >= 48 && c <= 57)) return parseNumber();
  return fail();
}

function parseBrace(depth: i32): usize {
  pos++;
  skipWs();
  if (pos < end && load<u8>(pos) == 125) { pos++; return makeObject(); }
  const first = regoSyntax ? parseValue(depth + 1) : (pos < end && load<u8>(pos) == 34 ? parseString() : fail());
  if (first == 0) return fail();
  skipWs();
  if (pos >= end) return fail();
  if (load<u8>(pos) != 58) {
    if (!regoSyntax) return fail();
    const s = makeSet();
    setAdd(s, first);
    while (true) {
      skipWs();
      if (pos >= end) return fail();
      const d = load<u8>(pos++);
      if (d == 125) return s;
      if (d != 44) return fail();
      const x = parseValue(depth + 1);
      if (x == 0) return fail();
      setAdd(s, x);
    }
  }
  const o = makeObject();
  let key = first;
  while (true) {
    skipWs();
    if (pos >= end || load<u8>(pos) != 58) return fail();
    pos++;
    const val = parseValue(depth + 1);
    if (val == 0) return fail();
    mapInsert(o, key, val);
    skipWs();
    if (pos >= end) return fail();
    const d = load<u8>(pos++);
    if (d == 125) return o;
    if (d != 44) return fail();
    skipWs();
    key = regoSyntax ? parseValue(depth + 1) : (pos < end && load<u8>(pos) == 34 ? parseString() : fail());
    if (key == 0) return fail();
  }
}

function hexVal(c: u32): i32 {
  if (c >= 48 && c <= 57) return <i32>c - 48;
  if (c >= 97 && c <= 102) return <i32>c - 87;
  if (c >= 65 && c <= 70) return <i32>c - 55;
  return -1;
}

function read4Hex(p: usize): i32 {
  if (p + 4 > end) return -1;
  let x: i32 = 0;
  for (let i: usize = 0; i < 4; i++) {
    const h = hexVal(load<u8>(p + i));
    if (h < 0) return -1;
    x = (x << 4) | h;
  }
  return x;
}

function parseString(): usize {
  pos++;
  const start = pos;
  let escaped = false;
  while (pos < end) {
    const c = load<u8>(pos);
    if (c == 34) break;
    if (c == 92) { escaped = true; pos += 2; continue; }
    if (c < 32) return fail();
    pos++;
  }
  if (pos >= end) return fail();
  const stop = pos;
  pos++;
  if (!escaped) return makeString(start, <u32>(stop - start));
  const out = malloc(stop - start);
  let o: usize = 0;
  let i = start;
  while (i < stop) {
    const c = load<u8>(i);
    if (c != 92) { store<u8>(out + o++, c); i++; continue; }
    const e = load<u8>(i + 1);
    i += 2;
    switch (e) {
      case 34: store<u8>(out + o++, 34); break;
      case 92: store<u8>(out + o++, 92); break;
      case 47: store<u8>(out + o++, 47); break;
      case 98: store<u8>(out + o++, 8); break;
      case 102: store<u8>(out + o++, 12); break;
      case 110: store<u8>(out + o++, 10); break;
      case 114: store<u8>(out + o++, 13); break;
      case 116: store<u8>(out + o++, 9); break;
      case 117: {
        let cp = read4Hex(i);
        if (cp < 0) return fail();
        i += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= stop && load<u8>(i) == 92 && load<u8>(i + 1) == 117) {
          const lo = read4Hex(i + 2);
          if (lo >= 0xdc00 && lo < 0xe000) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); i += 6; }
        }
        if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd;
        o += writeUtf8(out + o, <u32>cp);
        break;
      }
      default: return fail();
    }
  }
  return makeString(out, <u32>o);
}

function writeUtf8(p: usize, cp: u32): usize {
  if (cp < 0x80) { store<u8>(p, <u8>cp); return 1; }
  if (cp < 0x800) { store<u8>(p, <u8>(0xc0 | (cp >> 6))); store<u8>(p + 1, <u8>(0x80 | (cp & 0x3f))); return 2; }
  if (cp < 0x10000) {
    store<u8>(p, <u8>(0xe0 | (cp >> 12))); store<u8>(p + 1, <u8>(0x80 | ((cp >> 6) & 0x3f)));
    store<u8>(p + 2, <u8>(0x80 | (cp & 0x3f))); return 3;
  }
  store<u8>(p, <u8>(0xf0 | (cp >> 18))); store<u8>(p + 1, <u8>(0x80 | ((cp >> 12) & 0x3f)));
  store<u8>(p + 2, <u8>(0x80 | ((cp >> 6) & 0x3f))); store<u8>(p + 3, <u8>(0x80 | (cp & 0x3f)));
  return 4;
}

function parseNumber(): usize {
  const start = pos;
  if (load<u8>(pos) == 45) pos++;
  const intStart = pos;
  while (pos < end && isDigit(load<u8>(pos))) pos++;
  if (pos == intStart) return fail();
  if (pos < end && load<u8>(pos) == 46) {
    pos++;
    const f = pos;
    while (pos < end && isDigit(load<u8>(pos))) pos++;
    if (pos == f) return fail();
  }
  if (pos < end && (load<u8>(pos) == 101 || load<u8>(pos) == 69)) {
    pos++;
    if (pos < end && (load<u8>(pos) == 43 || load<u8>(pos) == 45)) pos++;
    const e = pos;
    while (pos < end && isDigit(load<u8>(pos))) pos++;
    if (pos == e) return fail();
  }
  return numberFromText(start, <u32>(pos - start));
}

// @ts-ignore: decorator
@inline function isDigit(c: u8): bool { return c >= 48 && c <= 57; }

// ---- writer ----

let buf: usize = 0;
let len: usize = 0;
let cap: usize = 0;

function reserve(n: usize): void {
  if (len + n <= cap) return;
  let ncap = cap * 2;
  if (ncap < len + n) ncap = len + n + 64;
  buf = realloc(buf, cap, ncap);
  cap = ncap;
}

// @ts-ignore: decorator
@inline function putByte(c: u8): void { reserve(1); store<u8>(buf + len++, c); }

function putBytes(p: usize, n: usize): void {
  reserve(n);
  memory.copy(buf + len, p, n);
  len += n;
}

const HEX = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

function putString(p: usize, n: usize): void {
  reserve(n + 2);
  store<u8>(buf + len++, 34);
  for (let i: usize = 0; i < n; i++) {
    const c = load<u8>(p + i);
    if (c == 34 || c == 92) { putByte(92); putByte(c); }
    else if (c < 32) {
      putByte(92);
      if (c == 10) putByte(110);
      else if (c == 9) putByte(116);
      else if (c == 13) putByte(114);
      else {
        putByte(117); putByte(48); putByte(48);
        putByte(load<u8>(HEX + (c >> 4))); putByte(load<u8>(HEX + (c & 15)));
      }
    } else putByte(c);
  }
  putByte(34);
}

function putNumber(v: usize): void {
  const r = load<u8>(v, 1);
  // writeInt uses 64 bytes from where it writes (digits are built in scratch space at +40)
  if (r == N_INT) { reserve(64); len += writeInt(buf + len, load<i64>(v, 8)); return; }
  if (r == N_FLOAT) {
    const scratch = malloc(64);
    const n = writeF64(scratch, load<f64>(v, 8));
    putBytes(scratch, n);
    return;
  }
  putBytes(<usize>load<u32>(v, 8), load<u32>(v, 12));
}

const W_SETEMPTY = W_SET;

function write(v: usize, rego: bool): void {
  switch (vtype(v)) {
    case T_NULL: putBytes(W_NULL, 4); return;
    case T_BOOL: if (load<u32>(v, 4)) putBytes(W_TRUE, 4); else putBytes(W_FALSE, 5); return;
    case T_NUMBER: putNumber(v); return;
    case T_STRING: putString(strPtr(v), strLen(v)); return;
    case T_ARRAY: {
      putByte(91);
      const n = arrLen(v);
      for (let i: u32 = 0; i < n; i++) {
        if (i > 0) putByte(44);
        write(arrGet(v, i), rego);
      }
      putByte(93);
      return;
    }
    case T_OBJECT: {
      mapSort(v);
      putByte(123);
      const n = mapLen(v);
      for (let i: u32 = 0; i < n; i++) {
        if (i > 0) putByte(44);
        const k = entryKey(v, i);
        if (vtype(k) == T_STRING || rego) write(k, rego);
        else {
          // JSON has only string keys: OPA writes the key's own JSON text as the key string
          const saveBuf = buf, saveLen = len, saveCap = cap;
          buf = 0; len = 0; cap = 0;
          write(k, false);
          const kp = buf, kn = len;
          buf = saveBuf; len = saveLen; cap = saveCap;
          putString(kp, kn);
        }
        putByte(58);
        write(entryVal(v, i), rego);
      }
      putByte(125);
      return;
    }
    case T_SET: {
      mapSort(v);
      const n = mapLen(v);
      if (rego && n == 0) { putBytes(W_SETEMPTY, 5); return; }
      putByte(rego ? 123 : 91);
      for (let i: u32 = 0; i < n; i++) {
        if (i > 0) putByte(44);
        write(entryKey(v, i), rego);
      }
      putByte(rego ? 125 : 93);
      return;
    }
  }
}

/** Serialises `v` as NUL-terminated text; returns its address. */
export function dump(v: usize, rego: bool): usize {
  buf = 0; len = 0; cap = 0;
  reserve(64);
  write(v, rego);
  putByte(0);
  return buf;
}

/** Serialises `v` without the terminator into a fresh buffer; returns its address, length via `dumpLen`. */
export function dumpRaw(v: usize): usize {
  buf = 0; len = 0; cap = 0;
  reserve(32);
  write(v, false);
  return buf;
}

export function dumpLen(): usize { return len; }
