// net.cidr_contains for IPv4 and IPv6 (with `::` compression and a dotted IPv4 tail).

import { malloc } from "./memory";

let ipFamily: i32 = 0; // 4 or 6 after a successful parse
let ipPrefix: i32 = 0;

/** Parses an address (optionally with /prefix) into 16 bytes at `out`; false when malformed. */
function parseAddr(p: usize, n: u32, out: usize, wantPrefix: bool): bool {
  let slash: i32 = -1;
  for (let i: u32 = 0; i < n; i++) if (load<u8>(p + i) == 47) { slash = <i32>i; break; }
  if (wantPrefix && slash < 0) return false;
  const an: u32 = slash >= 0 ? <u32>slash : n;
  memory.fill(out, 0, 16);
  let colon = false;
  for (let i: u32 = 0; i < an; i++) if (load<u8>(p + i) == 58) { colon = true; break; }
  if (colon) {
    if (!parseV6(p, an, out)) return false;
    ipFamily = 6;
  } else {
    if (!parseV4(p, an, out)) return false;
    ipFamily = 4;
  }
  const maxBits: i32 = ipFamily == 4 ? 32 : 128;
  ipPrefix = maxBits;
  if (slash >= 0) {
    const s = <u32>slash + 1;
    if (s >= n || n - s > 3) return false;
    let v: i32 = 0;
    for (let i = s; i < n; i++) {
      const c = load<u8>(p + i);
      if (c < 48 || c > 57) return false;
      v = v * 10 + <i32>(c - 48);
    }
    if (v > maxBits) return false;
    ipPrefix = v;
  }
  return true;
}

function parseV4(p: usize, n: u32, out: usize): bool {
  let part: i32 = 0;
  let val: i32 = -1;
  for (let i: u32 = 0; i <= n; i++) {
    const c: u8 = i < n ? load<u8>(p + i) : 46;
    if (c == 46) {
      if (val < 0 || part > 3) return false;
      store<u8>(out + part, <u8>val);
      part++;
      val = -1;
    } else if (c >= 48 && c <= 57) {
      val = (val < 0 ? 0 : val * 10) + <i32>(c - 48);
      if (val > 255) return false;
    } else return false;
  }
  return part == 4;
}

function hex(c: u8): i32 {
  if (c >= 48 && c <= 57) return <i32>c - 48;
  if (c >= 97 && c <= 102) return <i32>c - 87;
  if (c >= 65 && c <= 70) return <i32>c - 55;
  return -1;
}

function parseV6(p: usize, n: u32, out: usize): bool {
  const groups = malloc(16);
  let count: i32 = 0;
  let gap: i32 = -1;
  let i: u32 = 0;
  if (n >= 2 && load<u8>(p) == 58 && load<u8>(p + 1) == 58) { gap = 0; i = 2; }
  else if (n >= 1 && load<u8>(p) == 58) return false;
  while (i < n) {
    // an IPv4 tail?
    let j = i;
    let dot = false;
    while (j < n && load<u8>(p + j) != 58) { if (load<u8>(p + j) == 46) dot = true; j++; }
    if (dot) {
      if (j != n || count > 6) return false;
      const v4 = malloc(4);
      if (!parseV4(p + i, n - i, v4)) return false;
      store<u16>(groups + (<usize>count << 1), (<u16>load<u8>(v4) << 8) | load<u8>(v4, 1)); count++;
      store<u16>(groups + (<usize>count << 1), (<u16>load<u8>(v4, 2) << 8) | load<u8>(v4, 3)); count++;
      i = n;
      break;
    }
    if (j == i || j - i > 4 || count >= 8) return false;
    let v: i32 = 0;
    for (let k = i; k < j; k++) {
      const h = hex(load<u8>(p + k));
      if (h < 0) return false;
      v = (v << 4) | h;
    }
    store<u16>(groups + (<usize>count << 1), <u16>v);
    count++;
    i = j;
    if (i < n) {
      i++; // ':'
      if (i < n && load<u8>(p + i) == 58) {
        if (gap >= 0) return false;
        gap = count;
        i++;
      } else if (i == n) return false;
    }
  }
  if (gap < 0 && count != 8) return false;
  if (gap >= 0 && count > 7) return false;
  const fill = 8 - count;
  let o: i32 = 0;
  for (let g: i32 = 0; g < count; g++) {
    if (g == gap) o += fill;
    const v = load<u16>(groups + (<usize>g << 1));
    store<u8>(out + (<usize>o << 1), <u8>(v >> 8));
    store<u8>(out + (<usize>o << 1) + 1, <u8>(v & 0xff));
    o++;
  }
  return true;
}

/** 1 when `x` (address or CIDR) lies inside `cidr`, 0 when not, -1 on malformed input. */
export function cidrContains(cp: usize, cn: u32, xp: usize, xn: u32): i32 {
  const a = malloc(16), b = malloc(16);
  if (!parseAddr(cp, cn, a, true)) return -1;
  const fa = ipFamily, pa = ipPrefix;
  if (!parseAddr(xp, xn, b, false)) return -1;
  const fb = ipFamily, pb = ipPrefix;
  if (fa != fb) return 0;
  if (pb < pa) return 0;
  const whole = pa >> 3;
  if (whole > 0 && memory.compare(a, b, whole) != 0) return 0;
  const rest = pa & 7;
  if (rest != 0) {
    const mask = <u8>(<i32>0xff << <i32>(8 - rest));
    if ((load<u8>(a + whole) & mask) != (load<u8>(b + whole) & mask)) return 0;
  }
  return 1;
}
