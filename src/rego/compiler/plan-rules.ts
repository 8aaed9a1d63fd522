/**
 * Rule planning: a group of rules sharing a ref becomes one IR function `(input, data, ...args) →
 * value`, planned on first use and cached per `with` generation. Complete, partial set/object,
 * function, default and `else` rules; ref heads build nested objects.
 */
import * as ir from '../ir/ir.ts';
import type { Rule, Term } from './core.ts';
import { termToString } from './core.ts';
import { planBody } from './plan-body.ts';
import { planTerm } from './plan-terms.ts';
import { planUnifyLocal } from './plan-unify.ts';
import { VarStack } from './plan-scopes.ts';
import { op, PlanError, type Iter, type LocalIter, type MBlock, type PlanState } from './plan-state.ts';

/**
 * Plans the rules sharing one ref (with their `else` chains and default) as one IR function, once per
 * `with` generation; returns its name.
 * @throws PlanError when a rule ref has a non-string prefix
 */
export function planRules(p: PlanState, rulesIn: readonly Rule[]): string {
  const rules = [...rulesIn];
  const pathRef = rules[0]!.ref;
  let pieces = pathRef.length;
  for (const r of rules) {
    r.ref.forEach((t, j) => {
      if (t.kind !== 'string' && j > 0 && j < pieces) pieces = j;
    });
  }
  const buildObject = pieces !== pathRef.length;
  const pathPieces: string[] = [];
  for (let i = 1; i < pieces; i++) {
    const t = pathRef[i]!;
    if (t.kind !== 'string') throw new PlanError('Cannot plan rule: non-string ref prefix', rules[0]!.location);
    pathPieces.push(t.value);
  }
  const path = termToString({ kind: 'ref', terms: pathRef.slice(0, pieces) });
  const existing = p.funcStack.get(path);
  if (existing !== undefined) return existing;

  const saved = { vars: p.vars, curr: p.curr, ltarget: p.ltarget, lnext: p.lnext, loc: p.loc };
  p.lnext = ir.LOCAL_INPUT;
  p.loc = rules[0]!.location;
  const pcount = p.funcStack.argCount();
  const params: ir.Local[] = [];
  for (let i = 0; i < pcount; i++) params.push(p.newLocal());
  const gen = p.funcStack.gen();
  const fnReturn = p.newLocal();
  const arity = rules[0]!.args?.length ?? 0;
  for (let i = 0; i < arity; i++) params.push(p.newLocal());
  const argParams = params.slice(pcount);
  const fnBlocks: MBlock[] = [];
  const fn = { name: `g${gen}.${path}`, params, return: fnReturn, blocks: fnBlocks as ir.Block[], path: [`g${gen}`, ...pathPieces] };
  // Register before planning bodies so recursion through with-replanning terminates.
  p.funcStack.add(path, fn.name);

  const kind = rules[0]!.kind;
  if (kind === 'single' && buildObject) fnBlocks.push(p.blockWith({ type: 'MakeObjectStmt', target: fnReturn }));
  if (kind === 'multi') fnBlocks.push(p.blockWith(buildObject ? { type: 'MakeObjectStmt', target: fnReturn } : { type: 'MakeSetStmt', target: fnReturn }));

  const lresult = p.newLocal();
  const lnext = p.lnext;
  let defaultRule: Rule | null = null;
  const ruleLoc = p.loc;
  rules.sort((a, b) => b.ref.length - a.ref.length);

  for (const first of rules) {
    if (first.isDefault) {
      defaultRule = first;
      continue;
    }
    let blocks: MBlock[];
    if (first.else === null) blocks = fnBlocks;
    else {
      const stmt = { type: 'BlockStmt' as const, blocks: [] as MBlock[] };
      fnBlocks.push({ stmts: [stmt] });
      blocks = stmt.blocks;
    }
    let prev: Rule | null = null;
    for (let rule: Rule | null = first; rule !== null; prev = rule, rule = rule.else) {
      p.loc = rule.location;
      p.lnext = lnext;
      const fvars = p.funcStack.vars();
      const vs = new Map<string, ir.Local>();
      fvars.forEach((name, i) => vs.set(name, params[i]!));
      p.vars = new VarStack(vs);
      const curr: MBlock = { stmts: [] };
      blocks.push(curr);
      p.curr = curr;
      if (prev !== null) p.append({ type: 'IsUndefinedStmt', source: lresult });
      else p.append({ type: 'ResetLocalStmt', target: lresult });
      const r = rule;
      planFuncParams(p, argParams, r.args ?? [], 0, () => {
        planBody(p, r.body, 0, () => {
          if (r.kind === 'single') {
            if (buildObject) {
              const ref = r.ref;
              planTerm(p, r.value!, () => {
                const value = p.ltarget;
                planNestedObjects(p, fnReturn, ref.slice(pieces, ref.length - 1), (obj) => {
                  planTerm(p, ref[ref.length - 1]!, () => {
                    p.append({ type: 'ObjectInsertOnceStmt', object: obj, key: p.ltarget, value });
                  });
                });
              });
              return;
            }
            planTerm(p, r.value!, () => {
              p.append({ type: 'AssignVarOnceStmt', target: lresult, source: p.ltarget });
            });
            return;
          }
          if (buildObject) {
            const ref = r.ref;
            planNestedObjects(p, fnReturn, ref.slice(pieces, ref.length - 1), (obj) => {
              planTerm(p, ref[ref.length - 1]!, () => {
                const key = p.ltarget;
                planTerm(p, r.key!, () => {
                  const value = p.ltarget;
                  planDotOr(p, obj, key, (l) => ({ type: 'MakeSetStmt', target: l }), (set) => {
                    p.append({ type: 'SetAddStmt', set, value });
                    p.append({ type: 'ObjectInsertStmt', object: obj, key, value: op(set) });
                  });
                });
              });
            });
            return;
          }
          planTerm(p, r.key!, () => {
            p.append({ type: 'SetAddStmt', set: fnReturn, value: p.ltarget });
          });
        });
      });
    }
    if (first.kind === 'single' && !buildObject) {
      const end: MBlock = { stmts: [] };
      p.appendTo(end, { type: 'IsDefinedStmt', source: lresult });
      p.appendTo(end, { type: 'AssignVarOnceStmt', target: fnReturn, source: op(lresult) });
      blocks.push(end);
    }
  }

  if (defaultRule !== null) {
    const d = defaultRule;
    p.loc = d.location;
    p.lnext = lnext;
    const vs = new Map<string, ir.Local>();
    p.funcStack.vars().forEach((name, i) => vs.set(name, params[i]!));
    p.vars = new VarStack(vs);
    const block = p.blockWith({ type: 'IsUndefinedStmt', source: fnReturn });
    fnBlocks.push(block);
    p.curr = block;
    planBody(p, d.body, 0, () => {
      planTerm(p, d.value!, () => {
        p.append({ type: 'AssignVarOnceStmt', target: fnReturn, source: p.ltarget });
      });
    });
  }
  p.loc = ruleLoc;
  fnBlocks.push(p.blockWith({ type: 'ReturnLocalStmt', source: fnReturn }));
  p.funcs.push(fn);

  p.vars = saved.vars;
  p.curr = saved.curr;
  p.ltarget = saved.ltarget;
  p.lnext = saved.lnext;
  p.loc = saved.loc;
  return fn.name;
}

function planDotOr(p: PlanState, obj: ir.Local, key: ir.Operand, or: (l: ir.Local) => ir.Stmt, iter: LocalIter): void {
  const prev = p.curr;
  const dotBlock: MBlock = { stmts: [] };
  p.curr = dotBlock;
  const val = p.newLocal();
  p.append({ type: 'DotStmt', source: op(obj), key, target: val });
  p.append({ type: 'BreakStmt', index: 1 });
  const outer: MBlock = { stmts: [{ type: 'BlockStmt', blocks: [dotBlock] }, or(val)] };
  p.curr = prev;
  p.append({ type: 'BlockStmt', blocks: [outer] });
  iter(val);
  p.append({ type: 'ObjectInsertStmt', key, value: op(val), object: obj });
}

function planNestedObjects(p: PlanState, obj: ir.Local, ref: readonly Term[], iter: LocalIter): void {
  if (ref.length === 0) {
    iter(obj);
    return;
  }
  planTerm(p, ref[0]!, () => {
    const key = p.ltarget;
    planDotOr(p, obj, key, (l) => ({ type: 'MakeObjectStmt', target: l }), (child) => planNestedObjects(p, child, ref.slice(1), iter));
  });
}

function planFuncParams(p: PlanState, params: readonly ir.Local[], args: readonly Term[], idx: number, iter: Iter): void {
  if (idx >= args.length) {
    iter();
    return;
  }
  planUnifyLocal(p, op(params[idx]!), args[idx]!, () => planFuncParams(p, params, args, idx + 1, iter));
}
