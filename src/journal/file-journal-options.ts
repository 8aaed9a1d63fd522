/**
 * FileJournal options: what callers may set, and the resolved form with every default applied.
 */
import { DaemonError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { Durability } from './journal.ts';

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

const mib = 1024 * 1024;

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
