/**
 * The contract between the run scheduler (src/jobs) and the sandbox (src/sandbox/host).
 *
 * The sandbox executes one workflow module per run in a fresh isolated-vm context, inside worker
 * processes separate from the daemon (a V8 crash or OOM there takes down only the worker). It owns
 * isolates and workers; the scheduler owns queueing, events and run state.
 *
 * Everything that crosses this interface is plain JSON-compatible data.
 */
import type { ErrorCode } from '../errors/index.ts';

/** Per-run resource limits, already resolved (config defaults lowered by the run's own request). */
export interface RunLimits {
  /** Isolate heap limit in MiB; exceeding it fails the run with LIMIT_MEMORY. */
  readonly memoryMb: number;
  /** CPU time the guest may use in total, in ms (LIMIT_CPU). */
  readonly cpuMs: number;
  /** Wall-clock time from start to result, awaiting included, in ms (LIMIT_WALL). */
  readonly wallMs: number;
  /** Size cap of the JSON-serialised output, in bytes (LIMIT_OUTPUT). */
  readonly maxOutputBytes: number;
}

export interface SandboxRunRequest {
  readonly runId: string;
  /** ES module source whose default export is `async function (input, ctx)`. */
  readonly code: string;
  /** Name used in guest stack traces and WORKFLOW_INVALID messages, e.g. `hello.js`. */
  readonly filename: string;
  /** JSON input handed to the default export. */
  readonly input: unknown;
  readonly limits: RunLimits;
  /**
   * Seed of the guest's `Math.random` and `crypto` (at most 256 characters). When absent the sandbox
   * picks a random one and reports it in `onStarted` and `stats.seed`, so it can be recorded. (Journal issue.)
   */
  readonly seed?: string;
  /**
   * Guest time at the start of the run, in ms since the epoch (an integer): what `Date.now()` returns
   * before any timer has fired. When absent the sandbox takes the real time and reports it in
   * `onStarted` and `stats.clockStartMs`. (Additive; journal issue.)
   */
  readonly clockStartMs?: number;
  /**
   * Replay mode: timers fire without waiting in real time (guest time still advances by their
   * delays), so a replay of a run that slept for minutes takes milliseconds. (Additive.) @default false
   */
  readonly replay?: boolean;
}

/** The inputs that, with the code, input and capability results, determine everything a run observes. */
export interface SandboxRunDeterminism {
  /** The seed actually used (the request's, or the one the sandbox picked). */
  readonly seed: string;
  /** The clock start actually used, in ms since the epoch. */
  readonly clockStartMs: number;
}

export type GuestLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface GuestLogEntry {
  readonly level: GuestLogLevel;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** A capability call made by the guest through `ctx.call(name, args)` (or a wrapper). */
export interface GuestCall {
  /** 1-based, per run, in the order the guest made the calls. */
  readonly callId: number;
  readonly name: string;
  /** A JSON copy of what the guest passed. */
  readonly args: unknown;
}

export interface SandboxRunHooks {
  /** Aborting cancels the run: it settles as `cancelled` within 100 ms. */
  readonly signal?: AbortSignal;
  /**
   * The isolate is ready and the workflow is about to be evaluated. `started` carries the seed and
   * clock start in use (additive: a handler may ignore it).
   */
  onStarted?(started: SandboxRunDeterminism & { readonly warm: boolean }): void;
  onLog(entry: GuestLogEntry): void;
  /**
   * Serves a capability call. Resolve with a JSON result; reject with a DaemonError, whose code and
   * message reach the guest as an Error with that `code`. Several calls of one run may be in flight.
   */
  onCall(call: GuestCall): Promise<unknown>;
}

export interface SandboxRunStats {
  readonly cpuMs: number;
  readonly wallMs: number;
  /** True when the run got an isolate from the warm pool. */
  readonly warm: boolean;
  /** Which run of its isolate this was (1 = a fresh isolate); shows reuse and recycling. (Additive.) */
  readonly isolateRuns?: number;
  /** The seed in use (see SandboxRunRequest.seed). (Additive; always set by createSandbox's sandbox.) */
  readonly seed?: string;
  /** The clock start in use (see SandboxRunRequest.clockStartMs). (Additive; always set likewise.) */
  readonly clockStartMs?: number;
}

export interface SandboxFailure {
  readonly code: ErrorCode;
  readonly message: string;
  /** Guest frames only, for WORKFLOW_ERROR. */
  readonly stack?: string;
  /**
   * Structured detail, e.g. `{ line, column }` for WORKFLOW_INVALID compile errors, and for WORKFLOW_ERROR
   * `{ workflowCode }` when the thrown value had a string `code` matching /^[A-Z][A-Z0-9_]{1,63}$/ (the
   * workflow's declared error, such as `INSUFFICIENT_FUNDS`). (Additive.)
   */
  readonly details?: Readonly<Record<string, unknown>>;
}

export type SandboxOutcome =
  | { readonly status: 'completed'; readonly output: unknown; readonly stats: SandboxRunStats }
  | { readonly status: 'failed'; readonly error: SandboxFailure; readonly stats: SandboxRunStats }
  | { readonly status: 'cancelled'; readonly stats: SandboxRunStats };

export interface SandboxStatus {
  readonly workers: number;
  readonly idleIsolates: number;
  readonly activeRuns: number;
  readonly workerRestarts: number;
  /** Workers replaced after their RSS stayed above workerRssBaseMb (planned, not crashes). (Additive.) */
  readonly workerRetirements: number;
  /** Process ids of the live worker processes. (Additive.) */
  readonly workerPids: readonly number[];
}

export interface SandboxOptions {
  /** Worker processes hosting isolates. @default 1 */
  readonly workers?: number;
  /** Warm isolates kept ready per worker; 0 disables the warm pool. @default 2 */
  readonly warmIsolates?: number;
  /** An isolate is disposed after this many runs. @default 50 */
  readonly recycleAfterRuns?: number;
  /**
   * Memory limit (MiB) of the isolates kept warm before the first run; afterwards warm isolates follow
   * the limit the latest run asked for (a run with another limit gets a cold isolate). (Additive.)
   * @default 128
   */
  readonly warmMemoryMb?: number;
  /**
   * Expected RSS (MiB) of an idle worker process, with slack. A worker above it after a run is
   * replaced once its runs are done; one above it plus 4 × the memory limits of its active runs stops
   * the run with the largest heap with LIMIT_MEMORY. (Additive.) @default 384
   */
  readonly workerRssBaseMb?: number;
}

/** Runs workflow code in isolates. Owned by the daemon; `close()` disposes workers and isolates. */
export interface Sandbox extends AsyncDisposable {
  /** Never rejects for guest faults: those settle as `failed` with a stable code. */
  run(request: SandboxRunRequest, hooks: SandboxRunHooks): Promise<SandboxOutcome>;
  status(): SandboxStatus;
  /** Waits for running runs, then stops workers. Idempotent. */
  close(): Promise<void>;
  /** Kills workers at once; running runs settle as failed with SANDBOX_CRASHED or cancelled. */
  destroy(reason?: string): Promise<void>;
}
