/**
 * `clock.now {}` → `{epochMs, iso}`: the host's wall clock. A recorded capability: the journal keeps
 * the result so a replay sees the same time (the guest's own Date is frozen).
 */
import { defineCapability, type Capability } from '../capability.ts';

export interface ClockNowResult {
  readonly epochMs: number;
  readonly iso: string;
}

export interface ClockNowOptions {
  /** The time source. @default Date.now */
  readonly now?: () => number;
}

/** Creates the `clock.now` capability. */
export function createClockNow(options: ClockNowOptions = {}): Capability<Record<string, never>, ClockNowResult> {
  const now = options.now ?? Date.now;
  return defineCapability<Record<string, never>, ClockNowResult>({
    name: 'clock.now',
    description: 'Returns the current wall-clock time',
    argsSchema: { type: 'object', additionalProperties: false },
    // Not a change to the world, but not reproducible either: the journal records it.
    sideEffects: true,
    execute: async () => {
      const epochMs = now();
      return { epochMs, iso: new Date(epochMs).toISOString() };
    },
  });
}
