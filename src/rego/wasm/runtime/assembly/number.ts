// Rego numbers: exact int64 fast path, f64, and decimal text kept verbatim (numbers beyond int64
// and all non-integers parsed from JSON). Equality, order and hashing are exact across the three
// representations (decimal comparison); arithmetic on non-integers degrades to f64 like OPA's WASM
// runtime does.

import { dtoa_buffered } from "util/number";
import { malloc } from "./memory";
import { T_NUMBER, N_INT, N_FLOAT, N_REF, makeInt, makeFloat, hashBytes, mix32 } from "./value";

// Scratch result of `asInt`.
let intOut: i64 = 0;

/** Whether `v` is an integer that fits in int64 (any representation); the value goes to `intOut`. */
export function asInt(v: usize): bool {
  const r = load<u8>(v, 1);
  if (r == N_INT) { intOut = load<i64>(v, 8); return true; }
  if (r == N_FLOAT) {
    const f = load<f64>(v, 8);
    if (Math.floor(f) == f && Math.abs(f) < 9.2e18) { intOut = <i64>f; return true; }
    return false;
  }
  decParse(<usize>load<u32>(v, 8), load<u32>(v, 12));
  if (decN == 0) { intOut = 0; return true; }
  if (decExp < 0 || decN + decExp > 18) return false;
  let x: i64 = 0;
  for (let i: i32 = 0; i < decN; i++) x = x * 10 + <i64>(load<u8>(decDigits + i) - 48);
  for (let i: i32 = 0; i < decExp; i++) x *= 10;
  intOut = decNeg ? -x : x;
  return true;
}

export function intValue(): i64 { return intOut; }

export function toF64(v: usize): f64 {
  const r = load<u8>(v, 1);
  if (r == N_INT) return <f64>load<i64>(v, 8);
  if (r == N_FLOAT) return load<f64>(v, 8);
  return parseF64(<usize>load<u32>(v, 8), load<u32>(v, 12));
}

// ---- decimal normalisation: value = (-1)^neg * digits * 10^exp, digits without leading/trailing zeros ----

let decNeg = false;
let decDigits: usize = 0;
let decN: i32 = 0;
let decExp: i32 = 0;

function decParse(p: usize, n: u32): void {
  decDigits = malloc(<usize>n + 1);
  decN = 0; decExp = 0; decNeg = false;
  let i: u32 = 0;
  if (i < n && load<u8>(p) == 45) { decNeg = true; i++; }
  else if (i < n && load<u8>(p) == 43) i++;
  let seenDot = false;
  let leading = true;
  let zerosPending: i32 = 0;
  for (; i < n; i++) {
    const c = load<u8>(p + i);
    if (c == 46) { seenDot = true; continue; }
    if (c < 48 || c > 57) break;
    if (seenDot) decExp--;
    if (c == 48) {
      if (leading) continue;
      zerosPending++;
      continue;
    }
    leading = false;
    for (let z: i32 = 0; z < zerosPending; z++) store<u8>(decDigits + decN++, 48);
    zerosPending = 0;
    store<u8>(decDigits + decN++, c);
  }
  // trailing zeros dropped from the digits shift the exponent
  decExp += zerosPending;
  if (i < n && (load<u8>(p + i) == 101 || load<u8>(p + i) == 69)) {
    i++;
    let eneg = false;
    if (i < n && (load<u8>(p + i) == 45 || load<u8>(p + i) == 43)) { eneg = load<u8>(p + i) == 45; i++; }
    let e: i32 = 0;
    for (; i < n; i++) {
      const c = load<u8>(p + i);
      if (c < 48 || c > 57) break;
      if (e < 100000000) e = e * 10 + <i32>(c - 48);
    }
    decExp += eneg ? -e : e;
  }
  if (decN == 0) { decNeg = false; decExp = 0; }
}

// Decimal text of any number into (ptr, len) globals.
let txtPtr: usize = 0;
let txtLen: u32 = 0;

function numText(v: usize): void {
  const r = load<u8>(v, 1);
  if (r == N_REF) { txtPtr = <usize>load<u32>(v, 8); txtLen = load<u32>(v, 12); return; }
  const buf = malloc(64);
  txtPtr = buf;
  txtLen = r == N_INT ? writeInt(buf, load<i64>(v, 8)) : writeF64(buf, load<f64>(v, 8));
}

function decCompare(a: usize, b: usize): i32 {
  numText(a); decParse(txtPtr, txtLen);
  const an = decNeg, ad = decDigits, al = decN, ae = decExp;
  numText(b); decParse(txtPtr, txtLen);
  const bn = decNeg, bd = decDigits, bl = decN, be = decExp;
  const asign: i32 = al == 0 ? 0 : an ? -1 : 1;
  const bsign: i32 = bl == 0 ? 0 : bn ? -1 : 1;
  if (asign != bsign) return asign < bsign ? -1 : 1;
  if (asign == 0) return 0;
  let mag: i32 = 0;
  const amag = al + ae, bmag = bl + be;
  if (amag != bmag) mag = amag < bmag ? -1 : 1;
  else {
    const m = min(al, bl);
    for (let i: i32 = 0; i < m && mag == 0; i++) {
      const x = load<u8>(ad + i), y = load<u8>(bd + i);
      if (x != y) mag = x < y ? -1 : 1;
    }
    if (mag == 0 && al != bl) mag = al < bl ? -1 : 1;
  }
  return asign < 0 ? -mag : mag;
}

export function numCompare(a: usize, b: usize): i32 {
  const ra = load<u8>(a, 1), rb = load<u8>(b, 1);
  if (ra == N_INT && rb == N_INT) {
    const x = load<i64>(a, 8), y = load<i64>(b, 8);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ra != N_REF && rb != N_REF) {
    const x = toF64(a), y = toF64(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return decCompare(a, b);
}

export function numHash(v: usize): u32 {
  if (asInt(v)) {
    const x = intOut;
    return mix32(<u32>x ^ mix32(<u32>(x >> 32)) ^ 3);
  }
  numText(v); decParse(txtPtr, txtLen);
  return hashBytes(decDigits, decN, <u32>decExp ^ (decNeg ? 0x80000000 : 0));
}

// ---- formatting ----

/** Writes the decimal digits of `x` at `buf`; returns the byte count. Needs 64 bytes at `buf`. */
export function writeInt(buf: usize, x: i64): u32 {
  let n: u32 = 0;
  let u: u64;
  if (x < 0) { store<u8>(buf, 45); n = 1; u = <u64>(-x); } else u = <u64>x;
  if (x == i64.MIN_VALUE) u = 9223372036854775808;
  let tmp = buf + 40;
  let k: u32 = 0;
  do { store<u8>(tmp + k++, <u8>(48 + <u32>(u % 10))); u /= 10; } while (u != 0);
  while (k > 0) store<u8>(buf + n++, load<u8>(tmp + --k));
  return n;
}

/** Writes a JSON rendering of `f` (shortest round-trip digits); integers print without a fraction. */
export function writeF64(buf: usize, f: f64): u32 {
  if (Math.floor(f) == f && Math.abs(f) < 1e15) return writeInt(buf, <i64>f);
  const wide = malloc(128);
  const n = dtoa_buffered(wide, f);
  let len: u32 = 0;
  for (let i: u32 = 0; i < n; i++) store<u8>(buf + len++, <u8>load<u16>(wide + (<usize>i << 1)));
  // dtoa prints "1.0e+21" style mantissas for some values; drop a ".0" that ends the mantissa
  if (len >= 2 && load<u8>(buf + len - 1) == 48 && load<u8>(buf + len - 2) == 46) len -= 2;
  return len;
}

// ---- parsing ----

const POW10: StaticArray<f64> = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Decimal text to the nearest f64 (exact for up to 15 significant digits and small exponents). */
export function parseF64(p: usize, n: u32): f64 {
  decParse(p, n);
  if (decN == 0) return 0;
  let m: f64 = 0;
  const take = min(decN, 19);
  let e = decExp + (decN - take);
  for (let i: i32 = 0; i < take; i++) m = m * 10 + <f64>(load<u8>(decDigits + i) - 48);
  let r: f64;
  if (e == 0) r = m;
  else if (e > 0 && e <= 22) r = m * unchecked(POW10[e]);
  else if (e < 0 && e >= -22) r = m / unchecked(POW10[-e]);
  else r = m * Math.pow(10, <f64>e);
  return decNeg ? -r : r;
}

/** Makes a number from JSON number text: int64 when it is a plain integer that fits, else decimal text. */
export function numberFromText(p: usize, n: u32): usize {
  let i: u32 = 0;
  let neg = false;
  if (n > 0 && load<u8>(p) == 45) { neg = true; i = 1; }
  if (n - i > 0 && n - i <= 18) {
    let x: i64 = 0;
    let plain = true;
    for (let j = i; j < n; j++) {
      const c = load<u8>(p + j);
      if (c < 48 || c > 57) { plain = false; break; }
      x = x * 10 + <i64>(c - 48);
    }
    if (plain) return makeInt(neg ? -x : x);
  }
  const v = malloc(16);
  store<u32>(v, <u32>T_NUMBER | (<u32>N_REF << 8));
  store<u32>(v, <u32>p, 8);
  store<u32>(v, n, 12);
  return v;
}

/** A float result, normalised to an int64 when it is integral and exactly representable. */
export function numberFromF64(f: f64): usize {
  if (Math.floor(f) == f && Math.abs(f) < 9007199254740992) return makeInt(<i64>f);
  return makeFloat(f);
}

export { N_INT, N_FLOAT, N_REF };
