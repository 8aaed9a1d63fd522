/**
 * The builtins compiled into the policy runtime, by OPA name.
 *
 * The planner and the emitter share this table so they agree on what runs inside the module: a call
 * to a name listed here becomes a direct call to the runtime function; every other builtin goes
 * through the SDK's `opa_builtinN` imports (a JavaScript custom builtin). Native builtins follow
 * OPA's WASM target in non-strict mode: an error (wrong operand type, division by zero, a malformed
 * CIDR or glob) makes the call undefined.
 */

/** One native builtin: the runtime export that implements it and its number of arguments. */
export interface NativeBuiltin {
  /** Export name of the implementation in runtime.wasm. */
  readonly runtimeExport: string;
  readonly arity: number;
}

/** OPA builtin name → native implementation. */
export const nativeBuiltins: ReadonlyMap<string, NativeBuiltin> = new Map<string, NativeBuiltin>([
  ['equal', { runtimeExport: 'bi_equal', arity: 2 }],
  ['neq', { runtimeExport: 'bi_neq', arity: 2 }],
  ['lt', { runtimeExport: 'bi_lt', arity: 2 }],
  ['lte', { runtimeExport: 'bi_lte', arity: 2 }],
  ['gt', { runtimeExport: 'bi_gt', arity: 2 }],
  ['gte', { runtimeExport: 'bi_gte', arity: 2 }],
  ['plus', { runtimeExport: 'bi_plus', arity: 2 }],
  ['minus', { runtimeExport: 'bi_minus', arity: 2 }],
  ['mul', { runtimeExport: 'bi_mul', arity: 2 }],
  ['div', { runtimeExport: 'bi_div', arity: 2 }],
  ['rem', { runtimeExport: 'bi_rem', arity: 2 }],
  ['count', { runtimeExport: 'bi_count', arity: 1 }],
  ['startswith', { runtimeExport: 'bi_startswith', arity: 2 }],
  ['endswith', { runtimeExport: 'bi_endswith', arity: 2 }],
  ['contains', { runtimeExport: 'bi_contains', arity: 2 }],
  ['glob.match', { runtimeExport: 'bi_glob_match', arity: 3 }],
  ['net.cidr_contains', { runtimeExport: 'bi_net_cidr_contains', arity: 2 }],
  ['internal.member_2', { runtimeExport: 'bi_member_2', arity: 2 }],
  ['internal.member_3', { runtimeExport: 'bi_member_3', arity: 3 }],
  ['and', { runtimeExport: 'bi_and', arity: 2 }],
  ['or', { runtimeExport: 'bi_or', arity: 2 }],
  // Type-sensitive builtins: a set or a non-string key would not survive the JSON boundary.
  ['type_name', { runtimeExport: 'bi_type_name', arity: 1 }],
  ['is_null', { runtimeExport: 'bi_is_null', arity: 1 }],
  ['is_boolean', { runtimeExport: 'bi_is_boolean', arity: 1 }],
  ['is_number', { runtimeExport: 'bi_is_number', arity: 1 }],
  ['is_string', { runtimeExport: 'bi_is_string', arity: 1 }],
  ['is_array', { runtimeExport: 'bi_is_array', arity: 1 }],
  ['is_object', { runtimeExport: 'bi_is_object', arity: 1 }],
  ['is_set', { runtimeExport: 'bi_is_set', arity: 1 }],
  ['object.keys', { runtimeExport: 'bi_object_keys', arity: 1 }],
  ['union', { runtimeExport: 'bi_union', arity: 1 }],
  ['intersection', { runtimeExport: 'bi_intersection', arity: 1 }],
  ['walk', { runtimeExport: 'bi_walk', arity: 1 }],
  // Common in policies; natively it avoids copying a whole object across the JSON boundary.
  ['object.get', { runtimeExport: 'bi_object_get', arity: 3 }],
]);

/** Whether `name` (with `arity` arguments) runs inside the module rather than as a JS custom builtin. */
export function isNativeBuiltin(name: string, arity?: number): boolean {
  const native = nativeBuiltins.get(name);
  return native !== undefined && (arity === undefined || native.arity === arity);
}
