/**
 * The error a JavaScript builtin throws, carrying OPA's error code and message.
 *
 * OPA distinguishes type errors (`eval_type_error`: an operand of the wrong kind) from other builtin
 * failures (`eval_builtin_error`: bad base64, an invalid regex, ...). In OPA's WASM target without
 * strict builtin errors, either one makes the calling expression undefined; with strict errors it
 * aborts the query. The wrapper that hands these functions to the SDK decides which, matching on
 * `code` (or `isBuiltinError`), never on the message.
 */

/** OPA's error codes for a failing builtin. */
export const builtinErrorCodes = {
  type: 'eval_type_error',
  builtin: 'eval_builtin_error',
  /** A builtin that must yield one value yields several (`internal.template_string`); never undefined-ed. */
  conflict: 'eval_conflict_error',
} as const;

/** `eval_type_error`, `eval_builtin_error` or `eval_conflict_error`. */
export type BuiltinErrorCode = (typeof builtinErrorCodes)[keyof typeof builtinErrorCodes];

const brand = Symbol.for('aiws.rego.BuiltinError');

/**
 * A builtin failed the way OPA's would. `message` is OPA's text: `"<builtin>: <detail>"`, e.g.
 * `upper: operand 1 must be string but got number`.
 */
export class BuiltinError extends Error {
  readonly code: BuiltinErrorCode;
  /** Name of the builtin that failed (`object.get`). */
  readonly builtin: string;

  constructor(code: BuiltinErrorCode, builtin: string, detail: string, options?: { cause?: unknown }) {
    super(`${builtin}: ${detail}`, options);
    this.name = 'BuiltinError';
    this.code = code;
    this.builtin = builtin;
    Object.defineProperty(this, brand, { value: true });
  }
}

/** True for a `BuiltinError`, also one created in another realm (isolate, worker, vm context). */
export function isBuiltinError(value: unknown): value is BuiltinError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** An `eval_type_error` for `builtin` with OPA's wording. */
export function typeError(builtin: string, detail: string): BuiltinError {
  return new BuiltinError(builtinErrorCodes.type, builtin, detail);
}

/** An `eval_builtin_error` for `builtin`. */
export function builtinError(builtin: string, detail: string, cause?: unknown): BuiltinError {
  return new BuiltinError(builtinErrorCodes.builtin, builtin, detail, cause === undefined ? undefined : { cause });
}

/** OPA's operand type error: `operand 2 must be string but got number` (or `one of {…}`). */
export function operandError(builtin: string, position: number, expected: readonly string[], got: string): BuiltinError {
  const want = expected.length === 1 ? expected[0] : `one of {${expected.join(', ')}}`;
  return typeError(builtin, `operand ${position} must be ${want} but got ${got}`);
}
