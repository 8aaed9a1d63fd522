/**
 * Calls a JS builtin the way `@open-policy-agent/opa-wasm` does: arguments and result each go
 * through `JSON.stringify` + `JSON.parse`, so tests see exactly what the SDK would.
 */
import { jsBuiltins } from '../../../../src/rego/builtins/index.ts';

/** Call builtin `name` with JSON-serialisable args; returns the JSON round-tripped result. */
export function call(name: string, ...args: unknown[]): unknown {
  const impl = jsBuiltins[name];
  if (impl === undefined) throw new Error(`no JS builtin "${name}"`);
  const result = impl(...(JSON.parse(JSON.stringify(args)) as never[]));
  return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
}

/** The exact JSON text the SDK would write back for a builtin result (big integers stay exact here). */
export function callRaw(name: string, ...args: unknown[]): string | undefined {
  const impl = jsBuiltins[name];
  if (impl === undefined) throw new Error(`no JS builtin "${name}"`);
  const result = impl(...(JSON.parse(JSON.stringify(args)) as never[]));
  return result === undefined ? undefined : JSON.stringify(result);
}

/** The error a builtin call throws (fails the test when it does not throw). */
export function callError(name: string, ...args: unknown[]): { code: string; message: string } {
  try {
    call(name, ...args);
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error(`${name} did not throw`);
}
