/** Size caps shared by the fs.* capabilities. */

export interface FsOptions {
  /** Largest file fs.read returns. @default 8 MiB */
  readonly maxReadBytes?: number;
  /** Largest content fs.write accepts. @default 8 MiB */
  readonly maxWriteBytes?: number;
  /** Most entries fs.list returns (the rest is reported as `truncated`). @default 1000 */
  readonly maxListEntries?: number;
}

export interface ResolvedFs {
  readonly maxReadBytes: number;
  readonly maxWriteBytes: number;
  readonly maxListEntries: number;
}

/** Applies the defaults. */
export function resolveFsOptions(options: FsOptions = {}): ResolvedFs {
  return {
    maxReadBytes: options.maxReadBytes ?? 8 * 1024 * 1024,
    maxWriteBytes: options.maxWriteBytes ?? 8 * 1024 * 1024,
    maxListEntries: options.maxListEntries ?? 1000,
  };
}

/** The schema of a guest path argument. */
export const workspacePathSchema = { type: 'string', maxLength: 4096 } as const;
