/**
 * The compiler pipeline: Rego sources and entrypoints in, a WASM module implementing OPA's ABI out.
 *
 * parse (every module, every query entrypoint) → check → resolve and plan (plan-policy.ts) → emit.
 * Problems at any stage are reported as diagnostics, all of them, and no module is produced.
 */
import type { Diagnostic } from '../diagnostics/index.ts';
import { createDiagnostic, hasErrors, sortDiagnostics } from '../diagnostics/index.ts';
import type * as ast from '../syntax/index.ts';
import { parseModule, parseQuery } from '../syntax/index.ts';
import type * as ir from '../ir/ir.ts';
import { emitWasm } from '../wasm/index.ts';
import { checkModules, checkQuery } from '../check/index.ts';
import { planPolicy, type PlanEntrypoint } from './plan-policy.ts';

/** What to compile. */
export interface CompileOptions {
  /** Rego sources by file name (the name appears in diagnostics). */
  readonly modules: Readonly<Record<string, string>>;
  /**
   * Entrypoints, in order: a rule path with `/` separators (`aiws/capability/decision` means
   * `data.aiws.capability.decision`; its result set is `[{ result: value }]`), or a query
   * (`data.x.allow = a; b := input.y`; its result set holds one object of variable bindings per
   * solution).
   */
  readonly entrypoints: readonly string[];
  /**
   * Builtins the evaluator provides beyond OPA's catalogue (JS custom builtins), by name.
   * @default {}
   */
  readonly customBuiltins?: Readonly<Record<string, { readonly arity: number }>>;
  /** Accept builtins OPA registers only in its test harnesses (`test.sleep`). @default false */
  readonly allowTestBuiltins?: boolean;
}

/** The compiled module, or why there is none. */
export interface CompileResult {
  /** The WASM module; absent when `diagnostics` has errors. */
  readonly wasm?: Uint8Array;
  /** Entrypoint name → id, as the SDK's `evaluate(input, entrypoint)` accepts either. */
  readonly entrypoints: Record<string, number>;
  readonly diagnostics: Diagnostic[];
  /** The planned IR (for debugging and tests). */
  readonly policy?: ir.Policy;
}

const COMPILER_SPAN: ast.Span = { file: '<compiler>', start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 1, offset: 0 } };

const PATH_ENTRYPOINT = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

/** True when an entrypoint string names a rule path (`a/b/c`) rather than a query. */
export function isPathEntrypoint(entrypoint: string): boolean {
  return PATH_ENTRYPOINT.test(entrypoint);
}

/**
 * Compiles Rego modules to a WASM module for `@open-policy-agent/opa-wasm`.
 *
 * Never throws for bad Rego: syntax, check and planning problems come back as diagnostics.
 */
export function compile(options: CompileOptions): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const entrypoints: PlanEntrypoint[] = [];
  for (const name of options.entrypoints) {
    if (isPathEntrypoint(name)) {
      entrypoints.push({ kind: 'path', name, path: name.split('/') });
      continue;
    }
    const parsed = parseQuery(name, '<query>');
    diagnostics.push(...parsed.diagnostics);
    if (parsed.query) entrypoints.push({ kind: 'query', name, query: parsed.query });
  }
  return compileEntrypoints(options, entrypoints, diagnostics);
}

/** Parses every module, reporting syntax errors. */
export function parseModules(sources: Readonly<Record<string, string>>, diagnostics: Diagnostic[]): ast.Module[] {
  const modules: ast.Module[] = [];
  for (const [file, source] of Object.entries(sources)) {
    const parsed = parseModule(source, file);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.module) modules.push(parsed.module);
  }
  return modules;
}

/**
 * Compiles with entrypoints already parsed (queries may have been rewritten by the caller, see
 * compile-query.ts). `diagnostics` holds problems found so far.
 */
export function compileEntrypoints(options: Omit<CompileOptions, 'entrypoints'> & { readonly entrypoints?: readonly string[] }, entrypoints: readonly PlanEntrypoint[], diagnostics: Diagnostic[] = []): CompileResult {
  const modules = parseModules(options.modules, diagnostics);
  if (!hasErrors(diagnostics)) {
    const checkOptions = { customBuiltins: options.customBuiltins ?? {}, allowTestBuiltins: options.allowTestBuiltins === true };
    try {
      diagnostics.push(...checkModules(modules, checkOptions));
      for (const e of entrypoints) if (e.kind === 'query') diagnostics.push(...checkQuery(e.checkAs ?? e.query, modules, checkOptions));
    } catch (err) {
      diagnostics.push(createDiagnostic('REGO3001', COMPILER_SPAN, `Internal compiler error in the checks: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
  const ids: Record<string, number> = {};
  entrypoints.forEach(({ name }, i) => {
    ids[name] = i;
  });
  if (hasErrors(diagnostics)) return { entrypoints: ids, diagnostics: sortDiagnostics(diagnostics) };
  let planned: ReturnType<typeof planPolicy>;
  try {
    planned = planPolicy(modules, entrypoints, options.customBuiltins ?? {});
  } catch (err) {
    // A planner bug must not take the caller down: report it like any other compile failure.
    diagnostics.push(createDiagnostic('REGO3001', COMPILER_SPAN, `Internal compiler error: ${err instanceof Error ? err.message : String(err)}`));
    return { entrypoints: ids, diagnostics: sortDiagnostics(diagnostics) };
  }
  diagnostics.push(...planned.diagnostics);
  if (!planned.policy || hasErrors(diagnostics)) return { entrypoints: ids, diagnostics: sortDiagnostics(diagnostics) };
  try {
    const wasm = emitWasm(planned.policy);
    return { wasm, entrypoints: ids, diagnostics: sortDiagnostics(diagnostics), policy: planned.policy };
  } catch (err) {
    diagnostics.push(createDiagnostic('REGO3002', COMPILER_SPAN, `Cannot generate code: ${err instanceof Error ? err.message : String(err)}`));
    return { entrypoints: ids, diagnostics: sortDiagnostics(diagnostics), policy: planned.policy };
  }
}

/**
 * Checks Rego sources without generating code: syntax, the static checks and name resolution.
 * Returns every diagnostic, sorted; none with severity `error` means the modules compile.
 */
export function checkPolicy(options: Omit<CompileOptions, 'entrypoints'>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const modules = parseModules(options.modules, diagnostics);
  if (!hasErrors(diagnostics)) diagnostics.push(...checkModules(modules, { customBuiltins: options.customBuiltins ?? {}, allowTestBuiltins: options.allowTestBuiltins === true }));
  if (!hasErrors(diagnostics)) diagnostics.push(...planPolicy(modules, [], options.customBuiltins ?? {}).diagnostics);
  return sortDiagnostics(diagnostics);
}
