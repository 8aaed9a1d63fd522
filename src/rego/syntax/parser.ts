/**
 * The Rego v1 parser: tokens to the AST of `ast.ts`, with diagnostics instead of exceptions.
 *
 * It is a recursive-descent parser that mirrors OPA's own (`v1/ast/parser.go`) decision for decision,
 * so that what `opa` 1.x accepts parses here to the same structure: operator precedence
 * (`in` < relations < `|` < `&` < `+ -` < `* / %`, all left-associative), comprehensions preferred over
 * `|` calls inside brackets, `p[x] if` as a single-value rule, bodiless rules (`p := 1`, `f(x) := 1`,
 * `a.b.c`), `else` chains, several bodies per head, `some`/`every`, `with`, template strings.
 * Like OPA it backtracks in the few ambiguous places; diagnostics raised on an abandoned path are
 * dropped with it. Unlike OPA it does not stop at the first error: after a broken statement it skips to
 * the next line that starts at the statement's indentation and goes on, so independent errors are
 * reported together.
 *
 * This file holds the entry points and the module and query drivers. The grammar is split by level:
 * `parse-rules.ts` (package, imports, rules), `parse-body.ts` (bodies and expressions),
 * `parse-terms.ts` (operators, operands, refs), `parse-collections.ts` (collections and
 * comprehensions), all over the cursor of `parser-state.ts`.
 */
import type { Comment, Import, Module, Package, Query, Rule } from './ast.ts';
import type { Diagnostic } from '../diagnostics/index.ts';
import { tokenize } from './lexer.ts';
import { parseBodyUntil } from './parse-body.ts';
import { parseImport, parsePackage, parseRules } from './parse-rules.ts';
import { ParserState } from './parser-state.ts';

/** The result of `parseModule`. `module` is present only when there are no errors. */
export interface ParseModuleResult {
  readonly module?: Module;
  readonly diagnostics: Diagnostic[];
}

/** The result of `parseQuery`. `query` is present only when there are no errors. */
export interface ParseQueryResult {
  readonly query?: Query;
  readonly diagnostics: Diagnostic[];
}

/**
 * Parses one Rego module (a `.rego` file).
 *
 * Never throws. Syntax errors become diagnostics (`REGO1xxx`); several independent errors are reported
 * in one pass. `file` names the source in spans and messages.
 */
export function parseModule(source: string, file: string): ParseModuleResult {
  const lexed = tokenize(source, file);
  const parser = new ParserState(lexed.tokens, file, lexed.diagnostics);
  const module = parseModuleNode(parser, lexed.comments);
  const diagnostics = parser.diagnostics();
  return diagnostics.some((d) => d.severity === 'error') || module === undefined ? { diagnostics } : { module, diagnostics };
}

/**
 * Parses a query: a body such as `data.authz.allow = x` or `x := 1; y := x + 1` (expressions separated by
 * `;` or newlines), as `opa eval` accepts it. Never throws.
 */
export function parseQuery(source: string, file: string): ParseQueryResult {
  const lexed = tokenize(source, file);
  const parser = new ParserState(lexed.tokens, file, lexed.diagnostics);
  const query = parseQueryNode(parser);
  const diagnostics = parser.diagnostics();
  return diagnostics.some((d) => d.severity === 'error') || query === undefined ? { diagnostics } : { query, diagnostics };
}

/** A module: the package declaration first, then imports and rules, recovering after broken statements. */
function parseModuleNode(p: ParserState, comments: Comment[]): Module | undefined {
  const start = p.tok.start;
  let pkg: Package | undefined;
  const imports: Import[] = [];
  const rules: Rule[] = [];
  let first = true;
  if (p.is('eof')) {
    p.error('REGO1021', p.span(start, start), 'Empty module: expected "package <name>"');
    return undefined;
  }
  while (!p.is('eof')) {
    const stmtStart = p.tok;
    const before = p.diagnosticCount;
    let ok: boolean;
    if (p.isKeywordHere('package')) {
      const parsed = parsePackage(p);
      ok = parsed !== undefined;
      if (parsed !== undefined) {
        if (pkg !== undefined || !first) p.error('REGO1006', parsed.span, 'Unexpected package declaration: a module has exactly one, at the top');
        else pkg = parsed;
      }
    } else {
      if (first) {
        p.error('REGO1006', { file: p.file, start: stmtStart.start, end: stmtStart.end }, 'Missing package declaration: a module must start with "package <name>"');
      }
      if (p.isKeywordHere('import')) {
        const parsed = parseImport(p);
        ok = parsed !== undefined;
        if (parsed !== undefined) imports.push(parsed);
      } else {
        const parsed = parseRules(p);
        ok = parsed !== undefined;
        if (parsed !== undefined) rules.push(...parsed);
      }
    }
    first = false;
    if (!ok) {
      if (p.diagnosticCount === before) p.unexpected('a rule, an import or a package declaration');
      p.sync(stmtStart);
    }
  }
  if (pkg === undefined) return undefined;
  return { kind: 'module', span: p.span(start), package: pkg, imports, rules, comments };
}


function parseQueryNode(p: ParserState): Query | undefined {
  const start = p.tok.start;
  if (p.is('eof')) {
    p.error('REGO1014', p.span(start, start), 'Empty query: expected at least one expression');
    return undefined;
  }
  const body = parseBodyUntil(p, 'eof');
  if (body === undefined) return undefined;
  return { kind: 'query', span: p.span(start), body };
}
