/**
 * `fs.list {path?}` → `{entries: [{name, type, bytes?}], truncated}`: the entries of a directory in
 * the run workspace (the workspace itself when `path` is absent), sorted by name. Symlinks are
 * reported as such and not followed.
 */
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonError } from '../../errors/index.ts';
import { defineCapability, type Capability } from '../capability.ts';
import { fsError, parseWorkspacePath, resolveExisting, workspaceRoot } from '../workspace-path.ts';
import { resolveFsOptions, workspacePathSchema, type FsOptions } from './fs-options.ts';

export interface FsListArgs {
  /** @default '' (the workspace root) */
  readonly path?: string;
}

export interface FsListEntry {
  readonly name: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'other';
  /** Size in bytes, for files. */
  readonly bytes?: number;
}

export interface FsListResult {
  readonly entries: readonly FsListEntry[];
  /** True when the directory held more than the cap allows to return. */
  readonly truncated: boolean;
}

/** Creates the `fs.list` capability. */
export function createFsList(options: FsOptions = {}): Capability<FsListArgs, FsListResult> {
  const { maxListEntries } = resolveFsOptions(options);
  return defineCapability<FsListArgs, FsListResult>({
    name: 'fs.list',
    description: 'Lists a directory of the run workspace',
    argsSchema: { type: 'object', properties: { path: workspacePathSchema }, additionalProperties: false },
    sideEffects: false,
    async execute(args, ctx) {
      const text = args.path ?? '';
      const path = parseWorkspacePath(text, 'list', { allowRoot: true });
      const root = await workspaceRoot(ctx.workspaceDir);
      const real = await resolveExisting(root, path);
      const names: string[] = [];
      let truncated = false;
      try {
        const stat = await lstat(real);
        if (!stat.isDirectory()) throw new DaemonError('FS_WRONG_TYPE', `Cannot list ${JSON.stringify(text)}: it is not a directory`, { details: { path: text } });
        for await (const dirent of await opendir(real)) names.push(dirent.name);
      } catch (error) {
        throw fsError(error, path);
      }
      // Sort before capping so the answer does not depend on readdir order.
      names.sort();
      if (names.length > maxListEntries) {
        names.length = maxListEntries;
        truncated = true;
      }
      const entries: FsListEntry[] = [];
      for (const name of names) {
        const stat = await lstat(join(real, name)).catch(() => null);
        if (stat === null) continue;
        if (stat.isFile()) entries.push({ name, type: 'file', bytes: stat.size });
        else entries.push({ name, type: stat.isDirectory() ? 'directory' : stat.isSymbolicLink() ? 'symlink' : 'other' });
      }
      return { entries, truncated };
    },
  });
}
