/**
 * SecretStore: where secret values live on the host. Values come from config and the environment
 * (the config layer builds the record); they never enter the isolate, an event or a log line.
 */
import { inspect } from 'node:util';

/** Read-only lookup of secret values by name. */
export interface SecretStore {
  has(name: string): boolean;
  /** The value, or undefined when no secret has that name. */
  get(name: string): string | undefined;
  /** Names only, sorted: safe to log. */
  names(): readonly string[];
}

/**
 * Creates a store over a name → value record (copied; later changes to the record do not leak in).
 * The store serialises and inspects as its names only, so logging it by mistake reveals no value.
 */
export function createSecretStore(values: Readonly<Record<string, string>> = {}): SecretStore {
  const map = new Map(Object.entries(values));
  const names = Object.freeze([...map.keys()].sort());
  const store: SecretStore & { toJSON(): unknown } = {
    has: (name) => map.has(name),
    get: (name) => map.get(name),
    names: () => names,
    toJSON: () => ({ secrets: names }),
  };
  Object.defineProperty(store, inspect.custom, { value: () => `SecretStore { ${names.join(', ')} }` });
  return Object.freeze(store);
}
