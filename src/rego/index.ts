/**
 * aiws's Rego → WebAssembly compiler: the public API of the pure library under src/rego.
 *
 * `compile` turns Rego sources into a module implementing OPA's WASM ABI, loadable by the unmodified
 * `@open-policy-agent/opa-wasm` SDK; `compileQuery` compiles an `opa eval`-style query; `checkPolicy`
 * only checks; `evaluate` and `loadCompiledPolicy` are small helpers over the SDK. Nothing here
 * imports from the daemon.
 */
export { checkPolicy, compile, isPathEntrypoint } from './compiler/compile.ts';
export type { CompileOptions, CompileResult } from './compiler/compile.ts';
export { compileQuery } from './compiler/compile-query.ts';
export type { CompileQueryOptions, CompileQueryResult, QueryExpression } from './compiler/compile-query.ts';
export { encodeInput, evaluate, jsBuiltinTable, loadCompiledPolicy } from './evaluate.ts';
export type { CustomBuiltin, EvaluateOptions, LoadCompiledPolicyOptions, ResultRow } from './evaluate.ts';
export { formatIr } from './compiler/format-ir.ts';
export type { Diagnostic } from './diagnostics/index.ts';
export { formatDiagnostic, formatDiagnostics, hasErrors } from './diagnostics/index.ts';
