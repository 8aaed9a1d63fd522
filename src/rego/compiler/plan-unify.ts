/**
 * Unification planning (`=`, `:=`, function arguments): binds unbound variables, compares bound ones,
 * and destructures arrays and objects element by element.
 */
import type * as ir from '../ir/ir.ts';
import type { Term } from './core.ts';
import { termToString } from './core.ts';
import { planTerm } from './plan-terms.ts';
import { op, type Iter, type PlanState } from './plan-state.ts';

/** A canonical key for a ground term (object keys, set elements). */
function termKey(t: Term): string {
  return termToString(t);
}

/** Plans `a = b`: binds the unbound side's variables, or compares when both are bound. */
export function planUnify(p: PlanState, a: Term, b: Term, iter: Iter): void {
  switch (a.kind) {
    case 'var':
      return planUnifyVar(p, a.name, b, iter);
    case 'array':
      switch (b.kind) {
        case 'var': return planUnifyVar(p, b.name, a, iter);
        case 'array':
          if (a.items.length === b.items.length) planUnifyArraysRec(p, a.items, b.items, 0, iter);
          return;
        case 'ref': case 'arrayCompr':
          return planTerm(p, b, () => planUnifyLocalArray(p, p.ltarget, a.items, iter));
        default:
          return;
      }
    case 'object':
      switch (b.kind) {
        case 'var': return planUnifyVar(p, b.name, a, iter);
        case 'object': return planUnifyObjects(p, a.entries, b.entries, iter);
        case 'ref': case 'objectCompr':
          return planTerm(p, b, () => planUnifyLocalObject(p, p.ltarget, a.entries, iter));
        default:
          return;
      }
    default:
      return planTerm(p, a, () => planUnifyLocal(p, p.ltarget, b, iter));
  }
}

function planUnifyVar(p: PlanState, a: string, b: Term, iter: Iter): void {
  const la = p.vars.get(a);
  if (la !== undefined) return planUnifyLocal(p, op(la), b, iter);
  planTerm(p, b, () => {
    const la2 = p.vars.get(a);
    if (la2 !== undefined) p.append({ type: 'EqualStmt', a: op(la2), b: p.ltarget });
    else {
      const target = p.newLocal();
      p.vars.put(a, target);
      p.append({ type: 'AssignVarStmt', source: p.ltarget, target });
    }
    iter();
  });
}

/** Plans unifying a known operand `a` with the term `b`. */
export function planUnifyLocal(p: PlanState, a: ir.Operand, b: Term, iter: Iter): void {
  if (a.kind === 'string' && b.kind === 'string') {
    if (a.index !== p.stringConst(b.value)) p.append({ type: 'BreakStmt', index: 0 });
    iter();
    return;
  }
  if (a.kind === 'bool' && b.kind === 'boolean') {
    if (a.value !== b.value) p.append({ type: 'BreakStmt', index: 0 });
    iter();
    return;
  }
  switch (b.kind) {
    case 'var': {
      const lv = p.vars.get(b.name);
      if (lv !== undefined) {
        p.append({ type: 'EqualStmt', a, b: op(lv) });
        iter();
        return;
      }
      const target = p.newLocal();
      p.vars.put(b.name, target);
      p.append({ type: 'AssignVarStmt', source: a, target });
      iter();
      return;
    }
    case 'array': return planUnifyLocalArray(p, a, b.items, iter);
    case 'object': return planUnifyLocalObject(p, a, b.entries, iter);
    default:
      planTerm(p, b, () => {
        p.append({ type: 'EqualStmt', a, b: p.ltarget });
        iter();
      });
  }
}

function planUnifyLocalArray(p: PlanState, a: ir.Operand, b: readonly Term[], iter: Iter): void {
  p.append({ type: 'IsArrayStmt', source: a });
  const blen = p.newLocal();
  const alen = p.newLocal();
  p.append({ type: 'LenStmt', source: a, target: alen });
  p.append({ type: 'MakeNumberIntStmt', value: BigInt(b.length), target: blen });
  p.append({ type: 'EqualStmt', a: op(alen), b: op(blen) });
  const lkey = p.newLocal();
  p.append({ type: 'MakeNumberIntStmt', value: 0n, target: lkey });
  const lval = p.newLocal();
  const rec = (index: number): void => {
    if (index === b.length) return iter();
    p.append({ type: 'AssignIntStmt', value: index, target: lkey });
    p.append({ type: 'DotStmt', source: a, key: op(lkey), target: lval });
    planUnifyLocal(p, op(lval), b[index]!, () => rec(index + 1));
  };
  rec(0);
}

function planUnifyLocalObject(p: PlanState, a: ir.Operand, b: readonly (readonly [Term, Term])[], iter: Iter): void {
  p.append({ type: 'IsObjectStmt', source: a });
  const blen = p.newLocal();
  const alen = p.newLocal();
  p.append({ type: 'LenStmt', source: a, target: alen });
  p.append({ type: 'MakeNumberIntStmt', value: BigInt(b.length), target: blen });
  p.append({ type: 'EqualStmt', a: op(alen), b: op(blen) });
  const rec = (index: number): void => {
    if (index === b.length) return iter();
    const [k, val] = b[index]!;
    planTerm(p, k, () => {
      const lval = p.newLocal();
      p.append({ type: 'DotStmt', source: a, key: p.ltarget, target: lval });
      planUnifyLocal(p, op(lval), val, () => rec(index + 1));
    });
  };
  rec(0);
}

function planUnifyArraysRec(p: PlanState, a: readonly Term[], b: readonly Term[], index: number, iter: Iter): void {
  if (index === a.length) return iter();
  planUnify(p, a[index]!, b[index]!, () => planUnifyArraysRec(p, a, b, index + 1, iter));
}

function planUnifyObjects(p: PlanState, a: readonly (readonly [Term, Term])[], b: readonly (readonly [Term, Term])[], iter: Iter): void {
  if (a.length !== b.length) return;
  const bmap = new Map(b.map(([k, x]) => [termKey(k), x] as const));
  const common = a.filter(([k]) => bmap.has(termKey(k)));
  const onlyA = a.filter(([k]) => !bmap.has(termKey(k))).map(([k]) => k);
  const rec = (index: number): void => {
    if (index < common.length) {
      const [k, x] = common[index]!;
      planUnify(p, x, bmap.get(termKey(k))!, () => rec(index + 1));
      return;
    }
    if (onlyA.length === 0) return iter();
    // Keys that differ as terms (variables) may still be equal as values: compare by lookup.
    planTerm(p, { kind: 'object', entries: a }, () => {
      const la = p.ltarget;
      planTerm(p, { kind: 'object', entries: b }, () => {
        const lb = p.ltarget;
        const l0 = p.newLocal();
        const l1 = p.newLocal();
        const keys = (i: number): void => {
          if (i === onlyA.length) return iter();
          planTerm(p, onlyA[i]!, () => {
            p.append({ type: 'DotStmt', source: la, key: p.ltarget, target: l0 });
            p.append({ type: 'DotStmt', source: lb, key: p.ltarget, target: l1 });
            p.append({ type: 'EqualStmt', a: op(l0), b: op(l1) });
            keys(i + 1);
          });
        };
        keys(0);
      });
    });
  };
  rec(0);
}
