// resolveSandboxOptions: documented defaults and clear errors for impossible values.
import { describe, expect, it } from 'vitest';
import { DaemonError } from '../../../src/errors/index.ts';
import { resolveSandboxOptions } from '../../../src/sandbox/index.ts';

describe('resolveSandboxOptions', () => {
  it('applies the defaults', () => {
    expect(resolveSandboxOptions({})).toEqual({ workers: 1, warmIsolates: 2, recycleAfterRuns: 50, warmMemoryMb: 128, workerRssBaseMb: 384 });
  });

  it('keeps given values, including a warm pool of 0', () => {
    expect(resolveSandboxOptions({ workers: 3, warmIsolates: 0 })).toMatchObject({ workers: 3, warmIsolates: 0 });
  });

  it('refuses impossible values with the option named', () => {
    for (const [options, key] of [[{ workers: 0 }, 'workers'], [{ warmIsolates: -1 }, 'warmIsolates'], [{ recycleAfterRuns: 1.5 }, 'recycleAfterRuns'], [{ warmMemoryMb: 4 }, 'warmMemoryMb']] as const) {
      expect(() => resolveSandboxOptions(options)).toThrow(DaemonError);
      expect(() => resolveSandboxOptions(options)).toThrow(`"${key}"`);
    }
  });
});
