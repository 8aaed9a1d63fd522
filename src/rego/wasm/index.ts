/**
 * Public surface of the Rego → WASM back end: the emitter, the table of builtins compiled into the
 * runtime, and the wrapper that hands JavaScript builtins to @open-policy-agent/opa-wasm.
 */
export { emitWasm } from './emit.ts';
export { EmitError } from './emit-context.ts';
export type { EmitWasmOptions } from './emit.ts';
export { nativeBuiltins, isNativeBuiltin } from './native-builtins.ts';
export type { NativeBuiltin } from './native-builtins.ts';
export { wrapJsBuiltins, builtinImportName, sdkShadowedBuiltins } from './wrap-js-builtins.ts';
export type { SdkBuiltin, WrapJsBuiltinsOptions } from './wrap-js-builtins.ts';
