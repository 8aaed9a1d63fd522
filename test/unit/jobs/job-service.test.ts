/**
 * JobService with the real sandbox (worker process + isolates, no sockets): subscription ordering
 * across history and live events, flow-controlled replay, scheduling and cancellation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../../src/log/index.ts';
import { createSandbox, type Sandbox } from '../../../src/sandbox/index.ts';
import { JobService, MemoryEventStore, type RunEventSink } from '../../../src/jobs/index.ts';
import type { RunEvent } from '../../../src/protocol/index.ts';

const viewer = { principal: 'p', admin: false };
const p = { id: 'p', scopes: ['runs:start', 'runs:adhoc'] };
const limits = { maxConcurrentRuns: 2, maxQueuedRuns: 1, memoryMb: 64, cpuMs: 5000, wallMs: 10_000, maxOutputBytes: 65_536 };
const logs = (n: number): string => `export default async function (input, ctx) { for (let i = 1; i <= ${n}; i++) { ctx.log('l' + i); if (i % 7 === 0) await Promise.resolve(); } return ${n}; }`;
const never = 'export default async function () { await new Promise(() => {}); }';

let sandbox: Sandbox;
let jobs: JobService;

beforeAll(async () => {
  sandbox = await createSandbox({ workers: 1, warmIsolates: 1 });
  jobs = new JobService({ limits, sandbox, events: new MemoryEventStore(), logger: createSilentLogger() });
});

afterAll(async () => {
  await jobs?.close();
  await sandbox?.close();
});

/** A sink recording events; `gate` closes it until `open()` is called. */
function recordingSink(gated = false): RunEventSink & { events: RunEvent[]; open(): void; done: Promise<void> } {
  const events: RunEvent[] = [];
  let writable = !gated;
  let wake: (() => void) | undefined;
  const finished = Promise.withResolvers<void>();
  return {
    events,
    done: finished.promise,
    write(event) {
      events.push(event);
      if (event.type === 'run.completed' || event.type === 'run.failed' || event.type === 'run.cancelled') finished.resolve();
    },
    get writable() {
      return writable;
    },
    drained: () => (writable ? Promise.resolve() : new Promise<void>((r) => (wake = r))),
    open() {
      writable = true;
      wake?.();
    },
  };
}

describe('JobService', () => {
  describe('#subscribe', () => {
    it('delivers nothing before start() and the whole history after', async () => {
      const { runId } = await jobs.start(p, { code: logs(10) });
      const first = recordingSink();
      jobs.subscribe(runId, viewer, 0, first).start();
      await first.done;
      const late = recordingSink();
      const subscription = jobs.subscribe(runId, viewer, 0, late);
      expect(subscription).toMatchObject({ status: 'completed', lastSeq: 13 });
      await new Promise((r) => setTimeout(r, 10));
      expect(late.events).toEqual([]);
      subscription.start();
      await late.done;
      expect(late.events).toEqual(first.events);
    });

    it('replays only while the sink is writable', async () => {
      const { runId } = await jobs.start(p, { code: logs(5) });
      const watcher = recordingSink();
      jobs.subscribe(runId, viewer, 0, watcher).start();
      await watcher.done;
      const gated = recordingSink(true);
      jobs.subscribe(runId, viewer, 2, gated).start();
      await new Promise((r) => setTimeout(r, 20));
      expect(gated.events).toEqual([]);
      gated.open();
      await gated.done;
      expect(gated.events.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8]);
    });

    it('gives subscribers joining a live run at any afterSeq every later seq exactly once', async () => {
      const { runId } = await jobs.start(p, { code: logs(300) });
      const subscribers: { afterSeq: number; sink: ReturnType<typeof recordingSink> }[] = [];
      for (let i = 0; i < 12; i++) {
        const afterSeq = (i * 17) % 200;
        const sink = recordingSink();
        jobs.subscribe(runId, viewer, afterSeq, sink).start();
        subscribers.push({ afterSeq, sink });
        await new Promise((r) => setImmediate(r));
      }
      for (const { afterSeq, sink } of subscribers) {
        await sink.done;
        expect(sink.events.map((e) => e.seq)).toEqual(Array.from({ length: 303 - afterSeq }, (_, i) => afterSeq + i + 1));
      }
    });

    it('stops delivery on close()', async () => {
      const { runId } = await jobs.start(p, { code: never, limits: { wallMs: 300 } });
      const sink = recordingSink();
      const subscription = jobs.subscribe(runId, viewer, 0, sink);
      subscription.start();
      const watcher = recordingSink();
      jobs.subscribe(runId, viewer, 0, watcher).start();
      await new Promise((r) => setTimeout(r, 50));
      subscription.close();
      await watcher.done;
      expect(sink.events.some((e) => e.type === 'run.failed')).toBe(false);
      expect(watcher.events.at(-1)).toMatchObject({ type: 'run.failed', data: { error: { code: 'LIMIT_WALL' } } });
    });

    it('hides another principal\'s run', async () => {
      const { runId } = await jobs.start(p, { code: logs(1) });
      expect(() => jobs.subscribe(runId, { principal: 'q', admin: false }, 0, recordingSink())).toThrow(expect.objectContaining({ code: 'RUN_NOT_FOUND' }));
      const admin = recordingSink();
      jobs.subscribe(runId, { principal: 'q', admin: true }, 0, admin).start();
      await admin.done;
      expect(jobs.get(runId, { principal: 'q', admin: true }).principal).toBe('p');
    });
  });

  describe('#start', () => {
    it('queues, refuses beyond the queue with DAEMON_BUSY, and cancels queued and running runs', async () => {
      const a = await jobs.start(p, { code: never });
      const b = await jobs.start(p, { code: never });
      const c = await jobs.start(p, { code: never });
      expect(c.status).toBe('queued');
      await expect(jobs.start(p, { code: never })).rejects.toMatchObject({ code: 'DAEMON_BUSY' });
      expect((await jobs.cancel(c.runId, viewer)).status).toBe('cancelled');
      expect((await jobs.cancel(a.runId, viewer)).status).toBe('cancelled');
      expect((await jobs.cancel(b.runId, viewer)).status).toBe('cancelled');
      await expect(jobs.cancel(b.runId, viewer)).rejects.toMatchObject({ code: 'RUN_NOT_CANCELLABLE' });
    });

    it('refuses limits above the configured maximum', async () => {
      await expect(jobs.start(p, { code: never, limits: { memoryMb: 65, cpuMs: 10 } })).rejects.toMatchObject({
        code: 'LIMIT_EXCEEDS_MAXIMUM',
        details: { limits: { memoryMb: { requested: 65, maximum: 64 } } },
      });
    });
  });
});
