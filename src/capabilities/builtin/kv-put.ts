/** `kv.put {key, value}` → `{created}`: stores any JSON value in the run's kv namespace. */
import { defineCapability, type Capability } from '../capability.ts';
import { kvNamespaceFor, type KvStore } from '../kv-store.ts';
import { kvKeySchema } from './kv-get.ts';

export interface KvPutArgs {
  readonly key: string;
  readonly value: unknown;
}

export interface KvPutResult {
  /** False when an existing value was replaced. */
  readonly created: boolean;
}

/** Creates the `kv.put` capability over `store`. */
export function createKvPut(store: KvStore): Capability<KvPutArgs, KvPutResult> {
  return defineCapability<KvPutArgs, KvPutResult>({
    name: 'kv.put',
    description: "Stores a JSON value in the workflow's durable key-value namespace",
    argsSchema: { type: 'object', properties: { key: kvKeySchema, value: {} }, required: ['key', 'value'], additionalProperties: false },
    sideEffects: true,
    execute: async (args, ctx) => store.put(kvNamespaceFor(ctx), args.key, args.value),
  });
}
