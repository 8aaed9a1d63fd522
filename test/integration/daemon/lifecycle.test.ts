/**
 * End-to-end: start-up refusals (config errors, non-loopback without tokens), graceful shutdown on
 * SIGTERM, a killed worker process, and a slow subscriber dropped with PROTO_SUBSCRIBER_OVERFLOW.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { connect, runServe, startDaemon, workflow, type TestClient } from '../../helpers/daemon.ts';

const never = workflow('await new Promise(() => {});');

/** Child pids of `pid`, from /proc (the sandbox's worker processes). */
async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

describe('aiws serve start-up', () => {
  it('exits 2 naming the file and every bad key path', async () => {
    const result = await runServe({ config: { port: 0, colour: 'red', limits: { cpuMs: 0, memoryMb: 'lots' }, sandbox: { workers: -1 } } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(result.configFile);
    for (const path of ['colour', 'limits.cpuMs', 'limits.memoryMb', 'sandbox.workers']) expect(result.stderr).toContain(`  - ${path}:`);
    expect(result.stderr).toContain('4 problems');
    expect(result.stdout).toBe('');
  });

  it('exits 2 for YAML that does not parse', async () => {
    const result = await runServe({ config: 'port: [1,\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/line \d+, column \d+/);
  });

  it('refuses a non-loopback host without tokens with exit 2', async () => {
    const result = await runServe({ args: ['--host', '0.0.0.0', '--port', '0'] });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('refusing to listen on non-loopback address "0.0.0.0" without auth tokens');
  });

  it('reports a bad AIWS_PORT with its source', async () => {
    const result = await runServe({ args: [], env: { AIWS_PORT: 'http' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('port (from AIWS_PORT): must be integer');
  });

  it('exits 1 when the port is taken, and creates dataDir when it starts', async () => {
    await using first = await startDaemon();
    expect(existsSync(join(first.dir, 'var'))).toBe(true);
    const second = await runServe({ args: ['--port', String(first.port)] });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('EADDRINUSE');
  });

  it('exits 2 for an unknown option', async () => {
    const result = await runServe({ args: ['--bogus'] });
    expect(result.code).toBe(2);
  });
});

describe('shutdown', () => {
  it('on SIGTERM lets a running run finish, refuses new runs, closes sockets with 1001 and exits 0', async () => {
    await using daemon = await startDaemon({ config: { shutdownGraceMs: 10_000 } });
    const client = await daemon.connect();
    const slow = workflow('let x = 0; for (let i = 0; i < 3e8; i++) x += i % 7; return x;');
    const { runId } = await client.request<{ runId: string }>('runs.start', { code: slow });
    await client.waitFor(() => client.eventsOf(runId).find((e) => e.type === 'run.started'));
    daemon.process.kill('SIGTERM');
    let refused: string | undefined;
    for (let i = 0; i < 50 && refused === undefined; i++) {
      const reply = await client.call('runs.start', { code: workflow('return 1;') });
      refused = reply.error?.data.code;
      if (refused === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    expect(refused).toBe('DAEMON_SHUTTING_DOWN');
    await expect(connect(daemon.url)).rejects.toMatchObject({ status: 503 });
    expect((await client.settled(runId)).type).toBe('run.completed');
    expect((await client.closed).code).toBe(1001);
    const exit = await daemon.exited;
    expect(exit.code).toBe(0);
  });

  it('cancels runs still going when the grace period expires', async () => {
    await using daemon = await startDaemon({ config: { shutdownGraceMs: 200 } });
    const client = await daemon.connect();
    const { runId } = await client.request<{ runId: string }>('runs.start', { code: never });
    await client.waitFor(() => client.eventsOf(runId).find((e) => e.type === 'run.started'));
    const exit = await daemon.stop('SIGTERM');
    expect(client.eventsOf(runId).at(-1)).toMatchObject({ type: 'run.cancelled', data: { reason: expect.stringContaining('shutting down') } });
    expect((await client.closed).code).toBe(1001);
    expect(exit.code).toBe(0);
  });
});

describe('sandbox worker crash', () => {
  it('fails the affected run with SANDBOX_CRASHED and keeps serving', async () => {
    await using daemon = await startDaemon();
    const client = await daemon.connect();
    const { runId } = await client.request<{ runId: string }>('runs.start', { code: never });
    await client.waitFor(() => client.eventsOf(runId).find((e) => e.type === 'run.started'));
    const before = await client.request<{ pool: { workerPids: number[] } }>('daemon.status');
    const pids = before.pool.workerPids;
    expect(pids.length).toBeGreaterThan(0);
    expect(await childPids(daemon.process.pid!)).toEqual(expect.arrayContaining(pids));
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    expect(await client.settled(runId)).toMatchObject({ type: 'run.failed', data: { error: { code: 'SANDBOX_CRASHED' } } });
    const next = await client.request<{ runId: string }>('runs.start', { code: workflow('return "alive";') });
    expect(await client.settled(next.runId)).toMatchObject({ type: 'run.completed', data: { output: 'alive' } });
    const status = await client.request<{ pool: { workerRestarts: number; workerPids: number[] } }>('daemon.status');
    expect(status.pool.workerRestarts).toBeGreaterThanOrEqual(1);
    expect(status.pool.workerPids.some((pid) => pids.includes(pid))).toBe(false);
  });
});

describe('slow subscriber', () => {
  it('drops a subscriber that stops reading with PROTO_SUBSCRIBER_OVERFLOW; it resumes with afterSeq', async () => {
    await using daemon = await startDaemon({ config: { limits: { subscriberBufferEvents: 8 } } });
    const slow = await daemon.connect();
    const watcher = await daemon.connect();
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    const noisy = workflow(`const line = 'z'.repeat(2000); for (let i = 0; i < 1500; i++) ctx.log(line); return 'ok';`);
    // Stop reading first, then submit: the slow client is auto-subscribed but reads nothing.
    socket.pause();
    onTestFinished(() => socket.resume());
    for (let i = 0; i < 6; i++) slow.send(JSON.stringify({ jsonrpc: '2.0', id: i + 1, method: 'runs.start', params: { code: noisy } }));
    let runIds: string[] = [];
    while (runIds.length < 6) {
      await new Promise((r) => setTimeout(r, 20));
      runIds = (await watcher.request<{ runs: { runId: string }[] }>('runs.list')).runs.map((r) => r.runId).reverse();
    }
    // The runs finish although their subscriber reads nothing.
    for (const runId of runIds) {
      let status = 'queued';
      while (status === 'queued' || status === 'running') {
        await new Promise((r) => setTimeout(r, 50));
        status = (await watcher.request<{ status: string }>('runs.get', { runId })).status;
      }
      expect(status).toBe('completed');
    }
    socket.resume();
    const closed = await slow.closed;
    expect(closed).toMatchObject({ code: 1013, reason: expect.stringContaining('PROTO_SUBSCRIBER_OVERFLOW') });
    expect(slow.events.length).toBeLessThan(6 * 1503);
    // The runs were never blocked; a new connection picks each up where the slow one stopped.
    const resumed: TestClient = await daemon.connect();
    for (const runId of runIds) {
      const seen = slow.eventsOf(runId).map((e) => e.seq);
      const last = seen.length === 0 ? 0 : Math.max(...seen);
      expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
      const sub = await resumed.request<{ lastSeq: number }>('runs.subscribe', { runId, afterSeq: last });
      expect(sub.lastSeq).toBe(1503);
      if (last < 1503) await resumed.settled(runId);
      const rest = resumed.eventsOf(runId).map((e) => e.seq);
      expect([...seen, ...rest]).toEqual(Array.from({ length: 1503 }, (_, i) => i + 1));
    }
  });
});
