// FileJournal on real files in temp dirs: EventStore semantics, durability across reopen, group
// commit under concurrency, chain verification against bytes edited on disk, torn tails, crash
// recovery records (openRuns, markInterrupted), export and retention.
import { readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { EventStore } from '../../../src/jobs/index.ts';
import { FileJournal, verifyJsonl, type JournalRecord } from '../../../src/journal/index.ts';
import { encodeFrame } from '../../../src/journal/segment-format.ts';
import type { RunEvent } from '../../../src/protocol/index.ts';
import { appendRun, capturingLogger, editFile, event, frameOffset, onlySegment, openJournal, tempDir } from './journal-fixture.ts';

async function collect(lines: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const line of lines) text += line;
  return text;
}

describe('FileJournal', () => {
  describe('EventStore semantics', () => {
    it('is usable as the jobs EventStore', async () => {
      const journal = await FileJournal.open<RunEvent>({ dir: await tempDir() });
      const store: EventStore = journal;
      await store.append('r1', { runId: 'r1', seq: 1, ts: new Date().toISOString(), type: 'run.accepted', data: { principal: 'p', source: 'code' } });
      expect(await store.read('r1')).toEqual([expect.objectContaining({ runId: 'r1', seq: 1, type: 'run.accepted', data: { principal: 'p', source: 'code' } })]);
      expectTypeOf(journal.read).returns.resolves.toEqualTypeOf<readonly RunEvent[]>();
      await store.close();
    });

    it('appends, reads with afterSeq and limit, and reports lastSeq', async () => {
      const journal = await openJournal(await tempDir());
      await appendRun(journal, 'r1', 5);
      expect(await journal.lastSeq('r1')).toBe(5);
      expect(await journal.lastSeq('unknown')).toBe(0);
      expect(await journal.read('unknown')).toEqual([]);
      expect((await journal.read('r1')).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect((await journal.read('r1', 2)).map((e) => e.seq)).toEqual([3, 4, 5]);
      expect((await journal.read('r1', 1, 2)).map((e) => e.seq)).toEqual([2, 3]);
      expect(await journal.read('r1', 5)).toEqual([]);
      expect(await journal.read('r1', 0)).toHaveLength(5);
      const [first] = await journal.read('r1');
      expect(first).toEqual(event('r1', 1));
      expect(Object.keys(first as object)).not.toContain('hash');
    });

    it('rejects a seq that does not follow lastSeq with INTERNAL and keeps serving', async () => {
      const journal = await openJournal(await tempDir());
      await appendRun(journal, 'r1', 2);
      await expect(journal.append('r1', event('r1', 4))).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/seq 4 does not follow 2/) as unknown });
      await expect(journal.append('r1', event('r1', 2))).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(journal.append('r2', event('r2', 2))).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(journal.append('r1', event('other', 3))).rejects.toMatchObject({ code: 'INTERNAL' });
      await journal.append('r1', event('r1', 3));
      expect(await journal.lastSeq('r1')).toBe(3);
    });

    it('rejects an event that is not JSON and one after the terminal event', async () => {
      const journal = await openJournal(await tempDir());
      await journal.append('r1', event('r1', 1));
      await expect(journal.append('r1', { ...event('r1', 2), data: { big: 1n } })).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/not JSON/) as unknown });
      await journal.append('r1', event('r1', 2, {}, 'run.completed'));
      await expect(journal.append('r1', event('r1', 3))).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/already ended/) as unknown });
    });

    it('chains records: prev of seq 1 is the genesis hash, then the previous hash', async () => {
      const journal = await openJournal(await tempDir());
      await appendRun(journal, 'r1', 3);
      const records = await journal.readRecords('r1');
      expect(records[0]?.prev).toBe('0'.repeat(64));
      expect(records[1]?.prev).toBe(records[0]?.hash);
      expect(records[2]?.prev).toBe(records[1]?.hash);
      expect(new Set(records.map((r) => r.hash)).size).toBe(3);
    });
  });

  describe('lifecycle', () => {
    it('keeps every event across close and reopen, and continues the chain', async () => {
      const dir = await tempDir();
      const first = await openJournal(dir);
      await appendRun(first, 'r1', 3);
      await appendRun(first, 'r2', 2);
      await first.close();
      const second = await openJournal(dir);
      expect(await second.lastSeq('r1')).toBe(3);
      expect(await second.read('r2')).toEqual([event('r2', 1), event('r2', 2)]);
      await second.append('r1', event('r1', 4));
      expect(await second.verifyRun('r1')).toMatchObject({ ok: true, count: 4 });
    });

    it('flushes pending appends on close, is idempotent, and throws DAEMON_CLOSED afterwards', async () => {
      const dir = await tempDir();
      const journal = await openJournal(dir);
      const pending = [journal.append('r1', event('r1', 1)), journal.append('r1', event('r1', 2)), journal.append('r2', event('r2', 1))];
      const closing = journal.close();
      expect(journal.close()).toBe(closing);
      await closing;
      await Promise.all(pending);
      await expect(journal.append('r1', event('r1', 3))).rejects.toMatchObject({ code: 'DAEMON_CLOSED' });
      await expect(journal.read('r1')).rejects.toMatchObject({ code: 'DAEMON_CLOSED' });
      await expect(journal.lastSeq('r1')).rejects.toMatchObject({ code: 'DAEMON_CLOSED' });
      const reopened = await openJournal(dir);
      expect(await reopened.lastSeq('r1')).toBe(2);
      expect(await reopened.lastSeq('r2')).toBe(1);
    });

    it('disposes with await using', async () => {
      const dir = await tempDir();
      {
        await using journal = await FileJournal.open({ dir });
        await journal.append('r1', event('r1', 1));
      }
      const reopened = await openJournal(dir);
      expect(await reopened.lastSeq('r1')).toBe(1);
    });

    it('rejects bad options with CONFIG_INVALID', async () => {
      const dir = await tempDir();
      await expect(FileJournal.open({ dir, segmentMaxBytes: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      await expect(FileJournal.open({ dir, durability: 'sometimes' as 'none' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    });
  });

  describe('group commit', () => {
    it.each(['fsync', 'none'] as const)('stores concurrent appends of many runs in order per run (durability %s)', async (durability) => {
      const dir = await tempDir();
      const journal = await openJournal(dir, { durability, segmentMaxBytes: 64 * 1024 });
      const runs = Array.from({ length: 24 }, (_, i) => `run-${i}`);
      const perRun = 40;
      // All appends of every run are issued before any resolves: they share batches.
      const all = runs.flatMap((runId) => Array.from({ length: perRun }, (_, i) => journal.append(runId, event(runId, i + 1))));
      await Promise.all(all);
      for (const runId of runs) expect((await journal.read(runId)).map((e) => e.seq)).toEqual(Array.from({ length: perRun }, (_, i) => i + 1));
      await journal.close();
      expect((await readdir(dir)).filter((name) => name.endsWith('.seg')).length).toBeGreaterThan(1);
      const reopened = await openJournal(dir);
      const verification = await reopened.verifyJournal();
      expect(verification).toEqual({ ok: true, runs: runs.length, events: runs.length * perRun, failures: [] });
    });
  });

  describe('verification against edited bytes', () => {
    async function storedRun(): Promise<{ dir: string; path: string }> {
      const dir = await tempDir();
      const journal = await openJournal(dir);
      await appendRun(journal, 'victim', 6);
      await appendRun(journal, 'bystander', 3);
      await journal.close();
      return { dir, path: await onlySegment(dir) };
    }

    it('catches one flipped byte of a stored event at exactly that seq', async () => {
      const { dir, path } = await storedRun();
      await editFile(path, (bytes) => {
        const at = bytes.indexOf('event 4 of victim', frameOffset(bytes, 'victim', 4));
        bytes[at] = bytes[at] === 0x65 ? 0x45 : 0x65;
        return bytes;
      });
      const { log, lines } = capturingLogger();
      const journal = await openJournal(dir, { log });
      const verification = await journal.verifyJournal();
      expect(verification.ok).toBe(false);
      expect(verification.failures).toEqual([{ runId: 'victim', seq: 4, reason: expect.stringMatching(/event 4 fails its checksum/) as unknown }]);
      expect(await journal.verifyRun('victim')).toMatchObject({ ok: false, seq: 4 });
      expect(await journal.verifyRun('bystander')).toMatchObject({ ok: true, count: 3 });
      // Only the intact prefix is served; the damaged event never is.
      expect((await journal.read('victim')).map((e) => e.seq)).toEqual([1, 2, 3]);
      await expect(journal.append('victim', event('victim', 4))).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT' });
      await expect(async () => collect(journal.exportRun('victim'))).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT' });
      expect(lines()).toContainEqual(expect.objectContaining({ level: 50, msg: 'journal damaged record found', runId: 'victim', seq: 4 }));
    });

    it('catches an edit with a recomputed checksum through the chain, at exactly that seq', async () => {
      const { dir, path } = await storedRun();
      await editFile(path, (bytes) => {
        const offset = frameOffset(bytes, 'victim', 3);
        const length = bytes.readUInt32LE(offset + 4);
        const payload = Buffer.from(bytes.subarray(offset + 12, offset + 12 + length).toString('utf8').replace('event 3 of victim', 'EVENT 3 of victim'));
        encodeFrame(payload).copy(bytes, offset);
        return bytes;
      });
      const journal = await openJournal(dir);
      expect(await journal.verifyRun('victim')).toMatchObject({ ok: false, seq: 3, reason: expect.stringMatching(/event 3 was altered/) as unknown });
      expect((await journal.verifyJournal()).failures).toEqual([expect.objectContaining({ runId: 'victim', seq: 3 })]);
    });

    it('detects a deleted record at the missing seq', async () => {
      const { dir, path } = await storedRun();
      await editFile(path, (bytes) => {
        const start = frameOffset(bytes, 'victim', 2);
        const end = start + 12 + bytes.readUInt32LE(start + 4);
        return Buffer.concat([bytes.subarray(0, start), bytes.subarray(end)]);
      });
      const journal = await openJournal(dir);
      expect(await journal.verifyRun('victim')).toMatchObject({ ok: false, seq: 2, reason: expect.stringMatching(/event 2 is missing/) as unknown });
      expect(await journal.read('victim')).toEqual([event('victim', 1)]);
    });

    it('detects records swapped on disk whose seqs were swapped too', async () => {
      const { dir, path } = await storedRun();
      await editFile(path, (bytes) => {
        const frames = [3, 4].map((seq) => {
          const offset = frameOffset(bytes, 'victim', seq);
          const length = bytes.readUInt32LE(offset + 4);
          return { offset, length, text: bytes.subarray(offset + 12, offset + 12 + length).toString('utf8') };
        });
        const [a, b] = frames as [(typeof frames)[0], (typeof frames)[0]];
        // Move the content of event 4 into slot 3 and the reverse, each relabelled with the other seq.
        const swapped = [b.text.replace('"seq":4,', '"seq":3,'), a.text.replace('"seq":3,', '"seq":4,')];
        const head = bytes.subarray(0, a.offset);
        const between = bytes.subarray(a.offset + 12 + a.length, b.offset);
        const tail = bytes.subarray(b.offset + 12 + b.length);
        return Buffer.concat([head, encodeFrame(Buffer.from(swapped[0] as string)), between, encodeFrame(Buffer.from(swapped[1] as string)), tail]);
      });
      const journal = await openJournal(dir);
      expect(await journal.verifyRun('victim')).toMatchObject({ ok: false, seq: 3 });
    });
  });

  describe('torn writes', () => {
    it('truncates half a record at the end of the newest segment, logs it, and keeps every earlier event', async () => {
      const dir = await tempDir();
      const journal = await openJournal(dir);
      await appendRun(journal, 'r1', 4);
      await journal.close();
      const path = await onlySegment(dir);
      const intactBytes = (await stat(path)).size;
      const frame = encodeFrame(Buffer.from(JSON.stringify({ ...event('r1', 5), prev: 'x', hash: 'y' })));
      await writeFile(path, frame.subarray(0, Math.floor(frame.length / 2)), { flag: 'a' });

      const { log, lines } = capturingLogger();
      const reopened = await openJournal(dir, { log });
      expect(lines()).toContainEqual(expect.objectContaining({ level: 40, msg: 'journal torn tail truncated', offset: intactBytes, droppedBytes: Math.floor(frame.length / 2) }));
      expect((await stat(path)).size).toBe(intactBytes);
      expect(await reopened.read('r1')).toEqual([1, 2, 3, 4].map((seq) => event('r1', seq)));
      expect(await reopened.verifyJournal()).toMatchObject({ ok: true, events: 4 });
      await reopened.append('r1', event('r1', 5));
      expect(await reopened.verifyRun('r1')).toMatchObject({ ok: true, count: 5 });
    });

    it('truncates a final record cut inside its header', async () => {
      const dir = await tempDir();
      const journal = await openJournal(dir);
      await appendRun(journal, 'r1', 3);
      await journal.close();
      const path = await onlySegment(dir);
      const size = (await stat(path)).size;
      const last = frameOffset(await readFile(path), 'r1', 3);
      await truncate(path, last + 5);
      const { log, lines } = capturingLogger();
      const reopened = await openJournal(dir, { log });
      expect(lines().filter((line) => line.msg === 'journal torn tail truncated')).toHaveLength(1);
      expect(await reopened.lastSeq('r1')).toBe(2);
      expect(size).toBeGreaterThan(last + 5);
      expect(await reopened.verifyJournal()).toMatchObject({ ok: true });
    });

    it('keeps a complete final record whose checksum fails and reports it at that seq instead of truncating it', async () => {
      const dir = await tempDir();
      const journal = await openJournal(dir);
      await appendRun(journal, 'r1', 4, 'run.completed');
      await journal.close();
      const path = await onlySegment(dir);
      const size = (await stat(path)).size;
      await editFile(path, (bytes) => {
        const at = bytes.indexOf('event 4 of r1', frameOffset(bytes, 'r1', 4));
        bytes[at] = 0x45;
        return bytes;
      });
      const { log, lines } = capturingLogger();
      const reopened = await openJournal(dir, { log });
      expect((await stat(path)).size).toBe(size);
      expect(lines().filter((line) => line.msg === 'journal torn tail truncated')).toEqual([]);
      expect(await reopened.verifyRun('r1')).toMatchObject({ ok: false, seq: 4 });
      expect((await reopened.verifyJournal()).failures).toEqual([expect.objectContaining({ runId: 'r1', seq: 4 })]);
      expect((await reopened.read('r1')).map((e) => e.seq)).toEqual([1, 2, 3]);
      // A damaged run is not "in flight": recovery must not append run.interrupted after the damage.
      expect(await reopened.openRuns()).toEqual([]);
    });

    it('keeps a final record whose length field was enlarged but whose bytes still parse as a record', async () => {
      const dir = await tempDir();
      const journal = await openJournal(dir);
      await appendRun(journal, 'r1', 3);
      await journal.close();
      const path = await onlySegment(dir);
      await editFile(path, (bytes) => {
        const offset = frameOffset(bytes, 'r1', 3);
        bytes.writeUInt32LE(bytes.readUInt32LE(offset + 4) + 100, offset + 4);
        return bytes;
      });
      const reopened = await openJournal(dir);
      expect(await reopened.verifyRun('r1')).toMatchObject({ ok: false, seq: 3 });
    });
  });

  describe('crash recovery records', () => {
    it('lists open runs after a restart and marks them interrupted with a chained event', async () => {
      const dir = await tempDir();
      const journal = await openJournal(dir);
      await appendRun(journal, 'done', 3, 'run.completed');
      await appendRun(journal, 'failed', 2, 'run.failed');
      await appendRun(journal, 'inflight-1', 4);
      await appendRun(journal, 'inflight-2', 1);
      await journal.close();

      const reopened = await openJournal(dir);
      const open = await reopened.openRuns();
      expect(open.map((run) => run.runId)).toEqual(['inflight-1', 'inflight-2']);
      expect(open[0]).toMatchObject({ status: 'open', lastSeq: 4, createdAt: event('inflight-1', 1).ts, first: event('inflight-1', 1) });

      const record = await reopened.markInterrupted('inflight-1', 'daemon restarted');
      expect(record).toMatchObject({ runId: 'inflight-1', seq: 5, type: 'run.interrupted', data: { reason: 'daemon restarted' } });
      await reopened.markInterrupted('inflight-2', 'daemon restarted');
      expect(await reopened.openRuns()).toEqual([]);
      expect(await reopened.verifyRun('inflight-1')).toMatchObject({ ok: true, count: 5 });
      await expect(reopened.markInterrupted('done', 'x')).rejects.toMatchObject({ code: 'RUN_NOT_CANCELLABLE' });
      await expect(reopened.markInterrupted('nope', 'x')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });

      const runs = await reopened.listRuns();
      expect(runs.map((run) => [run.runId, run.status, run.lastSeq])).toEqual([
        ['done', 'completed', 3],
        ['failed', 'failed', 2],
        ['inflight-1', 'interrupted', 5],
        ['inflight-2', 'interrupted', 2],
      ]);
      expect(runs[0]).toMatchObject({ finishedAt: event('done', 3).ts, terminal: { type: 'run.completed', seq: 3 } });
    });
  });

  describe('export', () => {
    it('exports JSON lines that verify offline, with policy revision and workflow digest in the header', async () => {
      const journal = await openJournal(await tempDir());
      await journal.append('r1', event('r1', 1, { policyRevision: 'rev-7', workflowDigest: 'sha256:abc' }));
      for (let seq = 2; seq <= 4; seq++) await journal.append('r1', event('r1', seq));
      const text = await collect(journal.exportRun('r1'));
      const lines = text.trimEnd().split('\n');
      expect(lines).toHaveLength(5);
      expect(JSON.parse(lines[0] as string)).toMatchObject({ format: 'aiws.journal.export', version: 1, runId: 'r1', eventCount: 4, policyRevision: 'rev-7', workflowDigest: 'sha256:abc' });
      expect(await verifyJsonl(text)).toMatchObject({ ok: true, runId: 'r1', count: 4 });
      async function* chunks(): AsyncGenerator<Uint8Array> {
        const bytes = Buffer.from(text);
        for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
      }
      expect(await verifyJsonl(chunks())).toMatchObject({ ok: true, count: 4 });
      await expect(async () => collect(journal.exportRun('nope'))).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    });

    it('exports a consistent snapshot while the run keeps growing', async () => {
      const journal = await openJournal(await tempDir());
      await appendRun(journal, 'r1', 600);
      let text = '';
      let seq = 600;
      for await (const line of journal.exportRun('r1')) {
        text += line;
        seq++;
        if (seq <= 700) await journal.append('r1', event('r1', seq));
      }
      expect(await verifyJsonl(text)).toMatchObject({ ok: true, count: 600 });
      expect(await journal.lastSeq('r1')).toBe(700);
    });

    it('reports a tampered, a deleted, a reordered line and a cut-short file at the right seq', async () => {
      const journal = await openJournal(await tempDir());
      await appendRun(journal, 'r1', 5);
      const lines = (await collect(journal.exportRun('r1'))).trimEnd().split('\n');
      expect(JSON.parse(lines[0] as string)).toMatchObject({ policyRevision: null, workflowDigest: null });
      const tampered = [...lines];
      tampered[3] = (tampered[3] as string).replace('event 3 of r1', 'event 3 0f r1');
      expect(await verifyJsonl(tampered.join('\n'))).toMatchObject({ ok: false, seq: 3, line: 4 });
      expect(await verifyJsonl(lines.filter((_, i) => i !== 2).join('\n'))).toMatchObject({ ok: false, seq: 2, reason: expect.stringMatching(/missing/) as unknown });
      const reordered = [lines[0], lines[1], lines[3], lines[2], lines[4], lines[5]];
      expect(await verifyJsonl(reordered.join('\n'))).toMatchObject({ ok: false, seq: 2 });
      expect(await verifyJsonl(lines.slice(0, 4).join('\n'))).toMatchObject({ ok: false, seq: 4, reason: expect.stringMatching(/announces 5 events/) as unknown });
      expect(await verifyJsonl(lines.slice(1).join('\n'))).toMatchObject({ ok: false, seq: 0, line: 1 });
      expect(await verifyJsonl('')).toMatchObject({ ok: false, seq: 0 });
      const record = JSON.parse(lines[2] as string) as JournalRecord;
      expect(await verifyJsonl([lines[0], lines[1], 'not json'].join('\n'))).toMatchObject({ ok: false, seq: record.seq, reason: expect.stringMatching(/not JSON/) as unknown });
    });
  });

  describe('retention', () => {
    it('drops whole runs that ended longer ago than maxAgeMs, never an open run', async () => {
      const dir = await tempDir();
      const journal = await openJournal(dir, { segmentMaxBytes: 2048 });
      const old = '2020-01-01T00:00:00.000Z';
      for (let i = 0; i < 6; i++) await appendRun(journal, `old-${i}`, 4, 'run.completed', old);
      await appendRun(journal, 'recent', 3, 'run.completed', new Date().toISOString());
      await journal.close();
      const segmentsBefore = (await readdir(dir)).length;
      expect(segmentsBefore).toBeGreaterThan(2);

      const { log, lines } = capturingLogger();
      const reopened = await openJournal(dir, { retention: { maxAgeMs: 24 * 3600_000 }, log, segmentMaxBytes: 2048 });
      const runs = (await reopened.listRuns()).map((run) => run.runId);
      expect(runs).toContain('recent');
      expect(runs.filter((runId) => runId.startsWith('old-')).length).toBeLessThan(6);
      expect((await readdir(dir)).length).toBeLessThan(segmentsBefore);
      expect(lines()).toContainEqual(expect.objectContaining({ msg: 'journal retention applied' }));
      // Every run still listed is whole: its chain verifies from seq 1.
      expect(await reopened.verifyJournal()).toMatchObject({ ok: true, failures: [] });
    });

    it('drops the oldest ended runs while the journal is over maxBytes, stopping at a run still open', async () => {
      const dir = await tempDir();
      const journal = await openJournal(dir, { segmentMaxBytes: 1024, retention: { maxBytes: 4096 } });
      for (let i = 0; i < 10; i++) await appendRun(journal, `early-${i}`, 3, 'run.completed');
      await journal.append('open-run', event('open-run', 1));
      for (let i = 0; i < 10; i++) await appendRun(journal, `late-${i}`, 3, 'run.completed');
      // Retention runs on every segment roll; an explicit call finds nothing more to drop.
      expect(await journal.applyRetention()).toEqual({ segmentsDeleted: 0, runsDropped: 0, bytesFreed: 0 });
      const runs = (await journal.listRuns()).map((run) => run.runId);
      expect(runs).not.toContain('early-0');
      expect(runs).toContain('open-run');
      expect(runs).toContain('late-0');
      await journal.append('open-run', event('open-run', 2));
      await journal.close();

      const reopened = await openJournal(dir, { segmentMaxBytes: 1024, retention: { maxBytes: 4096 } });
      expect(await reopened.lastSeq('open-run')).toBe(2);
      expect((await reopened.listRuns()).map((run) => run.runId)).not.toContain('early-0');
      expect(await reopened.verifyJournal()).toMatchObject({ ok: true });
    });

    it('drops a run spanning several segments whole once it has ended', async () => {
      const dir = await tempDir();
      const journal = await openJournal(dir, { segmentMaxBytes: 1024, retention: { maxBytes: 2048 } });
      await journal.append('long', event('long', 1));
      for (let i = 0; i < 10; i++) await appendRun(journal, `run-${i}`, 3, 'run.completed');
      // The open run pins its first segment and every later one.
      expect(await journal.applyRetention()).toMatchObject({ segmentsDeleted: 0 });
      expect((await journal.listRuns()).map((run) => run.runId)).toContain('run-0');
      await journal.append('long', event('long', 2, {}, 'run.completed'));
      for (let i = 10; i < 15; i++) await appendRun(journal, `run-${i}`, 3, 'run.completed');
      await journal.applyRetention();
      const runs = (await journal.listRuns()).map((run) => run.runId);
      expect(runs).not.toContain('long');
      expect(runs).not.toContain('run-0');
      expect(runs).toContain('run-14');
      const totalBytes = (await Promise.all((await readdir(dir)).map(async (name) => (await stat(join(dir, name))).size))).reduce((a, b) => a + b, 0);
      expect(totalBytes).toBeLessThanOrEqual(2048 + 1024 + 512);
      expect(await journal.verifyJournal()).toMatchObject({ ok: true });
    });
  });
});
