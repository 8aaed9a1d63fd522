// Worker processes and the isolate pool through createSandbox: a killed worker fails only its own
// runs with SANDBOX_CRASHED and is replaced; warm isolates are reused, recycled after N runs and
// never reused after a limit; close() and destroy() leave no process behind.
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { DaemonError } from '../../../src/errors/index.ts';
import { createSandbox, type Sandbox, type SandboxOptions, type SandboxOutcome } from '../../../src/sandbox/index.ts';
import { failureOf, outputOf, runWorkflow, testLimits } from './harness.ts';

const trivial = 'export default async (input) => input;';
const hanging = 'export default async function () { await new Promise(() => {}); }';

async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const sandbox = await createSandbox({ warmMemoryMb: testLimits.memoryMb, ...options });
  onTestFinished(() => sandbox.destroy('test finished'));
  return sandbox;
}

/** Starts a run and resolves once the guest is about to be called. */
function startRun(sandbox: Sandbox, code: string, wallMs: number): { started: Promise<void>; outcome: Promise<SandboxOutcome> } {
  let onStarted!: () => void;
  const started = new Promise<void>((resolve) => {
    onStarted = resolve;
  });
  const outcome = sandbox.run(
    { runId: `run-${Math.random()}`, code, filename: 'hang.js', input: null, limits: { ...testLimits, wallMs, cpuMs: wallMs } },
    { onStarted, onLog: () => undefined, onCall: async () => null },
  );
  return { started, outcome };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Sandbox workers', () => {
  describe('#status', () => {
    it('reports workers, their pids and the warm isolates', async () => {
      const sandbox = await startSandbox({ workers: 2, warmIsolates: 2 });
      const status = sandbox.status();
      expect(status.workers).toBe(2);
      expect(new Set(status.workerPids).size).toBe(2);
      expect(status.workerPids).not.toContain(process.pid);
      expect(status.activeRuns).toBe(0);
      expect(status.workerRestarts).toBe(0);
      await vi.waitFor(() => expect(sandbox.status().idleIsolates).toBe(4));
    });

    it('counts active runs', async () => {
      const sandbox = await startSandbox({ warmIsolates: 0 });
      const run = startRun(sandbox, hanging, 5000);
      await run.started;
      expect(sandbox.status().activeRuns).toBe(1);
      await sandbox.destroy('done');
      await run.outcome;
      expect(sandbox.status().activeRuns).toBe(0);
    });
  });

  describe('crash', () => {
    it('fails the runs of a killed worker with SANDBOX_CRASHED, restarts it and serves the next run', async () => {
      const sandbox = await startSandbox({ warmIsolates: 1 });
      const [pid] = sandbox.status().workerPids;
      const run = startRun(sandbox, hanging, 10_000);
      await run.started;
      process.kill(pid as number, 'SIGKILL');
      const error = failureOf(await run.outcome);
      expect(error.code).toBe('SANDBOX_CRASHED');
      expect(error.message).toContain(String(pid));
      expect(outputOf((await runWorkflow(sandbox, trivial, { input: 'after crash' })).outcome)).toBe('after crash');
      const status = sandbox.status();
      expect(status.workerRestarts).toBe(1);
      expect(status.workers).toBe(1);
      expect(status.workerPids).not.toContain(pid);
    });

    it('fails only the runs of the worker that died', async () => {
      const sandbox = await startSandbox({ workers: 2, warmIsolates: 1 });
      const runs = [startRun(sandbox, hanging, 1500), startRun(sandbox, hanging, 1500)];
      await Promise.all(runs.map((run) => run.started));
      process.kill(sandbox.status().workerPids[0] as number, 'SIGKILL');
      const codes = (await Promise.all(runs.map((run) => run.outcome))).map((outcome) => failureOf(outcome).code).sort();
      expect(codes).toEqual(['LIMIT_WALL', 'SANDBOX_CRASHED']);
    });
  });

  describe('isolate pool', () => {
    it('serves runs from warm isolates and recycles each after recycleAfterRuns runs', async () => {
      const sandbox = await startSandbox({ warmIsolates: 1, recycleAfterRuns: 3 });
      await vi.waitFor(() => expect(sandbox.status().idleIsolates).toBe(1));
      const stats = [];
      for (let i = 0; i < 7; i++) stats.push((await runWorkflow(sandbox, trivial, { input: i })).outcome.stats);
      expect(stats.map((entry) => entry.isolateRuns)).toEqual([1, 2, 3, 1, 2, 3, 1]);
      expect(stats.every((entry) => entry.warm)).toBe(true);
    });

    it('creates an isolate per run when the warm pool is off', async () => {
      const sandbox = await startSandbox({ warmIsolates: 0 });
      const stats = [];
      for (let i = 0; i < 3; i++) stats.push((await runWorkflow(sandbox, trivial, { input: i })).outcome.stats);
      expect(stats.map((entry) => [entry.warm, entry.isolateRuns])).toEqual([[false, 1], [false, 1], [false, 1]]);
      expect(sandbox.status().idleIsolates).toBe(0);
    });

    it('never reuses an isolate that hit a limit or was cancelled', async () => {
      const sandbox = await startSandbox({ warmIsolates: 1, recycleAfterRuns: 100 });
      await vi.waitFor(() => expect(sandbox.status().idleIsolates).toBe(1));
      expect((await runWorkflow(sandbox, trivial)).outcome.stats.isolateRuns).toBe(1);
      expect((await runWorkflow(sandbox, trivial)).outcome.stats.isolateRuns).toBe(2);
      const limited = await runWorkflow(sandbox, 'export default async () => { for (;;) {} }', { limits: { cpuMs: 100 } });
      expect(failureOf(limited.outcome).code).toBe('LIMIT_CPU');
      expect(limited.outcome.stats.isolateRuns).toBe(3);
      expect((await runWorkflow(sandbox, trivial)).outcome.stats.isolateRuns).toBe(1);
      const controller = new AbortController();
      const cancelled = runWorkflow(sandbox, hanging, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      expect((await cancelled).outcome.status).toBe('cancelled');
      expect((await runWorkflow(sandbox, trivial)).outcome.stats.isolateRuns).toBe(1);
    });

    it('gives a run asking for another memory limit its own isolate', async () => {
      const sandbox = await startSandbox({ warmIsolates: 1 });
      const { outcome } = await runWorkflow(sandbox, 'export default async () => { const a = []; for (;;) a.push(new Array(1000).fill(1)); }', { limits: { memoryMb: 16, cpuMs: 5000, wallMs: 10_000 } });
      expect(failureOf(outcome)).toMatchObject({ code: 'LIMIT_MEMORY', message: expect.stringContaining('16 MiB') });
    });
  });

  describe('#close', () => {
    it('waits for active runs, then stops the workers and refuses new runs', async () => {
      const sandbox = await startSandbox({ warmIsolates: 1 });
      const [pid] = sandbox.status().workerPids;
      const running = runWorkflow(sandbox, 'export default async (input, ctx) => ctx.call("slow", null);', {
        onCall: () => new Promise((resolve) => setTimeout(() => resolve('finished'), 100)),
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      await sandbox.close();
      expect(outputOf((await running).outcome)).toBe('finished');
      expect(isAlive(pid as number)).toBe(false);
      await expect(sandbox.run({ runId: 'late', code: trivial, filename: 'late.js', input: null, limits: testLimits }, { onLog: () => undefined, onCall: async () => null }))
        .rejects.toSatisfy((error: unknown) => error instanceof DaemonError && error.code === 'DAEMON_CLOSED');
      await sandbox.close();
    });
  });

  describe('#destroy', () => {
    it('kills the workers at once and fails running runs with SANDBOX_CRASHED', async () => {
      const sandbox = await startSandbox({ workers: 2, warmIsolates: 1 });
      const pids = sandbox.status().workerPids;
      const run = startRun(sandbox, hanging, 10_000);
      await run.started;
      await sandbox.destroy('test');
      expect(failureOf(await run.outcome).code).toBe('SANDBOX_CRASHED');
      expect(pids.filter(isAlive)).toEqual([]);
      await sandbox.destroy('again');
    });
  });
});
