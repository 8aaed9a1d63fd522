/**
 * The planner's scopes: variables to locals (`VarStack`, one frame per nested query), the rule
 * functions planned so far per `with` generation (`FuncStack`), and `with` replacements of functions
 * and builtins (`MockStack`).
 */
import type * as ir from '../ir/ir.ts';
import type { Term } from './core.ts';

/** Variables bound to locals, innermost frame last. */
export class VarStack {
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
export class FuncStack {
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
export type Mock = { readonly term: Term; readonly builtin: string | null };

/** Replacement frames for `with f as …` / `with builtin as …`. */
export class MockStack {
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
