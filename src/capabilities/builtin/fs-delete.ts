/**
 * `fs.delete {path, recursive?}` → `{deleted}`: removes a file, a symlink (never its target) or a
 * directory (empty unless `recursive`) from the run workspace. Deleting what is not there answers
 * `{deleted: false}`, so a retried call is harmless.
 */
import { lstat, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { defineCapability, type Capability } from '../capability.ts';
import { fsError, parseWorkspacePath, resolveParent, workspaceRoot } from '../workspace-path.ts';
import { workspacePathSchema } from './fs-options.ts';

export interface FsDeleteArgs {
  readonly path: string;
  /** Remove a directory with everything in it (symlinks inside are removed, not followed). @default false */
  readonly recursive?: boolean;
}

export interface FsDeleteResult {
  /** False when nothing was at the path. */
  readonly deleted: boolean;
}

/** Creates the `fs.delete` capability. */
export function createFsDelete(): Capability<FsDeleteArgs, FsDeleteResult> {
  return defineCapability<FsDeleteArgs, FsDeleteResult>({
    name: 'fs.delete',
    description: 'Deletes a file or directory from the run workspace',
    argsSchema: {
      type: 'object',
      properties: { path: workspacePathSchema, recursive: { type: 'boolean' } },
      required: ['path'],
      additionalProperties: false,
    },
    sideEffects: true,
    async execute(args, ctx) {
      const path = parseWorkspacePath(args.path, 'delete');
      const root = await workspaceRoot(ctx.workspaceDir);
      let parent: string;
      let name: string;
      try {
        ({ parent, name } = await resolveParent(root, path));
      } catch (error) {
        if ((error as { code?: unknown }).code === 'FS_NOT_FOUND') return { deleted: false };
        throw error;
      }
      const target = join(parent, name);
      try {
        const stat = await lstat(target).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return null;
          throw error;
        });
        if (stat === null) return { deleted: false };
        if (!stat.isDirectory()) await unlink(target);
        else if (args.recursive === true) await rm(target, { recursive: true });
        else await rmdir(target);
        return { deleted: true };
      } catch (error) {
        throw fsError(error, path);
      }
    },
  });
}
