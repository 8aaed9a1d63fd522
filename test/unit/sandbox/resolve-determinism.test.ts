// resolveDeterminism (src/sandbox/host/sandbox.ts): the seed and clock start a run uses.
import { describe, expect, it } from 'vitest';
import { resolveDeterminism } from '../../../src/sandbox/index.ts';

describe('resolveDeterminism', () => {
  it('keeps the values a request carries', () => {
    expect(resolveDeterminism({ runId: 'r', seed: 'abc', clockStartMs: -5 })).toEqual({ seed: 'abc', clockStartMs: -5 });
  });

  it('picks a fresh random seed and the real time when absent', () => {
    const before = Date.now();
    const first = resolveDeterminism({ runId: 'r' });
    const second = resolveDeterminism({ runId: 'r' });
    expect(first.seed).toMatch(/^[0-9a-f]{32}$/);
    expect(second.seed).not.toBe(first.seed);
    expect(first.clockStartMs).toBeGreaterThanOrEqual(before);
    expect(first.clockStartMs).toBeLessThanOrEqual(Date.now());
  });

  it.each([
    [{ seed: '' }, 'seed'],
    [{ seed: 'x'.repeat(257) }, 'seed'],
    [{ clockStartMs: Number.NaN }, 'clockStartMs'],
    [{ clockStartMs: 1.5 }, 'clockStartMs'],
    [{ clockStartMs: 8.64e15 + 1 }, 'clockStartMs'],
  ])('refuses %j with INTERNAL', (request, field) => {
    expect(() => resolveDeterminism({ runId: 'run-x', ...request })).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining(field) }));
  });
});
