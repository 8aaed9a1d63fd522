/**
 * EventStore: where run events live, behind an interface so the journal issue can make it durable.
 *
 * The contract is append-only and gapless per run: `append` accepts only `lastSeq + 1`. Every method is
 * async so a file-backed store (fsync on append, reads from disk) fits without changing callers.
 */
import { DaemonError } from '../errors/index.ts';
import type { RunEvent } from '../protocol/index.ts';

/** Append-only, per-run ordered store of run events. */
export interface EventStore extends AsyncDisposable {
  /**
   * Appends `event` to `runId`'s log; resolves once the event is stored (durably, for durable stores).
   * @throws INTERNAL when `event.seq` is not `lastSeq(runId) + 1`
   * @throws DAEMON_CLOSED after close()
   */
  append(runId: string, event: RunEvent): Promise<void>;
  /**
   * Events of `runId` with `seq > afterSeq`, in order, at most `limit` of them; empty for an unknown run.
   * @default afterSeq 0, limit unbounded
   */
  read(runId: string, afterSeq?: number, limit?: number): Promise<readonly RunEvent[]>;
  /** The highest stored seq of `runId`; 0 when it has none. */
  lastSeq(runId: string): Promise<number>;
  /** Flushes and releases the store. Idempotent. */
  close(): Promise<void>;
}

/** EventStore kept in process memory: lost on restart (the journal issue replaces it). */
export class MemoryEventStore implements EventStore {
  #logs = new Map<string, RunEvent[]>();
  #closed = false;

  async append(runId: string, event: RunEvent): Promise<void> {
    this.#assertOpen();
    let log = this.#logs.get(runId);
    if (log === undefined) {
      log = [];
      this.#logs.set(runId, log);
    }
    if (event.seq !== log.length + 1) {
      throw new DaemonError('INTERNAL', `Cannot append event to run "${runId}": seq ${event.seq} does not follow ${log.length}`);
    }
    log.push(event);
  }

  async read(runId: string, afterSeq = 0, limit = Number.POSITIVE_INFINITY): Promise<readonly RunEvent[]> {
    this.#assertOpen();
    const from = Math.max(0, afterSeq);
    return (this.#logs.get(runId) ?? []).slice(from, from + limit);
  }

  async lastSeq(runId: string): Promise<number> {
    this.#assertOpen();
    return this.#logs.get(runId)?.length ?? 0;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new DaemonError('DAEMON_CLOSED', 'Cannot use the event store: it is closed');
  }
}
