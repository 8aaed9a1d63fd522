/**
 * Loads OPA conformance cases (YAML files under `<feature>/<file>.yaml`, format described in the
 * corpus' SOURCE.txt) into plain records with stable ids. Integers are read as bigints so values
 * beyond 2^53 stay exact until they are serialised.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse } from 'yaml';

/** One conformance case, as the YAML spells it (camelCased). */
export interface ConformanceCase {
  /** Stable id: `<folder>/<file without .yaml>#<note>` (a `#n` suffix disambiguates repeats). */
  readonly id: string;
  /** The feature folder (first path segment under the cases directory). */
  readonly folder: string;
  readonly query: string;
  readonly modules: readonly string[];
  readonly data?: unknown;
  readonly input?: unknown;
  readonly inputTerm?: string;
  readonly wantDefined?: boolean;
  readonly wantResult?: readonly Record<string, unknown>[];
  readonly wantErrorCode?: string;
  readonly wantError?: string;
  readonly strictError: boolean;
  readonly sortBindings: boolean;
}

interface RawCase {
  note?: string;
  query?: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_defined?: boolean;
  want_result?: Record<string, unknown>[];
  want_error_code?: string;
  want_error?: string;
  strict_error?: boolean;
  sort_bindings?: boolean;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (name.endsWith('.yaml') || name.endsWith('.yml')) out.push(path);
  }
  return out;
}

/** Loads every case in every YAML file under `dir`, in a stable order. */
export function loadCases(dir: string): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const seen = new Map<string, number>();
  for (const file of yamlFiles(dir)) {
    const rel = relative(dir, file).split(sep).join('/');
    const folder = rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : '.';
    const doc = parse(readFileSync(file, 'utf8'), { intAsBigInt: true }) as { cases?: RawCase[] } | null;
    const raw = doc?.cases ?? [];
    raw.forEach((c, index) => {
      const base = `${rel.replace(/\.ya?ml$/, '')}#${c.note ?? String(index)}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      cases.push({
        id: n === 1 ? base : `${base}#${n}`,
        folder,
        query: c.query ?? '',
        modules: c.modules ?? [],
        ...(c.data === undefined ? {} : { data: c.data }),
        ...(c.input === undefined ? {} : { input: c.input }),
        ...(c.input_term === undefined ? {} : { inputTerm: c.input_term }),
        ...(c.want_defined === undefined ? {} : { wantDefined: c.want_defined }),
        ...(c.want_result === undefined ? {} : { wantResult: c.want_result }),
        ...(c.want_error_code === undefined ? {} : { wantErrorCode: c.want_error_code }),
        ...(c.want_error === undefined ? {} : { wantError: c.want_error }),
        strictError: c.strict_error === true,
        sortBindings: c.sort_bindings === true,
      });
    });
  }
  return cases;
}
