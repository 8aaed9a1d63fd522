// The guest's seeded Math.random (src/sandbox/guest/harden.ts): same seed, same sequence.
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/sandbox/guest/harden.ts';

describe('createRandom', () => {
  it('repeats the sequence for the same seed', () => {
    const a = createRandom('seed');
    const b = createRandom('seed');
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
  });

  it('differs for another seed', () => {
    expect(createRandom('one')()).not.toBe(createRandom('two')());
  });

  it('stays in [0, 1) and spreads over it', () => {
    const random = createRandom('spread');
    const values = Array.from({ length: 10_000 }, () => random());
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});
