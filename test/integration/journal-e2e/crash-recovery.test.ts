// Crash recovery end to end: the real daemon (started through the CLI) is killed with SIGKILL while
// runs are logging; the next daemon on the same data directory serves every event a client had seen,
// marks the runs that were in flight interrupted with a final run.interrupted event, and the chains
// verify with `aiws audit verify --all`.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { workflow, type WireEvent } from '../../helpers/daemon.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { startOn, tempDir } from './journal-daemon.ts';

const looping = workflow(`
  for (let i = 0; ; i++) {
    ctx.log('tick ' + i, { i });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
`);

const quick = workflow(`ctx.log('hello'); return { sum: input.a + input.b };`);

describe('journal end to end', () => {
  describe('kill -9 of the daemon', () => {
    it('loses no event a client saw, marks in-flight runs interrupted, and keeps every chain intact', async () => {
      const dataDir = await tempDir();
      const first = await startOn(dataDir);
      const client = await first.connect();
      const done = await client.request<{ runId: string }>('runs.start', { code: quick, input: { a: 2, b: 3 } });
      await client.settled(done.runId);
      const loops = [
        await client.request<{ runId: string }>('runs.start', { code: looping }),
        await client.request<{ runId: string }>('runs.start', { code: looping }),
      ].map((r) => r.runId);
      await client.waitFor(() => (loops.every((runId) => client.eventsOf(runId).length >= 25) ? true : undefined));
      first.process.kill('SIGKILL');
      const seen = new Map<string, WireEvent[]>([done.runId, ...loops].map((runId) => [runId, [...client.eventsOf(runId)]]));
      expect((await first.exited).signal).toBe('SIGKILL');

      const second = await startOn(dataDir);
      const reader = await second.connect();
      for (const runId of loops) {
        const subscribed = await reader.request<{ status: string; lastSeq: number }>('runs.subscribe', { runId, afterSeq: 0 });
        expect(subscribed.status).toBe('interrupted');
        const history = await reader.waitFor(() => {
          const events = reader.eventsOf(runId);
          return events.length === subscribed.lastSeq ? events : undefined;
        });
        expect(history.map((e) => e.seq)).toEqual(Array.from({ length: subscribed.lastSeq }, (_, i) => i + 1));
        const before = seen.get(runId) ?? [];
        expect(before.length).toBeGreaterThanOrEqual(25);
        // Every event the first client received is served again, byte for byte.
        expect(history.slice(0, before.length)).toEqual(before);
        expect(history[history.length - 1]).toMatchObject({ type: 'run.interrupted', data: { reason: expect.stringContaining('daemon stopped') as unknown } });
        expect(history.filter((e) => e.type === 'run.interrupted')).toHaveLength(1);
        expect(await reader.request('runs.get', { runId })).toMatchObject({ runId, status: 'interrupted', principal: 'local', lastSeq: subscribed.lastSeq });
      }
      const finished = await reader.request<{ status: string; output: unknown; lastSeq: number }>('runs.get', { runId: done.runId });
      expect(finished).toMatchObject({ status: 'completed', output: { sum: 5 }, lastSeq: seen.get(done.runId)?.length });
      // Resuming after a seq gets exactly the rest.
      await reader.request('runs.subscribe', { runId: done.runId, afterSeq: 2 });
      const rest = await reader.waitFor(() => (reader.eventsOf(done.runId).some((e) => e.type === 'run.completed') ? reader.eventsOf(done.runId) : undefined));
      expect(rest).toEqual(seen.get(done.runId)?.slice(2));
      const listed = await reader.request<{ runs: { runId: string; status: string }[] }>('runs.list', {});
      expect(listed.runs.map((r) => [r.runId, r.status]).sort()).toEqual([[done.runId, 'completed'], ...loops.map((id) => [id, 'interrupted'])].sort());
      expect(await reader.request<{ runs: Record<string, number> }>('daemon.status')).toMatchObject({ runs: { interrupted: 2, completed: 1 } });

      // An interrupted run replays as far as its record goes; the finished one replays completely.
      expect(await reader.request('runs.replay', { runId: loops[0] })).toMatchObject({ result: 'identical', complete: false, logs: reader.eventsOf(loops[0] as string).filter((e) => e.type === 'log').length });
      expect(await reader.request('runs.replay', { runId: done.runId })).toMatchObject({ result: 'identical', complete: true, logs: 1 });

      const audit = await runCli(['audit', 'verify', '--all', '--url', second.url]);
      expect(audit.stdout).toContain('ok: 3 run(s)');
      expect(audit.code).toBe(0);
    });

    it('keeps each run owned by its principal across the restart: others see, verify, export and replay nothing of it', async () => {
      const sha = (token: string): string => createHash('sha256').update(token).digest('hex');
      const scopes = ['runs:start', 'runs:adhoc', 'runs:read'];
      const auth = { auth: { tokens: [{ sha256: sha('alice-token'), principal: 'alice', scopes }, { sha256: sha('bob-token'), principal: 'bob', scopes }] } };
      const dataDir = await tempDir();
      const first = await startOn(dataDir, auth);
      const alice = await first.connect({ token: 'alice-token' });
      const { runId } = await alice.request<{ runId: string }>('runs.start', { code: quick, input: { a: 1, b: 1 } });
      await alice.settled(runId);
      const { runId: inflight } = await alice.request<{ runId: string }>('runs.start', { code: looping });
      await alice.waitFor(() => (alice.eventsOf(inflight).length >= 5 ? true : undefined));
      first.process.kill('SIGKILL');
      await first.exited;

      const second = await startOn(dataDir, auth);
      const bob = await second.connect({ token: 'bob-token' });
      for (const [method, params] of [['runs.get', { runId }], ['runs.subscribe', { runId, afterSeq: 0 }], ['audit.verify', { runId }], ['audit.export', { runId }], ['runs.replay', { runId }]] as const) {
        expect((await bob.call(method, params)).error?.data.code, method).toBe('RUN_NOT_FOUND');
      }
      expect(await bob.request('runs.list', {})).toEqual({ runs: [] });
      expect(await bob.request('audit.verify', { all: true })).toMatchObject({ ok: true, runs: 0 });
      const again = await second.connect({ token: 'alice-token' });
      expect(await again.request('runs.get', { runId: inflight })).toMatchObject({ principal: 'alice', status: 'interrupted' });
      expect(await again.request('audit.verify', { all: true })).toMatchObject({ ok: true, runs: 2 });
      expect(await again.request('runs.replay', { runId })).toMatchObject({ result: 'identical' });
    });
  });
});
