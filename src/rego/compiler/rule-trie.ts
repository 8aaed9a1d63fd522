/**
 * The planner's rule trie: rules keyed by the ground prefix of their head refs (`data`, package
 * segments, rule name), as OPA's planner organises them (`internal/planner/rules.go`).
 *
 * A node holding rules absorbs every rule below it (`a.b[x]` and `a.b.c` plan as one function for
 * `a.b`). Each child slot is a stack so `with data.x as …` can shadow a subtree while the rules that
 * depend on it are replanned, and restore it afterwards.
 */
import type { Rule, Term } from './core.ts';

/** The ground string prefix of a ref (`data.a.b[x].c` gives `data`, `a`, `b`). */
export function stringPrefix(ref: readonly Term[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ref.length; i++) {
    const t = ref[i]!;
    if (i === 0 && t.kind === 'var') out.push(t.name);
    else if (t.kind === 'string') out.push(t.value);
    else break;
  }
  return out;
}

/** A node of the rule trie. */
export class RuleTrie {
  readonly #children = new Map<string, (RuleTrie | null)[]>();
  rules: Rule[] | null = null;

  /** Number of function arguments of the rules at this node (0 for documents). */
  arity(): number {
    const rules = this.getRules();
    return rules.length > 0 ? (rules[0]!.args?.length ?? 0) : 0;
  }

  /** The rules at this node plus one layer of children's rules (OPA's `Rules()`). */
  getRules(): Rule[] {
    if (this.rules === null) return [];
    const out = [...this.rules];
    for (const stack of this.#children.values()) {
      const top = stack[stack.length - 1];
      if (top?.rules) out.push(...top.rules);
    }
    return out;
  }

  get(key: string): RuleTrie | null {
    const stack = this.#children.get(key);
    if (!stack || stack.length === 0) return null;
    return stack[stack.length - 1] ?? null;
  }

  /** Child keys that are visible (not shadowed), sorted. */
  children(): string[] {
    const out: string[] = [];
    for (const key of this.#children.keys()) if (this.get(key) !== null) out.push(key);
    return out.sort(compareStrings);
  }

  childCount(): number {
    return this.#children.size;
  }

  clearChildren(): void {
    this.#children.clear();
  }

  insert(key: readonly string[]): RuleTrie {
    if (key.length === 0) return this;
    const elem = key[0]!;
    let child = this.get(elem);
    if (child === null) {
      child = new RuleTrie();
      const stack = this.#children.get(elem) ?? [];
      stack.push(child);
      this.#children.set(elem, stack);
    }
    return child.insert(key.slice(1));
  }

  lookup(key: readonly string[]): RuleTrie | null {
    if (key.length === 0) return this;
    const child = this.get(key[0]!);
    return child === null ? null : child.lookup(key.slice(1));
  }

  /** The shallowest node on the path that holds rules, else the node at the end of the path. */
  lookupShallowest(key: readonly string[]): RuleTrie | null {
    if (key.length === 0) return this;
    const child = this.get(key[0]!);
    if (child === null) return null;
    if (child.rules !== null && child.rules.length > 0) return child;
    return child.lookupShallowest(key.slice(1));
  }

  lookupOrInsert(key: readonly string[]): RuleTrie {
    return this.lookupShallowest(key) ?? this.insert(key);
  }

  descendantRules(): Rule[] {
    const out = [...(this.rules ?? [])];
    for (const stack of this.#children.values()) for (const child of stack) if (child) out.push(...child.descendantRules());
    return out;
  }

  /** Shadows the subtree at `key` (used while planning `with data.…`). */
  push(key: readonly string[]): void {
    const node = this.lookup(key.slice(0, -1));
    if (node === null) return;
    const last = key[key.length - 1]!;
    const stack = node.#children.get(last) ?? [];
    stack.push(null);
    node.#children.set(last, stack);
  }

  pop(key: readonly string[]): void {
    const node = this.lookup(key.slice(0, -1));
    if (node === null) return;
    node.#children.get(key[key.length - 1]!)?.pop();
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
