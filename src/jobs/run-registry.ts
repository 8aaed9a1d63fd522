/**
 * RunRegistry: the state JobService's parts share — every run's record, the queue, the running set
 * and the per-status counts — with the run state transitions (status changes, cancellation, event
 * emission in seq order) and the views of runs (find, list, RunInfo).
 *
 * Events of one run are appended strictly in seq order through a per-run promise chain (`tail`) and
 * published to live listeners only after the store holds them.
 */
import type { Logger } from '../log/index.ts';
import { DaemonError } from '../errors/index.ts';
import { runStatuses, type RunErrorInfo, type RunEvent, type RunEventType, type RunInfo, type RunStatus } from '../protocol/index.ts';
import type { RunLimits } from '../sandbox/index.ts';
import type { PolicyPrincipal, PolicyWorkflow } from '../policy/index.ts';
import type { JobServiceOptions, ListRunsFilter, Viewer } from './job-service-options.ts';

/** The terminal statuses. */
export const terminalStatuses: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled', 'interrupted']);

/** Everything the daemon holds about one run. */
export interface RunRecord {
  readonly runId: string;
  readonly principal: string;
  readonly policyPrincipal: PolicyPrincipal;
  readonly workflow: PolicyWorkflow;
  readonly source: string;
  readonly code: string;
  /** A store workflow's output schema check (OUTPUT_INVALID fails the run). */
  readonly checkOutput?: (output: unknown) => void;
  readonly filename: string;
  readonly input: unknown;
  readonly limits: RunLimits;
  status: RunStatus;
  readonly createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  output?: unknown;
  error?: RunErrorInfo;
  /** Last assigned seq (events may still be on their way into the store). */
  seq: number;
  /** Highest seq handed to live listeners. */
  publishedSeq: number;
  /** Serialises appends and publication. */
  tail: Promise<void>;
  readonly listeners: Set<(event: RunEvent) => void>;
  abort?: AbortController;
  cancelReason?: string;
  /** Settles when the run reaches a terminal status and its last event is published. */
  readonly done: PromiseWithResolvers<void>;
}

/** The runs of one JobService and their state transitions. */
export class RunRegistry {
  readonly options: JobServiceOptions;
  readonly log: Logger;
  readonly runs = new Map<string, RunRecord>();
  readonly queue: RunRecord[] = [];
  readonly running = new Set<RunRecord>();
  #counts: Record<RunStatus, number> = Object.fromEntries(runStatuses.map((s) => [s, 0])) as Record<RunStatus, number>;

  constructor(options: JobServiceOptions, log: Logger) {
    this.options = options;
    this.log = log;
  }

  /** Adds a new (or restored) run in its current status. */
  add(run: RunRecord): void {
    this.runs.set(run.runId, run);
    this.#counts[run.status]++;
  }

  /** Number of runs in each status. */
  counts(): Readonly<Record<RunStatus, number>> {
    return { ...this.#counts };
  }

  /** @throws RUN_NOT_FOUND when the run does not exist or belongs to another principal */
  find(runId: string, viewer: Viewer): RunRecord {
    const run = this.runs.get(runId);
    if (run === undefined || (!viewer.admin && run.principal !== viewer.principal)) {
      throw new DaemonError('RUN_NOT_FOUND', `Cannot find run "${runId}"`, { details: { runId } });
    }
    return run;
  }

  /** Runs visible to `viewer`, newest first, without outputs. */
  list(viewer: Viewer, filter: ListRunsFilter = {}): RunInfo[] {
    const limit = filter.limit ?? 50;
    const statuses = filter.status === undefined ? undefined : new Set(filter.status);
    const since = filter.since === undefined ? undefined : Date.parse(filter.since);
    const out: RunInfo[] = [];
    const all = [...this.runs.values()];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const run = all[i]!;
      if (!viewer.admin && run.principal !== viewer.principal) continue;
      if (statuses !== undefined && !statuses.has(run.status)) continue;
      if (since !== undefined && Date.parse(run.createdAt) < since) continue;
      out.push(this.info(run, false));
    }
    return out;
  }

  /** Moves `run` to `status`, keeping the per-status counts. */
  setStatus(run: RunRecord, status: RunStatus): void {
    this.#counts[run.status]--;
    this.#counts[status]++;
    run.status = status;
  }

  /** Cancels a queued run at once; asks the sandbox to stop a running one. No-op once ended or cancelling. */
  cancel(run: RunRecord, reason: string): void {
    if (terminalStatuses.has(run.status) || run.cancelReason !== undefined) return;
    run.cancelReason = reason;
    if (run.status === 'queued') {
      this.queue.splice(this.queue.indexOf(run), 1);
      run.finishedAt = new Date().toISOString();
      this.setStatus(run, 'cancelled');
      this.emit(run, 'run.cancelled', { reason });
      this.log.info({ runId: run.runId, reason }, 'run cancelled');
      this.finish(run);
    } else {
      run.abort?.abort(new DaemonError('RUN_CANCELLED', `Run "${run.runId}" was cancelled: ${reason}`));
    }
  }

  /** Resolves `run.done` once its last event is published. */
  finish(run: RunRecord): void {
    void run.tail.then(() => run.done.resolve());
  }

  /** Assigns the next seq, hands the event to the store now and publishes it once stored. */
  emit<T extends RunEventType>(run: RunRecord, type: T, data: Extract<RunEvent, { type: T }>['data']): void {
    const event = { runId: run.runId, seq: ++run.seq, ts: new Date().toISOString(), type, data } as RunEvent;
    // Handed to the store now (in seq order) so consecutive events share a group commit; published in order once stored.
    const stored = this.options.events.append(run.runId, event);
    stored.catch(() => undefined);
    run.tail = run.tail
      .then(() => stored)
      .then(
        () => {
          run.publishedSeq = event.seq;
          for (const listener of run.listeners) {
            try {
              listener(event);
            } catch (err) {
              this.log.error({ err, runId: run.runId, seq: event.seq }, 'event listener threw');
            }
          }
        },
        (err: unknown) => this.log.error({ err, runId: run.runId, seq: event.seq }, 'event append failed'),
      );
  }

  /** The protocol view of `run`; its output only with `withOutput` and once completed. */
  info(run: RunRecord, withOutput: boolean): RunInfo {
    return {
      runId: run.runId,
      principal: run.principal,
      status: run.status,
      source: run.source,
      lastSeq: run.seq,
      createdAt: run.createdAt,
      ...(run.startedAt === undefined ? {} : { startedAt: run.startedAt }),
      ...(run.finishedAt === undefined ? {} : { finishedAt: run.finishedAt }),
      ...(withOutput && run.status === 'completed' ? { output: run.output } : {}),
      ...(run.error === undefined ? {} : { error: run.error }),
    };
  }
}
