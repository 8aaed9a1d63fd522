/**
 * Public surface of the Rego builtins: the catalogue of OPA v1 builtins and the JavaScript
 * implementations handed to `@open-policy-agent/opa-wasm` as custom builtins.
 */
export { builtinCatalog, getBuiltin, infixBuiltins, isValidArity, typeKinds } from './catalog.ts';
export type { BuiltinSpec, TypeSpec, ValueKind } from './catalog.ts';
export { BuiltinError, builtinErrorCodes, isBuiltinError } from './builtin-error.ts';
export type { BuiltinErrorCode } from './builtin-error.ts';
export { jsBuiltins } from './js-builtins.ts';
export type { JsBuiltin, JsBuiltinTable } from './js-builtin.ts';
export { compareValues, exactInteger, marshalJson, toSet } from './value.ts';
export type { BuiltinResult, JsonValue, RawNumber } from './value.ts';
