/**
 * JobService: accepts runs, queues them under the concurrency limits, executes them in the sandbox,
 * records their events in the EventStore and fans the events out to subscribers.
 *
 * Run lifecycle:
 *
 *     queued ──► running ──► completed | failed | cancelled
 *        └──────────────────► cancelled            (runs.cancel or shutdown while queued)
 *     interrupted: the daemon stopped mid-run (set by the durable journal, TODO(#4))
 *
 * Service state: 'running' ──drain()──► 'draining' ──close()──► 'closed'.
 *
 * Events of one run are appended strictly in seq order through a per-run promise chain and published
 * to live listeners only after the store holds them. A subscription first replays history from the
 * store, page by page and only as fast as its sink drains, then switches to live delivery; a live
 * event that does not follow the last delivered seq (or one published while a page was being read)
 * sends it back to the store, so replay and live events meet without gaps or duplicates.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/index.ts';
import { DaemonError, isDaemonError, isErrorCode } from '../errors/index.ts';
import type { LimitsConfig } from '../config/index.ts';
import {
  runStatuses,
  type RequestedLimits,
  type RunErrorInfo,
  type RunEvent,
  type RunEventType,
  type RunInfo,
  type RunStatus,
} from '../protocol/index.ts';
import type { RunLimits, Sandbox, SandboxOutcome } from '../sandbox/index.ts';
import type { EventStore } from './event-store.ts';

/** Who is asking: runs are visible to their own principal, or to everyone with `admin`. */
export interface Viewer {
  readonly principal: string;
  readonly admin: boolean;
}

export interface StartRunRequest {
  readonly code?: string;
  readonly workflow?: string;
  /** @default 'workflow.js' */
  readonly filename?: string;
  readonly input?: unknown;
  readonly limits?: RequestedLimits;
}

export interface ListRunsFilter {
  readonly status?: readonly RunStatus[];
  readonly since?: string;
  /** @default 50 */
  readonly limit?: number;
}

/**
 * Where a subscription delivers events, with the flow control replay needs: history is written only
 * while `writable` holds, so replaying a long run never floods a slow socket. Live events are written
 * as they happen; the sink decides what to do when its reader falls behind.
 */
export interface RunEventSink {
  /** Takes one event: called in seq order, each seq exactly once. Must not throw. */
  write(event: RunEvent): void;
  /** True when the sink can take another replayed event now. */
  readonly writable: boolean;
  /** Resolves once the sink is writable again, or closed. */
  drained(): Promise<void>;
}

/** A subscription to one run's events. Delivery begins at `start()`; `close()` stops it. Idempotent. */
export interface RunSubscription {
  readonly runId: string;
  readonly status: RunStatus;
  /** The run's last seq when the subscription was made. */
  readonly lastSeq: number;
  start(): void;
  close(): void;
}

export interface JobServiceOptions {
  readonly limits: Pick<LimitsConfig, 'maxConcurrentRuns' | 'maxQueuedRuns' | 'memoryMb' | 'cpuMs' | 'wallMs' | 'maxOutputBytes'>;
  readonly sandbox: Sandbox;
  readonly events: EventStore;
  readonly logger: Logger;
}

/** How long runs.cancel waits for the sandbox to settle the run before answering with its status. */
const cancelWaitMs = 5000;

/** Events read from the store per replay page. */
const replayPageEvents = 256;

/** The terminal statuses. */
const terminal: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled', 'interrupted']);

interface RunRecord {
  readonly runId: string;
  readonly principal: string;
  readonly source: string;
  readonly code: string;
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

/** Schedules and executes runs. One per daemon. */
export class JobService implements AsyncDisposable {
  #options: JobServiceOptions;
  #log: Logger;
  #runs = new Map<string, RunRecord>();
  #queue: RunRecord[] = [];
  #running = new Set<RunRecord>();
  #counts: Record<RunStatus, number> = Object.fromEntries(runStatuses.map((s) => [s, 0])) as Record<RunStatus, number>;
  #state: 'running' | 'draining' | 'closed' = 'running';

  constructor(options: JobServiceOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'jobs' });
  }

  /** 'running' accepts runs; 'draining' refuses new ones; 'closed' refuses everything. */
  get state(): 'running' | 'draining' | 'closed' {
    return this.#state;
  }

  /**
   * Accepts a run: queued, or started at once when a slot is free.
   * @throws DAEMON_SHUTTING_DOWN while draining
   * @throws WORKFLOW_NOT_FOUND for `workflow` (no store yet, TODO(#3))
   * @throws LIMIT_EXCEEDS_MAXIMUM when a requested limit exceeds the configured one
   * @throws DAEMON_BUSY when maxConcurrentRuns are running and maxQueuedRuns are waiting
   */
  start(principal: string, request: StartRunRequest): RunInfo {
    this.#assertOpen();
    if (this.#state === 'draining') throw new DaemonError('DAEMON_SHUTTING_DOWN', 'Cannot start a run: the daemon is shutting down');
    if (request.workflow !== undefined || request.code === undefined) {
      throw new DaemonError('WORKFLOW_NOT_FOUND', `Cannot find workflow "${request.workflow ?? ''}": the workflow store is not available yet, send "code" instead`, {
        details: { workflow: request.workflow ?? null },
      });
    }
    const limits = this.#resolveLimits(request.limits ?? {});
    const { maxConcurrentRuns, maxQueuedRuns } = this.#options.limits;
    const startsNow = this.#running.size < maxConcurrentRuns && this.#queue.length === 0;
    if (!startsNow && this.#queue.length >= maxQueuedRuns) {
      throw new DaemonError('DAEMON_BUSY', `Cannot start a run: ${this.#running.size} running and ${this.#queue.length} queued (limits.maxQueuedRuns), try again later`, {
        details: { running: this.#running.size, queued: this.#queue.length, maxConcurrentRuns, maxQueuedRuns },
      });
    }
    const run: RunRecord = {
      runId: `run_${randomUUID()}`,
      principal,
      source: 'code',
      code: request.code,
      filename: request.filename ?? 'workflow.js',
      input: request.input ?? null,
      limits,
      status: 'queued',
      createdAt: new Date().toISOString(),
      seq: 0,
      publishedSeq: 0,
      tail: Promise.resolve(),
      listeners: new Set(),
      done: Promise.withResolvers<void>(),
    };
    this.#runs.set(run.runId, run);
    this.#counts.queued++;
    this.#emit(run, 'run.accepted', { principal, source: run.source });
    this.#log.info({ runId: run.runId, principal }, 'run accepted');
    this.#queue.push(run);
    this.#pump();
    return this.#info(run, true);
  }

  /** @throws RUN_NOT_FOUND when the run does not exist or belongs to another principal */
  get(runId: string, viewer: Viewer): RunInfo {
    return this.#info(this.#find(runId, viewer), true);
  }

  /** Runs visible to `viewer`, newest first, without outputs. */
  list(viewer: Viewer, filter: ListRunsFilter = {}): RunInfo[] {
    const limit = filter.limit ?? 50;
    const statuses = filter.status === undefined ? undefined : new Set(filter.status);
    const since = filter.since === undefined ? undefined : Date.parse(filter.since);
    const out: RunInfo[] = [];
    const all = [...this.#runs.values()];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const run = all[i]!;
      if (!viewer.admin && run.principal !== viewer.principal) continue;
      if (statuses !== undefined && !statuses.has(run.status)) continue;
      if (since !== undefined && Date.parse(run.createdAt) < since) continue;
      out.push(this.#info(run, false));
    }
    return out;
  }

  /**
   * Cancels a queued or running run and waits (briefly) until it has settled.
   * @throws RUN_NOT_FOUND
   * @throws RUN_NOT_CANCELLABLE when the run has already finished
   */
  async cancel(runId: string, viewer: Viewer, reason = 'cancelled by client'): Promise<RunInfo> {
    const run = this.#find(runId, viewer);
    if (terminal.has(run.status)) {
      throw new DaemonError('RUN_NOT_CANCELLABLE', `Cannot cancel run "${runId}": it is already ${run.status}`, { details: { runId, status: run.status } });
    }
    this.#cancel(run, reason);
    await settleWithin(run.done.promise, cancelWaitMs);
    return this.#info(run, false);
  }

  /**
   * Subscribes `sink` to the events of a run with `seq > afterSeq`: its history first, then live
   * events, each seq exactly once and in order. Nothing is delivered before `start()`, so the caller
   * can answer the request first.
   * @throws RUN_NOT_FOUND
   */
  subscribe(runId: string, viewer: Viewer, afterSeq: number, sink: RunEventSink): RunSubscription {
    const run = this.#find(runId, viewer);
    const store = this.#options.events;
    const log = this.#log;
    let delivered = afterSeq;
    let mode: 'idle' | 'replay' | 'live' = 'idle';
    let replaying = false;
    let closed = false;

    const replay = async (): Promise<void> => {
      mode = 'replay';
      if (replaying) return;
      replaying = true;
      try {
        while (!closed) {
          const page = await store.read(runId, delivered, replayPageEvents);
          for (const event of page) {
            if (!sink.writable) await sink.drained();
            if (closed) return;
            if (event.seq === delivered + 1) {
              delivered = event.seq;
              sink.write(event);
            }
          }
          if (page.length < replayPageEvents) {
            if (!sink.writable) await sink.drained();
            // Events published while this page was read were ignored in replay mode: fetch them too.
            if (run.publishedSeq <= delivered) {
              mode = 'live';
              return;
            }
          }
        }
      } catch (err) {
        log.error({ err, runId }, 'event replay failed');
      } finally {
        replaying = false;
      }
    };

    const live = (event: RunEvent): void => {
      if (closed || mode !== 'live' || event.seq <= delivered) return;
      if (event.seq !== delivered + 1) {
        void replay();
        return;
      }
      delivered = event.seq;
      sink.write(event);
    };
    run.listeners.add(live);
    return {
      runId,
      status: run.status,
      lastSeq: run.seq,
      start: () => {
        if (mode === 'idle' && !closed) void replay();
      },
      close: () => {
        closed = true;
        run.listeners.delete(live);
      },
    };
  }

  /** Number of runs in each status. */
  counts(): Readonly<Record<RunStatus, number>> {
    return { ...this.#counts };
  }

  /**
   * Stops accepting runs, cancels queued ones, waits up to `graceMs` for running ones, then cancels
   * the rest and waits for them to settle.
   */
  async drain(graceMs: number): Promise<void> {
    if (this.#state !== 'running') return;
    this.#state = 'draining';
    this.#log.info({ graceMs, running: this.#running.size, queued: this.#queue.length }, 'jobs draining');
    for (const run of [...this.#queue]) this.#cancel(run, 'daemon shutting down');
    const settled = Promise.all([...this.#running].map((r) => r.done.promise));
    let timer: NodeJS.Timeout | undefined;
    const expired = await Promise.race([
      settled.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (expired) {
      for (const run of [...this.#running]) this.#cancel(run, 'daemon shutting down: grace period expired');
      await settleWithin(settled, cancelWaitMs);
    }
  }

  /** Drains with no grace and refuses all further use. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    await this.drain(0);
    await Promise.all([...this.#runs.values()].map((r) => r.tail));
    this.#state = 'closed';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#state === 'closed') throw new DaemonError('DAEMON_CLOSED', 'Cannot use the job service: it is closed');
  }

  #find(runId: string, viewer: Viewer): RunRecord {
    const run = this.#runs.get(runId);
    if (run === undefined || (!viewer.admin && run.principal !== viewer.principal)) {
      throw new DaemonError('RUN_NOT_FOUND', `Cannot find run "${runId}"`, { details: { runId } });
    }
    return run;
  }

  #resolveLimits(requested: RequestedLimits): RunLimits {
    const max = this.#options.limits;
    const over: Record<string, { requested: number; maximum: number }> = {};
    for (const key of ['memoryMb', 'cpuMs', 'wallMs'] as const) {
      const value = requested[key];
      if (value !== undefined && value > max[key]) over[key] = { requested: value, maximum: max[key] };
    }
    const keys = Object.keys(over);
    if (keys.length > 0) {
      const text = keys.map((k) => `"${k}" ${over[k]!.requested} > ${over[k]!.maximum}`).join(', ');
      throw new DaemonError('LIMIT_EXCEEDS_MAXIMUM', `Cannot raise limits above the daemon's maximum: ${text}`, { details: { limits: over } });
    }
    return {
      memoryMb: requested.memoryMb ?? max.memoryMb,
      cpuMs: requested.cpuMs ?? max.cpuMs,
      wallMs: requested.wallMs ?? max.wallMs,
      maxOutputBytes: max.maxOutputBytes,
    };
  }

  #pump(): void {
    while (this.#running.size < this.#options.limits.maxConcurrentRuns && this.#queue.length > 0) {
      const run = this.#queue.shift()!;
      void this.#execute(run);
    }
  }

  #setStatus(run: RunRecord, status: RunStatus): void {
    this.#counts[run.status]--;
    this.#counts[status]++;
    run.status = status;
  }

  async #execute(run: RunRecord): Promise<void> {
    const abort = new AbortController();
    run.abort = abort;
    this.#running.add(run);
    this.#setStatus(run, 'running');
    run.startedAt = new Date().toISOString();
    this.#emit(run, 'run.started', {});
    const log = this.#log.child({ runId: run.runId });
    let outcome: SandboxOutcome;
    try {
      outcome = await this.#options.sandbox.run(
        { runId: run.runId, code: run.code, filename: run.filename, input: run.input, limits: run.limits },
        {
          signal: abort.signal,
          onLog: (entry) => {
            if (!terminal.has(run.status)) {
              this.#emit(run, 'log', entry.fields === undefined ? { level: entry.level, message: entry.message } : { level: entry.level, message: entry.message, fields: entry.fields });
            }
          },
          // TODO(#5): capabilities; until then every call is refused.
          onCall: async (call) => {
            throw new DaemonError('CAPABILITY_UNKNOWN', `Cannot call capability "${call.name}": no capabilities are available yet`, { details: { name: call.name } });
          },
        },
      );
    } catch (err) {
      const errorId = randomUUID();
      log.error({ err, errorId }, 'sandbox run threw');
      const code = isDaemonError(err) ? err.code : 'INTERNAL';
      outcome = {
        status: 'failed',
        error: { code, message: isDaemonError(err) ? err.message : `Internal error: see the daemon log for errorId "${errorId}"` },
        stats: { cpuMs: 0, wallMs: 0, warm: false },
      };
    }
    this.#running.delete(run);
    run.finishedAt = new Date().toISOString();
    switch (outcome.status) {
      case 'completed':
        run.output = outcome.output;
        this.#setStatus(run, 'completed');
        this.#emit(run, 'run.completed', { output: outcome.output, cpuMs: outcome.stats.cpuMs, wallMs: outcome.stats.wallMs });
        log.info({ durationMs: outcome.stats.wallMs, cpuMs: outcome.stats.cpuMs, warm: outcome.stats.warm }, 'run completed');
        break;
      case 'failed': {
        const error: RunErrorInfo = {
          code: isErrorCode(outcome.error.code) ? outcome.error.code : 'INTERNAL',
          message: outcome.error.message,
          ...(outcome.error.stack === undefined ? {} : { stack: outcome.error.stack }),
          ...(outcome.error.details === undefined ? {} : { details: outcome.error.details }),
        };
        run.error = error;
        this.#setStatus(run, 'failed');
        this.#emit(run, 'run.failed', { error });
        log.info({ durationMs: outcome.stats.wallMs, code: error.code }, 'run failed');
        break;
      }
      case 'cancelled':
        this.#setStatus(run, 'cancelled');
        this.#emit(run, 'run.cancelled', { reason: run.cancelReason ?? 'cancelled' });
        log.info({ durationMs: outcome.stats.wallMs }, 'run cancelled');
        break;
    }
    this.#finish(run);
    this.#pump();
  }

  #cancel(run: RunRecord, reason: string): void {
    if (terminal.has(run.status) || run.cancelReason !== undefined) return;
    run.cancelReason = reason;
    if (run.status === 'queued') {
      this.#queue.splice(this.#queue.indexOf(run), 1);
      run.finishedAt = new Date().toISOString();
      this.#setStatus(run, 'cancelled');
      this.#emit(run, 'run.cancelled', { reason });
      this.#log.info({ runId: run.runId, reason }, 'run cancelled');
      this.#finish(run);
    } else {
      run.abort?.abort(new DaemonError('RUN_CANCELLED', `Run "${run.runId}" was cancelled: ${reason}`));
    }
  }

  #finish(run: RunRecord): void {
    void run.tail.then(() => run.done.resolve());
  }

  #emit<T extends RunEventType>(run: RunRecord, type: T, data: Extract<RunEvent, { type: T }>['data']): void {
    const event = { runId: run.runId, seq: ++run.seq, ts: new Date().toISOString(), type, data } as RunEvent;
    run.tail = run.tail
      .then(() => this.#options.events.append(run.runId, event))
      .then(
        () => {
          run.publishedSeq = event.seq;
          for (const listener of run.listeners) {
            try {
              listener(event);
            } catch (err) {
              this.#log.error({ err, runId: run.runId, seq: event.seq }, 'event listener threw');
            }
          }
        },
        (err: unknown) => this.#log.error({ err, runId: run.runId, seq: event.seq }, 'event append failed'),
      );
  }

  #info(run: RunRecord, withOutput: boolean): RunInfo {
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

/** Waits for `promise` but no longer than `ms`; clears its timer either way. */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
