/**
 * Compiling a query for `opa eval`-style output: besides the variable bindings, each top-level
 * expression's value and source text. A term expression (`data.x.allow`) is planned as
 * `__exprN__ = term` so its value lands in the result set; any other expression that holds is `true`,
 * as `opa eval` reports it.
 */
import type { Diagnostic } from '../diagnostics/index.ts';
import type * as ast from '../syntax/index.ts';
import { parseQuery } from '../syntax/index.ts';
import { compileEntrypoints, type CompileOptions, type CompileResult } from './compile.ts';

/** One top-level query expression as `opa eval` reports it. */
export interface QueryExpression {
  readonly text: string;
  readonly location: { readonly row: number; readonly col: number };
  /** The binding that holds this expression's value, or null when its value is `true`. */
  readonly binding: string | null;
}

/** A compiled query: entrypoint 0 evaluates it; rows hold bindings plus the expression bindings. */
export interface CompileQueryResult extends CompileResult {
  readonly expressions: readonly QueryExpression[];
}

/** Options for `compileQuery`. */
export interface CompileQueryOptions extends Omit<CompileOptions, 'entrypoints'> {
  /** The query, as `opa eval` takes it. */
  readonly query: string;
}

/** Compiles `query` against `modules` as the module's only entrypoint. Never throws for bad Rego. */
export function compileQuery(options: CompileQueryOptions): CompileQueryResult {
  const diagnostics: Diagnostic[] = [];
  const parsed = parseQuery(options.query, '<query>');
  diagnostics.push(...parsed.diagnostics);
  if (!parsed.query) return { entrypoints: {}, diagnostics, expressions: [] };
  const expressions: QueryExpression[] = [];
  const body = parsed.query.body.map((e, i): ast.Expr => {
    const text = options.query.slice(e.span.start.offset, e.span.end.offset);
    const location = { row: e.span.start.line, col: e.span.start.col };
    if (e.kind !== 'term-expr' || e.negated || e.with.length > 0) {
      expressions.push({ text, location, binding: null });
      return e;
    }
    const binding = `__expr${i}__`;
    expressions.push({ text, location, binding });
    const out: ast.VarTerm = { kind: 'var', name: binding, span: e.span };
    const call: ast.CallTerm = { kind: 'call', name: 'eq', operator: { kind: 'var', name: 'eq', span: e.span }, args: [out, e.term], span: e.span };
    return { kind: 'call-expr', call, negated: false, with: [], span: e.span };
  });
  const query: ast.Query = { ...parsed.query, body };
  const result = compileEntrypoints(options, [{ kind: 'query', name: options.query, query, checkAs: parsed.query }], diagnostics);
  return { ...result, expressions };
}
