/**
 * Resolves the operator of a call to what it calls: a builtin from the catalogue, a user function (by
 * absolute path, across modules), a rule that is not a function, or nothing.
 */
import { getBuiltin, type BuiltinSpec } from '../builtins/index.ts';
import type { CallTerm, Module } from '../syntax/index.ts';
import type { RuleIndex } from './rule-index.ts';

/** A builtin as the checks need it: the catalogue entry or a custom one given in the options. */
export interface CheckBuiltin {
  readonly name: string;
  readonly arity: number;
  readonly variadic?: boolean;
  readonly deprecated?: boolean;
  readonly testOnly?: boolean;
}

/** What a call refers to. */
export type ResolvedCall =
  | { readonly kind: 'builtin'; readonly name: string; readonly builtin: CheckBuiltin }
  | { readonly kind: 'function'; readonly name: string; readonly arity: number }
  | { readonly kind: 'rule'; readonly name: string }
  | { readonly kind: 'deprecated'; readonly name: string }
  | { readonly kind: 'unknown'; readonly name: string }
  /** The operator is computed (`data.x[y](1)`) or otherwise not checkable statically. */
  | { readonly kind: 'dynamic' };

/** Looks builtins up: custom ones first, then the catalogue. */
export type BuiltinLookup = (name: string) => CheckBuiltin | undefined;

/** The default lookup over the OPA builtin catalogue. */
export const catalogLookup: BuiltinLookup = (name) => {
  const spec: BuiltinSpec | undefined = getBuiltin(name);
  return spec;
};

/** Resolves `call` as written in `module`. */
export function resolveCall(
  call: CallTerm,
  module: Module | undefined,
  index: RuleIndex,
  builtins: BuiltinLookup,
  isLocal: (name: string) => boolean,
): ResolvedCall {
  const op = call.operator;
  const segments: string[] = [];
  if (op.kind === 'var') segments.push(op.name);
  else {
    if (op.head.kind !== 'var') return { kind: 'dynamic' };
    segments.push(op.head.name);
    for (const element of op.path) {
      if (element.kind !== 'string') return { kind: 'dynamic' };
      segments.push(element.value);
    }
  }
  const first = segments[0]!;
  if (isLocal(first)) return { kind: 'dynamic' };
  const root = module === undefined ? (first === 'data' ? ['data'] : undefined) : index.resolveRoot(module, first);
  if (root !== undefined) {
    const full = [...root, ...segments.slice(1)];
    const name = full.join('.');
    if (root[0] !== 'data') return { kind: 'unknown', name };
    const group = index.groups.get(name);
    if (group === undefined) return { kind: 'unknown', name };
    const fn = group.rules.find(({ rule }) => rule.head.args !== undefined);
    if (fn === undefined) return { kind: 'rule', name };
    return { kind: 'function', name, arity: fn.rule.head.args!.length };
  }
  const name = segments.join('.');
  const builtin = builtins(name);
  if (builtin === undefined) return { kind: 'unknown', name };
  if (builtin.deprecated === true) return { kind: 'deprecated', name };
  return { kind: 'builtin', name, builtin };
}
