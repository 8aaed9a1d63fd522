// The guest's virtual clock (src/sandbox/guest/virtual-clock.ts), driven by hand: guest time moves only
// when a timer fires; a timer fires only on a current tick while the guest is idle.
import { describe, expect, it } from 'vitest';
import { createVirtualClock, maxTimers, timerDelayMs, type VirtualClock } from '../../../src/sandbox/guest/virtual-clock.ts';

interface Harness {
  readonly clock: VirtualClock;
  readonly wakes: [offsetMs: number, generation: number][];
  readonly errors: unknown[];
  busy: boolean;
  /** Ticks the latest wake, as the worker would. */
  tick(): void;
}

function harness(startMs = 1000): Harness {
  const wakes: [number, number][] = [];
  const errors: unknown[] = [];
  const state = {
    busy: false,
    wakes,
    errors,
    clock: undefined as unknown as VirtualClock,
    tick(): void {
      const last = wakes.at(-1);
      if (last !== undefined) state.clock.tick(last[1]);
    },
  };
  state.clock = createVirtualClock({ startMs, idle: () => !state.busy, wake: (offset, generation) => wakes.push([offset, generation]), onError: (error) => errors.push(error) });
  return state;
}

describe('createVirtualClock', () => {
  describe('#tick', () => {
    it('fires the earliest timer, equal deadlines in arming order, and moves time to its deadline', () => {
      const h = harness();
      const seen: string[] = [];
      h.clock.set(() => seen.push(`b@${h.clock.now()}`), 20, [], false);
      h.clock.set(() => seen.push(`a@${h.clock.now()}`), 10, [], false);
      h.clock.set(() => seen.push(`c@${h.clock.now()}`), 20, [], false);
      expect(h.wakes.at(-1)?.[0]).toBe(10);
      for (let i = 0; i < 3; i++) h.tick();
      expect(seen).toEqual(['a@1010', 'b@1020', 'c@1020']);
      expect(h.clock.now()).toBe(1020);
      // Nothing is left: the consumed wake is not renewed and a repeated tick is a no-op.
      const wakes = h.wakes.length;
      h.tick();
      expect(h.wakes.length).toBe(wakes);
      expect(seen).toHaveLength(3);
    });

    it('ignores a stale generation', () => {
      const h = harness();
      let fired = 0;
      h.clock.set(() => fired++, 50, [], false);
      const stale = h.wakes.at(-1)?.[1] as number;
      h.clock.set(() => fired++, 5, [], false);
      h.clock.tick(stale);
      expect(fired).toBe(0);
      h.tick();
      expect(fired).toBe(1);
      expect(h.clock.now()).toBe(1005);
    });

    it('fires nothing while a capability call is in flight, and asks again when it settles', () => {
      const h = harness();
      let fired = 0;
      h.clock.set(() => fired++, 5, [], false);
      const generation = h.wakes.at(-1)?.[1] as number;
      h.busy = true;
      h.clock.reschedule();
      expect(h.wakes.at(-1)?.[0]).toBe(-1);
      h.clock.tick(generation);
      expect(fired).toBe(0);
      h.busy = false;
      h.clock.reschedule();
      expect(h.wakes.at(-1)?.[0]).toBe(5);
      h.tick();
      expect(fired).toBe(1);
    });

    it('re-arms an interval at its deadline plus its delay, and clearInterval inside the callback stops it', () => {
      const h = harness(0);
      const times: number[] = [];
      const id = h.clock.set(() => {
        times.push(h.clock.now());
        if (times.length === 3) h.clock.clear(id);
      }, 7, [], true);
      for (let i = 0; i < 5; i++) h.tick();
      expect(times).toEqual([7, 14, 21]);
    });

    it('reports a throwing callback and goes on planning', () => {
      const h = harness();
      const boom = new Error('boom');
      h.clock.set(() => {
        throw boom;
      }, 1, [], false);
      h.clock.set(() => undefined, 2, [], false);
      h.tick();
      expect(h.errors).toEqual([boom]);
      expect(h.wakes.at(-1)?.[0]).toBe(2);
    });

    it('does nothing after stop', () => {
      const h = harness();
      let fired = 0;
      h.clock.set(() => fired++, 1, [], false);
      h.clock.stop();
      h.tick();
      expect(fired).toBe(0);
    });
  });

  describe('#set', () => {
    it('passes extra arguments, refuses non-functions and too many timers', () => {
      const h = harness();
      let got: unknown[] = [];
      h.clock.set((...args: unknown[]) => {
        got = args;
      }, 0, ['a', 1], false);
      h.tick();
      expect(got).toEqual(['a', 1]);
      expect(() => h.clock.set('code', 1, [], false)).toThrow(TypeError);
      for (let i = 0; i < maxTimers; i++) h.clock.set(() => undefined, 1, [], false);
      expect(() => h.clock.set(() => undefined, 1, [], false)).toThrow(RangeError);
    });

    it('makes an interval of 0 tick every millisecond', () => {
      const h = harness(0);
      h.clock.set(() => undefined, 0, [], true);
      h.tick();
      h.tick();
      expect(h.clock.now()).toBe(2);
    });
  });
});

describe('timerDelayMs', () => {
  it('truncates, and maps NaN, negatives and huge values into [0, 2^31 - 1]', () => {
    expect([timerDelayMs(3.9), timerDelayMs(-5), timerDelayMs('soon'), timerDelayMs(undefined), timerDelayMs('25'), timerDelayMs(1e12)]).toEqual([3, 0, 0, 0, 25, 2147483647]);
  });
});
