/**
 * FileJournal: the embedded journal, append-only segment files in one directory.
 *
 * Why segment files and not SQLite: a torn final write must be detected, truncated and logged, and no
 * damaged event may be served. With our own framing (length + CRC per record, see segment-format.ts)
 * the open-time scan sees every byte, truncates a torn tail and logs it; SQLite would repair its WAL
 * silently. Retention deletes whole files, and group commit is one write + one fdatasync per batch.
 *
 * Group commit: appends arriving in the same turn of the event loop (and all that arrive while a
 * batch is being written) form one batch: one write, then one fdatasync when durability is 'fsync';
 * each append resolves only after the batch holding it is on disk. Readers see an event only after
 * that, so nothing served can vanish in a crash.
 *
 * The run index (run → record locations, chain head, first and terminal event) lives in memory and is
 * rebuilt on open by scanning every segment.
 *
 * This file is the Journal API (reads, verification, export, close). Its parts, sharing one
 * JournalFiles (journal-files.ts): segment-loader.ts opens the directory, recovers a torn tail and
 * rebuilds the run index; append-queue.ts is the group-commit write path; journal-retention.ts
 * drops whole runs.
 *
 *   open ──close()──▶ closing (pending batches written) ──▶ closed
 *     │ write error
 *     ▼
 *   failed (appends throw INTERNAL; reads still served) ──close()──▶ closing
 */
import { open, type FileHandle } from 'node:fs/promises';
import { DaemonError } from '../errors/index.ts';
import { createSilentLogger, type Logger } from '../log/index.ts';
import { AppendQueue } from './append-queue.ts';
import { resolveFileJournalOptions, type FileJournalOptions, type ResolvedFileJournal } from './file-journal-options.ts';
import { interruptedEventType, stripChain, type JournalEvent, type JournalRecord } from './journal-event.ts';
import { JournalFiles, parseRecord, segmentName, type Location, type RunState } from './journal-files.ts';
import { JournalRetention } from './journal-retention.ts';
import type { Journal, JournalFailure, JournalRunStatus, JournalVerification, RetentionResult, RunSummary } from './journal.ts';
import { exportRunLines } from './run-export.ts';
import { frameHeaderBytes, validFrameAt } from './segment-format.ts';
import { loadSegments } from './segment-loader.ts';
import { ChainVerifier, type ChainVerification } from './verify-run.ts';

export { resolveFileJournalOptions, type FileJournalOptions, type ResolvedFileJournal } from './file-journal-options.ts';

/** Reads of neighbouring records are merged when the gap between them is at most this. */
const readGapBytes = 64 * 1024;
const readSpanBytes = 4 * 1024 * 1024;

/**
 * The embedded Journal over segment files. Create with `FileJournal.open`.
 * `FileJournal<RunEvent>` is structurally the jobs EventStore.
 */
export class FileJournal<E extends JournalEvent = JournalEvent> implements Journal<E> {
  readonly options: ResolvedFileJournal;
  #files: JournalFiles;
  #retention: JournalRetention;
  #appends: AppendQueue;
  #closing: Promise<void> | undefined;

  private constructor(options: ResolvedFileJournal, log: Logger) {
    this.options = options;
    this.#files = new JournalFiles(options, log);
    this.#retention = new JournalRetention(this.#files);
    this.#appends = new AppendQueue(this.#files, this.#retention);
  }

  /**
   * Opens (or creates) the journal in `options.dir`: scans every segment, truncates a torn tail of
   * the newest one (logged at warn), records damaged bytes elsewhere (logged at error), rebuilds the
   * run index and applies retention.
   * @throws CONFIG_INVALID for bad options
   */
  static async open<E extends JournalEvent = JournalEvent>(options: FileJournalOptions): Promise<FileJournal<E>> {
    const journal = new FileJournal<E>(resolveFileJournalOptions(options), (options.log ?? createSilentLogger()).child({ component: 'journal' }));
    try {
      await loadSegments(journal.#files);
      if (journal.#retention.enabled) await journal.#retention.run();
    } catch (err) {
      await journal.close();
      throw err;
    }
    return journal;
  }

  async append(runId: string, event: E): Promise<void> {
    await this.#appends.enqueue(runId, event).stored;
  }

  async read(runId: string, afterSeq = 0, limit = Number.POSITIVE_INFINITY): Promise<readonly E[]> {
    const records = await this.readRecords(runId, afterSeq, limit);
    return records.map((record) => stripChain(record) as E);
  }

  async readRecords(runId: string, afterSeq = 0, limit = Number.POSITIVE_INFINITY): Promise<readonly JournalRecord[]> {
    this.#files.assertOpen();
    const run = this.#files.runs.get(runId);
    if (run === undefined || limit <= 0) return [];
    const from = Math.max(0, Math.floor(afterSeq));
    const to = Math.min(run.locations.length, from + limit);
    if (from >= to) return [];
    return this.#readLocations(run, from + 1, run.locations.slice(from, to));
  }

  async lastSeq(runId: string): Promise<number> {
    this.#files.assertOpen();
    return this.#files.runs.get(runId)?.locations.length ?? 0;
  }

  async listRuns(): Promise<readonly RunSummary[]> {
    this.#files.assertOpen();
    const out: RunSummary[] = [];
    for (const run of this.#files.runs.values()) {
      const summary = summarise(run);
      if (summary !== undefined) out.push(summary);
    }
    return out;
  }

  async openRuns(): Promise<readonly RunSummary[]> {
    return (await this.listRuns()).filter((run) => run.status === 'open' && run.damagedAtSeq === undefined);
  }

  async markInterrupted(runId: string, reason: string): Promise<JournalRecord> {
    this.#files.assertOpen();
    const run = this.#files.runs.get(runId);
    if (run === undefined || run.pendingSeq === 0) throw new DaemonError('RUN_NOT_FOUND', `Cannot mark run "${runId}" interrupted: the journal has no such run`);
    if (run.pendingTerminal) throw new DaemonError('RUN_NOT_CANCELLABLE', `Cannot mark run "${runId}" interrupted: it has already ended`);
    const event: JournalEvent = { runId, seq: run.pendingSeq + 1, ts: new Date().toISOString(), type: interruptedEventType, data: { reason } };
    const record = this.#appends.enqueue(runId, event);
    await record.stored;
    this.#files.log.info({ runId, seq: event.seq, reason }, 'run marked interrupted');
    return record.record;
  }

  async verifyRun(runId: string): Promise<ChainVerification> {
    this.#files.assertOpen();
    const run = this.#files.runs.get(runId);
    if (run === undefined || run.locations.length === 0 && run.damagedAtSeq === undefined) {
      throw new DaemonError('RUN_NOT_FOUND', `Cannot verify run "${runId}": the journal has no such run`);
    }
    return this.#verify(run);
  }

  async verifyJournal(): Promise<JournalVerification> {
    this.#files.assertOpen();
    const failures: JournalFailure[] = [];
    let runs = 0;
    let events = 0;
    for (const run of [...this.#files.runs.values()]) {
      if (run.locations.length === 0 && run.damagedAtSeq === undefined) continue;
      runs++;
      const result = await this.#verify(run);
      if (result.ok) events += result.count;
      else failures.push({ runId: run.runId, seq: result.seq, reason: result.reason });
    }
    for (const damage of this.#files.damaged) {
      if (damage.runId !== null && this.#files.runs.has(damage.runId)) continue;
      failures.push({ runId: null, seq: 0, reason: `segment ${segmentName(damage.segment)} holds ${damage.bytes} damaged bytes at offset ${damage.offset}` });
    }
    return { ok: failures.length === 0, runs, events, failures };
  }

  exportRun(runId: string): AsyncIterable<string> {
    this.#files.assertOpen();
    const run = this.#files.runs.get(runId);
    if (run === undefined || run.locations.length === 0) throw new DaemonError('RUN_NOT_FOUND', `Cannot export run "${runId}": the journal has no such run`);
    if (run.damagedAtSeq !== undefined) {
      throw new DaemonError('JOURNAL_CORRUPT', `Cannot export run "${runId}": event ${run.damagedAtSeq} is damaged: ${run.damageReason ?? 'unreadable'}`, {
        details: { runId, seq: run.damagedAtSeq },
      });
    }
    return exportRunLines(this, runId, { lastSeq: run.locations.length, lastHash: run.lastHash });
  }

  async applyRetention(): Promise<RetentionResult> {
    this.#files.assertOpen();
    return this.#retention.run();
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #shutdown(): Promise<void> {
    const files = this.#files;
    files.phase = 'closing';
    await this.#appends.drain();
    await this.#retention.idle();
    const handles: Promise<FileHandle>[] = [];
    for (const segment of files.segments.values()) {
      if (segment.reader !== undefined) handles.push(segment.reader);
      segment.reader = undefined;
    }
    await Promise.allSettled(handles.map(async (handle) => (await handle).close()));
    await files.writer?.close().catch((err: unknown) => files.log.warn({ err }, 'journal segment close failed'));
    files.writer = undefined;
    files.phase = 'closed';
    files.log.info({ dir: this.options.dir }, 'journal closed');
  }

  async #readLocations(run: RunState, firstSeq: number, locations: readonly Location[]): Promise<JournalRecord[]> {
    const out: JournalRecord[] = [];
    let i = 0;
    while (i < locations.length) {
      const start = locations[i] as Location;
      let end = start.offset + frameHeaderBytes + start.payloadBytes;
      let j = i + 1;
      for (; j < locations.length; j++) {
        const next = locations[j] as Location;
        const nextEnd = next.offset + frameHeaderBytes + next.payloadBytes;
        if (next.segment !== start.segment || next.offset < end || next.offset - end > readGapBytes || nextEnd - start.offset > readSpanBytes) break;
        end = nextEnd;
      }
      const segment = this.#files.segments.get(start.segment);
      if (segment === undefined) throw this.#corrupt(run, out.length + 1, 'its segment was deleted');
      segment.reader ??= open(segment.path, 'r');
      const buffer = Buffer.allocUnsafe(end - start.offset);
      const { bytesRead } = await (await segment.reader).read(buffer, 0, buffer.length, start.offset);
      for (let k = i; k < j; k++) {
        const location = locations[k] as Location;
        const at = location.offset - start.offset;
        const seq = firstSeq + k;
        if (validFrameAt(buffer.subarray(0, bytesRead), at, this.options.maxEventBytes) !== location.payloadBytes) {
          throw this.#corrupt(run, seq, `the record at segment ${segmentName(location.segment)} offset ${location.offset} fails its checksum`);
        }
        const record = parseRecord(buffer.subarray(at + frameHeaderBytes, at + frameHeaderBytes + location.payloadBytes));
        if (record === undefined || record.seq !== seq || record.runId !== run.runId) throw this.#corrupt(run, seq, 'the stored record is not the indexed event');
        out.push(record);
      }
      i = j;
    }
    return out;
  }

  #corrupt(run: RunState, seq: number, reason: string): DaemonError {
    this.#files.log.error({ runId: run.runId, seq, reason }, 'journal record unreadable');
    return new DaemonError('JOURNAL_CORRUPT', `Cannot read event ${seq} of run "${run.runId}": ${reason}`, { details: { runId: run.runId, seq } });
  }

  async #verify(run: RunState): Promise<ChainVerification> {
    const verifier = new ChainVerifier(run.runId);
    const pageEvents = 1024;
    let after = 0;
    try {
      while (after < run.locations.length) {
        const page = await this.readRecords(run.runId, after, pageEvents);
        if (page.length === 0) break;
        for (const record of page) {
          if (!verifier.push(record)) return verifier.result();
        }
        after += page.length;
      }
    } catch (err) {
      const details = (err as DaemonError).details as { seq?: number } | undefined;
      verifier.fail(details?.seq ?? verifier.expectedSeq, (err as Error).message);
    }
    if (run.damagedAtSeq !== undefined) verifier.fail(run.damagedAtSeq, run.damageReason ?? `event ${run.damagedAtSeq} is damaged`);
    return verifier.result();
  }
}

function summarise(run: RunState): RunSummary | undefined {
  if (run.first === undefined) return undefined;
  const status: JournalRunStatus = run.terminal === undefined ? 'open' : (run.terminal.type.replace(/^run\./, '') as JournalRunStatus);
  return {
    runId: run.runId,
    status,
    createdAt: run.first.ts,
    ...(run.terminal === undefined ? {} : { finishedAt: run.terminal.ts, terminal: run.terminal }),
    lastSeq: run.locations.length,
    lastHash: run.lastHash,
    first: run.first,
    ...(run.damagedAtSeq === undefined ? {} : { damagedAtSeq: run.damagedAtSeq }),
  };
}
