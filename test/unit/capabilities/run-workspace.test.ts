import { access, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFsWrite, RunWorkspace } from '../../../src/capabilities/index.ts';
import { createTestContext, tempDir } from './support/test-context.ts';

describe('RunWorkspace', () => {
  describe('.create', () => {
    it('makes an empty directory named after the run that fs.* can use', async () => {
      const rootDir = join(await tempDir(), 'workspaces');
      await using workspace = await RunWorkspace.create({ rootDir, runId: 'run_01' });
      expect(workspace.dir).toMatch(/workspaces\/run_01$/);
      expect(await readdir(workspace.dir)).toEqual([]);
      await createFsWrite().execute({ path: 'out/a.txt', content: 'x' }, await createTestContext({ workspaceDir: workspace.dir }));
      expect(await readdir(join(workspace.dir, 'out'))).toEqual(['a.txt']);
    });

    it('refuses an unsafe run id and an existing directory', async () => {
      const rootDir = await tempDir();
      await expect(RunWorkspace.create({ rootDir, runId: '../escape' })).rejects.toMatchObject({ code: 'INTERNAL' });
      await using _first = await RunWorkspace.create({ rootDir, runId: 'r1' });
      await expect(RunWorkspace.create({ rootDir, runId: 'r1' })).rejects.toMatchObject({ code: 'INTERNAL', message: /EEXIST/ });
    });
  });

  describe('#close', () => {
    it('removes the directory once, without following symlinks out of it', async () => {
      const base = await tempDir();
      const outside = join(base, 'outside');
      await createFsWrite().execute({ path: 'keep.txt', content: 'host file' }, await createTestContext({ workspaceDir: outside }));
      const workspace = await RunWorkspace.create({ rootDir: join(base, 'ws'), runId: 'r2' });
      await symlink(outside, join(workspace.dir, 'link'));
      await Promise.all([workspace.close(), workspace.close()]);
      await expect(access(workspace.dir)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(access(join(outside, 'keep.txt'))).resolves.toBeUndefined();
    });

    it('keeps the directory when asked to', async () => {
      const workspace = await RunWorkspace.create({ rootDir: await tempDir(), runId: 'r3', keep: true });
      await workspace.close();
      await expect(access(workspace.dir)).resolves.toBeUndefined();
    });
  });
});
