/**
 * Removes or replaces globals before workflow code runs: bounded memory and determinism.
 *
 * Runs inside the isolate, once per context, before the workflow module is evaluated.
 * - Memory: isolated-vm's memoryLimit does not count WebAssembly memories, resizable ArrayBuffers or
 *   growable SharedArrayBuffers (see ../shared/ISOLATED-VM.md), so the guest does not get them.
 * - Determinism: every other source of values that differ between two runs of the same code is
 *   replaced by one derived from the run's seed and virtual clock (`Math.random`, `crypto`, `Date`,
 *   `performance`, timers, `Intl.DateTimeFormat`'s "now" default) or removed (`WeakRef` and
 *   `FinalizationRegistry` expose garbage-collection timing). docs/sandbox.md ("Determinism") lists
 *   every global of the isolate with the decision taken for it; a test fails when V8 adds one.
 */
import { createRandom, createRandomWords } from './random.ts';
import {
  RangeErrorCtor, TypeErrorCtor, promiseResolve, promiseThen, reflectApply, reflectConstruct,
} from './intrinsics.ts';
import type { VirtualClock } from './virtual-clock.ts';

/** Globals deleted from every context, listed in docs/sandbox.md. */
export const removedGlobals = ['WebAssembly', 'SharedArrayBuffer', 'Atomics', 'WeakRef', 'FinalizationRegistry'] as const;

/** What hardening needs from the run. */
export interface HardenOptions {
  readonly seed: string;
  readonly clock: VirtualClock;
  /** A timer or microtask callback threw: the run fails with it. */
  readonly onError: (error: unknown) => void;
}

/** Largest `crypto.getRandomValues` request, as in the Web Crypto API. */
const maxRandomBytes = 65536;

type Global = Record<string | symbol, unknown>;

function define(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
}

/** Removes unaccounted memory growth and every nondeterministic global; installs the replacements. */
export function harden(options: HardenOptions): void {
  const global = globalThis as unknown as Global;
  for (const name of removedGlobals) Reflect.deleteProperty(global, name);
  Reflect.deleteProperty(ArrayBuffer.prototype, 'resize');
  Reflect.deleteProperty(ArrayBuffer.prototype, 'transfer');
  Reflect.deleteProperty(ArrayBuffer.prototype, 'transferToFixedLength');
  // Not in this V8, but its proposal reads the real clock through Temporal.Now.
  const temporal = global.Temporal;
  if (typeof temporal === 'object' && temporal !== null) Reflect.deleteProperty(temporal, 'Now');

  define(Math, 'random', createRandom(options.seed));
  define(global, 'crypto', createCrypto(options.seed));
  installClock(global, options.clock);
  installTimers(global, options);
}

function installClock(global: Global, clock: VirtualClock): void {
  const RealDate = Date;
  const dateToString = Date.prototype.toString;
  // `Date()` and `new Date()` read the virtual clock; with arguments, Date behaves as always.
  function VirtualDate(this: unknown, ...args: unknown[]): unknown {
    if (new.target === undefined) return reflectApply(dateToString, new RealDate(clock.now()), []);
    return reflectConstruct(RealDate, args.length === 0 ? [clock.now()] : args, new.target);
  }
  Object.defineProperty(VirtualDate, 'name', { value: 'Date', configurable: true });
  Object.defineProperty(VirtualDate, 'length', { value: 7, configurable: true });
  Object.defineProperty(VirtualDate, 'prototype', { value: RealDate.prototype, writable: false, enumerable: false, configurable: false });
  define(VirtualDate, 'now', function now(): number {
    return clock.now();
  });
  define(VirtualDate, 'parse', RealDate.parse);
  define(VirtualDate, 'UTC', RealDate.UTC);
  define(RealDate.prototype, 'constructor', VirtualDate);
  define(global, 'Date', VirtualDate);

  define(global, 'performance', {
    /** Guest milliseconds since the run's clock start. */
    now: () => clock.now() - clock.startMs,
    timeOrigin: clock.startMs,
  });

  // Intl.DateTimeFormat's format() and formatToParts() without a date format "now" from V8's own clock.
  const prototype = Intl.DateTimeFormat.prototype;
  const formatGetter = Object.getOwnPropertyDescriptor(prototype, 'format')?.get;
  const formatToParts = prototype.formatToParts;
  const bound = new WeakMap<object, (date?: unknown) => string>();
  const weakMapGet = WeakMap.prototype.get;
  const weakMapSet = WeakMap.prototype.set;
  if (formatGetter !== undefined) {
    Object.defineProperty(prototype, 'format', {
      configurable: true,
      enumerable: false,
      get(this: object) {
        let format = reflectApply(weakMapGet, bound, [this]) as ((date?: unknown) => string) | undefined;
        if (format === undefined) {
          const real = reflectApply(formatGetter, this, []) as (date?: unknown) => string;
          format = (date?: unknown): string => real(date === undefined ? clock.now() : date);
          reflectApply(weakMapSet, bound, [this, format]);
        }
        return format;
      },
    });
  }
  define(prototype, 'formatToParts', function formatToPartsAt(this: unknown, date?: unknown): unknown {
    return reflectApply(formatToParts, this, [date === undefined ? clock.now() : date]);
  });
}

function installTimers(global: Global, options: HardenOptions): void {
  const { clock, onError } = options;
  define(global, 'setTimeout', function setTimeout(callback: unknown, delay?: unknown, ...args: unknown[]): number {
    return clock.set(callback, delay, args, false);
  });
  define(global, 'setInterval', function setInterval(callback: unknown, delay?: unknown, ...args: unknown[]): number {
    return clock.set(callback, delay, args, true);
  });
  define(global, 'clearTimeout', function clearTimeout(id?: unknown): void {
    clock.clear(id);
  });
  define(global, 'clearInterval', function clearInterval(id?: unknown): void {
    clock.clear(id);
  });
  define(global, 'queueMicrotask', function queueMicrotask(callback: unknown): void {
    if (typeof callback !== 'function') throw new TypeErrorCtor('The microtask callback must be a function');
    reflectApply(promiseThen, promiseResolve(undefined), [() => {
      try {
        reflectApply(callback, undefined, []);
      } catch (error) {
        onError(error);
      }
    }]);
  });
}

const integerArrays: ReadonlySet<string> = new Set([
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array',
]);

/** `crypto.getRandomValues` and `crypto.randomUUID` from the seeded generator (no `subtle`). */
function createCrypto(seed: string): object {
  const word = createRandomWords(`${seed}/crypto`);
  const typedArray = Object.getPrototypeOf(Uint8Array.prototype) as object;
  const getter = (name: string | symbol): (() => unknown) => Object.getOwnPropertyDescriptor(typedArray, name)?.get as () => unknown;
  const tagOf = getter(Symbol.toStringTag);
  const bufferOf = getter('buffer');
  const offsetOf = getter('byteOffset');
  const lengthOf = getter('byteLength');
  const setHas = Set.prototype.has;
  const Bytes = Uint8Array;

  const fill = (bytes: Uint8Array): void => {
    for (let i = 0; i < bytes.length; i += 4) {
      const w = word();
      bytes[i] = w & 255;
      if (i + 1 < bytes.length) bytes[i + 1] = (w >>> 8) & 255;
      if (i + 2 < bytes.length) bytes[i + 2] = (w >>> 16) & 255;
      if (i + 3 < bytes.length) bytes[i + 3] = w >>> 24;
    }
  };

  return {
    getRandomValues<T>(array: T): T {
      const tag = typeof array === 'object' && array !== null ? reflectApply(tagOf, array, []) : undefined;
      if (typeof tag !== 'string' || !(reflectApply(setHas, integerArrays, [tag]) as boolean)) {
        throw new TypeErrorCtor('crypto.getRandomValues expects an integer typed array');
      }
      const byteLength = reflectApply(lengthOf, array, []) as number;
      if (byteLength > maxRandomBytes) {
        const error = new RangeErrorCtor(`crypto.getRandomValues can fill at most ${maxRandomBytes} bytes, got ${byteLength}`);
        error.name = 'QuotaExceededError';
        throw error;
      }
      fill(new Bytes(reflectApply(bufferOf, array, []) as ArrayBuffer, reflectApply(offsetOf, array, []) as number, byteLength));
      return array;
    },
    randomUUID(): string {
      const bytes = new Bytes(16);
      fill(bytes);
      bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
      bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
      let hex = '';
      for (let i = 0; i < 16; i++) {
        if (i === 4 || i === 6 || i === 8 || i === 10) hex += '-';
        hex += hexDigits[(bytes[i] as number) >>> 4] as string;
        hex += hexDigits[(bytes[i] as number) & 15] as string;
      }
      return hex;
    },
  };
}

const hexDigits = '0123456789abcdef';
