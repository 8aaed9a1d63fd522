// `aiws run --workflow name@range`: the real CLI runs a shipped store workflow on a real daemon whose
// store is the repository's workflows/ (verified with the development key). The inputs fail before
// any network call, so the failure paths are exercised without leaving 127.0.0.1.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/client/index.ts';
import { startDaemon, type StartedDaemon } from '../../helpers/daemon.ts';
import { runCli } from '../../helpers/run-cli.ts';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const transfer = { fromAccount: 'ACC1001', toAccount: 'ACC2002', amountCents: 2500, currency: 'EUR', idempotencyKey: 'tx-cli-0001' };

let daemon: StartedDaemon;

beforeAll(async () => {
  daemon = await startDaemon({
    config: { store: { dir: join(root, 'workflows'), trustedKeys: [join(root, 'keys', 'dev', 'aiws-signing.pub.pem')], watch: false } },
  });
});

afterAll(async () => {
  await daemon?.[Symbol.asyncDispose]();
});

describe('aiws run --workflow', () => {
  it('runs the stored version and exits 1 with the workflow\'s declared error code', async () => {
    const result = await runCli(['run', '--workflow', 'bank-transfer@^1', '--input', JSON.stringify({ ...transfer, amountCents: -2500 }), '--json', '--url', daemon.url]);
    expect(result.code).toBe(1);
    const events = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as RunEvent);
    const accepted = events[0];
    expect(accepted?.type).toBe('run.accepted');
    expect(accepted?.type === 'run.accepted' && accepted.data.workflow).toMatchObject({ name: 'bank-transfer', version: '1.0.0' });
    const last = events.at(-1);
    expect(last?.type).toBe('run.failed');
    expect(last?.type === 'run.failed' && last.data.error).toMatchObject({ code: 'WORKFLOW_ERROR', details: { workflowCode: 'AMOUNT_INVALID' } });
  });

  it('names the declared error code next to WORKFLOW_ERROR in its plain output', async () => {
    const result = await runCli(['run', '--workflow', 'bank-transfer', '--input', JSON.stringify({ ...transfer, toAccount: 'ACC1001' }), '--url', daemon.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed after .*: WORKFLOW_ERROR \(SAME_ACCOUNT\): /);
    expect(result.stderr).toContain('bank-transfer@1.0.0/main.js');
  });

  it('exits 1 with INPUT_INVALID when the input does not match the workflow\'s schema', async () => {
    const result = await runCli(['run', '--workflow', 'bank-transfer@^1', '--input', JSON.stringify({ ...transfer, amountCents: '2500' }), '--url', daemon.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('INPUT_INVALID');
    expect(result.stdout).toBe('');
  });

  it('exits 1 with the daemon\'s reason for a version that does not exist', async () => {
    const result = await runCli(['run', '--workflow', 'bank-transfer@^9', '--url', daemon.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/aiws run: cannot start run: .*bank-transfer/);
  });

  describe('usage errors (exit 2)', () => {
    it('refuses a file together with --workflow', async () => {
      const result = await runCli(['run', 'examples/hello.js', '--workflow', 'bank-transfer@^1', '--url', daemon.url]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('give either a workflow file or --workflow, not both');
    });

    it('refuses neither a file nor --workflow', async () => {
      const result = await runCli(['run', '--url', daemon.url]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--workflow NAME@RANGE');
    });

    it('refuses --capabilities with --workflow', async () => {
      const result = await runCli(['run', '--workflow', 'bank-transfer@^1', '--capabilities', 'http.fetch', '--url', daemon.url]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--capabilities applies to a workflow file only');
    });
  });
});
