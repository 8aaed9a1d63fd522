// `aiws audit verify --file`: the command module run in a real Node 24 process against exports
// written by a real journal, plus its command-line errors (the daemon forms: journal-e2e/audit.test.ts).
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { appendRun, openJournal, tempDir } from './journal-fixture.ts';

const commandModule = new URL('../../../src/cli/commands/audit.ts', import.meta.url).href;

async function runAudit(args: readonly string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `const m = await import(${JSON.stringify(commandModule)}); try { process.exitCode = await m.default(JSON.parse(process.argv[1])); } catch (e) { process.stderr.write(e.name + ': ' + e.message + '\\n'); process.exitCode = 2; }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'pipe'], cwd: fileURLToPath(new URL('../../..', import.meta.url)) });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(stdin ?? '');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

async function exportFile(): Promise<{ dir: string; text: string; path: string }> {
  const dir = await tempDir();
  const journal = await openJournal(join(dir, 'journal'));
  await journal.append('r1', { runId: 'r1', seq: 1, ts: new Date().toISOString(), type: 'run.accepted', data: { principal: 'alice', source: 'code', policyRevision: 'rev-3' } });
  await appendRun(journal, 'other', 2);
  for (let seq = 2; seq <= 4; seq++) await journal.append('r1', { runId: 'r1', seq, ts: new Date().toISOString(), type: 'log', data: { level: 'info', message: `line ${seq}` } });
  let text = '';
  for await (const line of journal.exportRun('r1')) text += line;
  const path = join(dir, 'run.jsonl');
  await writeFile(path, text);
  return { dir, text, path };
}

describe('aiws audit', () => {
  describe('verify --file', () => {
    it('reports an intact export with its policy revision and exits 0', async () => {
      const { path } = await exportFile();
      const result = await runAudit(['verify', '--file', path]);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain('ok: run "r1", 4 events, chain intact');
      expect(result.stdout).toContain('policy revision: rev-3');
      expect(result.stdout).toContain('workflow digest: (not recorded)');
    });

    it('reads stdin with "-" and prints JSON with --json', async () => {
      const { text } = await exportFile();
      const result = await runAudit(['verify', '--file', '-', '--json'], text);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, runId: 'r1', count: 4 });
    });

    it('names the tampered event and exits 1', async () => {
      const { dir, text } = await exportFile();
      const path = join(dir, 'tampered.jsonl');
      await writeFile(path, text.replace('line 3', 'line 9'));
      const result = await runAudit(['verify', '--file', path]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^FAILED at event 3 \(line 4\): event 3 was altered/);
    });

    it('exits 1 for a missing file and 2 for a bad command line', async () => {
      const dir = await tempDir();
      expect(await runAudit(['verify', '--file', join(dir, 'nope.jsonl')])).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot read') as unknown });
      expect(await runAudit(['verify'])).toMatchObject({ code: 2, stderr: expect.stringContaining('UsageError') as unknown });
      expect(await runAudit(['verify', 'r1', '--all'])).toMatchObject({ code: 2, stderr: expect.stringContaining('UsageError') as unknown });
      expect(await runAudit(['verify', 'r1', '--file', join(dir, 'x.jsonl')])).toMatchObject({ code: 2 });
      expect(await runAudit(['export'])).toMatchObject({ code: 2 });
      expect(await runAudit(['frobnicate'])).toMatchObject({ code: 2 });
      // Through a daemon that is not there: a clear failure (1), not a usage error.
      expect(await runAudit(['verify', 'r1', '--url', 'ws://127.0.0.1:9/v1'])).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot connect') as unknown });
    });
  });
});
