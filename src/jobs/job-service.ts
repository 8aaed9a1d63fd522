/**
 * JobService: accepts runs, queues them under the concurrency limits, executes them in the sandbox,
 * records their events in the EventStore and fans the events out to subscribers.
 *
 * Run lifecycle:
 *
 *     queued ──► running ──► completed | failed | cancelled
 *        └──────────────────► cancelled            (runs.cancel or shutdown while queued)
 *     interrupted: the daemon stopped mid-run (a restart finds it open in the journal: run-recovery.ts)
 *
 * Service state: 'running' ──drain()──► 'draining' ──close()──► 'closed'.
 *
 * Capabilities: with a broker, runs.start first asks the admission policy (`aiws/admission/decision`;
 * a denial fails runs.start with POLICY_DENIED), each run gets its own workspace directory (created
 * before the sandbox starts it, removed after it settles), and every guest call goes through
 * `broker.invoke` with the run's RunContext; the broker's steps become `capability.requested`,
 * `policy.decision` and `capability.completed | capability.failed` events. Calls still in flight
 * when the run settles emit nothing more: the terminal event is always the last.
 *
 * Events of one run are appended strictly in seq order through a per-run promise chain and published
 * to live listeners only after the store holds them. A subscription first replays history from the
 * store, page by page and only as fast as its sink drains, then switches to live delivery; a live
 * event that does not follow the last delivered seq (or one published while a page was being read)
 * sends it back to the store, so replay and live events meet without gaps or duplicates.
 *
 * Store workflows (`runs.start {workflow}`, workflow-runs.ts): resolved and input-checked before
 * admission, admitted with their identity and `verified` flag, run with the lower of the manifest's
 * and the daemon's limits, and their output checked on completion (OUTPUT_INVALID fails the run).
 *
 * Journal: each event is handed to the store as soon as it is made (so a run's events share group
 * commits) but published only once stored; a capability result reaches the guest only after its
 * `capability.completed` event is stored. The exact source is stored by digest (`code`) before the run
 * is accepted, and `run.accepted` / `run.started` carry what a replay needs (code digest, input,
 * limits, policy revision; seed and virtual clock start). Runs of earlier processes come back through
 * `restore()`.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from '../log/index.ts';
import { DaemonError, isDaemonError, isErrorCode } from '../errors/index.ts';
import type { LimitsConfig } from '../config/index.ts';
import { runStatuses, type RequestedLimits, type RunErrorInfo, type RunEvent, type RunEventType, type RunInfo, type RunsListParams, type RunsStartParams, type RunStatus } from '../protocol/index.ts';
import type { GuestCall, RunLimits, Sandbox, SandboxOutcome } from '../sandbox/index.ts';
import { RunWorkspace, type CapabilityBroker, type RunContext } from '../capabilities/index.ts';
import type { PolicyPrincipal, PolicyWorkflow } from '../policy/index.ts';
import type { EventStore } from './event-store.ts';
import type { RestoredRun } from './run-recovery.ts';
import type { PreparedWorkflowRun, WorkflowRuns } from './workflow-runs.ts';

/** Who is asking: runs are visible to their own principal, or to everyone with `admin`. */
export interface Viewer {
  readonly principal: string;
  readonly admin: boolean;
}

/** Who starts a run: the connection's principal with its effective scopes (`admin` expanded). */
export interface RunPrincipal {
  readonly id: string;
  readonly scopes: readonly string[];
}

/** What to run: `runs.start` params without the connection's `subscribe`. */
export type StartRunRequest = Omit<RunsStartParams, 'subscribe'>;

/** Which runs to list: `runs.list` params. */
export type ListRunsFilter = RunsListParams;

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

/** What runs need to make capability calls. */
export interface JobCapabilities {
  /** Decides and serves calls, and admits runs. */
  readonly broker: CapabilityBroker;
  /** Registered capability names: declaring any other name fails runs.start with CAPABILITY_UNKNOWN. */
  readonly names: readonly string[];
  /** Directory under which each run gets `<runId>/` as its fs.* workspace. */
  readonly workspaceRootDir: string;
  /** Keep each run's workspace after it settles. @default false */
  readonly keepWorkspaces?: boolean;
}

export interface JobServiceOptions {
  readonly limits: Pick<LimitsConfig, 'maxConcurrentRuns' | 'maxQueuedRuns' | 'memoryMb' | 'cpuMs' | 'wallMs' | 'maxOutputBytes'>;
  readonly sandbox: Sandbox;
  readonly events: EventStore;
  readonly logger: Logger;
  /**
   * Capability broker and workspaces. Without it (unit tests of scheduling) runs are admitted without
   * a policy and every call fails with CAPABILITY_UNKNOWN: such a run has no authority at all.
   */
  readonly capabilities?: JobCapabilities;
  /** Where the exact source of each run is stored by digest for replay (journal issue). @default not stored */
  readonly code?: { put(source: string): Promise<string> };
  /** The workflow store (`runs.start {workflow}`). Without it such a run fails with WORKFLOW_NOT_FOUND. */
  readonly workflows?: WorkflowRuns;
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
   * Admits a run (admission policy) and accepts it: queued, or started at once when a slot is free.
   * @throws DAEMON_SHUTTING_DOWN while draining
   * @throws WORKFLOW_NOT_FOUND when no stored version matches `workflow` (or the daemon has no store)
   * @throws INPUT_INVALID when `input` breaks the workflow's input schema; `details.errors` with JSON pointers
   * @throws LIMIT_EXCEEDS_MAXIMUM when a requested limit exceeds the configured one
   * @throws CAPABILITY_UNKNOWN when `capabilities` names a capability the daemon does not have
   * @throws POLICY_DENIED when `aiws/admission/decision` denies (or fails closed); `details.reasons`
   * @throws DAEMON_BUSY when maxConcurrentRuns are running and maxQueuedRuns are waiting
   */
  async start(principal: RunPrincipal, request: StartRunRequest): Promise<RunInfo> {
    this.#assertOpen();
    this.#assertAccepting();
    // A store workflow: resolved, input-checked and snapshotted here (workflow-runs.ts).
    const stored = this.#prepareStored(request);
    const code = stored?.code ?? request.code ?? '';
    const limits = this.#resolveLimits(request.limits ?? {}, stored?.limits);
    const declared = stored === undefined ? [...new Set(request.capabilities ?? [])] : [...stored.policyWorkflow.declaredCapabilities];
    const capabilities = this.#options.capabilities;
    if (capabilities !== undefined) {
      const unknown = declared.filter((name) => !capabilities.names.includes(name));
      if (unknown.length > 0) {
        throw new DaemonError('CAPABILITY_UNKNOWN', `Cannot declare capabilities ${unknown.map((n) => `"${n}"`).join(', ')}: no such capability`, {
          details: { unknown, available: capabilities.names },
        });
      }
    }
    this.#assertCapacity();
    // Stored before the run exists: an accepted run's code can always be replayed.
    await this.#options.code?.put(code);
    const runId = `run_${randomUUID()}`;
    const policyPrincipal: PolicyPrincipal = { id: principal.id, scopes: [...principal.scopes] };
    const workflow: PolicyWorkflow = stored?.policyWorkflow ?? {
      name: 'adhoc',
      version: null,
      digest: `sha256:${createHash('sha256').update(code, 'utf8').digest('hex')}`,
      verified: false,
      adhoc: true,
      declaredCapabilities: declared,
      tags: [],
    };
    // Admission is asynchronous: re-check the state and capacity after it, they may have changed.
    const admission = capabilities === undefined ? undefined : await capabilities.broker.admit({ id: runId, principal: policyPrincipal, workflow });
    this.#assertOpen();
    this.#assertAccepting();
    this.#assertCapacity();
    const run: RunRecord = {
      runId,
      principal: principal.id,
      policyPrincipal,
      workflow,
      source: stored === undefined ? 'code' : `${stored.name}@${stored.version}`,
      code,
      filename: stored?.filename ?? request.filename ?? 'workflow.js',
      ...(stored === undefined ? {} : { checkOutput: stored.checkOutput }),
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
    this.#emit(run, 'run.accepted', {
      principal: principal.id,
      source: run.source,
      capabilities: declared,
      ...(admission === undefined ? {} : { admission: { decisionId: admission.decisionId, policyRevision: admission.policyRevision, reasons: admission.reasons } }),
      code: stored === undefined ? { kind: 'adhoc', digest: workflow.digest } : { kind: 'workflow', name: stored.name, version: stored.version, digest: stored.digest },
      codeDigest: stored?.codeDigest ?? workflow.digest,
      workflowDigest: workflow.digest,
      ...(stored === undefined ? {} : { workflow: { name: stored.name, version: stored.version, digest: stored.digest, verified: stored.verified } }),
      policyRevision: admission?.policyRevision ?? null,
      filename: run.filename,
      input: run.input,
      limits: { ...run.limits },
      policyInput: { principal: policyPrincipal, workflow },
    });
    this.#log.info({ runId: run.runId, principal: principal.id, policyRevision: admission?.policyRevision ?? null }, 'run accepted');
    this.#queue.push(run);
    this.#pump();
    return this.#info(run, true);
  }

  /**
   * Adopts finished runs of an earlier daemon process (crash recovery), oldest first, so runs.get,
   * runs.list and runs.subscribe serve them from the store. Call before serving clients.
   */
  restore(runs: readonly RestoredRun[]): void {
    this.#assertOpen();
    for (const restored of runs) {
      if (this.#runs.has(restored.runId)) continue;
      const done = Promise.withResolvers<void>();
      done.resolve();
      const run: RunRecord = {
        runId: restored.runId,
        principal: restored.principal,
        policyPrincipal: { id: restored.principal, scopes: [] },
        workflow: { name: 'adhoc', version: null, digest: '', verified: false, adhoc: true, declaredCapabilities: [], tags: [] },
        source: restored.source,
        code: '',
        filename: 'workflow.js',
        input: null,
        limits: this.#resolveLimits({}),
        status: restored.status,
        createdAt: restored.createdAt,
        ...(restored.finishedAt === undefined ? {} : { finishedAt: restored.finishedAt }),
        ...(restored.output === undefined ? {} : { output: restored.output }),
        ...(restored.error === undefined ? {} : { error: restored.error }),
        seq: restored.lastSeq,
        publishedSeq: restored.lastSeq,
        tail: Promise.resolve(),
        listeners: new Set(),
        done,
      };
      this.#runs.set(run.runId, run);
      this.#counts[run.status]++;
    }
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

  #assertAccepting(): void {
    if (this.#state === 'draining') throw new DaemonError('DAEMON_SHUTTING_DOWN', 'Cannot start a run: the daemon is shutting down');
  }

  #assertCapacity(): void {
    const { maxConcurrentRuns, maxQueuedRuns } = this.#options.limits;
    const startsNow = this.#running.size < maxConcurrentRuns && this.#queue.length === 0;
    if (!startsNow && this.#queue.length >= maxQueuedRuns) {
      throw new DaemonError('DAEMON_BUSY', `Cannot start a run: ${this.#running.size} running and ${this.#queue.length} queued (limits.maxQueuedRuns), try again later`, {
        details: { running: this.#running.size, queued: this.#queue.length, maxConcurrentRuns, maxQueuedRuns },
      });
    }
  }

  #find(runId: string, viewer: Viewer): RunRecord {
    const run = this.#runs.get(runId);
    if (run === undefined || (!viewer.admin && run.principal !== viewer.principal)) {
      throw new DaemonError('RUN_NOT_FOUND', `Cannot find run "${runId}"`, { details: { runId } });
    }
    return run;
  }

  /**
   * The store workflow `request.workflow` names, resolved and its input checked; undefined for ad-hoc code.
   * @throws WORKFLOW_NOT_FOUND, INPUT_INVALID
   */
  #prepareStored(request: StartRunRequest): PreparedWorkflowRun | undefined {
    if (request.workflow === undefined) {
      if (request.code !== undefined) return undefined;
      throw new DaemonError('WORKFLOW_NOT_FOUND', 'Cannot start a run: send "code" or "workflow"', { details: { workflow: null } });
    }
    const workflows = this.#options.workflows;
    if (workflows === undefined) {
      throw new DaemonError('WORKFLOW_NOT_FOUND', `Cannot find workflow "${request.workflow}": this daemon has no workflow store`, { details: { workflow: request.workflow } });
    }
    return workflows.prepare(request.workflow, request.input ?? null);
  }

  /** `requested` checked against the daemon's maximum, then lowered to `cap` (a store workflow's manifest limits). */
  #resolveLimits(requested: RequestedLimits, cap?: { readonly memoryMb: number; readonly cpuMs: number; readonly wallMs: number }): RunLimits {
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
      memoryMb: Math.min(requested.memoryMb ?? max.memoryMb, cap?.memoryMb ?? Infinity),
      cpuMs: Math.min(requested.cpuMs ?? max.cpuMs, cap?.cpuMs ?? Infinity),
      wallMs: Math.min(requested.wallMs ?? max.wallMs, cap?.wallMs ?? Infinity),
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
    const seed = randomBytes(16).toString('hex');
    const clockStartMs = Date.now();
    this.#emit(run, 'run.started', { seed, clockStartMs });
    const log = this.#log.child({ runId: run.runId });
    let outcome: SandboxOutcome;
    let workspace: RunWorkspace | undefined;
    try {
      const capabilities = this.#options.capabilities;
      let onCall: (call: GuestCall) => Promise<unknown>;
      if (capabilities === undefined) {
        onCall = async (call) => {
          throw new DaemonError('CAPABILITY_UNKNOWN', `Cannot call capability "${call.name}": this job service has no capabilities`, { details: { name: call.name } });
        };
      } else {
        workspace = await RunWorkspace.create({ rootDir: capabilities.workspaceRootDir, runId: run.runId, keep: capabilities.keepWorkspaces ?? false });
        onCall = this.#callHandler(run, capabilities.broker, workspace.dir, abort.signal, log);
      }
      outcome = await this.#options.sandbox.run(
        { runId: run.runId, code: run.code, filename: run.filename, input: run.input, limits: run.limits, seed, clockStartMs },
        {
          signal: abort.signal,
          onLog: (entry) => {
            if (!terminal.has(run.status)) {
              this.#emit(run, 'log', entry.fields === undefined ? { level: entry.level, message: entry.message } : { level: entry.level, message: entry.message, fields: entry.fields });
            }
          },
          onCall,
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
    // Calls still in flight (a guest that returned without awaiting them) stop with the run.
    if (!abort.signal.aborted) abort.abort(new DaemonError('RUN_CANCELLED', `Run "${run.runId}" has settled`));
    await workspace?.close().catch((err: unknown) => log.warn({ err }, 'workspace removal failed'));
    this.#running.delete(run);
    run.finishedAt = new Date().toISOString();
    if (outcome.status === 'completed' && run.checkOutput !== undefined) outcome = checkedOutput(outcome, run.checkOutput);
    switch (outcome.status) {
      case 'completed':
        run.output = outcome.output;
        this.#setStatus(run, 'completed');
        this.#emit(run, 'run.completed', { output: outcome.output, cpuMs: outcome.stats.cpuMs, wallMs: outcome.stats.wallMs, warm: outcome.stats.warm });
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

  /** The sandbox's onCall for one run: every call through the broker, each step as a run event. */
  #callHandler(run: RunRecord, broker: CapabilityBroker, workspaceDir: string, signal: AbortSignal, logger: Logger): (call: GuestCall) => Promise<unknown> {
    // One object per run: the broker keys its per-run call counting (budgets) on it.
    const context: RunContext = { id: run.runId, principal: run.policyPrincipal, workflow: run.workflow, workspaceDir, signal, logger };
    const live = (): boolean => !terminal.has(run.status);
    const invoke = (call: GuestCall): Promise<unknown> =>
      broker.invoke(call, context, {
        onRequested: (data) => live() && this.#emit(run, 'capability.requested', data),
        onDecision: (data) => live() && this.#emit(run, 'policy.decision', data),
        onCompleted: (data) => live() && this.#emit(run, 'capability.completed', data),
        onFailed: (data) => live() && this.#emit(run, 'capability.failed', data),
      });
    // The guest sees a result only once its capability.completed/failed event is stored (run.tail).
    return (call) =>
      invoke(call).then(
        async (result) => {
          await run.tail;
          return result;
        },
        async (err: unknown) => {
          await run.tail;
          throw err;
        },
      );
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
    // Handed to the store now (in seq order) so consecutive events share a group commit; published in order once stored.
    const stored = this.#options.events.append(run.runId, event);
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

/** A completed outcome whose output breaks the workflow's output schema becomes a failure (OUTPUT_INVALID). */
function checkedOutput(outcome: Extract<SandboxOutcome, { status: 'completed' }>, check: (output: unknown) => void): SandboxOutcome {
  try {
    check(outcome.output);
    return outcome;
  } catch (err) {
    if (!isDaemonError(err)) throw err;
    return { status: 'failed', error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) }, stats: outcome.stats };
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
