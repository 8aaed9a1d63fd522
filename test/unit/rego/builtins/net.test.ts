import { describe, expect, it } from 'vitest';
import { call, callError } from './sdk-call.ts';

describe('network builtins', () => {
  it('cidr_contains checks addresses and whole networks, IPv4 and IPv6', () => {
    expect(call('net.cidr_contains', '10.0.0.0/8', '10.1.2.3')).toBe(true);
    expect(call('net.cidr_contains', '10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(call('net.cidr_contains', '10.0.0.0/8', '10.1.0.0/16')).toBe(true);
    expect(call('net.cidr_contains', '10.0.0.0/24', '10.0.0.0/16')).toBe(false);
    expect(call('net.cidr_contains', '2001:db8::/32', '2001:db8:1::1')).toBe(true);
    expect(call('net.cidr_contains', '10.0.0.0/8', '::ffff:10.1.1.1')).toBe(true);
    expect(callError('net.cidr_contains', '10.0.0.0/33', '10.0.0.1')).toMatchObject({ message: 'net.cidr_contains: invalid CIDR address: 10.0.0.0/33' });
    expect(callError('net.cidr_contains', '10.0.0.0/8', 'nope')).toMatchObject({ code: 'eval_builtin_error' });
    expect(callError('net.cidr_contains', '10.0.0.0/8', '010.0.0.1')).toMatchObject({ code: 'eval_builtin_error' });
  });

  it('cidr_intersects, cidr_is_valid', () => {
    expect(call('net.cidr_intersects', '192.168.0.0/16', '192.168.1.0/24')).toBe(true);
    expect(call('net.cidr_intersects', '192.168.0.0/24', '192.168.1.0/24')).toBe(false);
    expect([call('net.cidr_is_valid', '::/0'), call('net.cidr_is_valid', '1.2.3.4'), call('net.cidr_is_valid', '1.2.3.4/24')]).toEqual([true, false, true]);
  });

  it('cidr_expand lists every address', () => {
    expect(call('net.cidr_expand', '192.168.1.0/30')).toEqual(['192.168.1.0', '192.168.1.1', '192.168.1.2', '192.168.1.3']);
    expect(call('net.cidr_expand', '2001:db8::/127')).toEqual(['2001:db8::', '2001:db8::1']);
    expect(callError('net.cidr_expand', '10.0.0.0/1')).toMatchObject({ code: 'eval_builtin_error' });
  });

  it('cidr_merge collapses adjacent networks; a bare IPv4 address stands for its classful network', () => {
    expect(call('net.cidr_merge', ['192.0.128.0/24', '192.0.129.0/24'])).toEqual(['192.0.128.0/23']);
    expect(call('net.cidr_merge', ['192.0.128.0', '192.0.129.0'])).toEqual(['192.0.128.0/23']);
    expect(call('net.cidr_merge', ['2001:db8::/33', '2001:db8:8000::/33'])).toEqual(['2001:db8::/32']);
    expect(call('net.cidr_merge', ['10.0.0.0/8', '10.1.0.0/16'])).toEqual(['10.0.0.0/8']);
  });

  it('cidr_contains_matches pairs keys of matching entries', () => {
    expect(call('net.cidr_contains_matches', ['1.1.1.0/24', '1.1.2.0/24'], '1.1.1.128')).toEqual([[0, '1.1.1.128']]);
    expect(call('net.cidr_contains_matches', { a: '1.1.1.0/24', b: ['1.1.0.0/16', 'extra'] }, { x: '1.1.1.1' })).toEqual([['a', 'x'], ['b', 'x']]);
    expect(callError('net.cidr_contains_matches', [1], 'x')).toMatchObject({ message: 'net.cidr_contains_matches: operand 1: element must be string or non-empty array' });
  });
});
