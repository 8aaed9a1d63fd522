/**
 * Reference planning: dots and scans over locals, and refs into `data` that walk the rule trie and the
 * base document side by side, materialising merged extents where a whole subtree is referenced.
 */
import * as ir from '../ir/ir.ts';
import type { Term } from './core.ts';
import { isGround, s as str } from './core.ts';
import type { RuleTrie } from './rule-trie.ts';
import { planRules } from './plan-rules.ts';
import { planSet, planTerm } from './plan-terms.ts';
import { planUnifyLocal } from './plan-unify.ts';
import { isHidden, op, PlanError, type Iter, type LocalIter, type MBlock, type PlanState } from './plan-state.ts';

/** Where a ref into `data` stands in the base document: a local and the path below it. */
interface BasePtr {
  local: ir.Local;
  path: Term[];
}

/**
 * Plans a ref, leaving its value in `ltarget`: refs into `data` walk rules and base data together,
 * other refs dot and scan from their head local.
 * @throws PlanError when the head is not a bound variable
 */
export function planRef(p: PlanState, ref: readonly Term[], iter: Iter): void {
  const head = ref[0]!;
  if (head.kind !== 'var') throw new PlanError('Cannot plan ref: non-var head', p.loc);
  if (head.name === 'data') {
    const virtual = p.rules.get('data');
    const base: BasePtr = { local: p.vars.get('data') ?? ir.LOCAL_DATA, path: [] };
    return planRefData(p, virtual, base, ref, 1, iter);
  }
  const l = p.vars.get(head.name);
  if (ref.length === 1 && head.name === 'input') p.append({ type: 'IsDefinedStmt', source: l ?? ir.LOCAL_INPUT });
  if (l === undefined) throw new PlanError(`Cannot plan ref: unsafe head "${head.name}"`, p.loc);
  p.ltarget = op(l);
  planRefRec(p, ref, 1, iter);
}

/**
 * Plans `ref[index:]` from the last target. With `dataKeys` (walking the base `data` document) an
 * integer key also matches the object key spelled as that number, as OPA's storage paths do.
 */

function planRefRec(p: PlanState, ref: readonly Term[], index: number, iter: Iter, dataKeys = false): void {
  if (ref.length === index) return iter();
  const key = ref[index]!;
  if (dataKeys && key.kind === 'number' && /^-?\d+$/.test(key.text)) {
    planDotDataKey(p, key.text, () => planRefRec(p, ref, index + 1, iter, dataKeys));
    return;
  }
  if (!p.unseenVars(key)) {
    planDot(p, key, () => planRefRec(p, ref, index + 1, iter, dataKeys));
    return;
  }
  planScan(p, key, () => planRefRec(p, ref, index + 1, iter, dataKeys));
}

/** Dot with an integer key into base data: the array index, else the object key of that spelling. */
function planDotDataKey(p: PlanState, text: string, iter: Iter): void {
  const source = p.ltarget;
  const num = p.newLocal();
  p.append({ type: 'MakeNumberIntStmt', value: BigInt(text), target: num });
  const target = p.newLocal();
  const attempt = (key: ir.Operand): MBlock => ({
    stmts: [p.withLoc({ type: 'DotStmt', source, key, target }), p.withLoc({ type: 'BreakStmt', index: 1 })],
  });
  const outer: MBlock = {
    stmts: [
      { type: 'BlockStmt', blocks: [attempt(op(num))] },
      { type: 'BlockStmt', blocks: [attempt(p.strOp(text))] },
      p.withLoc({ type: 'BreakStmt', index: 1 }),
    ],
  };
  p.append({ type: 'BlockStmt', blocks: [outer] });
  p.ltarget = op(target);
  iter();
}

function planRefData(p: PlanState, virtual: RuleTrie | null, base: BasePtr | null, ref: readonly Term[], index: number, iter: Iter): void {
  if (index >= ref.length) return planRefDataExtent(p, virtual, base, iter);
  const operand = ref[index]!;
  if (isGround(operand)) {
    const vchild = virtual !== null && operand.kind === 'string' ? virtual.get(operand.value) : null;
    const rules = vchild?.getRules() ?? [];
    if (rules.length > 0) {
      const target = p.newLocal();
      const name = planRules(p, rules);
      p.append({ type: 'CallStmt', func: name, args: p.defaultOperands(), result: target });
      p.ltarget = op(target);
      return planRefRec(p, ref, index + 1, iter);
    }
    const bchild: BasePtr | null = base === null ? null : { local: base.local, path: [...base.path, operand] };
    if (vchild === null && bchild === null) return;
    return planRefData(p, vchild, bchild, ref, index + 1, iter);
  }
  const exclude: Term[] = [];
  if (virtual !== null) {
    const stmt = { type: 'BlockStmt' as const, blocks: [] as MBlock[] };
    for (const child of virtual.children()) {
      if (isHidden(child)) continue;
      const block: MBlock = { stmts: [] };
      const prev = p.curr;
      p.curr = block;
      const key = str(child);
      exclude.push(key);
      p.vars.push();
      planTerm(p, key, () => {
        planUnifyLocal(p, p.ltarget, operand, () => {
          const cpy = [...ref];
          cpy[index] = key;
          planRefData(p, virtual, base, cpy, index, iter);
        });
      });
      p.vars.pop();
      p.curr = prev;
      stmt.blocks.push(block);
    }
    p.append(stmt);
  }
  if (base === null) return;
  if (exclude.length > 0) {
    planSet(p, exclude, () => {
      const lexclude = p.ltarget;
      p.ltarget = op(base.local);
      planRefRec(p, base.path, 0, () => {
        planScan(p, operand, (lkey) => {
          const lignore = p.newLocal();
          p.append({ type: 'NotStmt', block: p.blockWith({ type: 'DotStmt', source: lexclude, key: op(lkey), target: lignore }) });
          planRefData(p, null, { local: p.targetLocal(), path: [] }, ref, index + 1, iter);
        });
      }, true);
    });
    return;
  }
  p.ltarget = op(base.local);
  const path = [...base.path, operand];
  planRefRec(p, path, 0, () => planRefData(p, null, { local: p.targetLocal(), path: [] }, ref, index + 1, iter), true);
}

function planRefDataExtent(p: PlanState, virtual: RuleTrie | null, base: BasePtr | null, iter: Iter): void {
  const vtarget = p.newLocal();
  if (virtual !== null) {
    p.append({ type: 'MakeObjectStmt', target: vtarget });
    for (const key of virtual.children()) {
      const child = virtual.get(key)!;
      if (child.arity() > 0 || isHidden(key)) continue;
      const rules = child.getRules();
      const lkey = p.strOp(key);
      if (rules.length === 0) {
        planRefDataExtent(p, child, null, () => {
          p.append({ type: 'ObjectInsertStmt', object: vtarget, key: lkey, value: p.ltarget });
        });
        continue;
      }
      const lvalue = p.newLocal();
      const name = planRules(p, rules);
      const b: MBlock = { stmts: [] };
      p.appendTo(b, { type: 'CallStmt', func: name, args: p.defaultOperands(), result: lvalue });
      p.appendTo(b, { type: 'ObjectInsertStmt', object: vtarget, key: lkey, value: op(lvalue) });
      p.append({ type: 'BlockStmt', blocks: [b] });
    }
    if (base === null) {
      p.ltarget = op(vtarget);
      return iter();
    }
  }
  if (base === null) return;
  const prev = p.curr;
  p.curr = { stmts: [] };
  p.ltarget = op(base.local);
  let target = p.newLocal();
  planRefRec(p, base.path, 0, () => {
    if (virtual === null) target = p.targetLocal();
    else p.append({ type: 'ObjectMergeStmt', a: p.targetLocal(), b: vtarget, target });
    p.append({ type: 'BreakStmt', index: 1 });
  }, true);
  const inner = p.curr;
  p.curr = { stmts: [] };
  p.append({ type: 'BlockStmt', blocks: [inner] });
  if (virtual !== null) p.append({ type: 'AssignVarStmt', source: op(vtarget), target });
  else p.append({ type: 'BreakStmt', index: 1 });
  const outer = p.curr;
  p.curr = prev;
  p.append({ type: 'BlockStmt', blocks: [outer] });
  p.ltarget = op(target);
  iter();
}

function planDot(p: PlanState, key: Term, iter: Iter): void {
  const source = p.ltarget;
  planTerm(p, key, () => {
    const target = p.newLocal();
    p.append({ type: 'DotStmt', source, key: p.ltarget, target });
    p.ltarget = op(target);
    iter();
  });
}

/** Scans the last target, unifying each key with `key`; `iter` gets the key local, `ltarget` the value. */
export function planScan(p: PlanState, key: Term, iter: LocalIter): void {
  planScanUnifying(p, 'key', key, iter);
}

/** Scans the last target, unifying each value with `val`; `iter` gets the value local. */
export function planScanValues(p: PlanState, val: Term, iter: LocalIter): void {
  planScanUnifying(p, 'value', val, iter);
}

function planScanUnifying(p: PlanState, part: 'key' | 'value', term: Term, iter: LocalIter): void {
  const source = p.targetLocal();
  const scan = { type: 'ScanStmt' as const, source, key: p.newLocal(), value: p.newLocal(), block: { stmts: [] } as MBlock };
  const prev = p.curr;
  p.curr = scan.block;
  planUnifyLocal(p, op(scan[part]), term, () => {
    p.ltarget = op(scan.value);
    iter(scan[part]);
  });
  p.curr = prev;
  p.append(scan);
}
