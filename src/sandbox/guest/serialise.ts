/**
 * Strict JSON serialisation and error description inside the guest.
 *
 * Runs inside the isolate. Everything the guest hands the host crosses as a JSON string made here:
 * values that JSON.stringify would silently drop or mangle (functions, symbols, non-finite numbers) and
 * values it cannot encode (bigint, cycles) are refused with a reason instead, so the host never sees a
 * guest object, only a string whose size it checks again.
 */
import { jsonStringify, reflectApply, stringIncludes, stringSplit, arrayJoin, arrayPush, StringCtor, stringSlice, TypeErrorCtor } from './intrinsics.ts';

/** The result of serialising a guest value: the JSON text, or why it could not be made. */
export type JsonResult = { readonly ok: true; readonly json: string } | { readonly ok: false; readonly reason: string };

function strictReplacer(this: unknown, key: string, value: unknown): unknown {
  const where = key === '' ? 'the value' : `key "${key}"`;
  switch (typeof value) {
    case 'function':
      throw new TypeErrorCtor(`${where} is a function`);
    case 'symbol':
      throw new TypeErrorCtor(`${where} is a symbol`);
    case 'bigint':
      throw new TypeErrorCtor(`${where} is a bigint`);
    case 'number':
      if (value !== value || value === Infinity || value === -Infinity) throw new TypeErrorCtor(`${where} is a non-finite number`);
      return value;
    default:
      return value;
  }
}

/**
 * Serialises `value` strictly; `undefined` becomes `null` so a workflow that returns nothing completes
 * with a null output.
 */
export function toJson(value: unknown): JsonResult {
  if (value === undefined) return { ok: true, json: 'null' };
  try {
    const json = reflectApply(jsonStringify, undefined, [value, strictReplacer]) as string | undefined;
    if (typeof json !== 'string') return { ok: false, reason: 'the value has no JSON form' };
    return { ok: true, json };
  } catch (error) {
    return { ok: false, reason: describeError(error, '').message };
  }
}

const maxMessageChars = 8192;
const maxStackChars = 16384;

function safeString(value: unknown): string {
  try {
    return StringCtor(value);
  } catch {
    return '[unprintable value]';
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${reflectApply(stringSlice, text, [0, max]) as string}…`;
}

/** Longest `code` of a thrown error that is passed on (the host checks its form again). */
const maxCodeChars = 64;

/**
 * Reads message, stack and `code` from whatever the workflow threw (an Error, a string, a hostile
 * object), keeping only the stack frames that point into the workflow file. `code` is the thrown
 * value's own string `code` property ('' when absent or too long): the workflow's declared error code.
 */
export function describeError(error: unknown, filename: string): { message: string; stack: string; code: string } {
  let message: string;
  let stack = '';
  let code = '';
  try {
    if (typeof error === 'object' && error !== null) {
      const candidate = (error as { message?: unknown }).message;
      message = typeof candidate === 'string' ? candidate : safeString(error);
      const rawStack = (error as { stack?: unknown }).stack;
      if (typeof rawStack === 'string' && filename !== '') stack = guestFrames(rawStack, filename);
      const rawCode = (error as { code?: unknown }).code;
      if (typeof rawCode === 'string' && rawCode.length <= maxCodeChars) code = rawCode;
    } else {
      message = safeString(error);
    }
  } catch {
    message = '[unreadable error]';
  }
  return { message: truncate(message, maxMessageChars), stack: truncate(stack, maxStackChars), code };
}

/** Keeps the header lines of a V8 stack and the frames located in `filename`. */
export function guestFrames(stack: string, filename: string): string {
  const lines = reflectApply(stringSplit, stack, ['\n']) as string[];
  const kept: string[] = [];
  let inFrames = false;
  const marker = `${filename}:`;
  for (const line of lines) {
    const isFrame = reflectApply(stringIncludes, line, ['    at ']) as boolean;
    if (isFrame) inFrames = true;
    if (!inFrames || (isFrame && (reflectApply(stringIncludes, line, [marker]) as boolean))) reflectApply(arrayPush, kept, [line]);
  }
  return reflectApply(arrayJoin, kept, ['\n']) as string;
}
