import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFsDelete, createFsList, createFsRead, createFsWrite } from '../../../../src/capabilities/index.ts';
import { createTestContext, tempDir } from '../support/test-context.ts';

const read = createFsRead({ maxReadBytes: 64 });
const write = createFsWrite({ maxWriteBytes: 64 });
const list = createFsList({ maxListEntries: 3 });
const remove = createFsDelete();

/** A workspace plus a sibling directory holding a file the guest must never reach. */
async function setup() {
  const base = await tempDir();
  const workspaceDir = join(base, 'ws');
  const outside = join(base, 'outside');
  await mkdir(workspaceDir);
  await mkdir(outside);
  await writeFile(join(outside, 'secret.txt'), 'host secret');
  const ctx = await createTestContext({ workspaceDir });
  return { ctx, workspaceDir, outside };
}

describe('fs capabilities', () => {
  describe('fs.write and fs.read', () => {
    it('round-trips text and base64, creating parent directories', async () => {
      const { ctx, workspaceDir } = await setup();
      expect(await write.execute({ path: 'notes/today/a.txt', content: 'héllo' }, ctx)).toEqual({ bytes: 6 });
      expect(await readFile(join(workspaceDir, 'notes/today/a.txt'), 'utf8')).toBe('héllo');
      expect(await read.execute({ path: './notes//today/a.txt' }, ctx)).toEqual({ content: 'héllo', bytes: 6 });
      await write.execute({ path: 'bin', content: Buffer.from([0, 255, 1]).toString('base64'), encoding: 'base64' }, ctx);
      expect(await read.execute({ path: 'bin', encoding: 'base64' }, ctx)).toEqual({ content: 'AP8B', bytes: 3 });
    });

    it('replaces an existing file', async () => {
      const { ctx } = await setup();
      await write.execute({ path: 'a.txt', content: 'first version' }, ctx);
      await write.execute({ path: 'a.txt', content: 'second' }, ctx);
      expect((await read.execute({ path: 'a.txt' }, ctx)).content).toBe('second');
    });

    it('follows a symlink that stays inside the workspace', async () => {
      const { ctx, workspaceDir } = await setup();
      await mkdir(join(workspaceDir, 'real'));
      await writeFile(join(workspaceDir, 'real', 'f.txt'), 'inside');
      await symlink(join(workspaceDir, 'real'), join(workspaceDir, 'alias'));
      expect((await read.execute({ path: 'alias/f.txt' }, ctx)).content).toBe('inside');
    });

    it('refuses content over the cap with CAPABILITY_ARGS_TOO_LARGE', async () => {
      const { ctx } = await setup();
      await expect(write.execute({ path: 'big', content: 'x'.repeat(65) }, ctx)).rejects.toMatchObject({ code: 'CAPABILITY_ARGS_TOO_LARGE', details: { limitBytes: 64 } });
    });

    it('refuses a file over the read cap with CAPABILITY_RESULT_TOO_LARGE', async () => {
      const { ctx, workspaceDir } = await setup();
      await writeFile(join(workspaceDir, 'big'), 'y'.repeat(65));
      await expect(read.execute({ path: 'big' }, ctx)).rejects.toMatchObject({ code: 'CAPABILITY_RESULT_TOO_LARGE' });
    });

    it('reports a missing file as FS_NOT_FOUND and a directory as FS_WRONG_TYPE', async () => {
      const { ctx, workspaceDir } = await setup();
      await mkdir(join(workspaceDir, 'dir'));
      await expect(read.execute({ path: 'nope.txt' }, ctx)).rejects.toMatchObject({ code: 'FS_NOT_FOUND', message: 'Cannot read "nope.txt": no such file or directory' });
      await expect(read.execute({ path: 'dir' }, ctx)).rejects.toMatchObject({ code: 'FS_WRONG_TYPE' });
      await expect(write.execute({ path: 'dir', content: '' }, ctx)).rejects.toMatchObject({ code: 'FS_WRONG_TYPE' });
    });
  });

  describe('confinement', () => {
    it.each([
      ['../outside/secret.txt', /".." segments are refused/],
      ['a/../../outside/secret.txt', /".." segments are refused/],
      ['a/..', /".." segments are refused/],
      ['/etc/passwd', /absolute paths are refused/],
      ['a\0b', /NUL bytes are refused/],
      ['..\\outside\\secret.txt', /backslashes are refused/],
      ['', /names the workspace itself/],
    ])('refuses %j on read and write with FS_PATH_DENIED', async (path, message) => {
      const { ctx, outside } = await setup();
      await expect(read.execute({ path }, ctx)).rejects.toMatchObject({ code: 'FS_PATH_DENIED', message: expect.stringMatching(message) });
      await expect(write.execute({ path, content: 'pwned' }, ctx)).rejects.toMatchObject({ code: 'FS_PATH_DENIED' });
      expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('host secret');
    });

    it('refuses a file symlink pointing outside', async () => {
      const { ctx, workspaceDir, outside } = await setup();
      await symlink(join(outside, 'secret.txt'), join(workspaceDir, 'link.txt'));
      await expect(read.execute({ path: 'link.txt' }, ctx)).rejects.toMatchObject({ code: 'FS_PATH_DENIED' });
      await expect(write.execute({ path: 'link.txt', content: 'pwned' }, ctx)).rejects.toMatchObject({ code: 'FS_PATH_DENIED' });
      expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('host secret');
    });

    it('refuses a directory symlink pointing outside, without creating anything there', async () => {
      const { ctx, workspaceDir, outside } = await setup();
      await symlink(outside, join(workspaceDir, 'escape'));
      await expect(read.execute({ path: 'escape/secret.txt' }, ctx)).rejects.toMatchObject({ code: 'FS_PATH_DENIED' });
      await expect(write.execute({ path: 'escape/new/file.txt', content: 'pwned' }, ctx)).rejects.toMatchObject({ code: 'FS_PATH_DENIED' });
      await expect(list.execute({ path: 'escape' }, ctx)).rejects.toMatchObject({ code: 'FS_PATH_DENIED' });
      await expect(remove.execute({ path: 'escape/secret.txt' }, ctx)).rejects.toMatchObject({ code: 'FS_PATH_DENIED' });
      await expect(readFile(join(outside, 'new', 'file.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('host secret');
    });

    it('treats a dangling symlink as leading outside', async () => {
      const { ctx, workspaceDir, outside } = await setup();
      await symlink(join(outside, 'not-yet'), join(workspaceDir, 'dangling'));
      await expect(read.execute({ path: 'dangling' }, ctx)).rejects.toMatchObject({ code: 'FS_PATH_DENIED' });
      await expect(write.execute({ path: 'dangling', content: 'pwned' }, ctx)).rejects.toMatchObject({ code: 'FS_PATH_DENIED' });
      await expect(readFile(join(outside, 'not-yet'))).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('never names the host path in its messages', async () => {
      const { ctx, workspaceDir } = await setup();
      const error = await read.execute({ path: 'missing/x' }, ctx).catch((caught: unknown) => caught);
      expect(JSON.stringify(error) + String(error)).not.toContain(workspaceDir);
    });
  });

  describe('fs.list', () => {
    it('lists the workspace sorted, with types and sizes, capped', async () => {
      const { ctx, workspaceDir, outside } = await setup();
      await write.execute({ path: 'b.txt', content: 'bb' }, ctx);
      await write.execute({ path: 'a/inner.txt', content: '' }, ctx);
      await symlink(outside, join(workspaceDir, 'c-link'));
      expect(await list.execute({}, ctx)).toEqual({
        entries: [
          { name: 'a', type: 'directory' },
          { name: 'b.txt', type: 'file', bytes: 2 },
          { name: 'c-link', type: 'symlink' },
        ],
        truncated: false,
      });
      await write.execute({ path: 'd', content: '' }, ctx);
      expect((await list.execute({ path: '' }, ctx)).truncated).toBe(true);
      expect(await list.execute({ path: 'a' }, ctx)).toEqual({ entries: [{ name: 'inner.txt', type: 'file', bytes: 0 }], truncated: false });
    });

    it('refuses a file with FS_WRONG_TYPE and a missing path with FS_NOT_FOUND', async () => {
      const { ctx } = await setup();
      await write.execute({ path: 'f', content: '' }, ctx);
      await expect(list.execute({ path: 'f' }, ctx)).rejects.toMatchObject({ code: 'FS_WRONG_TYPE' });
      await expect(list.execute({ path: 'nope' }, ctx)).rejects.toMatchObject({ code: 'FS_NOT_FOUND' });
    });
  });

  describe('fs.delete', () => {
    it('deletes files and empty directories, and answers false for missing paths', async () => {
      const { ctx, workspaceDir } = await setup();
      await write.execute({ path: 'd/f.txt', content: 'x' }, ctx);
      await expect(remove.execute({ path: 'd' }, ctx)).rejects.toMatchObject({ code: 'FS_WRONG_TYPE' });
      expect(await remove.execute({ path: 'd/f.txt' }, ctx)).toEqual({ deleted: true });
      expect(await remove.execute({ path: 'd/f.txt' }, ctx)).toEqual({ deleted: false });
      expect(await remove.execute({ path: 'nope/f.txt' }, ctx)).toEqual({ deleted: false });
      expect(await remove.execute({ path: 'd' }, ctx)).toEqual({ deleted: true });
      await expect(readFile(join(workspaceDir, 'd'))).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('deletes a directory recursively, removing symlinks but not their targets', async () => {
      const { ctx, workspaceDir, outside } = await setup();
      await write.execute({ path: 'tree/sub/f.txt', content: 'x' }, ctx);
      await symlink(outside, join(workspaceDir, 'tree', 'escape'));
      expect(await remove.execute({ path: 'tree', recursive: true }, ctx)).toEqual({ deleted: true });
      expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('host secret');
    });

    it('deletes a symlink pointing outside, not its target', async () => {
      const { ctx, workspaceDir, outside } = await setup();
      await symlink(join(outside, 'secret.txt'), join(workspaceDir, 'link'));
      expect(await remove.execute({ path: 'link' }, ctx)).toEqual({ deleted: true });
      expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('host secret');
    });

    it('refuses traversal', async () => {
      const { ctx } = await setup();
      await expect(remove.execute({ path: '../outside/secret.txt' }, ctx)).rejects.toMatchObject({ code: 'FS_PATH_DENIED' });
      await expect(remove.execute({ path: '/tmp' }, ctx)).rejects.toMatchObject({ code: 'FS_PATH_DENIED' });
    });
  });
});
