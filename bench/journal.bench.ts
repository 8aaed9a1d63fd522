// Journal write throughput and append latency: FileJournal with durability 'fsync' (every append
// resolves after the fdatasync of its group-commit batch) against 'none' (after the write reached the
// OS), for one writer appending in sequence and for 16 runs appending concurrently (one await per
// append each, as the job service does). Prints one table with the ratios none ÷ fsync.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal, type Durability } from '../src/journal/index.ts';
import { median, p99 } from './bench-stats.ts';
import { printTable, ratio } from './bench-table.ts';

/** Appends per writer; AIWS_BENCH_EVENTS overrides (kept bounded either way). */
const eventsPerWriter = Math.min(Number(process.env.AIWS_BENCH_EVENTS ?? 1000) || 1000, 50_000);
const writerCounts = [1, 16] as const;
/** Parent of the temp journal directories (the file system under test); AIWS_BENCH_DIR overrides. */
const parentDir = process.env.AIWS_BENCH_DIR ?? tmpdir();
/** A typical log event's data: about 200 bytes of JSON. */
const data = { level: 'info', message: 'fetched page', fields: { url: 'https://example.com/items?page=3', status: 200, bytes: 18_342, elapsedMs: 41 } };

interface CellResult {
  readonly eventsPerSecond: number;
  readonly medianUs: number;
  readonly p99Us: number;
}

export default async function journalBench(): Promise<void> {
  const results = new Map<string, CellResult>();
  for (const writers of writerCounts) {
    for (const durability of ['fsync', 'none'] as const) {
      results.set(`${writers}/${durability}`, await measure(durability, writers));
    }
  }
  console.log(`FileJournal, ${eventsPerWriter} appends per writer (~${Buffer.byteLength(JSON.stringify(data))} B of data each), temp dir under ${parentDir}`);
  console.log('latency = append() called → resolved; ratio = none ÷ fsync\n');
  const rows: string[][] = [['writers', 'metric', "durability 'fsync'", "durability 'none'", 'ratio']];
  for (const writers of writerCounts) {
    const f = results.get(`${writers}/fsync`) as CellResult;
    const n = results.get(`${writers}/none`) as CellResult;
    rows.push([String(writers), 'events/s', f.eventsPerSecond.toFixed(0), n.eventsPerSecond.toFixed(0), ratio(n.eventsPerSecond, f.eventsPerSecond)]);
    rows.push(['', 'append latency median', us(f.medianUs), us(n.medianUs), ratio(n.medianUs, f.medianUs)]);
    rows.push(['', 'append latency p99', us(f.p99Us), us(n.p99Us), ratio(n.p99Us, f.p99Us)]);
  }
  printTable(rows);
}

async function measure(durability: Durability, writers: number): Promise<CellResult> {
  const dir = await mkdtemp(join(parentDir, 'aiws-journal-bench-'));
  const journal = await FileJournal.open({ dir, durability });
  try {
    const latenciesUs: number[] = [];
    const startedMs = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const runId = `bench-${w}`;
        for (let seq = 1; seq <= eventsPerWriter; seq++) {
          const t0 = performance.now();
          await journal.append(runId, { runId, seq, ts: new Date().toISOString(), type: 'log', data });
          latenciesUs.push((performance.now() - t0) * 1000);
        }
      }),
    );
    const elapsedMs = performance.now() - startedMs;
    return {
      eventsPerSecond: (writers * eventsPerWriter) / (elapsedMs / 1000),
      medianUs: median(latenciesUs),
      p99Us: p99(latenciesUs),
    };
  } finally {
    await journal.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function us(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} ms` : `${value.toFixed(0)} µs`;
}
