/**
 * The planner's shared state and the helpers every planning step uses: the static tables (strings,
 * files, builtins), the functions and plans produced so far, the rule trie, the scopes, and the
 * continuation state (`curr` block, last target `ltarget`, next free local, current location).
 * The planning steps (`plan-rules.ts`, `plan-body.ts`, `plan-with.ts`, `plan-unify.ts`,
 * `plan-terms.ts`, `plan-refs.ts`) are functions over one `PlanState`.
 */
import * as ir from '../ir/ir.ts';
import type { CoreLocation, Term } from './core.ts';
import { forEachVar } from './core.ts';
import { RuleTrie } from './rule-trie.ts';
import { FuncStack, MockStack, VarStack } from './plan-scopes.ts';

/** What the planner needs to know about a builtin. */
export interface PlanBuiltin {
  readonly arity: number;
  readonly relation: boolean;
  readonly void: boolean;
  /** Implemented inside the WASM module: called directly, not imported. */
  readonly native: boolean;
}

/** Options for `Planner`. */
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

/** The rest of the query, planned inside whatever the current step emits. */
export type Iter = () => void;
/** A continuation that also receives the local the step bound. */
export type LocalIter = (local: ir.Local) => void;
/** A block under construction. */
export type MBlock = { stmts: ir.Stmt[] };

/** A local as an operand. */
export const op = (local: ir.Local): ir.Operand => ({ kind: 'local', local });
/** A boolean constant as an operand. */
export const opBool = (value: boolean): ir.Operand => ({ kind: 'bool', value });

/** Packages the compiler adds (`$template`) are not part of any document a policy can see. */
export function isHidden(key: string): boolean {
  return key.startsWith('$');
}

/** A table of distinct strings, each at the index it was first added at. */
class InternTable {
  readonly values: string[] = [];
  readonly #index = new Map<string, number>();

  /** The index of `value`, appending it the first time. */
  intern(value: string): number {
    let index = this.#index.get(value);
    if (index === undefined) {
      index = this.values.length;
      this.values.push(value);
      this.#index.set(value, index);
    }
    return index;
  }
}

/**
 * One planning run's state. The fields are public and mutable on purpose: the planning steps are
 * functions in several modules that save, replace and restore them (`curr`, `ltarget`, `vars`) as
 * they nest continuations, exactly as the methods of one class would.
 */
export class PlanState {
  readonly options: PlanOptions;
  /** String constants (`ir.Static.strings`). */
  readonly strings = new InternTable();
  /** File names of statement locations (`ir.Static.files`). */
  readonly files = new InternTable();
  /** Builtins the module imports, by name, with their arity. */
  readonly externs = new Map<string, number>();
  readonly funcs: ir.Func[] = [];
  readonly plans: ir.Plan[] = [];
  readonly rules = new RuleTrie();
  /** Compiler-added functions by dotted path; they stay callable where `with data as …` shadows the tree. */
  readonly hidden = new Map<string, RuleTrie>();
  readonly funcStack = new FuncStack();
  readonly mocks = new MockStack();
  vars = new VarStack(new Map([['input', ir.LOCAL_INPUT], ['data', ir.LOCAL_DATA]]));
  /** The block statements are appended to. */
  curr: MBlock = { stmts: [] };
  /** Where the last planned term's value is. */
  ltarget: ir.Operand = op(0);
  lnext = ir.LOCAL_FIRST_FREE;
  loc: CoreLocation | null = null;
  genCounter = 0;

  constructor(options: PlanOptions) {
    this.options = options;
  }

  stringConst(s: string): number {
    return this.strings.intern(s);
  }

  strOp(s: string): ir.Operand {
    return { kind: 'string', index: this.stringConst(s) };
  }

  /** Stamps `s` with the current location. */
  withLoc(s: ir.Stmt): ir.Stmt {
    if (this.loc === null) return s;
    (s as { location?: ir.StmtLocation }).location = { file: this.files.intern(this.loc.file || '<query>'), row: this.loc.row, col: this.loc.col };
    return s;
  }

  append(s: ir.Stmt): void {
    this.curr.stmts.push(this.withLoc(s));
  }

  appendTo(b: MBlock, s: ir.Stmt): void {
    b.stmts.push(this.withLoc(s));
  }

  blockWith(s: ir.Stmt): MBlock {
    return { stmts: [this.withLoc(s)] };
  }

  newLocal(): ir.Local {
    return this.lnext++;
  }

  /** The last target as a local, materialising a constant operand when needed. */
  targetLocal(): ir.Local {
    const t = this.ltarget;
    if (t.kind === 'local') return t.local;
    const l = this.newLocal();
    this.append({ type: 'AssignVarStmt', source: t, target: l });
    this.ltarget = op(l);
    return l;
  }

  /** The leading arguments of every rule function call: `input`, `data` and the `with` function vars. */
  defaultOperands(): ir.Operand[] {
    return this.funcStack.vars().map((name) => {
      const l = this.vars.get(name);
      return l === undefined ? op(this.newLocal()) : op(l);
    });
  }

  /** Records a builtin the module must import (native ones are compiled in). */
  useBuiltin(name: string, bi: PlanBuiltin): void {
    if (!bi.native) this.externs.set(name, bi.arity);
  }

  /** @throws PlanError unless there are `arity` arguments, or one more for the output */
  checkArity(operator: string, arity: number, got: number): void {
    if (got < arity || got > arity + 1) throw new PlanError(`Cannot plan call of "${operator}": got ${got} arguments, want ${arity}`, this.loc);
  }

  /** True when `t` mentions a variable not bound yet. */
  unseenVars(t: Term): boolean {
    let unseen = false;
    forEachVar(t, (n) => {
      if (this.vars.get(n) === undefined) unseen = true;
    });
    return unseen;
  }
}
