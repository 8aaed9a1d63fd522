/**
 * The Journal contract: a durable, hash-chained, append-only store of run events.
 *
 * It is a superset of the jobs EventStore (append/read/lastSeq/close, same semantics), plus what
 * crash recovery and auditors need. FileJournal is the embedded implementation; a server-backed
 * journal implements the same interface.
 */
import type { ChainVerification } from './verify-run.ts';
import type { JournalEvent, JournalRecord } from './journal-event.ts';

/** How hard an append works before it resolves. */
export type Durability = 'fsync' | 'none';

/** A run's state as derived from its events. */
export type JournalRunStatus = 'open' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

/** What the journal knows about a run without reading its events. */
export interface RunSummary {
  readonly runId: string;
  /** `open` until a terminal event (run.completed/failed/cancelled/interrupted) is stored. */
  readonly status: JournalRunStatus;
  /** `ts` of the first event. */
  readonly createdAt: string;
  /** `ts` of the terminal event, when there is one. */
  readonly finishedAt?: string;
  readonly lastSeq: number;
  readonly lastHash: string;
  /** The run's first event (normally run.accepted: principal, source, policy revision, digest). */
  readonly first: JournalEvent;
  /** The terminal event (output or error), when there is one. */
  readonly terminal?: JournalEvent;
  /** Set when stored records of the run are missing or unreadable: the first seq affected. */
  readonly damagedAtSeq?: number;
}

/** A failure found by `verifyJournal`. */
export interface JournalFailure {
  /** The run affected; null for damaged bytes no run could be attributed to. */
  readonly runId: string | null;
  readonly seq: number;
  readonly reason: string;
}

/** The outcome of `verifyJournal`. */
export interface JournalVerification {
  readonly ok: boolean;
  readonly runs: number;
  readonly events: number;
  readonly failures: readonly JournalFailure[];
}

/** The outcome of `applyRetention`. */
export interface RetentionResult {
  readonly segmentsDeleted: number;
  readonly runsDropped: number;
  readonly bytesFreed: number;
}

/**
 * A durable journal of run events. `E` is the event shape callers use (RunEvent in the daemon), so
 * `Journal<RunEvent>` is structurally an EventStore.
 *
 * Lifecycle: `open → closing → closed`; every method but close() throws DAEMON_CLOSED once closing.
 */
export interface Journal<E extends JournalEvent = JournalEvent> extends AsyncDisposable {
  /**
   * Chains and stores `event`; resolves once it is stored (after its fsync, with durability 'fsync').
   * @throws INTERNAL when `event.seq` is not `lastSeq(runId) + 1` (counting appends still in flight),
   *   when the event is not JSON or `event.runId` differs from `runId`, or after a failed write
   * @throws JOURNAL_CORRUPT when the run's stored records are damaged
   * @throws DAEMON_CLOSED after close()
   */
  append(runId: string, event: E): Promise<void>;
  /**
   * Stored events of `runId` with `seq > afterSeq`, in order, at most `limit`, without chain links;
   * empty for an unknown run. Only stored (durable) events are returned, never a damaged one.
   * @default afterSeq 0, limit unbounded
   * @throws JOURNAL_CORRUPT when a record fails its checksum on read
   */
  read(runId: string, afterSeq?: number, limit?: number): Promise<readonly E[]>;
  /** Like `read`, with `prev` and `hash`. */
  readRecords(runId: string, afterSeq?: number, limit?: number): Promise<readonly JournalRecord[]>;
  /** The highest stored seq of `runId`; 0 when it has none. */
  lastSeq(runId: string): Promise<number>;
  /** Every run in the journal, oldest first. */
  listRuns(): Promise<readonly RunSummary[]>;
  /** Runs without a terminal event (and not damaged): after a crash, the runs that were in flight. */
  openRuns(): Promise<readonly RunSummary[]>;
  /**
   * Appends a correctly chained `run.interrupted` event `{ reason }` to an open run.
   * @throws RUN_NOT_FOUND for an unknown run
   * @throws RUN_NOT_CANCELLABLE when the run already has a terminal event
   */
  markInterrupted(runId: string, reason: string): Promise<JournalRecord>;
  /**
   * Re-verifies a stored run's chain from disk.
   * @throws RUN_NOT_FOUND for an unknown run
   */
  verifyRun(runId: string): Promise<ChainVerification>;
  /** Verifies every run's chain and reports damaged bytes found on open. */
  verifyJournal(): Promise<JournalVerification>;
  /**
   * The run as JSON lines (each string one line ending in "\n"): an export header, then every
   * stored record. See docs/audit.md.
   * @throws RUN_NOT_FOUND for an unknown run
   */
  exportRun(runId: string): AsyncIterable<string>;
  /** Drops whole runs (and the segments holding them) that retention options say are expired. */
  applyRetention(): Promise<RetentionResult>;
  /** Writes out pending appends and releases files. Idempotent. */
  close(): Promise<void>;
}
