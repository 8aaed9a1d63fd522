/**
 * The compiler's core language: Rego after name resolution and rewriting, the form the planner reads.
 *
 * It plays the role of OPA's `ast` package after the compiler stages ran (refs resolved to `data.…`,
 * locals renamed apart, nested calls hoisted into their own expressions, bodies reordered for safety),
 * so the planner can follow OPA's planning strategy without re-deriving any of that. Names the
 * compiler generates start with `$`, which Rego identifiers never contain.
 */

/** Where a node came from: a file name and a 1-based row and column. */
export interface CoreLocation {
  readonly file: string;
  readonly row: number;
  readonly col: number;
}

export type Term =
  | { readonly kind: 'null' }
  | { readonly kind: 'boolean'; readonly value: boolean }
  /** `text` is the number as written (canonical decimal or exponent form). */
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'var'; readonly name: string }
  /** `terms[0]` is a var (`data`, `input` or a local); the rest are operands. */
  | { readonly kind: 'ref'; readonly terms: readonly Term[] }
  | { readonly kind: 'array'; readonly items: readonly Term[] }
  | { readonly kind: 'set'; readonly items: readonly Term[] }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [Term, Term])[] }
  | { readonly kind: 'arrayCompr'; readonly term: Term; readonly body: Body }
  | { readonly kind: 'setCompr'; readonly term: Term; readonly body: Body }
  | { readonly kind: 'objectCompr'; readonly key: Term; readonly value: Term; readonly body: Body };

/**
 * A `with` modifier. Document targets (`input.x`, `data.a.b`) carry the ref's terms; function and
 * builtin targets carry the operator as calls spell it (`count`, `http.send`, `data.pkg.f`).
 */
export type With =
  | { readonly kind: 'document'; readonly target: readonly Term[]; readonly value: Term }
  /** `builtin` is set when the replacement is itself a builtin (`with count as object.union_n`). */
  | { readonly kind: 'function'; readonly operator: string; readonly path: readonly string[] | null; readonly value: Term; readonly builtin: string | null };

/**
 * One body expression. `call.operator` is a builtin name (`count`, `plus`, `eq`, `internal.member_2`)
 * or a data function path (`data.pkg.f`).
 */
export type ExprValue =
  | { readonly kind: 'term'; readonly term: Term }
  /** `path` is set for calls of data functions (`['data', 'pkg', 'f']`); `operator` is then its dotted form. */
  | { readonly kind: 'call'; readonly operator: string; readonly path: readonly string[] | null; readonly args: readonly Term[] }
  | { readonly kind: 'every'; readonly key: Term | null; readonly value: Term; readonly domain: Term; readonly body: Body }
  /** Several expressions that stand for one source expression (a negated or `with`-modified one whose nested calls were hoisted). */
  | { readonly kind: 'body'; readonly body: Body };

export interface Expr {
  readonly value: ExprValue;
  readonly negated: boolean;
  readonly with: readonly With[];
  readonly location: CoreLocation;
}

export type Body = readonly Expr[];

/**
 * A rule, OPA-style: `ref` is the full head ref from `data` (`data.pkg.p`, `data.pkg.a.b[x]`);
 * single-value rules carry `value`, multi-value (`contains`) rules carry `key`.
 */
export interface Rule {
  readonly ref: readonly Term[];
  readonly kind: 'single' | 'multi';
  readonly args: readonly Term[] | null;
  readonly key: Term | null;
  readonly value: Term | null;
  readonly body: Body;
  readonly isDefault: boolean;
  readonly else: Rule | null;
  readonly location: CoreLocation;
}

/** A module after resolution: its package path (`['data', 'a', 'b']`) and rules. */
export interface CoreModule {
  readonly packagePath: readonly string[];
  readonly rules: readonly Rule[];
}

/** A query to plan as an entrypoint; `vars` maps rewritten names to the names the caller sees. */
export interface CoreQuery {
  readonly name: string;
  readonly body: Body;
  readonly resultVars: ReadonlyMap<string, string>;
}

export const NULL: Term = { kind: 'null' };
export const TRUE: Term = { kind: 'boolean', value: true };

/** A var term. */
export function v(name: string): Term {
  return { kind: 'var', name };
}

/** A string term. */
export function s(value: string): Term {
  return { kind: 'string', value };
}

/** True for names the compiler generated (never visible in results). */
export function isGenerated(name: string): boolean {
  return name.startsWith('$');
}

/** True when the term contains no vars (comprehensions count as non-ground). */
export function isGround(t: Term): boolean {
  switch (t.kind) {
    case 'null': case 'boolean': case 'number': case 'string': return true;
    case 'var': return false;
    case 'ref': return t.terms.every(isGround);
    case 'array': case 'set': return t.items.every(isGround);
    case 'object': return t.entries.every(([k, x]) => isGround(k) && isGround(x));
    default: return false;
  }
}

/** Calls `f` for every var in `t`, not descending into comprehension bodies. */
export function forEachVar(t: Term, f: (name: string) => void): void {
  switch (t.kind) {
    case 'var': f(t.name); return;
    case 'ref': for (const x of t.terms) forEachVar(x, f); return;
    case 'array': case 'set': for (const x of t.items) forEachVar(x, f); return;
    case 'object': for (const [k, x] of t.entries) { forEachVar(k, f); forEachVar(x, f); } return;
    default: return;
  }
}

/** Renders a term as Rego-like text for messages and keys. */
export function termToString(t: Term): string {
  switch (t.kind) {
    case 'null': return 'null';
    case 'boolean': return String(t.value);
    case 'number': return t.text;
    case 'string': return JSON.stringify(t.value);
    case 'var': return t.name;
    case 'ref': return t.terms.map((x, i) => (i === 0 ? termToString(x) : x.kind === 'string' && /^[A-Za-z_]\w*$/.test(x.value) ? `.${x.value}` : `[${termToString(x)}]`)).join('');
    case 'array': return `[${t.items.map(termToString).join(', ')}]`;
    case 'set': return t.items.length === 0 ? 'set()' : `{${t.items.map(termToString).join(', ')}}`;
    case 'object': return `{${t.entries.map(([k, x]) => `${termToString(k)}: ${termToString(x)}`).join(', ')}}`;
    case 'arrayCompr': return `[${termToString(t.term)} | …]`;
    case 'setCompr': return `{${termToString(t.term)} | …}`;
    case 'objectCompr': return `{${termToString(t.key)}: ${termToString(t.value)} | …}`;
  }
}
