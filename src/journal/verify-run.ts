/**
 * Offline chain verification: checks a run's events one by one without any journal or daemon, so the
 * same code serves `verifyJournal()`, exported JSON lines and an auditor's own copy.
 */
import { GENESIS_HASH, hashRecord } from './journal-event.ts';

/** The outcome of verifying one run's chain. */
export type ChainVerification =
  | { readonly ok: true; readonly count: number; readonly lastHash: string }
  | { readonly ok: false; readonly seq: number; readonly reason: string };

const hexHash = /^[0-9a-f]{64}$/;

/**
 * Verifies a run's events incrementally: feed them with `push` in stored order, then call `result`.
 * After the first failure further events are ignored; the failure names the first bad seq.
 */
export class ChainVerifier {
  #runId: string | undefined;
  #count = 0;
  #lastHash = GENESIS_HASH;
  #failure: { ok: false; seq: number; reason: string } | undefined;

  /** @param runId the run every event must belong to; the first event's runId when omitted */
  constructor(runId?: string) {
    this.#runId = runId;
  }

  /** The seq the next event must carry. */
  get expectedSeq(): number {
    return this.#count + 1;
  }

  /** Checks the next event; returns false once the chain is broken. */
  push(value: unknown): boolean {
    if (this.#failure !== undefined) return false;
    const seq = this.#count + 1;
    const problem = this.#check(value, seq);
    if (problem !== undefined) {
      this.#failure = { ok: false, seq, reason: problem };
      return false;
    }
    this.#count = seq;
    this.#lastHash = (value as { hash: string }).hash;
    return true;
  }

  /** Records a failure found outside the events themselves (an unreadable line, a missing record). */
  fail(seq: number, reason: string): void {
    this.#failure ??= { ok: false, seq, reason };
  }

  result(): ChainVerification {
    return this.#failure ?? { ok: true, count: this.#count, lastHash: this.#lastHash };
  }

  #check(value: unknown, seq: number): string | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return `event ${seq} is not a JSON object`;
    const event = value as Record<string, unknown>;
    const extra = Object.keys(event).filter((key) => !['runId', 'seq', 'ts', 'type', 'data', 'prev', 'hash'].includes(key));
    if (extra.length > 0) return `event ${seq} has unknown members: ${extra.map((key) => `"${key}"`).join(', ')}`;
    if (typeof event.runId !== 'string') return `event ${seq} has no string "runId"`;
    this.#runId ??= event.runId;
    if (event.runId !== this.#runId) return `event ${seq} belongs to run "${event.runId}", not "${this.#runId}"`;
    if (event.seq !== seq) {
      const found = typeof event.seq === 'number' ? String(event.seq) : JSON.stringify(event.seq);
      return typeof event.seq === 'number' && event.seq > seq
        ? `event ${seq} is missing: found seq ${found} instead`
        : `event ${seq} is out of order: found seq ${found} instead`;
    }
    if (typeof event.ts !== 'string') return `event ${seq} has no string "ts"`;
    if (typeof event.type !== 'string') return `event ${seq} has no string "type"`;
    if (!('data' in event)) return `event ${seq} has no "data"`;
    if (typeof event.prev !== 'string' || !hexHash.test(event.prev)) return `event ${seq} has no valid "prev"`;
    if (typeof event.hash !== 'string' || !hexHash.test(event.hash)) return `event ${seq} has no valid "hash"`;
    if (event.prev !== this.#lastHash) return `event ${seq} does not follow event ${seq - 1}: "prev" is ${event.prev}, expected ${this.#lastHash}`;
    let actual: string;
    try {
      actual = hashRecord(event as { runId: string; seq: number; ts: string; type: string; data: unknown; prev: string });
    } catch (err) {
      return `event ${seq} cannot be canonicalised: ${(err as Error).message}`;
    }
    if (actual !== event.hash) return `event ${seq} was altered: its content hashes to ${actual}, the record says ${event.hash}`;
    return undefined;
  }
}

/**
 * Verifies a run's chain from its events in stored order: seq 1 upwards without gaps, every `prev`
 * the previous `hash`, every `hash` the SHA-256 of the canonical record. Pure; works offline.
 * @returns `{ ok: true, count }` or the first bad seq and why
 */
export function verifyRun(events: Iterable<unknown>, runId?: string): ChainVerification {
  const verifier = new ChainVerifier(runId);
  for (const event of events) {
    if (!verifier.push(event)) break;
  }
  return verifier.result();
}
