/**
 * The WASM emitter: turns a planned `ir.Policy` into a module implementing OPA's WASM ABI.
 *
 * The module is the prebuilt runtime (runtime/build/runtime.wasm, AssemblyScript) plus one function
 * per `ir.Func` and per `ir.Plan`, a data segment with the policy's constants, and the ABI entry
 * points that depend on the policy (`eval`, `opa_eval`, `builtins`, `entrypoints`). Control flow
 * mirrors OPA's own wasm compiler (v1/internal/compiler/wasm) label for label, so `BreakStmt`
 * indexes mean what OPA's planner means by them:
 * - every block of a plan or function, every block of a `BlockStmt`, and the body of a `NotStmt` or
 *   `WithStmt` is one label;
 * - a `ScanStmt` is two: the loop (index 0 inside its body: "next element") inside a block
 *   (index 1: "leave the scan");
 * - a statement that is undefined branches to the innermost label.
 */
import binaryen from 'binaryen';
import { readFileSync } from 'node:fs';
import type { Block, Func, Operand, Policy, Stmt, StmtLocation } from '../ir/ir.ts';
import { getBuiltin, typeKinds } from '../builtins/index.ts';
import { nativeBuiltins } from './native-builtins.ts';
import { builtinImportName } from './wrap-js-builtins.ts';

/** Options for `emitWasm`. */
export interface EmitWasmOptions {
  /**
   * Run binaryen's optimiser over the generated functions.
   * @default true
   */
  readonly optimize?: boolean;
  /**
   * Validate the module with binaryen before emitting it (slower; for tests and debugging).
   * @default false
   */
  readonly validate?: boolean;
  /**
   * List builtins that @open-policy-agent/opa-wasm implements itself (`sprintf`, `regex.split`,
   * `json.is_valid`, `yaml.*`) under an `aiws/` alias, so the SDK calls the custom builtin that
   * `wrapJsBuiltins` registers under that alias rather than its own, non-OPA-exact version. Turn it
   * off for modules that other OPA SDKs load (they know builtins only by OPA name).
   * @default true
   */
  readonly aliasSdkBuiltins?: boolean;
}

/** Thrown when a policy cannot be turned into WASM (a planner bug or an unsupported statement). */
export class EmitError extends Error {
  override readonly name = 'EmitError';
}

const RUNTIME_URL = new URL('./runtime/build/runtime.wasm', import.meta.url);

let runtimeBytes: Uint8Array | undefined;

function loadRuntime(): Uint8Array {
  if (runtimeBytes === undefined) {
    try {
      runtimeBytes = readFileSync(RUNTIME_URL);
    } catch (cause) {
      throw new EmitError('Cannot emit WASM: the policy runtime is missing: run "npm run prepare" to build it', { cause });
    }
  }
  return runtimeBytes;
}

// Value type tags (runtime/assembly/value.ts).
const T_ARRAY = 5;
const T_OBJECT = 6;
const T_SET = 7;
const T_STRING = 4;

const ERR_VAR_ASSIGN = 'var assignment conflict';
const ERR_OBJECT_INSERT = 'object insert conflict';
const ERR_ILLEGAL_ENTRYPOINT = 'internal: illegal entrypoint id';

const { i32, none } = binaryen;
/** Prefix of every function and global the emitter adds, so none can clash with the runtime's names. */
const P = 'policy$';
/** What AssemblyScript's output uses and every engine the SDK runs on supports. */
const FEATURES = binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.SignExt
  | binaryen.Features.NontrappingFPToInt | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt;
/** binaryen's name for an imported memory read from a binary without a name section (how the build script compiles the runtime). */
const MEMORY_NAME = 'mimport$0';

/** Growing data segment placed right after the runtime's static data. */
class DataSegment {
  readonly base: number;
  #bytes = new Uint8Array(1024);
  #length = 0;

  constructor(base: number) {
    this.base = base;
  }

  get end(): number {
    return this.base + this.#length;
  }

  /** Appends `bytes` (8-byte aligned); returns their address. */
  add(bytes: Uint8Array, align = 8): number {
    const start = (this.#length + align - 1) & ~(align - 1);
    const need = start + bytes.length;
    if (need > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(need, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#bytes.set(bytes, start);
    this.#length = need;
    return this.base + start;
  }

  /** Reserves `size` zero bytes; returns their address. */
  reserve(size: number, align = 8): number {
    return this.add(new Uint8Array(size), align);
  }

  write32(addr: number, value: number): void {
    const off = addr - this.base;
    this.#bytes[off] = value & 0xff;
    this.#bytes[off + 1] = (value >>> 8) & 0xff;
    this.#bytes[off + 2] = (value >>> 16) & 0xff;
    this.#bytes[off + 3] = (value >>> 24) & 0xff;
  }

  bytes(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

const encoder = new TextEncoder();

function cstr(text: string): Uint8Array {
  const raw = encoder.encode(text);
  const out = new Uint8Array(raw.length + 1);
  out.set(raw);
  return out;
}

/** Per-function state: IR locals → wasm locals, the label stack, scratch locals. */
class FuncState {
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

/**
 * Compiles `policy` to a WASM module that `@open-policy-agent/opa-wasm`'s `loadPolicy` accepts.
 * Builtins that are not native (see `nativeBuiltins`) are imported through `opa_builtinN` and must
 * be passed to `loadPolicy` as custom builtins (see `wrapJsBuiltins`).
 * @throws EmitError when the runtime is missing or the policy uses something the emitter cannot compile
 */
export function emitWasm(policy: Policy, options: EmitWasmOptions = {}): Uint8Array {
  const emitter = new Emitter(policy, options);
  try {
    return emitter.run();
  } finally {
    emitter.dispose();
  }
}

class Emitter {
  readonly #policy: Policy;
  readonly #options: EmitWasmOptions;
  readonly #m: binaryen.Module;
  readonly #rt = new Map<string, string>();
  readonly #funcNames = new Map<string, string>();
  readonly #builtinIds = new Map<string, number>();
  readonly #stringAddrs: number[] = [];
  readonly #stringBytes: { ptr: number; len: number }[] = [];
  readonly #cstrs = new Map<string, number>();
  readonly #importedDispatchers = new Set<number>();
  #data!: DataSegment;
  #labelCounter = 0;
  #inPlan = false;
  readonly #generated: string[] = [];
  readonly #cachedBuiltins = new Set<string>();

  constructor(policy: Policy, options: EmitWasmOptions) {
    this.#policy = policy;
    this.#options = options;
    this.#m = binaryen.readBinary(loadRuntime());
    this.#m.setFeatures(FEATURES);
  }

  dispose(): void {
    this.#m.dispose();
  }

  run(): Uint8Array {
    const m = this.#m;
    const exportNames: string[] = [];
    for (let i = 0; i < m.getNumExports(); i++) {
      const info = binaryen.getExportInfo(m.getExportByIndex(i));
      if (info.kind === binaryen.ExternalFunction) this.#rt.set(info.name, info.value);
      exportNames.push(info.name);
    }
    const segments = this.#readSegments();
    const staticEnd = segments.reduce((end, s) => Math.max(end, s.offsetBytes + s.data.byteLength), 0);
    this.#data = new DataSegment((staticEnd + 15) & ~15);
    this.#layoutStrings();

    this.#policy.funcs.forEach((fn, i) => this.#funcNames.set(fn.name, `${P}f${i}`));
    this.#policy.funcs.forEach((fn, i) => this.#emitFunc(fn, `${P}f${i}`));
    this.#policy.plans.forEach((_plan, i) => this.#emitPlan(i));
    this.#emitEntrypoints();

    this.#finishMemory(segments, exportNames);
    // Drop the runtime's internal exports so whatever the policy does not use is removed.
    for (const name of exportNames) {
      if (name.startsWith('rt_') || name.startsWith('bi_') || name === 'rtAbort') m.removeExport(name);
    }

    m.runPasses(['remove-unused-module-elements']);
    if (this.#options.optimize !== false) {
      // Only the generated functions: the runtime was optimised when it was built, and whole-module
      // passes (inlining) would cost tens of milliseconds per policy.
      binaryen.setOptimizeLevel(2);
      binaryen.setShrinkLevel(0);
      for (const name of this.#generated) m.optimizeFunction(name);
    }
    if (this.#options.validate === true && !m.validate()) {
      throw new EmitError('Cannot emit WASM: the generated module does not validate');
    }
    return m.emitBinary();
  }

  #readSegments(): { name: string; offsetBytes: number; data: ArrayBuffer }[] {
    // binaryen.js has these at run time; its typings still use the older names
    const m = this.#m as unknown as SegmentApi;
    const out: { name: string; offsetBytes: number; data: ArrayBuffer }[] = [];
    for (let i = 0; i < m.getNumDataSegments(); i++) {
      const info = m.getDataSegmentInfo(m.getDataSegmentByIndex(i));
      if (info.passive || info.offset === null) throw new EmitError('Cannot emit WASM: the runtime has a passive data segment');
      out.push({ name: info.name, offsetBytes: info.offset, data: info.data });
    }
    return out;
  }

  #finishMemory(segments: { name: string; offsetBytes: number; data: ArrayBuffer }[], exportNames: string[]): void {
    const m = this.#m;
    const end = (this.#data.end + 15) & ~15;
    // the allocator starts past the emitted data
    if (!exportNames.includes('rt_static_end')) throw new EmitError('Cannot emit WASM: the runtime lacks "rt_static_end"');
    const globalName = binaryen.getExportInfo(m.getExport('rt_static_end')).value;
    m.removeGlobal(globalName);
    m.addGlobal(globalName, i32, true, m.i32.const(end));
    const all = [
      ...segments.map((s) => ({ name: s.name, offset: m.i32.const(s.offsetBytes), data: new Uint8Array(s.data), passive: false })),
      { name: 'policy', offset: m.i32.const(this.#data.base), data: this.#data.bytes(), passive: false },
    ];
    const pages = Math.max(1, Math.ceil(end / 65536));
    // setMemory replaces the runtime's memory and segments; keep the name its instructions use
    m.setMemory(pages, 0xffffffff, null, all, false, false, MEMORY_NAME);
    m.addMemoryImport(MEMORY_NAME, 'env', 'memory');
  }

  // ---- constants ----

  #layoutStrings(): void {
    const strings = this.#policy.static.strings;
    const structs = this.#data.reserve(16 * strings.length);
    strings.forEach((s, i) => {
      const bytes = encoder.encode(s);
      const ptr = this.#data.add(bytes, 1);
      const addr = structs + 16 * i;
      this.#data.write32(addr, T_STRING);
      this.#data.write32(addr + 4, bytes.length);
      this.#data.write32(addr + 8, ptr);
      this.#stringAddrs.push(addr);
      this.#stringBytes.push({ ptr, len: bytes.length });
    });
  }

  /** The UTF-8 bytes of string constant `index` (MakeNumberRefStmt keeps a number's text there). */
  #stringBytesAddr(index: number): { ptr: number; len: number } {
    const bytes = this.#stringBytes[index];
    if (bytes === undefined) throw new EmitError(`Cannot emit WASM: string constant ${index} is out of range`);
    return bytes;
  }

  #cstr(text: string): number {
    let addr = this.#cstrs.get(text);
    if (addr === undefined) {
      addr = this.#data.add(cstr(text), 1);
      this.#cstrs.set(text, addr);
    }
    return addr;
  }

  // ---- helpers ----

  #call(rtName: string, args: number[], result: number): number {
    const internal = this.#rt.get(rtName);
    if (internal === undefined) throw new EmitError(`Cannot emit WASM: the runtime lacks "${rtName}"`);
    return this.#m.call(internal, args, result);
  }

  #read(op: Operand, st: FuncState): number {
    const m = this.#m;
    switch (op.kind) {
      case 'local': return m.local.get(st.local(op.local), i32);
      case 'bool': return this.#call(op.value ? 'rt_true' : 'rt_false', [], i32);
      case 'string': {
        const addr = this.#stringAddrs[op.index];
        if (addr === undefined) throw new EmitError(`Cannot emit WASM: string constant ${op.index} is out of range`);
        return m.i32.const(addr);
      }
    }
  }

  #label(): string {
    return `L${this.#labelCounter++}`;
  }

  /** Branch to the innermost label: "this statement is undefined". */
  #undefined(st: FuncState): number {
    const label = st.labels[st.labels.length - 1];
    if (label === undefined) throw new EmitError('Cannot emit WASM: a statement outside any block');
    return this.#m.br(label);
  }

  #undefinedIf(cond: number, st: FuncState): number {
    const label = st.labels[st.labels.length - 1];
    if (label === undefined) throw new EmitError('Cannot emit WASM: a statement outside any block');
    return this.#m.br(label, cond);
  }

  #runtimeError(location: StmtLocation | undefined, message: string): number[] {
    const m = this.#m;
    const file = location === undefined ? '' : (this.#policy.static.files[location.file] ?? '');
    return [
      this.#call('rt_runtime_error', [
        m.i32.const(this.#cstr(file)), m.i32.const(location?.row ?? 0), m.i32.const(location?.col ?? 0),
        m.i32.const(this.#cstr(message)),
      ], none),
      m.unreachable(),
    ];
  }

  #wrapBlock(block: Block, st: FuncState): number {
    const label = this.#label();
    st.labels.push(label);
    const body = this.#stmts(block.stmts, st);
    st.labels.pop();
    return this.#m.block(label, body, none);
  }

  // ---- functions and plans ----

  #emitFunc(fn: Func, wasmName: string): void {
    const m = this.#m;
    const st = new FuncState(fn.params, 0);
    const body = fn.blocks.map((b) => this.#wrapBlock(b, st));
    body.push(m.return(m.local.get(st.local(fn.return), i32)));
    const params = binaryen.createType(fn.params.map(() => i32));
    const vars = new Array<number>(st.varCount(fn.params.length)).fill(i32);
    m.addFunction(wasmName, params, i32, vars, m.block(null, body, none));
    this.#generated.push(wasmName);
  }

  #emitPlan(index: number): void {
    const plan = this.#policy.plans[index];
    if (plan === undefined) return;
    const m = this.#m;
    // params: input (IR local 0), data (IR local 1), result set
    const st = new FuncState([0, 1], 1);
    this.#inPlan = true;
    const body = plan.blocks.map((b) => this.#wrapBlock(b, st));
    const vars = new Array<number>(st.varCount(3)).fill(i32);
    m.addFunction(`${P}p${index}`, binaryen.createType([i32, i32, i32]), none, vars, m.block(null, body, none));
    this.#generated.push(`${P}p${index}`);
    this.#inPlan = false;
  }

  #emitEntrypoints(): void {
    const m = this.#m;
    const plans = this.#policy.plans;
    // dispatch(entrypoint, input, data, rs)
    let chain = m.block(null, this.#abort(ERR_ILLEGAL_ENTRYPOINT), none);
    for (let i = plans.length - 1; i >= 0; i--) {
      chain = m.if(
        m.i32.eq(m.local.get(0, i32), m.i32.const(i)),
        m.call(`${P}p${i}`, [m.local.get(1, i32), m.local.get(2, i32), m.local.get(3, i32)], none),
        chain,
      );
    }
    const resetCaches = [...this.#cachedBuiltins].map((g) => m.global.set(g, m.i32.const(0)));
    m.addFunction(`${P}dispatch`, binaryen.createType([i32, i32, i32, i32]), none, [], m.block(null, [...resetCaches, chain], none));

    // eval(ctx): the ABI's context-based path
    m.addFunction(`${P}eval`, binaryen.createType([i32]), i32, [i32], m.block(null, [
      m.local.set(1, this.#call('rt_set', [], i32)),
      m.call(`${P}dispatch`, [
        this.#call('rt_ctx_entrypoint', [m.local.get(0, i32)], i32),
        this.#call('rt_ctx_input', [m.local.get(0, i32)], i32),
        this.#call('rt_ctx_data', [m.local.get(0, i32)], i32),
        m.local.get(1, i32),
      ], none),
      this.#call('rt_ctx_set_result', [m.local.get(0, i32), m.local.get(1, i32)], none),
      m.i32.const(0),
    ], i32));
    m.addFunctionExport(`${P}eval`, 'eval');

    // opa_eval(reserved, entrypoint, data, input, input_len, heap_ptr, format): the ABI 1.2 fast path
    m.addFunction(`${P}opa_eval`, binaryen.createType([i32, i32, i32, i32, i32, i32, i32]), i32, [i32, i32], m.block(null, [
      m.local.set(7, this.#call('rt_eval_input', [m.local.get(3, i32), m.local.get(4, i32), m.local.get(5, i32)], i32)),
      m.local.set(8, this.#call('rt_set', [], i32)),
      m.call(`${P}dispatch`, [m.local.get(1, i32), m.local.get(7, i32), m.local.get(2, i32), m.local.get(8, i32)], none),
      this.#call('rt_eval_result', [m.local.get(8, i32), m.local.get(6, i32)], i32),
    ], i32));
    m.addFunctionExport(`${P}opa_eval`, 'opa_eval');

    const entrypoints: Record<string, number> = {};
    plans.forEach((p, i) => { entrypoints[p.name] = i; });
    this.#jsonConstFunction('entrypoints', JSON.stringify(entrypoints));
    const builtins: Record<string, number> = {};
    for (const [name, id] of this.#builtinIds) builtins[name] = id;
    this.#jsonConstFunction('builtins', JSON.stringify(builtins));
  }

  #jsonConstFunction(name: string, json: string): void {
    const m = this.#m;
    const bytes = encoder.encode(json);
    const addr = this.#data.add(bytes, 1);
    m.addFunction(`${P}${name}`, none, i32, [], this.#callExport('opa_json_parse', [m.i32.const(addr), m.i32.const(bytes.length)]));
    m.addFunctionExport(`${P}${name}`, name);
  }

  #callExport(exportName: string, args: number[]): number {
    const internal = this.#rt.get(exportName);
    if (internal === undefined) throw new EmitError(`Cannot emit WASM: the runtime lacks "${exportName}"`);
    return this.#m.call(internal, args, i32);
  }

  #abort(message: string): number[] {
    return [this.#call('rt_abort', [this.#m.i32.const(this.#cstr(message))], none), this.#m.unreachable()];
  }

  // ---- statements ----

  #stmts(stmts: readonly Stmt[], st: FuncState): number[] {
    const out: number[] = [];
    for (const stmt of stmts) this.#stmt(stmt, st, out);
    return out;
  }

  #stmt(stmt: Stmt, st: FuncState, out: number[]): void {
    const m = this.#m;
    const get = (l: number): number => m.local.get(st.local(l), i32);
    const set = (l: number, v: number): number => m.local.set(st.local(l), v);
    switch (stmt.type) {
      case 'ReturnLocalStmt':
        out.push(m.return(get(stmt.source)));
        return;
      case 'BlockStmt':
        for (const b of stmt.blocks) out.push(this.#wrapBlock(b, st));
        return;
      case 'BreakStmt': {
        const label = st.labels[st.labels.length - 1 - stmt.index];
        if (label === undefined) throw new EmitError(`Cannot emit WASM: break index ${stmt.index} leaves the function`);
        out.push(m.br(label));
        return;
      }
      case 'CallStmt':
        out.push(...this.#callStmt(stmt.func, stmt.args, stmt.result, st));
        return;
      case 'CallDynamicStmt':
        throw new EmitError('Cannot emit WASM: dynamic function calls (CallDynamicStmt) are not supported yet');
      case 'WithStmt': {
        const save = st.scratch();
        const undef = st.scratch();
        out.push(m.local.set(save, get(stmt.local)));
        if (stmt.path.length === 0) {
          out.push(set(stmt.local, this.#read(stmt.value, st)));
        } else {
          const path = st.scratch();
          out.push(m.local.set(path, this.#call('rt_array', [m.i32.const(stmt.path.length)], i32)));
          for (const index of stmt.path) {
            out.push(this.#call('rt_array_append', [m.local.get(path, i32), this.#read({ kind: 'string', index }, st)], none));
          }
          out.push(set(stmt.local, this.#call('rt_upsert', [get(stmt.local), m.local.get(path, i32), this.#read(stmt.value, st)], i32)));
        }
        out.push(m.local.set(undef, m.i32.const(1)));
        const label = this.#label();
        st.labels.push(label);
        const body = this.#stmts(stmt.block.stmts, st);
        st.labels.pop();
        body.push(m.local.set(undef, m.i32.const(0)));
        out.push(m.block(label, body, none));
        out.push(set(stmt.local, m.local.get(save, i32)));
        out.push(this.#undefinedIf(m.local.get(undef, i32), st));
        return;
      }
      case 'AssignVarStmt':
        out.push(set(stmt.target, this.#read(stmt.source, st)));
        return;
      case 'AssignVarOnceStmt': {
        const ok = this.#label();
        out.push(m.block(ok, [
          m.br(ok, m.i32.eqz(get(stmt.target))),
          m.br(ok, this.#call('rt_equal', [get(stmt.target), this.#read(stmt.source, st)], i32)),
          ...this.#runtimeError(stmt.location, ERR_VAR_ASSIGN),
        ], none));
        out.push(set(stmt.target, this.#read(stmt.source, st)));
        return;
      }
      case 'AssignIntStmt':
        out.push(set(stmt.target, this.#call('rt_int', [i64Const(m, BigInt(stmt.value))], i32)));
        return;
      case 'ScanStmt': {
        const idx = st.scratch();
        const count = st.scratch();
        const exit = this.#label();
        const loop = this.#label();
        out.push(set(stmt.key, m.i32.const(0)));
        out.push(m.local.set(idx, m.i32.const(0)));
        out.push(m.local.set(count, this.#call('rt_iter_count', [get(stmt.source)], i32)));
        st.labels.push(exit, loop);
        const body = [
          m.br(exit, m.i32.ge_s(m.local.get(idx, i32), m.local.get(count, i32))),
          set(stmt.key, this.#call('rt_iter_key', [get(stmt.source), m.local.get(idx, i32)], i32)),
          set(stmt.value, this.#call('rt_iter_value', [get(stmt.source), m.local.get(idx, i32)], i32)),
          m.local.set(idx, m.i32.add(m.local.get(idx, i32), m.i32.const(1))),
          ...this.#stmts(stmt.block.stmts, st),
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
        const label = this.#label();
        st.labels.push(label);
        const body = this.#stmts(stmt.block.stmts, st);
        st.labels.pop();
        body.push(m.local.set(cond, m.i32.const(0)));
        out.push(m.block(label, body, none));
        out.push(this.#undefinedIf(m.i32.eqz(m.local.get(cond, i32)), st));
        return;
      }
      case 'DotStmt':
        if (stmt.source.kind !== 'local') {
          out.push(this.#undefined(st));
          return;
        }
        out.push(set(stmt.target, this.#call('rt_get', [get(stmt.source.local), this.#read(stmt.key, st)], i32)));
        out.push(this.#undefinedIf(m.i32.eqz(get(stmt.target)), st));
        return;
      case 'LenStmt':
        out.push(set(stmt.target, this.#call('rt_len', [this.#read(stmt.source, st)], i32)));
        return;
      case 'EqualStmt':
        if (sameOperand(stmt.a, stmt.b)) return;
        out.push(this.#undefinedIf(m.i32.eqz(this.#call('rt_equal', [this.#read(stmt.a, st), this.#read(stmt.b, st)], i32)), st));
        return;
      case 'NotEqualStmt': {
        if (sameOperand(stmt.a, stmt.b)) {
          out.push(this.#undefined(st));
          return;
        }
        const { a, b } = stmt;
        if (a.kind === 'bool' && b.kind === 'bool') return;
        if (a.kind === 'string' && b.kind === 'string') {
          if (this.#policy.static.strings[a.index] === this.#policy.static.strings[b.index]) out.push(this.#undefined(st));
          return;
        }
        out.push(this.#undefinedIf(this.#call('rt_equal', [this.#read(a, st), this.#read(b, st)], i32), st));
        return;
      }
      case 'MakeNullStmt':
        out.push(set(stmt.target, this.#call('rt_null', [], i32)));
        return;
      case 'MakeNumberIntStmt':
        out.push(set(stmt.target, this.#call('rt_int', [i64Const(m, stmt.value)], i32)));
        return;
      case 'MakeNumberRefStmt': {
        const { ptr, len } = this.#stringBytesAddr(stmt.index);
        out.push(set(stmt.target, this.#call('rt_number_ref', [m.i32.const(ptr), m.i32.const(len)], i32)));
        return;
      }
      case 'MakeArrayStmt':
        out.push(set(stmt.target, this.#call('rt_array', [m.i32.const(stmt.capacity)], i32)));
        return;
      case 'MakeObjectStmt':
        out.push(set(stmt.target, this.#call('rt_object', [], i32)));
        return;
      case 'MakeSetStmt':
        out.push(set(stmt.target, this.#call('rt_set', [], i32)));
        return;
      case 'IsArrayStmt':
      case 'IsObjectStmt':
      case 'IsSetStmt': {
        if (stmt.source.kind !== 'local') {
          out.push(this.#undefined(st));
          return;
        }
        const want = stmt.type === 'IsArrayStmt' ? T_ARRAY : stmt.type === 'IsObjectStmt' ? T_OBJECT : T_SET;
        out.push(this.#undefinedIf(m.i32.ne(this.#call('rt_type', [get(stmt.source.local)], i32), m.i32.const(want)), st));
        return;
      }
      case 'IsDefinedStmt':
        out.push(this.#undefinedIf(m.i32.eqz(get(stmt.source)), st));
        return;
      case 'IsUndefinedStmt':
        out.push(this.#undefinedIf(m.i32.ne(get(stmt.source), m.i32.const(0)), st));
        return;
      case 'ResetLocalStmt':
        out.push(set(stmt.target, m.i32.const(0)));
        return;
      case 'ArrayAppendStmt':
        out.push(this.#call('rt_array_append', [get(stmt.array), this.#read(stmt.value, st)], none));
        return;
      case 'ObjectInsertStmt':
        out.push(this.#call('rt_object_insert', [get(stmt.object), this.#read(stmt.key, st), this.#read(stmt.value, st)], none));
        return;
      case 'ObjectInsertOnceStmt': {
        const ok = this.#label();
        out.push(m.block(ok, [
          m.br(ok, m.i32.eqz(this.#call('rt_object_insert_once', [get(stmt.object), this.#read(stmt.key, st), this.#read(stmt.value, st)], i32))),
          ...this.#runtimeError(stmt.location, ERR_OBJECT_INSERT),
        ], none));
        return;
      }
      case 'ObjectMergeStmt':
        out.push(set(stmt.target, this.#call('rt_merge', [get(stmt.a), get(stmt.b)], i32)));
        return;
      case 'SetAddStmt':
        out.push(this.#call('rt_set_add', [get(stmt.set), this.#read(stmt.value, st)], none));
        return;
      case 'ResultSetAddStmt': {
        if (!this.#inPlan) throw new EmitError('Cannot emit WASM: ResultSetAddStmt outside a plan');
        out.push(this.#call('rt_set_add', [m.local.get(2, i32), get(stmt.value)], none));
        return;
      }
    }
  }

  #callStmt(func: string, args: readonly Operand[], result: number, st: FuncState): number[] {
    const m = this.#m;
    const argExprs = args.map((a) => this.#read(a, st));
    let call: number;
    const planned = this.#funcNames.get(func);
    const native = nativeBuiltins.get(func);
    if (planned !== undefined) {
      call = m.call(planned, argExprs, i32);
    } else if (native !== undefined && native.arity === args.length) {
      call = this.#call(native.runtimeExport, argExprs, i32);
    } else {
      if (args.length > 4) throw new EmitError(`Cannot emit WASM: builtin "${func}" takes ${args.length} arguments, at most 4 are supported`);
      const dispatcher = this.#dispatcher(args.length);
      const importName = builtinImportName(func, this.#options.aliasSdkBuiltins !== false);
      const id = this.#builtinId(importName);
      call = m.call(dispatcher, [m.i32.const(id), m.i32.const(0), ...argExprs], i32);
      if (args.length === 0) call = this.#cachedCall(id, call);
      const spec = getBuiltin(func);
      // A builtin without a result (print) succeeds whatever the JS side returns.
      if (spec !== undefined && spec.result === null) return [m.drop(call)];
      // Sets cross the JSON boundary as arrays.
      const kinds = spec?.result === null || spec === undefined ? undefined : typeKinds(spec.result);
      if (kinds !== undefined && kinds.length === 1 && kinds[0] === 'set') call = this.#call('rt_to_set', [call], i32);
    }
    return [
      m.local.set(st.local(result), call),
      this.#undefinedIf(m.i32.eqz(m.local.get(st.local(result), i32)), st),
    ];
  }

  /**
   * A builtin without arguments (`time.now_ns`) answers once per evaluation, as OPA caches it: the
   * result is kept in a global that `eval`/`opa_eval` clear before dispatching.
   */
  #cachedCall(id: number, call: number): number {
    const m = this.#m;
    const global = `${P}builtin_cache_${id}`;
    if (!this.#cachedBuiltins.has(global)) {
      m.addGlobal(global, i32, true, m.i32.const(0));
      this.#cachedBuiltins.add(global);
    }
    return m.block(null, [
      m.if(m.i32.eqz(m.global.get(global, i32)), m.global.set(global, call)),
      m.global.get(global, i32),
    ], i32);
  }

  #builtinId(name: string): number {
    let id = this.#builtinIds.get(name);
    if (id === undefined) {
      id = this.#builtinIds.size;
      this.#builtinIds.set(name, id);
    }
    return id;
  }

  #dispatcher(arity: number): string {
    const name = `${P}opa_builtin${arity}`;
    if (!this.#importedDispatchers.has(arity)) {
      this.#m.addFunctionImport(name, 'env', `opa_builtin${arity}`, binaryen.createType(new Array<number>(arity + 2).fill(i32)), i32);
      this.#importedDispatchers.add(arity);
    }
    return name;
  }
}

interface SegmentApi {
  getNumDataSegments(): number;
  getDataSegmentByIndex(index: number): number;
  getDataSegmentInfo(segment: number): { name: string; offset: number | null; data: ArrayBuffer; passive: boolean };
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
