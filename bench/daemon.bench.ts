// Daemon throughput and latency for a trivial workflow: the real daemon started through `aiws serve`
// twice (warm isolate pool on, then off), driven over 1 and over 16 WebSocket connections. Prints one
// table: latency median and p99 (runs.start sent → run.completed received), runs/s, warm vs cold and
// their ratio, then the peak RSS (VmHWM) of the daemon and of its worker processes.
import { readdirSync, readFileSync } from 'node:fs';
import { AiwsClient } from '../src/client/index.ts';
import { configSchema } from '../src/config/index.ts';
import { startDaemon, type StartedDaemon } from '../test/helpers/daemon.ts';
import { median, p99 } from './bench-stats.ts';
import { printTable, ratio } from './bench-table.ts';

/** Measured runs per cell; AIWS_BENCH_RUNS overrides (kept bounded either way). */
const runsPerCell = Math.min(Number(process.env.AIWS_BENCH_RUNS ?? 200) || 200, 5_000);
const warmupRuns = 20;
const connectionCounts = [1, 16] as const;
const trivialWorkflow = 'export default async function (input) { return { ok: true, n: input.n }; }\n';

interface CellResult {
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly runsPerSecond: number;
  readonly failures: number;
  /** Share of runs whose run.completed said they ran on an already-warm isolate; NaN when the daemon does not say. */
  readonly warmShare: number;
}

interface VariantResult {
  readonly cells: Map<number, CellResult>;
  readonly daemonPeakKiB: number;
  readonly workerPeaksKiB: number[];
}

export default async function daemonBench(): Promise<void> {
  const warm = await measureVariant({});
  const cold = await measureVariant({ warmIsolates: 0 });

  const defaults = configSchema.properties;
  console.log(`trivial workflow; ${runsPerCell} runs per cell after ${warmupRuns} warm-up runs; loopback`);
  console.log(
    `daemon defaults: sandbox.workers ${defaults.sandbox.properties.workers.default}, sandbox.warmIsolates ${defaults.sandbox.properties.warmIsolates.default}, ` +
      `limits.maxConcurrentRuns ${defaults.limits.properties.maxConcurrentRuns.default}`,
  );
  console.log('latency = runs.start sent → run.completed received; ratio = no pool ÷ warm pool\n');
  const rows: string[][] = [['connections', 'metric', 'warm pool', 'no warm pool (warmIsolates: 0)', 'ratio']];
  for (const connections of connectionCounts) {
    const w = warm.cells.get(connections) as CellResult;
    const c = cold.cells.get(connections) as CellResult;
    rows.push([String(connections), 'latency median', ms(w.medianMs), ms(c.medianMs), ratio(c.medianMs, w.medianMs)]);
    rows.push(['', 'latency p99', ms(w.p99Ms), ms(c.p99Ms), ratio(c.p99Ms, w.p99Ms)]);
    rows.push(['', 'runs/s', w.runsPerSecond.toFixed(0), c.runsPerSecond.toFixed(0), ratio(c.runsPerSecond, w.runsPerSecond)]);
    rows.push(['', 'runs on a warm isolate', percent(w.warmShare), percent(c.warmShare), '']);
    if (w.failures + c.failures > 0) rows.push(['', 'failed runs', String(w.failures), String(c.failures), '']);
  }
  rows.push(['all', 'peak RSS daemon', mib(warm.daemonPeakKiB), mib(cold.daemonPeakKiB), ratio(cold.daemonPeakKiB, warm.daemonPeakKiB)]);
  rows.push(['', 'peak RSS workers', workers(warm.workerPeaksKiB), workers(cold.workerPeaksKiB), '']);
  printTable(rows);
}

async function measureVariant(sandbox: Record<string, unknown>): Promise<VariantResult> {
  // The test helper merges its small test limits shallowly: empty sections restore the embedded defaults.
  const daemon = await startDaemon({ config: { log: { level: 'error' }, limits: {}, sandbox } });
  try {
    const cells = new Map<number, CellResult>();
    for (const connections of connectionCounts) cells.set(connections, await measureCell(daemon, connections));
    // Workers are read before the daemon stops: once it exits they are gone from /proc.
    const workerPids = descendants(daemon.process.pid as number);
    return {
      cells,
      daemonPeakKiB: peakRssKiB(daemon.process.pid as number),
      workerPeaksKiB: workerPids.map(peakRssKiB).filter((kib) => kib > 0),
    };
  } finally {
    await daemon[Symbol.asyncDispose]();
  }
}

async function measureCell(daemon: StartedDaemon, connections: number): Promise<CellResult> {
  const clients = await Promise.all(Array.from({ length: connections }, () => AiwsClient.connect(daemon.url)));
  try {
    await Promise.all(clients.map((client) => drive(client, Math.ceil(warmupRuns / connections))));
    const perClient = Math.ceil(runsPerCell / connections);
    const started = performance.now();
    const results = await Promise.all(clients.map((client) => drive(client, perClient)));
    const elapsedMs = performance.now() - started;
    const latencies = results.flatMap((result) => result.latenciesMs);
    return {
      medianMs: median(latencies),
      p99Ms: p99(latencies),
      runsPerSecond: (latencies.length / elapsedMs) * 1_000,
      failures: results.reduce((sum, result) => sum + result.failures, 0),
      warmShare: results.reduce((sum, result) => sum + result.warmRuns, 0) / results.reduce((sum, result) => sum + result.warmReported, 0),
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

/** Runs the trivial workflow `count` times back to back on one connection. */
async function drive(client: AiwsClient, count: number): Promise<{ latenciesMs: number[]; failures: number; warmRuns: number; warmReported: number }> {
  const latenciesMs: number[] = [];
  let failures = 0;
  let warmRuns = 0;
  let warmReported = 0;
  for (let n = 0; n < count; n++) {
    const started = performance.now();
    const { runId } = await client.request('runs.start', { code: trivialWorkflow, input: { n } });
    let completed = false;
    for await (const event of client.followRun(runId, { subscribed: true })) {
      completed = event.type === 'run.completed';
      if (completed) latenciesMs.push(performance.now() - started);
      if (event.type === 'run.completed' && typeof event.data.warm === 'boolean') {
        warmReported++;
        if (event.data.warm) warmRuns++;
      }
    }
    if (!completed) failures++;
  }
  return { latenciesMs, failures, warmRuns, warmReported };
}

/** VmHWM (peak resident set) of `pid` in KiB; 0 when the process is gone. */
function peakRssKiB(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

/** Every process below `pid`, found through /proc/<pid>/task/<tid>/children. */
function descendants(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const listed = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (listed !== '') children.push(...listed.split(/\s+/).map(Number));
    }
  } catch {
    return children;
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

const ms = (value: number): string => `${value.toFixed(2)} ms`;
const percent = (share: number): string => (Number.isNaN(share) ? 'not reported' : `${(share * 100).toFixed(0)} %`);
const mib = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;
const workers = (peaks: readonly number[]): string => (peaks.length === 0 ? 'none found' : `${peaks.length} × ${peaks.map(mib).join(', ')}`);
