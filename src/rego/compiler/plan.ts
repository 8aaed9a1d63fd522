/**
 * The planner: turns resolved Rego (core.ts) into the IR (../ir/ir.ts) the WASM emitter compiles.
 *
 * It follows the strategy of OPA's planner (`v1/internal/planner/planner.go`): continuation-passing
 * over body expressions, so each binding of a variable nests the rest of the query inside the
 * statement that produced it (scans, blocks); rules become functions `(input, data, ...) → value`
 * planned on first use; refs into `data` walk the rule trie and the base document side by side and
 * materialise merged extents where a whole subtree is referenced; `with` replaces a local inside a
 * WithStmt and replans every rule that could see the replaced part of `data` or a mocked function.
 *
 * This file holds the `Planner` entry point; the planning steps are split by what they plan:
 * `plan-rules.ts`, `plan-body.ts`, `plan-with.ts`, `plan-unify.ts`, `plan-terms.ts`, `plan-refs.ts`,
 * over the state and scopes of `plan-state.ts` and `plan-scopes.ts`.
 */
import * as ir from '../ir/ir.ts';
import type { CoreQuery, Expr, Rule } from './core.ts';
import { forEachVar } from './core.ts';
import { planBody } from './plan-body.ts';
import { isHidden, op, PlanState, type PlanOptions } from './plan-state.ts';
import { stringPrefix } from './rule-trie.ts';

export { PlanError } from './plan-state.ts';
export type { PlanBuiltin, PlanOptions } from './plan-state.ts';

/** Plans modules' rules and queries into one IR policy. */
export class Planner {
  readonly #p: PlanState;

  constructor(options: PlanOptions) {
    this.#p = new PlanState(options);
  }

  /** Adds rules (and empty packages, so their extent is `{}`) to the rule trie. */
  addModules(modules: readonly { packagePath: readonly string[]; rules: readonly Rule[] }[]): void {
    const p = this.#p;
    for (const m of modules) {
      if (m.rules.length === 0) {
        p.rules.lookupOrInsert(m.packagePath);
        continue;
      }
      for (const rule of m.rules) {
        const prefix = stringPrefix(rule.ref);
        const node = p.rules.lookupOrInsert(prefix);
        node.rules = [...node.descendantRules(), rule];
        node.clearChildren();
        // Compiler-added functions stay callable even where `with data as …` shadows the tree.
        if (isHidden(prefix[1] ?? '')) p.hidden.set(prefix.join('.'), node);
      }
    }
  }

  /** Plans a query as the entrypoint `name`; its result set holds objects of the query's variables. */
  planQuery(query: CoreQuery): void {
    const p = this.#p;
    const blocks: ir.Block[] = [];
    p.loc = query.body[0]?.location ?? null;
    const names = new Set<string>();
    for (const e of query.body) exprVars(e, (n) => names.add(n));
    const qvs = [...names].filter((n) => n !== 'input' && n !== 'data' && query.resultVars.has(n)).sort();
    p.lnext = ir.LOCAL_FIRST_FREE;
    p.vars.push();
    p.curr = { stmts: [] };
    let defined = false;
    planBody(p, query.body, 0, () => {
      const lr = p.newLocal();
      p.append({ type: 'MakeObjectStmt', target: lr });
      const keys = qvs.map((n) => ({ name: query.resultVars.get(n)!, n })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const { name, n } of keys) {
        const l = p.vars.get(n);
        if (l === undefined) continue;
        p.append({ type: 'ObjectInsertStmt', object: lr, key: p.strOp(name), value: op(l) });
      }
      p.append({ type: 'ResultSetAddStmt', value: lr });
      defined = true;
    });
    p.vars.pop();
    if (defined) blocks.push(p.curr);
    p.plans.push({ name: query.name, blocks });
  }

  /** The planned policy. */
  policy(): ir.Policy {
    const p = this.#p;
    const builtinFuncs = [...p.externs.entries()]
      .map(([name, arity]) => ({ name, arity }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      static: { strings: p.strings.values, builtinFuncs, files: p.files.values },
      plans: p.plans,
      funcs: p.funcs,
    };
  }
}

function exprVars(e: Expr, f: (name: string) => void): void {
  const value = e.value;
  if (value.kind === 'term') forEachVar(value.term, f);
  else if (value.kind === 'call') for (const a of value.args) forEachVar(a, f);
  else if (value.kind === 'every') forEachVar(value.domain, f);
  else for (const x of value.body) exprVars(x, f);
  for (const w of e.with) forEachVar(w.value, f);
}
