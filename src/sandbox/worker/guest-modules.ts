/**
 * Loads the guest runtime (src/sandbox/guest/*.ts) as JavaScript module sources, once per worker.
 *
 * The guest files are TypeScript with erasable syntax only; Node's own type stripper turns them into
 * the module text that is compiled inside each isolate. Nothing here runs guest code.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';

/** Specifier of the runtime module, imported by the entry module the worker generates per run. */
export const runtimeSpecifier = 'aiws:runtime';
/** Specifier under which the entry module imports the workflow. */
export const workflowSpecifier = 'aiws:workflow';

/**
 * The entry module: evaluated after the runtime is installed, it imports the workflow (so the
 * workflow's top-level awaits settle first) and then signals readiness explicitly, since
 * `Module.evaluate()` returns before a top-level await has settled.
 */
export const entrySource = `import { ready } from '${runtimeSpecifier}';\nimport * as workflow from '${workflowSpecifier}';\nready(workflow);\n`;

export interface GuestModuleSource {
  /** Relative specifier used by the other guest modules, e.g. `./context.ts`. */
  readonly specifier: string;
  /** Name shown in guest stack frames. */
  readonly filename: string;
  readonly source: string;
}

export interface GuestSources {
  readonly runtime: GuestModuleSource;
  /** Every guest module, keyed by relative specifier. */
  readonly modules: ReadonlyMap<string, GuestModuleSource>;
}

/** Reads and strips every guest module. @throws Error when a file does not strip cleanly */
export function loadGuestSources(directory: URL = new URL('../guest/', import.meta.url)): GuestSources {
  const modules = new Map<string, GuestModuleSource>();
  for (const name of readdirSync(directory).filter((file) => file.endsWith('.ts')).sort()) {
    const typescript = readFileSync(new URL(name, directory), 'utf8');
    const source = stripTypeScriptTypes(typescript, { mode: 'strip' });
    modules.set(`./${name}`, { specifier: `./${name}`, filename: `aiws:guest/${name}`, source });
  }
  const runtime = modules.get('./runtime.ts');
  if (runtime === undefined) throw new Error('Cannot load the guest runtime: "runtime.ts" is missing');
  return { runtime, modules };
}
