// Shared helpers for the sandbox integration tests: start a real sandbox (real worker processes,
// real isolates) and run one workflow while recording its logs and capability calls.
import { afterAll, beforeAll } from 'vitest';
import {
  createSandbox, type GuestCall, type GuestLogEntry, type RunLimits, type Sandbox, type SandboxOptions, type SandboxOutcome, type SandboxRunDeterminism,
} from '../../../src/sandbox/index.ts';

/** Small limits keep the limit tests fast. */
export const testLimits: RunLimits = { memoryMb: 32, cpuMs: 500, wallMs: 1000, maxOutputBytes: 64 * 1024 };

/** A sandbox shared by the tests of one file, closed after them. */
export function useSandbox(options: SandboxOptions = {}): () => Sandbox {
  let sandbox: Sandbox | undefined;
  beforeAll(async () => {
    sandbox = await createSandbox({ warmMemoryMb: testLimits.memoryMb, ...options });
  });
  afterAll(async () => {
    await sandbox?.destroy('test finished');
  });
  return () => {
    if (sandbox === undefined) throw new Error('sandbox not started');
    return sandbox;
  };
}

export interface RunRecord {
  readonly outcome: SandboxOutcome;
  readonly logs: GuestLogEntry[];
  readonly calls: GuestCall[];
  readonly started: boolean;
  /** What `onStarted` reported: the seed and clock start in use. */
  readonly determinism: SandboxRunDeterminism | undefined;
}

export interface RunOptions {
  readonly input?: unknown;
  readonly limits?: Partial<RunLimits>;
  readonly seed?: string;
  readonly clockStartMs?: number;
  readonly replay?: boolean;
  readonly signal?: AbortSignal;
  readonly onCall?: (call: GuestCall) => Promise<unknown>;
  readonly filename?: string;
}

let counter = 0;

/** Runs `code` and records what the hooks saw. */
export async function runWorkflow(sandbox: Sandbox, code: string, options: RunOptions = {}): Promise<RunRecord> {
  const logs: GuestLogEntry[] = [];
  const calls: GuestCall[] = [];
  let started = false;
  let determinism: SandboxRunDeterminism | undefined;
  const outcome = await sandbox.run(
    {
      runId: `run-${++counter}`,
      code,
      filename: options.filename ?? 'workflow.js',
      input: options.input ?? null,
      limits: { ...testLimits, ...options.limits },
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.clockStartMs === undefined ? {} : { clockStartMs: options.clockStartMs }),
      ...(options.replay === undefined ? {} : { replay: options.replay }),
    },
    {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onStarted: (info) => {
        started = true;
        determinism = { seed: info.seed, clockStartMs: info.clockStartMs };
      },
      onLog: (entry) => logs.push(entry),
      onCall: async (call) => {
        calls.push(call);
        if (options.onCall === undefined) throw new Error(`unexpected call "${call.name}"`);
        return options.onCall(call);
      },
    },
  );
  return { outcome, logs, calls, started, determinism };
}

/** The error of a failed outcome, or a test failure naming what came instead. */
export function failureOf(outcome: SandboxOutcome): { code: string; message: string; stack?: string; details?: Readonly<Record<string, unknown>> } {
  if (outcome.status !== 'failed') throw new Error(`expected a failed run, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

/** The output of a completed outcome, or a test failure naming what came instead. */
export function outputOf(outcome: SandboxOutcome): unknown {
  if (outcome.status !== 'completed') throw new Error(`expected a completed run, got ${JSON.stringify(outcome)}`);
  return outcome.output;
}
