import { describe, expect, it } from 'vitest';
import { createAddressFilter } from '../../../src/capabilities/index.ts';

describe('AddressFilter', () => {
  describe('#check', () => {
    const strict = createAddressFilter();

    it.each([
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.16.5.4', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'shared'],
      ['169.254.169.254', 'link-local'],
      ['0.0.0.0', 'unspecified'],
      ['0.1.2.3', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['240.0.0.1', 'reserved'],
      ['198.18.0.1', 'reserved'],
      ['192.0.2.7', 'documentation'],
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:a9fe:a9fe', 'link-local'],
      ['64:ff9b::a00:1', 'private'],
      ['2002:7f00:1::', 'loopback'],
      ['fd00::1', 'private'],
      ['fc12:3456::1', 'private'],
      ['fe80::1', 'link-local'],
      ['ff02::1', 'multicast'],
      ['2001:db8::1', 'documentation'],
      ['::127.0.0.1', 'reserved'],
    ])('blocks %s as %s', (address, category) => {
      expect(strict.check(address)).toEqual({ type: 'blocked', address, category });
    });

    it.each(['93.184.215.14', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '172.32.0.1', '100.128.0.1'])('allows public %s', (address) => {
      expect(strict.check(address).type).toBe('allowed');
    });

    it('blocks anything that is not an IP address', () => {
      expect(strict.check('localhost').type).toBe('blocked');
    });

    it('lets allowedCidrs open exactly the listed ranges', () => {
      const filter = createAddressFilter({ allowedCidrs: ['127.0.0.1/32', 'fd00::/16'] });
      expect(filter.check('127.0.0.1').type).toBe('allowed');
      expect(filter.check('::ffff:127.0.0.1').type).toBe('allowed');
      expect(filter.check('127.0.0.2').type).toBe('blocked');
      expect(filter.check('fd00::5').type).toBe('allowed');
      expect(filter.check('fd01::5').type).toBe('blocked');
    });

    it('lets allowPrivateNetworks open private ranges but never unspecified, multicast or broadcast', () => {
      const filter = createAddressFilter({ allowPrivateNetworks: true });
      expect(filter.check('10.1.2.3').type).toBe('allowed');
      expect(filter.check('127.0.0.1').type).toBe('allowed');
      expect(filter.check('169.254.169.254').type).toBe('allowed');
      expect(filter.check('0.0.0.0').type).toBe('blocked');
      expect(filter.check('::').type).toBe('blocked');
      expect(filter.check('239.1.1.1').type).toBe('blocked');
      expect(filter.check('255.255.255.255').type).toBe('blocked');
    });
  });

  describe('createAddressFilter', () => {
    it('throws CONFIG_INVALID for a bad CIDR', () => {
      expect(() => createAddressFilter({ allowedCidrs: ['10.0.0.0/33'] })).toThrow('Cannot allow network "10.0.0.0/33": not a CIDR');
      expect(() => createAddressFilter({ allowedCidrs: ['nope'] })).toThrow(/not a CIDR/);
    });
  });
});
