/**
 * The daemon config slice of the store (`store:` in daemon.config.yaml) and opening the store from
 * it. The config loader owns the file; this module defines what the slice holds (its JSON Schema, to
 * embed in the config schema) and turns it into a WorkflowStore with loaded keys.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Logger } from '../log/index.ts';
import { loadTrustedKeys } from './signing-keys.ts';
import { WorkflowStore } from './workflow-store.ts';

/** `store:` in daemon.config.yaml. */
export interface StoreConfig {
  /** The workflows directory. @default 'workflows' */
  readonly dir?: string;
  /** Public keys (paths to PEM files, or inline PEM) whose attestations count. @default [] */
  readonly trustedKeys?: readonly string[];
  /** Private key the daemon signs attestations with (for a future verify-on-daemon). @default none */
  readonly signingKey?: string;
  /** Re-index when files change. @default true */
  readonly watch?: boolean;
}

/** JSON Schema of the `store` config slice, for the daemon config schema to embed. */
export const storeConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dir: { type: 'string', minLength: 1, default: 'workflows' },
    trustedKeys: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    signingKey: { type: 'string', minLength: 1 },
    watch: { type: 'boolean', default: true },
  },
} as const;

export interface OpenStoreOptions {
  /** Relative paths in the config are resolved against this (the config file's directory). @default process.cwd() */
  readonly baseDir?: string;
  readonly logger?: Logger;
}

/**
 * Loads the trusted keys and opens the store over `config.dir`.
 * @throws CONFIG_INVALID when a trusted key cannot be read or is not Ed25519
 */
export async function openWorkflowStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<WorkflowStore> {
  const base = options.baseDir ?? process.cwd();
  const path = (value: string): string => (isAbsolute(value) ? value : resolve(base, value));
  const trustedKeys = await loadTrustedKeys((config.trustedKeys ?? []).map((entry) => (entry.includes('-----BEGIN') ? entry : path(entry))));
  return WorkflowStore.open({
    dir: path(config.dir ?? 'workflows'),
    trustedKeys,
    watch: config.watch ?? true,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}
