/**
 * A small evaluation helper over the unmodified `@open-policy-agent/opa-wasm` SDK: loads a compiled
 * module with aiws's JavaScript builtins (the builtins not compiled into the module) and evaluates
 * entrypoints. Callers that need more control use the SDK's `loadPolicy` directly.
 */
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { jsBuiltins } from './builtins/index.ts';
import { wrapJsBuiltins } from './wasm/index.ts';

/** A custom builtin as the SDK calls it: JSON values in, a JSON value (or undefined) out. */
export type CustomBuiltin = (...args: never[]) => unknown;

/** Options for `loadCompiledPolicy`. */
export interface LoadCompiledPolicyOptions {
  /** Extra custom builtins (override aiws's JS builtins of the same name). */
  readonly builtins?: Readonly<Record<string, CustomBuiltin>>;
  /** Initial WASM memory, in 64 KiB pages. @default 5 (the SDK's default) */
  readonly initialMemoryPages?: number;
  /**
   * Let an error in a JavaScript builtin abort the evaluation (OPA's `strict-builtin-errors`)
   * instead of making the call undefined. @default false
   */
  readonly strictBuiltinErrors?: boolean;
}

/** aiws's JavaScript implementations of the builtins that are not compiled into modules. */
export function jsBuiltinTable(): Record<string, CustomBuiltin> {
  return jsBuiltins as unknown as Record<string, CustomBuiltin>;
}

/** Loads a compiled module with the unmodified SDK, wiring aiws's JavaScript builtins. */
export async function loadCompiledPolicy(wasm: Uint8Array, options: LoadCompiledPolicyOptions = {}): Promise<LoadedPolicy> {
  const custom = wrapJsBuiltins({ ...jsBuiltinTable(), ...(options.builtins ?? {}) }, { strict: options.strictBuiltinErrors === true });
  return loadPolicy(wasm, options.initialMemoryPages ?? 5, custom);
}

/** Options for `evaluate`. */
export interface EvaluateOptions extends LoadCompiledPolicyOptions {
  /** The `data` document. @default {} */
  readonly data?: unknown;
  /** The `input` document; undefined leaves input undefined. */
  readonly input?: unknown;
  /** Entrypoint name or id. @default 0 */
  readonly entrypoint?: string | number;
}

/** One row of a result set: `{ result }` for rule entrypoints, variable bindings for queries. */
export type ResultRow = Record<string, unknown>;

/**
 * Loads `wasm` and evaluates one entrypoint: a convenience for one-off evaluations (load once and
 * call `policy.evaluate` for repeated ones).
 */
export async function evaluate(wasm: Uint8Array, options: EvaluateOptions = {}): Promise<ResultRow[]> {
  const policy = await loadCompiledPolicy(wasm, options);
  if (options.data !== undefined) policy.setData(options.data as object);
  return policy.evaluate(encodeInput(options.input), options.entrypoint ?? 0) as ResultRow[];
}

/**
 * The SDK skips falsy inputs (`false`, `0`, `""`, `null`): passing them as JSON text keeps them
 * defined.
 */
export function encodeInput(input: unknown): unknown {
  if (input === undefined) return undefined;
  if (input) return input;
  return new TextEncoder().encode(JSON.stringify(input)).buffer;
}
