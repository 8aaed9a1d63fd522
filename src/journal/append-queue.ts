/**
 * Append queue: FileJournal's write path with group commit.
 *
 * Appends arriving in the same turn of the event loop (and all that arrive while a batch is being
 * written) form one batch: one write, then one fdatasync when durability is 'fsync'; each append
 * resolves only after the batch holding it is on disk, and only then does the run index point at it.
 * A write error fails the journal: queued appends reject and later ones throw INTERNAL.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonError } from '../errors/index.ts';
import { chainEvent, GENESIS_HASH, terminalEventTypes, type JournalEvent, type JournalRecord } from './journal-event.ts';
import { newRunState, noteStored, segmentName, type JournalFiles, type RunState, type SegmentState } from './journal-files.ts';
import type { JournalRetention } from './journal-retention.ts';
import { encodeFrame, frameHeaderBytes, segmentFileHeader } from './segment-format.ts';

interface PendingAppend {
  readonly run: RunState;
  readonly record: JournalRecord;
  readonly frame: Buffer;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Largest group-commit write. */
const maxBatchBytes = 4 * 1024 * 1024;

/** Queues appends and writes them to the active segment in batches, rolling segments when full. */
export class AppendQueue {
  #files: JournalFiles;
  #retention: JournalRetention;
  #queue: PendingAppend[] = [];
  #flushing: Promise<void> | undefined;

  constructor(files: JournalFiles, retention: JournalRetention) {
    this.#files = files;
    this.#retention = retention;
  }

  /**
   * Checks and chains `event`, then queues it; `stored` resolves once it is on disk.
   * @throws DAEMON_CLOSED when closing, JOURNAL_CORRUPT for a damaged run, INTERNAL for a bad event or a failed journal
   */
  enqueue(runId: string, event: JournalEvent): { record: JournalRecord; stored: Promise<void> } {
    const files = this.#files;
    files.assertOpen();
    if (files.phase === 'failed') {
      throw new DaemonError('INTERNAL', `Cannot append event to run "${runId}": the journal stopped accepting appends after a write error`, { cause: files.failure });
    }
    if (event.runId !== runId) throw new DaemonError('INTERNAL', `Cannot append event to run "${runId}": the event belongs to run "${String(event.runId)}"`);
    let run = files.runs.get(runId);
    if (run?.damagedAtSeq !== undefined) {
      throw new DaemonError('JOURNAL_CORRUPT', `Cannot append event to run "${runId}": event ${run.damagedAtSeq} is damaged`, { details: { runId, seq: run.damagedAtSeq } });
    }
    const expected = (run?.pendingSeq ?? 0) + 1;
    if (event.seq !== expected) throw new DaemonError('INTERNAL', `Cannot append event to run "${runId}": seq ${event.seq} does not follow ${expected - 1}`);
    if (run?.pendingTerminal === true) throw new DaemonError('INTERNAL', `Cannot append event to run "${runId}": the run has already ended`);
    if (typeof event.ts !== 'string' || typeof event.type !== 'string') {
      throw new DaemonError('INTERNAL', `Cannot append event to run "${runId}": "ts" and "type" must be strings`);
    }
    let record: JournalRecord;
    let payload: Buffer;
    try {
      record = chainEvent(event, run?.pendingHash ?? GENESIS_HASH);
      payload = Buffer.from(JSON.stringify(record), 'utf8');
    } catch (err) {
      throw new DaemonError('INTERNAL', `Cannot append event ${event.seq} to run "${runId}": the event is not JSON: ${(err as Error).message}`, { cause: err });
    }
    if (payload.length > files.options.maxEventBytes) {
      throw new DaemonError('INTERNAL', `Cannot append event ${event.seq} to run "${runId}": it is ${payload.length} bytes, over the ${files.options.maxEventBytes} byte limit`);
    }
    if (run === undefined) {
      run = newRunState(runId);
      files.runs.set(runId, run);
    }
    run.pendingSeq = record.seq;
    run.pendingHash = record.hash;
    run.pendingTerminal = terminalEventTypes.has(record.type);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#queue.push({ run, record, frame: encodeFrame(payload), resolve, reject });
    this.#flushing ??= this.#flushLoop();
    return { record, stored: promise };
  }

  /** Settles once every queued batch has been written (or failed). */
  async drain(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
  }

  async #flushLoop(): Promise<void> {
    try {
      // Let every append of this turn of the event loop join the first batch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.#queue.length > 0) {
        const batch = this.#takeBatch();
        try {
          await this.#writeBatch(batch);
        } catch (err) {
          this.#fail(err, batch);
          return;
        }
        for (const item of batch) item.resolve();
      }
    } finally {
      // Cleared in the same turn as the last queue check, so a later append always starts a new loop.
      this.#flushing = undefined;
    }
  }

  /** The oldest queued appends, up to one segment's worth of bytes (at least one append). */
  #takeBatch(): PendingAppend[] {
    const capBytes = Math.min(this.#files.options.segmentMaxBytes, maxBatchBytes);
    let bytes = 0;
    let count = 0;
    for (const item of this.#queue) {
      if (count > 0 && bytes + item.frame.length > capBytes) break;
      bytes += item.frame.length;
      count++;
    }
    return this.#queue.splice(0, count);
  }

  async #writeBatch(batch: readonly PendingAppend[]): Promise<void> {
    const files = this.#files;
    if (files.active === undefined || files.writer === undefined || files.active.size >= files.options.segmentMaxBytes) {
      await this.#startSegment();
      if (this.#retention.enabled) {
        // A failed retention pass must not fail the appends: it is retried at the next roll.
        await this.#retention.run().catch((err: unknown) => files.log.warn({ err }, 'journal retention failed'));
      }
    }
    const segment = files.active as SegmentState;
    const writer = files.writer as FileHandle;
    const bytes = batch.length === 1 ? (batch[0] as PendingAppend).frame : Buffer.concat(batch.map((item) => item.frame));
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await writer.write(bytes, written, bytes.length - written, null);
      written += bytesWritten;
    }
    if (files.options.durability === 'fsync') await writer.datasync();
    let offset = segment.size;
    for (const { run, record, frame } of batch) {
      run.locations.push({ segment: segment.id, offset, payloadBytes: frame.length - frameHeaderBytes });
      noteStored(run, record);
      run.segments.add(segment.id);
      segment.runs.add(run);
      offset += frame.length;
    }
    segment.size = offset;
  }

  #fail(err: unknown, batch: readonly PendingAppend[]): void {
    const files = this.#files;
    files.phase = files.phase === 'open' ? 'failed' : files.phase;
    files.failure = err;
    files.log.error({ err, events: batch.length + this.#queue.length }, 'journal write failed');
    const error = new DaemonError('INTERNAL', 'Cannot append to the journal: the write failed', { cause: err });
    for (const item of [...batch, ...this.#queue.splice(0)]) item.reject(error);
  }

  async #startSegment(): Promise<void> {
    const files = this.#files;
    await files.writer?.close();
    files.writer = undefined;
    const id = Math.max(0, ...files.segments.keys()) + 1;
    const path = join(files.options.dir, segmentName(id));
    const writer = await open(path, 'wx');
    try {
      await writer.write(segmentFileHeader, 0, segmentFileHeader.length, null);
      if (files.options.durability === 'fsync') {
        await writer.datasync();
        await files.syncDir();
      }
    } catch (err) {
      await writer.close();
      throw err;
    }
    const segment: SegmentState = { id, path, size: segmentFileHeader.length, runs: new Set(), reader: undefined };
    files.segments.set(id, segment);
    files.active = segment;
    files.writer = writer;
  }
}
