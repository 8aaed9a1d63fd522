/** Unit tests of the in-memory EventStore contract (the durable journal must pass the same). */
import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../../src/jobs/index.ts';
import type { RunEvent } from '../../../src/protocol/index.ts';

const event = (runId: string, seq: number): RunEvent => ({ runId, seq, ts: new Date(0).toISOString(), type: 'log', data: { level: 'info', message: `m${seq}` } });

describe('MemoryEventStore', () => {
  describe('#append', () => {
    it('keeps events per run in seq order', async () => {
      await using store = new MemoryEventStore();
      await store.append('a', event('a', 1));
      await store.append('b', event('b', 1));
      await store.append('a', event('a', 2));
      expect((await store.read('a')).map((e) => e.seq)).toEqual([1, 2]);
      expect(await store.lastSeq('a')).toBe(2);
      expect(await store.lastSeq('b')).toBe(1);
    });

    it('refuses a gap or a duplicate seq', async () => {
      await using store = new MemoryEventStore();
      await store.append('a', event('a', 1));
      await expect(store.append('a', event('a', 3))).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(store.append('a', event('a', 1))).rejects.toMatchObject({ code: 'INTERNAL' });
    });
  });

  describe('#read', () => {
    it('returns exactly the events after afterSeq', async () => {
      await using store = new MemoryEventStore();
      for (let seq = 1; seq <= 5; seq++) await store.append('a', event('a', seq));
      expect((await store.read('a', 3)).map((e) => e.seq)).toEqual([4, 5]);
      expect(await store.read('a', 5)).toEqual([]);
      expect(await store.read('unknown')).toEqual([]);
      expect(await store.lastSeq('unknown')).toBe(0);
    });
  });

  describe('#close', () => {
    it('refuses use after close with DAEMON_CLOSED and is idempotent', async () => {
      const store = new MemoryEventStore();
      await store.close();
      await store.close();
      await expect(store.append('a', event('a', 1))).rejects.toMatchObject({ code: 'DAEMON_CLOSED' });
      await expect(store.read('a')).rejects.toMatchObject({ code: 'DAEMON_CLOSED' });
    });
  });
});
