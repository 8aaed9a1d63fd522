/**
 * `with` planning: replaces `input`/`data` paths inside WithStmts, shadows the rules and functions the
 * replacement can reach (a new function generation), and restores the originals for the rest of the
 * query.
 */
import type * as ir from '../ir/ir.ts';
import type { Expr, Term, With } from './core.ts';
import { v as varTerm } from './core.ts';
import { stringPrefix } from './rule-trie.ts';
import { planExpr } from './plan-body.ts';
import { planTermSlice } from './plan-terms.ts';
import type { Mock } from './plan-scopes.ts';
import { op, PlanError, type Iter, type PlanState } from './plan-state.ts';

/**
 * Plans an expression under its `with` modifiers, restoring the replaced documents and functions for
 * the rest of the query.
 * @throws PlanError when a target is not a ground path under `input` or `data`
 */
export function planWith(p: PlanState, e: Expr, iter: Iter): void {
  const values: Term[] = [];
  const targets: (readonly Term[])[] = [];
  const vars: string[] = [];
  const mocks = new Map<string, Mock>();
  for (const w of e.with) {
    if (w.kind === 'document') {
      values.push(w.value);
      targets.push(w.target);
      continue;
    }
    if (w.builtin === null && w.value.kind === 'var') vars.push(w.value.name);
    mocks.set(w.operator, { term: w.value, builtin: w.builtin });
  }
  planTermSlice(p, values, (locals) => {
    p.mocks.pushFrame(mocks);
    const paths: number[][] = [];
    const saveVars = new Set<string>();
    const dataRefs: string[][] = [];
    for (const target of targets) {
      const path: number[] = [];
      for (let j = 1; j < target.length; j++) {
        const t = target[j]!;
        if (t.kind !== 'string') throw new PlanError('Cannot plan "with": target path must be ground strings', p.loc);
        path.push(p.stringConst(t.value));
      }
      paths.push(path);
      const head = target[0]!;
      if (head.kind !== 'var') throw new PlanError('Cannot plan "with": invalid target', p.loc);
      saveVars.add(head.name);
      if (head.name === 'data') dataRefs.push(stringPrefix(target));
    }
    const restore: [ir.Local, ir.Local][] = [];
    for (const name of [...saveVars].sort()) {
      const lorig = p.vars.get(name)!;
      const lsave = p.newLocal();
      p.append({ type: 'AssignVarStmt', source: op(lorig), target: lsave });
      restore.push([lorig, lsave]);
    }
    const shadowing = dataRefs.some((r) => p.rules.lookup(r) !== null) || mocks.size > 0;
    const shadow = (): void => {
      if (!shadowing) return;
      p.funcStack.push(vars);
      for (const r of dataRefs) p.rules.push(r);
    };
    const unshadow = (): void => {
      if (!shadowing) return;
      p.funcStack.pop();
      for (let i = dataRefs.length - 1; i >= 0; i--) p.rules.pop(dataRefs[i]!);
    };
    shadow();
    planWithRec(p, e, e.with.filter((w) => w.kind === 'document'), paths, locals, 0, () => {
      p.mocks.popFrame();
      unshadow();
      planWithUndoRec(p, restore, 0, () => {
        iter();
        p.mocks.pushFrame(mocks);
        shadow();
      });
    });
    p.mocks.popFrame();
    unshadow();
  });
}

function planWithRec(p: PlanState, e: Expr, withs: readonly With[], paths: number[][], values: ir.Operand[], index: number, iter: Iter): void {
  if (index >= paths.length) {
    planExpr(p, { ...e, with: [] }, iter);
    return;
  }
  const prev = p.curr;
  p.curr = { stmts: [] };
  planWithRec(p, e, withs, paths, values, index + 1, iter);
  const block = p.curr;
  p.curr = prev;
  const w = withs[index]!;
  const head = w.kind === 'document' ? w.target[0]! : varTerm('input');
  const local = head.kind === 'var' ? p.vars.get(head.name) : undefined;
  if (local === undefined) throw new PlanError('Cannot plan "with": unknown target', p.loc);
  p.append({ type: 'WithStmt', local, path: paths[index]!, value: values[index]!, block });
}

function planWithUndoRec(p: PlanState, restore: [ir.Local, ir.Local][], index: number, iter: Iter): void {
  if (index >= restore.length) {
    iter();
    return;
  }
  const prev = p.curr;
  p.curr = { stmts: [] };
  planWithUndoRec(p, restore, index + 1, iter);
  const block = p.curr;
  p.curr = prev;
  const [lorig, lsave] = restore[index]!;
  p.append({ type: 'WithStmt', local: lorig, path: [], value: op(lsave), block });
}
