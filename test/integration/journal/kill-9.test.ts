// Crash safety with a real process kill: a child appends to several runs in a loop and prints each
// acknowledged (fsynced) seq; we SIGKILL it mid-way, reopen the journal, and check that every
// acknowledged event is there, every chain verifies, and the in-flight runs can be marked interrupted.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { capturingLogger, openJournal, tempDir } from './journal-fixture.ts';

const script = fileURLToPath(new URL('./fixtures/append-loop.ts', import.meta.url));

/** Runs the child until it has acknowledged `ackTarget` appends, kills it, returns the highest acked seq per run. */
async function appendUntilKilled(dir: string, ackTarget: number): Promise<Map<string, number>> {
  const child = spawn(process.execPath, [script, dir, '6', '300'], { stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const acked = new Map<string, number>();
  let stderr = '';
  let rest = '';
  let count = 0;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'close' fires after the child exited and its pipes drained: every line it wrote has been read.
  const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    rest += chunk;
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const [runId, seq] = line.split(' ');
      if (runId === undefined || seq === undefined) continue;
      acked.set(runId, Math.max(acked.get(runId) ?? 0, Number(seq)));
      if (++count === ackTarget) child.kill('SIGKILL');
    }
  });
  const signal = await closed;
  expect(signal, `child exited without being killed: ${stderr}`).toBe('SIGKILL');
  return acked;
}

describe('FileJournal', () => {
  describe('kill -9', () => {
    it('keeps every acknowledged append of a killed writer, with intact chains', async () => {
      const dir = await tempDir();
      const acked = await appendUntilKilled(dir, 400);
      expect(acked.size).toBe(6);

      const { log, lines } = capturingLogger();
      const journal = await openJournal(dir, { log });
      for (const [runId, seq] of acked) {
        expect(await journal.lastSeq(runId), runId).toBeGreaterThanOrEqual(seq);
        const events = await journal.read(runId);
        expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
      }
      const verification = await journal.verifyJournal();
      expect(verification).toMatchObject({ ok: true, runs: 6, failures: [] });
      expect(lines().filter((line) => (line.level as number) >= 50)).toEqual([]);

      const open = await journal.openRuns();
      expect(open.map((run) => run.runId).sort()).toEqual([...acked.keys()].sort());
      for (const run of open) {
        const record = await journal.markInterrupted(run.runId, 'daemon restarted');
        expect(record.seq).toBe(run.lastSeq + 1);
      }
      expect(await journal.openRuns()).toEqual([]);
      expect(await journal.verifyJournal()).toMatchObject({ ok: true, runs: 6 });
    });
  });
});
