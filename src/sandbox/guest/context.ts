/**
 * Builds the `ctx` object handed to the workflow's default export.
 *
 * Runs inside the isolate. `ctx` is made of plain guest functions over a `GuestBridge`; nothing on it
 * is a host object. This is the one place where ergonomic wrappers over `ctx.call` belong
 * (TODO(#3): `ctx.http.fetch(url, init)` → `ctx.call('http.fetch', { url, init })`, `ctx.fs.read`,
 * `ctx.kv.get`, ...).
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

export interface GuestContext {
  readonly runId: string;
  readonly log: GuestLog;
  readonly call: (name: string, args?: unknown) => Promise<unknown>;
}

/** Creates the frozen `ctx` for one run. */
export function createGuestContext(runId: string, bridge: GuestBridge): GuestContext {
  const at = (level: GuestLogLevel) => (message: unknown, fields?: unknown): void => bridge.log(level, message, fields);
  const log: GuestLog = objectFreeze(objectAssign(at('info'), { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }));
  const call = (name: string, args?: unknown): Promise<unknown> => bridge.call(name, args);
  return objectFreeze({ runId, log, call });
}
