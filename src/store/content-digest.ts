/**
 * The content digest of one workflow version: what an attestation vouches for.
 *
 * sha256 over every regular file under the version directory except `attestation.json`, in sorted
 * order of their '/'-separated relative paths, each contributing `path NUL length NUL bytes`. The
 * length prefix makes the encoding unambiguous (no two file sets hash the same bytes), and sorting
 * by path makes it independent of readdir order. Symlinks are refused: a digest must cover what the
 * daemon will actually load, not what a link points at today.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonError } from '../errors/index.ts';

/** The file name excluded from the digest: the attestation that carries it. */
export const attestationFileName = 'attestation.json';

/** Files and directories never part of a workflow (editor and OS droppings). */
const ignoredNames = new Set(['.DS_Store', 'node_modules', '.git']);

/**
 * Lists the files of a version directory relative to it, '/'-separated, sorted, without the attestation.
 * @throws STORE_MANIFEST_INVALID when the directory holds a symlink or something that is not a file
 */
export async function listWorkflowFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(dir, relative), { withFileTypes: true });
    for (const entry of entries) {
      if (ignoredNames.has(entry.name)) continue;
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (path === attestationFileName) continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.push(path);
      else throw new DaemonError('STORE_MANIFEST_INVALID', `Cannot digest workflow "${dir}": "${path}" is not a regular file`, { details: { file: path } });
    }
  };
  await walk('');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Computes `sha256:<hex>` over the version directory `dir` (see the file header for the encoding).
 * @throws STORE_MANIFEST_INVALID when the directory holds a symlink or special file
 */
export async function computeContentDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const path of await listWorkflowFiles(dir)) {
    const bytes = await readFile(join(dir, path));
    hash.update(`${path}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return `sha256:${hash.digest('hex')}`;
}
