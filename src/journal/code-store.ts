/**
 * CodeStore: the exact workflow sources that ran, content-addressed, so a replay years later fetches
 * the very bytes a run's `run.accepted` event names by digest.
 *
 * Layout: `<dir>/<sha256 hex>.js`, a BlobStore (blob-store.ts): written once, never changed, and
 * re-hashed on every read, so an edited source is refused rather than replayed.
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
export class CodeStore {
  readonly dir: string;
  #blobs: BlobStore;

  private constructor(blobs: BlobStore) {
    this.dir = blobs.dir;
    this.#blobs = blobs;
  }

  /** Opens (creating) the store directory. */
  static async open(options: CodeStoreOptions): Promise<CodeStore> {
    return new CodeStore(await BlobStore.open({ dir: options.dir, extension: '.js', noun: 'code', ...(options.fsync === undefined ? {} : { fsync: options.fsync }) }));
  }

  /**
   * Stores `source` unless a file with its digest exists; resolves with the digest once the file is
   * durable. Concurrent puts of the same source share one write.
   * @throws INTERNAL when the file cannot be written
   */
  put(source: string): Promise<string> {
    return this.#blobs.put(source);
  }

  /**
   * The source stored under `digest`.
   * @throws REPLAY_UNAVAILABLE when the digest is malformed, the file is missing, or its content no
   *   longer hashes to the digest
   */
  get(digest: string): Promise<string> {
    return this.#blobs.get(digest);
  }
}
