/**
 * JournalFiles: the state FileJournal's parts share — the segment files, the in-memory run index,
 * the damaged byte ranges found on open, the active segment and its writer — plus the small
 * helpers that keep a run's index entry up to date.
 *
 * Loading (segment-loader.ts), appending (append-queue.ts), retention (journal-retention.ts) and
 * the FileJournal API all work on one JournalFiles; only these parts see it.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { DaemonError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { ResolvedFileJournal } from './file-journal-options.ts';
import { GENESIS_HASH, stripChain, terminalEventTypes, type JournalEvent, type JournalRecord } from './journal-event.ts';

/** Lifecycle of the journal; see the diagram in file-journal.ts. */
export type JournalPhase = 'open' | 'failed' | 'closing' | 'closed';

/** Where one stored record sits. */
export interface Location {
  readonly segment: number;
  /** Offset of the frame in the segment file. */
  readonly offset: number;
  readonly payloadBytes: number;
}

/** The run index entry of one run. */
export interface RunState {
  readonly runId: string;
  /** Stored records by seq - 1; cut short at the first damaged seq. */
  readonly locations: Location[];
  lastHash: string;
  /** Seq and hash of the newest accepted append, stored or still in its batch. */
  pendingSeq: number;
  pendingHash: string;
  pendingTerminal: boolean;
  first: JournalEvent | undefined;
  terminal: JournalEvent | undefined;
  lastTs: string;
  readonly segments: Set<number>;
  damagedAtSeq: number | undefined;
  damageReason: string | undefined;
}

/** One segment file. */
export interface SegmentState {
  readonly id: number;
  readonly path: string;
  size: number;
  readonly runs: Set<RunState>;
  reader: Promise<FileHandle> | undefined;
}

/** A byte range found damaged on open. */
export interface DamagedBytes {
  readonly segment: number;
  readonly offset: number;
  readonly bytes: number;
  readonly runId: string | null;
  readonly seq: number;
}

/** The shared mutable state of one FileJournal. */
export class JournalFiles {
  readonly options: ResolvedFileJournal;
  readonly log: Logger;
  phase: JournalPhase = 'open';
  failure: unknown;
  readonly runs = new Map<string, RunState>();
  readonly segments = new Map<number, SegmentState>();
  damaged: DamagedBytes[] = [];
  active: SegmentState | undefined;
  writer: FileHandle | undefined;

  constructor(options: ResolvedFileJournal, log: Logger) {
    this.options = options;
    this.log = log;
  }

  /** @throws DAEMON_CLOSED once close() has begun */
  assertOpen(): void {
    if (this.phase === 'closing' || this.phase === 'closed') throw new DaemonError('DAEMON_CLOSED', 'Cannot use the journal: it is closed');
  }

  /** Makes creations and deletions of segment files durable. */
  async syncDir(): Promise<void> {
    const dir = await open(this.options.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/** The file name of segment `id`. */
export function segmentName(id: number): string {
  return `${String(id).padStart(16, '0')}.seg`;
}

/** An index entry for a run with nothing stored yet. */
export function newRunState(runId: string): RunState {
  return {
    runId,
    locations: [],
    lastHash: GENESIS_HASH,
    pendingSeq: 0,
    pendingHash: GENESIS_HASH,
    pendingTerminal: false,
    first: undefined,
    terminal: undefined,
    lastTs: '',
    segments: new Set(),
    damagedAtSeq: undefined,
    damageReason: undefined,
  };
}

/** Updates the run's chain head, first and terminal event after `record` is stored. */
export function noteStored(run: RunState, record: JournalRecord): void {
  run.lastHash = record.hash;
  run.pendingSeq = Math.max(run.pendingSeq, record.seq);
  if (run.pendingSeq === record.seq) run.pendingHash = record.hash;
  run.lastTs = record.ts;
  if (record.seq === 1) run.first = stripChain(record);
  if (terminalEventTypes.has(record.type)) {
    run.terminal = stripChain(record);
    run.pendingTerminal = true;
  }
}

/** Records the first damaged seq of a run and why. */
export function markDamaged(run: RunState, seq: number, reason: string): void {
  run.damagedAtSeq = seq;
  run.damageReason = reason;
}

/** A record payload as a JournalRecord, or undefined when it is not one. */
export function parseRecord(payload: Buffer): JournalRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  const ok = typeof record.runId === 'string' && Number.isSafeInteger(record.seq) && (record.seq as number) >= 1 && typeof record.ts === 'string' &&
    typeof record.type === 'string' && typeof record.prev === 'string' && typeof record.hash === 'string';
  return ok ? (value as JournalRecord) : undefined;
}
