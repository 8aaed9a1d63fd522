/**
 * Builds the `ctx` object handed to the workflow's default export.
 *
 * Runs inside the isolate. `ctx` is made of plain guest functions over a `GuestBridge`; nothing on it
 * is a host object. This is the one place where ergonomic wrappers over `ctx.call` belong: each one
 * only shapes the arguments of one capability (`ctx.http.fetch(url, init)` is
 * `ctx.call('http.fetch', { ...init, url })`) and resolves with the capability's result unchanged, so
 * the events a run shows are the same whichever form the workflow used.
 */
import { objectAssign, objectFreeze } from './intrinsics.ts';

export type GuestLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What the runtime provides to `ctx`: the two ways out of the isolate. */
export interface GuestBridge {
  log(level: GuestLogLevel, message: unknown, fields: unknown): void;
  call(name: unknown, args: unknown): Promise<unknown>;
}

/** `ctx.log(message, fields?)` logs at info; `ctx.log.debug|info|warn|error(message, fields?)` pick a level. */
export interface GuestLog {
  (message: unknown, fields?: unknown): void;
  readonly debug: (message: unknown, fields?: unknown) => void;
  readonly info: (message: unknown, fields?: unknown) => void;
  readonly warn: (message: unknown, fields?: unknown) => void;
  readonly error: (message: unknown, fields?: unknown) => void;
}

type Options = Readonly<Record<string, unknown>> | undefined;

export interface GuestContext {
  readonly runId: string;
  readonly log: GuestLog;
  readonly call: (name: string, args?: unknown) => Promise<unknown>;
  readonly http: { readonly fetch: (url: string, init?: Options) => Promise<unknown> };
  readonly fs: {
    readonly read: (path: string, options?: Options) => Promise<unknown>;
    readonly write: (path: string, content: string, options?: Options) => Promise<unknown>;
    readonly list: (path?: string) => Promise<unknown>;
    readonly delete: (path: string, options?: Options) => Promise<unknown>;
  };
  readonly kv: {
    readonly get: (key: string) => Promise<unknown>;
    readonly put: (key: string, value: unknown) => Promise<unknown>;
    readonly delete: (key: string) => Promise<unknown>;
    readonly list: (options?: Options) => Promise<unknown>;
  };
  readonly clock: { readonly now: () => Promise<unknown> };
  readonly random: { readonly bytes: (length: number) => Promise<unknown> };
}

/** Creates the frozen `ctx` for one run. */
export function createGuestContext(runId: string, bridge: GuestBridge): GuestContext {
  const at = (level: GuestLogLevel) => (message: unknown, fields?: unknown): void => bridge.log(level, message, fields);
  const log: GuestLog = objectFreeze(objectAssign(at('info'), { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }));
  const call = (name: string, args?: unknown): Promise<unknown> => bridge.call(name, args);
  // Positional arguments win over same-named keys of the options object.
  const http = objectFreeze({ fetch: (url: string, init?: Options) => call('http.fetch', { ...init, url }) });
  const fs = objectFreeze({
    read: (path: string, options?: Options) => call('fs.read', { ...options, path }),
    write: (path: string, content: string, options?: Options) => call('fs.write', { ...options, path, content }),
    list: (path?: string) => call('fs.list', path === undefined ? {} : { path }),
    delete: (path: string, options?: Options) => call('fs.delete', { ...options, path }),
  });
  const kv = objectFreeze({
    get: (key: string) => call('kv.get', { key }),
    put: (key: string, value: unknown) => call('kv.put', { key, value }),
    delete: (key: string) => call('kv.delete', { key }),
    list: (options?: Options) => call('kv.list', { ...options }),
  });
  const clock = objectFreeze({ now: () => call('clock.now', {}) });
  const random = objectFreeze({ bytes: (length: number) => call('random.bytes', { length }) });
  return objectFreeze({ runId, log, call, http, fs, kv, clock, random });
}
