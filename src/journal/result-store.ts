/**
 * ResultStore: the full capability results whose `capability.completed` events carry only a capped
 * form (size, preview and `$capped.sha256`), content-addressed by that digest, so a replay hands the
 * guest the very value it received and not the stand-in.
 *
 * Layout: `<dir>/<sha256 hex>.json` holding the result's JSON text (the text the digest was taken
 * over), a BlobStore (blob-store.ts): written once before the event that names it is stored, never
 * changed, and re-hashed on every read, so an altered result is refused rather than replayed.
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
export class ResultStore {
  readonly dir: string;
  #blobs: BlobStore;

  private constructor(blobs: BlobStore) {
    this.dir = blobs.dir;
    this.#blobs = blobs;
  }

  /** Opens (creating) the store directory. */
  static async open(options: ResultStoreOptions): Promise<ResultStore> {
    return new ResultStore(await BlobStore.open({ dir: options.dir, extension: '.json', noun: 'result', ...(options.fsync === undefined ? {} : { fsync: options.fsync }) }));
  }

  /**
   * Stores a result's JSON text unless it is already stored; resolves with its digest
   * (`sha256:<hex>`, the `$capped.sha256` of its capped event form) once the file is durable.
   * @throws INTERNAL when the file cannot be written
   */
  put(json: string): Promise<string> {
    return this.#blobs.put(json);
  }

  /**
   * The JSON text stored under `digest`.
   * @throws REPLAY_UNAVAILABLE when the digest is malformed, the file is missing, or its content no
   *   longer hashes to the digest
   */
  get(digest: string): Promise<string> {
    return this.#blobs.get(digest);
  }
}
