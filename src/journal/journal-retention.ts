/**
 * Journal retention: drops whole runs that ended more than `maxAgeMs` ago, or while the journal
 * exceeds `maxBytes`, by deleting whole segment files, oldest first. Passes run one at a time.
 */
import { unlink } from 'node:fs/promises';
import type { RetentionResult } from './journal.ts';
import { segmentName, type JournalFiles, type RunState, type SegmentState } from './journal-files.ts';

/** Serialises retention passes over one journal's files. */
export class JournalRetention {
  #files: JournalFiles;
  #pass: Promise<unknown> = Promise.resolve();

  constructor(files: JournalFiles) {
    this.#files = files;
  }

  /** Whether any retention limit is configured. */
  get enabled(): boolean {
    return this.#files.options.retentionMaxAgeMs !== null || this.#files.options.retentionMaxBytes !== null;
  }

  /** Runs a pass after any pass in progress (a segment roll and a caller may ask at once). */
  run(): Promise<RetentionResult> {
    const pass = this.#pass.then(() => this.#runNow());
    this.#pass = pass.catch(() => undefined);
    return pass;
  }

  /** Settles once the pass in progress (if any) has ended; never rejects. */
  async idle(): Promise<void> {
    await this.#pass;
  }

  async #runNow(): Promise<RetentionResult> {
    const files = this.#files;
    const { retentionMaxAgeMs: maxAgeMs, retentionMaxBytes: maxBytes } = files.options;
    const result = { segmentsDeleted: 0, runsDropped: 0, bytesFreed: 0 };
    if (maxAgeMs === null && maxBytes === null) return result;
    const cutoffMs = maxAgeMs === null ? Number.NEGATIVE_INFINITY : Date.now() - maxAgeMs;
    let totalBytes = 0;
    for (const segment of files.segments.values()) totalBytes += segment.size;
    // Oldest first, in groups: a run is only ever dropped whole, so a segment goes together with every
    // later segment its runs reach. The first group that must stay (or holds an open run) stops it.
    let group: SegmentState[] = [];
    let horizon = 0;
    for (const segment of [...files.segments.values()].sort((a, b) => a.id - b.id)) {
      if (segment === files.active) break;
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
    if (result.segmentsDeleted > 0) files.log.info(result, 'journal retention applied');
    return result;
  }

  async #deleteSegment(segment: SegmentState): Promise<void> {
    const files = this.#files;
    const reader = segment.reader;
    segment.reader = undefined;
    if (reader !== undefined) await (await reader).close();
    await unlink(segment.path);
    if (files.options.durability === 'fsync') await files.syncDir();
    files.segments.delete(segment.id);
    for (const run of segment.runs) files.runs.delete(run.runId);
    files.damaged = files.damaged.filter((damage) => damage.segment !== segment.id);
    files.log.info({ segment: segmentName(segment.id), runs: segment.runs.size, bytes: segment.size }, 'journal segment deleted');
  }
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
