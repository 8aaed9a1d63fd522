// Audit end to end through the real CLI: one flipped byte of a stored event (daemon stopped) is
// reported by `aiws audit verify` at exactly that seq, also for a run's very last event; an export
// verifies offline and names the workflow digest and policy revision; a torn final write is
// truncated on start and logged.
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeDigest } from '../../../src/journal/index.ts';
import { workflow } from '../../helpers/daemon.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { segments, startOn, tamperByte, tempDir } from './journal-daemon.ts';

const threeLogs = workflow(`for (const n of [1, 2, 3]) ctx.log('line ' + n); return { ok: true };`);

async function finishedRun(client: Awaited<ReturnType<Awaited<ReturnType<typeof startOn>>['connect']>>, code = threeLogs): Promise<{ runId: string; lastSeq: number }> {
  const { runId } = await client.request<{ runId: string }>('runs.start', { code });
  const terminal = await client.settled(runId);
  return { runId, lastSeq: terminal.seq };
}

describe('journal end to end', () => {
  describe('aiws audit verify', () => {
    it('reports one flipped byte of a stored event at that seq, for a middle and for the very last event', async () => {
      const dataDir = await tempDir();
      const first = await startOn(dataDir);
      const client = await first.connect();
      const middle = await finishedRun(client);
      const last = await finishedRun(client);
      const intact = await finishedRun(client);
      expect(middle.lastSeq).toBe(6);
      await first.stop();

      await tamperByte(dataDir, middle.runId, 4);
      await tamperByte(dataDir, last.runId, last.lastSeq);
      const second = await startOn(dataDir);
      const one = await runCli(['audit', 'verify', middle.runId, '--url', second.url]);
      expect(one.code).toBe(1);
      expect(one.stdout).toMatch(new RegExp(`FAILED run "${middle.runId}" at event 4: `));
      const final = await runCli(['audit', 'verify', last.runId, '--url', second.url]);
      expect(final.code).toBe(1);
      expect(final.stdout).toContain(`FAILED run "${last.runId}" at event ${last.lastSeq}: `);
      const all = await runCli(['audit', 'verify', '--all', '--url', second.url, '--json']);
      expect(all.code).toBe(1);
      const report = JSON.parse(all.stdout) as { ok: boolean; runs: number; failures: { runId: string; seq: number }[] };
      expect(report.failures.map((f) => [f.runId, f.seq]).sort()).toEqual([[middle.runId, 4], [last.runId, last.lastSeq]].sort());
      const ok = await runCli(['audit', 'verify', intact.runId, '--url', second.url]);
      expect(ok).toMatchObject({ code: 0, stdout: 'ok: 1 run(s), 6 events, every chain intact\n' });

      // No damaged event is served: the tampered run shows its intact prefix only.
      const reader = await second.connect();
      const subscribed = await reader.request<{ lastSeq: number; status: string }>('runs.subscribe', { runId: middle.runId, afterSeq: 0 });
      expect(subscribed).toMatchObject({ lastSeq: 3, status: 'interrupted' });
      await reader.waitFor(() => (reader.eventsOf(middle.runId).length === 3 ? true : undefined));
      const exported = await runCli(['audit', 'export', middle.runId, '--url', second.url]);
      expect(exported.code).toBe(1);
      expect(exported.stderr).toContain('JOURNAL_CORRUPT');
    });
  });

  describe('aiws audit export', () => {
    it('writes JSON lines that verify offline with the workflow digest and policy revision', async () => {
      const dataDir = await tempDir();
      const daemon = await startOn(dataDir);
      const client = await daemon.connect();
      const { runId } = await finishedRun(client);
      const exported = await runCli(['audit', 'export', runId, '--url', daemon.url]);
      expect(exported).toMatchObject({ code: 0, stderr: '' });
      const lines = exported.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toHaveLength(7);
      expect(lines[0]).toMatchObject({ format: 'aiws.journal.export', runId, eventCount: 6, workflowDigest: codeDigest(threeLogs), policyRevision: expect.any(String) as unknown });
      expect(lines[1]).toMatchObject({ seq: 1, type: 'run.accepted', data: { principal: 'local', codeDigest: codeDigest(threeLogs), code: { kind: 'adhoc', digest: codeDigest(threeLogs) } } });
      expect(lines[2]).toMatchObject({ seq: 2, type: 'run.started', data: { seed: expect.any(String) as unknown, clockStartMs: expect.any(Number) as unknown } });
      const file = join(dataDir, 'run.jsonl');
      await writeFile(file, exported.stdout);
      await daemon.stop();
      const offline = await runCli(['audit', 'verify', '--file', file]);
      expect(offline.code).toBe(0);
      expect(offline.stdout).toContain(`ok: run "${runId}", 6 events, chain intact`);
      expect(offline.stdout).toContain(`workflow digest: ${codeDigest(threeLogs)}`);
      // The source that ran is in the code store under its digest.
      expect((await stat(join(dataDir, 'code', `${codeDigest(threeLogs).slice('sha256:'.length)}.js`))).isFile()).toBe(true);

      const edited = exported.stdout.replace('line 2', 'line 9');
      await writeFile(file, edited);
      const broken = await runCli(['audit', 'verify', '--file', file]);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toMatch(/^FAILED at event 4 /);
    });
  });

  describe('torn writes', () => {
    it('truncates half a record appended to the newest segment while the daemon was stopped, and logs it', async () => {
      const dataDir = await tempDir();
      const first = await startOn(dataDir);
      const client = await first.connect();
      const { runId } = await finishedRun(client);
      await first.stop();
      const newest = (await segments(dataDir)).at(-1) as string;
      const intactBytes = (await stat(newest)).size;
      const record = Buffer.from(JSON.stringify({ runId, seq: 7, ts: new Date().toISOString(), type: 'log', data: { level: 'info', message: 'never finished' }, prev: '0'.repeat(64), hash: '0'.repeat(64) }));
      const frame = Buffer.alloc(12 + record.length);
      frame.set([0xff, 0x41, 0x4a, 0x52]);
      frame.writeUInt32LE(record.length, 4);
      record.copy(frame, 12);
      await writeFile(newest, frame.subarray(0, 12 + Math.floor(record.length / 2)), { flag: 'a' });

      const second = await startOn(dataDir, { log: { level: 'warn' } });
      expect((await stat(newest)).size).toBe(intactBytes);
      const logged = second.stderr().split('\n').filter((line) => line.includes('journal torn tail truncated'));
      expect(logged).toHaveLength(1);
      expect(JSON.parse(logged[0] as string)).toMatchObject({ offset: intactBytes, droppedBytes: 12 + Math.floor(record.length / 2) });
      const verify = await runCli(['audit', 'verify', runId, '--url', second.url]);
      expect(verify).toMatchObject({ code: 0, stdout: 'ok: 1 run(s), 6 events, every chain intact\n' });
    });
  });
});
