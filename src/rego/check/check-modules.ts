/**
 * The static checks that run after parsing and before planning, over all modules of a compilation at
 * once (rules of one package may live in several files): unsafe variables, unknown functions and wrong
 * arity, rule conflicts, recursion, bad assignments. Every problem is reported; nothing stops early.
 */
import { builtinCatalog } from '../builtins/index.ts';
import { createDiagnostic, sortDiagnostics, type Diagnostic } from '../diagnostics/index.ts';
import { refToString, type Body, type CallTerm, type ElseClause, type Expr, type Module, type Query, type Rule, type Term } from '../syntax/index.ts';
import { checkConflicts, checkPackageConflicts } from './conflicts.ts';
import { checkRecursion } from './recursion.ts';
import { catalogLookup, resolveCall, type BuiltinLookup, type CheckBuiltin, type ResolvedCall } from './resolve-call.ts';
import { buildRuleIndex, importName, type RuleIndex } from './rule-index.ts';
import { checkBodySafety, checkRuleSafety, type ArityOf } from './safety.ts';
import { declaredNames, exprClosures } from './vars.ts';

/** Options of `checkModules` and `checkQuery`. */
export interface CheckOptions {
  /**
   * Builtins beyond OPA's catalogue (custom builtins the evaluator provides), by name. They also
   * override catalogue entries of the same name. @default {}
   */
  readonly customBuiltins?: Readonly<Record<string, { readonly arity: number; readonly variadic?: boolean }>>;
  /** Accept builtins OPA registers only in its test harnesses (`test.sleep`). @default false */
  readonly allowTestBuiltins?: boolean;
}

/**
 * Checks all modules of one compilation together and returns every diagnostic, sorted by file and
 * position. An empty result means the modules can be planned.
 */
export function checkModules(modules: readonly Module[], options: CheckOptions = {}): Diagnostic[] {
  const index = buildRuleIndex(modules);
  const builtins = builtinLookup(options);
  const diagnostics: Diagnostic[] = [];
  const report = (d: Diagnostic): void => {
    diagnostics.push(d);
  };
  for (const module of modules) {
    checkImports(module, report);
    const globals = index.globalNames(module);
    for (const rule of module.rules) {
      if (rule.head.name === 'input' || rule.head.name === 'data') {
        report(createDiagnostic('REGO2012', rule.head.ref.head.span, `Rule "${rule.head.name}" shadows the ${rule.head.name} document: pick another name`));
      }
      const locals = ruleLocals(rule);
      const isLocal = (name: string): boolean => locals.has(name);
      const resolve = createResolver((call) => resolveCall(call, module, index, builtins, isLocal), index);
      checkRuleCalls(rule, resolve, report);
      forEachExpr(rule, (expr) => checkWithTargets(expr, resolve, report));
      checkRuleSafety(rule, { isGlobalName: (name) => globals.has(name), arityOf: arityFrom(resolve), report });
    }
  }
  diagnostics.push(...checkConflicts(index), ...checkPackageConflicts(modules), ...checkRecursion(index));
  return sortDiagnostics(diagnostics);
}

/**
 * Checks a query (as `opa eval` takes it) against the modules it will run with: unknown functions,
 * arity, and unsafe variables (only `input` and `data` are bound from the start).
 */
export function checkQuery(query: Query, modules: readonly Module[], options: CheckOptions = {}): Diagnostic[] {
  const index = buildRuleIndex(modules);
  const builtins = builtinLookup(options);
  const diagnostics: Diagnostic[] = [];
  const report = (d: Diagnostic): void => {
    diagnostics.push(d);
  };
  const resolve = createResolver((call) => resolveCall(call, undefined, index, builtins, () => false), index);
  walkBodyCalls(query.body, resolve, report);
  checkBodySafety(query.body, { isGlobalName: (name) => name === 'input' || name === 'data', arityOf: arityFrom(resolve), report });
  return sortDiagnostics(diagnostics);
}

/** REGO2010: two imports binding one name (OPA v1 rejects the shadowing import). */
function checkImports(module: Module, report: Report): void {
  const seen = new Map<string, Module['imports'][number]>();
  for (const imp of module.imports) {
    const root = imp.path.kind === 'ref' && imp.path.head.kind === 'var' ? imp.path.head.name : '';
    if (root === 'future' || root === 'rego') continue;
    const name = importName(imp.path, imp.alias);
    const previous = seen.get(name);
    if (previous !== undefined) {
      report(createDiagnostic('REGO2010', imp.span, `Duplicate import: "${name}" is already imported`, { related: [{ message: `"${name}" first imported here`, span: previous.span }] }));
    } else seen.set(name, imp);
  }
}

/**
 * REGO2011: a `with` target must be `input`, `data` (or a path under them), or a function or builtin to
 * replace.
 */
function checkWithTargets(expr: Expr, resolve: Resolver, report: Report): void {
  for (const w of expr.with) {
    const target = w.target;
    const head = target.kind === 'var' ? target : target.head.kind === 'var' ? target.head : undefined;
    if (head !== undefined && (head.name === 'input' || head.name === 'data')) continue;
    if (head !== undefined) {
      const operator = target.kind === 'var' ? target : target;
      const resolved = resolve({ kind: 'call', span: target.span, name: head.name, operator, args: [] });
      if (resolved.kind === 'builtin' || resolved.kind === 'function' || resolved.kind === 'deprecated') continue;
    }
    report(
      createDiagnostic('REGO2011', target.span, `Invalid target "${refToString(target)}" for "with": expected "input", "data", a path under them, or a function to replace`),
    );
  }
}

/** Calls `visit` for every expression of a rule, nested ones included. */
function forEachExpr(rule: Rule, visit: (expr: Expr) => void): void {
  const body = (b: Body): void => {
    for (const expr of b) {
      visit(expr);
      if (expr.kind === 'every') body(expr.body);
      for (const closure of exprClosures(expr)) if (closure.kind !== 'every') body(closure.body);
    }
  };
  body(rule.body);
  for (let e: ElseClause | undefined = rule.else; e !== undefined; e = e.else) body(e.body);
}

function builtinLookup(options: CheckOptions): BuiltinLookup {
  const custom = options.customBuiltins ?? {};
  return (name) => {
    const own = Object.hasOwn(custom, name) ? custom[name] : undefined;
    if (own !== undefined) return { name, arity: own.arity, ...(own.variadic === undefined ? {} : { variadic: own.variadic }) } satisfies CheckBuiltin;
    const spec = catalogLookup(name);
    if (spec?.testOnly === true && options.allowTestBuiltins !== true) return undefined;
    return spec;
  };
}

function arityFrom(resolve: (call: CallTerm) => ResolvedCall): ArityOf {
  return (call) => {
    if (call.infix !== undefined) return 2;
    const resolved = resolve(call);
    // A call with too many arguments is reported by the arity check; 'unknown' keeps the safety check quiet.
    const known = (arity: number): number | 'unknown' => (call.args.length > arity + 1 ? 'unknown' : arity);
    switch (resolved.kind) {
      case 'builtin':
        return resolved.builtin.variadic === true ? 'variadic' : known(resolved.builtin.arity);
      case 'function':
        return known(resolved.arity);
      default:
        return 'unknown';
    }
  };
}

function ruleLocals(rule: Rule): Set<string> {
  const names = new Set<string>();
  const visit = (body: Body): void => {
    for (const expr of body) for (const name of declaredNames(expr)) names.add(name);
  };
  visit(rule.body);
  for (let e: ElseClause | undefined = rule.else; e !== undefined; e = e.else) visit(e.body);
  for (const arg of rule.head.args ?? []) if (arg.kind === 'var') names.add(arg.name);
  return names;
}

type Report = (d: Diagnostic) => void;

/** Resolves calls; `candidates` lists the names a misspelt call may have meant. */
interface Resolver {
  (call: CallTerm): ResolvedCall;
  readonly candidates: () => Iterable<string>;
}

function createResolver(resolve: (call: CallTerm) => ResolvedCall, index: RuleIndex): Resolver {
  let names: string[] | undefined;
  const candidates = (): Iterable<string> => {
    if (names === undefined) {
      const builtins = [...builtinCatalog.values()].filter((b) => b.infix === undefined && !b.name.startsWith('internal.') && b.deprecated !== true && b.testOnly !== true);
      const functions = [...index.groups.values()].filter((g) => g.rules.some((r) => r.rule.head.args !== undefined));
      names = [...builtins.map((b) => b.name), ...functions.map((g) => g.path)];
    }
    return names;
  };
  return Object.assign((call: CallTerm) => resolve(call), { candidates });
}

function checkRuleCalls(rule: Rule, resolve: Resolver, report: Report): void {
  walkBodyCalls(rule.body, resolve, report);
  const head = rule.head;
  for (const term of [...head.ref.path, ...(head.args ?? []), ...(head.key === undefined ? [] : [head.key]), ...(head.value === undefined ? [] : [head.value])]) {
    walkTermCalls(term, false, resolve, report);
  }
  for (let e: ElseClause | undefined = rule.else; e !== undefined; e = e.else) {
    walkBodyCalls(e.body, resolve, report);
    walkTermCalls(e.value, false, resolve, report);
  }
}

function walkBodyCalls(body: Body, resolve: Resolver, report: Report): void {
  for (const expr of body) walkExprCalls(expr, resolve, report);
}

function walkExprCalls(expr: Expr, resolve: Resolver, report: Report): void {
  switch (expr.kind) {
    case 'term-expr':
      walkTermCalls(expr.term, false, resolve, report);
      break;
    case 'call-expr':
      walkTermCalls(expr.call, true, resolve, report);
      break;
    case 'some-in':
      if (expr.key !== undefined) walkTermCalls(expr.key, false, resolve, report);
      walkTermCalls(expr.value, false, resolve, report);
      walkTermCalls(expr.collection, false, resolve, report);
      break;
    case 'every':
      walkTermCalls(expr.domain, false, resolve, report);
      walkBodyCalls(expr.body, resolve, report);
      break;
    case 'some-decl':
      break;
  }
  // `with` values may name functions (`with count as mock`): they are replacements, not calls.
  for (const w of expr.with) if (w.value.kind !== 'var' && w.value.kind !== 'ref') walkTermCalls(w.value, false, resolve, report);
}

function walkTermCalls(term: Term, topLevel: boolean, resolve: Resolver, report: Report): void {
  switch (term.kind) {
    case 'call':
      checkCall(term, topLevel, resolve, report, resolve.candidates);
      for (const arg of term.args) walkTermCalls(arg, false, resolve, report);
      break;
    case 'ref':
      walkTermCalls(term.head, false, resolve, report);
      for (const element of term.path) walkTermCalls(element, false, resolve, report);
      break;
    case 'array':
    case 'set':
      for (const item of term.items) walkTermCalls(item, false, resolve, report);
      break;
    case 'object':
      for (const item of term.items) {
        walkTermCalls(item.key, false, resolve, report);
        walkTermCalls(item.value, false, resolve, report);
      }
      break;
    case 'array-comprehension':
    case 'set-comprehension':
      walkTermCalls(term.term, false, resolve, report);
      walkBodyCalls(term.body, resolve, report);
      break;
    case 'object-comprehension':
      walkTermCalls(term.key, false, resolve, report);
      walkTermCalls(term.value, false, resolve, report);
      walkBodyCalls(term.body, resolve, report);
      break;
    case 'template-string':
      for (const part of term.parts) if (part.kind === 'template-expr') walkExprCalls(part.expr, resolve, report);
      break;
    default:
      break;
  }
}

/** REGO2002 (unknown function) and REGO2003 (wrong number of arguments) for one call. */
/** The closest candidate within a small edit distance, for "did you mean" hints. */
function suggestName(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 4));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - name.length) > limit) continue;
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function checkCall(call: CallTerm, topLevel: boolean, resolve: Resolver, report: Report, candidates: () => Iterable<string>): void {
  if (call.infix !== undefined) return;
  const resolved = resolve(call);
  const span = call.operator.span;
  switch (resolved.kind) {
    case 'dynamic':
      return;
    case 'unknown': {
      const close = suggestName(resolved.name, candidates());
      report(
        createDiagnostic('REGO2002', span, `Unknown function "${resolved.name}": it is neither a builtin nor a function defined in the policy`, {
          ...(close === undefined ? {} : { hint: `did you mean "${close}"?` }),
        }),
      );
      return;
    }
    case 'deprecated':
      report(createDiagnostic('REGO2002', span, `Unknown function "${resolved.name}": this builtin is deprecated and not available in Rego v1`));
      return;
    case 'rule':
      report(createDiagnostic('REGO2002', span, `Cannot call "${resolved.name}": it is a rule, not a function`, { hint: 'refer to it without parentheses' }));
      return;
    case 'builtin':
    case 'function': {
      if (resolved.kind === 'builtin' && resolved.builtin.variadic === true) return;
      const arity = resolved.kind === 'builtin' ? resolved.builtin.arity : resolved.arity;
      const got = call.args.length;
      if (got === arity || (topLevel && got === arity + 1)) return;
      const what = resolved.kind === 'builtin' ? 'builtin' : 'function';
      const plural = (n: number): string => `${n} argument${n === 1 ? '' : 's'}`;
      report(
        createDiagnostic('REGO2003', call.span, `Wrong number of arguments for ${what} "${resolved.name}": expected ${plural(arity)}, got ${got}`, {
          ...(topLevel ? { hint: `as an expression it may also take ${arity + 1}, the last one receiving the result` } : {}),
        }),
      );
      return;
    }
  }
}

