/**
 * The middle of the compiler pipeline: parsed modules and entrypoints in, an IR policy (or
 * diagnostics) out. Separate from code generation so plans can be inspected and tested on their own.
 */
import type * as ast from '../syntax/index.ts';
import type { Diagnostic } from '../diagnostics/index.ts';
import { createDiagnostic } from '../diagnostics/index.ts';
import type * as ir from '../ir/ir.ts';
import { getBuiltin } from '../builtins/index.ts';
import { isNativeBuiltin } from '../wasm/index.ts';
import type { CoreModule, CoreQuery } from './core.ts';
import { PlanError, Planner, type PlanBuiltin } from './plan.ts';
import { ResolveError, Resolver } from './resolve.ts';
import { UnsafeError } from './safety.ts';
import { templateModule } from './template-module.ts';

/** An entrypoint to plan: a rule path under `data` or a parsed query. */
export type PlanEntrypoint =
  | { readonly kind: 'path'; readonly name: string; readonly path: readonly string[] }
  /** `checkAs` is the query as written, when `query` is a rewrite of it (checks report on the original). */
  | { readonly kind: 'query'; readonly name: string; readonly query: ast.Query; readonly checkAs?: ast.Query };

/** The result of planning: a policy when there were no errors. */
export interface PlanPolicyResult {
  readonly policy?: ir.Policy;
  readonly diagnostics: Diagnostic[];
}

const noSpan = (file: string): ast.Span => ({ file, start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 1, offset: 0 } });

/** Looks up what the planner needs to know about a builtin. */
export function planBuiltin(name: string): PlanBuiltin | undefined {
  const spec = getBuiltin(name);
  if (spec === undefined) return undefined;
  return { arity: spec.arity, relation: spec.relation === true, void: spec.result === null, native: isNativeBuiltin(name, spec.arity) };
}

/** Resolves and plans `modules` for `entrypoints`. Never throws for bad policies: it reports diagnostics. */
export function planPolicy(
  modules: readonly ast.Module[],
  entrypoints: readonly PlanEntrypoint[],
  customBuiltins: Readonly<Record<string, { readonly arity: number }>> = {},
): PlanPolicyResult {
  const diagnostics: Diagnostic[] = [];
  const lookup = (name: string): PlanBuiltin | undefined => {
    const custom = Object.hasOwn(customBuiltins, name) ? customBuiltins[name] : undefined;
    if (custom !== undefined) return { arity: custom.arity, relation: false, void: false, native: false };
    return planBuiltin(name);
  };
  const resolver = new Resolver(modules, { builtinArity: (name) => lookup(name)?.arity });
  const core: CoreModule[] = [];
  const report = (err: unknown, file: string): void => {
    if (err instanceof ResolveError) diagnostics.push(createDiagnostic('REGO3001', err.span, err.message));
    else if (err instanceof UnsafeError) diagnostics.push(createDiagnostic('REGO2001', spanAt(err.location), err.message));
    else if (err instanceof PlanError) diagnostics.push(createDiagnostic('REGO3001', err.location ? spanAt(err.location) : noSpan(file), err.message));
    else throw err;
  };
  for (const m of modules) {
    try {
      core.push(resolver.module(m));
    } catch (err) {
      report(err, m.span.file);
    }
  }
  const queries: CoreQuery[] = [];
  for (const e of entrypoints) {
    try {
      queries.push(e.kind === 'path' ? resolver.entrypoint(e.path, e.name) : resolver.query(e.query, e.name));
    } catch (err) {
      report(err, '<query>');
    }
  }
  if (diagnostics.length > 0) return { diagnostics };
  if (resolver.usesTemplates) core.push(resolver.module(templateModule()));
  const planner = new Planner({ builtin: lookup });
  planner.addModules(core);
  for (const q of queries) {
    try {
      planner.planQuery(q);
    } catch (err) {
      report(err, '<query>');
    }
  }
  if (diagnostics.length > 0) return { diagnostics };
  return { policy: planner.policy(), diagnostics };
}

function spanAt(l: { file: string; row: number; col: number }): ast.Span {
  const p = { line: l.row, col: l.col, offset: 0 };
  return { file: l.file, start: p, end: p };
}
