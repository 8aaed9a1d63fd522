/**
 * Confinement of fs.* capabilities to the per-run workspace directory.
 *
 * A guest path is relative, '/'-separated, without `..`, NUL bytes or backslashes; anything else is
 * refused before the file system is touched. Directories on the way are resolved with realpath and
 * must stay inside the workspace (a symlink inside the workspace that points inside it is fine; one
 * that points out is refused). Files are then opened by their real path with O_NOFOLLOW, so a final
 * symlink can never be followed silently. The guest has no way to create symlinks, so the window
 * between check and open is only open to the host itself.
 */
import { lstat, mkdir, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { DaemonError, isDaemonError } from '../errors/index.ts';

/** The verb used in error messages: `Cannot read "a.txt": ...`. */
export type WorkspaceOperation = 'read' | 'write' | 'list' | 'delete';

/** A guest path split into checked segments (empty for the workspace root). */
export interface WorkspacePath {
  /** The guest's text, for messages. */
  readonly text: string;
  /** What is being done with it, for messages. */
  readonly operation: WorkspaceOperation;
  readonly segments: readonly string[];
}

/**
 * Checks the syntax of a guest path.
 * @throws FS_PATH_DENIED for absolute paths, `..`, NUL bytes, backslashes, or the root where a file is needed
 */
export function parseWorkspacePath(text: string, operation: WorkspaceOperation, options: { readonly allowRoot?: boolean } = {}): WorkspacePath {
  const deny = (reason: string): DaemonError => pathDenied({ operation, text }, reason);
  if (text.includes('\0')) throw deny('NUL bytes are refused');
  if (text.startsWith('/')) throw deny('absolute paths are refused; paths are relative to the run workspace');
  if (text.includes('\\')) throw deny('backslashes are refused; use "/"');
  const segments = text.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw deny('".." segments are refused');
  if (segments.some((segment) => Buffer.byteLength(segment) > 255)) throw deny('a path segment exceeds 255 bytes');
  if (segments.length === 0 && options.allowRoot !== true) throw deny('the path names the workspace itself');
  return { text, operation, segments };
}

/**
 * The real path of the workspace root, created when missing.
 * @throws INTERNAL when it cannot be created
 */
export async function workspaceRoot(workspaceDir: string): Promise<string> {
  await mkdir(workspaceDir, { recursive: true });
  return realpath(workspaceDir);
}

/**
 * The real path of an existing entry, following symlinks that stay inside the workspace.
 * @throws FS_NOT_FOUND, FS_PATH_DENIED (leads outside, dangling symlink), FS_WRONG_TYPE
 */
export async function resolveExisting(root: string, path: WorkspacePath): Promise<string> {
  let real: string;
  try {
    real = await realpath(join(root, ...path.segments));
  } catch (error) {
    // A dangling symlink could point anywhere: do not tell "missing" from "outside".
    if (await leadsOutside(root, path)) throw pathDenied(path, 'a symlink on the path leads out of the workspace');
    throw fsError(error, path);
  }
  if (!isInside(root, real)) throw pathDenied(path, 'a symlink on the path leads out of the workspace');
  return real;
}

/**
 * The real path of the directory that holds the path's last segment, plus that segment. The last
 * segment itself is not resolved. With `create`, missing directories are made one at a time, each
 * checked before anything is created beneath it.
 * @throws FS_NOT_FOUND, FS_PATH_DENIED, FS_WRONG_TYPE
 */
export async function resolveParent(root: string, path: WorkspacePath, options: { readonly create?: boolean } = {}): Promise<{ readonly parent: string; readonly name: string }> {
  const dirs = path.segments.slice(0, -1);
  const name = path.segments.at(-1);
  if (name === undefined) throw pathDenied(path, 'the path names the workspace itself');
  let current = root;
  for (const segment of dirs) {
    const next = join(current, segment);
    if (options.create === true) {
      try {
        await mkdir(next);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError(error, path);
      }
    }
    try {
      current = await realpath(next);
    } catch (error) {
      if ((await lstat(next).catch(() => null))?.isSymbolicLink() === true) throw pathDenied(path, 'a symlink on the path leads out of the workspace');
      throw fsError(error, path);
    }
    if (!isInside(root, current)) throw pathDenied(path, 'a symlink on the path leads out of the workspace');
  }
  return { parent: current, name };
}

/** True when `real` is `root` or below it. Both must be real paths. */
export function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** FS_PATH_DENIED with the guest path quoted (never the host's absolute path). */
export function pathDenied(path: Pick<WorkspacePath, 'operation' | 'text'>, reason: string): DaemonError {
  const { operation, text } = path;
  return new DaemonError('FS_PATH_DENIED', `Cannot ${operation} ${JSON.stringify(text)}: ${reason}`, { details: { path: text, reason } });
}

/**
 * Maps a node:fs error to a catalogued code; the message quotes the guest path, never the host's.
 * DaemonErrors pass through.
 */
export function fsError(error: unknown, path: Pick<WorkspacePath, 'operation' | 'text'>): DaemonError {
  if (isDaemonError(error)) return error;
  const { operation, text } = path;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const quoted = JSON.stringify(text);
  switch (code) {
    case 'ENOENT':
      return new DaemonError('FS_NOT_FOUND', `Cannot ${operation} ${quoted}: no such file or directory`, { details: { path: text } });
    case 'ENOTDIR':
      return new DaemonError('FS_WRONG_TYPE', `Cannot ${operation} ${quoted}: a segment of the path is not a directory`, { details: { path: text } });
    case 'EISDIR':
      return new DaemonError('FS_WRONG_TYPE', `Cannot ${operation} ${quoted}: it is a directory`, { details: { path: text } });
    case 'ENOTEMPTY':
    case 'EEXIST':
      return new DaemonError('FS_WRONG_TYPE', `Cannot ${operation} ${quoted}: the directory is not empty`, { details: { path: text } });
    case 'ELOOP':
      return pathDenied(path, 'symlinks are not followed here');
    case 'EACCES':
    case 'EPERM':
      return pathDenied(path, 'the host may not access it');
    default:
      return new DaemonError('INTERNAL', `Cannot ${operation} ${quoted}: file system error ${code ?? 'unknown'}`, { cause: error, details: { path: text, errno: code } });
  }
}

/** True when a symlink on the unresolved path dangles or resolves outside the workspace. */
async function leadsOutside(root: string, path: WorkspacePath): Promise<boolean> {
  let current = root;
  for (const segment of path.segments) {
    current = join(current, segment);
    const stat = await lstat(current).catch(() => null);
    if (stat === null) return false;
    if (stat.isSymbolicLink()) {
      const real = await realpath(current).catch(() => null);
      if (real === null || !isInside(root, real)) return true;
      current = real;
    }
  }
  return false;
}
