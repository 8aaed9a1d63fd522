/**
 * Network builtins: `net.cidr_contains cidr_intersects cidr_is_valid cidr_expand cidr_merge
 * cidr_contains_matches cidr_overlap`, with Go's `net.ParseIP`/`ParseCIDR` rules (IPv4 without leading
 * zeros, IPv6 with `::` and an embedded IPv4 tail, IPv4-mapped IPv6 addresses matching IPv4 networks).
 */
import { builtinError, operandError } from './builtin-error.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import type { JsonValue } from './value.ts';
import { isObject, toSet, typeNameOf } from './value.ts';

interface Addr {
  readonly v4: boolean;
  readonly value: bigint;
}

interface Net {
  readonly v4: boolean;
  /** Network address (host bits cleared). */
  readonly base: bigint;
  readonly prefix: number;
}

const bits = (v4: boolean): number => (v4 ? 32 : 128);
const MAPPED = 0xffffn << 32n;

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  let text = s;
  let tail: bigint[] = [];
  const v4tail = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4tail !== null) {
    const v4 = parseV4(v4tail[1]!);
    if (v4 === undefined) return undefined;
    tail = [v4 >> 16n, v4 & 0xffffn];
    text = `${text.slice(0, v4tail.index)}:`;
    if (text.endsWith('::')) text = text;
    else text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const groups = h.split(':');
    const out: bigint[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === undefined || rest === undefined) return undefined;
  const fixed = [...rest, ...tail];
  const total = head.length + fixed.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const groups = [...head, ...new Array<bigint>(8 - total).fill(0n), ...fixed];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** Go's `net.ParseIP`. */
export function parseIp(s: string): Addr | undefined {
  const v4 = parseV4(s);
  if (v4 !== undefined) return { v4: true, value: v4 };
  if (!s.includes(':')) return undefined;
  const v6 = parseV6(s);
  return v6 === undefined ? undefined : { v4: false, value: v6 };
}

/** Go's `net.ParseCIDR`. */
export function parseCidr(s: string): Net | undefined {
  const slash = s.indexOf('/');
  if (slash === -1) return undefined;
  const ip = parseIp(s.slice(0, slash));
  const len = s.slice(slash + 1);
  if (ip === undefined || !/^\d{1,3}$/.test(len)) return undefined;
  const prefix = Number(len);
  if (prefix > bits(ip.v4)) return undefined;
  return { v4: ip.v4, base: ip.value & mask(ip.v4, prefix), prefix };
}

function mask(v4: boolean, prefix: number): bigint {
  const n = BigInt(bits(v4));
  return ((1n << n) - 1n) ^ ((1n << (n - BigInt(prefix))) - 1n);
}

function last(net: Net): bigint {
  return net.base | (((1n << BigInt(bits(net.v4))) - 1n) ^ mask(net.v4, net.prefix));
}

/** Bring an address into a network's family as Go's `IPNet.Contains` does (IPv4 ↔ IPv4-mapped IPv6). */
function inFamily(addr: Addr, v4: boolean): bigint | undefined {
  if (addr.v4 === v4) return addr.value;
  if (v4) return addr.value >> 32n === 0xffffn ? addr.value & 0xffffffffn : undefined;
  return MAPPED | addr.value;
}

function contains(net: Net, addr: Addr): boolean {
  const v = inFamily(addr, net.v4);
  return v !== undefined && (v & mask(net.v4, net.prefix)) === net.base;
}

/** Go's `IP.String()`. */
export function formatIp(addr: Addr): string {
  if (addr.v4 || addr.value >> 32n === 0xffffn) {
    const v = addr.value & 0xffffffffn;
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((addr.value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function cidrOperand(name: string, s: string): Net {
  const net = parseCidr(s);
  if (net === undefined) throw builtinError(name, `invalid CIDR address: ${s}`);
  return net;
}

/** The most addresses `net.cidr_expand` lists before failing instead of exhausting memory. */
const MAX_EXPAND = 1n << 20n;

function cidrContains(name: string, cidr: string, other: string): boolean {
  const net = cidrOperand(name, cidr);
  const inner = parseCidr(other);
  if (inner !== undefined) {
    return contains(net, { v4: inner.v4, value: inner.base }) && contains(net, { v4: inner.v4, value: last(inner) });
  }
  const ip = parseIp(other);
  if (ip === undefined) throw builtinError(name, `not a valid textual representation of an IP address or CIDR: ${other}`);
  return contains(net, ip);
}

/** Collapse CIDRs into the fewest covering the same addresses (what OPA's `net.cidr_merge` returns). */
function merge(nets: Net[]): string[] {
  const out: string[] = [];
  for (const v4 of [true, false]) {
    let ranges = nets
      .filter((n) => n.v4 === v4)
      .map((n) => [n.base, last(n)] as [bigint, bigint])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const merged: [bigint, bigint][] = [];
    for (const r of ranges) {
      const prev = merged[merged.length - 1];
      if (prev !== undefined && r[0] <= prev[1] + 1n) prev[1] = r[1] > prev[1] ? r[1] : prev[1];
      else merged.push([r[0], r[1]]);
    }
    ranges = merged;
    const width = bits(v4);
    for (const [from, to] of ranges) {
      let start = from;
      while (start <= to) {
        let size = 0;
        while (size < width && (start & ((1n << BigInt(size + 1)) - 1n)) === 0n && start + (1n << BigInt(size + 1)) - 1n <= to) size++;
        out.push(`${formatIp({ v4, value: start })}/${width - size}`);
        start += 1n << BigInt(size);
      }
    }
  }
  return out;
}

type Entry = readonly [key: JsonValue, cidr: string];

function entries(name: string, position: number, value: JsonValue): Entry[] {
  const one = (key: JsonValue, v: JsonValue): Entry => {
    if (typeof v === 'string') return [key, v];
    if (Array.isArray(v) && typeof v[0] === 'string') return [key, v[0]];
    throw builtinError(name, `operand ${position}: element must be string or non-empty array`);
  };
  if (typeof value === 'string') return [[value, value]];
  if (Array.isArray(value)) return value.map((v, i) => one(i, v));
  if (isObject(value)) return Object.entries(value).map(([k, v]) => one(k, v));
  throw operandError(name, position, ['string', 'array', 'set', 'object'], typeNameOf(value));
}

/** The network builtins by name. */
export const netBuiltins: JsBuiltinTable = {
  'net.cidr_contains': defineBuiltin('net.cidr_contains', (a, b) => cidrContains('net.cidr_contains', a as string, b as string)),
  'net.cidr_overlap': defineBuiltin('net.cidr_overlap', (a, b) => cidrContains('net.cidr_overlap', a as string, b as string)),
  'net.cidr_intersects': defineBuiltin('net.cidr_intersects', (a, b) => {
    const x = cidrOperand('net.cidr_intersects', a as string);
    const y = cidrOperand('net.cidr_intersects', b as string);
    if (x.v4 !== y.v4) return false;
    return x.base <= last(y) && y.base <= last(x);
  }),
  'net.cidr_is_valid': defineBuiltin('net.cidr_is_valid', (s) => parseCidr(s as string) !== undefined),
  'net.cidr_expand': defineBuiltin('net.cidr_expand', (s) => {
    const net = cidrOperand('net.cidr_expand', s as string);
    const count = last(net) - net.base + 1n;
    if (count > MAX_EXPAND) throw builtinError('net.cidr_expand', `CIDR ${s as string} has ${count} addresses, more than the limit of ${MAX_EXPAND}`);
    const out: string[] = [];
    for (let v = net.base; v <= last(net); v++) out.push(formatIp({ v4: net.v4, value: v }));
    return toSet(out);
  }),
  'net.cidr_merge': defineBuiltin('net.cidr_merge', (addrs) => {
    const nets: Net[] = [];
    for (const a of addrs as JsonValue[]) {
      if (typeof a !== 'string') throw operandError('net.cidr_merge', 1, ['string'], typeNameOf(a));
      const net = parseCidr(a);
      if (net !== undefined) nets.push(net);
      else {
        const ip = parseIp(a);
        if (ip === undefined) throw builtinError('net.cidr_merge', `IP address ${a} is not valid`);
        // Go's IP.DefaultMask: a bare IPv4 address stands for its classful network.
        const first = Number(ip.value >> 24n);
        const prefix = !ip.v4 ? 128 : first < 0x80 ? 8 : first < 0xc0 ? 16 : first < 0xe0 ? 24 : 32;
        nets.push({ v4: ip.v4, base: ip.value & mask(ip.v4, prefix), prefix });
      }
    }
    return toSet(merge(nets));
  }, { expected: [['set', 'array']] }),
  'net.cidr_contains_matches': defineBuiltin('net.cidr_contains_matches', (a, b) => {
    const name = 'net.cidr_contains_matches';
    const cidrs = entries(name, 1, a!);
    const targets = entries(name, 2, b!);
    const out: JsonValue[] = [];
    for (const [ka, cidr] of cidrs) {
      for (const [kb, target] of targets) {
        if (cidrContains(name, cidr, target)) out.push([ka, kb]);
      }
    }
    return toSet(out);
  }),
};
