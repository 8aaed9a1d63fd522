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
 *   open ──close()──▶ closing (pending batches written) ──▶ closed
 *     │ write error
 *     ▼
 *   failed (appends throw INTERNAL; reads still served) ──close()──▶ closing
 */
import { mkdir, open, readdir, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonError } from '../errors/index.ts';
import { createSilentLogger, type Logger } from '../log/index.ts';
import { chainEvent, GENESIS_HASH, interruptedEventType, stripChain, terminalEventTypes, type JournalEvent, type JournalRecord } from './journal-event.ts';
import type { Durability, Journal, JournalFailure, JournalRunStatus, JournalVerification, RetentionResult, RunSummary } from './journal.ts';
import { exportRunLines } from './run-export.ts';
import { encodeFrame, frameHeaderBytes, frameMagic, scanSegment, segmentFileHeader, validFrameAt } from './segment-format.ts';
import { ChainVerifier, type ChainVerification } from './verify-run.ts';

/** Options of FileJournal.open. */
export interface FileJournalOptions {
  /** Directory of the segment files; created when missing. */
  readonly dir: string;
  /** 'fsync': an append resolves after fdatasync; 'none': after the write reached the OS. @default 'fsync' */
  readonly durability?: Durability;
  /** A segment is closed and a new one started once it holds this many bytes. @default 64 MiB */
  readonly segmentMaxBytes?: number;
  /** Largest serialised event accepted. @default 16 MiB */
  readonly maxEventBytes?: number;
  /** Whole runs are dropped when they ended more than `maxAgeMs` ago or the journal exceeds `maxBytes`. @default none */
  readonly retention?: { readonly maxAgeMs?: number; readonly maxBytes?: number };
  /** @default silent */
  readonly log?: Logger;
}

/** FileJournal options with every default applied. */
export interface ResolvedFileJournal {
  readonly dir: string;
  readonly durability: Durability;
  readonly segmentMaxBytes: number;
  readonly maxEventBytes: number;
  readonly retentionMaxAgeMs: number | null;
  readonly retentionMaxBytes: number | null;
}

type JournalState = 'open' | 'failed' | 'closing' | 'closed';

interface Location {
  readonly segment: number;
  /** Offset of the frame in the segment file. */
  readonly offset: number;
  readonly payloadBytes: number;
}

interface RunState {
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

interface SegmentState {
  readonly id: number;
  readonly path: string;
  size: number;
  readonly runs: Set<RunState>;
  reader: Promise<FileHandle> | undefined;
}

interface DamagedBytes {
  readonly segment: number;
  readonly offset: number;
  readonly bytes: number;
  readonly runId: string | null;
  readonly seq: number;
}

interface PendingAppend {
  readonly run: RunState;
  readonly record: JournalRecord;
  readonly frame: Buffer;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

const mib = 1024 * 1024;
const segmentNamePattern = /^(\d{16})\.seg$/;
/** Reads of neighbouring records are merged when the gap between them is at most this. */
const readGapBytes = 64 * 1024;
const readSpanBytes = 4 * mib;
/** Largest group-commit write. */
const maxBatchBytes = 4 * mib;

/** Resolves FileJournal options. @throws CONFIG_INVALID for a non-positive size */
export function resolveFileJournalOptions(options: FileJournalOptions): ResolvedFileJournal {
  const resolved: ResolvedFileJournal = {
    dir: options.dir,
    durability: options.durability ?? 'fsync',
    segmentMaxBytes: options.segmentMaxBytes ?? 64 * mib,
    maxEventBytes: options.maxEventBytes ?? 16 * mib,
    retentionMaxAgeMs: options.retention?.maxAgeMs ?? null,
    retentionMaxBytes: options.retention?.maxBytes ?? null,
  };
  for (const key of ['segmentMaxBytes', 'maxEventBytes'] as const) {
    if (!(resolved[key] > 0)) throw new DaemonError('CONFIG_INVALID', `Cannot open the journal: "${key}" must be positive, got ${resolved[key]}`);
  }
  if (resolved.durability !== 'fsync' && resolved.durability !== 'none') {
    throw new DaemonError('CONFIG_INVALID', `Cannot open the journal: "durability" must be "fsync" or "none", got "${String(resolved.durability)}"`);
  }
  return resolved;
}

/**
 * The embedded Journal over segment files. Create with `FileJournal.open`.
 * `FileJournal<RunEvent>` is structurally the jobs EventStore.
 */
export class FileJournal<E extends JournalEvent = JournalEvent> implements Journal<E> {
  readonly options: ResolvedFileJournal;
  #log: Logger;
  #state: JournalState = 'open';
  #failure: unknown;
  #runs = new Map<string, RunState>();
  #segments = new Map<number, SegmentState>();
  #damaged: DamagedBytes[] = [];
  #active: SegmentState | undefined;
  #writer: FileHandle | undefined;
  #queue: PendingAppend[] = [];
  #flushing: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #retention: Promise<unknown> = Promise.resolve();

  private constructor(options: ResolvedFileJournal, log: Logger) {
    this.options = options;
    this.#log = log;
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
      await journal.#load();
    } catch (err) {
      await journal.close();
      throw err;
    }
    return journal;
  }

  async append(runId: string, event: E): Promise<void> {
    await this.#enqueue(runId, event).stored;
  }

  async read(runId: string, afterSeq = 0, limit = Number.POSITIVE_INFINITY): Promise<readonly E[]> {
    const records = await this.readRecords(runId, afterSeq, limit);
    return records.map((record) => stripChain(record) as E);
  }

  async readRecords(runId: string, afterSeq = 0, limit = Number.POSITIVE_INFINITY): Promise<readonly JournalRecord[]> {
    this.#assertOpen();
    const run = this.#runs.get(runId);
    if (run === undefined || limit <= 0) return [];
    const from = Math.max(0, Math.floor(afterSeq));
    const to = Math.min(run.locations.length, from + limit);
    if (from >= to) return [];
    return this.#readLocations(run, from + 1, run.locations.slice(from, to));
  }

  async lastSeq(runId: string): Promise<number> {
    this.#assertOpen();
    return this.#runs.get(runId)?.locations.length ?? 0;
  }

  async listRuns(): Promise<readonly RunSummary[]> {
    this.#assertOpen();
    const out: RunSummary[] = [];
    for (const run of this.#runs.values()) {
      const summary = summarise(run);
      if (summary !== undefined) out.push(summary);
    }
    return out;
  }

  async openRuns(): Promise<readonly RunSummary[]> {
    return (await this.listRuns()).filter((run) => run.status === 'open' && run.damagedAtSeq === undefined);
  }

  async markInterrupted(runId: string, reason: string): Promise<JournalRecord> {
    this.#assertOpen();
    const run = this.#runs.get(runId);
    if (run === undefined || run.pendingSeq === 0) throw new DaemonError('RUN_NOT_FOUND', `Cannot mark run "${runId}" interrupted: the journal has no such run`);
    if (run.pendingTerminal) throw new DaemonError('RUN_NOT_CANCELLABLE', `Cannot mark run "${runId}" interrupted: it has already ended`);
    const event: JournalEvent = { runId, seq: run.pendingSeq + 1, ts: new Date().toISOString(), type: interruptedEventType, data: { reason } };
    const record = this.#enqueue(runId, event);
    await record.stored;
    this.#log.info({ runId, seq: event.seq, reason }, 'run marked interrupted');
    return record.record;
  }

  async verifyRun(runId: string): Promise<ChainVerification> {
    this.#assertOpen();
    const run = this.#runs.get(runId);
    if (run === undefined || run.locations.length === 0 && run.damagedAtSeq === undefined) {
      throw new DaemonError('RUN_NOT_FOUND', `Cannot verify run "${runId}": the journal has no such run`);
    }
    return this.#verify(run);
  }

  async verifyJournal(): Promise<JournalVerification> {
    this.#assertOpen();
    const failures: JournalFailure[] = [];
    let runs = 0;
    let events = 0;
    for (const run of [...this.#runs.values()]) {
      if (run.locations.length === 0 && run.damagedAtSeq === undefined) continue;
      runs++;
      const result = await this.#verify(run);
      if (result.ok) events += result.count;
      else failures.push({ runId: run.runId, seq: result.seq, reason: result.reason });
    }
    for (const damage of this.#damaged) {
      if (damage.runId !== null && this.#runs.has(damage.runId)) continue;
      failures.push({ runId: null, seq: 0, reason: `segment ${segmentName(damage.segment)} holds ${damage.bytes} damaged bytes at offset ${damage.offset}` });
    }
    return { ok: failures.length === 0, runs, events, failures };
  }

  exportRun(runId: string): AsyncIterable<string> {
    this.#assertOpen();
    const run = this.#runs.get(runId);
    if (run === undefined || run.locations.length === 0) throw new DaemonError('RUN_NOT_FOUND', `Cannot export run "${runId}": the journal has no such run`);
    if (run.damagedAtSeq !== undefined) {
      throw new DaemonError('JOURNAL_CORRUPT', `Cannot export run "${runId}": event ${run.damagedAtSeq} is damaged: ${run.damageReason ?? 'unreadable'}`, {
        details: { runId, seq: run.damagedAtSeq },
      });
    }
    return exportRunLines(this, runId, { lastSeq: run.locations.length, lastHash: run.lastHash });
  }

  async applyRetention(): Promise<RetentionResult> {
    this.#assertOpen();
    return this.#retain();
  }

  /** Runs retention passes one at a time (a segment roll and a caller may ask at once). */
  #retain(): Promise<RetentionResult> {
    const pass = this.#retention.then(() => this.#retainNow());
    this.#retention = pass.catch(() => undefined);
    return pass;
  }

  async #retainNow(): Promise<RetentionResult> {
    const { retentionMaxAgeMs: maxAgeMs, retentionMaxBytes: maxBytes } = this.options;
    const result = { segmentsDeleted: 0, runsDropped: 0, bytesFreed: 0 };
    if (maxAgeMs === null && maxBytes === null) return result;
    const cutoffMs = maxAgeMs === null ? Number.NEGATIVE_INFINITY : Date.now() - maxAgeMs;
    let totalBytes = 0;
    for (const segment of this.#segments.values()) totalBytes += segment.size;
    // Oldest first, in groups: a run is only ever dropped whole, so a segment goes together with every
    // later segment its runs reach. The first group that must stay (or holds an open run) stops it.
    let group: SegmentState[] = [];
    let horizon = 0;
    for (const segment of [...this.#segments.values()].sort((a, b) => a.id - b.id)) {
      if (segment === this.#active) break;
      if (![...segment.runs].every(isSettled)) break;
      group.push(segment);
      for (const run of segment.runs) horizon = Math.max(horizon, ...run.segments);
      if (horizon > segment.id) continue;
      const runs = group.flatMap((member) => [...member.runs]);
      const expired = maxAgeMs !== null && runs.every((run) => endedBefore(run, cutoffMs));
      const oversize = maxBytes !== null && totalBytes > maxBytes;
      if (!(expired || oversize)) break;
      for (const member of group) {
        await this.#deleteSegment(member);
        totalBytes -= member.size;
        result.segmentsDeleted++;
        result.bytesFreed += member.size;
      }
      result.runsDropped += new Set(runs).size;
      group = [];
    }
    if (result.segmentsDeleted > 0) this.#log.info(result, 'journal retention applied');
    return result;
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #shutdown(): Promise<void> {
    this.#state = 'closing';
    while (this.#flushing !== undefined) await this.#flushing;
    await this.#retention;
    const handles: Promise<FileHandle>[] = [];
    for (const segment of this.#segments.values()) {
      if (segment.reader !== undefined) handles.push(segment.reader);
      segment.reader = undefined;
    }
    await Promise.allSettled(handles.map(async (handle) => (await handle).close()));
    await this.#writer?.close().catch((err: unknown) => this.#log.warn({ err }, 'journal segment close failed'));
    this.#writer = undefined;
    this.#state = 'closed';
    this.#log.info({ dir: this.options.dir }, 'journal closed');
  }

  #assertOpen(): void {
    if (this.#state === 'closing' || this.#state === 'closed') throw new DaemonError('DAEMON_CLOSED', 'Cannot use the journal: it is closed');
  }

  #enqueue(runId: string, event: JournalEvent): { record: JournalRecord; stored: Promise<void> } {
    this.#assertOpen();
    if (this.#state === 'failed') {
      throw new DaemonError('INTERNAL', `Cannot append event to run "${runId}": the journal stopped accepting appends after a write error`, { cause: this.#failure });
    }
    if (event.runId !== runId) throw new DaemonError('INTERNAL', `Cannot append event to run "${runId}": the event belongs to run "${String(event.runId)}"`);
    let run = this.#runs.get(runId);
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
    if (payload.length > this.options.maxEventBytes) {
      throw new DaemonError('INTERNAL', `Cannot append event ${event.seq} to run "${runId}": it is ${payload.length} bytes, over the ${this.options.maxEventBytes} byte limit`);
    }
    if (run === undefined) {
      run = newRunState(runId);
      this.#runs.set(runId, run);
    }
    run.pendingSeq = record.seq;
    run.pendingHash = record.hash;
    run.pendingTerminal = terminalEventTypes.has(record.type);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#queue.push({ run, record, frame: encodeFrame(payload), resolve, reject });
    this.#flushing ??= this.#flushLoop();
    return { record, stored: promise };
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
    const capBytes = Math.min(this.options.segmentMaxBytes, maxBatchBytes);
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
    if (this.#active === undefined || this.#writer === undefined || this.#active.size >= this.options.segmentMaxBytes) {
      await this.#startSegment();
      if (this.options.retentionMaxAgeMs !== null || this.options.retentionMaxBytes !== null) {
        // A failed retention pass must not fail the appends: it is retried at the next roll.
        await this.#retain().catch((err: unknown) => this.#log.warn({ err }, 'journal retention failed'));
      }
    }
    const segment = this.#active as SegmentState;
    const writer = this.#writer as FileHandle;
    const bytes = batch.length === 1 ? (batch[0] as PendingAppend).frame : Buffer.concat(batch.map((item) => item.frame));
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await writer.write(bytes, written, bytes.length - written, null);
      written += bytesWritten;
    }
    if (this.options.durability === 'fsync') await writer.datasync();
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
    this.#state = this.#state === 'open' ? 'failed' : this.#state;
    this.#failure = err;
    this.#log.error({ err, events: batch.length + this.#queue.length }, 'journal write failed');
    const error = new DaemonError('INTERNAL', 'Cannot append to the journal: the write failed', { cause: err });
    for (const item of [...batch, ...this.#queue.splice(0)]) item.reject(error);
  }

  async #startSegment(): Promise<void> {
    await this.#writer?.close();
    this.#writer = undefined;
    const id = Math.max(0, ...this.#segments.keys()) + 1;
    const path = join(this.options.dir, segmentName(id));
    const writer = await open(path, 'wx');
    try {
      await writer.write(segmentFileHeader, 0, segmentFileHeader.length, null);
      if (this.options.durability === 'fsync') {
        await writer.datasync();
        await this.#syncDir();
      }
    } catch (err) {
      await writer.close();
      throw err;
    }
    const segment: SegmentState = { id, path, size: segmentFileHeader.length, runs: new Set(), reader: undefined };
    this.#segments.set(id, segment);
    this.#active = segment;
    this.#writer = writer;
  }

  async #syncDir(): Promise<void> {
    const dir = await open(this.options.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async #load(): Promise<void> {
    const startedMs = performance.now();
    await mkdir(this.options.dir, { recursive: true });
    const ids = (await readdir(this.options.dir))
      .map((name) => segmentNamePattern.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    let events = 0;
    for (const [index, id] of ids.entries()) {
      events += await this.#loadSegment(id, index === ids.length - 1);
    }
    this.#attributeDamage();
    const last = ids.length === 0 ? undefined : this.#segments.get(ids[ids.length - 1] as number);
    if (last !== undefined && last.size < this.options.segmentMaxBytes) {
      this.#writer = await open(last.path, 'a');
      this.#active = last;
    }
    this.#log.info({ dir: this.options.dir, segments: ids.length, runs: this.#runs.size, events, durationMs: Math.round(performance.now() - startedMs) }, 'journal opened');
    if (this.options.retentionMaxAgeMs !== null || this.options.retentionMaxBytes !== null) await this.#retain();
  }

  /** Scans one segment into the index; returns the number of records indexed. */
  async #loadSegment(id: number, newest: boolean): Promise<number> {
    const path = join(this.options.dir, segmentName(id));
    let buffer = await readFile(path);
    const segment: SegmentState = { id, path, size: buffer.length, runs: new Set(), reader: undefined };
    this.#segments.set(id, segment);
    const hasHeader = buffer.length >= segmentFileHeader.length && buffer.subarray(0, segmentFileHeader.length).equals(segmentFileHeader);
    if (!hasHeader) {
      if (newest && segmentFileHeader.subarray(0, buffer.length).equals(buffer)) {
        // A crash while the segment was being created: nothing was ever stored in it.
        await this.#truncate(segment, 0, buffer.length);
        const writer = await open(path, 'a');
        try {
          await writer.write(segmentFileHeader, 0, segmentFileHeader.length, null);
          await writer.datasync();
        } finally {
          await writer.close();
        }
        segment.size = segmentFileHeader.length;
        return 0;
      }
      this.#damaged.push({ segment: id, offset: 0, bytes: buffer.length, runId: null, seq: 0 });
      this.#log.error({ segment: segmentName(id), bytes: buffer.length }, 'journal segment header unreadable');
      return 0;
    }
    const scan = scanSegment(buffer, this.options.maxEventBytes);
    for (const range of scan.damaged) {
      // Only an INCOMPLETE final record is a torn write; a complete one failing its CRC is damage.
      const tornAt = newest && range.atTail ? tornTailOffset(buffer, range.offset) : undefined;
      const damagedEnd = tornAt ?? range.offset + range.bytes;
      if (damagedEnd > range.offset) {
        const owner = attribute(buffer, range.offset);
        this.#damaged.push({ segment: id, offset: range.offset, bytes: damagedEnd - range.offset, runId: owner?.runId ?? null, seq: owner?.seq ?? 0 });
        this.#log.error({ segment: segmentName(id), offset: range.offset, bytes: damagedEnd - range.offset, runId: owner?.runId, seq: owner?.seq }, 'journal damaged record found');
      }
      if (tornAt !== undefined && tornAt < buffer.length) await this.#truncate(segment, tornAt, buffer.length - tornAt);
    }
    let indexed = 0;
    for (const frame of scan.frames) {
      const record = parseRecord(frame.payload);
      if (record === undefined) {
        this.#damaged.push({ segment: id, offset: frame.offset, bytes: frame.payload.length + frameHeaderBytes, runId: null, seq: 0 });
        this.#log.error({ segment: segmentName(id), offset: frame.offset }, 'journal record unparseable');
        continue;
      }
      let run = this.#runs.get(record.runId);
      if (run === undefined) {
        run = newRunState(record.runId);
        this.#runs.set(record.runId, run);
      }
      run.segments.add(id);
      segment.runs.add(run);
      if (run.damagedAtSeq !== undefined) continue;
      const expected = run.locations.length + 1;
      if (record.seq !== expected) {
        markDamaged(run, Math.min(expected, record.seq), record.seq < expected ? `event ${record.seq} is stored twice` : `event ${expected} is missing`);
        continue;
      }
      run.locations.push({ segment: id, offset: frame.offset, payloadBytes: frame.payload.length });
      noteStored(run, record);
      indexed++;
    }
    buffer = Buffer.alloc(0);
    return indexed;
  }

  #attributeDamage(): void {
    for (const damage of this.#damaged) {
      const run = damage.runId === null ? undefined : this.#runs.get(damage.runId);
      if (run === undefined || damage.seq < 1) continue;
      if (run.damagedAtSeq === undefined || damage.seq <= run.damagedAtSeq) {
        markDamaged(run, damage.seq, `event ${damage.seq} fails its checksum (segment ${segmentName(damage.segment)}, offset ${damage.offset})`);
      }
    }
    for (const run of this.#runs.values()) {
      if (run.damagedAtSeq === undefined) continue;
      // Serve only the intact prefix; everything from the damaged seq on stays on disk for forensics.
      run.locations.length = Math.min(run.locations.length, run.damagedAtSeq - 1);
      this.#log.error({ runId: run.runId, seq: run.damagedAtSeq, reason: run.damageReason }, 'journal run damaged');
    }
  }

  async #truncate(segment: SegmentState, offset: number, droppedBytes: number): Promise<void> {
    const handle = await open(segment.path, 'r+');
    try {
      await handle.truncate(offset);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    segment.size = offset;
    this.#log.warn({ segment: segmentName(segment.id), offset, droppedBytes }, 'journal torn tail truncated');
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
      const segment = this.#segments.get(start.segment);
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
    this.#log.error({ runId: run.runId, seq, reason }, 'journal record unreadable');
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

  async #deleteSegment(segment: SegmentState): Promise<void> {
    const reader = segment.reader;
    segment.reader = undefined;
    if (reader !== undefined) await (await reader).close();
    await unlink(segment.path);
    if (this.options.durability === 'fsync') await this.#syncDir();
    this.#segments.delete(segment.id);
    for (const run of segment.runs) this.#runs.delete(run.runId);
    this.#damaged = this.#damaged.filter((damage) => damage.segment !== segment.id);
    this.#log.info({ segment: segmentName(segment.id), runs: segment.runs.size, bytes: segment.size }, 'journal segment deleted');
  }
}

function segmentName(id: number): string {
  return `${String(id).padStart(16, '0')}.seg`;
}

function newRunState(runId: string): RunState {
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

function noteStored(run: RunState, record: JournalRecord): void {
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

function markDamaged(run: RunState, seq: number, reason: string): void {
  run.damagedAtSeq = seq;
  run.damageReason = reason;
}

function parseRecord(payload: Buffer): JournalRecord | undefined {
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

/**
 * Where the torn write in the damaged tail starting at `offset` begins (the file length when there is
 * none). A crash mid-append leaves a PREFIX of a frame: fewer than 12 header bytes, or a payload
 * shorter than the declared length (or zeros the file system padded in). A complete frame whose CRC
 * fails was written whole and altered later: it is damage to report, never to truncate. So is a
 * "short" frame whose bytes still parse as a whole record (an altered length field).
 */
function tornTailOffset(buffer: Buffer, offset: number): number {
  let at = offset;
  while (at < buffer.length) {
    const rest = buffer.subarray(at);
    if (rest.every((byte) => byte === 0)) return at;
    const magicBytes = Math.min(frameMagic.length, rest.length);
    if (!rest.subarray(0, magicBytes).equals(frameMagic.subarray(0, magicBytes))) return buffer.length;
    if (rest.length < frameHeaderBytes) return at;
    const end = frameHeaderBytes + rest.readUInt32LE(4);
    if (end > rest.length) return parseRecord(rest.subarray(frameHeaderBytes)) === undefined ? at : buffer.length;
    at += end;
  }
  return buffer.length;
}

/** Best effort: the run and seq a damaged frame claims, when its header and JSON still read. */
function attribute(buffer: Buffer, offset: number): { runId: string; seq: number } | undefined {
  if (buffer.compare(frameMagic, 0, frameMagic.length, offset, offset + frameMagic.length) !== 0 || offset + frameHeaderBytes > buffer.length) return undefined;
  const length = buffer.readUInt32LE(offset + 4);
  const payload = buffer.subarray(offset + frameHeaderBytes, Math.min(buffer.length, offset + frameHeaderBytes + length));
  const record = parseRecord(payload);
  if (record !== undefined) return { runId: record.runId, seq: record.seq };
  const text = payload.toString('utf8');
  const runId = /"runId":"((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
  const seq = /"seq":(\d+)/.exec(text)?.[1];
  return runId === undefined || seq === undefined ? undefined : { runId: JSON.parse(`"${runId}"`) as string, seq: Number(seq) };
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

function endedBefore(run: RunState, cutoffMs: number): boolean {
  const ended = run.terminal !== undefined || run.damagedAtSeq !== undefined;
  const endMs = Date.parse(run.terminal?.ts ?? run.lastTs);
  return ended && Number.isFinite(endMs) && endMs < cutoffMs;
}

/** Ended (or damaged) with nothing still on its way to disk: retention may drop it. */
function isSettled(run: RunState): boolean {
  if (run.damagedAtSeq !== undefined) return true;
  return run.terminal !== undefined && run.pendingSeq === run.locations.length;
}
