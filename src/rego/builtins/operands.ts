/**
 * Operand readers shared by the builtin modules, each throwing OPA's type error on a mismatch.
 */
import { operandError, typeError } from './builtin-error.ts';
import type { JsonValue } from './value.ts';
import { typeNameOf } from './value.ts';

/** An integer operand (OPA's `builtins.IntOperand`). */
export function intOperand(builtin: string, position: number, value: JsonValue): number {
  if (typeof value !== 'number') throw operandError(builtin, position, ['number'], typeNameOf(value));
  if (!Number.isInteger(value)) throw typeError(builtin, `operand ${position} must be integer number but got floating-point number`);
  return value;
}

/** Strings of an array or set operand (OPA's `builtins.StringSliceOperand`). */
export function stringsOf(builtin: string, position: number, value: JsonValue): string[] {
  if (!Array.isArray(value)) throw operandError(builtin, position, ['array', 'set'], typeNameOf(value));
  for (const item of value) {
    if (typeof item !== 'string') throw typeError(builtin, `operand ${position} must be array of strings but got array containing ${typeNameOf(item)}`);
  }
  return value as string[];
}
