/**
 * End-to-end: runs through the real daemon (CLI, port 0, real ws clients, real isolates): the event
 * sequence, limits, subscriptions and resume, cancel, queue overflow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateRunEvent } from '../../../src/protocol/index.ts';
import { startDaemon, workflow, type StartedDaemon, type TestClient, type WireEvent } from '../../helpers/daemon.ts';

const never = workflow('await new Promise(() => {});');
const hello = workflow(`ctx.log('hello ' + input.name, { step: 1 }); return { greeting: 'Hello, ' + input.name };`);

let daemon: StartedDaemon;
let client: TestClient;

beforeAll(async () => {
  daemon = await startDaemon({ config: { limits: { maxConcurrentRuns: 4, maxQueuedRuns: 2, wallMs: 10_000, cpuMs: 5000, memoryMb: 128 } } });
  client = await daemon.connect();
});

afterAll(async () => {
  await daemon?.[Symbol.asyncDispose]();
});

function seqs(events: readonly WireEvent[]): number[] {
  return events.map((e) => e.seq);
}

describe('runs.start', () => {
  it('streams accepted, started, log and completed with gapless seqs to the submitter', async () => {
    const { runId } = await client.request<{ runId: string }>('runs.start', { code: hello, input: { name: 'Ada' } });
    expect(runId).toMatch(/^run_/);
    await client.settled(runId);
    const events = client.eventsOf(runId);
    expect(events.map((e) => e.type)).toEqual(['run.accepted', 'run.started', 'log', 'run.completed']);
    expect(seqs(events)).toEqual([1, 2, 3, 4]);
    for (const event of events) {
      expect(validateRunEvent(event), JSON.stringify(validateRunEvent.errors)).toBe(true);
      expect(new Date(event.ts).toISOString()).toBe(event.ts);
    }
    expect(events[2]!.data).toMatchObject({ level: 'info', message: 'hello Ada', fields: { step: 1 } });
    expect(events[3]!.data).toMatchObject({ output: { greeting: 'Hello, Ada' } });
    const info = await client.request('runs.get', { runId });
    expect(info).toMatchObject({ runId, status: 'completed', principal: 'local', lastSeq: 4, output: { greeting: 'Hello, Ada' } });
    expect(Date.parse(info.finishedAt as string)).toBeGreaterThanOrEqual(Date.parse(info.createdAt as string));
  });

  it('sends no events when subscribe is false', async () => {
    const other = await daemon.connect();
    const { runId } = await other.request<{ runId: string }>('runs.start', { code: hello, input: { name: 'B' }, subscribe: false });
    const sub = await client.request<{ status: string }>('runs.subscribe', { runId });
    await client.settled(runId);
    // A round trip after the run settled: any event sent to `other` would have arrived before the reply.
    await other.request('daemon.status');
    expect(other.eventsOf(runId)).toEqual([]);
    expect(sub.status).toMatch(/queued|running|completed/);
    await other.close();
  });

  it('fails a thrown error with WORKFLOW_ERROR and the guest message', async () => {
    const { runId } = await client.request<{ runId: string }>('runs.start', { code: workflow(`throw new Error('boom: ' + input);`), input: 'x' });
    const last = await client.settled(runId);
    expect(last).toMatchObject({ type: 'run.failed', data: { error: { code: 'WORKFLOW_ERROR', message: expect.stringContaining('boom: x') } } });
  });

  it('fails code that does not compile with WORKFLOW_INVALID', async () => {
    const { runId } = await client.request<{ runId: string }>('runs.start', { code: 'export default async function ( {', filename: 'broken.js' });
    const last = await client.settled(runId);
    expect(last).toMatchObject({ type: 'run.failed', data: { error: { code: 'WORKFLOW_INVALID', message: expect.stringContaining('broken.js') } } });
    expect((last.data.error as { details?: unknown }).details).toMatchObject({ line: 1, column: expect.any(Number) });
  });

  it('rejects a call to an unknown capability in the guest with CAPABILITY_UNKNOWN', async () => {
    const code = workflow(`try { await ctx.call('teleport.now', {}); return 'called'; } catch (e) { return e.code; }`);
    const { runId } = await client.request<{ runId: string }>('runs.start', { code });
    expect(await client.settled(runId)).toMatchObject({ type: 'run.completed', data: { output: 'CAPABILITY_UNKNOWN' } });
  });

  it('refuses a per-run limit above the configured maximum with LIMIT_EXCEEDS_MAXIMUM', async () => {
    const reply = await client.call('runs.start', { code: hello, limits: { wallMs: 60_000, cpuMs: 1 } });
    expect(reply.error?.data).toMatchObject({ code: 'LIMIT_EXCEEDS_MAXIMUM', details: { limits: { wallMs: { requested: 60_000, maximum: 10_000 } } } });
  });

  it('answers a workflow reference with WORKFLOW_NOT_FOUND until the store exists', async () => {
    const reply = await client.call('runs.start', { workflow: 'hello@^1' });
    expect(reply.error).toMatchObject({ code: -32004, data: { code: 'WORKFLOW_NOT_FOUND', retryable: false } });
  });
});

describe('limits', () => {
  it('fails a tight loop, a memory bomb and a never-resolving promise with their codes while a normal run completes', async () => {
    const runs = await Promise.all([
      client.request<{ runId: string }>('runs.start', { code: workflow('for (;;) {}'), limits: { cpuMs: 300 } }),
      client.request<{ runId: string }>('runs.start', { code: workflow('const a = []; for (;;) a.push(new Array(1e5).fill(a.length));'), limits: { memoryMb: 32 } }),
      client.request<{ runId: string }>('runs.start', { code: never, limits: { wallMs: 400 } }),
      client.request<{ runId: string }>('runs.start', { code: hello, input: { name: 'concurrent' } }),
    ]);
    const outcomes = await Promise.all(runs.map((r) => client.settled(r.runId)));
    expect(outcomes.map((e) => (e.type === 'run.failed' ? (e.data.error as { code: string }).code : e.type))).toEqual([
      'LIMIT_CPU',
      'LIMIT_MEMORY',
      'LIMIT_WALL',
      'run.completed',
    ]);
    expect(outcomes[3]!.data).toMatchObject({ output: { greeting: 'Hello, concurrent' } });
  });
});

describe('runs.subscribe', () => {
  const chatty = workflow(`for (let i = 1; i <= 40; i++) { ctx.log('line ' + i); if (i % 5 === 0) await Promise.resolve(); } return 'done';`);

  it('gives a second connection the whole history of a finished run', async () => {
    const { runId } = await client.request<{ runId: string }>('runs.start', { code: chatty });
    await client.settled(runId);
    const second = await daemon.connect();
    const sub = await second.request('runs.subscribe', { runId });
    expect(sub).toEqual({ runId, status: 'completed', lastSeq: 43 });
    await second.settled(runId);
    expect(second.eventsOf(runId)).toEqual(client.eventsOf(runId));
    await second.close();
  });

  it('resumes with afterSeq: exactly the events after n, no gaps, no duplicates, even while the run is live', async () => {
    const slow = workflow(`let x = 0; for (let i = 1; i <= 30; i++) { ctx.log('tick ' + i); for (let j = 0; j < 2e5; j++) x += j; await Promise.resolve(); } return x > 0;`);
    const { runId } = await client.request<{ runId: string }>('runs.start', { code: slow });
    await client.waitFor(() => client.eventsOf(runId).find((e) => e.seq >= 6));
    const resumed = await daemon.connect();
    const sub = await resumed.request<{ lastSeq: number }>('runs.subscribe', { runId, afterSeq: 5 });
    expect(sub.lastSeq).toBeGreaterThanOrEqual(5);
    await resumed.settled(runId);
    await client.settled(runId);
    const all = seqs(client.eventsOf(runId));
    expect(all).toEqual(Array.from({ length: 33 }, (_, i) => i + 1));
    expect(seqs(resumed.eventsOf(runId))).toEqual(all.slice(5));
    await resumed.close();
  });

  it('stops delivery after runs.unsubscribe', async () => {
    const other = await daemon.connect();
    const { runId } = await other.request<{ runId: string }>('runs.start', { code: never, limits: { wallMs: 500 } });
    await other.waitFor(() => other.eventsOf(runId).find((e) => e.type === 'run.started'));
    expect(await other.request('runs.unsubscribe', { runId })).toEqual({ runId, subscribed: false });
    await client.request('runs.subscribe', { runId });
    await client.settled(runId);
    await other.request('daemon.status');
    expect(other.eventsOf(runId).some((e) => e.type === 'run.failed')).toBe(false);
    await other.close();
  });

  it('answers an unknown run with RUN_NOT_FOUND', async () => {
    const reply = await client.call('runs.subscribe', { runId: 'run_nope' });
    expect(reply.error?.data.code).toBe('RUN_NOT_FOUND');
  });
});

describe('runs.cancel and scheduling', () => {
  it('cancels a running run promptly and refuses to cancel a finished one', async () => {
    const { runId } = await client.request<{ runId: string }>('runs.start', { code: never });
    await client.waitFor(() => client.eventsOf(runId).find((e) => e.type === 'run.started'));
    expect(await client.request('runs.cancel', { runId })).toEqual({ runId, status: 'cancelled' });
    expect((await client.settled(runId)).type).toBe('run.cancelled');
    const again = await client.call('runs.cancel', { runId });
    expect(again.error?.data).toMatchObject({ code: 'RUN_NOT_CANCELLABLE', details: { status: 'cancelled' } });
  });

  it('queues beyond maxConcurrentRuns, answers DAEMON_BUSY beyond maxQueuedRuns, and cancels queued runs', async () => {
    const running = await Promise.all(Array.from({ length: 4 }, () => client.request<{ runId: string }>('runs.start', { code: never })));
    const queued = await Promise.all(Array.from({ length: 2 }, () => client.request<{ runId: string }>('runs.start', { code: never })));
    const busy = await client.call('runs.start', { code: hello });
    const { runs } = await client.request<{ runs: { status: string; error?: { code: string } }[] }>('runs.list', { limit: 8 });
    const states = runs.map((r) => (r.error === undefined ? r.status : `${r.status} ${r.error.code}`)).join(', ');
    expect(busy.error, `newest runs: ${states}`).toMatchObject({ code: -32031, data: { code: 'DAEMON_BUSY', retryable: true } });
    expect(await client.request('runs.get', { runId: queued[0]!.runId })).toMatchObject({ status: 'queued', lastSeq: 1 });
    const status = await client.request<{ runs: Record<string, number> }>('daemon.status');
    expect(status.runs).toMatchObject({ running: 4, queued: 2 });
    const listed = await client.request<{ runs: { runId: string }[] }>('runs.list', { status: ['queued'] });
    expect(listed.runs.map((r) => r.runId).sort()).toEqual(queued.map((r) => r.runId).sort());

    expect(await client.request('runs.cancel', { runId: queued[1]!.runId })).toEqual({ runId: queued[1]!.runId, status: 'cancelled' });
    await client.settled(queued[1]!.runId);
    expect(client.eventsOf(queued[1]!.runId).map((e) => e.type)).toEqual(['run.accepted', 'run.cancelled']);
    for (const { runId } of [...running, queued[0]!]) await client.request('runs.cancel', { runId });
    const settled = await Promise.all([...running, queued[0]!].map((r) => client.settled(r.runId)));
    expect(settled.every((e) => e.type === 'run.cancelled')).toBe(true);
  });

  it('lists runs newest first with a limit', async () => {
    const { runs } = await client.request<{ runs: { runId: string; status: string; output?: unknown }[] }>('runs.list', { limit: 3 });
    expect(runs).toHaveLength(3);
    const { runs: completed } = await client.request<{ runs: { status: string; output?: unknown }[] }>('runs.list', { status: ['completed'] });
    expect(completed.length).toBeGreaterThan(0);
    expect(completed.every((r) => r.status === 'completed' && r.output === undefined)).toBe(true);
  });
});
