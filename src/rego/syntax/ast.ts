/**
 * The Rego v1 abstract syntax tree produced by the parser and consumed by the checks and the planner.
 *
 * The shape follows OPA's own AST (`v1/ast/policy.go`, `term.go`) closely enough that OPA's compiler
 * stages can be mirrored, but it is a plain-data tree: every node is a JSON-serialisable object
 * discriminated on `kind` and carries the `span` of source text it was parsed from. Infix operators
 * are already mapped to their OPA builtin names (`x + y` is a call of `plus`, `x = y` of `eq`,
 * `x := y` of `assign`, `x in xs` of `internal.member_2`), so later passes never look at operator
 * spellings. Numbers keep their exact source text so big integers and decimals survive unchanged.
 *
 * Stability: this file is a contract between the front end and the planner. Changes are additive.
 */

/** A position in a source file. `line` and `col` are 1-based; `col` counts UTF-16 code units. */
export interface Position {
  readonly line: number;
  readonly col: number;
  /** 0-based UTF-16 offset into the source string. */
  readonly offset: number;
}

/** The half-open source range `[start, end)` a node was parsed from. */
export interface Span {
  readonly file: string;
  readonly start: Position;
  readonly end: Position;
}

interface NodeBase {
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Terms
// ---------------------------------------------------------------------------------------------

export interface NullTerm extends NodeBase {
  readonly kind: 'null';
}

export interface BooleanTerm extends NodeBase {
  readonly kind: 'boolean';
  readonly value: boolean;
}

/**
 * A number literal. `text` is the exact spelling (`-12`, `1.5e300`, `123456789012345678901234567890`,
 * `1.0`), always valid JSON: a leading `-` applied directly to a number literal is folded in, as OPA
 * does, and `.5` becomes `0.5`. Convert with care: it may not fit a float64 exactly.
 */
export interface NumberTerm extends NodeBase {
  readonly kind: 'number';
  readonly text: string;
}

/** A string literal with escapes decoded. `raw` is true for backtick strings. */
export interface StringTerm extends NodeBase {
  readonly kind: 'string';
  readonly value: string;
  readonly raw: boolean;
}

/**
 * A variable. `_` is the wildcard: every occurrence is a distinct, fresh variable (OPA rewrites each
 * one to a unique generated name); the parser keeps the name `_` and leaves renaming to later passes.
 * `input` and `data` appear as vars only as the heads of refs (see `RefTerm`).
 */
export interface VarTerm extends NodeBase {
  readonly kind: 'var';
  readonly name: string;
}

/**
 * A reference: a head term followed by a path of terms. `data.a[x].b` is
 * `{ head: var data, path: [string "a", var x, string "b"] }`; `.b` path elements are string terms.
 * The head is usually a var but may be any collection, comprehension or call (`f(x).y`, `[1,2][0]`).
 * The path may be empty in two places: a bare `input` or `data` term is always a ref (as in OPA), and
 * a rule head `p` is `{ head: var p, path: [] }` in `RuleHead.ref`.
 */
export interface RefTerm extends NodeBase {
  readonly kind: 'ref';
  readonly head: Term;
  readonly path: readonly Term[];
}

export interface ArrayTerm extends NodeBase {
  readonly kind: 'array';
  readonly items: readonly Term[];
}

/** One `key: value` pair of an object literal. Keys may be any term (non-string keys are legal). */
export interface ObjectItem extends NodeBase {
  readonly kind: 'object-item';
  readonly key: Term;
  readonly value: Term;
}

export interface ObjectTerm extends NodeBase {
  readonly kind: 'object';
  readonly items: readonly ObjectItem[];
}

/** A set literal `{1, 2}`; `set()` is the empty set (`items: []`). `{}` is an empty object. */
export interface SetTerm extends NodeBase {
  readonly kind: 'set';
  readonly items: readonly Term[];
}

/** `[term | body]` */
export interface ArrayComprehensionTerm extends NodeBase {
  readonly kind: 'array-comprehension';
  readonly term: Term;
  readonly body: Body;
}

/** `{term | body}` */
export interface SetComprehensionTerm extends NodeBase {
  readonly kind: 'set-comprehension';
  readonly term: Term;
  readonly body: Body;
}

/** `{key: value | body}` */
export interface ObjectComprehensionTerm extends NodeBase {
  readonly kind: 'object-comprehension';
  readonly key: Term;
  readonly value: Term;
  readonly body: Body;
}

/** The source spelling of an infix operator, kept for messages and formatting. */
export type InfixOperator =
  | '=' | ':=' | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '+' | '-' | '*' | '/' | '%' | '|' | '&' | 'in';

/**
 * A call of a builtin or user function, written as `name(args)` or as an infix operator.
 *
 * `name` is the dotted operator name: the OPA builtin name for operators (`plus`, `equal`, `eq`,
 * `assign`, `internal.member_2`, `internal.member_3`, ...), the written name for calls
 * (`count`, `object.get`, `data.lib.f`, `f`). `operator` is the operator as a ref (a var for
 * one-segment names), spanning the name as written (or the operator symbol for infix calls).
 * Args are in OPA order: `k, v in xs` is `internal.member_3(k, v, xs)`; `x in xs` is
 * `internal.member_2(x, xs)`. Calls nested in terms are terms of this kind; a call that is a
 * whole expression is wrapped in a `CallExpr`.
 */
export interface CallTerm extends NodeBase {
  readonly kind: 'call';
  readonly name: string;
  readonly operator: RefTerm | VarTerm;
  readonly args: readonly Term[];
  /** Present when the call was written as an infix (or `in`) operator. */
  readonly infix?: InfixOperator;
}

/** Literal text of a template string, escapes decoded. */
export interface TemplateText extends NodeBase {
  readonly kind: 'template-text';
  readonly value: string;
}

/** An interpolated `{expr}` part of a template string (may carry `with` modifiers). */
export interface TemplateExpr extends NodeBase {
  readonly kind: 'template-expr';
  readonly expr: Expr;
}

/**
 * OPA string interpolation: `$"a {x} b"` (or raw `` $`a {x} b` ``). `\{` escapes a brace.
 * Each part is either literal text or an expression; an undefined expression renders as
 * `<undefined>`, as OPA does.
 */
export interface TemplateStringTerm extends NodeBase {
  readonly kind: 'template-string';
  readonly parts: readonly (TemplateText | TemplateExpr)[];
  readonly raw: boolean;
}

/** Scalar terms. */
export type ScalarTerm = NullTerm | BooleanTerm | NumberTerm | StringTerm;

/** Every term kind. */
export type Term =
  | ScalarTerm
  | VarTerm
  | RefTerm
  | ArrayTerm
  | ObjectTerm
  | SetTerm
  | ArrayComprehensionTerm
  | SetComprehensionTerm
  | ObjectComprehensionTerm
  | CallTerm
  | TemplateStringTerm;

// ---------------------------------------------------------------------------------------------
// Expressions (body literals)
// ---------------------------------------------------------------------------------------------

/** `with target as value`. The target is `input`, `data` or a ref under them (or a function ref). */
export interface WithModifier extends NodeBase {
  readonly kind: 'with';
  readonly target: RefTerm | VarTerm;
  readonly value: Term;
}

interface ExprBase extends NodeBase {
  /** True for `not expr`. */
  readonly negated: boolean;
  readonly with: readonly WithModifier[];
}

/** An expression that is a single term (`input.x`, `true`, `x`), true when the term is defined and not false. */
export interface TermExpr extends ExprBase {
  readonly kind: 'term-expr';
  readonly term: Term;
}

/**
 * An expression that is a call: `count(x) > 1` (`gt(count(x), 1)`), `x := 1` (`assign`),
 * `x = y` (`eq`), `f(a, out)` (output-argument form: one more arg than the function's arity).
 */
export interface CallExpr extends ExprBase {
  readonly kind: 'call-expr';
  readonly call: CallTerm;
}

/** `some x, y` — declares local variables. Never negated. */
export interface SomeDeclExpr extends ExprBase {
  readonly kind: 'some-decl';
  readonly vars: readonly VarTerm[];
}

/**
 * `some v in xs` / `some k, v in xs` — declares the variables occurring in `key` / `value` and
 * iterates `collection`. `key` and `value` may be any term (patterns such as `[a, b]` unify).
 */
export interface SomeInExpr extends ExprBase {
  readonly kind: 'some-in';
  readonly key?: Term;
  readonly value: Term;
  readonly collection: Term;
}

/** `every v in xs { body }` / `every k, v in xs { body }`. */
export interface EveryExpr extends ExprBase {
  readonly kind: 'every';
  readonly key?: VarTerm;
  readonly value: VarTerm;
  readonly domain: Term;
  readonly body: Body;
}

/** Every expression kind. */
export type Expr = TermExpr | CallExpr | SomeDeclExpr | SomeInExpr | EveryExpr;

/** A query: expressions joined by `;` or newlines, all of which must hold. */
export type Body = readonly Expr[];

// ---------------------------------------------------------------------------------------------
// Rules and modules
// ---------------------------------------------------------------------------------------------

/** The assignment operator used in a rule head or `else`; absent when the value is implicit. */
export type AssignOperator = ':=' | '=';

/**
 * How a rule contributes to its document:
 * - `complete`: single value at a ground ref (`p := 1`, `a.b.c if ...`);
 * - `partial-object`: single value at a ref with variables (`p[k] := v`, `a.b[x].c := 1`,
 *   `p[x] if ...` which in v1 means `p[x] := true`);
 * - `partial-set`: multi-value (`p contains x`);
 * - `function`: has arguments (`f(x) := y`).
 */
export type RuleKind = 'complete' | 'partial-object' | 'partial-set' | 'function';

export interface RuleHead extends NodeBase {
  readonly kind: 'rule-head';
  readonly ruleKind: RuleKind;
  /** The first var of the head ref: `p` for `p.q[x]`. */
  readonly name: string;
  /** The rule's ref relative to the package. For `p` the path is empty. */
  readonly ref: RefTerm;
  /** Function arguments (only for `function`). */
  readonly args?: readonly Term[];
  /**
   * `partial-set`: the element (`x` of `p contains x`). `partial-object`: the last ref element
   * (`k` of `p[k] := v`), also present in `ref.path`.
   */
  readonly key?: Term;
  /**
   * The value: for `complete`, `partial-object` and `function` always present; when the source has
   * no `:= value` it is a synthesised `true` (see `valueImplicit`). Absent for `partial-set`.
   */
  readonly value?: Term;
  readonly valueImplicit: boolean;
  readonly assign?: AssignOperator;
  /** True when the head is followed by the `if` keyword. */
  readonly hasIf: boolean;
}

/**
 * An `else` branch: `else := value if { body }`. It inherits the head's ref and args. Without a
 * value it is `true` (`valueImplicit`).
 */
export interface ElseClause extends NodeBase {
  readonly kind: 'else';
  readonly value: Term;
  readonly valueImplicit: boolean;
  readonly assign?: AssignOperator;
  readonly hasIf: boolean;
  readonly body: Body;
  readonly else?: ElseClause;
}

/**
 * A rule. `body` is empty for rules without a body (`p := 1`, `default p := false`), which hold
 * unconditionally. A rule written with several bodies (`p if { a } { b }`) becomes several rules
 * with the same head, as in OPA.
 */
export interface Rule extends NodeBase {
  readonly kind: 'rule';
  readonly default: boolean;
  readonly head: RuleHead;
  readonly body: Body;
  readonly else?: ElseClause;
}

/**
 * `import data.x.y as z`, `import input.a`, `import rego.v1`, `import future.keywords.in`.
 * `alias` is the explicit `as` name, if any; the bound name is otherwise the last path element.
 */
export interface Import extends NodeBase {
  readonly kind: 'import';
  readonly path: RefTerm | VarTerm;
  readonly alias?: string;
}

/** `package a.b.c`: `path` is `["a", "b", "c"]` (the document lives at `data.a.b.c`). */
export interface Package extends NodeBase {
  readonly kind: 'package';
  readonly path: readonly string[];
  readonly ref: RefTerm | VarTerm;
}

/** A `#` comment (text after the `#`). */
export interface Comment extends NodeBase {
  readonly kind: 'comment';
  readonly text: string;
}

/** One parsed `.rego` file. */
export interface Module extends NodeBase {
  readonly kind: 'module';
  readonly package: Package;
  readonly imports: readonly Import[];
  readonly rules: readonly Rule[];
  readonly comments: readonly Comment[];
}

/** A parsed query (`parseQuery`): a body. */
export interface Query extends NodeBase {
  readonly kind: 'query';
  readonly body: Body;
}

/** Every node kind, for generic walkers. */
export type Node =
  | Term
  | ObjectItem
  | TemplateText
  | TemplateExpr
  | WithModifier
  | Expr
  | RuleHead
  | ElseClause
  | Rule
  | Import
  | Package
  | Comment
  | Module
  | Query;
