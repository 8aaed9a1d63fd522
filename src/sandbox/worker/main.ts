/**
 * Sandbox worker process entry: hosts the isolates so that a V8 crash or a catastrophic OOM in guest
 * code ends only this process (the daemon restarts it and fails its runs with SANDBOX_CRASHED).
 *
 * Forked by src/sandbox/host/worker-handle.ts with `--no-node-snapshot` (isolated-vm needs it on
 * Node ≥ 20) and `--max-old-space-size`; talks to the daemon only over the IPC channel (protocol.ts)
 * and exits when that channel closes. One watchdog timer polices every active run (CPU, wall clock,
 * memory) and backs the isolates' memory limits with a cap on the process RSS.
 */
import { randomBytes } from 'node:crypto';
import { loadGuestSources } from './guest-modules.ts';
import { GuestRun } from './guest-run.ts';
import { IsolatePool } from './isolate-pool.ts';
import type { FromWorker, RunMessage, ToWorker, WorkerOptions } from './protocol.ts';

const watchdogIntervalMs = 5;
const rssIntervalMs = 20;
/** How long an outcome may wait for its isolate to return to the pool. */
const releaseWaitMs = 20;

const options = JSON.parse(process.argv[2] ?? '{}') as WorkerOptions;
const sources = loadGuestSources();
const runs = new Map<number, GuestRun>();
let shuttingDown = false;
let rssCheckRunning = false;
let retireRequested = false;

function send(message: FromWorker): void {
  if (process.connected) process.send?.(message);
}

const pool = new IsolatePool({
  warmIsolates: options.warmIsolates,
  recycleAfterRuns: options.recycleAfterRuns,
  warmMemoryMb: options.warmMemoryMb,
  sources,
  onCatastrophicError: (isolate, message) => {
    // Typically an allocation pattern that outran the heap limit (a Map grown to millions of keys):
    // the run that owns the isolate exceeded its memory; the others in this process will be reported
    // SANDBOX_CRASHED by the daemon when the process is gone.
    send({ type: 'fatal', message });
    const culprit = [...runs.values()].find((run) => run.isolate === isolate && !run.settled);
    if (culprit !== undefined) send({ type: 'settled', id: culprit.id, outcome: culprit.memoryOutcome() });
    process.abort();
  },
  onIdleChange: (idle) => send({ type: 'pool', idleIsolates: idle }),
});

function startRun(request: RunMessage): void {
  const startedAt = performance.now();
  let lease: ReturnType<IsolatePool['acquire']>;
  try {
    lease = pool.acquire(request.limits.memoryMb);
  } catch (error) {
    const message = `Cannot create an isolate with a memory limit of ${request.limits.memoryMb} MiB: ${error instanceof Error ? error.message : String(error)}`;
    send({ type: 'settled', id: request.id, outcome: { status: 'failed', error: { code: 'INTERNAL', message }, stats: { cpuMs: 0, wallMs: 0, warm: false } } });
    return;
  }
  const run = new GuestRun(request, lease, sources, {
    onStarted: (warm) => send({ type: 'started', id: request.id, warm }),
    onLog: (level, message, fieldsJson) => send({ type: 'log', id: request.id, level, message, fieldsJson }),
    onCall: (callId, name, argsJson) => send({ type: 'call', id: request.id, callId, name, argsJson }),
    onInternalError: (phase, message) => send({ type: 'diagnostic', level: 'error', message: 'sandbox run failed', fields: { id: request.id, runId: request.runId, phase, err: message } }),
  }, startedAt);
  runs.set(request.id, run);
  void run.execute().then(async (outcome) => {
    // Before the outcome, so the daemon sends no further run to a worker that is about to retire.
    maybeRetire();
    // Return the isolate first, so a run sent right after this outcome finds it warm; but never hold
    // the outcome hostage to guest work left running after it (the watchdog still polices that).
    const released = run.release(pool).then(() => {
      runs.delete(request.id);
      maybeRetire();
      if (shuttingDown && runs.size === 0) process.exit(0);
    });
    await Promise.race([released, new Promise((resolve) => setTimeout(resolve, releaseWaitMs))]);
    send({ type: 'settled', id: request.id, outcome });
  });
}

process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'run':
      if (!shuttingDown) startRun({
        ...message,
        seed: message.seed || randomBytes(16).toString('hex'),
        clockStartMs: Number.isSafeInteger(message.clockStartMs) ? message.clockStartMs : Date.now(),
        replay: message.replay === true,
      });
      return;
    case 'cancel':
      runs.get(message.id)?.cancel();
      return;
    case 'call-result': {
      const run = runs.get(message.id);
      if (message.ok) run?.deliver(message.callId, true, message.resultJson, '', '');
      else run?.deliver(message.callId, false, message.code, message.message, message.detailsJson);
      return;
    }
    case 'shutdown':
      shuttingDown = true;
      pool.close();
      if (runs.size === 0) process.exit(0);
      return;
  }
});

// The daemon is gone: nobody can receive results, so stop at once.
process.on('disconnect', () => process.exit(0));

setInterval(() => {
  const now = performance.now();
  for (const run of runs.values()) run.check(now);
}, watchdogIntervalMs);

// Backstop for memory the isolate limits do not see (see ../shared/ISOLATED-VM.md): when the process
// outgrows its base plus 4 × the active runs' limits, the run with the largest heap is stopped.
setInterval(() => {
  const active = [...runs.values()].filter((run) => !run.settled);
  if (active.length === 0 || rssCheckRunning) return;
  const rssMb = process.memoryUsage.rss() / (1024 * 1024);
  const capMb = options.rssBaseMb + active.reduce((sum, run) => sum + run.memoryMb * 4, 0);
  if (rssMb <= capMb) return;
  rssCheckRunning = true;
  void stopLargestRun(active, rssMb, capMb).finally(() => {
    rssCheckRunning = false;
  });
}, rssIntervalMs);

// Freed isolate memory is not always returned to the OS: a worker that stays above its base after a
// run asks the daemon to replace it once its runs are done, so the backstop above keeps its meaning.
function maybeRetire(): void {
  if (retireRequested) return;
  const rssMb = process.memoryUsage.rss() / (1024 * 1024);
  if (rssMb <= options.rssBaseMb) return;
  retireRequested = true;
  send({ type: 'retire', rssMb: Math.round(rssMb) });
}

async function stopLargestRun(active: GuestRun[], rssMb: number, capMb: number): Promise<void> {
  // A run busy in guest code cannot answer for its heap in time: presume it is at its limit.
  const sizes = await Promise.all(active.map(async (run) => {
    const presumed = run.memoryMb * 1024 * 1024;
    try {
      const stats = await Promise.race([
        run.isolate.getHeapStatistics(),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 25)),
      ]);
      return stats === undefined ? presumed : stats.used_heap_size + stats.externally_allocated_size;
    } catch {
      return 0;
    }
  }));
  let largest = 0;
  sizes.forEach((size, index) => {
    if (size > (sizes[largest] ?? 0)) largest = index;
  });
  const victim = active[largest];
  if (victim === undefined || victim.settled) return;
  send({ type: 'diagnostic', level: 'warn', message: 'worker rss over cap', fields: { rssMb: Math.round(rssMb), capMb: Math.round(capMb), id: victim.id } });
  victim.stopForMemory();
}

send({ type: 'ready', pid: process.pid });
