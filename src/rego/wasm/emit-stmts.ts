/**
 * Statement emission: each IR statement becomes wasm instructions in the current function, with
 * undefined statements branching to the innermost label (see the label rules in `emit.ts`).
 */
import binaryen from 'binaryen';
import type { Block, Operand, Stmt } from '../ir/ir.ts';
import { getBuiltin, typeKinds } from '../builtins/index.ts';
import { EmitError, type EmitContext } from './emit-context.ts';
import type { FuncState } from './func-state.ts';
import { nativeBuiltins } from './native-builtins.ts';
import { builtinImportName } from './wrap-js-builtins.ts';

const { i32, none } = binaryen;

// Value type tags (runtime/assembly/value.ts).
const T_ARRAY = 5;
const T_OBJECT = 6;
const T_SET = 7;

const ERR_VAR_ASSIGN = 'var assignment conflict';
const ERR_OBJECT_INSERT = 'object insert conflict';

/** One IR block as a labelled wasm block: a break to its label leaves the block. */
export function wrapBlock(cx: EmitContext, block: Block, st: FuncState): number {
  const label = cx.label();
  st.labels.push(label);
  const body = emitStmts(cx, block.stmts, st);
  st.labels.pop();
  return cx.m.block(label, body, none);
}

/**
 * Like `wrapBlock`, and the block sets local `flag` to 0 when it runs to its end: how `NotStmt` and
 * `WithStmt` learn whether their body was defined.
 */
function blockClearing(cx: EmitContext, block: Block, st: FuncState, flag: number): number {
  const label = cx.label();
  st.labels.push(label);
  const body = emitStmts(cx, block.stmts, st);
  st.labels.pop();
  body.push(cx.m.local.set(flag, cx.m.i32.const(0)));
  return cx.m.block(label, body, none);
}

function emitStmts(cx: EmitContext, stmts: readonly Stmt[], st: FuncState): number[] {
  const out: number[] = [];
  for (const stmt of stmts) emitStmt(cx, stmt, st, out);
  return out;
}

function emitStmt(cx: EmitContext, stmt: Stmt, st: FuncState, out: number[]): void {
  const m = cx.m;
  const get = (l: number): number => m.local.get(st.local(l), i32);
  const set = (l: number, v: number): number => m.local.set(st.local(l), v);
  switch (stmt.type) {
    case 'ReturnLocalStmt':
      out.push(m.return(get(stmt.source)));
      return;
    case 'BlockStmt':
      for (const b of stmt.blocks) out.push(wrapBlock(cx, b, st));
      return;
    case 'BreakStmt': {
      const label = st.labels[st.labels.length - 1 - stmt.index];
      if (label === undefined) throw new EmitError(`Cannot emit WASM: break index ${stmt.index} leaves the function`);
      out.push(m.br(label));
      return;
    }
    case 'CallStmt':
      out.push(...emitCallStmt(cx, stmt.func, stmt.args, stmt.result, st));
      return;
    case 'CallDynamicStmt':
      throw new EmitError('Cannot emit WASM: dynamic function calls (CallDynamicStmt) are not supported yet');
    case 'WithStmt': {
      const save = st.scratch();
      const undef = st.scratch();
      out.push(m.local.set(save, get(stmt.local)));
      if (stmt.path.length === 0) {
        out.push(set(stmt.local, cx.read(stmt.value, st)));
      } else {
        const path = st.scratch();
        out.push(m.local.set(path, cx.call('rt_array', [m.i32.const(stmt.path.length)], i32)));
        for (const index of stmt.path) {
          out.push(cx.call('rt_array_append', [m.local.get(path, i32), cx.read({ kind: 'string', index }, st)], none));
        }
        out.push(set(stmt.local, cx.call('rt_upsert', [get(stmt.local), m.local.get(path, i32), cx.read(stmt.value, st)], i32)));
      }
      out.push(m.local.set(undef, m.i32.const(1)));
      out.push(blockClearing(cx, stmt.block, st, undef));
      out.push(set(stmt.local, m.local.get(save, i32)));
      out.push(cx.breakUndefinedIf(m.local.get(undef, i32), st));
      return;
    }
    case 'AssignVarStmt':
      out.push(set(stmt.target, cx.read(stmt.source, st)));
      return;
    case 'AssignVarOnceStmt': {
      const ok = cx.label();
      out.push(m.block(ok, [
        m.br(ok, m.i32.eqz(get(stmt.target))),
        m.br(ok, cx.call('rt_equal', [get(stmt.target), cx.read(stmt.source, st)], i32)),
        ...cx.runtimeError(stmt.location, ERR_VAR_ASSIGN),
      ], none));
      out.push(set(stmt.target, cx.read(stmt.source, st)));
      return;
    }
    case 'AssignIntStmt':
      out.push(set(stmt.target, cx.call('rt_int', [i64Const(m, BigInt(stmt.value))], i32)));
      return;
    case 'ScanStmt': {
      const idx = st.scratch();
      const count = st.scratch();
      const exit = cx.label();
      const loop = cx.label();
      out.push(set(stmt.key, m.i32.const(0)));
      out.push(m.local.set(idx, m.i32.const(0)));
      out.push(m.local.set(count, cx.call('rt_iter_count', [get(stmt.source)], i32)));
      st.labels.push(exit, loop);
      const body = [
        m.br(exit, m.i32.ge_s(m.local.get(idx, i32), m.local.get(count, i32))),
        set(stmt.key, cx.call('rt_iter_key', [get(stmt.source), m.local.get(idx, i32)], i32)),
        set(stmt.value, cx.call('rt_iter_value', [get(stmt.source), m.local.get(idx, i32)], i32)),
        m.local.set(idx, m.i32.add(m.local.get(idx, i32), m.i32.const(1))),
        ...emitStmts(cx, stmt.block.stmts, st),
        m.br(loop),
      ];
      st.labels.pop();
      st.labels.pop();
      out.push(m.block(exit, [m.loop(loop, m.block(null, body, none))], none));
      return;
    }
    case 'NopStmt':
      return;
    case 'NotStmt': {
      const cond = st.scratch();
      out.push(m.local.set(cond, m.i32.const(1)));
      out.push(blockClearing(cx, stmt.block, st, cond));
      out.push(cx.breakUndefinedIf(m.i32.eqz(m.local.get(cond, i32)), st));
      return;
    }
    case 'DotStmt':
      if (stmt.source.kind !== 'local') {
        out.push(cx.breakUndefined(st));
        return;
      }
      out.push(set(stmt.target, cx.call('rt_get', [get(stmt.source.local), cx.read(stmt.key, st)], i32)));
      out.push(cx.breakUndefinedIf(m.i32.eqz(get(stmt.target)), st));
      return;
    case 'LenStmt':
      out.push(set(stmt.target, cx.call('rt_len', [cx.read(stmt.source, st)], i32)));
      return;
    case 'EqualStmt':
      if (sameOperand(stmt.a, stmt.b)) return;
      out.push(cx.breakUndefinedIf(m.i32.eqz(cx.call('rt_equal', [cx.read(stmt.a, st), cx.read(stmt.b, st)], i32)), st));
      return;
    case 'NotEqualStmt': {
      if (sameOperand(stmt.a, stmt.b)) {
        out.push(cx.breakUndefined(st));
        return;
      }
      const { a, b } = stmt;
      if (a.kind === 'bool' && b.kind === 'bool') return;
      if (a.kind === 'string' && b.kind === 'string') {
        if (cx.policy.static.strings[a.index] === cx.policy.static.strings[b.index]) out.push(cx.breakUndefined(st));
        return;
      }
      out.push(cx.breakUndefinedIf(cx.call('rt_equal', [cx.read(a, st), cx.read(b, st)], i32), st));
      return;
    }
    case 'MakeNullStmt':
      out.push(set(stmt.target, cx.call('rt_null', [], i32)));
      return;
    case 'MakeNumberIntStmt':
      out.push(set(stmt.target, cx.call('rt_int', [i64Const(m, stmt.value)], i32)));
      return;
    case 'MakeNumberRefStmt': {
      const { ptr, len } = cx.stringBytesAddr(stmt.index);
      out.push(set(stmt.target, cx.call('rt_number_ref', [m.i32.const(ptr), m.i32.const(len)], i32)));
      return;
    }
    case 'MakeArrayStmt':
      out.push(set(stmt.target, cx.call('rt_array', [m.i32.const(stmt.capacity)], i32)));
      return;
    case 'MakeObjectStmt':
      out.push(set(stmt.target, cx.call('rt_object', [], i32)));
      return;
    case 'MakeSetStmt':
      out.push(set(stmt.target, cx.call('rt_set', [], i32)));
      return;
    case 'IsArrayStmt':
    case 'IsObjectStmt':
    case 'IsSetStmt': {
      if (stmt.source.kind !== 'local') {
        out.push(cx.breakUndefined(st));
        return;
      }
      const want = stmt.type === 'IsArrayStmt' ? T_ARRAY : stmt.type === 'IsObjectStmt' ? T_OBJECT : T_SET;
      out.push(cx.breakUndefinedIf(m.i32.ne(cx.call('rt_type', [get(stmt.source.local)], i32), m.i32.const(want)), st));
      return;
    }
    case 'IsDefinedStmt':
      out.push(cx.breakUndefinedIf(m.i32.eqz(get(stmt.source)), st));
      return;
    case 'IsUndefinedStmt':
      out.push(cx.breakUndefinedIf(m.i32.ne(get(stmt.source), m.i32.const(0)), st));
      return;
    case 'ResetLocalStmt':
      out.push(set(stmt.target, m.i32.const(0)));
      return;
    case 'ArrayAppendStmt':
      out.push(cx.call('rt_array_append', [get(stmt.array), cx.read(stmt.value, st)], none));
      return;
    case 'ObjectInsertStmt':
      out.push(cx.call('rt_object_insert', [get(stmt.object), cx.read(stmt.key, st), cx.read(stmt.value, st)], none));
      return;
    case 'ObjectInsertOnceStmt': {
      const ok = cx.label();
      out.push(m.block(ok, [
        m.br(ok, m.i32.eqz(cx.call('rt_object_insert_once', [get(stmt.object), cx.read(stmt.key, st), cx.read(stmt.value, st)], i32))),
        ...cx.runtimeError(stmt.location, ERR_OBJECT_INSERT),
      ], none));
      return;
    }
    case 'ObjectMergeStmt':
      out.push(set(stmt.target, cx.call('rt_merge', [get(stmt.a), get(stmt.b)], i32)));
      return;
    case 'SetAddStmt':
      out.push(cx.call('rt_set_add', [get(stmt.set), cx.read(stmt.value, st)], none));
      return;
    case 'ResultSetAddStmt': {
      if (!cx.inPlan) throw new EmitError('Cannot emit WASM: ResultSetAddStmt outside a plan');
      out.push(cx.call('rt_set_add', [m.local.get(2, i32), get(stmt.value)], none));
      return;
    }
  }
}

/** A call of a planned function, a native builtin, or an imported builtin through `opa_builtinN`. */
function emitCallStmt(cx: EmitContext, func: string, args: readonly Operand[], result: number, st: FuncState): number[] {
  const m = cx.m;
  const argExprs = args.map((a) => cx.read(a, st));
  let call: number;
  const planned = cx.funcNames.get(func);
  const native = nativeBuiltins.get(func);
  if (planned !== undefined) {
    call = m.call(planned, argExprs, i32);
  } else if (native !== undefined && native.arity === args.length) {
    call = cx.call(native.runtimeExport, argExprs, i32);
  } else {
    if (args.length > 4) throw new EmitError(`Cannot emit WASM: builtin "${func}" takes ${args.length} arguments, at most 4 are supported`);
    const dispatcher = cx.dispatcher(args.length);
    const importName = builtinImportName(func, cx.aliasSdkBuiltins);
    const id = cx.builtinId(importName);
    call = m.call(dispatcher, [m.i32.const(id), m.i32.const(0), ...argExprs], i32);
    if (args.length === 0) call = cx.cachedCall(id, call);
    const spec = getBuiltin(func);
    // A builtin without a result (print) succeeds whatever the JS side returns.
    if (spec !== undefined && spec.result === null) return [m.drop(call)];
    // Sets cross the JSON boundary as arrays.
    const kinds = spec?.result === null || spec === undefined ? undefined : typeKinds(spec.result);
    if (kinds !== undefined && kinds.length === 1 && kinds[0] === 'set') call = cx.call('rt_to_set', [call], i32);
  }
  return [
    m.local.set(st.local(result), call),
    cx.breakUndefinedIf(m.i32.eqz(m.local.get(st.local(result), i32)), st),
  ];
}

function i64Const(m: binaryen.Module, value: bigint): number {
  // binaryen.js 132 takes the constant as one bigint.
  return (m.i64.const as unknown as (v: bigint) => number)(BigInt.asIntN(64, value));
}

function sameOperand(a: Operand, b: Operand): boolean {
  if (a.kind === 'local' && b.kind === 'local') return a.local === b.local;
  if (a.kind === 'bool' && b.kind === 'bool') return a.value === b.value;
  if (a.kind === 'string' && b.kind === 'string') return a.index === b.index;
  return false;
}
