// Helpers for the journal end-to-end tests: a data directory that outlives one daemon process (so a
// test can kill -9 a daemon and start the next one on the same journal), daemons started through the
// real CLI on it, and the segment files a test edits while no daemon runs.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { chainEvent, GENESIS_HASH, type JournalEvent } from '../../../src/journal/index.ts';
import { encodeFrame, scanSegment, segmentFileHeader } from '../../../src/journal/segment-format.ts';
import { startDaemon, type StartedDaemon } from '../../helpers/daemon.ts';

/** The repository's shipped policies (ad-hoc code is admitted for the `local` principal). */
export const shippedPolicies = fileURLToPath(new URL('../../../policies', import.meta.url));

/** A temp directory removed when the test finishes. */
export async function tempDir(prefix = 'aiws-journal-e2e-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Starts `aiws serve` with `dataDir` (kept across restarts) and the shipped policies unless `config`
 * overrides them. The process is killed and its config dir removed when the test finishes.
 */
export async function startOn(dataDir: string, config: Record<string, unknown> = {}): Promise<StartedDaemon> {
  const daemon = await startDaemon({ config: { dataDir, policies: { dir: shippedPolicies, watch: false }, ...config } });
  onTestFinished(async () => {
    await daemon[Symbol.asyncDispose]();
  });
  return daemon;
}

/** The journal's segment files, oldest first. */
export async function segments(dataDir: string): Promise<string[]> {
  const dir = join(dataDir, 'journal');
  return (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort().map((name) => join(dir, name));
}

/** Offset of the frame (12 header bytes before the JSON) holding event `seq` of `runId` in `bytes`. */
export function frameOffset(bytes: Buffer, runId: string, seq: number): number {
  const at = bytes.indexOf(Buffer.from(`{"runId":${JSON.stringify(runId)},"seq":${seq},`));
  if (at < 0) throw new Error(`event ${seq} of ${runId} not found`);
  return at - 12;
}

/** The segment holding event `seq` of `runId`, with the frame's offset in it. */
export async function findFrame(dataDir: string, runId: string, seq: number): Promise<{ path: string; offset: number; bytes: Buffer }> {
  for (const path of await segments(dataDir)) {
    const bytes = await readFile(path);
    try {
      return { path, offset: frameOffset(bytes, runId, seq), bytes };
    } catch {
      continue;
    }
  }
  throw new Error(`event ${seq} of ${runId} is in no segment`);
}

/** Flips one byte inside the JSON of event `seq` of `runId` on disk (the daemon must be stopped). */
export async function tamperByte(dataDir: string, runId: string, seq: number): Promise<void> {
  const { path, offset, bytes } = await findFrame(dataDir, runId, seq);
  // A byte of the "ts" value: the JSON still parses, only the content changed.
  const at = bytes.indexOf(Buffer.from('"ts":"'), offset) + 8;
  bytes[at] = bytes[at] === 0x31 ? 0x32 : 0x31;
  await writeFile(path, bytes);
}

/** Copies a whole data directory (journal, code) to a fresh temp directory. */
export async function copyDataDir(dataDir: string): Promise<string> {
  const copy = await tempDir('aiws-journal-copy-');
  await cp(dataDir, copy, { recursive: true });
  return copy;
}

/**
 * Forges a run in a (stopped) journal: every event of `runId` goes through `edit`, and the run's chain
 * is recomputed (prev, hash, frame CRC) so the edited journal still verifies.
 */
export async function rewriteRun(dataDir: string, runId: string, edit: (event: JournalEvent) => JournalEvent): Promise<void> {
  let prev = GENESIS_HASH;
  for (const path of await segments(dataDir)) {
    const bytes = await readFile(path);
    const frames = scanSegment(bytes, 16 * 1024 * 1024).frames.map((frame) => {
      const record = JSON.parse(frame.payload.toString('utf8')) as JournalEvent & { prev: string; hash: string };
      if (record.runId !== runId) return encodeFrame(frame.payload);
      const chained = chainEvent(edit({ runId: record.runId, seq: record.seq, ts: record.ts, type: record.type, data: record.data }), prev);
      prev = chained.hash;
      return encodeFrame(Buffer.from(JSON.stringify(chained)));
    });
    await writeFile(path, Buffer.concat([segmentFileHeader, ...frames]));
  }
}
