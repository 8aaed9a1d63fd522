/**
 * ProcessSandbox: runs workflows in isolates hosted by worker processes (the daemon side).
 *
 * It spreads runs over `workers` processes (fewest active runs first), relays guest logs and
 * capability calls to the run's hooks, turns a worker's death into SANDBOX_CRASHED for exactly that
 * worker's runs and forks a replacement, and settles a cancelled run at once (the worker disposes the
 * isolate in parallel). Guest data arrives as JSON strings and is size-checked before it is parsed.
 *
 *   running ──close()──▶ closing (no new runs; waits for active runs) ──▶ closed
 *      └──────────────────────destroy()──────────────────────────────────────┘
 */
import { randomBytes } from 'node:crypto';
import { DaemonError, isDaemonError, isErrorCode } from '../../errors/index.ts';
import { createSilentLogger, type Logger } from '../../log/index.ts';
import type {
  GuestLogEntry, Sandbox, SandboxFailure, SandboxRunDeterminism, SandboxOptions, SandboxOutcome, SandboxRunHooks, SandboxRunRequest,
  SandboxRunStats, SandboxStatus,
} from '../types.ts';
import { wireLimits, type FromWorker, type RunMessage, type WorkerOutcome } from '../worker/protocol.ts';
import { WorkerHandle } from './worker-handle.ts';

/** SandboxOptions with every default applied. */
export interface ResolvedSandboxOptions {
  readonly workers: number;
  readonly warmIsolates: number;
  readonly recycleAfterRuns: number;
  readonly warmMemoryMb: number;
  readonly workerRssBaseMb: number;
}

/** A cancelled run settles after the worker confirms, or after this long regardless. */
const cancelGraceMs = 50;
/** close() gives a worker this long to exit after its runs have finished. */
const workerStopGraceMs = 2000;
/** A worker that dies before it is ready is forked again after this pause (no crash loop). */
const restartBackoffMs = 1000;
const workerHeapMb = 1024;
/** Longest seed a request may carry. */
const maxSeedChars = 256;
/** ECMAScript's time value range: a clock start beyond it would make `new Date()` invalid. */
const maxTimeValueMs = 8.64e15;

type SandboxState = 'running' | 'closing' | 'closed';

interface ActiveRun {
  readonly id: number;
  readonly runId: string;
  readonly request: SandboxRunRequest;
  readonly hooks: SandboxRunHooks;
  readonly message: RunMessage;
  readonly startedAt: number;
  /** Undefined while the run waits for a worker (all of them being replaced). */
  worker: WorkerHandle | undefined;
  warm: boolean;
  settle(outcome: SandboxOutcome): void;
}

/** Resolves SandboxOptions, applying the documented defaults. @throws DaemonError INTERNAL on impossible values */
export function resolveSandboxOptions(options: SandboxOptions): ResolvedSandboxOptions {
  const resolved = {
    workers: options.workers ?? 1,
    warmIsolates: options.warmIsolates ?? 2,
    recycleAfterRuns: options.recycleAfterRuns ?? 50,
    warmMemoryMb: options.warmMemoryMb ?? 128,
    workerRssBaseMb: options.workerRssBaseMb ?? 384,
  };
  for (const [key, value] of Object.entries(resolved)) {
    const minimum = key === 'warmIsolates' ? 0 : 1;
    if (!Number.isInteger(value) || value < minimum) {
      throw new DaemonError('INTERNAL', `Cannot create sandbox: option "${key}" must be an integer of at least ${minimum}, got ${JSON.stringify(value)}`);
    }
  }
  if (resolved.warmMemoryMb < 8) throw new DaemonError('INTERNAL', 'Cannot create sandbox: option "warmMemoryMb" must be at least 8');
  return resolved;
}

/**
 * Starts the worker processes and resolves once all are ready.
 * @throws DaemonError INTERNAL when an option is invalid or a worker cannot start
 */
export async function createSandbox(options: SandboxOptions & { logger?: Logger }): Promise<Sandbox> {
  const sandbox = new ProcessSandbox(resolveSandboxOptions(options), (options.logger ?? createSilentLogger()).child({ component: 'sandbox' }));
  try {
    await sandbox.started;
  } catch (error) {
    await sandbox.destroy('start-up failed');
    throw new DaemonError('INTERNAL', 'Cannot start sandbox worker processes', { cause: error });
  }
  return sandbox;
}

/** The Sandbox over worker processes; create it with `createSandbox`, which waits for the workers. */
export class ProcessSandbox implements Sandbox {
  readonly #options: ResolvedSandboxOptions;
  readonly #log: Logger;
  readonly #workers: WorkerHandle[] = [];
  readonly #runs = new Map<number, ActiveRun>();
  readonly #restartTimers = new Set<NodeJS.Timeout>();
  /** Workers replaced for memory hygiene, finishing their last runs. */
  readonly #retiring = new Set<WorkerHandle>();
  /** Runs not yet handed to a worker, in arrival order. */
  readonly #waiting = new Set<ActiveRun>();
  #retirements = 0;
  #state: SandboxState = 'running';
  #nextId = 1;
  #restarts = 0;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  /** Resolves when every initial worker is ready. */
  readonly started: Promise<void>;

  constructor(options: ResolvedSandboxOptions, logger: Logger) {
    this.#options = options;
    this.#log = logger;
    for (let slot = 0; slot < options.workers; slot++) this.#workers.push(this.#fork());
    this.started = Promise.all(this.#workers.map((worker) => worker.ready)).then(() => {
      this.#log.info({ workers: this.#workers.length, pids: this.#workerPids() }, 'sandbox started');
    });
  }

  run(request: SandboxRunRequest, hooks: SandboxRunHooks): Promise<SandboxOutcome> {
    if (this.#state !== 'running') {
      return Promise.reject(new DaemonError('DAEMON_CLOSED', `Cannot run "${request.runId}": the sandbox is ${this.#state}`));
    }
    const startedAt = performance.now();
    let determinism: SandboxRunDeterminism;
    try {
      determinism = resolveDeterminism(request);
    } catch (error) {
      return Promise.reject(error);
    }
    if (hooks.signal?.aborted) return Promise.resolve({ status: 'cancelled', stats: { cpuMs: 0, wallMs: 0, warm: false, ...determinism } });
    let inputJson: string;
    try {
      inputJson = JSON.stringify(request.input ?? null);
    } catch (error) {
      return Promise.reject(new DaemonError('INTERNAL', `Cannot run "${request.runId}": the input is not JSON-serialisable`, { cause: error }));
    }
    const id = this.#nextId++;
    const message: RunMessage = {
      type: 'run', id, runId: request.runId, code: request.code, filename: request.filename, inputJson,
      limits: request.limits, seed: determinism.seed, clockStartMs: determinism.clockStartMs, replay: request.replay === true,
    };
    return new Promise<SandboxOutcome>((resolve) => {
      let cancelTimer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        if (run.worker === undefined) {
          run.settle({ status: 'cancelled', stats: this.#parentStats(run) });
          return;
        }
        run.worker.send({ type: 'cancel', id });
        cancelTimer = setTimeout(() => run.settle({ status: 'cancelled', stats: this.#parentStats(run) }), cancelGraceMs);
      };
      const run: ActiveRun = {
        id,
        runId: request.runId,
        request,
        hooks,
        message,
        startedAt,
        worker: undefined,
        warm: false,
        settle: (outcome) => {
          if (!this.#runs.has(id)) return;
          this.#runs.delete(id);
          this.#waiting.delete(run);
          const worker = run.worker;
          if (worker !== undefined) {
            worker.activeRuns.delete(id);
            if (worker.retiring && worker.activeRuns.size === 0) void worker.stop(workerStopGraceMs);
          }
          hooks.signal?.removeEventListener('abort', onAbort);
          clearTimeout(cancelTimer);
          resolve(outcome);
          if (this.#runs.size === 0) this.#drained?.();
        },
      };
      this.#runs.set(id, run);
      hooks.signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.add(run);
      this.#dispatch();
    });
  }

  status(): SandboxStatus {
    const live = this.#workers.filter((worker) => worker.state !== 'exited');
    return {
      workers: live.length,
      idleIsolates: live.reduce((sum, worker) => sum + worker.idleIsolates, 0),
      activeRuns: this.#runs.size,
      workerRestarts: this.#restarts,
      workerRetirements: this.#retirements,
      workerPids: this.#workerPids(),
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async destroy(reason = 'destroyed'): Promise<void> {
    if (this.#state === 'closed' && this.#closing !== undefined) return this.#closing;
    this.#state = 'closed';
    for (const timer of this.#restartTimers) clearTimeout(timer);
    this.#restartTimers.clear();
    for (const run of [...this.#runs.values()]) {
      run.settle(run.hooks.signal?.aborted
        ? { status: 'cancelled', stats: this.#parentStats(run) }
        : { status: 'failed', error: { code: 'SANDBOX_CRASHED', message: `Sandbox was destroyed: ${reason}` }, stats: this.#parentStats(run) });
    }
    this.#closing = Promise.all([...this.#workers, ...this.#retiring].map((worker) => worker.kill('SIGKILL'))).then(() => {
      this.#log.info({ reason }, 'sandbox destroyed');
    });
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closing';
    if (this.#runs.size > 0) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
    }
    this.#state = 'closed';
    for (const timer of this.#restartTimers) clearTimeout(timer);
    this.#restartTimers.clear();
    await Promise.all([...this.#workers, ...this.#retiring].map((worker) => worker.stop(workerStopGraceMs)));
    this.#log.info('sandbox closed');
  }

  #fork(): WorkerHandle {
    const { warmIsolates, recycleAfterRuns, warmMemoryMb, workerRssBaseMb } = this.#options;
    const worker = new WorkerHandle(
      { warmIsolates, recycleAfterRuns, warmMemoryMb, rssBaseMb: workerRssBaseMb, maxOldSpaceMb: workerHeapMb },
      { onMessage: (handle, message) => this.#onMessage(handle, message), onExit: (handle, code, signal) => this.#onExit(handle, code, signal) },
    );
    worker.ready.then(() => this.#dispatch(), () => undefined);
    return worker;
  }

  // Hands waiting runs to the accepting worker with the fewest active runs. Runs wait only while
  // every worker is being replaced; a replacement's readiness calls this again.
  #dispatch(): void {
    for (const run of this.#waiting) {
      let best: WorkerHandle | undefined;
      for (const worker of this.#workers) {
        if (worker.accepting && (best === undefined || worker.activeRuns.size < best.activeRuns.size)) best = worker;
      }
      if (best === undefined) return;
      this.#waiting.delete(run);
      run.worker = best;
      best.activeRuns.add(run.id);
      best.send(run.message);
    }
  }

  #workerPids(): number[] {
    return this.#workers.filter((worker) => worker.state !== 'exited' && worker.pid !== undefined).map((worker) => worker.pid as number);
  }

  #onMessage(worker: WorkerHandle, message: FromWorker): void {
    if (message.type === 'diagnostic') {
      this.#log[message.level]({ pid: worker.pid, ...message.fields }, message.message);
      return;
    }
    if (message.type === 'retire') {
      this.#retire(worker, message.rssMb);
      return;
    }
    if (message.type === 'fatal') {
      // The process is about to abort: send it nothing more.
      worker.doomed = true;
      this.#log.error({ pid: worker.pid, guest: message.message }, 'sandbox worker fatal error');
      return;
    }
    if (message.type === 'ready' || message.type === 'pool') return;
    const run = this.#runs.get(message.id);
    if (run === undefined || run.worker !== worker) return;
    try {
      this.#onRunMessage(run, message);
    } catch (error) {
      // Only a broken worker sends what cannot be parsed: fail the run, keep the daemon.
      this.#log.error({ runId: run.runId, pid: worker.pid, err: error }, 'sandbox worker sent an invalid message');
      run.settle({ status: 'failed', error: { code: 'INTERNAL', message: 'The sandbox worker sent an invalid message' }, stats: this.#parentStats(run) });
    }
  }

  #onRunMessage(run: ActiveRun, message: Extract<FromWorker, { id: number }>): void {
    switch (message.type) {
      case 'started':
        run.warm = message.warm;
        this.#safeHook(run, 'onStarted', () => run.hooks.onStarted?.({ seed: run.message.seed, clockStartMs: run.message.clockStartMs, warm: message.warm }));
        return;
      case 'log':
        this.#onLog(run, message.level, message.message, message.fieldsJson);
        return;
      case 'call':
        this.#onCall(run, message.callId, message.name, message.argsJson);
        return;
      case 'settled':
        run.settle(this.#toOutcome(run, message.outcome));
        return;
    }
  }

  #onLog(run: ActiveRun, level: GuestLogEntry['level'], message: string, fieldsJson: string): void {
    if (message.length > wireLimits.logMessageChars || fieldsJson.length > wireLimits.logFieldsChars) return;
    let fields: Record<string, unknown> | undefined;
    if (fieldsJson !== '') {
      const parsed: unknown = JSON.parse(fieldsJson);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) fields = parsed as Record<string, unknown>;
    }
    const entry: GuestLogEntry = fields === undefined ? { level, message } : { level, message, fields };
    this.#safeHook(run, 'onLog', () => run.hooks.onLog(entry));
  }

  #onCall(run: ActiveRun, callId: number, name: string, argsJson: string): void {
    const reply = (result: { ok: true; resultJson: string } | { ok: false; code: string; message: string; detailsJson: string }): void => {
      if (this.#runs.get(run.id) === run) run.worker?.send({ type: 'call-result', id: run.id, callId, ...result });
    };
    let args: unknown;
    try {
      if (name.length > wireLimits.callNameChars || argsJson.length > wireLimits.callArgsChars) throw new Error('oversized call');
      args = JSON.parse(argsJson);
    } catch {
      reply({ ok: false, code: 'CAPABILITY_INVALID_ARGS', message: `Cannot call "${name.slice(0, 200)}": the arguments are not valid`, detailsJson: '' });
      return;
    }
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(run.hooks.onCall({ callId, name, args }));
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (result) => {
        let resultJson: string | undefined;
        try {
          resultJson = JSON.stringify(result ?? null);
        } catch {
          resultJson = undefined;
        }
        if (resultJson === undefined || Buffer.byteLength(resultJson) > wireLimits.callResultBytes) {
          this.#log.error({ runId: run.runId, callId, name }, 'capability result not deliverable');
          reply({ ok: false, code: 'INTERNAL', message: `Capability "${name}" returned a result that cannot be delivered`, detailsJson: '' });
        } else {
          reply({ ok: true, resultJson });
        }
      },
      (error: unknown) => {
        if (isDaemonError(error)) {
          reply({ ok: false, code: error.code, message: error.message, detailsJson: detailsJsonOf(error.details) });
          return;
        }
        this.#log.error({ runId: run.runId, callId, name, err: error }, 'capability call failed');
        reply({ ok: false, code: 'INTERNAL', message: `Capability "${name}" failed`, detailsJson: '' });
      },
    );
  }

  #toOutcome(run: ActiveRun, outcome: WorkerOutcome): SandboxOutcome {
    const stats: SandboxRunStats = { ...outcome.stats, warm: run.warm || outcome.stats.warm, seed: run.message.seed, clockStartMs: run.message.clockStartMs };
    switch (outcome.status) {
      case 'cancelled':
        return { status: 'cancelled', stats };
      case 'failed':
        return { status: 'failed', error: this.#checkedFailure(outcome.error), stats };
      case 'completed': {
        const max = run.request.limits.maxOutputBytes;
        if (Buffer.byteLength(outcome.outputJson) > max) {
          return { status: 'failed', error: { code: 'LIMIT_OUTPUT', message: `Workflow output exceeds ${max} bytes` }, stats };
        }
        return { status: 'completed', output: JSON.parse(outcome.outputJson) as unknown, stats };
      }
    }
  }

  #checkedFailure(error: SandboxFailure): SandboxFailure {
    if (isErrorCode(error.code)) return error;
    return { code: 'INTERNAL', message: 'The sandbox reported an unknown error code' };
  }

  #retire(worker: WorkerHandle, rssMb: number): void {
    const slot = this.#workers.indexOf(worker);
    if (this.#state !== 'running' || worker.retiring || slot < 0) return;
    worker.retiring = true;
    this.#retiring.add(worker);
    this.#workers[slot] = this.#fork();
    this.#retirements += 1;
    this.#log.info({ pid: worker.pid, rssMb }, 'sandbox worker retired');
    if (worker.activeRuns.size === 0) void worker.stop(workerStopGraceMs);
  }

  #onExit(worker: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    const crashed = this.#state !== 'closed';
    for (const run of [...this.#runs.values()]) {
      if (run.worker !== worker) continue;
      run.settle(run.hooks.signal?.aborted
        ? { status: 'cancelled', stats: this.#parentStats(run) }
        : {
            status: 'failed',
            error: { code: 'SANDBOX_CRASHED', message: `Worker process ${worker.pid} exited while running the workflow (${signal === null ? `code ${code}` : `signal ${signal}`})` },
            stats: this.#parentStats(run),
          });
    }
    this.#retiring.delete(worker);
    const slot = this.#workers.indexOf(worker);
    if (!crashed || slot < 0) return;
    this.#log.error({ pid: worker.pid, code, signal, stderr: worker.stderrTail || undefined }, 'sandbox worker exited');
    const replace = (): void => {
      if (this.#state === 'closed') return;
      const replacement = this.#fork();
      this.#workers[slot] = replacement;
      this.#restarts += 1;
      this.#log.info({ pid: replacement.pid, restarts: this.#restarts }, 'sandbox worker restarted');
    };
    worker.ready.then(replace, () => {
      // It never became ready: back off before trying again, and keep the slot dead meanwhile.
      const timer = setTimeout(() => {
        this.#restartTimers.delete(timer);
        replace();
      }, restartBackoffMs);
      this.#restartTimers.add(timer);
    });
  }

  #parentStats(run: ActiveRun): SandboxRunStats {
    return { cpuMs: 0, wallMs: Math.round(performance.now() - run.startedAt), warm: run.warm, seed: run.message.seed, clockStartMs: run.message.clockStartMs };
  }

  #safeHook(run: ActiveRun, hook: string, invoke: () => void): void {
    try {
      invoke();
    } catch (error) {
      this.#log.error({ runId: run.runId, hook, err: error }, 'sandbox hook threw');
    }
  }
}

/**
 * The seed and clock start of a run: the request's, validated, or fresh ones (random seed, real time).
 * @throws DaemonError INTERNAL when the request carries an unusable value (a caller bug)
 */
export function resolveDeterminism(request: Pick<SandboxRunRequest, 'runId' | 'seed' | 'clockStartMs'>): SandboxRunDeterminism {
  const { runId, seed, clockStartMs } = request;
  if (seed !== undefined && (typeof seed !== 'string' || seed.length === 0 || seed.length > maxSeedChars)) {
    throw new DaemonError('INTERNAL', `Cannot run "${runId}": the seed must be a string of 1 to ${maxSeedChars} characters`);
  }
  if (clockStartMs !== undefined && (!Number.isSafeInteger(clockStartMs) || Math.abs(clockStartMs) > maxTimeValueMs)) {
    throw new DaemonError('INTERNAL', `Cannot run "${runId}": clockStartMs must be an integer time value, got ${JSON.stringify(clockStartMs)}`);
  }
  return { seed: seed ?? randomBytes(16).toString('hex'), clockStartMs: clockStartMs ?? Date.now() };
}

/** A DaemonError's details as JSON for the guest, or '' when absent, unserialisable or too large. */
function detailsJsonOf(details: Readonly<Record<string, unknown>> | undefined): string {
  if (details === undefined) return '';
  try {
    const json = JSON.stringify(details);
    return json.length <= wireLimits.callErrorDetailsChars ? json : '';
  } catch {
    return '';
  }
}
