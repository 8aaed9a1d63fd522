/**
 * `fs.write {path, content, encoding?}` → `{bytes}`: creates or replaces a file in the run workspace,
 * making missing parent directories. Confinement holds whatever the policy says: parents are checked
 * one by one as they are made, an existing symlink at the target is written through only when it
 * stays inside the workspace, and the file is opened with O_NOFOLLOW.
 */
import { constants, lstat, open, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonError } from '../../errors/index.ts';
import { defineCapability, type Capability } from '../capability.ts';
import { fsError, isInside, parseWorkspacePath, pathDenied, resolveParent, workspaceRoot } from '../workspace-path.ts';
import { resolveFsOptions, workspacePathSchema, type FsOptions } from './fs-options.ts';

export interface FsWriteArgs {
  readonly path: string;
  readonly content: string;
  /** How `content` is encoded. @default 'utf8' */
  readonly encoding?: 'utf8' | 'base64';
}

export interface FsWriteResult {
  /** Bytes written. */
  readonly bytes: number;
}

/** Creates the `fs.write` capability. */
export function createFsWrite(options: FsOptions = {}): Capability<FsWriteArgs, FsWriteResult> {
  const { maxWriteBytes } = resolveFsOptions(options);
  return defineCapability<FsWriteArgs, FsWriteResult>({
    name: 'fs.write',
    description: 'Creates or replaces a file in the run workspace, making parent directories',
    argsSchema: {
      type: 'object',
      properties: { path: workspacePathSchema, content: { type: 'string' }, encoding: { enum: ['utf8', 'base64'] } },
      required: ['path', 'content'],
      additionalProperties: false,
    },
    sideEffects: true,
    async execute(args, ctx) {
      const data = Buffer.from(args.content, args.encoding === 'base64' ? 'base64' : 'utf8');
      if (data.length > maxWriteBytes) {
        throw new DaemonError('CAPABILITY_ARGS_TOO_LARGE', `Cannot write ${JSON.stringify(args.path)}: content exceeds ${maxWriteBytes} bytes`, {
          details: { pointer: '/content', path: args.path, limitBytes: maxWriteBytes },
        });
      }
      const path = parseWorkspacePath(args.path, 'write');
      const root = await workspaceRoot(ctx.workspaceDir);
      const { parent, name } = await resolveParent(root, path, { create: true });
      let target = join(parent, name);
      const existing = await lstat(target).catch(() => null);
      if (existing?.isSymbolicLink() === true) {
        const real = await realpath(target).catch(() => null);
        if (real === null || !isInside(root, real)) throw pathDenied(path, 'a symlink on the path leads out of the workspace');
        target = real;
      }
      try {
        const handle = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
        try {
          await handle.writeFile(data);
        } finally {
          await handle.close();
        }
      } catch (error) {
        throw fsError(error, path);
      }
      return { bytes: data.length };
    },
  });
}
