/**
 * The conformance runner: runs every case under a directory in worker threads, each case with a
 * time limit (a case that overruns fails and its worker is replaced), and summarises by feature
 * folder. A case the compiler cannot handle fails; nothing is skipped.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { loadCases } from './cases.ts';
import type { CaseOutcome } from './run-case.ts';

/** Options for `runConformance`. */
export interface RunConformanceOptions {
  /** Directory of `<feature>/<file>.yaml` cases. */
  readonly casesDir: string;
  /** Time limit per case. @default 10000 */
  readonly caseTimeoutMs?: number;
  /** Worker threads. @default min(4, available parallelism) */
  readonly workers?: number;
  /** Run only the cases whose id is in this set. @default all cases */
  readonly only?: ReadonlySet<string>;
}

/** One case's result. */
export interface CaseResult extends CaseOutcome {
  readonly id: string;
  readonly folder: string;
}

/** Pass/fail counts of one feature folder. */
export interface FolderSummary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
}

/** The run's summary (the `--json` output is this minus `results`). */
export interface ConformanceSummary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly byFolder: Record<string, FolderSummary>;
  readonly results: CaseResult[];
}

const WORKER_URL = new URL('./worker.ts', import.meta.url);

/** Runs every case under `casesDir` and returns the summary. */
export async function runConformance(options: RunConformanceOptions): Promise<ConformanceSummary> {
  const cases = loadCases(options.casesDir).filter((c) => options.only === undefined || options.only.has(c.id));
  const timeoutMs = options.caseTimeoutMs ?? 10_000;
  const workerCount = Math.max(1, Math.min(options.workers ?? Math.min(4, availableParallelism()), cases.length));
  const results = new Map<string, CaseResult>();
  let next = 0;

  const lane = async (): Promise<void> => {
    let worker: Worker | null = null;
    try {
      while (next < cases.length) {
        const c = cases[next++]!;
        worker ??= new Worker(WORKER_URL);
        const w: Worker = worker;
        const outcome = await new Promise<CaseOutcome>((resolve) => {
          const timer = setTimeout(() => {
            cleanup();
            resolve({ passed: false, reason: `timed out after ${timeoutMs} ms` });
            void w.terminate();
            worker = null;
          }, timeoutMs);
          const onMessage = (m: CaseOutcome & { id: string }): void => {
            if (m.id !== c.id) return;
            cleanup();
            resolve(m.reason === undefined ? { passed: m.passed } : { passed: m.passed, reason: m.reason });
          };
          const onError = (err: Error): void => {
            cleanup();
            resolve({ passed: false, reason: `worker crashed: ${err.message}` });
            worker = null;
          };
          const cleanup = (): void => {
            clearTimeout(timer);
            w.off('message', onMessage);
            w.off('error', onError);
          };
          w.on('message', onMessage);
          w.on('error', onError);
          w.postMessage(c);
        });
        results.set(c.id, { id: c.id, folder: c.folder, ...outcome });
      }
    } finally {
      if (worker) await (worker as Worker).terminate();
    }
  };
  await Promise.all(Array.from({ length: workerCount }, lane));

  const ordered = cases.map((c) => results.get(c.id)!);
  const byFolder: Record<string, FolderSummary> = {};
  for (const r of ordered) {
    const f = byFolder[r.folder] ?? { total: 0, passed: 0, failed: 0 };
    byFolder[r.folder] = { total: f.total + 1, passed: f.passed + (r.passed ? 1 : 0), failed: f.failed + (r.passed ? 0 : 1) };
  }
  const passed = ordered.filter((r) => r.passed).length;
  return { total: ordered.length, passed, failed: ordered.length - passed, byFolder, results: ordered };
}
