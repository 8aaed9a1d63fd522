// Helpers for the journal tests: a temp directory removed after the test, a journal opened in it and
// closed after the test, a logger whose JSON lines the test can inspect, and event builders.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { FileJournal, type FileJournalOptions, type JournalEvent } from '../../../src/journal/index.ts';
import { createLogger, type Logger } from '../../../src/log/index.ts';

const journalsByDir = new Map<string, FileJournal[]>();

/** A fresh temp directory, removed when the test finishes (after closing the journals opened in it). */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aiws-journal-'));
  journalsByDir.set(dir, []);
  onTestFinished(async () => {
    await Promise.allSettled((journalsByDir.get(dir) ?? []).map((journal) => journal.close()));
    journalsByDir.delete(dir);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Opens a journal in a `tempDir()` directory; it is closed when the test finishes. */
export async function openJournal(dir: string, options: Partial<FileJournalOptions> = {}): Promise<FileJournal> {
  const journal = await FileJournal.open({ dir, ...options });
  const owner = [...journalsByDir.keys()].find((root) => dir === root || dir.startsWith(`${root}/`));
  if (owner === undefined) throw new Error(`openJournal needs a directory inside a tempDir(): ${dir}`);
  journalsByDir.get(owner)?.push(journal);
  return journal;
}

/** A debug-level logger that keeps every JSON line it writes. */
export function capturingLogger(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => void raw.push(line) } });
  return { log, lines: () => raw.flatMap((chunk) => chunk.split('\n')).filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** Event `seq` of `runId`: run.accepted first, logs after. */
export function event(runId: string, seq: number, data: Record<string, unknown> = {}, type?: string): JournalEvent {
  return { runId, seq, ts: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(), type: type ?? (seq === 1 ? 'run.accepted' : 'log'), data: { n: seq, message: `event ${seq} of ${runId}`, ...data } };
}

/** Appends events 1..count of `runId`, one after another. */
export async function appendRun(journal: FileJournal, runId: string, count: number, terminal?: JournalEvent['type'], ts?: string): Promise<void> {
  for (let seq = 1; seq <= count; seq++) {
    const base = event(runId, seq);
    await journal.append(runId, seq === count && terminal !== undefined ? { ...base, type: terminal, ...(ts === undefined ? {} : { ts }) } : base);
  }
}

/** The single segment file of `dir` (the tests that edit bytes keep to one segment). */
export async function onlySegment(dir: string): Promise<string> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.seg'));
  if (names.length !== 1) throw new Error(`expected one segment, found ${names.length}`);
  return join(dir, names[0] as string);
}

/** Offset of the frame holding event `seq` of `runId` in `bytes` (12 header bytes before its JSON). */
export function frameOffset(bytes: Buffer, runId: string, seq: number): number {
  const at = bytes.indexOf(Buffer.from(`{"runId":${JSON.stringify(runId)},"seq":${seq},`));
  if (at < 0) throw new Error(`event ${seq} of ${runId} not found`);
  return at - 12;
}

/** Rewrites a file after `edit` changed its bytes. */
export async function editFile(path: string, edit: (bytes: Buffer) => Buffer): Promise<void> {
  await writeFile(path, edit(await readFile(path)));
}
