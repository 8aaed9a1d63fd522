/** `kv.get {key}` → `{found, value}`: reads the run's kv namespace (value null when not found). */
import { defineCapability, type Capability } from '../capability.ts';
import { kvNamespaceFor, type KvStore } from '../kv-store.ts';

/** The schema of a kv key. */
export const kvKeySchema = { type: 'string', minLength: 1, maxLength: 512 } as const;

export interface KvGetArgs {
  readonly key: string;
}

export interface KvGetResult {
  readonly found: boolean;
  readonly value: unknown;
}

/** Creates the `kv.get` capability over `store`. */
export function createKvGet(store: KvStore): Capability<KvGetArgs, KvGetResult> {
  return defineCapability<KvGetArgs, KvGetResult>({
    name: 'kv.get',
    description: "Reads a value from the workflow's durable key-value namespace",
    argsSchema: { type: 'object', properties: { key: kvKeySchema }, required: ['key'], additionalProperties: false },
    sideEffects: false,
    execute: async (args, ctx) => store.get(kvNamespaceFor(ctx), args.key),
  });
}
