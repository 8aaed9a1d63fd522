/**
 * CodeStore: the exact workflow sources that ran, content-addressed, so a replay years later fetches
 * the very bytes a run's `run.accepted` event names by digest.
 *
 * Layout: `<dir>/<sha256 hex>.js`. It is a BlobStore (blob-store.ts) with that extension: written
 * once, never changed, and re-hashed on every read, so an edited source is refused rather than replayed.
 */
import { BlobStore, blobDigest, blobDigestPrefix } from './blob-store.ts';

/** The prefix of every code digest (`sha256:<64 hex>`), as the workflow store writes its digests. */
export const codeDigestPrefix = blobDigestPrefix;

/** The digest of `source` as the code store and run events name it: `sha256:<hex of its UTF-8 bytes>`. */
export function codeDigest(source: string): string {
  return blobDigest(source);
}

/** Options of CodeStore.open. */
export interface CodeStoreOptions {
  /** Directory of the source files; created when missing. */
  readonly dir: string;
  /** fsync each new file (and the directory) before `put` resolves. @default true */
  readonly fsync?: boolean;
}

/** Content-addressed, write-once store of workflow sources. */
export type CodeStore = BlobStore;

export const CodeStore = {
  /** Opens (creating) the store directory. */
  open(options: CodeStoreOptions): Promise<CodeStore> {
    return BlobStore.open({ dir: options.dir, extension: '.js', noun: 'code', fsync: options.fsync });
  },
};
