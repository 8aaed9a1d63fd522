/**
 * The guest's virtual clock and timers.
 *
 * Runs inside the isolate. Guest time is a number of milliseconds that starts at the run's
 * `clockStartMs` and moves only when a timer fires: it then jumps to that timer's deadline (never
 * backwards). Reading the time (`Date.now()`, `new Date()`, `performance.now()`) never advances it,
 * and neither does waiting for a capability result. A timer fires only when the guest is waiting on
 * nothing but timers (no capability call in flight, no code running), one timer per tick, earliest
 * deadline first and, for equal deadlines, in the order they were armed. That makes everything the
 * guest observes a function of its code, input, seed, clock start and capability results, whatever
 * the real timing: the host decides only *when in real time* a tick happens (after the real delay in
 * a live run, at once in a replay), never *what* it does.
 *
 * The host is told through `wake(offsetMs, generation)` when a tick is due (`offsetMs` is the
 * earliest deadline relative to the clock start, -1 for none); a tick carries the generation of the
 * wake it answers, and a stale one (the guest has since re-planned) is ignored.
 */
import { RangeErrorCtor, TypeErrorCtor, reflectApply } from './intrinsics.ts';

/** Largest timer delay, as in browsers and Node (2^31 - 1 ms, about 24.8 days). */
export const maxTimerDelayMs = 2147483647;
/** Timers armed at once in one run; more is a RangeError (a leak, not a plan). */
export const maxTimers = 10_000;

export interface VirtualClockOptions {
  readonly startMs: number;
  /** True when no capability call is in flight. */
  readonly idle: () => boolean;
  /** Asks the host for a tick once `offsetMs` after the clock start is reached; -1 cancels. */
  readonly wake: (offsetMs: number, generation: number) => void;
  /** A timer callback threw: the run fails with it. */
  readonly onError: (error: unknown) => void;
}

interface Timer {
  readonly id: number;
  deadline: number;
  readonly delayMs: number;
  readonly callback: (...args: unknown[]) => unknown;
  readonly args: readonly unknown[];
  readonly repeat: boolean;
}

export interface VirtualClock {
  readonly startMs: number;
  /** The current guest time in ms since the epoch (an integer). */
  now(): number;
  /** Arms a timer; returns its id (positive integers from 1, per run). @throws TypeError, RangeError */
  set(callback: unknown, delay: unknown, args: readonly unknown[], repeat: boolean): number;
  clear(id: unknown): void;
  /** Re-plans the next wake; the runtime calls it when a capability call starts or settles. */
  reschedule(): void;
  /** The host's tick for wake `generation`: fires the earliest timer if the guest is idle. */
  tick(generation: number): void;
  /** Stops planning wakes (the run is over). */
  stop(): void;
}

/** Normalises a timer delay: an integer in [0, 2^31 - 1]; NaN and negatives become 0. */
export function timerDelayMs(delay: unknown): number {
  const ms = Math.trunc(Number(delay));
  if (!(ms > 0)) return 0;
  return ms > maxTimerDelayMs ? maxTimerDelayMs : ms;
}

/** Creates the clock of one run. */
export function createVirtualClock(options: VirtualClockOptions): VirtualClock {
  const { startMs, idle, wake, onError } = options;
  let now = startMs;
  let nextId = 1;
  let generation = 0;
  let plannedOffset = -1;
  let stopped = false;
  // A plain array scanned by index: guest patches of Map or Array.prototype methods cannot reach it.
  const timers: Timer[] = [];

  const earliest = (): number => {
    let found = -1;
    for (let i = 0; i < timers.length; i++) {
      const timer = timers[i] as Timer;
      if (found < 0 || timer.deadline < (timers[found] as Timer).deadline) found = i;
    }
    return found;
  };

  const removeAt = (index: number): void => {
    for (let i = index; i < timers.length - 1; i++) timers[i] = timers[i + 1] as Timer;
    timers.length -= 1;
  };

  const reschedule = (): void => {
    if (stopped) return;
    const index = idle() ? earliest() : -1;
    const offset = index < 0 ? -1 : (timers[index] as Timer).deadline - startMs;
    if (offset === plannedOffset) return;
    plannedOffset = offset;
    generation += 1;
    wake(offset, generation);
  };

  return {
    startMs,
    now: () => now,
    set(callback, delay, args, repeat) {
      if (typeof callback !== 'function') throw new TypeErrorCtor('The timer callback must be a function');
      if (timers.length >= maxTimers) throw new RangeErrorCtor(`Cannot arm more than ${maxTimers} timers at once`);
      let delayMs = timerDelayMs(delay);
      // An interval of 0 would never let guest time move: intervals tick at least every millisecond.
      if (repeat && delayMs === 0) delayMs = 1;
      const id = nextId++;
      timers[timers.length] = { id, deadline: now + delayMs, delayMs, callback: callback as Timer['callback'], args, repeat };
      reschedule();
      return id;
    },
    clear(id) {
      if (typeof id !== 'number') return;
      for (let i = 0; i < timers.length; i++) {
        if ((timers[i] as Timer).id === id) {
          removeAt(i);
          reschedule();
          return;
        }
      }
    },
    reschedule,
    tick(tickGeneration) {
      if (stopped || tickGeneration !== generation) return;
      // The host's wake was consumed: whatever comes next must be asked for again.
      plannedOffset = -1;
      const index = idle() ? earliest() : -1;
      if (index < 0) {
        reschedule();
        return;
      }
      const timer = timers[index] as Timer;
      removeAt(index);
      if (timer.deadline > now) now = timer.deadline;
      if (timer.repeat) {
        // Re-armed before the callback runs, so clearInterval inside it works; at the end of the queue
        // among equal deadlines, like any newly armed timer.
        timer.deadline = now + timer.delayMs;
        timers[timers.length] = timer;
      }
      try {
        reflectApply(timer.callback, undefined, timer.args);
      } catch (error) {
        onError(error);
      }
      reschedule();
    },
    stop() {
      stopped = true;
      timers.length = 0;
    },
  };
}

