// ResultStore on a real temp directory: the whole JSON text of a capped capability result, kept
// write-once under the digest its capped event form names, refused when missing or altered.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { capEventValue, isCappedValue } from '../../../src/capabilities/index.ts';
import { ResultStore, blobDigest } from '../../../src/journal/index.ts';

async function store(): Promise<ResultStore> {
  const dir = await mkdtemp(join(tmpdir(), 'aiws-results-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return ResultStore.open({ dir: join(dir, 'results'), fsync: false });
}

describe('ResultStore', () => {
  describe('#put', () => {
    it('stores a result under the digest of its capped event form, once', async () => {
      const results = await store();
      const result = { status: 200, body: 'ü'.repeat(2000) };
      const capped = capEventValue(result, 1024);
      if (!isCappedValue(capped)) throw new Error('expected a capped value');
      const digest = await results.put(JSON.stringify(result));
      expect(digest).toBe(capped.$capped.sha256);
      await Promise.all([results.put(JSON.stringify(result)), results.put(JSON.stringify(result))]);
      expect(await readdir(results.dir)).toEqual([`${digest.slice(7)}.json`]);
      expect(JSON.parse(await results.get(digest))).toEqual(result);
    });
  });

  describe('#get', () => {
    it('refuses an unknown digest and an altered file with REPLAY_UNAVAILABLE', async () => {
      const results = await store();
      const digest = await results.put('{"body":"x"}');
      await expect(results.get(blobDigest('{}'))).rejects.toMatchObject({ code: 'REPLAY_UNAVAILABLE', message: expect.stringContaining('has no such result') as unknown });
      await writeFile(join(results.dir, `${digest.slice(7)}.json`), '{"body":"y"}');
      await expect(results.get(digest)).rejects.toMatchObject({ code: 'REPLAY_UNAVAILABLE', message: expect.stringContaining('the stored result was altered') as unknown });
    });
  });
});

describe('isCappedValue', () => {
  it('recognises only the stand-in capEventValue makes', () => {
    expect(isCappedValue(capEventValue({ body: 'x'.repeat(5000) }, 1024))).toBe(true);
    expect(isCappedValue(capEventValue({ body: 'x' }, 1024))).toBe(false);
    expect(isCappedValue({ $capped: { bytes: 10, sha256: blobDigest('a'), limitBytes: 1024 }, preview: '' })).toBe(false);
    expect(isCappedValue({ $capped: { bytes: 2000, sha256: blobDigest('a'), limitBytes: 1024 }, preview: '', extra: 1 })).toBe(false);
  });
});
