/**
 * Resolution and rewriting: parsed Rego (../syntax/ast.ts) to the core language the planner reads.
 *
 * This does the work of OPA's compiler stages that planning depends on: refs to rules and imports
 * become `data.…` refs, locals declared with `:=`, `some` and `every` are renamed apart, `_` becomes a
 * fresh variable, calls nested in terms are hoisted into their own expressions (`f(g(x))` becomes
 * `g(x, $t); f($t)`), ref heads that are not variables are bound to one, `some … in` becomes a ref
 * scan, template strings become `internal.template_string`, `print` is erased (as OPA does when print
 * statements are not enabled), and finally every body is reordered so variables are bound before use.
 */
import type * as ast from '../syntax/index.ts';
import type { Body, CoreLocation, CoreModule, CoreQuery, Expr, ExprValue, Rule, Term, With } from './core.ts';
import { NULL, TRUE, s as str, v as varTerm } from './core.ts';
import { reorderBody, UnsafeError } from './safety.ts';
import { Annotations } from './annotations.ts';
import { TEMPLATE_PACKAGE, templateModule } from './template-module.ts';

/** What resolution needs to know about builtins. */
export interface ResolveOptions {
  /** The declared arity of a builtin, or undefined when `name` is not a builtin. */
  readonly builtinArity: (name: string) => number | undefined;
}

/** A construct resolution cannot handle; carries the span to report. */
export class ResolveError extends Error {
  readonly span: ast.Span;
  constructor(message: string, span: ast.Span) {
    super(message);
    this.name = 'ResolveError';
    this.span = span;
  }
}

interface Scope {
  readonly parent: Scope | null;
  readonly declared: Map<string, string>;
}

interface ModuleEnv {
  readonly packagePath: readonly string[];
  readonly imports: Map<string, Term[]>;
  readonly ruleNames: Set<string>;
}

const IGNORED_IMPORT_ROOTS = new Set(['future', 'rego']);

/** Resolves modules and queries against one set of modules. */
export class Resolver {
  readonly #options: ResolveOptions;
  readonly #rulesByPackage = new Map<string, Set<string>>();
  /** Arity of every data function, by dotted path (`data.pkg.f`). */
  readonly #functionArity = new Map<string, number>();
  readonly #annotations: Annotations;
  #currentRule: ast.Rule | null = null;
  #gen = 0;
  #env: ModuleEnv = { packagePath: ['data'], imports: new Map(), ruleNames: new Set() };

  /** True once a template string was resolved: the renderer module must then be planned too. */
  usesTemplates = false;

  constructor(userModules: readonly ast.Module[], options: ResolveOptions) {
    this.#options = options;
    this.#annotations = new Annotations(userModules);
    const modules = [...userModules, templateModule()];
    for (const m of modules) {
      const key = ['data', ...m.package.path].join('.');
      const names = this.#rulesByPackage.get(key) ?? new Set<string>();
      for (const r of m.rules) {
        names.add(r.head.name);
        if (r.head.ruleKind === 'function') {
          const path = [key, r.head.name, ...r.head.ref.path.map((t) => (t.kind === 'string' ? t.value : '?'))].join('.');
          this.#functionArity.set(path, r.head.args?.length ?? 0);
        }
      }
      this.#rulesByPackage.set(key, names);
    }
  }

  /** Resolves one module. @throws ResolveError / UnsafeError on constructs it cannot handle */
  module(m: ast.Module): CoreModule {
    const packagePath = ['data', ...m.package.path];
    const imports = new Map<string, Term[]>();
    for (const imp of m.imports) {
      const terms = this.#importTerms(imp.path);
      const root = terms[0];
      if (root?.kind === 'var' && IGNORED_IMPORT_ROOTS.has(root.name)) continue;
      const last = terms[terms.length - 1]!;
      const alias = imp.alias ?? (last.kind === 'string' ? last.value : last.kind === 'var' ? last.name : '');
      if (alias === 'input' && terms.length === 1) continue;
      imports.set(alias, terms);
    }
    this.#env = { packagePath, imports, ruleNames: this.#rulesByPackage.get(packagePath.join('.')) ?? new Set() };
    return { packagePath, rules: m.rules.map((r) => this.#rule(r)) };
  }

  /** Resolves a query to plan as entrypoint `name`. */
  query(q: ast.Query, name: string): CoreQuery {
    this.#env = { packagePath: ['data'], imports: new Map(), ruleNames: new Set() };
    this.#currentRule = null;
    const scope: Scope = { parent: null, declared: new Map() };
    const body = this.#body(q.body, scope);
    const resultVars = new Map<string, string>();
    const visit = (n: string): void => {
      if (n === 'input' || n === 'data') return;
      if (!n.startsWith('$')) resultVars.set(n, n);
    };
    for (const [orig, renamed] of scope.declared) resultVars.set(renamed, orig);
    for (const e of body) visitExprVars(e, visit);
    return { name, body: reorderBody(body, new Set(['input', 'data']), this.#arityOf), resultVars };
  }

  /** Resolves a ref as an entrypoint (`data.a.b`) into a query binding `result`. */
  entrypoint(path: readonly string[], name: string): CoreQuery {
    const ref: Term = { kind: 'ref', terms: [varTerm('data'), ...path.map(str)] };
    const location: CoreLocation = { file: '', row: 1, col: 1 };
    const body: Body = [{ value: { kind: 'call', operator: 'eq', path: null, args: [varTerm('result'), ref] }, negated: false, with: [], location }];
    return { name, body, resultVars: new Map([['result', 'result']]) };
  }

  readonly #arityOf = (operator: string): number | undefined => this.#functionArity.get(operator) ?? this.#options.builtinArity(operator);

  #importTerms(path: ast.RefTerm | ast.VarTerm): Term[] {
    if (path.kind === 'var') return [varTerm(path.name)];
    const head = path.head.kind === 'var' ? varTerm(path.head.name) : NULL;
    return [head, ...path.path.map((t) => (t.kind === 'string' ? str(t.value) : t.kind === 'var' ? str(t.name) : NULL))];
  }

  #fresh(prefix: string): string {
    return `$${prefix}${this.#gen++}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Rules

  #rule(r: ast.Rule): Rule {
    this.#currentRule = r;
    const head = r.head;
    const scope: Scope = { parent: null, declared: new Map() };
    const location = loc(head.span);
    if (head.args) for (const a of head.args) declareSelf(scope, a);
    const argPre: Expr[] = [];
    const args = head.args ? head.args.map((a) => this.#term(a, scope, argPre)) : null;
    const bound = new Set<string>(['input', 'data']);
    if (args) for (const a of args) collectVars(a, bound);
    const kind = head.ruleKind === 'partial-set' ? 'multi' : 'single';
    const build = (body: readonly ast.Expr[], valueAst: ast.Term | undefined, keyAst: ast.Term | undefined, isDefault: boolean, span: ast.Span): Omit<Rule, 'else'> => {
      const bodyScope: Scope = { parent: scope, declared: new Map() };
      const core: Expr[] = [...argPre, ...this.#body(body, bodyScope)];
      const headPre: Expr[] = [];
      const refTerms: Term[] = [varTerm('data'), ...this.#env.packagePath.slice(1).map(str), str(head.name)];
      for (const t of head.ref.path) refTerms.push(this.#term(t, bodyScope, headPre));
      const value = valueAst ? this.#term(valueAst, bodyScope, headPre) : kind === 'single' ? TRUE : null;
      const key = keyAst && kind === 'multi' ? this.#term(keyAst, bodyScope, headPre) : null;
      const ordered = reorderBody([...core, ...headPre], bound, this.#arityOf);
      return { ref: refTerms, kind, args, key, value, body: ordered, isDefault, location: loc(span) };
    };
    const chain = (e: ast.ElseClause | undefined): Rule | null => {
      if (!e) return null;
      return { ...build(e.body, e.value, undefined, false, e.span), else: chain(e.else) };
    };
    return { ...build(r.body, head.value, head.ruleKind === 'partial-set' ? head.key : undefined, r.default, r.span), location, else: chain(r.else) };
  }

  // ---------------------------------------------------------------------------------------------
  // Bodies and expressions

  #body(body: readonly ast.Expr[], scope: Scope): Expr[] {
    const out: Expr[] = [];
    for (const e of body) this.#expr(e, scope, out);
    return out;
  }

  #expr(e: ast.Expr, scope: Scope, out: Expr[]): void {
    const location = loc(e.span);
    if (e.negated || e.with.length > 0) {
      const withs: With[] = e.with.map((w) => this.#with(w, scope, out));
      const innerScope: Scope = e.negated ? { parent: scope, declared: new Map() } : scope;
      const inner: Expr[] = [];
      this.#exprInner(e, innerScope, inner);
      if (inner.length === 0) {
        if (e.negated) out.push({ value: { kind: 'term', term: { kind: 'boolean', value: false } }, negated: false, with: [], location });
        return;
      }
      const value: ExprValue = inner.length === 1 && inner[0]!.with.length === 0 && !inner[0]!.negated ? inner[0]!.value : { kind: 'body', body: inner };
      out.push({ value, negated: e.negated, with: withs, location });
      return;
    }
    this.#exprInner(e, scope, out);
  }

  #with(w: ast.WithModifier, scope: Scope, out: Expr[]): With {
    const target = w.target;
    const names: string[] = target.kind === 'var' ? [target.name] : [];
    if (target.kind === 'ref') {
      if (target.head.kind !== 'var') throw new ResolveError('Invalid "with" target', w.span);
      names.push(target.head.name);
      for (const t of target.path) {
        if (t.kind !== 'string') throw new ResolveError('Invalid "with" target: path must be ground strings', t.span);
        names.push(t.value);
      }
    }
    const value = this.#withValue(w.value, scope, out);
    const root = names[0]!;
    if (root === 'input' || root === 'data') {
      const terms = [varTerm(root), ...names.slice(1).map(str)];
      const opPath = root === 'data' ? names : null;
      if (opPath && this.#functionArity.has(opPath.join('.'))) return { kind: 'function', operator: opPath.join('.'), path: opPath, value, builtin: this.#builtinValue(w.value, scope) };
      return { kind: 'document', target: terms, value };
    }
    const resolved = this.#resolveOperator(names.join('.'));
    const builtin = this.#builtinValue(w.value, scope);
    const isFunction = resolved.path !== null ? this.#functionArity.has(resolved.operator) : this.#options.builtinArity(resolved.operator) !== undefined;
    if (isFunction && builtin === null && !isFunctionRef(value, this.#functionArity) && value.kind !== 'var') {
      // A computed replacement is evaluated once, outside, and passed to replanned rules as a variable.
      return { kind: 'function', operator: resolved.operator, path: null, value: this.#bind(value, out, loc(w.span)), builtin };
    }
    if (resolved.path === null && this.#options.builtinArity(resolved.operator) === undefined) {
      // A rule (not a function) of this package used as a with target: a document replacement.
      const viaRule = this.#globalRef(root);
      if (viaRule) return { kind: 'document', target: [...viaRule, ...names.slice(1).map(str)], value };
    }
    return { kind: 'function', operator: resolved.operator, path: resolved.path, value, builtin: this.#builtinValue(w.value, scope) };
  }

  /** The builtin a with value names (`object.union_n`), if it names one. */
  #builtinValue(t: ast.Term, scope: Scope): string | null {
    const names = dottedName(t);
    if (names === null || lookupDeclared(scope, names[0]!) !== undefined) return null;
    if (this.#env.ruleNames.has(names[0]!) || this.#env.imports.has(names[0]!) || names[0] === 'data' || names[0] === 'input') return null;
    const name = names.join('.');
    return this.#options.builtinArity(name) !== undefined ? name : null;
  }

  /** With values may name a builtin or function (`with count as mock`); those stay refs. */
  #withValue(t: ast.Term, scope: Scope, out: Expr[]): Term {
    const names = dottedName(t);
    if (names !== null && lookupDeclared(scope, names[0]!) === undefined) {
      const name = names.join('.');
      const resolved = this.#resolveOperator(name);
      if (resolved.path !== null && this.#functionArity.has(resolved.operator)) return { kind: 'ref', terms: [varTerm('data'), ...resolved.path.slice(1).map(str)] };
      if (resolved.path === null && this.#options.builtinArity(name) !== undefined && !this.#env.ruleNames.has(names[0]!) && !this.#env.imports.has(names[0]!)) {
        return { kind: 'ref', terms: [varTerm(names[0]!), ...names.slice(1).map(str)] };
      }
    }
    return this.#term(t, scope, out);
  }

  #exprInner(e: ast.Expr, scope: Scope, out: Expr[]): void {
    const location = loc(e.span);
    const push = (value: ExprValue): void => {
      out.push({ value, negated: false, with: [], location });
    };
    switch (e.kind) {
      case 'term-expr': {
        const t = this.#term(e.term, scope, out);
        push({ kind: 'term', term: t });
        return;
      }
      case 'some-decl':
        for (const x of e.vars) this.#declare(scope, x.name);
        return;
      case 'some-in': {
        const coll = this.#term(e.collection, scope, out);
        if (e.key) this.#declarePattern(scope, e.key);
        this.#declarePattern(scope, e.value);
        const key = e.key ? this.#term(e.key, scope, out) : varTerm(this.#fresh('_'));
        const value = this.#term(e.value, scope, out);
        push({ kind: 'call', operator: 'eq', path: null, args: [value, this.#refWith(coll, key, out, location)] });
        return;
      }
      case 'every': {
        const domain = this.#term(e.domain, scope, out);
        const inner: Scope = { parent: scope, declared: new Map() };
        if (e.key) this.#declare(inner, e.key.name);
        this.#declare(inner, e.value.name);
        const key = e.key ? this.#term(e.key, inner, out) : null;
        const value = this.#term(e.value, inner, out);
        const body = this.#body(e.body, { parent: inner, declared: new Map() });
        push({ kind: 'every', key, value, domain, body });
        return;
      }
      case 'call-expr':
        this.#callExpr(e.call, scope, out, location);
        return;
    }
  }

  #callExpr(call: ast.CallTerm, scope: Scope, out: Expr[], location: CoreLocation): void {
    if (call.name === 'print' || call.name === 'internal.print') return;
    if (call.name === 'assign') {
      const [lhs, rhs] = call.args;
      const value = this.#term(rhs!, scope, out);
      this.#declarePattern(scope, lhs!);
      const target = this.#term(lhs!, scope, out);
      out.push({ value: { kind: 'call', operator: 'eq', path: null, args: [target, value] }, negated: false, with: [], location });
      return;
    }
    if (call.name === 'eq') {
      const a = this.#term(call.args[0]!, scope, out);
      const b = this.#term(call.args[1]!, scope, out);
      out.push({ value: { kind: 'call', operator: 'eq', path: null, args: [a, b] }, negated: false, with: [], location });
      return;
    }
    const { operator, path } = this.#resolveCallOperator(call, scope);
    const args = call.args.map((a) => this.#term(a, scope, out));
    out.push({ value: { kind: 'call', operator, path, args }, negated: false, with: [], location });
  }

  #resolveCallOperator(call: ast.CallTerm, _scope: Scope): { operator: string; path: string[] | null } {
    return this.#resolveOperator(call.name);
  }

  /** Maps a written function name to a data function path or a builtin name. */
  #resolveOperator(name: string): { operator: string; path: string[] | null } {
    const parts = name.split('.');
    const first = parts[0]!;
    if (first === 'data') return { operator: name, path: parts };
    const imp = this.#env.imports.get(first);
    if (imp && imp[0]?.kind === 'var' && imp[0].name === 'data') {
      const path = [...imp.map((t) => (t.kind === 'string' ? t.value : t.kind === 'var' ? t.name : '?')), ...parts.slice(1)];
      return { operator: path.join('.'), path };
    }
    if (this.#env.ruleNames.has(first)) {
      const path = [...this.#env.packagePath, ...parts];
      return { operator: path.join('.'), path };
    }
    return { operator: name, path: null };
  }

  #declare(scope: Scope, name: string): string {
    if (name === '_') return this.#fresh('_');
    const renamed = this.#fresh(`${name}_`);
    scope.declared.set(name, renamed);
    return renamed;
  }

  #declarePattern(scope: Scope, t: ast.Term): void {
    switch (t.kind) {
      case 'var': this.#declare(scope, t.name); return;
      case 'array': for (const x of t.items) this.#declarePattern(scope, x); return;
      case 'object': for (const it of t.items) this.#declarePattern(scope, it.value); return;
      default: return;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Terms

  #term(t: ast.Term, scope: Scope, pre: Expr[]): Term {
    switch (t.kind) {
      case 'null': return NULL;
      case 'boolean': return { kind: 'boolean', value: t.value };
      case 'number': return { kind: 'number', text: t.text };
      case 'string': return str(t.value);
      case 'var': return this.#var(t.name, scope);
      case 'array': return { kind: 'array', items: t.items.map((x) => this.#term(x, scope, pre)) };
      case 'set': return { kind: 'set', items: t.items.map((x) => this.#term(x, scope, pre)) };
      case 'object': return { kind: 'object', entries: t.items.map((it) => [this.#term(it.key, scope, pre), this.#term(it.value, scope, pre)] as const) };
      case 'array-comprehension': {
        const inner: Scope = { parent: scope, declared: new Map() };
        const body = this.#body(t.body, inner);
        const term = this.#term(t.term, inner, body);
        return { kind: 'arrayCompr', term, body };
      }
      case 'set-comprehension': {
        const inner: Scope = { parent: scope, declared: new Map() };
        const body = this.#body(t.body, inner);
        const term = this.#term(t.term, inner, body);
        return { kind: 'setCompr', term, body };
      }
      case 'object-comprehension': {
        const inner: Scope = { parent: scope, declared: new Map() };
        const body = this.#body(t.body, inner);
        const key = this.#term(t.key, inner, body);
        const value = this.#term(t.value, inner, body);
        return { kind: 'objectCompr', key, value, body };
      }
      case 'call': {
        const location = loc(t.span);
        if ((t.name === 'rego.metadata.rule' || t.name === 'rego.metadata.chain') && t.args.length === 0) {
          const pkg = this.#env.packagePath.slice(1);
          if (this.#currentRule === null) return t.name === 'rego.metadata.rule' ? { kind: 'object', entries: [] } : { kind: 'array', items: [] };
          return t.name === 'rego.metadata.rule' ? this.#annotations.ruleValue(this.#currentRule, pkg) : this.#annotations.chainValue(this.#currentRule, pkg);
        }
        if (t.name === 'eq' || t.name === 'assign') throw new ResolveError(`Unexpected "${t.infix ?? t.name}" inside a term`, t.span);
        const { operator, path } = this.#resolveCallOperator(t, scope);
        const args = t.args.map((a) => this.#term(a, scope, pre));
        const out = varTerm(this.#fresh('t'));
        pre.push({ value: { kind: 'call', operator, path, args: [...args, out] }, negated: false, with: [], location });
        return out;
      }
      case 'ref': return this.#ref(t, scope, pre);
      case 'template-string': return this.#template(t, scope, pre);
    }
  }

  #var(name: string, scope: Scope): Term {
    if (name === '_') return varTerm(this.#fresh('_'));
    const declared = lookupDeclared(scope, name);
    if (declared !== undefined) return varTerm(declared);
    if (name === 'input' || name === 'data') return varTerm(name);
    const global = this.#globalRef(name);
    if (global) return global.length === 1 ? global[0]! : { kind: 'ref', terms: global };
    return varTerm(name);
  }

  /** The data/input ref a free name stands for (import or rule of this package), if any. */
  #globalRef(name: string): Term[] | null {
    const imp = this.#env.imports.get(name);
    if (imp) return imp;
    if (this.#env.ruleNames.has(name)) return [varTerm('data'), ...this.#env.packagePath.slice(1).map(str), str(name)];
    return null;
  }

  #ref(t: ast.RefTerm, scope: Scope, pre: Expr[]): Term {
    let terms: Term[];
    const head = t.head;
    if (head.kind === 'var') {
      const h = this.#var(head.name, scope);
      terms = h.kind === 'ref' ? [...h.terms] : [h];
    } else {
      const h = this.#term(head, scope, pre);
      terms = [h.kind === 'var' ? h : this.#bind(h, pre, loc(head.span))];
    }
    for (const p of t.path) {
      const x = this.#term(p, scope, pre);
      terms.push(x.kind === 'ref' || x.kind === 'arrayCompr' || x.kind === 'setCompr' || x.kind === 'objectCompr' ? this.#bind(x, pre, loc(p.span)) : x);
    }
    return { kind: 'ref', terms };
  }

  /** Binds `t` to a fresh var with an `eq` expression added to `pre`. */
  #bind(t: Term, pre: Expr[], location: CoreLocation): Term {
    const out = varTerm(this.#fresh('t'));
    pre.push({ value: { kind: 'call', operator: 'eq', path: null, args: [out, t] }, negated: false, with: [], location });
    return out;
  }

  #refWith(coll: Term, key: Term, pre: Expr[], location: CoreLocation): Term {
    if (coll.kind === 'ref') return { kind: 'ref', terms: [...coll.terms, key] };
    const head = coll.kind === 'var' ? coll : this.#bind(coll, pre, location);
    return { kind: 'ref', terms: [head, key] };
  }

  #template(t: ast.TemplateStringTerm, scope: Scope, pre: Expr[]): Term {
    const parts: Term[] = [];
    const location = loc(t.span);
    for (const part of t.parts) {
      if (part.kind === 'template-text') {
        if (part.value !== '') parts.push(str(part.value));
        continue;
      }
      this.usesTemplates = true;
      const inner: Scope = { parent: scope, declared: new Map() };
      const body: Expr[] = [];
      const out = varTerm(this.#fresh('v'));
      const e = part.expr;
      if ((e.kind === 'term-expr' || (e.kind === 'call-expr' && e.call.name !== 'eq' && e.call.name !== 'assign')) && !e.negated) {
        const valueBody: Expr[] = [];
        const x = this.#term(e.kind === 'term-expr' ? e.term : e.call, inner, valueBody);
        valueBody.push({ value: { kind: 'call', operator: 'eq', path: null, args: [out, x] }, negated: false, with: [], location: loc(e.span) });
        const withs = e.with.map((w) => this.#with(w, inner, body));
        body.push(withs.length === 0 && valueBody.length === 1 ? valueBody[0]! : { value: { kind: 'body', body: valueBody }, negated: false, with: withs, location: loc(e.span) });
      } else {
        this.#expr(e, inner, body);
        body.push({ value: { kind: 'call', operator: 'eq', path: null, args: [out, TRUE] }, negated: false, with: [], location: loc(e.span) });
      }
      const rendered = varTerm(this.#fresh('t'));
      const path = ['data', TEMPLATE_PACKAGE, 'part'];
      pre.push({ value: { kind: 'call', operator: path.join('.'), path, args: [{ kind: 'setCompr', term: out, body }, rendered] }, negated: false, with: [], location });
      parts.push(rendered);
    }
    if (parts.length === 0) return str('');
    if (parts.length === 1 && parts[0]!.kind === 'string') return parts[0]!;
    const result = varTerm(this.#fresh('t'));
    pre.push({ value: { kind: 'call', operator: 'concat', path: null, args: [str(''), { kind: 'array', items: parts }, result] }, negated: false, with: [], location });
    return result;
  }
}

function loc(span: ast.Span): CoreLocation {
  return { file: span.file, row: span.start.line, col: span.start.col };
}

/** Function arguments are locals that keep their names (they shadow rules of the package). */
function declareSelf(scope: Scope, t: ast.Term): void {
  switch (t.kind) {
    case 'var': if (t.name !== '_') scope.declared.set(t.name, t.name); return;
    case 'array': case 'set': for (const x of t.items) declareSelf(scope, x); return;
    case 'object': for (const it of t.items) declareSelf(scope, it.value); return;
    case 'ref': for (const x of t.path) declareSelf(scope, x); return;
    default: return;
  }
}

function lookupDeclared(scope: Scope | null, name: string): string | undefined {
  for (let s = scope; s !== null; s = s.parent) {
    const r = s.declared.get(name);
    if (r !== undefined) return r;
  }
  return undefined;
}

function isFunctionRef(t: Term, arity: ReadonlyMap<string, number>): boolean {
  if (t.kind !== 'ref') return false;
  const names = t.terms.map((x) => (x.kind === 'var' ? x.name : x.kind === 'string' ? x.value : null));
  return names.every((n) => n !== null) && arity.has(names.join('.'));
}

/** `a.b.c` written as a var or a ref of strings, as a name list; null otherwise. */
function dottedName(t: ast.Term): string[] | null {
  if (t.kind === 'var') return [t.name];
  if (t.kind !== 'ref' || t.head.kind !== 'var') return null;
  const out = [t.head.name];
  for (const p of t.path) {
    if (p.kind !== 'string') return null;
    out.push(p.value);
  }
  return out;
}

function collectVars(t: Term, into: Set<string>): void {
  switch (t.kind) {
    case 'var': into.add(t.name); return;
    case 'ref': for (const x of t.terms) collectVars(x, into); return;
    case 'array': case 'set': for (const x of t.items) collectVars(x, into); return;
    case 'object': for (const [k, x] of t.entries) { collectVars(k, into); collectVars(x, into); } return;
    default: return;
  }
}

function visitExprVars(e: Expr, f: (name: string) => void): void {
  const set = new Set<string>();
  const value = e.value;
  if (value.kind === 'term') collectVars(value.term, set);
  else if (value.kind === 'call') for (const a of value.args) collectVars(a, set);
  else if (value.kind === 'every') collectVars(value.domain, set);
  else for (const x of value.body) visitExprVars(x, f);
  for (const n of set) f(n);
}

export { UnsafeError };
