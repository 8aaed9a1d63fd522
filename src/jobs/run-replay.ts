/**
 * Replay of a recorded run: the same source (fetched by digest), input, seed and virtual clock start,
 * in a fresh sandbox with `replay: true` (timers fire without waiting), every capability call answered
 * from the record (nothing is executed, no policy is asked), and what the guest does compared with
 * what the journal says it did.
 *
 * Compared, as three streams in order: the capability calls (`capability.requested`: name and args,
 * by callId), the logs (level, message, fields), and the outcome (output, or error code and message).
 * Streams rather than one interleaved sequence because a capability event may be journaled a tick
 * after a log the guest wrote later; within each stream the order is the guest's own. The result is
 * `identical`, or `diverged` at the first (lowest) recorded seq where a stream differs, with both sides.
 *
 * A run whose record ends early (cancelled, interrupted, damaged) is compared as far as the record
 * goes: `complete: false`.
 *
 * Results recorded capped (over `capabilities.maxEventValueBytes`) are answered with the whole result
 * the broker kept in the result store under the event's digest, loaded and re-hashed before the
 * replay starts; answers are released in journal order, back to back (CompletionOrder).
 */
import { DaemonError, isErrorCode } from '../errors/index.ts';
import { capEventValue, isCappedValue } from '../capabilities/index.ts';
import { canonicalJson } from '../journal/index.ts';
import type { ReplayObservationInfo, ReplayReportInfo, RunEvent } from '../protocol/index.ts';
import type { RunLimits, Sandbox, SandboxOutcome } from '../sandbox/index.ts';

/** One side of a divergence: what the record (or the replay) shows at that point; null for nothing. */
export type ReplayObservation = ReplayObservationInfo;

/** The outcome of a replay: the wire shape of `runs.replay` without its `policy` part. */
export type ReplayReport = ReplayReportInfo;

/** Where replay finds the exact source a run executed. */
export interface CodeSource {
  /** @throws REPLAY_UNAVAILABLE when the digest is unknown or the stored source was altered */
  get(digest: string): Promise<string>;
}

/** Where replay finds the whole results whose events hold only their capped form. */
export interface ResultSource {
  /** The result's JSON text. @throws REPLAY_UNAVAILABLE when the digest is unknown or the stored result was altered */
  get(digest: string): Promise<string>;
}

export interface ReplayRunOptions {
  readonly sandbox: Sandbox;
  readonly code: CodeSource;
  /**
   * Where results recorded in capped form are kept whole, by the digest their event names (the
   * daemon's ResultStore). @default none: a record with a capped result cannot be replayed
   */
  readonly results?: ResultSource;
  /** Limits for a record that does not carry its own (runs recorded before the journal issue). */
  readonly defaultLimits: RunLimits;
  readonly signal?: AbortSignal;
}


interface Recorded<T> {
  readonly seq: number;
  readonly value: T;
}

type CallObservation = Extract<ReplayObservation, { type: 'capability.requested' }>;
type LogObservation = Extract<ReplayObservation, { type: 'log' }>;
type OutcomeObservation = Extract<ReplayObservation, { type: 'run.completed' | 'run.failed' | 'run.cancelled' }>;

/** A recorded capability answer by callId. */
type RecordedAnswer =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly details?: Readonly<Record<string, unknown>> };

/**
 * Replays the run whose events (seq 1 upwards, as the journal serves them) are `events`.
 * @throws REPLAY_UNAVAILABLE when the run never started, or the record lacks its code digest, seed
 *   or clock start, or the code store no longer has the source
 */
export async function replayRun(events: readonly RunEvent[], options: ReplayRunOptions): Promise<ReplayReport> {
  const runId = events[0]?.runId ?? '';
  const accepted = events.find((e) => e.type === 'run.accepted');
  const started = events.find((e) => e.type === 'run.started');
  if (accepted === undefined || started === undefined) {
    throw new DaemonError('REPLAY_UNAVAILABLE', `Cannot replay run "${runId}": it never started`, { details: { runId } });
  }
  const { codeDigest, filename, input, limits } = accepted.data;
  const { seed, clockStartMs } = started.data;
  if (typeof codeDigest !== 'string' || typeof seed !== 'string' || typeof clockStartMs !== 'number') {
    throw new DaemonError('REPLAY_UNAVAILABLE', `Cannot replay run "${runId}": its record has no code digest, seed or clock start (recorded before replay existed)`, {
      details: { runId },
    });
  }
  const source = await options.code.get(codeDigest);
  const record = readRecord(events);
  await loadCappedResults(runId, record, options.results);

  const actualCalls: CallObservation[] = [];
  const actualLogs: LogObservation[] = [];
  const abort = new AbortController();
  const signal = options.signal === undefined ? abort.signal : AbortSignal.any([abort.signal, options.signal]);
  let stoppedEarly = false;
  const release = new CompletionOrder(record.completionOrder);
  // A record that ends early has nothing to compare once the replay has matched all of it: stop then
  // (a run cancelled in an endless loop would otherwise spin until its limits).
  const stopIfRecordExhausted = (): void => {
    if (!record.complete && !stoppedEarly && actualLogs.length >= record.logs.length && actualCalls.length >= record.calls.length) {
      stoppedEarly = true;
      abort.abort(new DaemonError('RUN_CANCELLED', 'Replay stopped: the record ends here'));
    }
  };
  const startedMs = performance.now();
  const outcome: SandboxOutcome = await options.sandbox.run(
    {
      runId,
      code: source,
      filename: filename ?? 'workflow.js',
      input: input ?? null,
      limits: { ...options.defaultLimits, ...(limits as Partial<RunLimits> | undefined) },
      seed,
      clockStartMs,
      replay: true,
    },
    {
      signal,
      onStarted: stopIfRecordExhausted,
      onLog: (entry) => {
        actualLogs.push(entry.fields === undefined ? { type: 'log', level: entry.level, message: entry.message } : { type: 'log', level: entry.level, message: entry.message, fields: entry.fields });
        stopIfRecordExhausted();
      },
      onCall: async (call) => {
        const expected = record.calls[call.callId - 1]?.value;
        actualCalls.push({ type: 'capability.requested', callId: call.callId, name: call.name, args: comparableArgs(call.args, expected?.args) });
        const answer = record.answers.get(call.callId);
        if (expected === undefined || !same(expected, actualCalls[actualCalls.length - 1]) || (answer === undefined && !record.complete)) {
          // Diverged, or past the end of the record: nothing truthful to answer with, so stop here.
          stoppedEarly = true;
          abort.abort(new DaemonError('RUN_CANCELLED', 'Replay stopped: the call has no recorded answer'));
          return new Promise<never>(() => undefined);
        }
        // The original run ended with this call still in flight: it never answers here either.
        if (answer === undefined) return new Promise<never>(() => undefined);
        stopIfRecordExhausted();
        // Answers are released in the order the original calls completed, so a guest racing two
        // calls sees the same winner.
        await release.turn(call.callId);
        if (answer.ok) return answer.result;
        throw new DaemonError(isErrorCode(answer.code) ? answer.code : 'INTERNAL', answer.message, answer.details === undefined ? {} : { details: answer.details });
      },
    },
  ).finally(() => release.close());
  const replayWallMs = Math.round(performance.now() - startedMs);
  const actualOutcome = toOutcome(outcome);

  const divergences: (Divergence | undefined)[] = [
    firstDifference('calls', record.calls, actualCalls, record),
    firstDifference('logs', record.logs, actualLogs, record),
  ];
  // An early stop means the replay ran past (or away from) the record: the call streams say where.
  if (record.complete && record.outcome !== undefined && !same(record.outcome.value, actualOutcome)) {
    divergences.push({ stream: 'outcome', seq: record.outcome.seq, expected: record.outcome.value, actual: stoppedEarly ? null : actualOutcome });
  }
  const first = divergences.filter((d) => d !== undefined).sort((a, b) => a.seq - b.seq)[0];
  if (first !== undefined) return { result: 'diverged', runId, ...first, replayWallMs };
  return { result: 'identical', runId, complete: record.complete, calls: record.calls.length, logs: record.logs.length, originalWallMs: record.originalWallMs, replayWallMs };
}

interface Divergence {
  readonly stream: 'calls' | 'logs' | 'outcome';
  readonly seq: number;
  readonly expected: ReplayObservation | null;
  readonly actual: ReplayObservation | null;
}

interface RunRecordView {
  readonly calls: Recorded<CallObservation>[];
  readonly logs: Recorded<LogObservation>[];
  readonly answers: Map<number, RecordedAnswer>;
  /** callIds in the order their capability.completed/failed events were recorded. */
  readonly completionOrder: number[];
  /** The recorded terminal outcome (cancelled/interrupted runs: their terminal event, not compared). */
  readonly outcome: Recorded<OutcomeObservation> | undefined;
  /** True when the record ends with run.completed or run.failed. */
  readonly complete: boolean;
  /** Seq an "extra action" divergence points at: the terminal event, else one past the last. */
  readonly endSeq: number;
  readonly originalWallMs: number | null;
}

function readRecord(events: readonly RunEvent[]): RunRecordView {
  const calls: Recorded<CallObservation>[] = [];
  const logs: Recorded<LogObservation>[] = [];
  const answers = new Map<number, RecordedAnswer>();
  const completionOrder: number[] = [];
  let outcome: Recorded<OutcomeObservation> | undefined;
  let complete = false;
  let startedTs: string | undefined;
  let endTs: string | undefined;
  for (const event of events) {
    switch (event.type) {
      case 'run.started':
        startedTs = event.ts;
        break;
      case 'capability.requested':
        calls.push({ seq: event.seq, value: { type: 'capability.requested', callId: event.data.callId, name: event.data.name, args: event.data.args } });
        break;
      case 'capability.completed':
        answers.set(event.data.callId, { ok: true, result: event.data.result });
        completionOrder.push(event.data.callId);
        break;
      case 'capability.failed':
        answers.set(event.data.callId, { ok: false, code: event.data.error.code, message: event.data.error.message, details: event.data.error.details });
        completionOrder.push(event.data.callId);
        break;
      case 'log':
        logs.push({ seq: event.seq, value: event.data.fields === undefined ? { type: 'log', level: event.data.level, message: event.data.message } : { type: 'log', level: event.data.level, message: event.data.message, fields: event.data.fields } });
        break;
      case 'run.completed':
        outcome = { seq: event.seq, value: { type: 'run.completed', output: event.data.output } };
        complete = true;
        endTs = event.ts;
        break;
      case 'run.failed':
        outcome = { seq: event.seq, value: { type: 'run.failed', error: { code: event.data.error.code, message: event.data.error.message } } };
        complete = true;
        endTs = event.ts;
        break;
      case 'run.cancelled':
      case 'run.interrupted':
        outcome = { seq: event.seq, value: { type: 'run.cancelled' } };
        break;
      default:
        break;
    }
  }
  const last = events[events.length - 1]?.seq ?? 0;
  const originalWallMs = startedTs !== undefined && endTs !== undefined ? Date.parse(endTs) - Date.parse(startedTs) : null;
  return { calls, logs, answers, completionOrder, outcome, complete, endSeq: outcome?.seq ?? last + 1, originalWallMs };
}

/**
 * Releases recorded answers in recorded completion order: `turn(callId)` resolves once every call that
 * completed before it in the original run has been answered. A call can only complete after it was
 * made, so while the replay makes the recorded calls this never waits for a call that is not coming.
 *
 * Answers that are due together are released back to back, in journal order, and the guest sees them
 * in that order: every answer takes the same number of promise steps from its release to the worker,
 * IPC keeps the order, and the worker runs each delivery as its own isolate task (microtasks drained
 * in between). Releasing is never done inside `turn()` itself, though: the caller's `await` on the
 * promise `turn()` returns is registered only after it returns, so the caller's own answer, released
 * there, would fall behind the answers released in the same pass for calls made earlier (their awaits
 * were registered already): a record where call 2 completed before call 1 would replay as 1, 2.
 * That, not the worker, is what once looked like "results arriving together are seen in callId order".
 */
class CompletionOrder {
  #order: readonly number[];
  #next = 0;
  #waiting = new Map<number, () => void>();
  #pumpQueued = false;
  #closed = false;

  constructor(order: readonly number[]) {
    this.#order = order;
  }

  turn(callId: number): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiting.set(callId, resolve);
    if (!this.#pumpQueued) {
      this.#pumpQueued = true;
      queueMicrotask(() => this.#pump());
    }
    return promise;
  }

  /** Stops pending releases (the replay ended). */
  close(): void {
    this.#closed = true;
  }

  #pump(): void {
    this.#pumpQueued = false;
    while (!this.#closed && this.#next < this.#order.length) {
      const callId = this.#order[this.#next] as number;
      const resolve = this.#waiting.get(callId);
      if (resolve === undefined) return;
      this.#waiting.delete(callId);
      this.#next++;
      resolve();
    }
  }
}

/**
 * Replaces every recorded answer held in capped form (`$capped`, a result over
 * `capabilities.maxEventValueBytes`) by the whole result the broker stored under its digest, before
 * the replay starts, so a missing or altered result stops the replay instead of feeding the guest the
 * stand-in.
 * @throws REPLAY_UNAVAILABLE when there is no result store, or it lacks the result or holds an altered one
 */
async function loadCappedResults(runId: string, record: RunRecordView, results: ResultSource | undefined): Promise<void> {
  for (const [callId, answer] of record.answers) {
    if (!answer.ok || !isCappedValue(answer.result)) continue;
    const digest = answer.result.$capped.sha256;
    if (results === undefined) {
      throw new DaemonError('REPLAY_UNAVAILABLE', `Cannot replay run "${runId}": the result of call ${callId} was recorded capped and no result store is available`, { details: { runId, callId, digest } });
    }
    let json: string;
    try {
      json = await results.get(digest);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new DaemonError('REPLAY_UNAVAILABLE', `Cannot replay run "${runId}": the whole result of call ${callId} cannot be loaded: ${why}`, { details: { runId, callId, digest }, cause: err });
    }
    record.answers.set(callId, { ok: true, result: JSON.parse(json) as unknown });
  }
}

function firstDifference<T extends ReplayObservation>(
  stream: 'calls' | 'logs',
  expected: readonly Recorded<T>[],
  actual: readonly T[],
  record: RunRecordView,
): Divergence | undefined {
  // A record that ends early says nothing about what came after its end.
  const length = record.complete ? Math.max(expected.length, actual.length) : expected.length;
  for (let i = 0; i < length; i++) {
    const want = expected[i];
    const got = actual[i];
    if (want !== undefined && got !== undefined && same(want.value, got)) continue;
    return { stream, seq: want?.seq ?? record.endSeq, expected: want?.value ?? null, actual: got ?? null };
  }
  return undefined;
}

function toOutcome(outcome: SandboxOutcome): OutcomeObservation {
  switch (outcome.status) {
    case 'completed':
      return { type: 'run.completed', output: outcome.output };
    case 'failed':
      return { type: 'run.failed', error: { code: outcome.error.code, message: outcome.error.message } };
    case 'cancelled':
      return { type: 'run.cancelled' };
  }
}

/** The guest's args as the record would hold them: capped the same way when the record capped them. */
function comparableArgs(args: unknown, recorded: unknown): unknown {
  const capped = (recorded as { $capped?: { limitBytes?: unknown } } | null | undefined)?.$capped;
  return capped !== undefined && typeof capped.limitBytes === 'number' ? capEventValue(args, capped.limitBytes) : (args ?? null);
}

/** JSON equality that ignores key order (both sides crossed JSON, so canonical forms compare). */
function same(a: unknown, b: unknown): boolean {
  try {
    return canonicalJson(JSON.parse(JSON.stringify(a ?? null))) === canonicalJson(JSON.parse(JSON.stringify(b ?? null)));
  } catch {
    return false;
  }
}
