/**
 * ResultStore: the full capability results whose `capability.completed` events carry only a capped
 * form (size, preview and `$capped.sha256`), content-addressed by that digest, so a replay hands the
 * guest the very value it received and not the stand-in.
 *
 * Layout: `<dir>/<sha256 hex>.json` holding the result's JSON text (the text the digest was taken
 * over). It is a BlobStore (blob-store.ts) with that extension: written once before the event that
 * names it is stored, never changed, and re-hashed on every read, so an altered result is refused
 * rather than replayed.
 */
import { BlobStore } from './blob-store.ts';

/** Options of ResultStore.open. */
export interface ResultStoreOptions {
  /** Directory of the result files (`<dataDir>/results` in the daemon); created when missing. */
  readonly dir: string;
  /** fsync each new file (and the directory) before `put` resolves. @default true */
  readonly fsync?: boolean;
}

/** Content-addressed, write-once store of capability results (JSON texts). */
export type ResultStore = BlobStore;

export const ResultStore = {
  /** Opens (creating) the store directory. */
  open(options: ResultStoreOptions): Promise<ResultStore> {
    return BlobStore.open({ dir: options.dir, extension: '.json', noun: 'result', fsync: options.fsync });
  },
};
