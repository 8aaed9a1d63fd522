/**
 * The shape of a JavaScript builtin and the helper that defines one with OPA's operand checks.
 *
 * `defineBuiltin` looks the builtin up in the catalogue and checks each operand's kind before the
 * implementation runs, so every implementation can trust its argument types and every type error
 * reads as OPA's (`operand 1 must be string but got number`). Sets arrive as arrays, so a `set`
 * operand accepts an array.
 */
import { builtinCatalog } from './catalog.ts';
import { operandError } from './builtin-error.ts';
import type { BuiltinResult, JsonValue } from './value.ts';
import { typeNameOf } from './value.ts';

/**
 * A builtin as `loadPolicy(wasm, memory, customBuiltins)` calls it: JSON arguments in, a JSON result
 * (or `undefined` for "no result") out.
 * @throws BuiltinError (`eval_type_error` or `eval_builtin_error`) when OPA's builtin would fail
 */
export type JsBuiltin = (...args: JsonValue[]) => BuiltinResult;

/** Builtins by name. */
export type JsBuiltinTable = Record<string, JsBuiltin>;

/** Options for `defineBuiltin`. */
export interface DefineBuiltinOptions {
  /**
   * Kinds to name in the error for each operand, in OPA's order, when it differs from the catalogue's
   * (`object.remove` says `one of {object, set, array}`).
   */
  readonly expected?: readonly (readonly string[] | undefined)[];
  /** Skip the automatic checks for these 1-based operand positions (the builtin checks itself). */
  readonly unchecked?: readonly number[];
}

/**
 * Wrap `impl` as the builtin `name`, checking operand kinds against the catalogue first.
 * @throws Error when `name` is not in the catalogue (a programming error, found by the unit tests)
 */
export function defineBuiltin(name: string, impl: (...args: JsonValue[]) => BuiltinResult, options: DefineBuiltinOptions = {}): JsBuiltin {
  const spec = builtinCatalog.get(name);
  if (spec === undefined) throw new Error(`Cannot define builtin "${name}": not in the catalogue`);
  const checks = spec.args.map((type, i) => {
    if (type === 'any' || options.unchecked?.includes(i + 1)) return undefined;
    const kinds = type.split('|');
    const accepted = new Set(kinds.map((k) => (k === 'set' ? 'array' : k)));
    return { accepted, expected: options.expected?.[i] ?? kinds };
  });
  const checked: JsBuiltin = (...args) => {
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i];
      if (check === undefined) continue;
      const got = typeNameOf(args[i] ?? null);
      if (!check.accepted.has(got)) throw operandError(name, i + 1, check.expected, got);
    }
    return impl(...args);
  };
  Object.defineProperty(checked, 'name', { value: name });
  return checked;
}
