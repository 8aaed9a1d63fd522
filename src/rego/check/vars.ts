/**
 * Variable collection for the safety check, following OPA's `VarVisitor` with its safety parameters:
 * call operators are not variables, comprehensions and `every` bodies are separate scopes ("closures"),
 * and names that resolve to documents (rules, imports, `input`, `data`) are not variables either.
 */
import type {
  ArrayComprehensionTerm,
  EveryExpr,
  Expr,
  ObjectComprehensionTerm,
  SetComprehensionTerm,
  Term,
  VarTerm,
} from '../syntax/index.ts';
import { varKey } from './rule-index.ts';

/** A comprehension or an `every`: a nested scope with its own body. */
export type Closure = ArrayComprehensionTerm | SetComprehensionTerm | ObjectComprehensionTerm | EveryExpr;

/** Options of var collection. */
export interface VarOptions {
  /** True when `name` denotes a document, not a variable. */
  readonly isGlobal: (name: string) => boolean;
  /** Skip set elements and object keys (OPA does for the inputs of builtin calls). @default false */
  readonly skipSetsAndKeys?: boolean;
  /** Skip the heads of refs (OPA's `SkipRefHead`). @default false */
  readonly skipRefHead?: boolean;
  /**
   * True when a `with` value named `name` (a var, or the head of a ref) replaces a function
   * (`with count as mock`, `with time.now_ns as opa.runtime`) rather than being a variable. @default none
   */
  readonly withValueIsFunction?: (name: string) => boolean;
}

/** Variables of a term outside closures, by key, each with its first occurrence. */
export function termVars(term: Term, options: VarOptions, out: Map<string, VarTerm> = new Map()): Map<string, VarTerm> {
  switch (term.kind) {
    case 'var':
      if (!options.isGlobal(term.name)) {
        const key = varKey(term);
        if (!out.has(key)) out.set(key, term);
      }
      break;
    case 'ref':
      if (!options.skipRefHead || term.head.kind !== 'var') termVars(term.head, options, out);
      for (const element of term.path) termVars(element, options, out);
      break;
    case 'array':
      for (const item of term.items) termVars(item, options, out);
      break;
    case 'set':
      if (!options.skipSetsAndKeys) for (const item of term.items) termVars(item, options, out);
      break;
    case 'object':
      for (const item of term.items) {
        if (!options.skipSetsAndKeys) termVars(item.key, options, out);
        termVars(item.value, options, out);
      }
      break;
    case 'call':
      for (const arg of term.args) termVars(arg, options, out);
      break;
    case 'template-string':
      for (const part of term.parts) if (part.kind === 'template-expr') exprVars(part.expr, options, out);
      break;
    default:
      break;
  }
  return out;
}

/** Variables an expression uses outside closures (declarations of `some x` are not uses). */
export function exprVars(expr: Expr, options: VarOptions, out: Map<string, VarTerm> = new Map()): Map<string, VarTerm> {
  switch (expr.kind) {
    case 'term-expr':
      termVars(expr.term, options, out);
      break;
    case 'call-expr':
      termVars(expr.call, options, out);
      break;
    case 'some-in':
      if (expr.key !== undefined) termVars(expr.key, options, out);
      termVars(expr.value, options, out);
      termVars(expr.collection, options, out);
      break;
    case 'every':
      termVars(expr.domain, options, out);
      break;
    case 'some-decl':
      break;
  }
  for (const w of expr.with) {
    const head = w.value.kind === 'var' ? w.value : w.value.kind === 'ref' && w.value.head.kind === 'var' ? w.value.head : undefined;
    if (head !== undefined && options.withValueIsFunction?.(head.name) === true) continue;
    termVars(w.value, options, out);
  }
  return out;
}

/** The outermost closures inside a term. */
export function termClosures(term: Term, out: Closure[] = []): Closure[] {
  switch (term.kind) {
    case 'array-comprehension':
    case 'set-comprehension':
    case 'object-comprehension':
      out.push(term);
      break;
    case 'ref':
      termClosures(term.head, out);
      for (const element of term.path) termClosures(element, out);
      break;
    case 'array':
    case 'set':
      for (const item of term.items) termClosures(item, out);
      break;
    case 'object':
      for (const item of term.items) {
        termClosures(item.key, out);
        termClosures(item.value, out);
      }
      break;
    case 'call':
      for (const arg of term.args) termClosures(arg, out);
      break;
    case 'template-string':
      for (const part of term.parts) if (part.kind === 'template-expr') exprClosures(part.expr, out);
      break;
    default:
      break;
  }
  return out;
}

/** The outermost closures inside an expression (an `every` is itself one). */
export function exprClosures(expr: Expr, out: Closure[] = []): Closure[] {
  switch (expr.kind) {
    case 'term-expr':
      termClosures(expr.term, out);
      break;
    case 'call-expr':
      termClosures(expr.call, out);
      break;
    case 'some-in':
      if (expr.key !== undefined) termClosures(expr.key, out);
      termClosures(expr.value, out);
      termClosures(expr.collection, out);
      break;
    case 'every':
      termClosures(expr.domain, out);
      out.push(expr);
      break;
    case 'some-decl':
      break;
  }
  for (const w of expr.with) termClosures(w.value, out);
  return out;
}

/**
 * Variables a closure captures from its enclosing body: every variable used anywhere inside it (body,
 * head terms, nested closures) except those it declares itself (`some`, `:=`, `every` key and value).
 */
export function capturedVars(closure: Closure, options: VarOptions): Map<string, VarTerm> {
  const declared = new Set<string>();
  collectDeclared(closure, declared);
  const inner: VarOptions = { ...options, isGlobal: (name) => declared.has(name) || options.isGlobal(name) };
  return closureVars(closure, inner);
}

/** Names declared inside a closure or an expression list by `some`, `:=` and `every`. */
function collectDeclared(closure: Closure, out: Set<string>): void {
  if (closure.kind === 'every') {
    if (closure.key !== undefined) out.add(closure.key.name);
    out.add(closure.value.name);
  }
  for (const expr of closure.body) {
    for (const name of declaredNames(expr)) out.add(name);
    for (const nested of exprClosures(expr)) collectDeclared(nested, out);
  }
}

/** Names an expression declares in its body: `some x, y`, `some k, v in xs`, `x := ...` (and patterns). */
export function declaredNames(expr: Expr): string[] {
  const names: string[] = [];
  // Only variables in pattern positions are declared: not those inside refs or calls (`a[i] := 1` is an
  // error reported elsewhere), while a bare `input` or `data` on the left declares a shadowing local.
  const fromPattern = (term: Term): void => {
    if (term.kind === 'var') {
      if (term.name !== '_') names.push(term.name);
    } else if (term.kind === 'array') term.items.forEach(fromPattern);
    else if (term.kind === 'object') for (const item of term.items) fromPattern(item.value);
    else if (term.kind === 'ref' && term.path.length === 0 && term.head.kind === 'var') names.push(term.head.name);
  };
  if (expr.kind === 'some-decl') for (const v of expr.vars) names.push(v.name);
  else if (expr.kind === 'some-in') {
    if (expr.key !== undefined) fromPattern(expr.key);
    fromPattern(expr.value);
  } else if (expr.kind === 'call-expr' && expr.call.infix === ':=' && expr.call.args[0] !== undefined) fromPattern(expr.call.args[0]);
  return names;
}

/** Every variable anywhere inside a closure (its body and head terms). */
export function closureVars(closure: Closure, options: VarOptions, out: Map<string, VarTerm> = new Map()): Map<string, VarTerm> {
  const addTerm = (term: Term): void => {
    termVars(term, options, out);
    for (const inner of termClosures(term)) closureVars(inner, options, out);
  };
  switch (closure.kind) {
    case 'array-comprehension':
    case 'set-comprehension':
      addTerm(closure.term);
      break;
    case 'object-comprehension':
      addTerm(closure.key);
      addTerm(closure.value);
      break;
    case 'every':
      break;
  }
  for (const expr of closure.body) {
    exprVars(expr, options, out);
    for (const inner of exprClosures(expr)) closureVars(inner, options, out);
  }
  return out;
}
