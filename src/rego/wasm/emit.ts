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
 *
 * This file assembles the module (runtime, generated functions, entry points, memory); statements are
 * emitted by `emit-stmts.ts`, over the shared state of `emit-context.ts`; constants go to the data
 * segment of `data-segment.ts`.
 */
import binaryen from 'binaryen';
import { readFileSync } from 'node:fs';
import type { Func, Policy } from '../ir/ir.ts';
import { utf8 } from './data-segment.ts';
import { EmitContext, EmitError, P } from './emit-context.ts';
import { wrapBlock } from './emit-stmts.ts';
import { FuncState } from './func-state.ts';

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

const ERR_ILLEGAL_ENTRYPOINT = 'internal: illegal entrypoint id';

const { i32, none } = binaryen;
/** What AssemblyScript's output uses and every engine the SDK runs on supports. */
const FEATURES = binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.SignExt
  | binaryen.Features.NontrappingFPToInt | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt;
/** binaryen's name for an imported memory read from a binary without a name section (how the build script compiles the runtime). */
const MEMORY_NAME = 'mimport$0';

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

/** Assembles one module: the runtime plus the policy's functions, plans and entry points. */
class Emitter {
  readonly #policy: Policy;
  readonly #options: EmitWasmOptions;
  readonly #m: binaryen.Module;
  readonly #cx: EmitContext;

  constructor(policy: Policy, options: EmitWasmOptions) {
    this.#policy = policy;
    this.#options = options;
    this.#m = binaryen.readBinary(loadRuntime());
    this.#m.setFeatures(FEATURES);
    this.#cx = new EmitContext(policy, this.#m, options.aliasSdkBuiltins !== false);
  }

  dispose(): void {
    this.#m.dispose();
  }

  run(): Uint8Array {
    const m = this.#m;
    const exportNames: string[] = [];
    for (let i = 0; i < m.getNumExports(); i++) {
      const info = binaryen.getExportInfo(m.getExportByIndex(i));
      if (info.kind === binaryen.ExternalFunction) this.#cx.rt.set(info.name, info.value);
      exportNames.push(info.name);
    }
    const segments = this.#readSegments();
    const staticEnd = segments.reduce((end, s) => Math.max(end, s.offsetBytes + s.data.byteLength), 0);
    this.#cx.startData((staticEnd + 15) & ~15);

    this.#policy.funcs.forEach((fn, i) => this.#cx.funcNames.set(fn.name, `${P}f${i}`));
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
      for (const name of this.#cx.generated) m.optimizeFunction(name);
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
    const end = (this.#cx.data.end + 15) & ~15;
    // the allocator starts past the emitted data
    if (!exportNames.includes('rt_static_end')) throw new EmitError('Cannot emit WASM: the runtime lacks "rt_static_end"');
    const globalName = binaryen.getExportInfo(m.getExport('rt_static_end')).value;
    m.removeGlobal(globalName);
    m.addGlobal(globalName, i32, true, m.i32.const(end));
    const all = [
      ...segments.map((s) => ({ name: s.name, offset: m.i32.const(s.offsetBytes), data: new Uint8Array(s.data), passive: false })),
      { name: 'policy', offset: m.i32.const(this.#cx.data.base), data: this.#cx.data.bytes(), passive: false },
    ];
    const pages = Math.max(1, Math.ceil(end / 65536));
    // setMemory replaces the runtime's memory and segments; keep the name its instructions use
    m.setMemory(pages, 0xffffffff, null, all, false, false, MEMORY_NAME);
    m.addMemoryImport(MEMORY_NAME, 'env', 'memory');
  }

  #emitFunc(fn: Func, wasmName: string): void {
    const m = this.#m;
    const st = new FuncState(fn.params, 0);
    const body = fn.blocks.map((b) => wrapBlock(this.#cx, b, st));
    body.push(m.return(m.local.get(st.local(fn.return), i32)));
    const params = binaryen.createType(fn.params.map(() => i32));
    const vars = new Array<number>(st.varCount(fn.params.length)).fill(i32);
    m.addFunction(wasmName, params, i32, vars, m.block(null, body, none));
    this.#cx.generated.push(wasmName);
  }

  #emitPlan(index: number): void {
    const plan = this.#policy.plans[index];
    if (plan === undefined) return;
    const m = this.#m;
    // params: input (IR local 0), data (IR local 1), result set
    const st = new FuncState([0, 1], 1);
    this.#cx.inPlan = true;
    const body = plan.blocks.map((b) => wrapBlock(this.#cx, b, st));
    const vars = new Array<number>(st.varCount(3)).fill(i32);
    m.addFunction(`${P}p${index}`, binaryen.createType([i32, i32, i32]), none, vars, m.block(null, body, none));
    this.#cx.generated.push(`${P}p${index}`);
    this.#cx.inPlan = false;
  }

  #emitEntrypoints(): void {
    const m = this.#m;
    const plans = this.#policy.plans;
    // dispatch(entrypoint, input, data, rs)
    let chain = m.block(null, this.#cx.abort(ERR_ILLEGAL_ENTRYPOINT), none);
    for (let i = plans.length - 1; i >= 0; i--) {
      chain = m.if(
        m.i32.eq(m.local.get(0, i32), m.i32.const(i)),
        m.call(`${P}p${i}`, [m.local.get(1, i32), m.local.get(2, i32), m.local.get(3, i32)], none),
        chain,
      );
    }
    const resetCaches = [...this.#cx.cachedBuiltins].map((g) => m.global.set(g, m.i32.const(0)));
    m.addFunction(`${P}dispatch`, binaryen.createType([i32, i32, i32, i32]), none, [], m.block(null, [...resetCaches, chain], none));

    // eval(ctx): the ABI's context-based path
    m.addFunction(`${P}eval`, binaryen.createType([i32]), i32, [i32], m.block(null, [
      m.local.set(1, this.#cx.call('rt_set', [], i32)),
      m.call(`${P}dispatch`, [
        this.#cx.call('rt_ctx_entrypoint', [m.local.get(0, i32)], i32),
        this.#cx.call('rt_ctx_input', [m.local.get(0, i32)], i32),
        this.#cx.call('rt_ctx_data', [m.local.get(0, i32)], i32),
        m.local.get(1, i32),
      ], none),
      this.#cx.call('rt_ctx_set_result', [m.local.get(0, i32), m.local.get(1, i32)], none),
      m.i32.const(0),
    ], i32));
    m.addFunctionExport(`${P}eval`, 'eval');

    // opa_eval(reserved, entrypoint, data, input, input_len, heap_ptr, format): the ABI 1.2 fast path
    m.addFunction(`${P}opa_eval`, binaryen.createType([i32, i32, i32, i32, i32, i32, i32]), i32, [i32, i32], m.block(null, [
      m.local.set(7, this.#cx.call('rt_eval_input', [m.local.get(3, i32), m.local.get(4, i32), m.local.get(5, i32)], i32)),
      m.local.set(8, this.#cx.call('rt_set', [], i32)),
      m.call(`${P}dispatch`, [m.local.get(1, i32), m.local.get(7, i32), m.local.get(2, i32), m.local.get(8, i32)], none),
      this.#cx.call('rt_eval_result', [m.local.get(8, i32), m.local.get(6, i32)], i32),
    ], i32));
    m.addFunctionExport(`${P}opa_eval`, 'opa_eval');

    const entrypoints: Record<string, number> = {};
    plans.forEach((p, i) => { entrypoints[p.name] = i; });
    this.#jsonConstFunction('entrypoints', JSON.stringify(entrypoints));
    const builtins: Record<string, number> = {};
    for (const [name, id] of this.#cx.builtinIds) builtins[name] = id;
    this.#jsonConstFunction('builtins', JSON.stringify(builtins));
  }

  #jsonConstFunction(name: string, json: string): void {
    const m = this.#m;
    const bytes = utf8.encode(json);
    const addr = this.#cx.data.add(bytes, 1);
    m.addFunction(`${P}${name}`, none, i32, [], this.#cx.callExport('opa_json_parse', [m.i32.const(addr), m.i32.const(bytes.length)]));
    m.addFunctionExport(`${P}${name}`, name);
  }
}

interface SegmentApi {
  getNumDataSegments(): number;
  getDataSegmentByIndex(index: number): number;
  getDataSegmentInfo(segment: number): { name: string; offset: number | null; data: ArrayBuffer; passive: boolean };
}
