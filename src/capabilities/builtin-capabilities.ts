/**
 * The built-in capability set, ready for createCapabilityRegistry: http.fetch, fs.*, kv.*,
 * clock.now and random.bytes, each configured from its own slice of options.
 */
import type { Capability } from './capability.ts';
import type { KvStore } from './kv-store.ts';
import { createClockNow, type ClockNowOptions } from './builtin/clock-now.ts';
import { createFsDelete } from './builtin/fs-delete.ts';
import { createFsList } from './builtin/fs-list.ts';
import type { FsOptions } from './builtin/fs-options.ts';
import { createFsRead } from './builtin/fs-read.ts';
import { createFsWrite } from './builtin/fs-write.ts';
import { createHttpFetch, type HttpFetchOptions } from './builtin/http-fetch.ts';
import { createKvDelete } from './builtin/kv-delete.ts';
import { createKvGet } from './builtin/kv-get.ts';
import { createKvList } from './builtin/kv-list.ts';
import { createKvPut } from './builtin/kv-put.ts';
import { createRandomBytes } from './builtin/random-bytes.ts';

export interface BuiltinCapabilitiesOptions {
  readonly http?: HttpFetchOptions;
  readonly fs?: FsOptions;
  /** The store kv.* use; the caller owns it (and closes it). Without it kv.* are not registered. */
  readonly kv?: KvStore;
  readonly clock?: ClockNowOptions;
}

/**
 * Every built-in capability.
 * @throws CONFIG_INVALID when an http allowed CIDR does not parse
 */
export function createBuiltinCapabilities(options: BuiltinCapabilitiesOptions = {}): readonly Capability[] {
  const capabilities: Capability[] = [
    createHttpFetch(options.http),
    createFsRead(options.fs),
    createFsWrite(options.fs),
    createFsList(options.fs),
    createFsDelete(),
    createClockNow(options.clock),
    createRandomBytes(),
  ];
  if (options.kv !== undefined) {
    capabilities.push(createKvGet(options.kv), createKvPut(options.kv), createKvDelete(options.kv), createKvList(options.kv));
  }
  return capabilities;
}
