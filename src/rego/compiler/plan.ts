/**
 * The planner: turns resolved Rego (core.ts) into the IR (../ir/ir.ts) the WASM emitter compiles.
 *
 * It follows the strategy of OPA's planner (`v1/internal/planner/planner.go`): continuation-passing
 * over body expressions, so each binding of a variable nests the rest of the query inside the
 * statement that produced it (scans, blocks); rules become functions `(input, data, ...) → value`
 * planned on first use; refs into `data` walk the rule trie and the base document side by side and
 * materialise merged extents where a whole subtree is referenced; `with` replaces a local inside a
 * WithStmt and replans every rule that could see the replaced part of `data` or a mocked function.
 */
import * as ir from '../ir/ir.ts';
import type { Body, CoreLocation, CoreQuery, Expr, Rule, Term, With } from './core.ts';
import { forEachVar, isGround, s as str, termToString, v as varTerm } from './core.ts';
import { RuleTrie, stringPrefix } from './rule-trie.ts';

/** What the planner needs to know about a builtin. */
export interface PlanBuiltin {
  readonly arity: number;
  readonly relation: boolean;
  readonly void: boolean;
  /** Implemented inside the WASM module: called directly, not imported. */
  readonly native: boolean;
}

export interface PlanOptions {
  /** Looks up a builtin by its dotted name; undefined when there is none. */
  readonly builtin: (name: string) => PlanBuiltin | undefined;
}

/** A problem the planner cannot plan around (an unsupported construct or a broken invariant). */
export class PlanError extends Error {
  readonly location: CoreLocation | null;
  constructor(message: string, location: CoreLocation | null) {
    super(message);
    this.name = 'PlanError';
    this.location = location;
  }
}

type Iter = () => void;
type LocalIter = (local: ir.Local) => void;
type MBlock = { stmts: ir.Stmt[] };

const op = (local: ir.Local): ir.Operand => ({ kind: 'local', local });
const opBool = (value: boolean): ir.Operand => ({ kind: 'bool', value });

class VarStack {
  readonly frames: Map<string, ir.Local>[];
  constructor(initial: Map<string, ir.Local>) {
    this.frames = [initial];
  }
  get(name: string): ir.Local | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const l = this.frames[i]!.get(name);
      if (l !== undefined) return l;
    }
    return undefined;
  }
  put(name: string, local: ir.Local): void {
    this.frames[this.frames.length - 1]!.set(name, local);
  }
  push(): void {
    this.frames.push(new Map());
  }
  pop(): void {
    this.frames.pop();
  }
}

interface FuncFrame {
  readonly pairs: Map<string, string>;
  readonly vars: readonly string[];
  readonly gen: number;
}

/** Planned rule functions per generation; a `with` that shadows rules opens a new generation. */
class FuncStack {
  readonly #stack: FuncFrame[] = [{ pairs: new Map(), vars: ['input', 'data'], gen: 0 }];
  #next = 1;
  #last(): FuncFrame {
    return this.#stack[this.#stack.length - 1]!;
  }
  vars(): string[] {
    return this.#stack.flatMap((f) => f.vars);
  }
  argCount(): number {
    return this.vars().length;
  }
  get(key: string): string | undefined {
    return this.#last().pairs.get(key);
  }
  add(key: string, value: string): void {
    this.#last().pairs.set(key, value);
  }
  gen(): number {
    return this.#last().gen;
  }
  push(vars: readonly string[]): void {
    this.#stack.push({ pairs: new Map(), vars, gen: this.#next++ });
  }
  pop(): void {
    this.#stack.pop();
  }
}

/** What replaces a function or builtin under `with`: a value (term) or another builtin. */
type Mock = { readonly term: Term; readonly builtin: string | null };

/** Replacement frames for `with f as …` / `with builtin as …`. */
class MockStack {
  readonly #stack: Map<string, Mock>[][] = [[]];
  push(): void {
    this.#stack.push([]);
  }
  pop(): void {
    this.#stack.pop();
  }
  pushFrame(frame: Map<string, Mock>): void {
    this.#stack[this.#stack.length - 1]!.push(frame);
  }
  popFrame(): void {
    this.#stack[this.#stack.length - 1]!.pop();
  }
  lookup(name: string): Mock | undefined {
    const cur = this.#stack[this.#stack.length - 1]!;
    for (let i = cur.length - 1; i >= 0; i--) {
      const t = cur[i]!.get(name);
      if (t !== undefined) return t;
    }
    return undefined;
  }
}

interface BasePtr {
  local: ir.Local;
  path: Term[];
}

/** A canonical key for a ground term (object keys, set elements). */
function termKey(t: Term): string {
  return termToString(t);
}

/** Plans modules' rules and queries into one IR policy. */
export class Planner {
  readonly #options: PlanOptions;
  readonly #strings: string[] = [];
  readonly #stringIndex = new Map<string, number>();
  readonly #files: string[] = [];
  readonly #fileIndex = new Map<string, number>();
  readonly #externs = new Map<string, number>();
  readonly #funcs: ir.Func[] = [];
  readonly #plans: ir.Plan[] = [];
  readonly #rules = new RuleTrie();
  readonly #hidden = new Map<string, RuleTrie>();
  readonly #funcStack = new FuncStack();
  readonly #mocks = new MockStack();
  #vars = new VarStack(new Map([['input', ir.LOCAL_INPUT], ['data', ir.LOCAL_DATA]]));
  #curr: MBlock = { stmts: [] };
  #ltarget: ir.Operand = op(0);
  #lnext = ir.LOCAL_FIRST_FREE;
  #loc: CoreLocation | null = null;
  #genCounter = 0;

  constructor(options: PlanOptions) {
    this.#options = options;
  }

  /** Adds rules (and empty packages, so their extent is `{}`) to the rule trie. */
  addModules(modules: readonly { packagePath: readonly string[]; rules: readonly Rule[] }[]): void {
    for (const m of modules) {
      if (m.rules.length === 0) {
        this.#rules.lookupOrInsert(m.packagePath);
        continue;
      }
      for (const rule of m.rules) {
        const prefix = stringPrefix(rule.ref);
        const node = this.#rules.lookupOrInsert(prefix);
        node.rules = [...node.descendantRules(), rule];
        node.clearChildren();
        // Compiler-added functions stay callable even where `with data as …` shadows the tree.
        if (isHidden(prefix[1] ?? '')) this.#hidden.set(prefix.join('.'), node);
      }
    }
  }

  /** Plans a query as the entrypoint `name`; its result set holds objects of the query's variables. */
  planQuery(query: CoreQuery): void {
    const blocks: ir.Block[] = [];
    this.#loc = query.body[0]?.location ?? null;
    const names = new Set<string>();
    for (const e of query.body) this.#exprVars(e, (n) => names.add(n));
    const qvs = [...names].filter((n) => n !== 'input' && n !== 'data' && query.resultVars.has(n)).sort();
    this.#lnext = ir.LOCAL_FIRST_FREE;
    this.#vars.push();
    this.#curr = { stmts: [] };
    let defined = false;
    this.#planBody(query.body, 0, () => {
      const lr = this.#newLocal();
      this.#append({ type: 'MakeObjectStmt', target: lr });
      const keys = qvs.map((n) => ({ name: query.resultVars.get(n)!, n })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const { name, n } of keys) {
        const l = this.#vars.get(n);
        if (l === undefined) continue;
        this.#append({ type: 'ObjectInsertStmt', object: lr, key: this.#strOp(name), value: op(l) });
      }
      this.#append({ type: 'ResultSetAddStmt', value: lr });
      defined = true;
    });
    this.#vars.pop();
    if (defined) blocks.push(this.#curr);
    this.#plans.push({ name: query.name, blocks });
  }

  /** The planned policy. */
  policy(): ir.Policy {
    const builtinFuncs = [...this.#externs.entries()]
      .map(([name, arity]) => ({ name, arity }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      static: { strings: this.#strings, builtinFuncs, files: this.#files },
      plans: this.#plans,
      funcs: this.#funcs,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Rules

  #planRules(rulesIn: readonly Rule[]): string {
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
    const existing = this.#funcStack.get(path);
    if (existing !== undefined) return existing;

    const saved = { vars: this.#vars, curr: this.#curr, ltarget: this.#ltarget, lnext: this.#lnext, loc: this.#loc };
    this.#lnext = ir.LOCAL_INPUT;
    this.#loc = rules[0]!.location;
    const pcount = this.#funcStack.argCount();
    const params: ir.Local[] = [];
    for (let i = 0; i < pcount; i++) params.push(this.#newLocal());
    const gen = this.#funcStack.gen();
    const fnReturn = this.#newLocal();
    const arity = rules[0]!.args?.length ?? 0;
    for (let i = 0; i < arity; i++) params.push(this.#newLocal());
    const argParams = params.slice(pcount);
    const fnBlocks: MBlock[] = [];
    const fn = { name: `g${gen}.${path}`, params, return: fnReturn, blocks: fnBlocks as ir.Block[], path: [`g${gen}`, ...pathPieces] };
    // Register before planning bodies so recursion through with-replanning terminates.
    this.#funcStack.add(path, fn.name);

    const kind = rules[0]!.kind;
    if (kind === 'single' && buildObject) fnBlocks.push(this.#blockWith({ type: 'MakeObjectStmt', target: fnReturn }));
    if (kind === 'multi') fnBlocks.push(this.#blockWith(buildObject ? { type: 'MakeObjectStmt', target: fnReturn } : { type: 'MakeSetStmt', target: fnReturn }));

    const lresult = this.#newLocal();
    const lnext = this.#lnext;
    let defaultRule: Rule | null = null;
    const ruleLoc = this.#loc;
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
        this.#loc = rule.location;
        this.#lnext = lnext;
        const fvars = this.#funcStack.vars();
        const vs = new Map<string, ir.Local>();
        fvars.forEach((name, i) => vs.set(name, params[i]!));
        this.#vars = new VarStack(vs);
        const curr: MBlock = { stmts: [] };
        blocks.push(curr);
        this.#curr = curr;
        if (prev !== null) this.#append({ type: 'IsUndefinedStmt', source: lresult });
        else this.#append({ type: 'ResetLocalStmt', target: lresult });
        const r = rule;
        this.#planFuncParams(argParams, r.args ?? [], 0, () => {
          this.#planBody(r.body, 0, () => {
            if (r.kind === 'single') {
              if (buildObject) {
                const ref = r.ref;
                this.#planTerm(r.value!, () => {
                  const value = this.#ltarget;
                  this.#planNestedObjects(fnReturn, ref.slice(pieces, ref.length - 1), (obj) => {
                    this.#planTerm(ref[ref.length - 1]!, () => {
                      this.#append({ type: 'ObjectInsertOnceStmt', object: obj, key: this.#ltarget, value });
                    });
                  });
                });
                return;
              }
              this.#planTerm(r.value!, () => {
                this.#append({ type: 'AssignVarOnceStmt', target: lresult, source: this.#ltarget });
              });
              return;
            }
            if (buildObject) {
              const ref = r.ref;
              this.#planNestedObjects(fnReturn, ref.slice(pieces, ref.length - 1), (obj) => {
                this.#planTerm(ref[ref.length - 1]!, () => {
                  const key = this.#ltarget;
                  this.#planTerm(r.key!, () => {
                    const value = this.#ltarget;
                    this.#planDotOr(obj, key, (l) => ({ type: 'MakeSetStmt', target: l }), (set) => {
                      this.#append({ type: 'SetAddStmt', set, value });
                      this.#append({ type: 'ObjectInsertStmt', object: obj, key, value: op(set) });
                    });
                  });
                });
              });
              return;
            }
            this.#planTerm(r.key!, () => {
              this.#append({ type: 'SetAddStmt', set: fnReturn, value: this.#ltarget });
            });
          });
        });
      }
      if (first.kind === 'single' && !buildObject) {
        const end: MBlock = { stmts: [] };
        this.#appendTo(end, { type: 'IsDefinedStmt', source: lresult });
        this.#appendTo(end, { type: 'AssignVarOnceStmt', target: fnReturn, source: op(lresult) });
        blocks.push(end);
      }
    }

    if (defaultRule !== null) {
      const d = defaultRule;
      this.#loc = d.location;
      this.#lnext = lnext;
      const vs = new Map<string, ir.Local>();
      this.#funcStack.vars().forEach((name, i) => vs.set(name, params[i]!));
      this.#vars = new VarStack(vs);
      const block = this.#blockWith({ type: 'IsUndefinedStmt', source: fnReturn });
      fnBlocks.push(block);
      this.#curr = block;
      this.#planBody(d.body, 0, () => {
        this.#planTerm(d.value!, () => {
          this.#append({ type: 'AssignVarOnceStmt', target: fnReturn, source: this.#ltarget });
        });
      });
    }
    this.#loc = ruleLoc;
    fnBlocks.push(this.#blockWith({ type: 'ReturnLocalStmt', source: fnReturn }));
    this.#funcs.push(fn);

    this.#vars = saved.vars;
    this.#curr = saved.curr;
    this.#ltarget = saved.ltarget;
    this.#lnext = saved.lnext;
    this.#loc = saved.loc;
    return fn.name;
  }

  #planDotOr(obj: ir.Local, key: ir.Operand, or: (l: ir.Local) => ir.Stmt, iter: LocalIter): void {
    const prev = this.#curr;
    const dotBlock: MBlock = { stmts: [] };
    this.#curr = dotBlock;
    const val = this.#newLocal();
    this.#append({ type: 'DotStmt', source: op(obj), key, target: val });
    this.#append({ type: 'BreakStmt', index: 1 });
    const outer: MBlock = { stmts: [{ type: 'BlockStmt', blocks: [dotBlock] }, or(val)] };
    this.#curr = prev;
    this.#append({ type: 'BlockStmt', blocks: [outer] });
    iter(val);
    this.#append({ type: 'ObjectInsertStmt', key, value: op(val), object: obj });
  }

  #planNestedObjects(obj: ir.Local, ref: readonly Term[], iter: LocalIter): void {
    if (ref.length === 0) {
      iter(obj);
      return;
    }
    this.#planTerm(ref[0]!, () => {
      const key = this.#ltarget;
      this.#planDotOr(obj, key, (l) => ({ type: 'MakeObjectStmt', target: l }), (child) => this.#planNestedObjects(child, ref.slice(1), iter));
    });
  }

  #planFuncParams(params: readonly ir.Local[], args: readonly Term[], idx: number, iter: Iter): void {
    if (idx >= args.length) {
      iter();
      return;
    }
    this.#planUnifyLocal(op(params[idx]!), args[idx]!, () => this.#planFuncParams(params, args, idx + 1, iter));
  }

  // ---------------------------------------------------------------------------------------------
  // Bodies and expressions

  #planBody(body: Body, index: number, iter: Iter): void {
    if (index >= body.length) {
      iter();
      return;
    }
    const old = this.#loc;
    this.#loc = body[index]!.location;
    this.#planExpr(body[index]!, () => {
      this.#planBody(body, index + 1, () => {
        const curr = this.#loc;
        this.#loc = old;
        iter();
        this.#loc = curr;
      });
    });
    this.#loc = old;
  }

  #planExpr(e: Expr, iter: Iter): void {
    if (e.negated) return this.#planNot(e, iter);
    if (e.with.length > 0) return this.#planWith(e, iter);
    switch (e.value.kind) {
      case 'call': return this.#planExprCall(e.value.operator, e.value.path, e.value.args, iter);
      case 'every': return this.#planEvery(e.value, iter);
      case 'term': return this.#planExprTerm(e.value.term, iter);
      case 'body': return this.#planBody(e.value.body, 0, iter);
    }
  }

  #planNot(e: Expr, iter: Iter): void {
    const block: MBlock = { stmts: [] };
    const prev = this.#curr;
    this.#curr = block;
    this.#vars.push();
    this.#planExpr({ ...e, negated: false }, () => {});
    this.#vars.pop();
    this.#curr = prev;
    this.#append({ type: 'NotStmt', block });
    iter();
  }

  #planWith(e: Expr, iter: Iter): void {
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
    this.#planTermSlice(values, (locals) => {
      this.#mocks.pushFrame(mocks);
      const paths: number[][] = [];
      const saveVars = new Set<string>();
      const dataRefs: string[][] = [];
      for (const target of targets) {
        const path: number[] = [];
        for (let j = 1; j < target.length; j++) {
          const t = target[j]!;
          if (t.kind !== 'string') throw new PlanError('Cannot plan "with": target path must be ground strings', this.#loc);
          path.push(this.#stringConst(t.value));
        }
        paths.push(path);
        const head = target[0]!;
        if (head.kind !== 'var') throw new PlanError('Cannot plan "with": invalid target', this.#loc);
        saveVars.add(head.name);
        if (head.name === 'data') dataRefs.push(stringPrefix(target));
      }
      const restore: [ir.Local, ir.Local][] = [];
      for (const name of [...saveVars].sort()) {
        const lorig = this.#vars.get(name)!;
        const lsave = this.#newLocal();
        this.#append({ type: 'AssignVarStmt', source: op(lorig), target: lsave });
        restore.push([lorig, lsave]);
      }
      const shadowing = dataRefs.some((r) => this.#rules.lookup(r) !== null) || mocks.size > 0;
      const shadow = (): void => {
        if (!shadowing) return;
        this.#funcStack.push(vars);
        for (const r of dataRefs) this.#rules.push(r);
      };
      const unshadow = (): void => {
        if (!shadowing) return;
        this.#funcStack.pop();
        for (let i = dataRefs.length - 1; i >= 0; i--) this.#rules.pop(dataRefs[i]!);
      };
      shadow();
      this.#planWithRec(e, e.with.filter((w) => w.kind === 'document'), paths, locals, 0, () => {
        this.#mocks.popFrame();
        unshadow();
        this.#planWithUndoRec(restore, 0, () => {
          iter();
          this.#mocks.pushFrame(mocks);
          shadow();
        });
      });
      this.#mocks.popFrame();
      unshadow();
    });
  }

  #planWithRec(e: Expr, withs: readonly With[], paths: number[][], values: ir.Operand[], index: number, iter: Iter): void {
    if (index >= paths.length) {
      this.#planExpr({ ...e, with: [] }, iter);
      return;
    }
    const prev = this.#curr;
    this.#curr = { stmts: [] };
    this.#planWithRec(e, withs, paths, values, index + 1, iter);
    const block = this.#curr;
    this.#curr = prev;
    const w = withs[index]!;
    const head = w.kind === 'document' ? w.target[0]! : varTerm('input');
    const local = head.kind === 'var' ? this.#vars.get(head.name) : undefined;
    if (local === undefined) throw new PlanError('Cannot plan "with": unknown target', this.#loc);
    this.#append({ type: 'WithStmt', local, path: paths[index]!, value: values[index]!, block });
  }

  #planWithUndoRec(restore: [ir.Local, ir.Local][], index: number, iter: Iter): void {
    if (index >= restore.length) {
      iter();
      return;
    }
    const prev = this.#curr;
    this.#curr = { stmts: [] };
    this.#planWithUndoRec(restore, index + 1, iter);
    const block = this.#curr;
    this.#curr = prev;
    const [lorig, lsave] = restore[index]!;
    this.#append({ type: 'WithStmt', local: lorig, path: [], value: op(lsave), block });
  }

  #planExprTerm(t: Term, iter: Iter): void {
    if (t.kind === 'boolean') {
      if (!t.value) this.#append({ type: 'BreakStmt', index: 0 });
      iter();
      return;
    }
    if (t.kind === 'ref' || t.kind === 'var') {
      this.#planTerm(t, () => {
        this.#append({ type: 'NotEqualStmt', a: this.#ltarget, b: opBool(false) });
        iter();
      });
      return;
    }
    iter();
  }

  #planEvery(e: Extract<Expr['value'], { kind: 'every' }>, iter: Iter): void {
    const cond0 = this.#newLocal();
    const cond1 = this.#newLocal();
    this.#append({ type: 'ResetLocalStmt', target: cond0 });
    this.#planTerm(e.domain, () => {
      const src = this.#ltarget;
      const check = (s: ir.Stmt): MBlock => ({ stmts: [s, { type: 'BreakStmt', index: 1 }] });
      this.#append({
        type: 'BlockStmt',
        blocks: [{
          stmts: [
            { type: 'BlockStmt', blocks: [check({ type: 'IsArrayStmt', source: src }), check({ type: 'IsObjectStmt', source: src }), check({ type: 'IsSetStmt', source: src })] },
            { type: 'BreakStmt', index: 1 },
          ],
        }],
      });
      const key = e.key ?? varTerm(`$every${this.#genCounter++}`);
      this.#planScan(key, () => {
        this.#append({ type: 'ResetLocalStmt', target: cond1 });
        const nested: MBlock = { stmts: [] };
        const prev = this.#curr;
        this.#curr = nested;
        const lval = this.#ltarget;
        this.#vars.push();
        this.#planUnifyLocal(lval, e.value, () => {
          this.#planBody(e.body, 0, () => {
            this.#append({ type: 'AssignVarStmt', source: opBool(true), target: cond1 });
          });
        });
        this.#vars.pop();
        this.#curr = prev;
        this.#append({ type: 'BlockStmt', blocks: [nested] });
        this.#append({ type: 'IsUndefinedStmt', source: cond1 });
        this.#append({ type: 'AssignVarStmt', source: opBool(true), target: cond0 });
      });
    });
    this.#append({ type: 'IsUndefinedStmt', source: cond0 });
    iter();
  }

  #defaultOperands(): ir.Operand[] {
    return this.#funcStack.vars().map((name) => {
      const l = this.#vars.get(name);
      return l === undefined ? op(this.#newLocal()) : op(l);
    });
  }

  #planExprCall(operator: string, path: readonly string[] | null, operands: readonly Term[], iter: Iter): void {
    if (operator === 'eq' || operator === 'assign') {
      this.#planUnify(operands[0]!, operands[1]!, iter);
      return;
    }
    const mock = this.#mocks.lookup(operator);
    const node = path !== null ? (this.#hidden.get(path.join('.')) ?? this.#rules.lookup(path)) : null;
    if (mock !== undefined) {
      const declArity = (): number => {
        if (node !== null) return node.arity();
        const bi = this.#options.builtin(operator);
        if (bi !== undefined) return bi.arity;
        throw new PlanError(`Cannot plan call: unknown function "${operator}"`, this.#loc);
      };
      const replacement = mock.term;
      if (mock.builtin !== null) {
        const bi = this.#options.builtin(mock.builtin);
        if (bi === undefined) throw new PlanError(`Cannot plan "with": unknown replacement "${mock.builtin}"`, this.#loc);
        this.#useBuiltin(mock.builtin, bi);
        return this.#planExprCallFunc(mock.builtin, bi.arity, bi.void, operands, [], iter);
      }
      if (replacement.kind === 'var') return this.#planExprCallValue(replacement, declArity(), operands, iter);
      if (replacement.kind === 'ref' && replacement.terms[0]?.kind === 'var' && replacement.terms[0].name === 'data') {
        const rpath = stringPrefix(replacement.terms);
        const rnode = rpath.length === replacement.terms.length ? this.#rules.lookup(rpath) : null;
        if (rnode !== null && rnode.arity() > 0) {
          this.#mocks.push();
          const name = this.#planRules(rnode.getRules());
          this.#mocks.pop();
          return this.#planExprCallFunc(name, rnode.arity(), false, operands, this.#defaultOperands(), iter);
        }
      }
      return this.#planExprCallValue(replacement, declArity(), operands, iter);
    }
    if (node !== null && node.getRules().length > 0) {
      const name = this.#planRules(node.getRules());
      const arity = node.arity();
      this.#checkArity(operator, arity, operands.length);
      return this.#planExprCallFunc(name, arity, false, operands, this.#defaultOperands(), iter);
    }
    const bi = this.#options.builtin(operator);
    if (bi === undefined) throw new PlanError(`Cannot plan call: unknown function "${operator}"`, this.#loc);
    this.#useBuiltin(operator, bi);
    this.#checkArity(operator, bi.arity, operands.length);
    if (bi.relation) return this.#planExprCallRelation(operator, bi.arity, operands, iter);
    this.#planExprCallFunc(operator, bi.arity, bi.void, operands, [], iter);
  }

  #checkArity(operator: string, arity: number, got: number): void {
    if (got < arity || got > arity + 1) throw new PlanError(`Cannot plan call of "${operator}": got ${got} arguments, want ${arity}`, this.#loc);
  }

  #useBuiltin(name: string, bi: PlanBuiltin): void {
    if (!bi.native) this.#externs.set(name, bi.arity);
  }

  #planExprCallRelation(name: string, arity: number, operands: readonly Term[], iter: Iter): void {
    if (operands.length === arity) {
      this.#planCallArgs(operands, 0, [], (args) => {
        const target = this.#newLocal();
        this.#append({ type: 'CallStmt', func: name, args, result: target });
        const lsize = this.#newLocal();
        this.#append({ type: 'LenStmt', source: op(target), target: lsize });
        const lzero = this.#newLocal();
        this.#append({ type: 'MakeNumberIntStmt', value: 0n, target: lzero });
        this.#append({ type: 'NotEqualStmt', a: op(lsize), b: op(lzero) });
        iter();
      });
      return;
    }
    this.#planCallArgs(operands.slice(0, -1), 0, [], (args) => {
      const target = this.#newLocal();
      this.#append({ type: 'CallStmt', func: name, args, result: target });
      this.#ltarget = op(target);
      this.#planScanValues(operands[operands.length - 1]!, () => iter());
    });
  }

  #planExprCallFunc(name: string, arity: number, isVoid: boolean, operands: readonly Term[], args: ir.Operand[], iter: Iter): void {
    if (operands.length === arity) {
      this.#planCallArgs(operands, 0, args, (all) => {
        const target = this.#newLocal();
        this.#ltarget = op(target);
        this.#append({ type: 'CallStmt', func: name, args: all, result: target });
        if (!isVoid) this.#append({ type: 'NotEqualStmt', a: op(target), b: opBool(false) });
        iter();
      });
      return;
    }
    if (operands.length === arity + 1) {
      this.#planCallArgs(operands.slice(0, -1), 0, args, (all) => {
        const result = this.#newLocal();
        this.#append({ type: 'CallStmt', func: name, args: all, result });
        this.#planUnifyLocal(op(result), operands[operands.length - 1]!, iter);
      });
      return;
    }
    throw new PlanError(`Cannot plan call of "${name}": arity mismatch`, this.#loc);
  }

  #planExprCallValue(value: Term, arity: number, operands: readonly Term[], iter: Iter): void {
    if (operands.length === arity) {
      this.#planCallArgs(operands, 0, [], () => {
        this.#planTerm(value, () => {
          this.#append({ type: 'NotEqualStmt', a: this.#ltarget, b: opBool(false) });
          iter();
        });
      });
      return;
    }
    if (operands.length === arity + 1) {
      this.#planCallArgs(operands.slice(0, -1), 0, [], () => {
        this.#planTerm(value, () => this.#planUnifyLocal(this.#ltarget, operands[operands.length - 1]!, iter));
      });
      return;
    }
    throw new PlanError('Cannot plan replacement: arity mismatch', this.#loc);
  }

  #planCallArgs(terms: readonly Term[], idx: number, args: ir.Operand[], iter: (args: ir.Operand[]) => void): void {
    if (idx >= terms.length) {
      iter(args);
      return;
    }
    this.#planTerm(terms[idx]!, () => this.#planCallArgs(terms, idx + 1, [...args, this.#ltarget], iter));
  }

  // ---------------------------------------------------------------------------------------------
  // Unification

  #planUnify(a: Term, b: Term, iter: Iter): void {
    switch (a.kind) {
      case 'var':
        return this.#planUnifyVar(a.name, b, iter);
      case 'array':
        switch (b.kind) {
          case 'var': return this.#planUnifyVar(b.name, a, iter);
          case 'array':
            if (a.items.length === b.items.length) this.#planUnifyArraysRec(a.items, b.items, 0, iter);
            return;
          case 'ref': case 'arrayCompr':
            return this.#planTerm(b, () => this.#planUnifyLocalArray(this.#ltarget, a.items, iter));
          default:
            return;
        }
      case 'object':
        switch (b.kind) {
          case 'var': return this.#planUnifyVar(b.name, a, iter);
          case 'object': return this.#planUnifyObjects(a.entries, b.entries, iter);
          case 'ref': case 'objectCompr':
            return this.#planTerm(b, () => this.#planUnifyLocalObject(this.#ltarget, a.entries, iter));
          default:
            return;
        }
      default:
        return this.#planTerm(a, () => this.#planUnifyLocal(this.#ltarget, b, iter));
    }
  }

  #planUnifyVar(a: string, b: Term, iter: Iter): void {
    const la = this.#vars.get(a);
    if (la !== undefined) return this.#planUnifyLocal(op(la), b, iter);
    this.#planTerm(b, () => {
      const la2 = this.#vars.get(a);
      if (la2 !== undefined) this.#append({ type: 'EqualStmt', a: op(la2), b: this.#ltarget });
      else {
        const target = this.#newLocal();
        this.#vars.put(a, target);
        this.#append({ type: 'AssignVarStmt', source: this.#ltarget, target });
      }
      iter();
    });
  }

  #planUnifyLocal(a: ir.Operand, b: Term, iter: Iter): void {
    if (a.kind === 'string' && b.kind === 'string') {
      if (a.index !== this.#stringConst(b.value)) this.#append({ type: 'BreakStmt', index: 0 });
      iter();
      return;
    }
    if (a.kind === 'bool' && b.kind === 'boolean') {
      if (a.value !== b.value) this.#append({ type: 'BreakStmt', index: 0 });
      iter();
      return;
    }
    switch (b.kind) {
      case 'var': {
        const lv = this.#vars.get(b.name);
        if (lv !== undefined) {
          this.#append({ type: 'EqualStmt', a, b: op(lv) });
          iter();
          return;
        }
        const target = this.#newLocal();
        this.#vars.put(b.name, target);
        this.#append({ type: 'AssignVarStmt', source: a, target });
        iter();
        return;
      }
      case 'array': return this.#planUnifyLocalArray(a, b.items, iter);
      case 'object': return this.#planUnifyLocalObject(a, b.entries, iter);
      default:
        this.#planTerm(b, () => {
          this.#append({ type: 'EqualStmt', a, b: this.#ltarget });
          iter();
        });
    }
  }

  #planUnifyLocalArray(a: ir.Operand, b: readonly Term[], iter: Iter): void {
    this.#append({ type: 'IsArrayStmt', source: a });
    const blen = this.#newLocal();
    const alen = this.#newLocal();
    this.#append({ type: 'LenStmt', source: a, target: alen });
    this.#append({ type: 'MakeNumberIntStmt', value: BigInt(b.length), target: blen });
    this.#append({ type: 'EqualStmt', a: op(alen), b: op(blen) });
    const lkey = this.#newLocal();
    this.#append({ type: 'MakeNumberIntStmt', value: 0n, target: lkey });
    const lval = this.#newLocal();
    const rec = (index: number): void => {
      if (index === b.length) return iter();
      this.#append({ type: 'AssignIntStmt', value: index, target: lkey });
      this.#append({ type: 'DotStmt', source: a, key: op(lkey), target: lval });
      this.#planUnifyLocal(op(lval), b[index]!, () => rec(index + 1));
    };
    rec(0);
  }

  #planUnifyLocalObject(a: ir.Operand, b: readonly (readonly [Term, Term])[], iter: Iter): void {
    this.#append({ type: 'IsObjectStmt', source: a });
    const blen = this.#newLocal();
    const alen = this.#newLocal();
    this.#append({ type: 'LenStmt', source: a, target: alen });
    this.#append({ type: 'MakeNumberIntStmt', value: BigInt(b.length), target: blen });
    this.#append({ type: 'EqualStmt', a: op(alen), b: op(blen) });
    const rec = (index: number): void => {
      if (index === b.length) return iter();
      const [k, val] = b[index]!;
      this.#planTerm(k, () => {
        const lval = this.#newLocal();
        this.#append({ type: 'DotStmt', source: a, key: this.#ltarget, target: lval });
        this.#planUnifyLocal(op(lval), val, () => rec(index + 1));
      });
    };
    rec(0);
  }

  #planUnifyArraysRec(a: readonly Term[], b: readonly Term[], index: number, iter: Iter): void {
    if (index === a.length) return iter();
    this.#planUnify(a[index]!, b[index]!, () => this.#planUnifyArraysRec(a, b, index + 1, iter));
  }

  #planUnifyObjects(a: readonly (readonly [Term, Term])[], b: readonly (readonly [Term, Term])[], iter: Iter): void {
    if (a.length !== b.length) return;
    const bmap = new Map(b.map(([k, x]) => [termKey(k), x] as const));
    const common = a.filter(([k]) => bmap.has(termKey(k)));
    const onlyA = a.filter(([k]) => !bmap.has(termKey(k))).map(([k]) => k);
    const rec = (index: number): void => {
      if (index < common.length) {
        const [k, x] = common[index]!;
        this.#planUnify(x, bmap.get(termKey(k))!, () => rec(index + 1));
        return;
      }
      if (onlyA.length === 0) return iter();
      // Keys that differ as terms (variables) may still be equal as values: compare by lookup.
      this.#planTerm({ kind: 'object', entries: a }, () => {
        const la = this.#ltarget;
        this.#planTerm({ kind: 'object', entries: b }, () => {
          const lb = this.#ltarget;
          const l0 = this.#newLocal();
          const l1 = this.#newLocal();
          const keys = (i: number): void => {
            if (i === onlyA.length) return iter();
            this.#planTerm(onlyA[i]!, () => {
              this.#append({ type: 'DotStmt', source: la, key: this.#ltarget, target: l0 });
              this.#append({ type: 'DotStmt', source: lb, key: this.#ltarget, target: l1 });
              this.#append({ type: 'EqualStmt', a: op(l0), b: op(l1) });
              keys(i + 1);
            });
          };
          keys(0);
        });
      });
    };
    rec(0);
  }

  // ---------------------------------------------------------------------------------------------
  // Terms

  #planTerm(t: Term, iter: Iter): void {
    switch (t.kind) {
      case 'null': {
        const target = this.#newLocal();
        this.#append({ type: 'MakeNullStmt', target });
        this.#ltarget = op(target);
        return iter();
      }
      case 'boolean':
        this.#ltarget = opBool(t.value);
        return iter();
      case 'number': {
        const target = this.#newLocal();
        if (/^-?\d+$/.test(t.text) && Number.isSafeInteger(Number(t.text))) this.#append({ type: 'MakeNumberIntStmt', value: BigInt(t.text), target });
        else this.#append({ type: 'MakeNumberRefStmt', index: this.#stringConst(t.text), target });
        this.#ltarget = op(target);
        return iter();
      }
      case 'string':
        this.#ltarget = this.#strOp(t.value);
        return iter();
      case 'var': {
        let l = this.#vars.get(t.name);
        if (l === undefined) l = this.#newLocal();
        this.#ltarget = op(l);
        return iter();
      }
      case 'ref':
        return this.#planRef(t.terms, iter);
      case 'array': {
        const larr = this.#newLocal();
        this.#append({ type: 'MakeArrayStmt', capacity: t.items.length, target: larr });
        const rec = (i: number): void => {
          if (i === t.items.length) {
            this.#ltarget = op(larr);
            return iter();
          }
          this.#planTerm(t.items[i]!, () => {
            this.#append({ type: 'ArrayAppendStmt', array: larr, value: this.#ltarget });
            rec(i + 1);
          });
        };
        return rec(0);
      }
      case 'object': {
        const lobj = this.#newLocal();
        this.#append({ type: 'MakeObjectStmt', target: lobj });
        const rec = (i: number): void => {
          if (i === t.entries.length) {
            this.#ltarget = op(lobj);
            return iter();
          }
          const [k, val] = t.entries[i]!;
          this.#planTerm(k, () => {
            const lkey = this.#ltarget;
            this.#planTerm(val, () => {
              this.#append({ type: 'ObjectInsertStmt', object: lobj, key: lkey, value: this.#ltarget });
              rec(i + 1);
            });
          });
        };
        return rec(0);
      }
      case 'set':
        return this.#planSet(t.items, iter);
      case 'setCompr': {
        const lset = this.#newLocal();
        this.#append({ type: 'MakeSetStmt', target: lset });
        return this.#planComprehension(t.body, () => this.#planTerm(t.term, () => this.#append({ type: 'SetAddStmt', set: lset, value: this.#ltarget })), lset, iter);
      }
      case 'arrayCompr': {
        const larr = this.#newLocal();
        this.#append({ type: 'MakeArrayStmt', capacity: 0, target: larr });
        return this.#planComprehension(t.body, () => this.#planTerm(t.term, () => this.#append({ type: 'ArrayAppendStmt', array: larr, value: this.#ltarget })), larr, iter);
      }
      case 'objectCompr': {
        const lobj = this.#newLocal();
        this.#append({ type: 'MakeObjectStmt', target: lobj });
        return this.#planComprehension(t.body, () => this.#planTerm(t.key, () => {
          const lkey = this.#ltarget;
          this.#planTerm(t.value, () => this.#append({ type: 'ObjectInsertOnceStmt', object: lobj, key: lkey, value: this.#ltarget }));
        }), lobj, iter);
      }
    }
  }

  #planSet(items: readonly Term[], iter: Iter): void {
    const lset = this.#newLocal();
    this.#append({ type: 'MakeSetStmt', target: lset });
    const rec = (i: number): void => {
      if (i === items.length) {
        this.#ltarget = op(lset);
        return iter();
      }
      this.#planTerm(items[i]!, () => {
        this.#append({ type: 'SetAddStmt', set: lset, value: this.#ltarget });
        rec(i + 1);
      });
    };
    rec(0);
  }

  #planComprehension(body: Body, closureIter: Iter, target: ir.Local, iter: Iter): void {
    this.#vars.push();
    const prev = this.#curr;
    const block: MBlock = { stmts: [] };
    this.#curr = block;
    const ploc = this.#loc;
    this.#planBody(body, 0, closureIter);
    this.#curr = prev;
    this.#loc = ploc;
    this.#vars.pop();
    this.#append({ type: 'BlockStmt', blocks: [block] });
    this.#ltarget = op(target);
    iter();
  }

  #planTermSlice(terms: readonly Term[], iter: (locals: ir.Operand[]) => void): void {
    const locals: ir.Operand[] = [];
    const rec = (i: number): void => {
      if (i >= terms.length) return iter(locals);
      this.#planTerm(terms[i]!, () => {
        locals[i] = this.#ltarget;
        rec(i + 1);
      });
    };
    rec(0);
  }

  // ---------------------------------------------------------------------------------------------
  // References

  #planRef(ref: readonly Term[], iter: Iter): void {
    const head = ref[0]!;
    if (head.kind !== 'var') throw new PlanError('Cannot plan ref: non-var head', this.#loc);
    if (head.name === 'data') {
      const virtual = this.#rules.get('data');
      const base: BasePtr = { local: this.#vars.get('data') ?? ir.LOCAL_DATA, path: [] };
      return this.#planRefData(virtual, base, ref, 1, iter);
    }
    const l = this.#vars.get(head.name);
    if (ref.length === 1 && head.name === 'input') this.#append({ type: 'IsDefinedStmt', source: l ?? ir.LOCAL_INPUT });
    if (l === undefined) throw new PlanError(`Cannot plan ref: unsafe head "${head.name}"`, this.#loc);
    this.#ltarget = op(l);
    this.#planRefRec(ref, 1, iter);
  }

  /**
   * Plans `ref[index:]` from the last target. With `dataKeys` (walking the base `data` document) an
   * integer key also matches the object key spelled as that number, as OPA's storage paths do.
   */
  #planRefRec(ref: readonly Term[], index: number, iter: Iter, dataKeys = false): void {
    if (ref.length === index) return iter();
    const key = ref[index]!;
    if (dataKeys && key.kind === 'number' && /^-?\d+$/.test(key.text)) {
      this.#planDotDataKey(key.text, () => this.#planRefRec(ref, index + 1, iter, dataKeys));
      return;
    }
    if (!this.#unseenVars(key)) {
      this.#planDot(key, () => this.#planRefRec(ref, index + 1, iter, dataKeys));
      return;
    }
    this.#planScan(key, () => this.#planRefRec(ref, index + 1, iter, dataKeys));
  }

  /** Dot with an integer key into base data: the array index, else the object key of that spelling. */
  #planDotDataKey(text: string, iter: Iter): void {
    const source = this.#ltarget;
    const num = this.#newLocal();
    this.#append({ type: 'MakeNumberIntStmt', value: BigInt(text), target: num });
    const target = this.#newLocal();
    const attempt = (key: ir.Operand): MBlock => ({
      stmts: [this.#withLoc({ type: 'DotStmt', source, key, target }), this.#withLoc({ type: 'BreakStmt', index: 1 })],
    });
    const outer: MBlock = {
      stmts: [
        { type: 'BlockStmt', blocks: [attempt(op(num))] },
        { type: 'BlockStmt', blocks: [attempt(this.#strOp(text))] },
        this.#withLoc({ type: 'BreakStmt', index: 1 }),
      ],
    };
    this.#append({ type: 'BlockStmt', blocks: [outer] });
    this.#ltarget = op(target);
    iter();
  }

  #unseenVars(t: Term): boolean {
    let unseen = false;
    forEachVar(t, (n) => {
      if (this.#vars.get(n) === undefined) unseen = true;
    });
    return unseen;
  }

  #planRefData(virtual: RuleTrie | null, base: BasePtr | null, ref: readonly Term[], index: number, iter: Iter): void {
    if (index >= ref.length) return this.#planRefDataExtent(virtual, base, iter);
    const operand = ref[index]!;
    if (isGround(operand)) {
      const vchild = virtual !== null && operand.kind === 'string' ? virtual.get(operand.value) : null;
      const rules = vchild?.getRules() ?? [];
      if (rules.length > 0) {
        const target = this.#newLocal();
        const name = this.#planRules(rules);
        this.#append({ type: 'CallStmt', func: name, args: this.#defaultOperands(), result: target });
        this.#ltarget = op(target);
        return this.#planRefRec(ref, index + 1, iter);
      }
      const bchild: BasePtr | null = base === null ? null : { local: base.local, path: [...base.path, operand] };
      if (vchild === null && bchild === null) return;
      return this.#planRefData(vchild, bchild, ref, index + 1, iter);
    }
    const exclude: Term[] = [];
    if (virtual !== null) {
      const stmt = { type: 'BlockStmt' as const, blocks: [] as MBlock[] };
      for (const child of virtual.children()) {
        if (isHidden(child)) continue;
        const block: MBlock = { stmts: [] };
        const prev = this.#curr;
        this.#curr = block;
        const key = str(child);
        exclude.push(key);
        this.#vars.push();
        this.#planTerm(key, () => {
          this.#planUnifyLocal(this.#ltarget, operand, () => {
            const cpy = [...ref];
            cpy[index] = key;
            this.#planRefData(virtual, base, cpy, index, iter);
          });
        });
        this.#vars.pop();
        this.#curr = prev;
        stmt.blocks.push(block);
      }
      this.#append(stmt);
    }
    if (base === null) return;
    if (exclude.length > 0) {
      this.#planSet(exclude, () => {
        const lexclude = this.#ltarget;
        this.#ltarget = op(base.local);
        this.#planRefRec(base.path, 0, () => {
          this.#planScan(operand, (lkey) => {
            const lignore = this.#newLocal();
            this.#append({ type: 'NotStmt', block: this.#blockWith({ type: 'DotStmt', source: lexclude, key: op(lkey), target: lignore }) });
            this.#planRefData(null, { local: this.#targetLocal(), path: [] }, ref, index + 1, iter);
          });
        }, true);
      });
      return;
    }
    this.#ltarget = op(base.local);
    const path = [...base.path, operand];
    this.#planRefRec(path, 0, () => this.#planRefData(null, { local: this.#targetLocal(), path: [] }, ref, index + 1, iter), true);
  }

  #planRefDataExtent(virtual: RuleTrie | null, base: BasePtr | null, iter: Iter): void {
    const vtarget = this.#newLocal();
    if (virtual !== null) {
      this.#append({ type: 'MakeObjectStmt', target: vtarget });
      for (const key of virtual.children()) {
        const child = virtual.get(key)!;
        if (child.arity() > 0 || isHidden(key)) continue;
        const rules = child.getRules();
        const lkey = this.#strOp(key);
        if (rules.length === 0) {
          this.#planRefDataExtent(child, null, () => {
            this.#append({ type: 'ObjectInsertStmt', object: vtarget, key: lkey, value: this.#ltarget });
          });
          continue;
        }
        const lvalue = this.#newLocal();
        const name = this.#planRules(rules);
        const b: MBlock = { stmts: [] };
        this.#appendTo(b, { type: 'CallStmt', func: name, args: this.#defaultOperands(), result: lvalue });
        this.#appendTo(b, { type: 'ObjectInsertStmt', object: vtarget, key: lkey, value: op(lvalue) });
        this.#append({ type: 'BlockStmt', blocks: [b] });
      }
      if (base === null) {
        this.#ltarget = op(vtarget);
        return iter();
      }
    }
    if (base === null) return;
    const prev = this.#curr;
    this.#curr = { stmts: [] };
    this.#ltarget = op(base.local);
    let target = this.#newLocal();
    this.#planRefRec(base.path, 0, () => {
      if (virtual === null) target = this.#targetLocal();
      else this.#append({ type: 'ObjectMergeStmt', a: this.#targetLocal(), b: vtarget, target });
      this.#append({ type: 'BreakStmt', index: 1 });
    }, true);
    const inner = this.#curr;
    this.#curr = { stmts: [] };
    this.#append({ type: 'BlockStmt', blocks: [inner] });
    if (virtual !== null) this.#append({ type: 'AssignVarStmt', source: op(vtarget), target });
    else this.#append({ type: 'BreakStmt', index: 1 });
    const outer = this.#curr;
    this.#curr = prev;
    this.#append({ type: 'BlockStmt', blocks: [outer] });
    this.#ltarget = op(target);
    iter();
  }

  #planDot(key: Term, iter: Iter): void {
    const source = this.#ltarget;
    this.#planTerm(key, () => {
      const target = this.#newLocal();
      this.#append({ type: 'DotStmt', source, key: this.#ltarget, target });
      this.#ltarget = op(target);
      iter();
    });
  }

  #planScan(key: Term, iter: LocalIter): void {
    const source = this.#targetLocal();
    const scan = { type: 'ScanStmt' as const, source, key: this.#newLocal(), value: this.#newLocal(), block: { stmts: [] } as MBlock };
    const prev = this.#curr;
    this.#curr = scan.block;
    this.#planUnifyLocal(op(scan.key), key, () => {
      this.#ltarget = op(scan.value);
      iter(scan.key);
    });
    this.#curr = prev;
    this.#append(scan);
  }

  #planScanValues(val: Term, iter: LocalIter): void {
    const source = this.#targetLocal();
    const scan = { type: 'ScanStmt' as const, source, key: this.#newLocal(), value: this.#newLocal(), block: { stmts: [] } as MBlock };
    const prev = this.#curr;
    this.#curr = scan.block;
    this.#planUnifyLocal(op(scan.value), val, () => {
      this.#ltarget = op(scan.value);
      iter(scan.value);
    });
    this.#curr = prev;
    this.#append(scan);
  }

  /** The last target as a local, materialising a constant operand when needed. */
  #targetLocal(): ir.Local {
    const t = this.#ltarget;
    if (t.kind === 'local') return t.local;
    const l = this.#newLocal();
    this.#append({ type: 'AssignVarStmt', source: t, target: l });
    this.#ltarget = op(l);
    return l;
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  #exprVars(e: Expr, f: (name: string) => void): void {
    const value = e.value;
    if (value.kind === 'term') forEachVar(value.term, f);
    else if (value.kind === 'call') for (const a of value.args) forEachVar(a, f);
    else if (value.kind === 'every') forEachVar(value.domain, f);
    else for (const x of value.body) this.#exprVars(x, f);
    for (const w of e.with) forEachVar(w.value, f);
  }

  #stringConst(s: string): number {
    let index = this.#stringIndex.get(s);
    if (index === undefined) {
      index = this.#strings.length;
      this.#strings.push(s);
      this.#stringIndex.set(s, index);
    }
    return index;
  }

  #strOp(s: string): ir.Operand {
    return { kind: 'string', index: this.#stringConst(s) };
  }

  #fileConst(file: string): number {
    let index = this.#fileIndex.get(file);
    if (index === undefined) {
      index = this.#files.length;
      this.#files.push(file);
      this.#fileIndex.set(file, index);
    }
    return index;
  }

  #withLoc(s: ir.Stmt): ir.Stmt {
    if (this.#loc === null) return s;
    (s as { location?: ir.StmtLocation }).location = { file: this.#fileConst(this.#loc.file || '<query>'), row: this.#loc.row, col: this.#loc.col };
    return s;
  }

  #append(s: ir.Stmt): void {
    this.#curr.stmts.push(this.#withLoc(s));
  }

  #appendTo(b: MBlock, s: ir.Stmt): void {
    b.stmts.push(this.#withLoc(s));
  }

  #blockWith(s: ir.Stmt): MBlock {
    return { stmts: [this.#withLoc(s)] };
  }

  #newLocal(): ir.Local {
    return this.#lnext++;
  }
}

/** Packages the compiler adds (`$template`) are not part of any document a policy can see. */
function isHidden(key: string): boolean {
  return key.startsWith('$');
}
