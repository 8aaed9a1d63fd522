// CodeStore on a real temp directory: content-addressed, write-once sources that a replay fetches by
// digest, refusing a digest it does not have and a file altered after it was written.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CodeStore, codeDigest } from '../../../src/journal/index.ts';

async function store(): Promise<CodeStore> {
  const dir = await mkdtemp(join(tmpdir(), 'aiws-code-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return CodeStore.open({ dir: join(dir, 'code') });
}

describe('CodeStore', () => {
  describe('#put', () => {
    it('stores a source once under sha256:<hex> of its UTF-8 bytes and returns the digest', async () => {
      const code = await store();
      const source = 'export default async () => "héllo";\n';
      const digest = await code.put(source);
      expect(digest).toBe(codeDigest(source));
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      await Promise.all([code.put(source), code.put(source)]);
      expect(await readdir(code.dir)).toEqual([`${digest.slice(7)}.js`]);
      expect(await code.get(digest)).toBe(source);
    });
  });

  describe('#get', () => {
    it('refuses an unknown digest, a malformed one and an altered file with REPLAY_UNAVAILABLE', async () => {
      const code = await store();
      const digest = await code.put('export default () => 1;');
      await expect(code.get(codeDigest('other'))).rejects.toMatchObject({ code: 'REPLAY_UNAVAILABLE' });
      await expect(code.get('md5:abc')).rejects.toMatchObject({ code: 'REPLAY_UNAVAILABLE' });
      await writeFile(join(code.dir, `${digest.slice(7)}.js`), 'export default () => 2;');
      await expect(code.get(digest)).rejects.toMatchObject({ code: 'REPLAY_UNAVAILABLE', message: expect.stringContaining('altered') as unknown });
    });
  });
});
