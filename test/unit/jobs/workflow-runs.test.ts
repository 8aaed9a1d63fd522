/** WorkflowRuns: the store adapted for runs.start {workflow}, workflows.* and daemon.status. */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowRuns } from '../../../src/jobs/index.ts';
import { WorkflowStore } from '../../../src/store/index.ts';
import { makeTempDir, writeFixture } from '../../helpers/workflow-fixture.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function open(): Promise<{ runs: WorkflowRuns; dir: string }> {
  const { dir, cleanup } = await makeTempDir();
  cleanups.push(cleanup);
  await writeFixture(dir, { version: '1.0.0' });
  await writeFixture(dir, { version: '1.4.2', manifest: { limits: { memoryMb: 16, cpuMs: 200, wallMs: 900 } } });
  await mkdir(join(dir, 'broken', '1.0.0'), { recursive: true });
  await writeFile(join(dir, 'broken', '1.0.0', 'workflow.yaml'), 'name: broken\n');
  const store = await WorkflowStore.open({ dir, watch: false });
  cleanups.push(() => store.close());
  return { runs: new WorkflowRuns({ store, dir }), dir };
}

describe('WorkflowRuns', () => {
  describe('#prepare', () => {
    it('snapshots the highest matching version: code and its digest, filename, manifest limits, policy identity', async () => {
      const { runs } = await open();
      const prepared = runs.prepare('greeter@^1', { who: 'Ada' });
      expect(prepared).toMatchObject({ name: 'greeter', version: '1.4.2', verified: false, filename: 'greeter@1.4.2/main.js', limits: { memoryMb: 16, cpuMs: 200, wallMs: 900 } });
      expect(prepared.codeDigest).toBe(`sha256:${createHash('sha256').update(prepared.code).digest('hex')}`);
      expect(prepared.digest).not.toBe(prepared.codeDigest);
      expect(prepared.policyWorkflow).toEqual({ name: 'greeter', version: '1.4.2', digest: prepared.digest, verified: false, adhoc: false, declaredCapabilities: ['kv.get'], tags: ['example'] });
      expect(runs.prepare('greeter@~1.0', { who: 'Ada' }).version).toBe('1.0.0');
    });

    it('refuses an unknown workflow and an input that breaks the schema', async () => {
      const { runs } = await open();
      expect(() => runs.prepare('nobody@1', {})).toThrow(expect.objectContaining({ code: 'WORKFLOW_NOT_FOUND' }));
      expect(() => runs.prepare('greeter', { who: '' })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', details: { errors: [expect.objectContaining({ pointer: '/who' })] } }));
    });

    it('checks the output against the output schema', async () => {
      const { runs } = await open();
      const prepared = runs.prepare('greeter', { who: 'Ada' });
      expect(() => prepared.checkOutput({ text: 'Hello, Ada' })).not.toThrow();
      expect(() => prepared.checkOutput({ text: 1 })).toThrow(expect.objectContaining({ code: 'OUTPUT_INVALID', details: { errors: [expect.objectContaining({ pointer: '/text' })] } }));
    });
  });

  describe('#status', () => {
    it('counts workflows, versions and verified ones and lists problems', async () => {
      const { runs, dir } = await open();
      const status = runs.status();
      expect(status).toMatchObject({ dir, workflows: 1, versions: 2, verified: 0, generation: 1 });
      expect(status.problems).toHaveLength(1);
      expect(status.problems[0]!.dir).toBe(join(dir, 'broken', '1.0.0'));
    });
  });
});
