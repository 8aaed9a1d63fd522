import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { computeContentDigest, listWorkflowFiles } from '../../../src/store/index.ts';
import { makeTempDir } from '../../helpers/workflow-fixture.ts';

async function tree(files: Record<string, string>): Promise<string> {
  const { dir, cleanup } = await makeTempDir();
  onTestFinished(cleanup);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

describe('computeContentDigest', () => {
  it('is the same for the same files written in another order', async () => {
    const a = await tree({ 'main.js': 'x', 'workflow.yaml': 'y', 'tests/a.yaml': 'z' });
    const b = await tree({ 'tests/a.yaml': 'z', 'workflow.yaml': 'y', 'main.js': 'x' });
    expect(await computeContentDigest(a)).toBe(await computeContentDigest(b));
    expect(await computeContentDigest(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('changes when a byte, a path or the file set changes', async () => {
    const base = await computeContentDigest(await tree({ 'main.js': 'x', 'workflow.yaml': 'y' }));
    expect(await computeContentDigest(await tree({ 'main.js': 'X', 'workflow.yaml': 'y' }))).not.toBe(base);
    expect(await computeContentDigest(await tree({ 'main2.js': 'x', 'workflow.yaml': 'y' }))).not.toBe(base);
    expect(await computeContentDigest(await tree({ 'main.js': 'x', 'workflow.yaml': 'y', 'extra.txt': '' }))).not.toBe(base);
  });

  it('does not let content move between files unnoticed', async () => {
    expect(await computeContentDigest(await tree({ a: 'bc', b: '' }))).not.toBe(await computeContentDigest(await tree({ a: 'b', b: 'c' })));
  });

  it('ignores attestation.json', async () => {
    const without = await computeContentDigest(await tree({ 'main.js': 'x' }));
    const dir = await tree({ 'main.js': 'x', 'attestation.json': '{"anything":1}' });
    expect(await computeContentDigest(dir)).toBe(without);
    expect(await listWorkflowFiles(dir)).toEqual(['main.js']);
  });
});
