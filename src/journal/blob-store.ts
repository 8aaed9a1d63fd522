/**
 * BlobStore: write-once, content-addressed UTF-8 texts under one directory, named by the SHA-256 of
 * their bytes. The storage both the code store (the exact sources that ran) and the result store (the
 * full capability results whose events were capped) are made of.
 *
 * Layout: `<dir>/<sha256 hex><extension>`, written once (temp file + fsync + rename) and never changed.
 * A read re-hashes the file, so an edited blob is refused rather than used.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonError } from '../errors/index.ts';

/** The prefix of every blob digest (`sha256:<64 hex>`), as the workflow store writes its digests. */
export const blobDigestPrefix = 'sha256:';

const digestPattern = /^sha256:([0-9a-f]{64})$/;

/** The digest of `text` as blob stores and run events name it: `sha256:<hex of its UTF-8 bytes>`. */
export function blobDigest(text: string): string {
  return `${blobDigestPrefix}${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** Options of BlobStore.open. */
export interface BlobStoreOptions {
  /** Directory of the blob files; created when missing. */
  readonly dir: string;
  /** File name suffix, with its dot (`.js`, `.json`). */
  readonly extension: string;
  /** What a blob is, for error messages (`code`, `result`). */
  readonly noun: string;
  /** fsync each new file (and the directory) before `put` resolves. @default true */
  readonly fsync?: boolean;
}

/** Content-addressed, write-once store of UTF-8 texts. */
export class BlobStore {
  readonly dir: string;
  #extension: string;
  #noun: string;
  #fsync: boolean;
  /** Digests known to be on disk: a hot blob is written once, then only hashed. */
  #known = new Set<string>();
  #writing = new Map<string, Promise<string>>();

  private constructor(options: BlobStoreOptions) {
    this.dir = options.dir;
    this.#extension = options.extension;
    this.#noun = options.noun;
    this.#fsync = options.fsync ?? true;
  }

  /** Opens (creating) the store directory. */
  static async open(options: BlobStoreOptions): Promise<BlobStore> {
    await mkdir(options.dir, { recursive: true });
    return new BlobStore(options);
  }

  /**
   * Stores `text` unless a file with its digest exists; resolves with the digest once the file is
   * durable. Concurrent puts of the same text share one write.
   * @throws INTERNAL when the file cannot be written
   */
  put(text: string): Promise<string> {
    const digest = blobDigest(text);
    if (this.#known.has(digest)) return Promise.resolve(digest);
    let pending = this.#writing.get(digest);
    if (pending === undefined) {
      pending = this.#write(digest, text).finally(() => this.#writing.delete(digest));
      this.#writing.set(digest, pending);
    }
    return pending;
  }

  /**
   * The text stored under `digest`.
   * @throws REPLAY_UNAVAILABLE when the digest is malformed, the file is missing, or its content no
   *   longer hashes to the digest
   */
  async get(digest: string): Promise<string> {
    const noun = this.#noun;
    const hex = digestPattern.exec(digest)?.[1];
    if (hex === undefined) throw new DaemonError('REPLAY_UNAVAILABLE', `Cannot load ${noun} "${digest}": not a "sha256:<hex>" digest`, { details: { digest } });
    let text: string;
    try {
      text = await readFile(this.#path(digest), 'utf8');
    } catch (err) {
      throw new DaemonError('REPLAY_UNAVAILABLE', `Cannot load ${noun} "${digest}": the ${noun} store has no such ${noun}`, { details: { digest }, cause: err });
    }
    const actual = blobDigest(text);
    if (actual !== digest) {
      throw new DaemonError('REPLAY_UNAVAILABLE', `Cannot load ${noun} "${digest}": the stored ${noun} was altered, it hashes to "${actual}"`, { details: { digest, actual } });
    }
    return text;
  }

  #path(digest: string): string {
    return join(this.dir, `${digest.slice(blobDigestPrefix.length)}${this.#extension}`);
  }

  async #write(digest: string, text: string): Promise<string> {
    const path = this.#path(digest);
    const exists = await stat(path).then((s) => s.isFile(), () => false);
    if (!exists) {
      const temp = join(this.dir, `.${randomUUID()}.tmp`);
      try {
        const handle = await open(temp, 'wx');
        try {
          await handle.writeFile(text, 'utf8');
          if (this.#fsync) await handle.datasync();
        } finally {
          await handle.close();
        }
        await rename(temp, path);
        if (this.#fsync) await this.#syncDir();
      } catch (err) {
        await rm(temp, { force: true });
        throw new DaemonError('INTERNAL', `Cannot store ${this.#noun} "${digest}": ${(err as Error).message}`, { cause: err });
      }
    }
    this.#known.add(digest);
    return digest;
  }

  async #syncDir(): Promise<void> {
    const handle = await open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
