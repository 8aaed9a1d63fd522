/**
 * `fs.read {path, encoding?}` → `{content, bytes}`: one file from the run workspace.
 * Confinement (workspace-path.ts) holds whatever the policy says; files over the cap are refused.
 */
import { constants, open } from 'node:fs/promises';
import { DaemonError } from '../../errors/index.ts';
import { defineCapability, type Capability } from '../capability.ts';
import { fsError, parseWorkspacePath, resolveExisting, workspaceRoot } from '../workspace-path.ts';
import { resolveFsOptions, workspacePathSchema, type FsOptions } from './fs-options.ts';

export interface FsReadArgs {
  /** Relative to the workspace, '/'-separated. */
  readonly path: string;
  /** `utf8` returns text, `base64` the raw bytes. @default 'utf8' */
  readonly encoding?: 'utf8' | 'base64';
}

export interface FsReadResult {
  readonly content: string;
  /** Size of the file in bytes. */
  readonly bytes: number;
}

/** Creates the `fs.read` capability. */
export function createFsRead(options: FsOptions = {}): Capability<FsReadArgs, FsReadResult> {
  const { maxReadBytes } = resolveFsOptions(options);
  return defineCapability<FsReadArgs, FsReadResult>({
    name: 'fs.read',
    description: 'Reads a file from the run workspace',
    argsSchema: {
      type: 'object',
      properties: { path: workspacePathSchema, encoding: { enum: ['utf8', 'base64'] } },
      required: ['path'],
      additionalProperties: false,
    },
    sideEffects: false,
    async execute(args, ctx) {
      const path = parseWorkspacePath(args.path, 'read');
      const root = await workspaceRoot(ctx.workspaceDir);
      const real = await resolveExisting(root, path);
      let handle;
      try {
        handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch (error) {
        throw fsError(error, path);
      }
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw new DaemonError('FS_WRONG_TYPE', `Cannot read ${JSON.stringify(args.path)}: it is not a regular file`, { details: { path: args.path } });
        if (stat.size > maxReadBytes) throw tooLarge(args.path, maxReadBytes);
        // Read one byte past the cap: the file may have grown since fstat.
        const buffer = Buffer.alloc(Math.min(stat.size, maxReadBytes) + 1);
        let length = 0;
        for (;;) {
          const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
          if (bytesRead === 0) break;
          length += bytesRead;
          if (length > maxReadBytes) throw tooLarge(args.path, maxReadBytes);
          if (length === buffer.length) break;
        }
        const bytes = buffer.subarray(0, length);
        return { content: bytes.toString(args.encoding === 'base64' ? 'base64' : 'utf8'), bytes: length };
      } catch (error) {
        throw fsError(error, path);
      } finally {
        await handle.close();
      }
    },
  });
}

function tooLarge(path: string, limitBytes: number): DaemonError {
  return new DaemonError('CAPABILITY_RESULT_TOO_LARGE', `Cannot read ${JSON.stringify(path)}: the file exceeds ${limitBytes} bytes`, { details: { path, limitBytes } });
}
