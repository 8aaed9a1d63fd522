// The guest's seeded generators (src/sandbox/guest/random.ts): same seed, same sequence; a sound spread.
import { describe, expect, it } from 'vitest';
import { createRandom, createRandomWords } from '../../../src/sandbox/guest/random.ts';

describe('createRandom', () => {
  it('repeats the sequence for the same seed', () => {
    const a = createRandom('seed');
    const b = createRandom('seed');
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
  });

  it('differs for another seed, even one character apart', () => {
    expect(createRandom('seed-1')()).not.toBe(createRandom('seed-2')());
    expect(createRandom('one')()).not.toBe(createRandom('two')());
  });

  it('stays in [0, 1) and spreads over it', () => {
    const random = createRandom('spread');
    const values = Array.from({ length: 20_000 }, () => random());
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    const buckets = new Array<number>(10).fill(0);
    for (const value of values) buckets[Math.floor(value * 10)] = (buckets[Math.floor(value * 10)] ?? 0) + 1;
    for (const count of buckets) expect(count).toBeGreaterThan(1700);
  });

  it('uses more than 32 bits per double', () => {
    const random = createRandom('bits');
    // With only 32 random bits every value times 2^32 would be an integer.
    const fractional = Array.from({ length: 100 }, () => random() * 2 ** 32).filter((value) => !Number.isInteger(value));
    expect(fractional.length).toBeGreaterThan(90);
  });
});

describe('createRandomWords', () => {
  it('returns unsigned 32-bit integers with every bit in use', () => {
    const word = createRandomWords('words');
    let or = 0;
    let and = 0xffffffff;
    for (let i = 0; i < 1000; i++) {
      const value = word();
      expect(Number.isInteger(value) && value >= 0 && value <= 0xffffffff).toBe(true);
      or = (or | value) >>> 0;
      and = (and & value) >>> 0;
    }
    expect(or).toBe(0xffffffff);
    expect(and).toBe(0);
  });
});
