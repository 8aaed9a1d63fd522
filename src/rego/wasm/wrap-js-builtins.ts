/**
 * The JavaScript side of non-native builtins: how they are handed to `loadPolicy` as custom builtins.
 *
 * Convention between the emitted module and the JS builtins (the module's half is in emit-stmts.ts):
 * - The module calls `opa_builtinN(id, 0, args...)`; the SDK JSON-dumps the arguments, calls the
 *   function registered under the name `builtins()` gives for `id`, and parses its JSON result.
 * - A builtin that fails returns `undefined` (the wrapper catches the error): the SDK then hands the
 *   module address 0, which the module treats as "undefined", like OPA's WASM target does for a
 *   builtin error in its default, non-strict mode. With `strict: true` the error propagates instead
 *   and aborts the evaluation.
 * - A builtin whose declared result is a set returns an array; the module turns it back into a set.
 * - A builtin without a result (`print`) may return anything; the module ignores it.
 * - The SDK's own builtins (`sprintf`, `regex.split`, `json.is_valid`, `yaml.*`) would shadow custom
 *   builtins of the same name, so the module names them `aiws/<name>` and the wrapper registers each
 *   implementation under both names.
 */

/** A custom builtin as `loadPolicy` calls it. */
export type SdkBuiltin = (...args: unknown[]) => unknown;

/** Builtins the SDK implements itself, which take precedence over custom builtins of the same name. */
export const sdkShadowedBuiltins: ReadonlySet<string> = new Set([
  'sprintf', 'regex.split', 'json.is_valid', 'yaml.is_valid', 'yaml.marshal', 'yaml.unmarshal',
]);

const ALIAS_PREFIX = 'aiws/';

/**
 * The name the module lists in `builtins()` for the OPA builtin `name`: `aiws/<name>` for builtins the
 * SDK shadows when `alias` is on, else `name` itself.
 */
export function builtinImportName(name: string, alias: boolean): string {
  return alias && sdkShadowedBuiltins.has(name) ? `${ALIAS_PREFIX}${name}` : name;
}

/** Options for `wrapJsBuiltins`. */
export interface WrapJsBuiltinsOptions {
  /**
   * Let builtin errors abort the evaluation (OPA's `strict-builtin-errors`) instead of making the
   * call undefined.
   * @default false
   */
  readonly strict?: boolean;
}

/**
 * Wraps builtin implementations for `loadPolicy(wasm, memory, customBuiltins)`: errors become
 * "undefined" (unless `strict`), and SDK-shadowed builtins are also registered under their alias.
 */
export function wrapJsBuiltins(
  impls: Readonly<Record<string, (...args: never[]) => unknown>>,
  options: WrapJsBuiltinsOptions = {},
): Record<string, SdkBuiltin> {
  const out: Record<string, SdkBuiltin> = {};
  const strict = options.strict === true;
  for (const [name, impl] of Object.entries(impls)) {
    const call = impl as (...args: unknown[]) => unknown;
    const wrapped: SdkBuiltin = (...args) => {
      try {
        return call(...args);
      } catch (err) {
        if (strict) throw err;
        return undefined;
      }
    };
    out[name] = wrapped;
    if (sdkShadowedBuiltins.has(name)) out[`${ALIAS_PREFIX}${name}`] = wrapped;
  }
  return out;
}
