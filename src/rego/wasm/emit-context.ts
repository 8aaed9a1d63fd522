/**
 * The emitter's shared state and the helpers every emission step uses: the binaryen module, the
 * runtime's exports, the data segment with the policy's constants, labels, "undefined" branches,
 * runtime errors, and the imported builtin dispatchers. Module assembly (`emit.ts`) and statement
 * emission (`emit-stmts.ts`) both work over one `EmitContext`.
 */
import binaryen from 'binaryen';
import type { Operand, Policy, StmtLocation } from '../ir/ir.ts';
import { cstr, DataSegment, utf8 } from './data-segment.ts';
import type { FuncState } from './func-state.ts';

const { i32, none } = binaryen;

/** The string value's type tag (runtime/assembly/value.ts): string constants are laid out as values. */
const T_STRING = 4;

/** Prefix of every function and global the emitter adds, so none can clash with the runtime's names. */
export const P = 'policy$';

/** Thrown when a policy cannot be turned into WASM (a planner bug or an unsupported statement). */
export class EmitError extends Error {
  override readonly name = 'EmitError';
}

/**
 * One emission's state. Fields are public: module assembly and statement emission live in separate
 * modules and share them as the methods of one class would.
 */
export class EmitContext {
  readonly policy: Policy;
  readonly m: binaryen.Module;
  /** Whether SDK-shadowed builtins are imported under their `aiws/` alias (see `EmitWasmOptions`). */
  readonly aliasSdkBuiltins: boolean;
  /** The runtime's exported functions: export name → internal name. */
  readonly rt = new Map<string, string>();
  /** IR function name → wasm function name. */
  readonly funcNames = new Map<string, string>();
  readonly builtinIds = new Map<string, number>();
  readonly stringAddrs: number[] = [];
  readonly stringBytes: { ptr: number; len: number }[] = [];
  readonly cstrs = new Map<string, number>();
  readonly importedDispatchers = new Set<number>();
  /** The functions the emitter generated: only these are optimised. */
  readonly generated: string[] = [];
  /** Globals caching argument-less builtins; `eval` clears them. */
  readonly cachedBuiltins = new Set<string>();
  data!: DataSegment;
  labelCounter = 0;
  /** True while emitting a plan (only plans may add to the result set). */
  inPlan = false;

  constructor(policy: Policy, m: binaryen.Module, aliasSdkBuiltins: boolean) {
    this.policy = policy;
    this.m = m;
    this.aliasSdkBuiltins = aliasSdkBuiltins;
  }

  /** Starts the data segment at `base` and lays out the string constants first. */
  startData(base: number): void {
    this.data = new DataSegment(base);
    const strings = this.policy.static.strings;
    const structs = this.data.reserve(16 * strings.length);
    strings.forEach((s, i) => {
      const bytes = utf8.encode(s);
      const ptr = this.data.add(bytes, 1);
      const addr = structs + 16 * i;
      this.data.write32(addr, T_STRING);
      this.data.write32(addr + 4, bytes.length);
      this.data.write32(addr + 8, ptr);
      this.stringAddrs.push(addr);
      this.stringBytes.push({ ptr, len: bytes.length });
    });
  }

  /** The UTF-8 bytes of string constant `index` (MakeNumberRefStmt keeps a number's text there). */
  stringBytesAddr(index: number): { ptr: number; len: number } {
    const bytes = this.stringBytes[index];
    if (bytes === undefined) throw new EmitError(`Cannot emit WASM: string constant ${index} is out of range`);
    return bytes;
  }

  cstrAddr(text: string): number {
    let addr = this.cstrs.get(text);
    if (addr === undefined) {
      addr = this.data.add(cstr(text), 1);
      this.cstrs.set(text, addr);
    }
    return addr;
  }

  call(rtName: string, args: number[], result: number): number {
    const internal = this.rt.get(rtName);
    if (internal === undefined) throw new EmitError(`Cannot emit WASM: the runtime lacks "${rtName}"`);
    return this.m.call(internal, args, result);
  }

  read(op: Operand, st: FuncState): number {
    const m = this.m;
    switch (op.kind) {
      case 'local': return m.local.get(st.local(op.local), i32);
      case 'bool': return this.call(op.value ? 'rt_true' : 'rt_false', [], i32);
      case 'string': {
        const addr = this.stringAddrs[op.index];
        if (addr === undefined) throw new EmitError(`Cannot emit WASM: string constant ${op.index} is out of range`);
        return m.i32.const(addr);
      }
    }
  }

  label(): string {
    return `L${this.labelCounter++}`;
  }

  /** Branch to the innermost label: "this statement is undefined". */
  breakUndefined(st: FuncState): number {
    const label = st.labels[st.labels.length - 1];
    if (label === undefined) throw new EmitError('Cannot emit WASM: a statement outside any block');
    return this.m.br(label);
  }

  breakUndefinedIf(cond: number, st: FuncState): number {
    const label = st.labels[st.labels.length - 1];
    if (label === undefined) throw new EmitError('Cannot emit WASM: a statement outside any block');
    return this.m.br(label, cond);
  }

  runtimeError(location: StmtLocation | undefined, message: string): number[] {
    const m = this.m;
    const file = location === undefined ? '' : (this.policy.static.files[location.file] ?? '');
    return [
      this.call('rt_runtime_error', [
        m.i32.const(this.cstrAddr(file)), m.i32.const(location?.row ?? 0), m.i32.const(location?.col ?? 0),
        m.i32.const(this.cstrAddr(message)),
      ], none),
      m.unreachable(),
    ];
  }

  callExport(exportName: string, args: number[]): number {
    const internal = this.rt.get(exportName);
    if (internal === undefined) throw new EmitError(`Cannot emit WASM: the runtime lacks "${exportName}"`);
    return this.m.call(internal, args, i32);
  }

  abort(message: string): number[] {
    return [this.call('rt_abort', [this.m.i32.const(this.cstrAddr(message))], none), this.m.unreachable()];
  }

  /**
   * A builtin without arguments (`time.now_ns`) answers once per evaluation, as OPA caches it: the
   * result is kept in a global that `eval`/`opa_eval` clear before dispatching.
   */
  cachedCall(id: number, call: number): number {
    const m = this.m;
    const global = `${P}builtin_cache_${id}`;
    if (!this.cachedBuiltins.has(global)) {
      m.addGlobal(global, i32, true, m.i32.const(0));
      this.cachedBuiltins.add(global);
    }
    return m.block(null, [
      m.if(m.i32.eqz(m.global.get(global, i32)), m.global.set(global, call)),
      m.global.get(global, i32),
    ], i32);
  }

  builtinId(name: string): number {
    let id = this.builtinIds.get(name);
    if (id === undefined) {
      id = this.builtinIds.size;
      this.builtinIds.set(name, id);
    }
    return id;
  }

  dispatcher(arity: number): string {
    const name = `${P}opa_builtin${arity}`;
    if (!this.importedDispatchers.has(arity)) {
      this.m.addFunctionImport(name, 'env', `opa_builtin${arity}`, binaryen.createType(new Array<number>(arity + 2).fill(i32)), i32);
      this.importedDispatchers.add(arity);
    }
    return name;
  }
}
