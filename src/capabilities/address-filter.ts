/**
 * AddressFilter: decides whether the host may open a connection to an IP address, whatever the
 * policy says. Blocks loopback, private (RFC 1918, CGNAT, ULA), link-local (cloud metadata at
 * 169.254.169.254 included), unspecified, multicast, broadcast, documentation and other special-use
 * ranges, and looks through IPv4-mapped, NAT64 and 6to4 IPv6 forms at the IPv4 address inside.
 *
 * It works on resolved addresses only; the caller resolves once, checks every address and connects to
 * one of the checked ones, so no second DNS answer can slip in between.
 */
import { BlockList, isIP, isIPv4 } from 'node:net';
import { DaemonError } from '../errors/index.ts';

/** Why an address is blocked. `never` categories stay blocked even with `allowPrivateNetworks`. */
export type AddressCategory =
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'reserved'
  | 'documentation'
  | 'unspecified'
  | 'multicast'
  | 'broadcast';

const neverAllowed: ReadonlySet<AddressCategory> = new Set(['unspecified', 'multicast', 'broadcast']);

/** [cidr, category], IANA special-purpose registries. Order matters: first match wins. */
const ipv4Ranges: readonly (readonly [string, number, AddressCategory])[] = [
  ['255.255.255.255', 32, 'broadcast'],
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const ipv6Ranges: readonly (readonly [string, number, AddressCategory])[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'reserved'], // IPv4-compatible (deprecated)
  ['64:ff9b:1::', 48, 'private'], // local-use NAT64
  ['100::', 64, 'reserved'], // discard-only
  ['2001::', 23, 'reserved'], // IETF protocol assignments, Teredo
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
  ['fc00::', 7, 'private'], // unique local
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'], // site-local (deprecated)
  ['ff00::', 8, 'multicast'],
];

export interface AddressFilterOptions {
  /** Lift the block on loopback, private, shared, link-local, reserved and documentation ranges. @default false */
  readonly allowPrivateNetworks?: boolean;
  /** CIDRs (`127.0.0.1/32`, `fd00::/8`) allowed although a blocked range contains them. @default [] */
  readonly allowedCidrs?: readonly string[];
}

export type AddressVerdict =
  | { readonly type: 'allowed'; readonly address: string }
  | { readonly type: 'blocked'; readonly address: string; readonly category: AddressCategory };

export interface AddressFilter {
  /** The verdict for one IP address (v4 or v6, no brackets). Anything that is not an IP is blocked. */
  check(address: string): AddressVerdict;
}

/**
 * Creates a filter.
 * @throws CONFIG_INVALID when an allowed CIDR does not parse
 */
export function createAddressFilter(options: AddressFilterOptions = {}): AddressFilter {
  const allowPrivate = options.allowPrivateNetworks ?? false;
  const allowList = new BlockList();
  for (const cidr of options.allowedCidrs ?? []) addCidr(allowList, cidr);

  const categorize = (address: string): AddressCategory | null => {
    if (isIPv4(address)) return matchRanges(address, 'ipv4', ipv4Ranges);
    const embedded = embeddedIPv4(address);
    if (embedded !== null) return matchRanges(embedded, 'ipv4', ipv4Ranges);
    return matchRanges(address, 'ipv6', ipv6Ranges);
  };

  return {
    check(address) {
      const family = isIP(address);
      if (family === 0) return { type: 'blocked', address, category: 'reserved' };
      const category = categorize(address);
      if (category === null) return { type: 'allowed', address };
      if (allowList.check(address, family === 4 ? 'ipv4' : 'ipv6')) return { type: 'allowed', address };
      const embedded = family === 6 ? embeddedIPv4(address) : null;
      if (embedded !== null && allowList.check(embedded, 'ipv4')) return { type: 'allowed', address };
      if (allowPrivate && !neverAllowed.has(category)) return { type: 'allowed', address };
      return { type: 'blocked', address, category };
    },
  };
}

const rangeLists = new Map<readonly unknown[], readonly { list: BlockList; category: AddressCategory }[]>();

function matchRanges(address: string, family: 'ipv4' | 'ipv6', ranges: readonly (readonly [string, number, AddressCategory])[]): AddressCategory | null {
  let compiled = rangeLists.get(ranges);
  if (compiled === undefined) {
    compiled = ranges.map(([network, prefix, category]) => {
      const list = new BlockList();
      list.addSubnet(network, prefix, family);
      return { list, category };
    });
    rangeLists.set(ranges, compiled);
  }
  for (const { list, category } of compiled) if (list.check(address, family)) return category;
  return null;
}

/**
 * The IPv4 address an IPv6 address carries and that a connection would effectively reach:
 * IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002:AABB:CCDD::/48).
 */
function embeddedIPv4(address: string): string | null {
  const words = expandIPv6(address);
  if (words === null) return null;
  const v4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zero = (from: number, to: number): boolean => words.slice(from, to).every((w) => w === 0);
  if (zero(0, 5) && words[5] === 0xffff) return v4(words[6]!, words[7]!);
  if (words[0] === 0x64 && words[1] === 0xff9b && zero(2, 6)) return v4(words[6]!, words[7]!);
  if (words[0] === 0x2002) return v4(words[1]!, words[2]!);
  return null;
}

/** Eight 16-bit words of an IPv6 address (dotted IPv4 tail and zone ids handled), or null. */
function expandIPv6(address: string): number[] | null {
  let text = address.split('%')[0]!;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail !== null) {
    const parts = tail[1]!.split('.').map(Number);
    text = `${text.slice(0, tail.index)}${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const words = [...head, ...Array<string>(Math.max(fill, 0)).fill('0'), ...rest].map((w) => Number.parseInt(w, 16));
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : null;
}

function addCidr(list: BlockList, cidr: string): void {
  const [network = '', prefixText] = cidr.split('/');
  const family = isIP(network);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new DaemonError('CONFIG_INVALID', `Cannot allow network "${cidr}": not a CIDR`, { details: { cidr } });
  }
  list.addSubnet(network, prefix, family === 4 ? 'ipv4' : 'ipv6');
}
