/**
 * Safety reordering: puts the expressions of a body in an order where every variable is bound before
 * it is read, as OPA's compiler does before planning (`reorderBodyForSafety`).
 *
 * Expressions keep their written order where possible: each round picks the first remaining
 * expression whose inputs are bound and adds what it binds. Nested bodies (comprehensions, `every`,
 * negations) are reordered in turn with what is bound where they run. A body that cannot be ordered
 * has an unsafe variable.
 */
import type { Body, CoreLocation, Expr, Term } from './core.ts';

/** A variable that no expression binds. */
export class UnsafeError extends Error {
  readonly location: CoreLocation;
  readonly variable: string;
  constructor(variable: string, location: CoreLocation) {
    super(`Variable "${variable}" is unsafe: nothing in the body binds it`);
    this.name = 'UnsafeError';
    this.variable = variable;
    this.location = location;
  }
}

type Arity = (operator: string) => number | undefined;

/** Reorders `body` given the variables bound outside it. @throws UnsafeError */
export function reorderBody(body: Body, bound: ReadonlySet<string>, arity: Arity): Body {
  const all = new Set(bound);
  for (const e of body) exprVars(e, all, false);
  const remaining = [...body];
  const out: Expr[] = [];
  const have = new Set(bound);
  while (remaining.length > 0) {
    let placed = false;
    for (let i = 0; i < remaining.length; i++) {
      const e = remaining[i]!;
      const others = new Set(bound);
      for (const x of remaining) if (x !== e) exprVars(x, others, false);
      for (const x of out) exprVars(x, others, false);
      const res = analyzeExpr(e, have, others, arity);
      if (res === null) continue;
      out.push(res.expr);
      for (const n of res.outputs) have.add(n);
      remaining.splice(i, 1);
      placed = true;
      break;
    }
    if (!placed) {
      const e = remaining[0]!;
      const vars = new Set<string>();
      exprVars(e, vars, false);
      const missing = [...vars].find((n) => !have.has(n)) ?? '?';
      throw new UnsafeError(missing.replace(/^\$(.*)_\d+$/, '$1'), e.location);
    }
  }
  return out;
}

interface Analysis {
  readonly expr: Expr;
  readonly outputs: ReadonlySet<string>;
}

function analyzeExpr(e: Expr, bound: ReadonlySet<string>, others: ReadonlySet<string>, arity: Arity): Analysis | null {
  for (const w of e.with) if (!(w.kind === 'function' && w.builtin !== null) && evalOut(w.value, bound, others) === null) return null;
  const withs = e.with.map((w) => (w.kind === 'function' && w.builtin !== null ? w : { ...w, value: reorderTerm(w.value, bound, arity) }));
  if (e.negated) {
    const vars = new Set<string>();
    exprVars(e, vars, true);
    for (const n of vars) if (others.has(n) && !bound.has(n)) return null;
    const inner = analyzeValue({ ...e, negated: false, with: [] }, bound, others, arity);
    if (inner === null) return null;
    return { expr: { ...inner.expr, negated: true, with: withs }, outputs: new Set() };
  }
  const res = analyzeValue({ ...e, with: [] }, bound, others, arity);
  if (res === null) return null;
  return { expr: { ...res.expr, with: withs }, outputs: res.outputs };
}

function analyzeValue(e: Expr, bound: ReadonlySet<string>, others: ReadonlySet<string>, arity: Arity): Analysis | null {
  const value = e.value;
  switch (value.kind) {
    case 'term': {
      const out = evalOut(value.term, bound, others);
      if (out === null) return null;
      return { expr: { ...e, value: { kind: 'term', term: reorderTerm(value.term, union(bound, out), arity) } }, outputs: out };
    }
    case 'call': {
      if (value.operator === 'eq') {
        const out = unifyOut(value.args[0]!, value.args[1]!, bound, others);
        if (out === null) return null;
        const b = union(bound, out);
        return { expr: { ...e, value: { ...value, args: value.args.map((a) => reorderTerm(a, b, arity)) } }, outputs: out };
      }
      const n = arity(value.operator);
      const captured = n !== undefined && value.args.length === n + 1;
      const inputs = captured ? value.args.slice(0, -1) : value.args;
      let out = new Set<string>();
      for (const a of inputs) {
        const o = evalOut(a, bound, others);
        if (o === null) return null;
        out = union(out, o);
      }
      if (captured) {
        const o = patternOut(value.args[value.args.length - 1]!, union(bound, out), others);
        if (o === null) return null;
        out = union(out, o);
      }
      const b = union(bound, out);
      return { expr: { ...e, value: { ...value, args: value.args.map((a) => reorderTerm(a, b, arity)) } }, outputs: out };
    }
    case 'every': {
      const out = evalOut(value.domain, bound, others);
      if (out === null) return null;
      const free = new Set<string>();
      for (const x of value.body) exprVars(x, free, true);
      for (const n of free) if (others.has(n) && !bound.has(n)) return null;
      const inner = union(bound, out);
      if (value.key) collectVars(value.key, inner);
      collectVars(value.value, inner);
      const body = tryReorder(value.body, inner, arity);
      if (body === null) return null;
      return { expr: { ...e, value: { ...value, body } }, outputs: new Set() };
    }
    case 'body': {
      const have = new Set(bound);
      const body = tryReorder(value.body, have, arity);
      if (body === null) return null;
      const out = new Set<string>();
      for (const x of body) exprVars(x, out, false);
      for (const n of bound) out.delete(n);
      return { expr: { ...e, value: { kind: 'body', body } }, outputs: out };
    }
  }
}

function tryReorder(body: Body, bound: ReadonlySet<string>, arity: Arity): Body | null {
  try {
    return reorderBody(body, bound, arity);
  } catch (err) {
    if (err instanceof UnsafeError) return null;
    throw err;
  }
}

/** Reorders the bodies of comprehensions inside `t`, given what is bound where `t` is evaluated. */
function reorderTerm(t: Term, bound: ReadonlySet<string>, arity: Arity): Term {
  switch (t.kind) {
    case 'arrayCompr': case 'setCompr': case 'objectCompr':
      return { ...t, body: reorderBody(t.body, bound, arity) };
    case 'array': case 'set':
      return { ...t, items: t.items.map((x) => reorderTerm(x, bound, arity)) };
    case 'object':
      return { ...t, entries: t.entries.map(([k, x]) => [reorderTerm(k, bound, arity), reorderTerm(x, bound, arity)] as const) };
    case 'ref':
      return { ...t, terms: t.terms.map((x) => reorderTerm(x, bound, arity)) };
    default:
      return t;
  }
}

/** The vars `t` binds when evaluated, or null when it needs an unbound var. */
function evalOut(t: Term, bound: ReadonlySet<string>, others: ReadonlySet<string>): Set<string> | null {
  switch (t.kind) {
    case 'null': case 'boolean': case 'number': case 'string':
      return new Set();
    case 'var':
      return bound.has(t.name) ? new Set() : null;
    case 'ref': {
      const head = t.terms[0]!;
      if (head.kind !== 'var' || !bound.has(head.name)) return null;
      const out = new Set<string>();
      for (const x of t.terms.slice(1)) {
        if (x.kind === 'arrayCompr' || x.kind === 'setCompr' || x.kind === 'objectCompr') {
          if (evalOut(x, union(bound, out), others) === null) return null;
          continue;
        }
        collectVars(x, out);
      }
      for (const n of bound) out.delete(n);
      return out;
    }
    case 'array': case 'set':
      return unionOut(t.items, (x) => evalOut(x, bound, others));
    case 'object':
      return unionOut(t.entries, ([k, x]) => {
        const a = evalOut(k, bound, others);
        const b = evalOut(x, bound, others);
        return a === null || b === null ? null : union(a, b);
      });
    case 'arrayCompr': case 'setCompr': case 'objectCompr': {
      const free = new Set<string>();
      termVars(t, free, true);
      for (const n of free) if (others.has(n) && !bound.has(n)) return null;
      return new Set();
    }
  }
}

/** The vars `t` binds when unified with a known value, or null when it cannot be. */
function patternOut(t: Term, bound: ReadonlySet<string>, others: ReadonlySet<string>): Set<string> | null {
  switch (t.kind) {
    case 'var':
      return bound.has(t.name) ? new Set() : new Set([t.name]);
    case 'array':
      return unionOut(t.items, (x, sofar) => patternOut(x, union(bound, sofar), others));
    case 'object':
      return unionOut(t.entries, ([k, x], sofar) => (evalOut(k, bound, others) === null ? null : patternOut(x, union(bound, sofar), others)));
    default:
      return evalOut(t, bound, others);
  }
}

/**
 * The union of what `out` binds for each item, in order (`sofar`: the vars the earlier items bind);
 * null as soon as one item cannot be evaluated.
 */
function unionOut<T>(items: readonly T[], out: (item: T, sofar: ReadonlySet<string>) => Set<string> | null): Set<string> | null {
  let all = new Set<string>();
  for (const item of items) {
    const o = out(item, all);
    if (o === null) return null;
    all = union(all, o);
  }
  return all;
}

function unifyOut(a: Term, b: Term, bound: ReadonlySet<string>, others: ReadonlySet<string>): Set<string> | null {
  const ea = evalOut(a, bound, others);
  const eb = evalOut(b, bound, others);
  if (ea !== null && eb !== null) return union(ea, eb);
  if (eb !== null) {
    const pa = patternOut(a, union(bound, eb), others);
    if (pa !== null) return union(pa, eb);
  }
  if (ea !== null) {
    const pb = patternOut(b, union(bound, ea), others);
    if (pb !== null) return union(pb, ea);
  }
  if (a.kind === 'array' && b.kind === 'array' && a.items.length === b.items.length) {
    return unifyPairs(a.items.map((x, i) => [x, b.items[i]!] as const), bound, others);
  }
  if (a.kind === 'object' && b.kind === 'object' && a.entries.length === b.entries.length) {
    const pairs: (readonly [Term, Term])[] = [];
    for (const [k, x] of a.entries) {
      const match = b.entries.find(([k2]) => JSON.stringify(k2) === JSON.stringify(k));
      if (!match) return null;
      pairs.push([x, match[1]]);
    }
    return unifyPairs(pairs, bound, others);
  }
  return null;
}

function unifyPairs(pairs: readonly (readonly [Term, Term])[], bound: ReadonlySet<string>, others: ReadonlySet<string>): Set<string> | null {
  let have = new Set(bound);
  const left = [...pairs];
  while (left.length > 0) {
    const i = left.findIndex(([x, y]) => unifyOut(x, y, have, others) !== null);
    if (i < 0) return null;
    const [x, y] = left[i]!;
    have = union(have, unifyOut(x, y, have, others)!);
    left.splice(i, 1);
  }
  for (const n of bound) have.delete(n);
  return have;
}

function union(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> {
  const out = new Set(a);
  for (const n of b) out.add(n);
  return out;
}

function collectVars(t: Term, into: Set<string>): void {
  termVars(t, into, false);
}

/** Vars of `t`; with `deep`, also those inside comprehension bodies. */
export function termVars(t: Term, into: Set<string>, deep: boolean): void {
  switch (t.kind) {
    case 'var': into.add(t.name); return;
    case 'ref': for (const x of t.terms) termVars(x, into, deep); return;
    case 'array': case 'set': for (const x of t.items) termVars(x, into, deep); return;
    case 'object': for (const [k, x] of t.entries) { termVars(k, into, deep); termVars(x, into, deep); } return;
    case 'arrayCompr': case 'setCompr':
      if (!deep) return;
      termVars(t.term, into, deep);
      for (const e of t.body) exprVars(e, into, deep);
      return;
    case 'objectCompr':
      if (!deep) return;
      termVars(t.key, into, deep);
      termVars(t.value, into, deep);
      for (const e of t.body) exprVars(e, into, deep);
      return;
    default: return;
  }
}

/** Vars of an expression (its with values included); with `deep`, also those in nested bodies. */
export function exprVars(e: Expr, into: Set<string>, deep: boolean): void {
  for (const w of e.with) if (!(w.kind === 'function' && w.builtin !== null)) termVars(w.value, into, deep);
  const value = e.value;
  switch (value.kind) {
    case 'term': termVars(value.term, into, deep); return;
    case 'call': for (const a of value.args) termVars(a, into, deep); return;
    case 'every':
      termVars(value.domain, into, deep);
      if (deep) {
        if (value.key) termVars(value.key, into, deep);
        termVars(value.value, into, deep);
        for (const x of value.body) exprVars(x, into, deep);
      }
      return;
    case 'body': for (const x of value.body) exprVars(x, into, deep); return;
  }
}
