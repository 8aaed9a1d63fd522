/**
 * UsageError: the command line itself is wrong (unknown option, bad --input JSON, missing file).
 *
 * The dispatcher prints its one-line message with a hint to `--help` and exits with status 2, so
 * scripts can tell "you called me wrong" from "the run failed" (1).
 */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** True for a UsageError from any copy of this module. */
export function isUsageError(value: unknown): value is UsageError {
  return value instanceof Error && value.name === 'UsageError';
}
