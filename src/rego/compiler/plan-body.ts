/**
 * Body and expression planning: each expression nests the rest of the body in its continuation.
 * Negation, `every`, term expressions, and calls of rules, builtins (functions and relations) and
 * `with` replacements.
 */
import type * as ir from '../ir/ir.ts';
import type { Body, Expr, Term } from './core.ts';
import { v as varTerm } from './core.ts';
import { stringPrefix } from './rule-trie.ts';
import { planScan, planScanValues } from './plan-refs.ts';
import { planRules } from './plan-rules.ts';
import { planTerm } from './plan-terms.ts';
import { planUnify, planUnifyLocal } from './plan-unify.ts';
import { planWith } from './plan-with.ts';
import { op, opBool, PlanError, type Iter, type MBlock, type PlanState } from './plan-state.ts';

/** Plans `body[index:]`, then `iter` inside the innermost statement that binds the last expression. */
export function planBody(p: PlanState, body: Body, index: number, iter: Iter): void {
  if (index >= body.length) {
    iter();
    return;
  }
  const old = p.loc;
  p.loc = body[index]!.location;
  planExpr(p, body[index]!, () => {
    planBody(p, body, index + 1, () => {
      const curr = p.loc;
      p.loc = old;
      iter();
      p.loc = curr;
    });
  });
  p.loc = old;
}

/** Plans one expression (negated, with `with`, a call, `every`, a term or a nested body), then `iter`. */
export function planExpr(p: PlanState, e: Expr, iter: Iter): void {
  if (e.negated) return planNot(p, e, iter);
  if (e.with.length > 0) return planWith(p, e, iter);
  switch (e.value.kind) {
    case 'call': return planExprCall(p, e.value.operator, e.value.path, e.value.args, iter);
    case 'every': return planEvery(p, e.value, iter);
    case 'term': return planExprTerm(p, e.value.term, iter);
    case 'body': return planBody(p, e.value.body, 0, iter);
  }
}

function planNot(p: PlanState, e: Expr, iter: Iter): void {
  const block: MBlock = { stmts: [] };
  const prev = p.curr;
  p.curr = block;
  p.vars.push();
  planExpr(p, { ...e, negated: false }, () => {});
  p.vars.pop();
  p.curr = prev;
  p.append({ type: 'NotStmt', block });
  iter();
}

function planExprTerm(p: PlanState, t: Term, iter: Iter): void {
  if (t.kind === 'boolean') {
    if (!t.value) p.append({ type: 'BreakStmt', index: 0 });
    iter();
    return;
  }
  if (t.kind === 'ref' || t.kind === 'var') {
    planTerm(p, t, () => {
      p.append({ type: 'NotEqualStmt', a: p.ltarget, b: opBool(false) });
      iter();
    });
    return;
  }
  iter();
}

function planEvery(p: PlanState, e: Extract<Expr['value'], { kind: 'every' }>, iter: Iter): void {
  const cond0 = p.newLocal();
  const cond1 = p.newLocal();
  p.append({ type: 'ResetLocalStmt', target: cond0 });
  planTerm(p, e.domain, () => {
    const src = p.ltarget;
    const check = (s: ir.Stmt): MBlock => ({ stmts: [s, { type: 'BreakStmt', index: 1 }] });
    p.append({
      type: 'BlockStmt',
      blocks: [{
        stmts: [
          { type: 'BlockStmt', blocks: [check({ type: 'IsArrayStmt', source: src }), check({ type: 'IsObjectStmt', source: src }), check({ type: 'IsSetStmt', source: src })] },
          { type: 'BreakStmt', index: 1 },
        ],
      }],
    });
    const key = e.key ?? varTerm(`$every${p.genCounter++}`);
    planScan(p, key, () => {
      p.append({ type: 'ResetLocalStmt', target: cond1 });
      const nested: MBlock = { stmts: [] };
      const prev = p.curr;
      p.curr = nested;
      const lval = p.ltarget;
      p.vars.push();
      planUnifyLocal(p, lval, e.value, () => {
        planBody(p, e.body, 0, () => {
          p.append({ type: 'AssignVarStmt', source: opBool(true), target: cond1 });
        });
      });
      p.vars.pop();
      p.curr = prev;
      p.append({ type: 'BlockStmt', blocks: [nested] });
      p.append({ type: 'IsUndefinedStmt', source: cond1 });
      p.append({ type: 'AssignVarStmt', source: opBool(true), target: cond0 });
    });
  });
  p.append({ type: 'IsUndefinedStmt', source: cond0 });
  iter();
}

function planExprCall(p: PlanState, operator: string, path: readonly string[] | null, operands: readonly Term[], iter: Iter): void {
  if (operator === 'eq' || operator === 'assign') {
    planUnify(p, operands[0]!, operands[1]!, iter);
    return;
  }
  const mock = p.mocks.lookup(operator);
  const node = path !== null ? (p.hidden.get(path.join('.')) ?? p.rules.lookup(path)) : null;
  if (mock !== undefined) {
    const declArity = (): number => {
      if (node !== null) return node.arity();
      const bi = p.options.builtin(operator);
      if (bi !== undefined) return bi.arity;
      throw new PlanError(`Cannot plan call: unknown function "${operator}"`, p.loc);
    };
    const replacement = mock.term;
    if (mock.builtin !== null) {
      const bi = p.options.builtin(mock.builtin);
      if (bi === undefined) throw new PlanError(`Cannot plan "with": unknown replacement "${mock.builtin}"`, p.loc);
      p.useBuiltin(mock.builtin, bi);
      return planExprCallFunc(p, mock.builtin, bi.arity, bi.void, operands, [], iter);
    }
    if (replacement.kind === 'var') return planExprCallValue(p, replacement, declArity(), operands, iter);
    if (replacement.kind === 'ref' && replacement.terms[0]?.kind === 'var' && replacement.terms[0].name === 'data') {
      const rpath = stringPrefix(replacement.terms);
      const rnode = rpath.length === replacement.terms.length ? p.rules.lookup(rpath) : null;
      if (rnode !== null && rnode.arity() > 0) {
        p.mocks.push();
        const name = planRules(p, rnode.getRules());
        p.mocks.pop();
        return planExprCallFunc(p, name, rnode.arity(), false, operands, p.defaultOperands(), iter);
      }
    }
    return planExprCallValue(p, replacement, declArity(), operands, iter);
  }
  if (node !== null && node.getRules().length > 0) {
    const name = planRules(p, node.getRules());
    const arity = node.arity();
    p.checkArity(operator, arity, operands.length);
    return planExprCallFunc(p, name, arity, false, operands, p.defaultOperands(), iter);
  }
  const bi = p.options.builtin(operator);
  if (bi === undefined) throw new PlanError(`Cannot plan call: unknown function "${operator}"`, p.loc);
  p.useBuiltin(operator, bi);
  p.checkArity(operator, bi.arity, operands.length);
  if (bi.relation) return planExprCallRelation(p, operator, bi.arity, operands, iter);
  planExprCallFunc(p, operator, bi.arity, bi.void, operands, [], iter);
}

function planExprCallRelation(p: PlanState, name: string, arity: number, operands: readonly Term[], iter: Iter): void {
  if (operands.length === arity) {
    planCallArgs(p, operands, 0, [], (args) => {
      const target = p.newLocal();
      p.append({ type: 'CallStmt', func: name, args, result: target });
      const lsize = p.newLocal();
      p.append({ type: 'LenStmt', source: op(target), target: lsize });
      const lzero = p.newLocal();
      p.append({ type: 'MakeNumberIntStmt', value: 0n, target: lzero });
      p.append({ type: 'NotEqualStmt', a: op(lsize), b: op(lzero) });
      iter();
    });
    return;
  }
  planCallArgs(p, operands.slice(0, -1), 0, [], (args) => {
    const target = p.newLocal();
    p.append({ type: 'CallStmt', func: name, args, result: target });
    p.ltarget = op(target);
    planScanValues(p, operands[operands.length - 1]!, () => iter());
  });
}

function planExprCallFunc(p: PlanState, name: string, arity: number, isVoid: boolean, operands: readonly Term[], args: ir.Operand[], iter: Iter): void {
  if (operands.length === arity) {
    planCallArgs(p, operands, 0, args, (all) => {
      const target = p.newLocal();
      p.ltarget = op(target);
      p.append({ type: 'CallStmt', func: name, args: all, result: target });
      if (!isVoid) p.append({ type: 'NotEqualStmt', a: op(target), b: opBool(false) });
      iter();
    });
    return;
  }
  if (operands.length === arity + 1) {
    planCallArgs(p, operands.slice(0, -1), 0, args, (all) => {
      const result = p.newLocal();
      p.append({ type: 'CallStmt', func: name, args: all, result });
      planUnifyLocal(p, op(result), operands[operands.length - 1]!, iter);
    });
    return;
  }
  throw new PlanError(`Cannot plan call of "${name}": arity mismatch`, p.loc);
}

function planExprCallValue(p: PlanState, value: Term, arity: number, operands: readonly Term[], iter: Iter): void {
  if (operands.length === arity) {
    planCallArgs(p, operands, 0, [], () => {
      planTerm(p, value, () => {
        p.append({ type: 'NotEqualStmt', a: p.ltarget, b: opBool(false) });
        iter();
      });
    });
    return;
  }
  if (operands.length === arity + 1) {
    planCallArgs(p, operands.slice(0, -1), 0, [], () => {
      planTerm(p, value, () => planUnifyLocal(p, p.ltarget, operands[operands.length - 1]!, iter));
    });
    return;
  }
  throw new PlanError('Cannot plan replacement: arity mismatch', p.loc);
}

function planCallArgs(p: PlanState, terms: readonly Term[], idx: number, args: ir.Operand[], iter: (args: ir.Operand[]) => void): void {
  if (idx >= terms.length) {
    iter(args);
    return;
  }
  planTerm(p, terms[idx]!, () => planCallArgs(p, terms, idx + 1, [...args, p.ltarget], iter));
}
