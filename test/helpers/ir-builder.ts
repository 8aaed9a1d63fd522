/**
 * A small builder for hand-written `ir.Policy` values in tests: interns string constants, hands out
 * locals, and spells the statements OPA's planner emits for "add `{"result": x}` to the result set".
 */
import type { Block, BuiltinFunc, Func, Local, Operand, Plan, Policy, Stmt } from '../../src/rego/ir/ir.ts';
import { LOCAL_DATA, LOCAL_INPUT } from '../../src/rego/ir/ir.ts';

export class IrBuilder {
  readonly strings: string[] = [];
  readonly files: string[] = ['policy.rego'];
  readonly plans: Plan[] = [];
  readonly funcs: Func[] = [];
  readonly builtins: BuiltinFunc[] = [];
  #next: Local = 2;

  /** A fresh local. */
  local(): Local {
    return this.#next++;
  }

  /** The string constant `s` as an operand. */
  str(s: string): Operand {
    let index = this.strings.indexOf(s);
    if (index < 0) {
      index = this.strings.length;
      this.strings.push(s);
    }
    return { kind: 'string', index };
  }

  /** Index of the string constant `s`. */
  strIndex(s: string): number {
    const op = this.str(s);
    return op.kind === 'string' ? op.index : -1;
  }

  builtin(name: string, arity: number): void {
    if (!this.builtins.some((b) => b.name === name)) this.builtins.push({ name, arity });
  }

  /** Statements that add `{"result": value}` to the result set. */
  result(value: Local): Stmt[] {
    const obj = this.local();
    return [
      { type: 'MakeObjectStmt', target: obj },
      { type: 'ObjectInsertStmt', object: obj, key: this.str('result'), value: op(value) },
      { type: 'ResultSetAddStmt', value: obj },
    ];
  }

  plan(name: string, ...blocks: Stmt[][]): this {
    this.plans.push({ name, blocks: blocks.map((stmts) => ({ stmts })) });
    return this;
  }

  func(name: string, params: Local[], ret: Local, ...blocks: Stmt[][]): this {
    this.funcs.push({ name, params: [LOCAL_INPUT, LOCAL_DATA, ...params], return: ret, blocks: blocks.map((stmts) => ({ stmts })) });
    return this;
  }

  build(): Policy {
    return { static: { strings: this.strings, builtinFuncs: this.builtins, files: this.files }, plans: this.plans, funcs: this.funcs };
  }
}

/** A local as an operand. */
export function op(local: Local): Operand {
  return { kind: 'local', local };
}

/** A block of statements. */
export function block(...stmts: Stmt[]): Block {
  return { stmts };
}

export { LOCAL_DATA, LOCAL_INPUT };
