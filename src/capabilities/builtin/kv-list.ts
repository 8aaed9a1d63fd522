/** `kv.list {prefix?, after?, limit?}` → `{keys, next}`: one sorted page of keys in the run's kv namespace. */
import { defineCapability, type Capability } from '../capability.ts';
import { kvNamespaceFor, type KvListPage, type KvStore } from '../kv-store.ts';
import { kvKeySchema } from './kv-get.ts';

export interface KvListArgs {
  /** @default '' */
  readonly prefix?: string;
  /** The `next` of the previous page. */
  readonly after?: string;
  /** @default 100, at most 1000 */
  readonly limit?: number;
}

/** Creates the `kv.list` capability over `store`. */
export function createKvList(store: KvStore): Capability<KvListArgs, KvListPage> {
  return defineCapability<KvListArgs, KvListPage>({
    name: 'kv.list',
    description: "Lists keys of the workflow's durable key-value namespace, a page at a time",
    argsSchema: {
      type: 'object',
      properties: { prefix: { type: 'string', maxLength: 512 }, after: kvKeySchema, limit: { type: 'integer', minimum: 1, maximum: 1000 } },
      additionalProperties: false,
    },
    sideEffects: false,
    execute: async (args, ctx) => store.list(kvNamespaceFor(ctx), args),
  });
}
