/** `kv.delete {key}` → `{deleted}`: removes a key from the run's kv namespace (false when absent). */
import { defineCapability, type Capability } from '../capability.ts';
import { kvNamespaceFor, type KvStore } from '../kv-store.ts';
import { kvKeySchema } from './kv-get.ts';

export interface KvDeleteArgs {
  readonly key: string;
}

export interface KvDeleteResult {
  readonly deleted: boolean;
}

/** Creates the `kv.delete` capability over `store`. */
export function createKvDelete(store: KvStore): Capability<KvDeleteArgs, KvDeleteResult> {
  return defineCapability<KvDeleteArgs, KvDeleteResult>({
    name: 'kv.delete',
    description: "Deletes a key from the workflow's durable key-value namespace",
    argsSchema: { type: 'object', properties: { key: kvKeySchema }, required: ['key'], additionalProperties: false },
    sideEffects: true,
    execute: async (args, ctx) => store.delete(kvNamespaceFor(ctx), args.key),
  });
}
