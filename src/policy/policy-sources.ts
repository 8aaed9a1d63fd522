/**
 * Reads a policies directory into what the engine loads: either Rego modules and data documents, or a
 * precompiled OPA bundle (`bundle.tar.gz` at the top of the directory, which then takes precedence and
 * everything else is ignored). Also computes the revision: a sha256 over the sorted relative paths and
 * contents of exactly the files loaded, so an edit that changes nothing loaded changes nothing.
 *
 * Data mapping (as `aiws policy eval -d` and `build` do): a `.json`/`.yaml`/`.yml` file is data at its
 * directory's path relative to the root (`aiws/settings/egress.yaml` is merged into
 * `data.aiws.settings`). `*_test.rego` files are tests (`aiws policy test`), not loaded by the daemon.
 * Dot-files and dot-directories (editor swap files, `.git`) are ignored.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { PolicyProblemInfo } from '../protocol/index.ts';

/** The bundle file name the engine looks for at the top of the policies directory. */
export const BUNDLE_FILE = 'bundle.tar.gz';

/** A problem that keeps a revision from loading, located when possible (as daemon.status shows it). */
export type PolicyProblem = PolicyProblemInfo;

/** What was read from the directory. */
export type PolicySources =
  | {
      readonly type: 'rego';
      readonly revision: string;
      /** Relative path (with `/`) → source. */
      readonly modules: Readonly<Record<string, string>>;
      readonly data: Record<string, unknown>;
      readonly problems: readonly PolicyProblem[];
    }
  | { readonly type: 'bundle'; readonly revision: string; readonly bundle: Uint8Array; readonly ignored: readonly string[] };

/** Reads the directory. Unreadable or unparsable files come back as problems, not exceptions. */
export async function readPolicySources(dir: string): Promise<PolicySources> {
  let files: string[];
  try {
    files = await listFiles(dir);
  } catch (error) {
    const message = `Cannot read policies directory "${dir}": ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
    return { type: 'rego', revision: digest([]), modules: {}, data: {}, problems: [{ code: 'POLICY_DIR_UNREADABLE', message, text: message }] };
  }
  if (files.includes(BUNDLE_FILE)) {
    const bundle = await readFile(join(dir, BUNDLE_FILE));
    return { type: 'bundle', revision: digest([[BUNDLE_FILE, bundle]]), bundle, ignored: files.filter((f) => f !== BUNDLE_FILE && isLoadable(f)) };
  }
  const loaded: [string, Buffer][] = [];
  for (const file of files.filter(isLoadable)) loaded.push([file, await readFile(join(dir, ...file.split('/')))]);
  const modules: Record<string, string> = {};
  const data: Record<string, unknown> = {};
  const problems: PolicyProblem[] = [];
  for (const [file, content] of loaded) {
    const text = content.toString('utf8');
    if (file.endsWith('.rego')) {
      modules[file] = text;
      continue;
    }
    let value: unknown;
    try {
      value = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      const message = `Cannot parse data file "${file}": ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      problems.push({ code: 'DATA_INVALID', message, file, text: message });
      continue;
    }
    const at = posix.dirname(file) === '.' ? [] : posix.dirname(file).split('/');
    const problem = mergeData(data, at, value);
    if (problem !== undefined) problems.push({ code: 'DATA_INVALID', message: `Cannot use data file "${file}": ${problem}`, file, text: `Cannot use data file "${file}": ${problem}` });
  }
  return { type: 'rego', revision: digest(loaded), modules, data, problems };
}

/** Files the daemon loads: Rego modules (not tests) and data documents. */
function isLoadable(file: string): boolean {
  if (file.endsWith('.rego')) return !file.endsWith('_test.rego');
  return /\.(json|ya?ml)$/.test(file);
}

/** `sha256:<hex>` over `path \0 length \0 content` of each file, sorted by path. */
export function digest(files: readonly (readonly [string, Uint8Array])[]): string {
  const hash = createHash('sha256');
  for (const [path, content] of [...files].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    hash.update(`${path}\0${content.byteLength}\0`);
    hash.update(content);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Relative paths (with `/`) of the regular files under `dir`, skipping dot-entries, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const rel = relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (rel.split('/').some((segment) => segment.startsWith('.'))) continue;
    out.push(rel);
  }
  return out.sort();
}

/** Deep-merges `value` at `path`; returns a problem when it would replace non-object data of another file. */
function mergeData(root: Record<string, unknown>, path: readonly string[], value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (!isPlainObject(value)) return path.length === 0 ? 'data at the root of the policies directory must be an object' : 'a data file must hold an object (its keys become data paths)';
  let node = root;
  for (const key of path) {
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (!isPlainObject(next)) return `"data.${path.join('.')}" is already set by another file`;
    node = node[key] as Record<string, unknown>;
  }
  return deepMerge(node, value, path);
}

function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>, path: readonly string[]): string | undefined {
  for (const [key, item] of Object.entries(from)) {
    const current = into[key];
    if (current === undefined) into[key] = item;
    else if (isPlainObject(current) && isPlainObject(item)) {
      const problem = deepMerge(current, item, [...path, key]);
      if (problem !== undefined) return problem;
    } else return `"data.${[...path, key].join('.')}" is already set by another file`;
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
