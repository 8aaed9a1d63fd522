/**
 * The intermediate representation between the Rego planner and the WASM emitter.
 *
 * It mirrors OPA's own IR (`v1/ir/ir.go`) statement for statement, so the planner can follow OPA's
 * planning strategy and the emitter can follow OPA's wasm compiler, and so a plan can be compared
 * against `opa build -t plan` output when debugging. Field names are camelCase; semantics are OPA's:
 *
 * - A block runs its statements in order; a statement that is "undefined" (a failed comparison, a
 *   missing key, ...) ends the block. A block that reaches its end without a return is undefined.
 * - `BreakStmt.index` jumps out of `index + 1` enclosing blocks (0 = the current block).
 * - Locals are small integers; `LOCAL_INPUT` and `LOCAL_DATA` are reserved for the input and data
 *   documents. A local that was never assigned (or was reset) is "undefined".
 * - Functions take `(input, data, ...args)` and return through `ReturnLocalStmt`.
 */

/** A plan-scoped variable. */
export type Local = number;

/** The local that holds the input document in every plan and function. */
export const LOCAL_INPUT: Local = 0;
/** The local that holds the data document in every plan and function. */
export const LOCAL_DATA: Local = 1;
/** The first local a planner may allocate freely. */
export const LOCAL_FIRST_FREE: Local = 2;

/** A value a statement operates on. */
export type Operand =
  | { readonly kind: 'local'; readonly local: Local }
  | { readonly kind: 'bool'; readonly value: boolean }
  /** An index into `Static.strings`. */
  | { readonly kind: 'string'; readonly index: number };

/** Source position of the Rego expression a statement was planned from (1-based row and col). */
export interface StmtLocation {
  readonly file: number;
  readonly row: number;
  readonly col: number;
}

interface StmtBase {
  readonly location?: StmtLocation;
}

export interface ReturnLocalStmt extends StmtBase { readonly type: 'ReturnLocalStmt'; readonly source: Local }
/** Calls a planned function (`Func.name`) or a builtin (`Static.builtinFuncs[].name`). */
export interface CallStmt extends StmtBase {
  readonly type: 'CallStmt';
  readonly func: string;
  readonly args: readonly Operand[];
  readonly result: Local;
}
/** Calls the function whose path is computed at run time (`data.a[x].f(...)`). */
export interface CallDynamicStmt extends StmtBase {
  readonly type: 'CallDynamicStmt';
  readonly args: readonly Local[];
  readonly path: readonly Operand[];
  readonly result: Local;
}
export interface BlockStmt extends StmtBase { readonly type: 'BlockStmt'; readonly blocks: readonly Block[] }
export interface BreakStmt extends StmtBase { readonly type: 'BreakStmt'; readonly index: number }
export interface DotStmt extends StmtBase {
  readonly type: 'DotStmt';
  readonly source: Operand;
  readonly key: Operand;
  readonly target: Local;
}
export interface LenStmt extends StmtBase { readonly type: 'LenStmt'; readonly source: Operand; readonly target: Local }
/** Runs `block` once per element of `source` (array index/value, object key/value, set element twice). */
export interface ScanStmt extends StmtBase {
  readonly type: 'ScanStmt';
  readonly source: Local;
  readonly key: Local;
  readonly value: Local;
  readonly block: Block;
}
/** Defined when `block` is undefined. */
export interface NotStmt extends StmtBase { readonly type: 'NotStmt'; readonly block: Block }
export interface AssignIntStmt extends StmtBase { readonly type: 'AssignIntStmt'; readonly value: number; readonly target: Local }
export interface AssignVarStmt extends StmtBase { readonly type: 'AssignVarStmt'; readonly source: Operand; readonly target: Local }
/** Like AssignVarStmt, but a target already holding a different value is a conflict error. */
export interface AssignVarOnceStmt extends StmtBase { readonly type: 'AssignVarOnceStmt'; readonly source: Operand; readonly target: Local }
export interface ResetLocalStmt extends StmtBase { readonly type: 'ResetLocalStmt'; readonly target: Local }
export interface MakeNullStmt extends StmtBase { readonly type: 'MakeNullStmt'; readonly target: Local }
export interface MakeNumberIntStmt extends StmtBase { readonly type: 'MakeNumberIntStmt'; readonly value: bigint; readonly target: Local }
/** A number kept as its decimal text (`Static.strings[index]`): floats and integers beyond int64. */
export interface MakeNumberRefStmt extends StmtBase { readonly type: 'MakeNumberRefStmt'; readonly index: number; readonly target: Local }
export interface MakeArrayStmt extends StmtBase { readonly type: 'MakeArrayStmt'; readonly capacity: number; readonly target: Local }
export interface MakeObjectStmt extends StmtBase { readonly type: 'MakeObjectStmt'; readonly target: Local }
export interface MakeSetStmt extends StmtBase { readonly type: 'MakeSetStmt'; readonly target: Local }
export interface EqualStmt extends StmtBase { readonly type: 'EqualStmt'; readonly a: Operand; readonly b: Operand }
export interface NotEqualStmt extends StmtBase { readonly type: 'NotEqualStmt'; readonly a: Operand; readonly b: Operand }
export interface IsArrayStmt extends StmtBase { readonly type: 'IsArrayStmt'; readonly source: Operand }
export interface IsObjectStmt extends StmtBase { readonly type: 'IsObjectStmt'; readonly source: Operand }
export interface IsSetStmt extends StmtBase { readonly type: 'IsSetStmt'; readonly source: Operand }
export interface IsDefinedStmt extends StmtBase { readonly type: 'IsDefinedStmt'; readonly source: Local }
export interface IsUndefinedStmt extends StmtBase { readonly type: 'IsUndefinedStmt'; readonly source: Local }
export interface ArrayAppendStmt extends StmtBase { readonly type: 'ArrayAppendStmt'; readonly array: Local; readonly value: Operand }
export interface ObjectInsertStmt extends StmtBase {
  readonly type: 'ObjectInsertStmt';
  readonly object: Local;
  readonly key: Operand;
  readonly value: Operand;
}
/** Like ObjectInsertStmt, but an existing key with a different value is a conflict error. */
export interface ObjectInsertOnceStmt extends StmtBase {
  readonly type: 'ObjectInsertOnceStmt';
  readonly object: Local;
  readonly key: Operand;
  readonly value: Operand;
}
/** Recursive merge of two objects; where either side is not an object, `a`'s value wins (as OPA's C runtime). */
export interface ObjectMergeStmt extends StmtBase { readonly type: 'ObjectMergeStmt'; readonly a: Local; readonly b: Local; readonly target: Local }
export interface SetAddStmt extends StmtBase { readonly type: 'SetAddStmt'; readonly set: Local; readonly value: Operand }
/**
 * Runs `block` with `local` replaced (empty `path`) or with `value` upserted at `path` (string
 * indexes) inside it; the local is restored afterwards.
 */
export interface WithStmt extends StmtBase {
  readonly type: 'WithStmt';
  readonly local: Local;
  readonly path: readonly number[];
  readonly value: Operand;
  readonly block: Block;
}
export interface NopStmt extends StmtBase { readonly type: 'NopStmt' }
/** Adds `value` (normally an object of bindings) to the plan's result set. */
export interface ResultSetAddStmt extends StmtBase { readonly type: 'ResultSetAddStmt'; readonly value: Local }

export type Stmt =
  | ReturnLocalStmt | CallStmt | CallDynamicStmt | BlockStmt | BreakStmt | DotStmt | LenStmt | ScanStmt
  | NotStmt | AssignIntStmt | AssignVarStmt | AssignVarOnceStmt | ResetLocalStmt | MakeNullStmt
  | MakeNumberIntStmt | MakeNumberRefStmt | MakeArrayStmt | MakeObjectStmt | MakeSetStmt | EqualStmt
  | NotEqualStmt | IsArrayStmt | IsObjectStmt | IsSetStmt | IsDefinedStmt | IsUndefinedStmt
  | ArrayAppendStmt | ObjectInsertStmt | ObjectInsertOnceStmt | ObjectMergeStmt | SetAddStmt | WithStmt
  | NopStmt | ResultSetAddStmt;

export interface Block { readonly stmts: readonly Stmt[] }

/** A named, callable plan. By convention params[0] is input and params[1] is data. */
export interface Func {
  readonly name: string;
  readonly params: readonly Local[];
  readonly return: Local;
  readonly blocks: readonly Block[];
  /** The rule path this function computes, e.g. `['g0', 'data', 'authz', 'allow']`, when it is a rule. */
  readonly path?: readonly string[];
}

/** An entrypoint query plan; its blocks add to the result set. */
export interface Plan {
  /** The entrypoint name as the SDK sees it, e.g. `aiws/capability/decision`. */
  readonly name: string;
  readonly blocks: readonly Block[];
}

/** A builtin the policy calls; `arity` is its number of arguments. */
export interface BuiltinFunc {
  readonly name: string;
  readonly arity: number;
}

export interface Static {
  readonly strings: readonly string[];
  readonly builtinFuncs: readonly BuiltinFunc[];
  /** Source file names, indexed by `StmtLocation.file`. */
  readonly files: readonly string[];
}

/** A whole planned policy: what the emitter turns into one WASM module. */
export interface Policy {
  readonly static: Static;
  readonly plans: readonly Plan[];
  readonly funcs: readonly Func[];
}
