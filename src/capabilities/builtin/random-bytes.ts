/**
 * `random.bytes {length}` → `{hex}`: cryptographically strong random bytes from the host. A recorded
 * capability: the journal keeps the result so a replay sees the same bytes.
 */
import { randomBytes } from 'node:crypto';
import { defineCapability, type Capability } from '../capability.ts';

export interface RandomBytesArgs {
  /** 1 to 65536. */
  readonly length: number;
}

export interface RandomBytesResult {
  /** `length` bytes, lower-case hex. */
  readonly hex: string;
}

/** Creates the `random.bytes` capability. */
export function createRandomBytes(): Capability<RandomBytesArgs, RandomBytesResult> {
  return defineCapability<RandomBytesArgs, RandomBytesResult>({
    name: 'random.bytes',
    description: 'Returns cryptographically strong random bytes as hex',
    argsSchema: {
      type: 'object',
      properties: { length: { type: 'integer', minimum: 1, maximum: 65536 } },
      required: ['length'],
      additionalProperties: false,
    },
    sideEffects: true,
    execute: async (args) => ({ hex: randomBytes(args.length).toString('hex') }),
  });
}
