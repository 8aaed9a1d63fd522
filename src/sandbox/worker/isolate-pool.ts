/**
 * IsolatePool: the isolates of one worker process, with a few kept warm.
 *
 * Only the pool creates and disposes isolates. An isolate's memory limit is fixed at creation, so warm
 * isolates are made for one limit: the last one a run asked for (initially `warmMemoryMb`). A run that
 * asks for another limit gets a cold isolate. An isolate returns to the pool only when its run ended
 * cleanly (no limit hit, no cancel) and it has served fewer than `recycleAfterRuns` runs; the idle set
 * is topped up at start, after a cold acquire and whenever a returned isolate is disposed.
 */
import ivm from 'isolated-vm';
import { prepareContext, type PreparedContext } from './guest-context.ts';
import type { GuestSources } from './guest-modules.ts';

export interface IsolatePoolOptions {
  /** Idle isolates kept ready; 0 creates one per run. */
  readonly warmIsolates: number;
  readonly recycleAfterRuns: number;
  /** Memory limit of warm isolates until a run asks for another. */
  readonly warmMemoryMb: number;
  /** V8 has lost control of `isolate`: the process must end (isolated-vm's advice). */
  readonly onCatastrophicError: (isolate: ivm.Isolate, message: string) => void;
  /** The guest runtime, linked into a fresh context prepared ahead for each idle isolate. */
  readonly sources: GuestSources;
  /** Called whenever the number of idle isolates changes. */
  readonly onIdleChange?: (idle: number) => void;
}

/** An isolate lent to a run. */
export interface PooledIsolate {
  readonly isolate: ivm.Isolate;
  readonly memoryMb: number;
  /** Runs served, this one included. */
  runs: number;
  /** While idle: a fresh context being prepared for the next run (undefined if that failed). */
  prepared: Promise<PreparedContext | undefined> | undefined;
}

/** What `acquire` lends: the isolate, whether it was warm, and its prepared context if any. */
export interface IsolateLease {
  readonly entry: PooledIsolate;
  readonly warm: boolean;
  readonly prepared: Promise<PreparedContext | undefined> | undefined;
}

export class IsolatePool {
  readonly #options: IsolatePoolOptions;
  #idle: PooledIsolate[] = [];
  #targetMemoryMb: number;
  #refillScheduled = false;
  #closed = false;

  constructor(options: IsolatePoolOptions) {
    this.#options = options;
    this.#targetMemoryMb = options.warmMemoryMb;
    this.#scheduleRefill();
  }

  get idleCount(): number {
    return this.#idle.length;
  }

  /** Lends an isolate with exactly `memoryMb` as its limit; `warm` says whether it was idle already. */
  acquire(memoryMb: number): IsolateLease {
    if (this.#options.warmIsolates > 0 && memoryMb !== this.#targetMemoryMb) {
      // Limits follow the daemon's configured default: retarget the warm set to what runs ask for.
      this.#targetMemoryMb = memoryMb;
      this.#disposeIdle((entry) => entry.memoryMb !== memoryMb);
    }
    const index = this.#idle.findIndex((entry) => entry.memoryMb === memoryMb);
    let entry: PooledIsolate;
    let warm = false;
    if (index >= 0) {
      entry = this.#idle.splice(index, 1)[0] as PooledIsolate;
      warm = true;
      this.#options.onIdleChange?.(this.#idle.length);
    } else {
      entry = this.#create(memoryMb);
      // Demand outgrew the idle set: top it up. A warm hit needs no refill, since the isolate comes
      // back after its run and is reused until recycled.
      this.#scheduleRefill();
    }
    entry.runs += 1;
    const prepared = entry.prepared;
    entry.prepared = undefined;
    return { entry, warm, prepared };
  }

  /** Takes an isolate back; it is disposed unless `reusable` and still young enough. */
  release(entry: PooledIsolate, reusable: boolean): void {
    const keep =
      reusable &&
      !this.#closed &&
      !entry.isolate.isDisposed &&
      entry.runs < this.#options.recycleAfterRuns &&
      entry.memoryMb === this.#targetMemoryMb &&
      this.#idle.length < this.#options.warmIsolates;
    if (!keep) {
      dispose(entry);
      this.#scheduleRefill();
      return;
    }
    this.#idle.push(this.#prepare(entry));
    this.#options.onIdleChange?.(this.#idle.length);
  }

  /** Disposes every idle isolate; lent isolates are disposed as they come back. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#disposeIdle(() => true);
  }

  #create(memoryMb: number): PooledIsolate {
    const isolate: ivm.Isolate = new ivm.Isolate({ memoryLimit: memoryMb, onCatastrophicError: (message) => this.#options.onCatastrophicError(isolate, message) });
    return { isolate, memoryMb, runs: 0, prepared: undefined };
  }

  #prepare(entry: PooledIsolate): PooledIsolate {
    entry.prepared = prepareContext(entry.isolate, this.#options.sources).catch(() => undefined);
    return entry;
  }

  #disposeIdle(predicate: (entry: PooledIsolate) => boolean): void {
    const before = this.#idle.length;
    this.#idle = this.#idle.filter((entry) => {
      if (!predicate(entry)) return true;
      dispose(entry);
      return false;
    });
    if (this.#idle.length !== before) this.#options.onIdleChange?.(this.#idle.length);
  }

  // Refill off the current turn so creating isolates never delays the run that just took one.
  #scheduleRefill(): void {
    if (this.#refillScheduled || this.#closed || this.#options.warmIsolates === 0) return;
    this.#refillScheduled = true;
    setImmediate(() => {
      this.#refillScheduled = false;
      if (this.#closed) return;
      const before = this.#idle.length;
      while (this.#idle.length < this.#options.warmIsolates) this.#idle.push(this.#prepare(this.#create(this.#targetMemoryMb)));
      if (this.#idle.length !== before) this.#options.onIdleChange?.(this.#idle.length);
    });
  }
}

function dispose(entry: PooledIsolate): void {
  if (!entry.isolate.isDisposed) entry.isolate.dispose();
}
