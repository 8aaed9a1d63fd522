/** The guest `ctx` wrappers: each shapes the arguments of exactly one capability call over ctx.call. */
import { describe, expect, it } from 'vitest';
import { createGuestContext, type GuestBridge } from '../../../src/sandbox/guest/context.ts';

function recording(): { bridge: GuestBridge; calls: [unknown, unknown][] } {
  const calls: [unknown, unknown][] = [];
  return {
    calls,
    bridge: {
      log: () => undefined,
      call: async (name, args) => {
        calls.push([name, args]);
        return { answered: name };
      },
    },
  };
}

describe('createGuestContext', () => {
  describe('capability wrappers', () => {
    it('map each wrapper to its capability and arguments', async () => {
      const { bridge, calls } = recording();
      const ctx = createGuestContext('run-1', bridge);
      await ctx.http.fetch('https://a.example/x', { method: 'POST', headers: { a: 'b' }, body: 'x' });
      await ctx.http.fetch('https://a.example/y');
      await ctx.fs.read('a.txt');
      await ctx.fs.read('a.bin', { encoding: 'base64' });
      await ctx.fs.write('b.txt', 'hello');
      await ctx.fs.list();
      await ctx.fs.list('dir');
      await ctx.fs.delete('dir', { recursive: true });
      await ctx.kv.get('k');
      await ctx.kv.put('k', { v: 1 });
      await ctx.kv.delete('k');
      await ctx.kv.list({ prefix: 'p', limit: 2 });
      await ctx.kv.list();
      await ctx.clock.now();
      await ctx.random.bytes(16);
      expect(calls).toEqual([
        ['http.fetch', { method: 'POST', headers: { a: 'b' }, body: 'x', url: 'https://a.example/x' }],
        ['http.fetch', { url: 'https://a.example/y' }],
        ['fs.read', { path: 'a.txt' }],
        ['fs.read', { encoding: 'base64', path: 'a.bin' }],
        ['fs.write', { path: 'b.txt', content: 'hello' }],
        ['fs.list', {}],
        ['fs.list', { path: 'dir' }],
        ['fs.delete', { recursive: true, path: 'dir' }],
        ['kv.get', { key: 'k' }],
        ['kv.put', { key: 'k', value: { v: 1 } }],
        ['kv.delete', { key: 'k' }],
        ['kv.list', { prefix: 'p', limit: 2 }],
        ['kv.list', {}],
        ['clock.now', {}],
        ['random.bytes', { length: 16 }],
      ]);
    });

    it('let positional arguments win over same-named option keys', async () => {
      const { bridge, calls } = recording();
      const ctx = createGuestContext('run-1', bridge);
      await ctx.http.fetch('https://right.example/', { url: 'https://wrong.example/' });
      await ctx.fs.write('right.txt', 'right', { path: 'wrong.txt', content: 'wrong' });
      expect(calls).toEqual([
        ['http.fetch', { url: 'https://right.example/' }],
        ['fs.write', { path: 'right.txt', content: 'right' }],
      ]);
    });

    it('resolve with the capability result unchanged and are frozen', async () => {
      const { bridge } = recording();
      const ctx = createGuestContext('run-1', bridge);
      expect(await ctx.kv.get('k')).toEqual({ answered: 'kv.get' });
      for (const part of [ctx, ctx.http, ctx.fs, ctx.kv, ctx.clock, ctx.random]) expect(Object.isFrozen(part)).toBe(true);
    });
  });
});
