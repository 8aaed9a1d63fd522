/**
 * Segment loader: opening a journal directory. Scans every segment file, truncates a torn tail of the
 * newest one (logged at warn), records damaged bytes elsewhere (logged at error) and rebuilds the
 * in-memory run index, cutting each damaged run short at its first damaged event.
 */
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { markDamaged, newRunState, noteStored, parseRecord, segmentName, type JournalFiles, type SegmentState } from './journal-files.ts';
import { frameHeaderBytes, frameMagic, scanSegment, segmentFileHeader } from './segment-format.ts';

const segmentNamePattern = /^(\d{16})\.seg$/;

/** Loads every segment of `files.options.dir` into `files` and opens the newest for appending when it has room. */
export async function loadSegments(files: JournalFiles): Promise<void> {
  const startedMs = performance.now();
  await mkdir(files.options.dir, { recursive: true });
  const ids = (await readdir(files.options.dir))
    .map((name) => segmentNamePattern.exec(name)?.[1])
    .filter((id): id is string => id !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  let events = 0;
  for (const [index, id] of ids.entries()) {
    events += await loadSegment(files, id, index === ids.length - 1);
  }
  attributeDamage(files);
  const last = ids.length === 0 ? undefined : files.segments.get(ids[ids.length - 1] as number);
  if (last !== undefined && last.size < files.options.segmentMaxBytes) {
    files.writer = await open(last.path, 'a');
    files.active = last;
  }
  files.log.info({ dir: files.options.dir, segments: ids.length, runs: files.runs.size, events, durationMs: Math.round(performance.now() - startedMs) }, 'journal opened');
}

/** Scans one segment into the index; returns the number of records indexed. */
async function loadSegment(files: JournalFiles, id: number, newest: boolean): Promise<number> {
  const path = join(files.options.dir, segmentName(id));
  let buffer = await readFile(path);
  const segment: SegmentState = { id, path, size: buffer.length, runs: new Set(), reader: undefined };
  files.segments.set(id, segment);
  const hasHeader = buffer.length >= segmentFileHeader.length && buffer.subarray(0, segmentFileHeader.length).equals(segmentFileHeader);
  if (!hasHeader) {
    if (newest && segmentFileHeader.subarray(0, buffer.length).equals(buffer)) {
      // A crash while the segment was being created: nothing was ever stored in it.
      await truncate(files, segment, 0, buffer.length);
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
    files.damaged.push({ segment: id, offset: 0, bytes: buffer.length, runId: null, seq: 0 });
    files.log.error({ segment: segmentName(id), bytes: buffer.length }, 'journal segment header unreadable');
    return 0;
  }
  const scan = scanSegment(buffer, files.options.maxEventBytes);
  for (const range of scan.damaged) {
    // Only an INCOMPLETE final record is a torn write; a complete one failing its CRC is damage.
    const tornAt = newest && range.atTail ? tornTailOffset(buffer, range.offset) : undefined;
    const damagedEnd = tornAt ?? range.offset + range.bytes;
    if (damagedEnd > range.offset) {
      const owner = attribute(buffer, range.offset);
      files.damaged.push({ segment: id, offset: range.offset, bytes: damagedEnd - range.offset, runId: owner?.runId ?? null, seq: owner?.seq ?? 0 });
      files.log.error({ segment: segmentName(id), offset: range.offset, bytes: damagedEnd - range.offset, runId: owner?.runId, seq: owner?.seq }, 'journal damaged record found');
    }
    if (tornAt !== undefined && tornAt < buffer.length) await truncate(files, segment, tornAt, buffer.length - tornAt);
  }
  let indexed = 0;
  for (const frame of scan.frames) {
    const record = parseRecord(frame.payload);
    if (record === undefined) {
      files.damaged.push({ segment: id, offset: frame.offset, bytes: frame.payload.length + frameHeaderBytes, runId: null, seq: 0 });
      files.log.error({ segment: segmentName(id), offset: frame.offset }, 'journal record unparseable');
      continue;
    }
    let run = files.runs.get(record.runId);
    if (run === undefined) {
      run = newRunState(record.runId);
      files.runs.set(record.runId, run);
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

function attributeDamage(files: JournalFiles): void {
  for (const damage of files.damaged) {
    const run = damage.runId === null ? undefined : files.runs.get(damage.runId);
    if (run === undefined || damage.seq < 1) continue;
    if (run.damagedAtSeq === undefined || damage.seq <= run.damagedAtSeq) {
      markDamaged(run, damage.seq, `event ${damage.seq} fails its checksum (segment ${segmentName(damage.segment)}, offset ${damage.offset})`);
    }
  }
  for (const run of files.runs.values()) {
    if (run.damagedAtSeq === undefined) continue;
    // Serve only the intact prefix; everything from the damaged seq on stays on disk for forensics.
    run.locations.length = Math.min(run.locations.length, run.damagedAtSeq - 1);
    files.log.error({ runId: run.runId, seq: run.damagedAtSeq, reason: run.damageReason }, 'journal run damaged');
  }
}

async function truncate(files: JournalFiles, segment: SegmentState, offset: number, droppedBytes: number): Promise<void> {
  const handle = await open(segment.path, 'r+');
  try {
    await handle.truncate(offset);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  segment.size = offset;
  files.log.warn({ segment: segmentName(segment.id), offset, droppedBytes }, 'journal torn tail truncated');
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
