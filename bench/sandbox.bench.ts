// Sandbox latency and throughput for a trivial workflow through createSandbox (no daemon, no
// sockets): one run at a time and 8 in flight, with the warm isolate pool on and off side by side.
// Then the virtual clock: a timer-heavy workflow in a replay (no real waiting) and live (real waits).
// latency = sandbox.run() called → outcome resolved. Measures only; never asserts.
import { createSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/index.ts';
import { median, p99 } from './bench-stats.ts';
import { printTable, ratio } from './bench-table.ts';

const runsPerCell = Math.min(Number(process.env.AIWS_BENCH_RUNS ?? 300) || 300, 5_000);
const warmupRuns = 30;
const concurrencies = [1, 8] as const;
const limits = { memoryMb: 64, cpuMs: 1000, wallMs: 5000, maxOutputBytes: 65_536 };
const trivialWorkflow = 'export default async function (input, ctx) { ctx.log("hi"); return { ok: true, n: input.n }; }';

interface Cell {
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly runsPerSecond: number;
  readonly warmShare: number;
  readonly failures: number;
}

export default async function sandboxBench(): Promise<void> {
  const warm = await measure({ warmIsolates: 2 });
  const cold = await measure({ warmIsolates: 0 });
  console.log(`trivial workflow; ${runsPerCell} runs per cell after ${warmupRuns} warm-up runs; 1 worker process; memoryMb ${limits.memoryMb}`);
  console.log('latency = sandbox.run() → outcome; ratio = no pool ÷ warm pool\n');
  const rows: string[][] = [['in flight', 'metric', 'warm pool (2)', 'no warm pool (0)', 'ratio']];
  for (const concurrency of concurrencies) {
    const w = warm.get(concurrency) as Cell;
    const c = cold.get(concurrency) as Cell;
    rows.push([String(concurrency), 'latency median', ms(w.medianMs), ms(c.medianMs), ratio(c.medianMs, w.medianMs)]);
    rows.push(['', 'latency p99', ms(w.p99Ms), ms(c.p99Ms), ratio(c.p99Ms, w.p99Ms)]);
    rows.push(['', 'runs/s', w.runsPerSecond.toFixed(0), c.runsPerSecond.toFixed(0), ratio(c.runsPerSecond, w.runsPerSecond)]);
    rows.push(['', 'runs on a warm isolate', percent(w.warmShare), percent(c.warmShare), '']);
    if (w.failures + c.failures > 0) rows.push(['', 'failed runs', String(w.failures), String(c.failures), '']);
  }
  printTable(rows);
  await timersBench();
}

/** Guest time vs real time for sequential timers, replayed and live. */
async function timersBench(): Promise<void> {
  const timerWorkflow = (count: number, delayMs: number): string =>
    `export default async function () { for (let i = 0; i < ${count}; i++) await new Promise((r) => setTimeout(r, ${delayMs})); return Date.now(); }`;
  const cases = [
    { label: 'replay: 1000 × setTimeout(1 s)', code: timerWorkflow(1000, 1000), replay: true },
    { label: 'live: 50 × setTimeout(2 ms)', code: timerWorkflow(50, 2), replay: false },
  ];
  const sandbox = await createSandbox({ warmIsolates: 1, warmMemoryMb: limits.memoryMb });
  const rows: string[][] = [['workflow', 'guest time', 'real time (median of 5)']];
  try {
    for (const { label, code, replay } of cases) {
      const realMs: number[] = [];
      let guestMs = Number.NaN;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const outcome = await sandbox.run(
          { runId: `bench-timers-${i}`, code, filename: 'timers.js', input: null, limits: { ...limits, wallMs: 10_000 }, clockStartMs: 0, replay },
          { onLog: () => undefined, onCall: async () => null },
        );
        realMs.push(performance.now() - t0);
        guestMs = outcome.status === 'completed' ? (outcome.output as number) : Number.NaN;
      }
      rows.push([label, `${guestMs} ms`, ms(median(realMs))]);
    }
  } finally {
    await sandbox.close();
  }
  console.log('\nvirtual clock: timers fire without waiting in a replay, after the real delay in a live run\n');
  printTable(rows);
}

async function measure(options: SandboxOptions): Promise<Map<number, Cell>> {
  const sandbox = await createSandbox({ ...options, warmMemoryMb: limits.memoryMb });
  try {
    await runMany(sandbox, warmupRuns, 1);
    const cells = new Map<number, Cell>();
    for (const concurrency of concurrencies) cells.set(concurrency, await runMany(sandbox, runsPerCell, concurrency));
    return cells;
  } finally {
    await sandbox.close();
  }
}

async function runMany(sandbox: Sandbox, total: number, concurrency: number): Promise<Cell> {
  const latencies: number[] = [];
  let warm = 0;
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < total) {
      const n = next++;
      const t0 = performance.now();
      const outcome = await sandbox.run(
        { runId: `bench-${n}`, code: trivialWorkflow, filename: 'bench.js', input: { n }, limits },
        { onLog: () => undefined, onCall: async () => null },
      );
      latencies.push(performance.now() - t0);
      if (outcome.status !== 'completed') failures += 1;
      if (outcome.stats.warm) warm += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsedMs = performance.now() - started;
  return {
    medianMs: median(latencies),
    p99Ms: p99(latencies),
    runsPerSecond: (total / elapsedMs) * 1000,
    warmShare: warm / total,
    failures,
  };
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}
