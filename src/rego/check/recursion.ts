/**
 * Recursion detection. Rego forbids a rule or function that depends on itself, directly or through
 * other rules, because evaluation would not terminate. Every reference to a document path (`data.a.b`,
 * a rule name of the same package, an imported name, a function call) is an edge to each rule group the
 * path may read — groups at a prefix of the path or under it. Strongly connected components of that
 * graph with a cycle are reported, naming the cycle.
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/index.ts';
import type { Body, ElseClause, Expr, Module, Rule, Term } from '../syntax/index.ts';
import type { RuleGroup, RuleIndex } from './rule-index.ts';
import { declaredNames } from './vars.ts';

/** Builds the dependency graph of all rules and reports each cycle once (REGO2007). */
export function checkRecursion(index: RuleIndex): Diagnostic[] {
  const edges = new Map<RuleGroup, Set<RuleGroup>>();
  for (const group of index.groups.values()) {
    const deps = new Set<RuleGroup>();
    for (const { rule, module } of group.rules) collectRuleDeps(index, module, rule, deps);
    edges.set(group, deps);
  }
  const out: Diagnostic[] = [];
  for (const component of stronglyConnected([...index.groups.values()], edges)) {
    const cyclic = component.length > 1 || edges.get(component[0]!)!.has(component[0]!);
    if (!cyclic) continue;
    const cycle = findCycle(component, edges);
    const start = cycle[0]!;
    const rule = start.rules[0]!.rule;
    const names = [...cycle, start].map((g) => `"${g.path}"`).join(' → ');
    out.push(
      createDiagnostic('REGO2007', rule.head.span, cycle.length === 1 ? `Recursive rule "${start.path}": it refers to itself` : `Recursive rules: ${names}`, {
        hint: 'Rego does not allow recursion; restructure the rules so none depends on itself',
        related: cycle.slice(1).map((g) => ({ message: `"${g.path}" is part of the cycle`, span: g.rules[0]!.rule.head.span })),
      }),
    );
  }
  return out;
}

function collectRuleDeps(index: RuleIndex, module: Module, rule: Rule, deps: Set<RuleGroup>): void {
  const locals = new Set<string>();
  for (const arg of rule.head.args ?? []) collectVarNames(arg, locals);
  const declare = (body: Body): void => {
    for (const expr of body) for (const name of declaredNames(expr)) locals.add(name);
  };
  declare(rule.body);
  for (let e: ElseClause | undefined = rule.else; e !== undefined; e = e.else) declare(e.body);

  const addPath = (segments: readonly PathPattern[]): void => {
    for (const group of groupsMatching(index, segments)) deps.add(group);
  };
  const visitTerm = (term: Term): void => {
    switch (term.kind) {
      case 'var':
        if (!locals.has(term.name)) {
          const root = index.resolveRoot(module, term.name);
          if (root !== undefined && root[0] === 'data') addPath(root);
        }
        break;
      case 'ref': {
        if (term.head.kind === 'var' && !locals.has(term.head.name)) {
          const root = index.resolveRoot(module, term.head.name);
          if (root !== undefined && root[0] === 'data') addPath([...root, ...term.path.map(patternOf)]);
        } else visitTerm(term.head);
        for (const element of term.path) visitTerm(element);
        break;
      }
      case 'call': {
        const op = term.operator;
        if (op.kind === 'var') visitTerm({ kind: 'ref', span: op.span, head: op, path: [] });
        else visitTerm(op);
        for (const arg of term.args) visitTerm(arg);
        break;
      }
      case 'array':
      case 'set':
        for (const item of term.items) visitTerm(item);
        break;
      case 'object':
        for (const item of term.items) {
          visitTerm(item.key);
          visitTerm(item.value);
        }
        break;
      case 'array-comprehension':
      case 'set-comprehension':
        visitTerm(term.term);
        visitBody(term.body);
        break;
      case 'object-comprehension':
        visitTerm(term.key);
        visitTerm(term.value);
        visitBody(term.body);
        break;
      case 'template-string':
        for (const part of term.parts) if (part.kind === 'template-expr') visitExpr(part.expr);
        break;
      default:
        break;
    }
  };
  const visitExpr = (expr: Expr): void => {
    switch (expr.kind) {
      case 'term-expr':
        visitTerm(expr.term);
        break;
      case 'call-expr':
        visitTerm(expr.call);
        break;
      case 'some-in':
        if (expr.key !== undefined) visitTerm(expr.key);
        visitTerm(expr.value);
        visitTerm(expr.collection);
        break;
      case 'every':
        visitTerm(expr.domain);
        visitBody(expr.body);
        break;
      case 'some-decl':
        break;
    }
    // `with` targets are replaced, not read; their values are read.
    for (const w of expr.with) visitTerm(w.value);
  };
  const visitBody = (body: Body): void => {
    declare(body);
    for (const expr of body) visitExpr(expr);
  };
  visitBody(rule.body);
  for (const element of rule.head.ref.path) visitTerm(element);
  if (rule.head.key !== undefined) visitTerm(rule.head.key);
  if (rule.head.value !== undefined) visitTerm(rule.head.value);
  for (let e: ElseClause | undefined = rule.else; e !== undefined; e = e.else) {
    visitBody(e.body);
    visitTerm(e.value);
  }
}

/** One element of a reference as a path pattern: a name, any name (a variable), or no name at all. */
type PathPattern = string | typeof anyName | typeof noName;
const anyName = Symbol('any');
const noName = Symbol('none');

function patternOf(term: Term): PathPattern {
  if (term.kind === 'string') return term.value;
  // Numbers, booleans and other ground values can never name a rule or package.
  if (term.kind === 'null' || term.kind === 'boolean' || term.kind === 'number') return noName;
  return anyName;
}

/**
 * Rule groups a reference may read, as OPA's `GetRulesDynamic` finds them: groups at a prefix of the
 * path or under it, where a variable matches any name (`data[x].p` reaches `data.a.p`).
 */
function groupsMatching(index: RuleIndex, pattern: readonly PathPattern[]): RuleGroup[] {
  const out: RuleGroup[] = [];
  for (const group of index.groups.values()) {
    const n = Math.min(group.segments.length, pattern.length);
    let match = true;
    for (let i = 0; i < n && match; i++) {
      const p = pattern[i]!;
      match = p === anyName || p === group.segments[i];
    }
    if (match) out.push(group);
  }
  return out;
}

function collectVarNames(term: Term, out: Set<string>): void {
  switch (term.kind) {
    case 'var':
      out.add(term.name);
      break;
    case 'array':
    case 'set':
      for (const item of term.items) collectVarNames(item, out);
      break;
    case 'object':
      for (const item of term.items) collectVarNames(item.value, out);
      break;
    default:
      break;
  }
}

/** Tarjan's algorithm, iterative so deep dependency chains cannot overflow the stack. */
function stronglyConnected<T>(nodes: readonly T[], edges: ReadonlyMap<T, ReadonlySet<T>>): T[][] {
  let counter = 0;
  const indexOf = new Map<T, number>();
  const low = new Map<T, number>();
  const onStack = new Set<T>();
  const stack: T[] = [];
  const result: T[][] = [];
  for (const root of nodes) {
    if (indexOf.has(root)) continue;
    const work: { node: T; iter: Iterator<T> }[] = [];
    const open = (node: T): void => {
      indexOf.set(node, counter);
      low.set(node, counter);
      counter++;
      stack.push(node);
      onStack.add(node);
      work.push({ node, iter: (edges.get(node) ?? new Set<T>()).values() });
    };
    open(root);
    while (work.length > 0) {
      const frame = work.at(-1)!;
      const next = frame.iter.next();
      if (!next.done) {
        const w = next.value;
        if (!indexOf.has(w)) open(w);
        else if (onStack.has(w)) low.set(frame.node, Math.min(low.get(frame.node)!, indexOf.get(w)!));
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === indexOf.get(frame.node)) {
        const component: T[] = [];
        let w: T;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.node);
        result.push(component.reverse());
      }
    }
  }
  return result;
}

/** A shortest cycle through the first node of a cyclic component (breadth-first back to it). */
function findCycle(component: readonly RuleGroup[], edges: ReadonlyMap<RuleGroup, ReadonlySet<RuleGroup>>): RuleGroup[] {
  const members = new Set(component);
  const start = component[0]!;
  if (edges.get(start)!.has(start)) return [start];
  const previous = new Map<RuleGroup, RuleGroup>();
  const queue: RuleGroup[] = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of edges.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path: RuleGroup[] = [node];
        for (let p = previous.get(node); p !== undefined; p = previous.get(p)) path.push(p);
        return path.reverse();
      }
      if (!previous.has(next) && next !== start) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [...component];
}
