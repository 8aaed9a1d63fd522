/**
 * KvStore: the durable key-value store behind kv.* capabilities, one SQLite file (node:sqlite,
 * WAL, synchronous=FULL) under the daemon's data directory. Keys live in namespaces; the kv.*
 * capabilities pick the namespace from the run (see `kvNamespaceFor`), never from guest input.
 *
 * Values are JSON, stored as text. All calls are synchronous SQLite statements on the daemon's
 * thread: they are short (primary-key lookups and bounded range scans).
 *
 * State: open ──close()──▶ closed (every method then throws DAEMON_CLOSED).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { DaemonError } from '../errors/index.ts';
import type { CapabilityContext } from './capability.ts';

export interface KvStoreOptions {
  /** Directory that holds the database file; created when missing. */
  readonly dataDir: string;
  /** @default 'kv.sqlite' */
  readonly fileName?: string;
  /** Cap on one value, JSON-encoded, in bytes. @default 256 KiB */
  readonly maxValueBytes?: number;
  /** How long a writer waits for another process's lock. @default 5000 */
  readonly busyTimeoutMs?: number;
}

export interface ResolvedKvStore {
  readonly path: string;
  readonly maxValueBytes: number;
  readonly busyTimeoutMs: number;
}

export interface KvListOptions {
  /** Only keys starting with this. @default '' */
  readonly prefix?: string;
  /** Only keys sorting after this one (the `next` of a previous page). */
  readonly after?: string;
  /** @default 100 */
  readonly limit?: number;
}

export interface KvListPage {
  /** Sorted by code point order of their UTF-8 bytes. */
  readonly keys: readonly string[];
  /** Pass as `after` for the next page; null on the last one. */
  readonly next: string | null;
}

/** The namespace of a run: store workflows by name (shared across versions), ad-hoc code per principal. */
export function kvNamespaceFor(ctx: Pick<CapabilityContext, 'workflow' | 'principal'>): string {
  return ctx.workflow.adhoc ? `adhoc:${ctx.principal.id}` : `workflow:${ctx.workflow.name}`;
}

export class KvStore implements AsyncDisposable {
  readonly options: ResolvedKvStore;
  #db: DatabaseSync | undefined;
  readonly #statements: {
    readonly get: StatementSync;
    readonly exists: StatementSync;
    readonly put: StatementSync;
    readonly delete: StatementSync;
    readonly list: StatementSync;
  };

  /**
   * Opens (creating when missing) the database file.
   * @throws CONFIG_INVALID when the file cannot be opened or is not a kv database
   */
  constructor(options: KvStoreOptions) {
    this.options = {
      path: join(options.dataDir, options.fileName ?? 'kv.sqlite'),
      maxValueBytes: options.maxValueBytes ?? 256 * 1024,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    };
    try {
      mkdirSync(options.dataDir, { recursive: true });
      const db = new DatabaseSync(this.options.path);
      db.exec(`PRAGMA busy_timeout = ${Math.trunc(this.options.busyTimeoutMs)}`);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = FULL');
      db.exec(`CREATE TABLE IF NOT EXISTS kv (
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (namespace, key)
      ) STRICT, WITHOUT ROWID`);
      this.#db = db;
      this.#statements = {
        get: db.prepare('SELECT value FROM kv WHERE namespace = ? AND key = ?'),
        exists: db.prepare('SELECT 1 AS found FROM kv WHERE namespace = ? AND key = ?'),
        put: db.prepare(
          'INSERT INTO kv (namespace, key, value, updated_ms) VALUES (?, ?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms',
        ),
        delete: db.prepare('DELETE FROM kv WHERE namespace = ? AND key = ?'),
        list: db.prepare(
          'SELECT key FROM kv WHERE namespace = :ns AND key >= :prefix AND key > :after AND substr(key, 1, length(:prefix)) = :prefix ORDER BY key LIMIT :limit',
        ),
      };
    } catch (cause) {
      this.#db?.close();
      throw new DaemonError('CONFIG_INVALID', `Cannot open kv store "${this.options.path}": ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  }

  /** True until close(). */
  get open(): boolean {
    return this.#db !== undefined;
  }

  /**
   * The value under `key`, or `{found: false}`.
   * @throws DAEMON_CLOSED after close()
   */
  get(namespace: string, key: string): { readonly found: boolean; readonly value: unknown } {
    this.#assertOpen();
    const row = this.#statements.get.get(namespace, key) as { value: string } | undefined;
    return row === undefined ? { found: false, value: null } : { found: true, value: JSON.parse(row.value) as unknown };
  }

  /**
   * Stores `value` (any JSON value) under `key`, replacing what was there.
   * @throws CAPABILITY_ARGS_TOO_LARGE when the JSON exceeds maxValueBytes
   * @throws DAEMON_CLOSED after close()
   */
  put(namespace: string, key: string, value: unknown): { readonly created: boolean } {
    const db = this.#assertOpen();
    const json = JSON.stringify(value);
    if (json === undefined) throw new DaemonError('CAPABILITY_INVALID_ARGS', `Cannot put kv key ${JSON.stringify(key)}: the value is not JSON`, { details: { key } });
    const bytes = Buffer.byteLength(json);
    if (bytes > this.options.maxValueBytes) {
      throw new DaemonError('CAPABILITY_ARGS_TOO_LARGE', `Cannot put kv key ${JSON.stringify(key)}: the value is ${bytes} bytes, over ${this.options.maxValueBytes}`, {
        details: { pointer: '/value', key, limitBytes: this.options.maxValueBytes },
      });
    }
    db.exec('BEGIN IMMEDIATE');
    try {
      const created = this.#statements.exists.get(namespace, key) === undefined;
      this.#statements.put.run(namespace, key, json, Date.now());
      db.exec('COMMIT');
      return { created };
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * Removes `key`; `{deleted: false}` when it was not there.
   * @throws DAEMON_CLOSED after close()
   */
  delete(namespace: string, key: string): { readonly deleted: boolean } {
    this.#assertOpen();
    const { changes } = this.#statements.delete.run(namespace, key);
    return { deleted: Number(changes) > 0 };
  }

  /**
   * One page of keys in `namespace`, sorted.
   * @throws DAEMON_CLOSED after close()
   */
  list(namespace: string, options: KvListOptions = {}): KvListPage {
    this.#assertOpen();
    const limit = options.limit ?? 100;
    const rows = this.#statements.list.all({ ns: namespace, prefix: options.prefix ?? '', after: options.after ?? '', limit: limit + 1 }) as { key: string }[];
    const keys = rows.slice(0, limit).map((row) => row.key);
    return { keys, next: rows.length > limit ? (keys.at(-1) ?? null) : null };
  }

  /** Closes the database (checkpointing the WAL). Idempotent. */
  close(): void {
    const db = this.#db;
    this.#db = undefined;
    db?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #assertOpen(): DatabaseSync {
    if (this.#db === undefined) throw new DaemonError('DAEMON_CLOSED', `Cannot use kv store "${this.options.path}": it is closed`);
    return this.#db;
  }
}
