/**
 * Per-function emission state: IR locals mapped to wasm locals, the label stack that `BreakStmt`
 * indexes, and scratch locals.
 */

/** Per-function state: IR locals → wasm locals, the label stack, scratch locals. */
export class FuncState {
  readonly labels: string[] = [];
  readonly #locals = new Map<number, number>();
  #next: number;

  constructor(params: readonly number[], extraParams: number) {
    params.forEach((local, i) => this.#locals.set(local, i));
    this.#next = params.length + extraParams;
  }

  local(l: number): number {
    let index = this.#locals.get(l);
    if (index === undefined) {
      index = this.#next++;
      this.#locals.set(l, index);
    }
    return index;
  }

  scratch(): number {
    return this.#next++;
  }

  varCount(paramCount: number): number {
    return this.#next - paramCount;
  }
}
