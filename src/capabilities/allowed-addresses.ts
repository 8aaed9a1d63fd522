/**
 * Resolves the host of a URL once and checks every address it resolves to against the AddressFilter.
 * The HTTP client then connects only to these checked addresses (see http-request.ts): there is no
 * second lookup a rebinding DNS server could answer differently.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { DaemonError } from '../errors/index.ts';
import type { AddressFilter } from './address-filter.ts';

/** One resolved address, as `dns.lookup({ all: true })` returns it. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to all its addresses. */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The system resolver (`getaddrinfo`, so /etc/hosts applies): every address, in resolver order. */
export const systemHostResolver: HostResolver = async (hostname) => {
  const found = await lookup(hostname, { all: true, order: 'verbatim' });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

export interface ResolveAllowedOptions {
  readonly filter: AddressFilter;
  readonly resolver: HostResolver;
  /** Abandons the lookup; the promise then rejects with the signal's reason. */
  readonly signal: AbortSignal;
}

/** The URL host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Every address `url`'s host resolves to, all of them allowed by `filter`. An IP literal is checked
 * as is (the WHATWG URL parser has already normalised decimal, octal and hex IPv4 forms).
 * @throws CAPABILITY_NETWORK_DENIED when any address is blocked (one bad address taints the name)
 * @throws CAPABILITY_HTTP_FAILED when the name does not resolve
 * @throws the signal's reason when it aborts first
 */
export async function resolveAllowedAddresses(url: URL, options: ResolveAllowedOptions): Promise<readonly ResolvedAddress[]> {
  const { filter, resolver, signal } = options;
  const host = hostOf(url);
  const family = isIP(host);
  let addresses: readonly ResolvedAddress[];
  if (family !== 0) {
    addresses = [{ address: host, family: family === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await abortable(resolver(host), signal);
    } catch (cause) {
      if (signal.aborted) throw signal.reason;
      throw new DaemonError('CAPABILITY_HTTP_FAILED', `Cannot fetch "${url.href}": host "${host}" does not resolve`, { cause, details: { host } });
    }
    if (addresses.length === 0) {
      throw new DaemonError('CAPABILITY_HTTP_FAILED', `Cannot fetch "${url.href}": host "${host}" has no address`, { details: { host } });
    }
  }
  for (const { address } of addresses) {
    const verdict = filter.check(address);
    if (verdict.type === 'blocked') {
      const via = address === host ? '' : ` ("${host}" resolves to it)`;
      throw new DaemonError('CAPABILITY_NETWORK_DENIED', `Cannot fetch "${url.href}": address ${address} is ${verdict.category}${via}`, {
        details: { host, address, category: verdict.category },
      });
    }
  }
  return addresses;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
