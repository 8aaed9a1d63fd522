/**
 * Secret references in capability arguments: `{"$secret": "name"}`.
 *
 * The guest only ever holds references. The broker validates and shows the policy the args with the
 * references in place, then (after an allow) calls `substituteSecrets` to get the args the capability
 * executes with, plus a SecretRedactor for everything that flows back. Events and logs keep using the
 * original args: they are the reference-preserving view.
 */
import { DaemonError } from '../errors/index.ts';
import type { Capability, JsonSchema } from './capability.ts';
import type { SecretStore } from './secret-store.ts';
import { SecretRedactor } from './secret-redactor.ts';

/** A reference to a host secret, by name. */
export interface SecretRef {
  readonly $secret: string;
}

/** The schema capability authors put where a secret may stand in for a string. */
export const secretRefSchema = {
  type: 'object',
  properties: { $secret: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' } },
  required: ['$secret'],
  additionalProperties: false,
} as const satisfies JsonSchema;

/** A string, or a secret reference standing in for one. */
export const stringOrSecretSchema = { anyOf: [{ type: 'string' }, secretRefSchema] } as const satisfies JsonSchema;

/** True for an object whose only key is `$secret` with a string value. */
export function isSecretRef(value: unknown): value is SecretRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === '$secret' && typeof (value as { $secret: unknown }).$secret === 'string';
}

/** One reference found in args, at a position where the capability accepts secrets. */
export interface SecretRefLocation {
  readonly pointer: string;
  readonly name: string;
}

/**
 * The secret references `args` carries at the capability's secret pointers (what a policy sees as
 * "this call uses secret X"). References elsewhere are plain data and are not listed.
 */
export function findSecretRefs(capability: Pick<Capability, 'secretPointers'>, args: unknown): readonly SecretRefLocation[] {
  const found: SecretRefLocation[] = [];
  walk(args, [], compilePatterns(capability.secretPointers), (ref, path) => {
    found.push({ pointer: toPointer(path), name: ref.$secret });
    return ref;
  });
  return found;
}

/** Args ready for execution and the redactor for whatever the execution produces. */
export interface SubstitutedArgs {
  readonly args: unknown;
  readonly redactor: SecretRedactor;
}

export interface SubstituteSecretsOptions {
  /** Where the values come from. */
  readonly secrets: SecretStore;
}

/**
 * Replaces each reference at the capability's secret pointers by its value from `options.secrets`. Returns a
 * copy; `args` is left as it was (it stays the view for events and logs).
 * @throws SECRET_NOT_FOUND naming the missing secret (never any value)
 */
export function substituteSecrets(capability: Pick<Capability, 'name' | 'secretPointers'>, args: unknown, options: SubstituteSecretsOptions): SubstitutedArgs {
  const store = options.secrets;
  const used = new Map<string, string>();
  const substituted = walk(args, [], compilePatterns(capability.secretPointers), (ref, path) => {
    const value = store.get(ref.$secret);
    if (value === undefined) {
      throw new DaemonError('SECRET_NOT_FOUND', `Cannot call capability "${capability.name}": no secret named "${ref.$secret}" at ${toPointer(path)}`, {
        details: { name: ref.$secret, pointer: toPointer(path) },
      });
    }
    used.set(ref.$secret, value);
    return value;
  });
  return { args: substituted, redactor: new SecretRedactor(used) };
}

type Pattern = readonly string[];

function compilePatterns(pointers: readonly string[] | undefined): readonly Pattern[] {
  return (pointers ?? []).map((pointer) =>
    pointer === '' ? [] : pointer.slice(1).split('/').map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~')),
  );
}

function matches(patterns: readonly Pattern[], path: readonly string[]): boolean {
  return patterns.some((pattern) => pattern.length === path.length && pattern.every((segment, i) => segment === '*' || segment === path[i]));
}

/** Could a pattern still match below `path`? Avoids walking large bodies that cannot hold refs. */
function mayMatchBelow(patterns: readonly Pattern[], path: readonly string[]): boolean {
  return patterns.some((pattern) => pattern.length > path.length && path.every((segment, i) => pattern[i] === '*' || pattern[i] === segment));
}

function walk(value: unknown, path: string[], patterns: readonly Pattern[], onRef: (ref: SecretRef, path: readonly string[]) => unknown): unknown {
  if (isSecretRef(value) && matches(patterns, path)) return onRef(value, path);
  if (!mayMatchBelow(patterns, path)) return value;
  if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, String(i)], patterns, onRef));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = walk(item, [...path, key], patterns, onRef);
    return out;
  }
  return value;
}

function toPointer(path: readonly string[]): string {
  return path.map((segment) => `/${segment.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
