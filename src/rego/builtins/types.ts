/**
 * Type predicates: `is_string is_number is_boolean is_array is_object is_set is_null type_name`.
 *
 * A set reaches a JavaScript builtin as an array, so `is_set` is false and `type_name` says `array`
 * for sets here; these builtins belong inside the WASM module, which sees the real value. The JS
 * versions exist for the other kinds and for tools that evaluate outside WASM.
 */
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import { isObject, typeNameOf } from './value.ts';

/** The type builtins by name. */
export const typeBuiltins: JsBuiltinTable = {
  is_string: defineBuiltin('is_string', (x) => typeof x === 'string'),
  is_number: defineBuiltin('is_number', (x) => typeof x === 'number'),
  is_boolean: defineBuiltin('is_boolean', (x) => typeof x === 'boolean'),
  is_array: defineBuiltin('is_array', (x) => Array.isArray(x)),
  is_object: defineBuiltin('is_object', (x) => isObject(x!)),
  is_set: defineBuiltin('is_set', () => false),
  is_null: defineBuiltin('is_null', (x) => x === null),
  type_name: defineBuiltin('type_name', (x) => typeNameOf(x!)),
};
