/**
 * Term planning: scalars, variables, collections and comprehensions, each leaving its value in
 * `ltarget` for the continuation.
 */
import type * as ir from '../ir/ir.ts';
import type { Body, Term } from './core.ts';
import { planBody } from './plan-body.ts';
import { planRef } from './plan-refs.ts';
import { op, opBool, type Iter, type MBlock, type PlanState } from './plan-state.ts';

/** Plans a term, leaving its value in `ltarget`, then `iter`. */
export function planTerm(p: PlanState, t: Term, iter: Iter): void {
  switch (t.kind) {
    case 'null': {
      const target = p.newLocal();
      p.append({ type: 'MakeNullStmt', target });
      p.ltarget = op(target);
      return iter();
    }
    case 'boolean':
      p.ltarget = opBool(t.value);
      return iter();
    case 'number': {
      const target = p.newLocal();
      if (/^-?\d+$/.test(t.text) && Number.isSafeInteger(Number(t.text))) p.append({ type: 'MakeNumberIntStmt', value: BigInt(t.text), target });
      else p.append({ type: 'MakeNumberRefStmt', index: p.stringConst(t.text), target });
      p.ltarget = op(target);
      return iter();
    }
    case 'string':
      p.ltarget = p.strOp(t.value);
      return iter();
    case 'var': {
      let l = p.vars.get(t.name);
      if (l === undefined) l = p.newLocal();
      p.ltarget = op(l);
      return iter();
    }
    case 'ref':
      return planRef(p, t.terms, iter);
    case 'array': {
      const larr = p.newLocal();
      p.append({ type: 'MakeArrayStmt', capacity: t.items.length, target: larr });
      const rec = (i: number): void => {
        if (i === t.items.length) {
          p.ltarget = op(larr);
          return iter();
        }
        planTerm(p, t.items[i]!, () => {
          p.append({ type: 'ArrayAppendStmt', array: larr, value: p.ltarget });
          rec(i + 1);
        });
      };
      return rec(0);
    }
    case 'object': {
      const lobj = p.newLocal();
      p.append({ type: 'MakeObjectStmt', target: lobj });
      const rec = (i: number): void => {
        if (i === t.entries.length) {
          p.ltarget = op(lobj);
          return iter();
        }
        const [k, val] = t.entries[i]!;
        planTerm(p, k, () => {
          const lkey = p.ltarget;
          planTerm(p, val, () => {
            p.append({ type: 'ObjectInsertStmt', object: lobj, key: lkey, value: p.ltarget });
            rec(i + 1);
          });
        });
      };
      return rec(0);
    }
    case 'set':
      return planSet(p, t.items, iter);
    case 'setCompr': {
      const lset = p.newLocal();
      p.append({ type: 'MakeSetStmt', target: lset });
      return planComprehension(p, t.body, () => planTerm(p, t.term, () => p.append({ type: 'SetAddStmt', set: lset, value: p.ltarget })), lset, iter);
    }
    case 'arrayCompr': {
      const larr = p.newLocal();
      p.append({ type: 'MakeArrayStmt', capacity: 0, target: larr });
      return planComprehension(p, t.body, () => planTerm(p, t.term, () => p.append({ type: 'ArrayAppendStmt', array: larr, value: p.ltarget })), larr, iter);
    }
    case 'objectCompr': {
      const lobj = p.newLocal();
      p.append({ type: 'MakeObjectStmt', target: lobj });
      return planComprehension(p, t.body, () => planTerm(p, t.key, () => {
        const lkey = p.ltarget;
        planTerm(p, t.value, () => p.append({ type: 'ObjectInsertOnceStmt', object: lobj, key: lkey, value: p.ltarget }));
      }), lobj, iter);
    }
  }
}

/** Plans a set of `items`, leaving it in `ltarget`. */
export function planSet(p: PlanState, items: readonly Term[], iter: Iter): void {
  const lset = p.newLocal();
  p.append({ type: 'MakeSetStmt', target: lset });
  const rec = (i: number): void => {
    if (i === items.length) {
      p.ltarget = op(lset);
      return iter();
    }
    planTerm(p, items[i]!, () => {
      p.append({ type: 'SetAddStmt', set: lset, value: p.ltarget });
      rec(i + 1);
    });
  };
  rec(0);
}

function planComprehension(p: PlanState, body: Body, closureIter: Iter, target: ir.Local, iter: Iter): void {
  p.vars.push();
  const prev = p.curr;
  const block: MBlock = { stmts: [] };
  p.curr = block;
  const ploc = p.loc;
  planBody(p, body, 0, closureIter);
  p.curr = prev;
  p.loc = ploc;
  p.vars.pop();
  p.append({ type: 'BlockStmt', blocks: [block] });
  p.ltarget = op(target);
  iter();
}

/** Plans several terms; `iter` gets their operands in order. */
export function planTermSlice(p: PlanState, terms: readonly Term[], iter: (locals: ir.Operand[]) => void): void {
  const locals: ir.Operand[] = [];
  const rec = (i: number): void => {
    if (i >= terms.length) return iter(locals);
    planTerm(p, terms[i]!, () => {
      locals[i] = p.ltarget;
      rec(i + 1);
    });
  };
  rec(0);
}
