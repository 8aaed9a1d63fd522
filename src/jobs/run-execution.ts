/**
 * Run execution: one run from start to terminal event — the sandbox hooks (guest logs become `log`
 * events, guest calls go through the capability broker), the broker's steps as capability events, the
 * per-run workspace, the output schema check of store workflows, and the outcome as
 * `run.completed | run.failed | run.cancelled`. Calls still in flight when the run settles emit
 * nothing more: the terminal event is always the last.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from '../log/index.ts';
import { DaemonError, isDaemonError, isErrorCode } from '../errors/index.ts';
import type { RunErrorInfo } from '../protocol/index.ts';
import type { GuestCall, SandboxOutcome } from '../sandbox/index.ts';
import { RunWorkspace, type CapabilityBroker, type RunContext } from '../capabilities/index.ts';
import { terminalStatuses, type RunRecord, type RunRegistry } from './run-registry.ts';

/**
 * Executes one run taken from the queue: emits `run.started`, runs it in the sandbox with the run's
 * workspace and capability hooks, and turns the outcome into the terminal event. Calls `onSettled`
 * once the run has left the running set (the service starts the next queued run).
 */
export async function executeRun(registry: RunRegistry, run: RunRecord, onSettled: () => void): Promise<void> {
  const abort = new AbortController();
  run.abort = abort;
  registry.running.add(run);
  registry.setStatus(run, 'running');
  run.startedAt = new Date().toISOString();
  const seed = randomBytes(16).toString('hex');
  const clockStartMs = Date.now();
  registry.emit(run, 'run.started', { seed, clockStartMs });
  const log = registry.log.child({ runId: run.runId });
  let outcome: SandboxOutcome;
  let workspace: RunWorkspace | undefined;
  try {
    const capabilities = registry.options.capabilities;
    let onCall: (call: GuestCall) => Promise<unknown>;
    if (capabilities === undefined) {
      onCall = async (call) => {
        throw new DaemonError('CAPABILITY_UNKNOWN', `Cannot call capability "${call.name}": this job service has no capabilities`, { details: { name: call.name } });
      };
    } else {
      workspace = await RunWorkspace.create({ rootDir: capabilities.workspaceRootDir, runId: run.runId, keep: capabilities.keepWorkspaces ?? false });
      onCall = callHandler(registry, run, capabilities.broker, workspace.dir, abort.signal, log);
    }
    outcome = await registry.options.sandbox.run(
      { runId: run.runId, code: run.code, filename: run.filename, input: run.input, limits: run.limits, seed, clockStartMs },
      {
        signal: abort.signal,
        onLog: (entry) => {
          if (!terminalStatuses.has(run.status)) {
            registry.emit(run, 'log', entry.fields === undefined ? { level: entry.level, message: entry.message } : { level: entry.level, message: entry.message, fields: entry.fields });
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
  registry.running.delete(run);
  run.finishedAt = new Date().toISOString();
  if (outcome.status === 'completed' && run.checkOutput !== undefined) outcome = checkedOutput(outcome, run.checkOutput);
  switch (outcome.status) {
    case 'completed':
      run.output = outcome.output;
      registry.setStatus(run, 'completed');
      registry.emit(run, 'run.completed', { output: outcome.output, cpuMs: outcome.stats.cpuMs, wallMs: outcome.stats.wallMs, warm: outcome.stats.warm });
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
      registry.setStatus(run, 'failed');
      registry.emit(run, 'run.failed', { error });
      log.info({ durationMs: outcome.stats.wallMs, code: error.code }, 'run failed');
      break;
    }
    case 'cancelled':
      registry.setStatus(run, 'cancelled');
      registry.emit(run, 'run.cancelled', { reason: run.cancelReason ?? 'cancelled' });
      log.info({ durationMs: outcome.stats.wallMs }, 'run cancelled');
      break;
  }
  registry.finish(run);
  onSettled();
}

/** The sandbox's onCall for one run: every call through the broker, each step as a run event. */
function callHandler(registry: RunRegistry, run: RunRecord, broker: CapabilityBroker, workspaceDir: string, signal: AbortSignal, logger: Logger): (call: GuestCall) => Promise<unknown> {
  // One object per run: the broker keys its per-run call counting (budgets) on it.
  const context: RunContext = { id: run.runId, principal: run.policyPrincipal, workflow: run.workflow, workspaceDir, signal, logger };
  const live = (): boolean => !terminalStatuses.has(run.status);
  const invoke = (call: GuestCall): Promise<unknown> =>
    broker.invoke(call, context, {
      onRequested: (data) => live() && registry.emit(run, 'capability.requested', data),
      onDecision: (data) => live() && registry.emit(run, 'policy.decision', data),
      onCompleted: (data) => live() && registry.emit(run, 'capability.completed', data),
      onFailed: (data) => live() && registry.emit(run, 'capability.failed', data),
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
