import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { KvStore, kvNamespaceFor } from '../../../src/capabilities/index.ts';
import { tempDir } from './support/test-context.ts';

async function openStore(dataDir?: string, maxValueBytes?: number): Promise<KvStore> {
  const store = new KvStore({ dataDir: dataDir ?? (await tempDir()), ...(maxValueBytes === undefined ? {} : { maxValueBytes }) });
  return store;
}

describe('KvStore', () => {
  describe('#put and #get', () => {
    it('stores JSON values per namespace', async () => {
      await using store = await openStore();
      expect(store.put('workflow:a', 'k', { n: 1, list: [true, null, 'x'] })).toEqual({ created: true });
      expect(store.put('workflow:a', 'k', { n: 2 })).toEqual({ created: false });
      expect(store.get('workflow:a', 'k')).toEqual({ found: true, value: { n: 2 } });
      expect(store.get('workflow:b', 'k')).toEqual({ found: false, value: null });
      store.put('workflow:a', 'null', null);
      expect(store.get('workflow:a', 'null')).toEqual({ found: true, value: null });
    });

    it('survives closing and reopening the file', async () => {
      const dataDir = await tempDir();
      const first = await openStore(dataDir);
      first.put('workflow:a', 'durable', 'yes');
      first.close();
      await using second = await openStore(dataDir);
      expect(second.get('workflow:a', 'durable')).toEqual({ found: true, value: 'yes' });
    });

    it('uses WAL mode', async () => {
      const dataDir = await tempDir();
      await using store = await openStore(dataDir);
      store.put('n', 'k', 1);
      const db = new DatabaseSync(join(dataDir, 'kv.sqlite'), { readOnly: true });
      try {
        expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      } finally {
        db.close();
      }
    });

    it('refuses a value over the cap with CAPABILITY_ARGS_TOO_LARGE and keeps the old one', async () => {
      await using store = await openStore(undefined, 32);
      store.put('n', 'k', 'small');
      expect(() => store.put('n', 'k', 'x'.repeat(40))).toThrow(expect.objectContaining({ code: 'CAPABILITY_ARGS_TOO_LARGE' }));
      expect(store.get('n', 'k').value).toBe('small');
    });
  });

  describe('#delete', () => {
    it('reports whether a key was removed', async () => {
      await using store = await openStore();
      store.put('n', 'k', 1);
      expect(store.delete('n', 'k')).toEqual({ deleted: true });
      expect(store.delete('n', 'k')).toEqual({ deleted: false });
      expect(store.get('n', 'k').found).toBe(false);
    });
  });

  describe('#list', () => {
    it('pages through keys with a prefix, sorted, within one namespace', async () => {
      await using store = await openStore();
      for (const key of ['user:3', 'user:1', 'user:2', 'user_x', 'order:1', 'user:%', 'user:_']) store.put('n', key, 0);
      store.put('other', 'user:9', 0);
      const first = store.list('n', { prefix: 'user:', limit: 2 });
      expect(first).toEqual({ keys: ['user:%', 'user:1'], next: 'user:1' });
      const second = store.list('n', { prefix: 'user:', limit: 2, after: first.next ?? '' });
      expect(second).toEqual({ keys: ['user:2', 'user:3'], next: 'user:3' });
      expect(store.list('n', { prefix: 'user:', limit: 2, after: 'user:3' })).toEqual({ keys: ['user:_'], next: null });
      expect(store.list('n').keys).toHaveLength(7);
      expect(store.list('empty')).toEqual({ keys: [], next: null });
    });
  });

  describe('#close', () => {
    it('is idempotent and makes later calls throw DAEMON_CLOSED', async () => {
      const store = await openStore();
      store.close();
      store.close();
      expect(store.open).toBe(false);
      expect(() => store.get('n', 'k')).toThrow(expect.objectContaining({ code: 'DAEMON_CLOSED' }));
    });
  });

  describe('constructor', () => {
    it('throws CONFIG_INVALID when the file is not a database', async () => {
      const dataDir = await tempDir();
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dataDir, 'kv.sqlite'), 'this is not sqlite, not at all, definitely not a database header');
      expect(() => new KvStore({ dataDir })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    });
  });
});

describe('kvNamespaceFor', () => {
  it('namespaces store workflows by name and ad-hoc code by principal', () => {
    expect(kvNamespaceFor({ workflow: { name: 'billing', version: '2.0.0', adhoc: false }, principal: { id: 'alice' } })).toBe('workflow:billing');
    expect(kvNamespaceFor({ workflow: { name: 'billing', version: '1.0.0', adhoc: false }, principal: { id: 'bob' } })).toBe('workflow:billing');
    expect(kvNamespaceFor({ workflow: { name: 'adhoc', version: null, adhoc: true }, principal: { id: 'alice' } })).toBe('adhoc:alice');
  });
});
