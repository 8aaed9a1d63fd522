/**
 * `internal.template_string` (Rego template strings, `$"hello {name}"`) and `internal.print`
 * (`print(...)`), which render their operands the same way.
 *
 * Each operand is a literal string, number, boolean or null, or the set of values of one embedded
 * expression (arriving as an array): an empty set renders as `<undefined>`, a string as itself, any
 * other value in Rego syntax.
 */
import { BuiltinError, builtinErrorCodes, typeError } from './builtin-error.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import { regoString } from './rego-string.ts';
import type { JsonValue } from './value.ts';
import { formatNumber, isObject, typeNameOf } from './value.ts';

function renderOne(v: JsonValue): string {
  return typeof v === 'string' ? v : regoString(v);
}

/** Every rendering of `operands` (the cross product of the sets' members). */
export function renderOperands(name: string, operands: readonly JsonValue[]): string[][] {
  let rows: string[][] = [[]];
  for (const op of operands) {
    let choices: string[];
    if (typeof op === 'string') choices = [op];
    else if (typeof op === 'number') choices = [formatNumber(op)];
    else if (typeof op === 'boolean' || op === null) choices = [String(op)];
    else if (Array.isArray(op)) choices = op.length === 0 ? ['<undefined>'] : op.map(renderOne);
    else if (isObject(op)) throw typeError(name, `illegal argument type: ${typeNameOf(op)}`);
    else choices = [];
    rows = rows.flatMap((row) => choices.map((c) => [...row, c]));
  }
  return rows;
}

/** The template-string and print builtins by name. */
export const templateBuiltins: JsBuiltinTable = {
  'internal.template_string': defineBuiltin('internal.template_string', (parts) => {
    const rows = renderOperands('internal.template_string', parts as JsonValue[]);
    if (rows.length > 1) {
      throw new BuiltinError(builtinErrorCodes.conflict, 'internal.template_string', 'template-strings must not produce multiple outputs');
    }
    return rows[0]!.join('');
  }),
  // Output is the host's business (a WASM module calls opa_println); the JS form renders and drops it.
  'internal.print': defineBuiltin('internal.print', (parts) => {
    renderOperands('internal.print', parts as JsonValue[]);
    return null;
  }),
};
