/**
 * The IPC protocol between the daemon (src/sandbox/host) and a sandbox worker process.
 *
 * Messages travel over the child_process IPC channel as JSON. Guest data (input, output, log fields,
 * call arguments and results) travels as JSON strings that each side size-checks before parsing, so a
 * hostile guest value is never structurally copied into host code.
 */
import type { GuestLogLevel, RunLimits, SandboxFailure, SandboxRunStats } from '../types.ts';

/** Options the daemon passes to a worker on its command line (as JSON). */
export interface WorkerOptions {
  readonly warmIsolates: number;
  readonly recycleAfterRuns: number;
  readonly warmMemoryMb: number;
  /**
   * Expected RSS of an idle worker, with slack. A worker that ends a run above it asks to be retired
   * (freed isolate memory is not always returned to the OS); one that grows beyond it plus 4 × the
   * limits of its active runs stops the run with the largest heap (LIMIT_MEMORY).
   */
  readonly rssBaseMb: number;
}

export interface RunMessage {
  readonly type: 'run';
  /** Sandbox-wide task id: unique even if a runId were reused. */
  readonly id: number;
  readonly runId: string;
  readonly code: string;
  readonly filename: string;
  readonly inputJson: string;
  readonly limits: RunLimits;
  readonly seed: string;
  /** Guest time at the start of the run (ms since the epoch). */
  readonly clockStartMs: number;
  /** Timers fire without waiting in real time (a replay). */
  readonly replay: boolean;
}

export type ToWorker =
  | RunMessage
  | { readonly type: 'cancel'; readonly id: number }
  | { readonly type: 'call-result'; readonly id: number; readonly callId: number; readonly ok: true; readonly resultJson: string }
  | { readonly type: 'call-result'; readonly id: number; readonly callId: number; readonly ok: false; readonly code: string; readonly message: string; readonly detailsJson: string }
  | { readonly type: 'shutdown' };

/** A run's outcome as the worker reports it; the output is still a JSON string. */
export type WorkerOutcome =
  | { readonly status: 'completed'; readonly outputJson: string; readonly stats: SandboxRunStats }
  | { readonly status: 'failed'; readonly error: SandboxFailure; readonly stats: SandboxRunStats }
  | { readonly status: 'cancelled'; readonly stats: SandboxRunStats };

export type FromWorker =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'started'; readonly id: number; readonly warm: boolean }
  | { readonly type: 'log'; readonly id: number; readonly level: GuestLogLevel; readonly message: string; readonly fieldsJson: string }
  | { readonly type: 'call'; readonly id: number; readonly callId: number; readonly name: string; readonly argsJson: string }
  | { readonly type: 'settled'; readonly id: number; readonly outcome: WorkerOutcome }
  | { readonly type: 'pool'; readonly idleIsolates: number }
  | { readonly type: 'retire'; readonly rssMb: number }
  /** V8 lost control of an isolate; the process aborts right after this message. */
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'diagnostic'; readonly level: 'info' | 'warn' | 'error'; readonly message: string; readonly fields: Readonly<Record<string, unknown>> };

/**
 * Bounds on guest data, checked by the worker as it leaves the isolate and by the daemon as it
 * arrives (src/sandbox/guest/runtime.ts enforces the same numbers in the guest).
 */
export const wireLimits = {
  logMessageChars: 8192 + 1,
  logFieldsChars: 16384,
  callNameChars: 200,
  callArgsChars: 1024 * 1024,
  /** `details` of a refused capability call handed back to the guest (dropped when larger). */
  callErrorDetailsChars: 64 * 1024,
  /** Results of capability calls handed back to the guest. */
  callResultBytes: 16 * 1024 * 1024,
} as const;
