/**
 * RunAudit: what auditors ask the daemon for, behind the same visibility rule as every run method
 * (a principal sees its own runs, `admin` sees all): chain verification of one run or all of them,
 * the JSON-lines export of a run, and replay (run-replay.ts).
 */
import { DaemonError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { Journal, JournalFailure } from '../journal/index.ts';
import type { RunEvent, RunInfo, RunsReplayResult } from '../protocol/index.ts';
import type { RunLimits, Sandbox } from '../sandbox/index.ts';
import type { Viewer } from './job-service.ts';
import type { PolicyDecider } from '../policy/index.ts';
import { recheckPolicy, type PolicyRecheck } from './policy-recheck.ts';
import { replayRun, type CodeSource, type ReplayReport, type ResultSource } from './run-replay.ts';

/** Result of `verify`. */
export interface AuditVerification {
  readonly ok: boolean;
  readonly runs: number;
  readonly events: number;
  /** Each broken chain: the run, the first bad seq and why (runId null: damaged bytes of no known run). */
  readonly failures: readonly JournalFailure[];
}

export interface RunAuditOptions {
  readonly journal: Journal<RunEvent>;
  /** Answers "may this viewer see this run?" (throws RUN_NOT_FOUND otherwise): JobService#get. */
  readonly runs: { get(runId: string, viewer: Viewer): RunInfo };
  readonly sandbox: Sandbox;
  readonly code: CodeSource;
  /** The whole results of calls recorded in capped form (the daemon's ResultStore). @default none */
  readonly results?: ResultSource;
  readonly defaultLimits: RunLimits;
  readonly logger: Logger;
  /** The policy in force, for `recheckPolicy`; without it a recheck fails with REPLAY_UNAVAILABLE. */
  readonly policy?: PolicyDecider & { status(): { readonly revision: string | null } };
  /** Replays executing at once (they use sandbox isolates outside the run scheduler); more wait. @default 2 */
  readonly maxConcurrentReplays?: number;
}

/** Verification, export and replay of journaled runs for auditors. */
export class RunAudit {
  #options: RunAuditOptions;
  #log: Logger;
  #replaying = 0;
  #waiting: (() => void)[] = [];

  constructor(options: RunAuditOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'audit' });
  }

  /**
   * Re-verifies the chain of `runId` from disk, or of every run the viewer may see (`all`; an admin
   * also gets damaged bytes no run can be attributed to).
   * @throws RUN_NOT_FOUND for a run the viewer may not see
   */
  async verify(target: { readonly runId: string } | { readonly all: true }, viewer: Viewer): Promise<AuditVerification> {
    const { journal } = this.#options;
    if ('runId' in target) {
      this.#options.runs.get(target.runId, viewer);
      const result = await journal.verifyRun(target.runId);
      return result.ok
        ? { ok: true, runs: 1, events: result.count, failures: [] }
        : { ok: false, runs: 1, events: 0, failures: [{ runId: target.runId, seq: result.seq, reason: result.reason }] };
    }
    if (viewer.admin) return journal.verifyJournal();
    const failures: JournalFailure[] = [];
    let runs = 0;
    let events = 0;
    for (const summary of await journal.listRuns()) {
      if ((summary.first.data as { principal?: unknown } | null)?.principal !== viewer.principal) continue;
      runs++;
      const result = await journal.verifyRun(summary.runId);
      if (result.ok) events += result.count;
      else failures.push({ runId: summary.runId, seq: result.seq, reason: result.reason });
    }
    return { ok: failures.length === 0, runs, events, failures };
  }

  /**
   * The run's export: JSON lines (header, then every record), verifiable offline.
   * @throws RUN_NOT_FOUND
   * @throws JOURNAL_CORRUPT when a record of the run is damaged
   */
  async export(runId: string, viewer: Viewer): Promise<string> {
    this.#options.runs.get(runId, viewer);
    let text = '';
    for await (const line of this.#options.journal.exportRun(runId)) text += line;
    return text;
  }

  /**
   * Replays a finished run from its journal (see run-replay.ts); with `recheckPolicy`, also re-decides
   * every recorded call against the current policy (policy-recheck.ts) and adds `policy` to the report.
   * @throws RUN_NOT_FOUND
   * @throws REPLAY_UNAVAILABLE while the run is queued or running, or when its record cannot be replayed
   */
  async replay(runId: string, viewer: Viewer, options: { readonly signal?: AbortSignal; readonly recheckPolicy?: boolean } = {}): Promise<RunsReplayResult> {
    const info = this.#options.runs.get(runId, viewer);
    if (info.status === 'queued' || info.status === 'running') {
      throw new DaemonError('REPLAY_UNAVAILABLE', `Cannot replay run "${runId}": it is still ${info.status}`, { details: { runId, status: info.status } });
    }
    const events = await this.#options.journal.read(runId);
    let policy: PolicyRecheck | undefined;
    if (options.recheckPolicy === true) {
      if (this.#options.policy === undefined) throw new DaemonError('REPLAY_UNAVAILABLE', `Cannot recheck the policy of run "${runId}": this daemon has no policy engine`);
      policy = await recheckPolicy(events, this.#options.policy);
    }
    await this.#acquire();
    let report: ReplayReport;
    try {
      report = await replayRun(events, {
        sandbox: this.#options.sandbox,
        code: this.#options.code,
        ...(this.#options.results === undefined ? {} : { results: this.#options.results }),
        defaultLimits: this.#options.defaultLimits,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } finally {
      this.#release();
    }
    this.#log.info({ runId, result: report.result, ...(report.result === 'diverged' ? { seq: report.seq, stream: report.stream } : {}), durationMs: report.replayWallMs }, 'run replayed');
    return policy === undefined ? report : { ...report, policy };
  }

  async #acquire(): Promise<void> {
    if (this.#replaying < (this.#options.maxConcurrentReplays ?? 2)) {
      this.#replaying++;
      return;
    }
    // The slot is handed over by #release: the count stays as it is.
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#replaying--;
    else next();
  }
}
