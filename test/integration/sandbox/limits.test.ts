// Run limits and cancellation through createSandbox: CPU, memory, wall clock, each failing with its
// code while the sandbox keeps serving; cancel settles `cancelled`. Real worker processes, real isolates.
import { describe, expect, it } from 'vitest';
import { failureOf, outputOf, runWorkflow, useSandbox } from './harness.ts';

const sandbox = useSandbox({ warmIsolates: 1 });

const trivial = 'export default async (input) => ({ ok: input });';

describe('Sandbox limits', () => {
  describe('cpu', () => {
    it('stops a tight loop with LIMIT_CPU while a concurrent run completes', async () => {
      const [looping, normal] = await Promise.all([
        runWorkflow(sandbox(), 'export default async function () { for (;;) {} }', { limits: { cpuMs: 200, wallMs: 5000 } }),
        runWorkflow(sandbox(), trivial, { input: 7 }),
      ]);
      const error = failureOf(looping.outcome);
      expect(error.code).toBe('LIMIT_CPU');
      expect(error.message).toContain('200 ms');
      expect(looping.outcome.stats.cpuMs).toBeGreaterThanOrEqual(200);
      expect(outputOf(normal.outcome)).toEqual({ ok: 7 });
    });

    it('stops an infinite loop that starts after an await', async () => {
      const { outcome } = await runWorkflow(sandbox(), `
        export default async function (input, ctx) {
          await ctx.call('tick', null);
          for (;;) {}
        }`, { limits: { cpuMs: 200, wallMs: 5000 }, onCall: async () => 'tock' });
      expect(failureOf(outcome).code).toBe('LIMIT_CPU');
    });

    it('stops a catastrophic regular expression after an await', async () => {
      const { outcome } = await runWorkflow(sandbox(), `
        export default async function () {
          await null;
          return /^(a+)+$/.test('a'.repeat(40) + 'b');
        }`, { limits: { cpuMs: 200, wallMs: 5000 } });
      expect(failureOf(outcome).code).toBe('LIMIT_CPU');
    });
  });

  describe('memory', () => {
    it('fails a growing array with LIMIT_MEMORY and keeps serving', async () => {
      const [bomb, normal] = await Promise.all([
        runWorkflow(sandbox(), 'export default async function () { const a = []; for (;;) a.push(new Array(1000).fill(1)); }', { limits: { cpuMs: 5000, wallMs: 10_000 } }),
        runWorkflow(sandbox(), trivial, { input: 'concurrent' }),
      ]);
      const error = failureOf(bomb.outcome);
      expect(error.code).toBe('LIMIT_MEMORY');
      expect(error.message).toContain('32 MiB');
      expect(outputOf(normal.outcome)).toEqual({ ok: 'concurrent' });
      expect(outputOf((await runWorkflow(sandbox(), trivial, { input: 'after' })).outcome)).toEqual({ ok: 'after' });
    });

    it('fails an ArrayBuffer over the limit with LIMIT_MEMORY', async () => {
      const { outcome } = await runWorkflow(sandbox(), 'export default async function () { return new Uint8Array(256 * 1024 * 1024).length; }');
      expect(failureOf(outcome).code).toBe('LIMIT_MEMORY');
    });

    it('fails a memory bomb in an async continuation with LIMIT_MEMORY', async () => {
      const { outcome } = await runWorkflow(sandbox(), `
        export default async function (input, ctx) {
          await ctx.call('tick', null);
          let s = 'x';
          const parts = [];
          for (;;) { parts.push(s + parts.length); s += s.length < 1e6 ? s : ''; }
        }`, { limits: { cpuMs: 5000, wallMs: 10_000 }, onCall: async () => null });
      expect(failureOf(outcome).code).toBe('LIMIT_MEMORY');
    });

    it('fails a Map grown to millions of keys with LIMIT_MEMORY even when V8 gives up on the isolate', async () => {
      const { outcome } = await runWorkflow(sandbox(), 'export default async function () { const m = new Map(); for (let i = 0; ; i++) m.set(i, i); }', { limits: { cpuMs: 10_000, wallMs: 20_000 } });
      expect(failureOf(outcome).code).toBe('LIMIT_MEMORY');
      expect(outputOf((await runWorkflow(sandbox(), trivial, { input: 'still serving' })).outcome)).toEqual({ ok: 'still serving' });
    });
  });

  describe('wall clock', () => {
    it('fails a promise that never resolves with LIMIT_WALL while a concurrent run completes', async () => {
      const [hanging, normal] = await Promise.all([
        runWorkflow(sandbox(), 'export default async function () { await new Promise(() => {}); }', { limits: { wallMs: 300 } }),
        runWorkflow(sandbox(), trivial, { input: 1 }),
      ]);
      const error = failureOf(hanging.outcome);
      expect(error.code).toBe('LIMIT_WALL');
      expect(error.message).toContain('300 ms');
      expect(hanging.outcome.stats.wallMs).toBeGreaterThanOrEqual(300);
      expect(outputOf(normal.outcome)).toEqual({ ok: 1 });
    });

    it('counts time spent awaiting a capability call', async () => {
      const { outcome } = await runWorkflow(sandbox(), 'export default async (input, ctx) => ctx.call("slow", null);', {
        limits: { wallMs: 200 },
        onCall: () => new Promise((resolve) => setTimeout(() => resolve('late'), 1000)),
      });
      expect(failureOf(outcome).code).toBe('LIMIT_WALL');
    });

    it('fails a top-level await that never settles with LIMIT_WALL', async () => {
      const { outcome, started } = await runWorkflow(sandbox(), 'await new Promise(() => {});\nexport default async () => 1;', { limits: { wallMs: 200 } });
      expect(failureOf(outcome).code).toBe('LIMIT_WALL');
      expect(started).toBe(true);
    });
  });

  describe('cancel', () => {
    it('settles a running tight loop as cancelled soon after the signal aborts', async () => {
      const controller = new AbortController();
      const running = runWorkflow(sandbox(), 'export default async function () { for (;;) {} }', { signal: controller.signal, limits: { cpuMs: 20_000, wallMs: 20_000 } });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const abortedAt = performance.now();
      controller.abort();
      const { outcome } = await running;
      expect(outcome.status).toBe('cancelled');
      // A generous bound: the contract is 100 ms; this only guards against waiting for a limit.
      expect(performance.now() - abortedAt).toBeLessThan(2000);
    });

    it('settles a run awaiting a call as cancelled and does not hand it the late result', async () => {
      const controller = new AbortController();
      const { outcome, calls } = await runWorkflow(sandbox(), 'export default async (input, ctx) => ctx.call("wait", null);', {
        signal: controller.signal,
        onCall: () => {
          controller.abort();
          return new Promise((resolve) => setTimeout(() => resolve('too late'), 50));
        },
      });
      expect(outcome.status).toBe('cancelled');
      expect(calls).toHaveLength(1);
    });

    it('returns cancelled at once for an already aborted signal', async () => {
      const { outcome, started } = await runWorkflow(sandbox(), trivial, { signal: AbortSignal.abort() });
      expect(outcome.status).toBe('cancelled');
      expect(started).toBe(false);
    });

    it('keeps serving after cancellations', async () => {
      expect(outputOf((await runWorkflow(sandbox(), trivial, { input: 'next' })).outcome)).toEqual({ ok: 'next' });
    });
  });
});
