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
 * This file is the service API (accepting, restoring, cancelling, draining). Its parts:
 * run-registry.ts holds the run records and their state transitions, run-execution.ts executes one
 * run, run-subscription.ts delivers a run's events; job-service-options.ts holds the contracts.
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
import { randomUUID } from 'node:crypto';
import { DaemonError } from '../errors/index.ts';
import type { RequestedLimits, RunInfo, RunStatus } from '../protocol/index.ts';
import type { RunLimits } from '../sandbox/index.ts';
import type { PolicyPrincipal, PolicyWorkflow } from '../policy/index.ts';
import { codeDigest } from '../journal/index.ts';
import type { JobServiceOptions, ListRunsFilter, RunPrincipal, StartRunRequest, Viewer } from './job-service-options.ts';
import { executeRun } from './run-execution.ts';
import { RunRegistry, terminalStatuses, type RunRecord } from './run-registry.ts';
import type { RestoredRun } from './run-recovery.ts';
import { subscribeRun, type RunEventSink, type RunSubscription } from './run-subscription.ts';
import type { PreparedWorkflowRun } from './workflow-runs.ts';

export type { JobCapabilities, JobServiceOptions, ListRunsFilter, RunPrincipal, StartRunRequest, Viewer } from './job-service-options.ts';
export type { RunEventSink, RunSubscription } from './run-subscription.ts';

/** How long runs.cancel waits for the sandbox to settle the run before answering with its status. */
const cancelWaitMs = 5000;

/** Schedules and executes runs. One per daemon. */
export class JobService implements AsyncDisposable {
  #options: JobServiceOptions;
  #registry: RunRegistry;
  #state: 'running' | 'draining' | 'closed' = 'running';

  constructor(options: JobServiceOptions) {
    this.#options = options;
    this.#registry = new RunRegistry(options, options.logger.child({ component: 'jobs' }));
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
      digest: codeDigest(code),
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
    this.#registry.add(run);
    this.#registry.emit(run, 'run.accepted', {
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
    this.#registry.log.info({ runId: run.runId, principal: principal.id, policyRevision: admission?.policyRevision ?? null }, 'run accepted');
    this.#registry.queue.push(run);
    this.#pump();
    return this.#registry.info(run, true);
  }

  /**
   * Adopts finished runs of an earlier daemon process (crash recovery), oldest first, so runs.get,
   * runs.list and runs.subscribe serve them from the store. Call before serving clients.
   */
  restore(runs: readonly RestoredRun[]): void {
    this.#assertOpen();
    for (const restored of runs) {
      if (this.#registry.runs.has(restored.runId)) continue;
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
      this.#registry.add(run);
    }
  }

  /** @throws RUN_NOT_FOUND when the run does not exist or belongs to another principal */
  get(runId: string, viewer: Viewer): RunInfo {
    return this.#registry.info(this.#registry.find(runId, viewer), true);
  }

  /** Runs visible to `viewer`, newest first, without outputs. */
  list(viewer: Viewer, filter: ListRunsFilter = {}): RunInfo[] {
    return this.#registry.list(viewer, filter);
  }

  /**
   * Cancels a queued or running run and waits (briefly) until it has settled.
   * @throws RUN_NOT_FOUND
   * @throws RUN_NOT_CANCELLABLE when the run has already finished
   */
  async cancel(runId: string, viewer: Viewer, reason = 'cancelled by client'): Promise<RunInfo> {
    const run = this.#registry.find(runId, viewer);
    if (terminalStatuses.has(run.status)) {
      throw new DaemonError('RUN_NOT_CANCELLABLE', `Cannot cancel run "${runId}": it is already ${run.status}`, { details: { runId, status: run.status } });
    }
    this.#registry.cancel(run, reason);
    await settleWithin(run.done.promise, cancelWaitMs);
    return this.#registry.info(run, false);
  }

  /**
   * Subscribes `sink` to the events of a run with `seq > afterSeq`: its history first, then live
   * events, each seq exactly once and in order. Nothing is delivered before `start()`, so the caller
   * can answer the request first.
   * @throws RUN_NOT_FOUND
   */
  subscribe(runId: string, viewer: Viewer, afterSeq: number, sink: RunEventSink): RunSubscription {
    return subscribeRun(this.#registry.find(runId, viewer), this.#options.events, this.#registry.log, afterSeq, sink);
  }

  /** Number of runs in each status. */
  counts(): Readonly<Record<RunStatus, number>> {
    return this.#registry.counts();
  }

  /**
   * Stops accepting runs, cancels queued ones, waits up to `graceMs` for running ones, then cancels
   * the rest and waits for them to settle.
   */
  async drain(graceMs: number): Promise<void> {
    if (this.#state !== 'running') return;
    this.#state = 'draining';
    this.#registry.log.info({ graceMs, running: this.#registry.running.size, queued: this.#registry.queue.length }, 'jobs draining');
    for (const run of [...this.#registry.queue]) this.#registry.cancel(run, 'daemon shutting down');
    const settled = Promise.all([...this.#registry.running].map((r) => r.done.promise));
    let timer: NodeJS.Timeout | undefined;
    const expired = await Promise.race([
      settled.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (expired) {
      for (const run of [...this.#registry.running]) this.#registry.cancel(run, 'daemon shutting down: grace period expired');
      await settleWithin(settled, cancelWaitMs);
    }
  }

  /** Drains with no grace and refuses all further use. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    await this.drain(0);
    await Promise.all([...this.#registry.runs.values()].map((r) => r.tail));
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
    const { running, queue } = this.#registry;
    const startsNow = running.size < maxConcurrentRuns && queue.length === 0;
    if (!startsNow && queue.length >= maxQueuedRuns) {
      throw new DaemonError('DAEMON_BUSY', `Cannot start a run: ${running.size} running and ${queue.length} queued (limits.maxQueuedRuns), try again later`, {
        details: { running: running.size, queued: queue.length, maxConcurrentRuns, maxQueuedRuns },
      });
    }
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
    while (this.#registry.running.size < this.#options.limits.maxConcurrentRuns && this.#registry.queue.length > 0) {
      const run = this.#registry.queue.shift()!;
      void executeRun(this.#registry, run, () => this.#pump());
    }
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
