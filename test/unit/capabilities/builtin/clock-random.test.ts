import { describe, expect, it } from 'vitest';
import { createClockNow, createRandomBytes } from '../../../../src/capabilities/index.ts';
import { createTestContext } from '../support/test-context.ts';

describe('clock.now', () => {
  it('returns epoch milliseconds and the matching ISO string', async () => {
    const clock = createClockNow({ now: () => 1_700_000_000_123 });
    expect(await clock.execute({}, await createTestContext())).toEqual({ epochMs: 1_700_000_000_123, iso: '2023-11-14T22:13:20.123Z' });
  });

  it('reads the real clock by default', async () => {
    const before = Date.now();
    const { epochMs } = await createClockNow().execute({}, await createTestContext());
    expect(epochMs).toBeGreaterThanOrEqual(before);
    expect(epochMs).toBeLessThanOrEqual(Date.now());
  });
});

describe('random.bytes', () => {
  it('returns the requested number of bytes as hex, different each call', async () => {
    const random = createRandomBytes();
    const ctx = await createTestContext();
    const a = await random.execute({ length: 32 }, ctx);
    const b = await random.execute({ length: 32 }, ctx);
    expect(a.hex).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hex).not.toBe(b.hex);
  });
});
