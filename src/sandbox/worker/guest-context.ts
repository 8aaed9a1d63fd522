/**
 * Prepares a fresh context with the guest runtime linked in, ready for one run's `install`.
 *
 * The pool prepares one ahead of time for each idle isolate, so a warm run skips context creation
 * and runtime linking. A prepared context has run no workflow code and belongs to exactly one run:
 * it is still a fresh context per run, never shared.
 */
import type ivm from 'isolated-vm';
import type { GuestSources } from './guest-modules.ts';

export interface PreparedContext {
  readonly context: ivm.Context;
  /** The linked and evaluated runtime module (`aiws:runtime`). */
  readonly runtime: ivm.Module;
  readonly install: ivm.Reference;
  readonly deliver: ivm.Reference;
  /** The runtime's `tick`, called when the guest's virtual clock asked to be woken. */
  readonly tick: ivm.Reference;
  /** Every handle to release when the run is over. */
  readonly references: readonly { release(): void }[];
}

/** Creates a context and links the guest runtime modules into it. @throws when the isolate fails */
export async function prepareContext(isolate: ivm.Isolate, sources: GuestSources): Promise<PreparedContext> {
  const references: { release(): void }[] = [];
  try {
    const context = await isolate.createContext();
    references.push(context);
    const compiled = new Map<string, ivm.Module>();
    for (const module of sources.modules.values()) {
      const instance = await isolate.compileModule(module.source, { filename: module.filename });
      compiled.set(module.specifier, instance);
      references.push(instance);
    }
    const runtime = compiled.get(sources.runtime.specifier) as ivm.Module;
    await runtime.instantiate(context, (specifier) => {
      const found = compiled.get(specifier);
      if (found === undefined) throw new Error(`Unknown guest module "${specifier}"`);
      return found;
    });
    await runtime.evaluate();
    const install = (await runtime.namespace.get('install', { reference: true })) as ivm.Reference;
    const deliver = (await runtime.namespace.get('deliver', { reference: true })) as ivm.Reference;
    const tick = (await runtime.namespace.get('tick', { reference: true })) as ivm.Reference;
    references.push(install, deliver, tick);
    return { context, runtime, install, deliver, tick, references };
  } catch (error) {
    releaseAll(references);
    throw error;
  }
}

/** Releases handles, ignoring those a disposed isolate already invalidated. */
export function releaseAll(references: readonly { release(): void }[]): void {
  for (const reference of references) {
    try {
      reference.release();
    } catch {
      // Already gone with its isolate.
    }
  }
}
