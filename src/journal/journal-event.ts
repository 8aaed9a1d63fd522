/**
 * The journal's record format: a run event plus its place in the run's hash chain.
 *
 * `prev` is the `hash` of the run's previous event (GENESIS_HASH for seq 1); `hash` is SHA-256 (hex)
 * over the RFC 8785 canonical JSON of the record without `hash`. Editing, deleting or reordering any
 * event therefore changes a hash that a later event commits to. docs/audit.md describes the format
 * for auditors who verify with their own tools.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

/** A run event as the journal stores it: any `type`, JSON `data` (RunEvent is one such shape). */
export interface JournalEvent {
  readonly runId: string;
  /** 1-based, gapless per run. */
  readonly seq: number;
  /** ISO 8601. */
  readonly ts: string;
  readonly type: string;
  readonly data: unknown;
}

/** A stored event: the event with its chain links. */
export interface JournalRecord extends JournalEvent {
  /** `hash` of the previous event of the run; GENESIS_HASH for seq 1. */
  readonly prev: string;
  /** SHA-256 hex of the canonical JSON of this record without `hash`. */
  readonly hash: string;
}

/** The `prev` of every run's first event: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** Event types after which a run receives no more events. */
export const terminalEventTypes: ReadonlySet<string> = new Set(['run.completed', 'run.failed', 'run.cancelled', 'run.interrupted']);

/** The event type the journal appends to runs a crash left open. */
export const interruptedEventType = 'run.interrupted';

/**
 * The chain hash of `record` (its `hash` member, if any, is ignored).
 * @throws TypeError when the event holds a value JSON cannot carry (see canonicalJson)
 */
export function hashRecord(record: JournalEvent & { readonly prev: string }): string {
  const { runId, seq, ts, type, data, prev } = record;
  return createHash('sha256').update(canonicalJson({ runId, seq, ts, type, data, prev })).digest('hex');
}

/**
 * Links `event` into its run's chain after the event whose hash is `prev`. Only the six record
 * members are kept, so extra properties on the event never reach the journal.
 */
export function chainEvent(event: JournalEvent, prev: string): JournalRecord {
  const base = { runId: event.runId, seq: event.seq, ts: event.ts, type: event.type, data: event.data, prev };
  return { ...base, hash: hashRecord(base) };
}

/** The event without its chain links: what EventStore readers and clients see. */
export function stripChain(record: JournalRecord): JournalEvent {
  return { runId: record.runId, seq: record.seq, ts: record.ts, type: record.type, data: record.data };
}
