/**
 * Crash recovery: at start-up, before any client connects, every run the journal holds without a
 * terminal event was in flight when the daemon died. Each gets a final, chained `run.interrupted`
 * event; then every run in the journal becomes a RestoredRun the JobService serves (runs.get,
 * runs.list, runs.subscribe with afterSeq) exactly like a run of this process.
 */
import type { Logger } from '../log/index.ts';
import type { Journal, RunSummary } from '../journal/index.ts';
import type { RunErrorInfo, RunStatus } from '../protocol/index.ts';

/** The reason recorded in `run.interrupted` for runs a previous daemon process left open. */
export const interruptedOnRestartReason = 'the daemon stopped while the run was in flight';

/** A finished run of an earlier daemon process, as the JobService adopts it. */
export interface RestoredRun {
  readonly runId: string;
  /** The principal that started it (from `run.accepted`): ownership survives restarts. */
  readonly principal: string;
  readonly source: string;
  readonly status: Extract<RunStatus, 'completed' | 'failed' | 'cancelled' | 'interrupted'>;
  readonly createdAt: string;
  readonly finishedAt?: string;
  /** The highest seq the journal serves (the intact prefix of a damaged run). */
  readonly lastSeq: number;
  readonly output?: unknown;
  readonly error?: RunErrorInfo;
}

/** What recovery needs of the journal. */
export type RecoverableJournal = Pick<Journal, 'openRuns' | 'markInterrupted' | 'listRuns'>;

/** Counts logged and returned by `recoverRuns`. */
export interface RecoveryResult {
  readonly runs: readonly RestoredRun[];
  readonly interrupted: number;
  readonly damaged: number;
}

/**
 * Marks the journal's open runs interrupted, then lists every run as a RestoredRun, oldest first.
 * A damaged run (a record failing its checksum) is restored as `interrupted` with only its intact
 * prefix served, and nothing is appended to it: `aiws audit verify` reports it.
 * @throws JOURNAL_CORRUPT / INTERNAL from the journal when an append fails
 */
export async function recoverRuns(journal: RecoverableJournal, logger: Logger): Promise<RecoveryResult> {
  const log = logger.child({ component: 'recovery' });
  const open = await journal.openRuns();
  for (const run of open) {
    await journal.markInterrupted(run.runId, interruptedOnRestartReason);
    log.warn({ runId: run.runId, lastSeq: run.lastSeq }, 'run interrupted by restart');
  }
  const runs: RestoredRun[] = [];
  let damaged = 0;
  for (const summary of await journal.listRuns()) {
    if (summary.damagedAtSeq !== undefined) damaged++;
    runs.push(toRestoredRun(summary));
  }
  log.info({ runs: runs.length, interrupted: open.length, damaged }, 'runs recovered from the journal');
  return { runs, interrupted: open.length, damaged };
}

/** The RestoredRun a journal summary describes. */
export function toRestoredRun(summary: RunSummary): RestoredRun {
  const accepted = asRecord(summary.first.data);
  const terminalData = asRecord(summary.terminal?.data);
  const status = summary.status === 'open' || summary.damagedAtSeq !== undefined && summary.terminal === undefined ? 'interrupted' : summary.status;
  const error = asRecord(terminalData.error);
  return {
    runId: summary.runId,
    principal: typeof accepted.principal === 'string' ? accepted.principal : '',
    source: typeof accepted.source === 'string' ? accepted.source : 'code',
    status,
    createdAt: summary.createdAt,
    ...(summary.finishedAt === undefined ? {} : { finishedAt: summary.finishedAt }),
    lastSeq: summary.lastSeq,
    ...(status === 'completed' ? { output: terminalData.output ?? null } : {}),
    ...(status === 'failed' && typeof error.code === 'string' && typeof error.message === 'string' ? { error: error as unknown as RunErrorInfo } : {}),
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
