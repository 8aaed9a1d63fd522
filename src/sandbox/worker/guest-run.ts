/**
 * GuestRun: one workflow run inside one isolate of a worker process.
 *
 * Steps: a fresh context with the guest runtime linked in (prepared ahead by the pool for a warm
 * isolate) and `install`ed (hardening, seeded randomness, the virtual clock, the outbound sink); the
 * workflow compiled as a module (compile errors and imports → WORKFLOW_INVALID); an entry module that
 * imports the workflow and signals readiness; then the guest drives itself and reports through the
 * sink. The worker's watchdog calls `check()` every few milliseconds: CPU over the limit → LIMIT_CPU,
 * wall clock over the limit → LIMIT_WALL, isolate disposed by V8 → LIMIT_MEMORY. A stopped run
 * disposes its isolate, which is never reused.
 *
 * Timers: the guest's virtual clock says when it wants a tick (`wake`); in a live run the worker
 * waits until that much real time has passed since the run started, in a replay it ticks at once.
 * Real timing decides only when a tick happens, never what the guest observes.
 *
 * Only primitives and JSON strings cross into or out of the isolate; the guest never sees a Reference,
 * ExternalCopy, Callback object or the ivm module (the sink it gets is a plain guest function that
 * isolated-vm forwards to the host).
 */
import ivm from 'isolated-vm';
import type { GuestLogLevel, SandboxFailure, SandboxRunStats } from '../types.ts';
import { prepareContext, releaseAll, type PreparedContext } from './guest-context.ts';
import { entrySource, runtimeSpecifier, workflowSpecifier, type GuestSources } from './guest-modules.ts';
import type { IsolateLease, PooledIsolate } from './isolate-pool.ts';
import { wireLimits, type RunMessage, type WorkerOutcome } from './protocol.ts';

export interface GuestRunEvents {
  onStarted(warm: boolean): void;
  onLog(level: GuestLogLevel, message: string, fieldsJson: string): void;
  onCall(callId: number, name: string, argsJson: string): void;
  /** A fault of the sandbox itself (not of the guest), for the daemon log. */
  onInternalError(phase: string, message: string): void;
}

type StopReason = 'LIMIT_CPU' | 'LIMIT_WALL' | 'LIMIT_MEMORY' | 'cancelled';

const logLevels: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error']);
const failureCodes: ReadonlySet<string> = new Set(['WORKFLOW_INVALID', 'WORKFLOW_ERROR', 'WORKFLOW_OUTPUT_INVALID', 'LIMIT_OUTPUT']);

const arrayBufferRefusal = 'Array buffer allocation failed';
/** Form of a workflow's own error code (`err.code`), passed on as `details.workflowCode`. */
const workflowCodePattern = /^[A-Z][A-Z0-9_]{1,63}$/;
/** Node's largest timer delay; a longer wake fires early in real time, which changes nothing the guest sees. */
const maxRealDelayMs = 2147483647;

/** Where a failure happened, for classifying the error isolated-vm throws. */
type Phase = 'setup' | 'compile' | 'link' | 'evaluate' | 'running';

export class GuestRun {
  readonly id: number;
  readonly memoryMb: number;
  readonly #request: RunMessage;
  readonly #entry: PooledIsolate;
  readonly #warm: boolean;
  /** A context the pool prepared ahead of time; undefined (or failed) means prepare one here. */
  readonly #prepared: Promise<PreparedContext | undefined> | undefined;
  readonly #sources: GuestSources;
  readonly #events: GuestRunEvents;
  readonly #startedAt: number;
  readonly #cpuStart: bigint;
  #cpuMs = 0;
  #stopReason: StopReason | undefined;
  #settled = false;
  #released = false;
  #resolve!: (outcome: WorkerOutcome) => void;
  readonly #outcome: Promise<WorkerOutcome>;
  #context: ivm.Context | undefined;
  #deliver: ivm.Reference | undefined;
  #tick: ivm.Reference | undefined;
  #cancelWake: (() => void) | undefined;
  #references: { release(): void }[] = [];

  constructor(request: RunMessage, lease: IsolateLease, sources: GuestSources, events: GuestRunEvents, startedAt: number) {
    this.id = request.id;
    this.memoryMb = request.limits.memoryMb;
    this.#request = request;
    this.#entry = lease.entry;
    this.#warm = lease.warm;
    this.#prepared = lease.prepared;
    this.#sources = sources;
    this.#events = events;
    this.#startedAt = startedAt;
    this.#cpuStart = lease.entry.isolate.cpuTime;
    this.#outcome = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get isolate(): ivm.Isolate {
    return this.#entry.isolate;
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** Starts the run; resolves with its outcome (never rejects). */
  execute(): Promise<WorkerOutcome> {
    void this.#prepare();
    return this.#outcome;
  }

  /**
   * Watchdog tick: enforces CPU and wall limits and notices an isolate V8 disposed for memory.
   * Touching the isolate from this thread matters beyond the numbers: observed with isolated-vm 7,
   * an isolate over its memoryLimit is only disposed once the default thread touches it (reads
   * `cpuTime`); left alone, a growing array ran on to 16 GB. Poll every active run, always.
   */
  check(now: number): void {
    if (this.#released) return;
    const isolate = this.#entry.isolate;
    if (isolate.isDisposed) {
      this.#stop(this.#stopReason ?? 'LIMIT_MEMORY');
      return;
    }
    this.#sampleCpu();
    const { cpuMs, wallMs } = this.#request.limits;
    if (this.#cpuMs > cpuMs) this.#stop('LIMIT_CPU');
    else if (now - this.#startedAt > wallMs) this.#stop('LIMIT_WALL');
  }

  /** Stops the run at once: it settles `cancelled` and its isolate is disposed. */
  cancel(): void {
    this.#stop('cancelled');
  }

  /** Stops the run with LIMIT_MEMORY (the worker's RSS backstop chose it). */
  stopForMemory(): void {
    this.#stop('LIMIT_MEMORY');
  }

  /** The LIMIT_MEMORY outcome, for a run whose isolate V8 gave up on (the process is about to end). */
  memoryOutcome(): WorkerOutcome {
    this.#settled = true;
    return failure('LIMIT_MEMORY', `Workflow exceeded its memory limit of ${this.memoryMb} MiB`)(this.#stats());
  }

  /** Hands a capability call result to the guest. */
  deliver(callId: number, ok: boolean, a: string, b: string, c: string): void {
    const deliver = this.#deliver;
    if (deliver === undefined || this.#settled) return;
    deliver.apply(undefined, [callId, ok, a, b, c]).catch((error: unknown) => this.#fail(error, 'running'));
  }

  /**
   * Returns the isolate to the pool once the guest has gone quiet: a fence task queued behind whatever
   * the guest left running proves the isolate idle; until then the watchdog still polices it.
   */
  async release(pool: { release(entry: PooledIsolate, reusable: boolean): void }): Promise<void> {
    let reusable = this.#stopReason === undefined && !this.#entry.isolate.isDisposed;
    if (reusable && this.#context !== undefined) {
      try {
        await this.#context.eval('0');
      } catch {
        reusable = false;
      }
      reusable &&= this.#stopReason === undefined && !this.#entry.isolate.isDisposed;
    }
    if (reusable) {
      // A run that left a heap beyond its limit (memory the limit does not see) is not worth keeping.
      try {
        const heap = await this.#entry.isolate.getHeapStatistics();
        reusable = heap.total_heap_size + heap.externally_allocated_size <= this.memoryMb * 1024 * 1024;
      } catch {
        reusable = false;
      }
    }
    this.#released = true;
    this.#clearWake();
    releaseAll(this.#references);
    this.#references = [];
    this.#deliver = undefined;
    this.#tick = undefined;
    this.#context = undefined;
    pool.release(this.#entry, reusable);
  }

  async #prepare(): Promise<void> {
    const isolate = this.#entry.isolate;
    const request = this.#request;
    let phase: Phase = 'setup';
    try {
      const prepared = (await this.#prepared) ?? (await prepareContext(isolate, this.#sources));
      const { context, runtime, install, deliver, tick } = prepared;
      this.#references.push(...prepared.references);
      this.#context = context;
      this.#deliver = deliver;
      this.#tick = tick;
      if (this.#stopReason !== undefined) return;
      const sink = new ivm.Callback((kind: unknown, a: unknown, b: unknown, c: unknown, d: unknown) => this.#onSink(kind, a, b, c, d), { ignored: true });
      const config = JSON.stringify({
        runId: request.runId, filename: request.filename, seed: request.seed, clockStartMs: request.clockStartMs, maxOutputBytes: request.limits.maxOutputBytes,
      });
      await install.apply(undefined, [sink, config, request.inputJson]);

      phase = 'compile';
      const workflow = await isolate.compileModule(request.code, { filename: request.filename });
      this.#references.push(workflow);
      const imports = workflow.dependencySpecifiers;
      if (imports.length > 0) {
        this.#settle(failure('WORKFLOW_INVALID', `Cannot load workflow "${request.filename}": imports are not allowed (found ${imports.map((name) => JSON.stringify(name)).join(', ')})`));
        return;
      }
      phase = 'link';
      const entry = await isolate.compileModule(entrySource, { filename: 'aiws:entry' });
      this.#references.push(entry);
      await entry.instantiate(context, (specifier) => {
        if (specifier === runtimeSpecifier) return runtime;
        if (specifier === workflowSpecifier) return workflow;
        throw new Error(`Unknown module "${specifier}"`);
      });
      this.#events.onStarted(this.#warm);
      phase = 'evaluate';
      await entry.evaluate({ promise: true });
    } catch (error) {
      this.#fail(error, phase);
    }
  }

  #onSink(kind: unknown, a: unknown, b: unknown, c: unknown, d?: unknown): void {
    if (this.#settled) return;
    switch (kind) {
      case 'log':
        if (typeof a === 'string' && logLevels.has(a) && typeof b === 'string' && b.length <= wireLimits.logMessageChars && typeof c === 'string' && c.length <= wireLimits.logFieldsChars) {
          this.#events.onLog(a as GuestLogLevel, b, c);
        }
        return;
      case 'call':
        if (typeof a === 'number' && Number.isSafeInteger(a) && typeof b === 'string' && b.length <= wireLimits.callNameChars && typeof c === 'string' && c.length <= wireLimits.callArgsChars) {
          this.#events.onCall(a, b, c);
        }
        return;
      case 'wake':
        if (typeof a === 'number' && Number.isSafeInteger(a) && typeof b === 'number' && Number.isSafeInteger(b)) this.#wake(a, b);
        return;
      case 'done':
        if (typeof a !== 'string') return;
        if (Buffer.byteLength(a) > this.#request.limits.maxOutputBytes) {
          this.#settle(failure('LIMIT_OUTPUT', `Workflow output exceeds ${this.#request.limits.maxOutputBytes} bytes`));
        } else {
          this.#settle({ status: 'completed', outputJson: a, stats: this.#stats() });
        }
        return;
      case 'fail':
        if (typeof a === 'string' && failureCodes.has(a) && typeof b === 'string' && typeof c === 'string') {
          const code = a as SandboxFailure['code'];
          // The isolate's allocator refuses an ArrayBuffer over the memory limit with a RangeError.
          if (code === 'WORKFLOW_ERROR' && b === arrayBufferRefusal) this.#stop('LIMIT_MEMORY');
          else this.#settle(failure(code, b, code === 'WORKFLOW_ERROR' ? c : undefined, code === 'WORKFLOW_ERROR' ? thrownCodeDetails(d) : undefined));
        }
        return;
      default:
        return;
    }
  }

  // One pending wake per run: a newer wake replaces it (the guest re-planned).
  #wake(offsetMs: number, generation: number): void {
    this.#clearWake();
    if (offsetMs < 0 || this.#settled) return;
    const fire = (): void => {
      this.#cancelWake = undefined;
      const tick = this.#tick;
      if (tick === undefined || this.#settled) return;
      tick.apply(undefined, [generation]).catch((error: unknown) => this.#fail(error, 'running'));
    };
    const delayMs = this.#request.replay ? 0 : this.#startedAt + offsetMs - performance.now();
    if (delayMs <= 0) {
      const immediate = setImmediate(fire);
      this.#cancelWake = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(fire, Math.min(Math.ceil(delayMs), maxRealDelayMs));
      this.#cancelWake = () => clearTimeout(timer);
    }
  }

  #clearWake(): void {
    this.#cancelWake?.();
    this.#cancelWake = undefined;
  }

  #fail(error: unknown, phase: Phase): void {
    if (this.#settled) return;
    if (this.#stopReason !== undefined || this.#entry.isolate.isDisposed) {
      this.#stop(this.#stopReason ?? 'LIMIT_MEMORY');
      return;
    }
    const { filename } = this.#request;
    const message = error instanceof Error ? error.message : String(error);
    if (phase === 'compile') {
      const position = /\[(?:.*):(\d+):(\d+)\]$/.exec(message);
      const text = message.replace(/\s*\[.*\]$/, '');
      const where = position === null ? '' : ` at line ${position[1]}, column ${position[2]}`;
      const details = position === null ? undefined : { line: Number(position[1]), column: Number(position[2]) };
      this.#settle(failure('WORKFLOW_INVALID', `Cannot compile workflow "${filename}": ${text}${where}`, undefined, details));
      return;
    }
    if (phase === 'evaluate') {
      const stack = error instanceof Error ? guestFrames(error.stack ?? '', filename) : undefined;
      this.#settle(failure('WORKFLOW_ERROR', message, stack));
      return;
    }
    // Host detail stays in the daemon log, never in the run's error.
    this.#events.onInternalError(phase, message);
    this.#settle(failure('INTERNAL', `Cannot run workflow "${filename}": the sandbox failed during ${phase}`));
  }

  #stop(reason: StopReason): void {
    if (this.#stopReason === undefined) this.#stopReason = reason;
    this.#sampleCpu();
    const isolate = this.#entry.isolate;
    if (!isolate.isDisposed) {
      try {
        isolate.dispose();
      } catch {
        // Disposed concurrently by V8.
      }
    }
    if (this.#settled) return;
    const limits = this.#request.limits;
    switch (this.#stopReason) {
      case 'cancelled':
        this.#settle({ status: 'cancelled', stats: this.#stats() });
        return;
      case 'LIMIT_CPU':
        this.#settle(failure('LIMIT_CPU', `Workflow exceeded its CPU time limit of ${limits.cpuMs} ms`));
        return;
      case 'LIMIT_WALL':
        this.#settle(failure('LIMIT_WALL', `Workflow exceeded its wall-clock limit of ${limits.wallMs} ms`));
        return;
      default:
        this.#settle(failure('LIMIT_MEMORY', `Workflow exceeded its memory limit of ${limits.memoryMb} MiB`));
    }
  }

  #sampleCpu(): void {
    try {
      this.#cpuMs = Number(this.#entry.isolate.cpuTime - this.#cpuStart) / 1e6;
    } catch {
      // The isolate is gone: keep the last sample.
    }
  }

  #stats(): SandboxRunStats {
    this.#sampleCpu();
    return { cpuMs: Math.round(this.#cpuMs * 1000) / 1000, wallMs: Math.round(performance.now() - this.#startedAt), warm: this.#warm, isolateRuns: this.#entry.runs };
  }

  #settle(outcome: WorkerOutcome | ((stats: SandboxRunStats) => WorkerOutcome)): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#clearWake();
    this.#resolve(typeof outcome === 'function' ? outcome(this.#stats()) : outcome);
  }
}

function failure(code: SandboxFailure['code'], message: string, stack?: string, details?: Readonly<Record<string, unknown>>): (stats: SandboxRunStats) => WorkerOutcome {
  const error: SandboxFailure = { code, message, ...(stack ? { stack } : {}), ...(details ? { details } : {}) };
  return (stats) => ({ status: 'failed', error, stats });
}

/**
 * `{ workflowCode }` when the guest threw a value whose own `code` is a string of the declared-error
 * form (`AMOUNT_INVALID`); the run still fails with WORKFLOW_ERROR, the code clients match on.
 */
function thrownCodeDetails(code: unknown): { workflowCode: string } | undefined {
  return typeof code === 'string' && workflowCodePattern.test(code) ? { workflowCode: code } : undefined;
}

/** Keeps the header of a V8 stack and the frames located in the workflow file (no host paths). */
export function guestFrames(stack: string, filename: string): string {
  const marker = `${filename}:`;
  let inFrames = false;
  return stack
    .split('\n')
    .filter((line) => {
      const isFrame = line.startsWith('    at ');
      if (isFrame) inFrames = true;
      return !inFrames || (isFrame && line.includes(marker));
    })
    .join('\n');
}
