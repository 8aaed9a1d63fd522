/**
 * CodeStore: the exact workflow sources that ran, content-addressed, so a replay years later fetches
 * the very bytes a run's `run.accepted` event names by digest.
 *
 * Layout: `<dir>/<sha256 hex>.js`, written once (temp file + fsync + rename) and never changed. A read
 * re-hashes the file, so an edited source is refused rather than replayed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonError } from '../errors/index.ts';

/** The prefix of every code digest (`sha256:<64 hex>`), as the workflow store writes its digests. */
export const codeDigestPrefix = 'sha256:';

const digestPattern = /^sha256:([0-9a-f]{64})$/;

/** The digest of `source` as the code store and run events name it: `sha256:<hex of its UTF-8 bytes>`. */
export function codeDigest(source: string): string {
  return `${codeDigestPrefix}${createHash('sha256').update(source, 'utf8').digest('hex')}`;
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
  #fsync: boolean;
  /** Digests known to be on disk: a hot workflow is written once, then only hashed. */
  #known = new Set<string>();
  #writing = new Map<string, Promise<string>>();

  private constructor(dir: string, fsync: boolean) {
    this.dir = dir;
    this.#fsync = fsync;
  }

  /** Opens (creating) the store directory. */
  static async open(options: CodeStoreOptions): Promise<CodeStore> {
    await mkdir(options.dir, { recursive: true });
    return new CodeStore(options.dir, options.fsync ?? true);
  }

  /**
   * Stores `source` unless a file with its digest exists; resolves with the digest once the file is
   * durable. Concurrent puts of the same source share one write.
   */
  put(source: string): Promise<string> {
    const digest = codeDigest(source);
    if (this.#known.has(digest)) return Promise.resolve(digest);
    let pending = this.#writing.get(digest);
    if (pending === undefined) {
      pending = this.#write(digest, source).finally(() => this.#writing.delete(digest));
      this.#writing.set(digest, pending);
    }
    return pending;
  }

  /**
   * The source stored under `digest`.
   * @throws REPLAY_UNAVAILABLE when the digest is malformed, the file is missing, or its content no
   *   longer hashes to the digest
   */
  async get(digest: string): Promise<string> {
    const hex = digestPattern.exec(digest)?.[1];
    if (hex === undefined) throw new DaemonError('REPLAY_UNAVAILABLE', `Cannot load code "${digest}": not a "sha256:<hex>" digest`, { details: { digest } });
    let source: string;
    try {
      source = await readFile(this.#path(digest), 'utf8');
    } catch (err) {
      throw new DaemonError('REPLAY_UNAVAILABLE', `Cannot load code "${digest}": the code store has no such source`, { details: { digest }, cause: err });
    }
    const actual = codeDigest(source);
    if (actual !== digest) {
      throw new DaemonError('REPLAY_UNAVAILABLE', `Cannot load code "${digest}": the stored source was altered, it hashes to "${actual}"`, { details: { digest, actual } });
    }
    return source;
  }

  #path(digest: string): string {
    return join(this.dir, `${digest.slice(codeDigestPrefix.length)}.js`);
  }

  async #write(digest: string, source: string): Promise<string> {
    const path = this.#path(digest);
    const exists = await stat(path).then((s) => s.isFile(), () => false);
    if (!exists) {
      const temp = join(this.dir, `.${randomUUID()}.tmp`);
      try {
        const handle = await open(temp, 'wx');
        try {
          await handle.writeFile(source, 'utf8');
          if (this.#fsync) await handle.datasync();
        } finally {
          await handle.close();
        }
        await rename(temp, path);
        if (this.#fsync) await this.#syncDir();
      } catch (err) {
        await rm(temp, { force: true });
        throw new DaemonError('INTERNAL', `Cannot store code "${digest}": ${(err as Error).message}`, { cause: err });
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
