/**
 * Test helpers around emitted policies: load them with the unmodified @open-policy-agent/opa-wasm
 * SDK, and reach the raw ABI exports (to read results as exact text, or drive the context path).
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import type { Policy } from '../../src/rego/ir/ir.ts';
import { emitWasm, wrapJsBuiltins } from '../../src/rego/wasm/index.ts';
import type { EmitWasmOptions, WrapJsBuiltinsOptions } from '../../src/rego/wasm/index.ts';

// The tree's TypeScript libs carry no WebAssembly typings: spell out the little the tests use.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmGlobal {
  readonly value: unknown;
}
interface WasmModuleApi {
  new (bytes: Uint8Array): object;
  imports(module: object): { module: string; name: string; kind: string }[];
  exports(module: object): { name: string; kind: string }[];
}
const wasmModule = (globalThis as unknown as { WebAssembly: { Module: WasmModuleApi } }).WebAssembly.Module;

/** Names of a module's imports (`module.name`) and exports. */
export function moduleInterface(bytes: Uint8Array): { imports: string[]; exports: string[] } {
  const module = new wasmModule(bytes);
  return {
    imports: wasmModule.imports(module).map((i) => `${i.module}.${i.name}`),
    exports: wasmModule.exports(module).map((e) => e.name),
  };
}

/** An exported global's value. */
export function globalValue(p: TestPolicy, name: string): unknown {
  return (p.wasmInstance.exports[name] as WasmGlobal | undefined)?.value;
}

/** The loaded policy as the SDK returns it (its typings are loose, so spell out what tests use). */
export interface TestPolicy {
  evaluate(input?: unknown, entrypoint?: string | number): { result: unknown }[];
  setData(data: unknown): void;
  entrypoints: Record<string, number>;
  mem: WasmMemory;
  wasmInstance: WasmInstance;
}

export interface LoadOptions {
  readonly emit?: EmitWasmOptions;
  readonly builtins?: Record<string, (...args: never[]) => unknown>;
  readonly wrap?: WrapJsBuiltinsOptions;
}

/** Emits `policy` (validated) and loads it with the SDK. */
export async function loadIr(policy: Policy, options: LoadOptions = {}): Promise<TestPolicy> {
  const wasm = emitWasm(policy, { validate: true, ...options.emit });
  const custom = wrapJsBuiltins(options.builtins ?? {}, options.wrap);
  return (await loadPolicy(wasm, undefined, custom)) as unknown as TestPolicy;
}

type Exports = Record<string, (...args: number[]) => number>;

/** Raw access to a loaded policy's ABI exports. */
export class RawAbi {
  readonly #p: TestPolicy;

  constructor(p: TestPolicy) {
    this.#p = p;
  }

  get exports(): Exports {
    return this.#p.wasmInstance.exports as unknown as Exports;
  }

  /** Copies `text` into the module's heap; returns address and length. */
  write(text: string): { addr: number; len: number } {
    const bytes = new TextEncoder().encode(text);
    const addr = this.exports.opa_malloc!(bytes.length);
    new Uint8Array(this.#p.mem.buffer).set(bytes, addr);
    return { addr, len: bytes.length };
  }

  /** The NUL-terminated string at `addr`. */
  read(addr: number): string {
    const buf = new Uint8Array(this.#p.mem.buffer);
    let end = addr;
    while (buf[end] !== 0) end++;
    return new TextDecoder().decode(buf.subarray(addr, end));
  }

  jsonParse(text: string): number {
    const { addr, len } = this.write(text);
    return this.exports.opa_json_parse!(addr, len);
  }

  valueParse(text: string): number {
    const { addr, len } = this.write(text);
    return this.exports.opa_value_parse!(addr, len);
  }

  jsonDump(value: number): string {
    return this.read(this.exports.opa_json_dump!(value));
  }

  valueDump(value: number): string {
    return this.read(this.exports.opa_value_dump!(value));
  }

  /** `opa_eval` with raw input text; returns the result text (format 0 JSON, 1 Rego value). */
  evalRaw(entrypoint: number, inputText: string, format = 0): string {
    const heap = this.exports.opa_heap_ptr_get!();
    const data = this.jsonParse('{}');
    const { addr, len } = this.write(inputText);
    const ret = this.exports.opa_eval!(0, entrypoint, data, addr, len, addr + len, format);
    const out = this.read(ret);
    this.exports.opa_heap_ptr_set!(heap);
    return out;
  }
}
